import TwinlogKafka
import TwinlogPostgres

/// A consumer's Kafka offsets kept in the warehouse's `consumer_offsets` table, written in the same
/// transaction as the effects they produced: after a crash the consumer resumes exactly after the
/// last committed effect, never before it (no lost event) and never after it (no skipped effect).
public struct PostgresOffsetStore: Sendable {
    public let consumer: String

    public init(consumer: String) { self.consumer = consumer }

    /// The next offset to read for each of `partitions` that has one stored.
    public func load(_ db: PostgresConnection, partitions: [TopicPartition]) async throws -> [TopicPartition: Int64] {
        let wanted = Set(partitions)
        var offsets: [TopicPartition: Int64] = [:]
        for row in try await db.query("SELECT topic, partition, next_offset FROM consumer_offsets WHERE consumer = \(consumer)") {
            let tp = TopicPartition(try row.decode(String.self, "topic"), try row.decode(Int32.self, "partition"))
            if wanted.contains(tp) { offsets[tp] = try row.decode(Int64.self, "next_offset") }
        }
        return offsets
    }

    /// Records the next offsets; call inside the transaction that applied the effects. An offset
    /// never moves backwards (a late batch from a member that lost the partition cannot rewind it).
    public func save(_ db: PostgresConnection, _ offsets: [TopicPartition: Int64]) async throws {
        for (tp, next) in offsets.sorted(by: { $0.key < $1.key }) {
            try await db.execute("""
                INSERT INTO consumer_offsets (consumer, topic, partition, next_offset, updated_at)
                VALUES (\(consumer), \(tp.topic), \(tp.partition), \(next), now())
                ON CONFLICT (consumer, topic, partition) DO UPDATE
                SET next_offset = GREATEST(consumer_offsets.next_offset, EXCLUDED.next_offset), updated_at = now()
                """)
        }
    }

    /// Forgets every stored offset of this consumer (a replay starts from the beginning).
    public func reset(_ db: PostgresConnection) async throws {
        try await db.execute("DELETE FROM consumer_offsets WHERE consumer = \(consumer)")
    }
}
