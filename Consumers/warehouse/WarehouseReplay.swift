import Foundation
import TwinlogEvents
import TwinlogKafka
import TwinlogPostgres
import TwinlogSink

/// Rebuilds the warehouse from the earliest offset of `twin.documents`.
///
/// Strategy: truncate in place, then re-materialize. The tables keep their identity, so the CDC
/// publication keeps working and downstream consumers see a truncate followed by the rebuilt rows,
/// which converges every view. (A fresh schema swapped in would leave the publication pointing at
/// the old tables.) Stop the live materializer first: it shares the stored offsets.
public enum WarehouseReplay {
    /// What a replay did.
    public struct Outcome: Sendable {
        public var records = 0
        public var versionsWritten = 0
        public var seconds = 0.0
    }

    /// Truncates the warehouse and re-applies every event until the stored offsets reach the end
    /// offsets seen at the start and no record arrived for `idle`.
    public static func run(_ configuration: WarehouseMaterializer.Configuration, idle: Duration = .seconds(2),
                           timeout: Duration = .seconds(3600)) async throws -> Outcome {
        let started = ContinuousClock.now
        let db = try await WarehouseSchema.connect(configuration.database)
        try await db.transaction { db in
            try await db.execute("TRUNCATE authors, documents, document_versions, erased_authors")
            try await PostgresOffsetStore(consumer: WarehouseMaterializer.consumerName).reset(db)
        }
        let admin = try KafkaAdmin(configuration: configuration.kafka)
        let ends = try await admin.endOffsets(topic: configuration.topics.documents)
        await admin.close()

        let materializer = try await WarehouseMaterializer(configuration)
        var outcome = Outcome()
        var lastRecord = ContinuousClock.now
        while ContinuousClock.now - started < timeout {
            let batch = try await materializer.step()
            outcome.records += batch.records
            outcome.versionsWritten += batch.versionsWritten
            if batch.records > 0 { lastRecord = .now; continue }
            let stored = try await PostgresOffsetStore(consumer: WarehouseMaterializer.consumerName)
                .load(db, partitions: Array(ends.keys))
            let reachedEnds = ends.allSatisfy { (stored[$0.key] ?? 0) >= $0.value }
            if reachedEnds && ContinuousClock.now - lastRecord >= idle { break }
        }
        await materializer.shutdown()
        await db.close()
        let elapsed = (ContinuousClock.now - started).components
        outcome.seconds = Double(elapsed.seconds) + Double(elapsed.attoseconds) / 1e18
        return outcome
    }

    /// A checksum of each warehouse table's content (materialization timestamps excluded), to
    /// compare a replayed warehouse with a live one row by row.
    public static func checksums(_ db: PostgresConnection) async throws -> [String: String] {
        let queries: [(String, PostgresQuery)] = [
            ("authors", "SELECT md5(coalesce(string_agg(author_id || '|' || name, E'\\n' ORDER BY author_id), '')) AS sum FROM authors"),
            ("documents", """
                SELECT md5(coalesce(string_agg(concat_ws('|', document_id, author_id, platform, kind, source_url, title, content,
                    content_hash, version, captured_at, published_at, metadata::text), E'\\n' ORDER BY document_id), '')) AS sum FROM documents
                """),
            ("document_versions", """
                SELECT md5(coalesce(string_agg(concat_ws('|', document_id, version, author_id, title, content, content_hash, captured_at),
                    E'\\n' ORDER BY document_id, version), '')) AS sum FROM document_versions
                """),
            ("erased_authors", "SELECT md5(coalesce(string_agg(author_id || '|' || erased_at, E'\\n' ORDER BY author_id), '')) AS sum FROM erased_authors"),
        ]
        var sums: [String: String] = [:]
        for (table, query) in queries { sums[table] = try await db.query(query)[0].decode(String.self, "sum") }
        return sums
    }
}
