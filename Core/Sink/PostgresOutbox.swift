import Foundation
import TwinlogKafka
import TwinlogPostgres

/// The transactional outbox: records stored in `event_outbox` inside the transaction that made the
/// state they announce, and published after the commit. A crash between the commit and the
/// publish leaves them in the table, and the next `flush` (every owner calls it when it starts)
/// sends them; events carry deterministic ids, so a record sent twice is a duplicate downstream,
/// never a lost or a premature announcement. Flushes of one schema take turns (an advisory lock),
/// so two processes can never publish an older record after a newer one.
public struct PostgresOutbox: Sendable {
    public init() {}

    /// Stores `record`; call inside the transaction that made the state it announces.
    public func enqueue(_ record: OutgoingRecord, in db: PostgresConnection) async throws {
        let headers = record.headers.map { ["name": $0.name, "value": $0.value.map { String(decoding: $0, as: UTF8.self) } ?? ""] }
        let json = String(decoding: try JSONSerialization.data(withJSONObject: headers, options: [.sortedKeys]), as: UTF8.self)
        try await db.execute("""
            INSERT INTO event_outbox (topic, key, value, headers)
            VALUES (\(record.topic), \(record.key), \(record.value ?? []), \(json)::jsonb)
            """)
    }

    /// Publishes every stored record in order, removing each after the broker acknowledged it;
    /// returns how many were sent.
    @discardableResult
    public func flush(_ db: PostgresConnection, producer: KafkaProducer) async throws -> Int {
        try await db.transaction { db in
            _ = try await db.query("SELECT pg_advisory_xact_lock(hashtext(current_schema() || '.event_outbox'))")
            let rows = try await db.query("SELECT position, topic, key, value, headers::text AS headers FROM event_outbox ORDER BY position")
            for row in rows {
                let headerObjects = try JSONSerialization.jsonObject(with: Data(try row.decode(String.self, "headers").utf8)) as? [[String: String]] ?? []
                let record = OutgoingRecord(topic: try row.decode(String.self, "topic"), key: try row.decodeIfPresent([UInt8].self, "key"),
                                            value: try row.decode([UInt8].self, "value"),
                                            headers: headerObjects.map { KafkaHeader($0["name"] ?? "", $0["value"] ?? "") })
                _ = try await producer.send(record)
                try await db.execute("DELETE FROM event_outbox WHERE position = \(try row.decode(Int64.self, "position"))")
            }
            return rows.count
        }
    }
}
