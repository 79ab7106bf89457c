import Foundation
import ServiceLifecycle
import TwinlogEvents
import TwinlogKafka
import TwinlogKafkaEvents
import TwinlogPostgres
import TwinlogSink

/// Consumes `twin.documents` and maintains the warehouse: `authors`, `documents` (the current
/// version) and `document_versions` (the history).
///
/// Runs on `ConsumerRuntime`. Effectively-once: each batch's effects and the consumer's next
/// offsets commit in one PostgreSQL transaction, and on every partition assignment the consumer
/// starts from the offsets stored there. Every effect is a keyed upsert or delete, so even a batch
/// applied twice (after a member lost its partitions mid-batch) leaves the same rows.
///
/// Invalid events (bad envelope, schema violation, unknown type, text PostgreSQL cannot store)
/// go to `twin.dlq.warehouse` with the reason in headers, and the consumer moves on.
public final class WarehouseMaterializer: Service {
    /// What the materializer connects to and how it batches.
    public struct Configuration: ConsumerConfiguration {
        /// The broker, topics, group (default `twinlog.warehouse`), batch size (1,000) and observers.
        public var common: ConsumerSettings
        public var database: PostgresConnection.Options

        public init(kafka: KafkaConfiguration, database: PostgresConnection.Options, topics: TopicCatalogue, groupId: String? = nil) {
            common = ConsumerSettings(name: WarehouseMaterializer.consumerName, kafka: kafka, topics: topics, groupId: groupId, maxBatch: 1000)
            self.database = database
        }
    }

    /// What one batch did.
    public struct BatchOutcome: ConsumerOutcome, Equatable {
        /// New documents or new versions written.
        public var versionsWritten = 0
        /// DocumentCaptured events whose content equals the current version.
        public var unchanged = 0
        public var removed = 0
        public var erased = 0
        public init() {}

        public mutating func merge(_ other: BatchOutcome) {
            versionsWritten += other.versionsWritten
            unchanged += other.unchanged
            removed += other.removed
            erased += other.erased
        }
    }

    /// The name under which the materializer stores its offsets and dead letters.
    public static let consumerName = "warehouse"
    private let runtime: ConsumerRuntime<WarehouseWriter>

    /// Connects to PostgreSQL (applying pending migrations) and joins the consumer group.
    public init(_ configuration: Configuration) async throws {
        let writer = WarehouseWriter(db: try await WarehouseSchema.connect(configuration.database))
        runtime = try ConsumerRuntime(settings: configuration.common, source: .group(topics: [configuration.topics.documents]),
                                      handler: writer, producer: try KafkaProducer(configuration: configuration.kafka))
    }

    /// Materializes until the task is cancelled or a graceful shutdown begins (the batch in
    /// flight commits first), then closes everything.
    public func run() async throws { try await runtime.run() }

    /// Polls one batch and applies it in one transaction with its offsets.
    @discardableResult
    public func step(timeout: Duration = .milliseconds(200)) async throws -> ConsumerStep<BatchOutcome> {
        try await runtime.step(timeout: timeout)
    }

    /// Leaves the group and closes the producer and the database connection.
    public func shutdown() async { await runtime.shutdown() }
}

/// The warehouse's handler: a record becomes a capture, a removal or an erasure, and a batch of
/// them one transaction with the offsets.
struct WarehouseWriter: ConsumerHandler {
    typealias Outcome = WarehouseMaterializer.BatchOutcome

    func close() async { await db.close() }

    enum Effect: Sendable {
        case capture(DocumentCaptured)
        case remove(DocumentRemoved)
        case erase(AuthorErased)
    }

    let db: PostgresConnection
    private let offsets = PostgresOffsetStore(consumer: WarehouseMaterializer.consumerName)

    init(db: PostgresConnection) { self.db = db }

    func storedOffsets(_ partitions: [TopicPartition]) async throws -> [TopicPartition: Int64] {
        try await offsets.load(db, partitions: partitions)
    }

    func apply(_ batch: ConsumerBatch<Effect>) async throws -> Outcome {
        var outcome = Outcome()
        try await db.transaction { db in
            // Runs of captures are written set-based; removals and erasures, rare and order
            // sensitive, one by one between the runs.
            var captures: [DocumentCaptured] = []
            for (_, effect) in batch.inputs {
                if case .capture(let document) = effect {
                    captures.append(document)
                    continue
                }
                try await applyCaptures(captures, db, &outcome)
                captures.removeAll()
                try await apply(effect, db, &outcome)
            }
            try await applyCaptures(captures, db, &outcome)
            try await offsets.save(db, batch.nextOffsets)
        }
        return outcome
    }

    /// Decodes a record into the effect it asks for, or says why it cannot be applied.
    func decode(_ record: KafkaRecord) throws -> Effect? {
        let envelope = try EventEnvelope(headers: record.headers)
        switch envelope.type {
        case DocumentCaptured.eventType:
            let event = try EventCodec.decode(record, as: DocumentCaptured.self).event
            if let offset = event.content.utf8.firstIndex(of: 0) {
                throw EventError("content contains a NUL byte at UTF-8 offset \(event.content.utf8.distance(from: event.content.utf8.startIndex, to: offset)); PostgreSQL text cannot store it")
            }
            if event.title.utf8.contains(0) { throw EventError("title contains a NUL byte") }
            guard event.contentHash == EventIDs.contentHash(event.content) else {
                throw EventError("contentHash does not match the SHA-256 of content")
            }
            return .capture(event)
        case DocumentRemoved.eventType:
            return .remove(try EventCodec.decode(record, as: DocumentRemoved.self).event)
        case AuthorErased.eventType:
            return .erase(try EventCodec.decode(record, as: AuthorErased.self).event)
        case let other:
            throw EventError("unexpected event type \(other) on \(record.topic)")
        }
    }

