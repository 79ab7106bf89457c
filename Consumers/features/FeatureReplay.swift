import Foundation
import TwinlogEmbedding
import TwinlogEvents
import TwinlogKafka
import TwinlogKafkaEvents
import TwinlogPostgres
import TwinlogSink
import TwinlogRuntime

/// Rebuilds the chunk sets and `twin.chunks` from the earliest offset of `twin.warehouse.changes`.
///
/// Strategy: forget every chunk set and the stored offsets, re-apply the change log from its start
/// (re-chunking and re-embedding each document), then remove every chunk the old chunk sets held
/// that the rebuilt ones do not (a change that aged out of the change topic's retention would
/// otherwise leave it in `twin.chunks` forever). Stop the live feature consumer first: it shares
/// the stored offsets. To rebuild from a change log that no longer holds every document, replay
/// the warehouse first (`twinlog replay warehouse`): its truncate and re-inserts flow through CDC.
public enum FeatureReplay {
    /// What a replay did.
    public struct Outcome: Sendable {
        public var records = 0
        public var chunksEmbedded = 0
        public var chunksRemoved = 0
        /// Chunks of the old chunk sets that the rebuilt ones do not hold, removed at the end.
        public var orphansRemoved = 0
        public var seconds = 0.0
    }

    /// Replays until the stored offsets reach the end offsets seen at the start and no record
    /// arrived for `idle`.
    public static func run(_ configuration: FeatureConsumer.Configuration, embedder: Embedder, idle: Duration = .seconds(2),
                           timeout: Duration = .seconds(86_400)) async throws -> Outcome {
        let started = ContinuousClock.now
        let db = try await WarehouseSchema.connect(configuration.database)
        let store = ChunkSetStore()
        let offsets = PostgresOffsetStore(consumer: FeatureConsumer.consumerName)
        let before = try await store.liveChunks(db)
        try await db.transaction { db in
            try await store.reset(db)
            try await offsets.reset(db)
        }
        let admin = try KafkaAdmin(configuration: configuration.kafka)
        let ends = try await admin.endOffsets(topic: configuration.topics.warehouseChanges)
        await admin.close()

        let consumer = try await FeatureConsumer(configuration, embedder: embedder)
        var outcome = Outcome()
        var lastRecord = ContinuousClock.now
        while ContinuousClock.now - started < timeout {
            let batch = try await consumer.step()
            outcome.records += batch.records
            outcome.chunksEmbedded += batch.chunksEmbedded
            outcome.chunksRemoved += batch.chunksRemoved
            if batch.records > 0 { lastRecord = .now; continue }
            let stored = try await offsets.load(db, partitions: Array(ends.keys))
            if ends.allSatisfy({ (stored[$0.key] ?? 0) >= $0.value }) && ContinuousClock.now - lastRecord >= idle { break }
        }
        await consumer.shutdown()

        let after = try await store.liveChunks(db)
        let orphans = before.filter { after[$0.key] == nil }.sorted { $0.key < $1.key }
        if !orphans.isEmpty {
            let producer = try KafkaProducer(configuration: configuration.kafka)
            var records: [OutgoingRecord] = []
            for (chunkId, owner) in orphans {
                let event = ChunkRemoved(chunkId: chunkId, documentId: owner.documentId, authorId: owner.authorId ?? "unknown",
                                         reason: "not in the replayed change log")
                records.append(try EventCodec.record(event, topic: configuration.topics.chunks, source: FeatureConsumer.eventSource))
                records.append(OutgoingRecord(topic: configuration.topics.chunks, key: chunkId, value: nil))
            }
            try await producer.send(records)
            await producer.shutdown()
        }
        outcome.orphansRemoved = orphans.count
        await db.close()
        outcome.seconds = (ContinuousClock.now - started).inSeconds
        return outcome
    }
}