    /// Applies captures in a few statements: one to find erased authors, one to upsert authors, and
    /// one per round, where round k holds the k-th capture of each document in the batch (so no
    /// statement touches a row twice and versions keep their order).
    private func applyCaptures(_ captures: [DocumentCaptured], _ db: PostgresConnection, _ outcome: inout Outcome) async throws {
        guard !captures.isEmpty else { return }
        let authorIds = Array(Set(captures.map(\.authorId)))
        var erasedAt: [String: Date] = [:]
        for row in try await db.query("SELECT author_id, erased_at FROM erased_authors WHERE author_id = ANY(\(PostgresArray(authorIds))::text[])") {
            erasedAt[try row.decode(String.self, "author_id")] = try row.decode(Date.self, "erased_at")
        }
        // A document captured before its author's erasure must not bring the author back.
        let accepted = captures.filter { document in erasedAt[document.authorId].map { document.capturedAt > $0 } ?? true }
        outcome.unchanged += captures.count - accepted.count
        guard !accepted.isEmpty else { return }

        var names: [String: String] = [:]
        for document in accepted { names[document.authorId] = document.authorName }
        let authors = names.sorted { $0.key < $1.key }
        try await db.execute("""
            INSERT INTO authors (author_id, name)
            SELECT * FROM unnest(\(PostgresArray(authors.map(\.key)))::text[], \(PostgresArray(authors.map(\.value)))::text[])
            ON CONFLICT (author_id) DO UPDATE SET name = EXCLUDED.name, updated_at = now()
            WHERE authors.name IS DISTINCT FROM EXCLUDED.name
            """)

        var rounds: [[DocumentCaptured]] = []
        var seen: [String: Int] = [:]
        for document in accepted {
            let round = seen[document.documentId, default: 0]
            seen[document.documentId] = round + 1
            if round == rounds.count { rounds.append([]) }
            rounds[round].append(document)
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        for round in rounds {
            let metadata = try round.map { String(decoding: try encoder.encode($0.metadata), as: UTF8.self) }
            let written = try await db.query("""
                WITH input AS (
                    SELECT * FROM unnest(\(PostgresArray(round.map(\.documentId)))::text[], \(PostgresArray(round.map(\.authorId)))::text[],
                                         \(PostgresArray(round.map(\.platform.rawValue)))::text[], \(PostgresArray(round.map(\.kind.rawValue)))::text[],
                                         \(PostgresArray(round.map(\.sourceUrl)))::text[], \(PostgresArray(round.map(\.title)))::text[],
                                         \(PostgresArray(round.map(\.content)))::text[], \(PostgresArray(round.map(\.contentHash)))::text[],
                                         \(PostgresArray(round.map(\.capturedAt)))::timestamptz[],
                                         \(PostgresArray(round.map { $0.publishedAt.postgresText }))::timestamptz[],
                                         \(PostgresArray(metadata))::jsonb[])
                        AS t(document_id, author_id, platform, kind, source_url, title, content, content_hash, captured_at, published_at, metadata)),
                current AS (
                    INSERT INTO documents (document_id, author_id, platform, kind, source_url, title, content, content_hash,
                                           version, captured_at, published_at, metadata)
                    SELECT document_id, author_id, platform, kind, source_url, title, content, content_hash, 1, captured_at, published_at, metadata
                    FROM input
                    ON CONFLICT (document_id) DO UPDATE SET
                        author_id = EXCLUDED.author_id, platform = EXCLUDED.platform, kind = EXCLUDED.kind,
                        source_url = EXCLUDED.source_url, title = EXCLUDED.title, content = EXCLUDED.content,
                        content_hash = EXCLUDED.content_hash, version = documents.version + 1,
                        captured_at = EXCLUDED.captured_at, published_at = EXCLUDED.published_at,
                        metadata = EXCLUDED.metadata, updated_at = now()
                    WHERE documents.content_hash <> EXCLUDED.content_hash
                    RETURNING document_id, version, author_id, title, content, content_hash, captured_at)
                INSERT INTO document_versions (document_id, version, author_id, title, content, content_hash, captured_at)
                SELECT document_id, version, author_id, title, content, content_hash, captured_at FROM current
                ON CONFLICT (document_id, version) DO NOTHING
                RETURNING version
                """)
            outcome.versionsWritten += written.count
            outcome.unchanged += round.count - written.count
        }
    }

    private func apply(_ effect: Effect, _ db: PostgresConnection, _ outcome: inout Outcome) async throws {
        switch effect {
        case .capture(let document):
            try await applyCaptures([document], db, &outcome)
        case .remove(let removal):
            outcome.removed += try await db.execute("DELETE FROM documents WHERE document_id = \(removal.documentId)")
        case .erase(let erasure):
            try await db.execute("DELETE FROM document_versions WHERE author_id = \(erasure.authorId)")
            try await db.execute("DELETE FROM documents WHERE author_id = \(erasure.authorId)")
            try await db.execute("DELETE FROM authors WHERE author_id = \(erasure.authorId)")
            try await db.execute("""
                INSERT INTO erased_authors (author_id, erased_at) VALUES (\(erasure.authorId), \(erasure.requestedAt))
                ON CONFLICT (author_id) DO UPDATE SET erased_at = GREATEST(erased_authors.erased_at, EXCLUDED.erased_at)
                """)
            outcome.erased += 1
        }
    }
}
