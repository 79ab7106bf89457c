import Foundation
import Logging
import ServiceLifecycle
import Metrics
import Synchronization
import TwinlogEvents
import TwinlogIndex
import TwinlogKafka
import TwinlogMetrics
import TwinlogRuntime

/// Keeps an HNSW index equal to `twin.chunks`: ChunkEmbedded upserts the chunk's vector and
/// payload, ChunkRemoved and tombstones delete it. The embeddings are in the events, so building
/// or rebuilding an index never runs the embedder.
///
/// A full replica: it reads every partition by assignment, outside any consumer group, so every
/// instance (each inference consumer embeds one) holds the whole index. With a snapshot path it
/// saves the index periodically together with the offsets it reflects (one file, written
/// atomically); on start it loads the snapshot, seeks to those offsets and catches up, so after a
/// crash it converges to the same chunks and vectors as an uninterrupted run.
///
/// Invalid records go to `twin.dlq.index` with the reason, and the materializer moves on.
public final class IndexMaterializer: Service {
    /// What the materializer reads, where it keeps snapshots and how often.
    public struct Configuration: Sendable {
        public var kafka: KafkaConfiguration
        public var topics: TopicCatalogue
        /// The snapshot file; nil keeps the index in memory only (it is rebuilt from the topic).
        public var snapshotPath: URL?
        /// Whether this materializer writes the snapshot. A replica (an inference instance) only
        /// starts from the snapshot the index component writes, and falls back to a full replay
        /// when the file cannot be read.
        public var writesSnapshots = true
        /// Snapshot after this many applied records…
        public var snapshotEveryRecords = 50_000
        /// …or this long after the last snapshot when anything was applied since.
        public var snapshotInterval: Duration = .seconds(60)
        /// The parameters of a new index (a loaded snapshot keeps its own).
        public var index = IndexConfiguration(dimension: 384)
        /// Fetch tuning; the group id only names the client (nothing is committed to Kafka).
        public var consumer = KafkaConsumer.Options(groupId: "twinlog.index")
        public var maxBatch = 5000
        public var lagInterval: Duration = .seconds(5)
        public var metrics: any MetricsFactory = TwinlogMetrics.factory
        public var logger = Logger(label: "twinlog.index")

        public init(kafka: KafkaConfiguration, topics: TopicCatalogue, snapshotPath: URL? = nil) {
            self.kafka = kafka
            self.topics = topics
            self.snapshotPath = snapshotPath
        }
    }

    /// What one batch did.
    public struct BatchOutcome: Sendable {
        public var records = 0
        public var upserted = 0
        public var deleted = 0
        public var deadLettered = 0
        /// Seconds from each applied chunk's source time (its document's capture) to searchable.
        public var freshness: [Double] = []
        public init() {}
    }

    /// The name under which the materializer dead-letters.
    public static let consumerName = "index"

    /// The index; search it from any task (searches run concurrently with the materializer).
    public let index: VectorIndex
    private let configuration: Configuration
    private let consumer: KafkaConsumer
    private let producer: KafkaProducer
    private let admin: KafkaAdmin
    private let executor = BlockingExecutor(label: "twinlog.index.apply")
    private let metrics: IndexMetrics
    private let progress: Mutex<Progress>

    private struct Progress {
        var position: IndexLogPosition
        var appliedSinceSnapshot = 0
        var lastSnapshot = ContinuousClock.now
    }

    /// Loads the snapshot (when `resume` and the file exists) and starts reading every partition
    /// of the chunk topic from the offsets it reflects, or from the beginning.
    public init(_ configuration: Configuration, resume: Bool = true) async throws {
        self.configuration = configuration
        metrics = IndexMetrics(factory: configuration.metrics)
        let topic = configuration.topics.chunks
        var loaded: (VectorIndex, IndexLogPosition?)?
        if resume, let path = configuration.snapshotPath, FileManager.default.fileExists(atPath: path.path) {
            do {
                loaded = try await executor.run {
                    let index = try VectorIndex.load(from: path)
                    return (index, try IndexLogPosition(bytes: index.logPosition))
                }
                if let found = loaded?.1, found.topic != topic, !configuration.writesSnapshots { loaded = nil }
            } catch where !configuration.writesSnapshots {
                configuration.logger.warning("the index snapshot cannot be read; replaying the chunk topic from the beginning",
                                             metadata: ["path": "\(path.path)", "error": "\(error)"])
            }
        }
        let position = loaded?.1 ?? IndexLogPosition(topic: topic)
        guard position.topic == topic else {
            throw IndexMaterializerError(description: "snapshot \(configuration.snapshotPath?.path ?? "") reflects \(position.topic), not \(topic)")
        }
        index = try loaded?.0 ?? VectorIndex(configuration: configuration.index)
        progress = Mutex(Progress(position: position))
        admin = try KafkaAdmin(configuration: configuration.kafka)
        let partitions = try await admin.endOffsets(topic: topic).keys
        var start: [TopicPartition: Int64] = [:]
        for tp in partitions { start[tp] = position.offsets[tp.partition] ?? KafkaOffset.beginning }
        consumer = try KafkaConsumer(configuration: configuration.kafka, options: configuration.consumer, assign: start)
        producer = try KafkaProducer(configuration: configuration.kafka)
        metrics.liveChunks.record(index.count)
        if loaded != nil {
            configuration.logger.info("loaded the index snapshot", metadata: [
                "chunks": "\(index.count)", "offsets": "\(position.offsets.sorted { $0.key < $1.key })"])
        }
    }

    /// The offsets the index reflects (partition → next offset).
    public var position: IndexLogPosition { progress.withLock { $0.position } }

    /// Applies batches until the task is cancelled or a graceful shutdown begins, snapshotting
    /// when due; then takes a final snapshot and closes the clients.
    public func run() async throws {
        var lastLag = ContinuousClock.now - configuration.lagInterval
        do {
            while !Task.isCancelled && !Task.isShuttingDownGracefully {
                try await step()
                if snapshotDue() { try await snapshot() }
                if ContinuousClock.now - lastLag >= configuration.lagInterval {
                    lastLag = .now
                    await refreshLag()
                }
            }
        } catch is CancellationError {}
        if configuration.snapshotPath != nil, configuration.writesSnapshots { try await snapshot() }
        await shutdown()
        configuration.logger.info("index materializer stopped")
    }

    /// Polls one batch and applies it.
    @discardableResult
    public func step(timeout: Duration = .milliseconds(200)) async throws -> BatchOutcome {
        let records = try await consumer.poll(maxRecords: configuration.maxBatch, timeout: timeout)
        guard !records.isEmpty else { return BatchOutcome() }
        let index = self.index
        let (outcome, rejected) = await executor.run { [self] in
            var outcome = BatchOutcome()
            outcome.records = records.count
            var rejected: [(KafkaRecord, String)] = []
            for record in records {
                do {
                    try Self.apply(record, to: index, &outcome)
                } catch {
                    rejected.append((record, "\(error)"))
                }
                // The position moves under the lock with each record, so a snapshot taken between
                // two records reflects exactly the records applied.
                progress.withLock { $0.position.advance(past: record) }
            }
            progress.withLock { $0.appliedSinceSnapshot += records.count }
            return (outcome, rejected)
        }
        var result = outcome
        if !rejected.isEmpty {
            try await producer.send(rejected.map { deadLetter($0.0, reason: $0.1) })
            result.deadLettered = rejected.count
        }
        metrics.events.increment(by: records.count)
        metrics.upserts.increment(by: result.upserted)
        metrics.deletes.increment(by: result.deleted)
        metrics.deadLetters.increment(by: result.deadLettered)
        for seconds in result.freshness { metrics.freshness.recordSeconds(seconds) }
        metrics.liveChunks.record(index.count)
        return result
    }

    /// Writes the snapshot with the offsets it reflects (no-op without a snapshot path).
    public func snapshot() async throws {
        guard let path = configuration.snapshotPath, configuration.writesSnapshots else { return }
        let index = self.index
        // On the apply executor: no batch runs while the position is stamped and the index encoded.
        let offsets = try await executor.run { [self] in
            let position = progress.withLock { $0.position }
            index.logPosition = position.bytes
            try FileManager.default.createDirectory(at: path.deletingLastPathComponent(), withIntermediateDirectories: true)
            try index.save(to: path)
            progress.withLock {
                $0.appliedSinceSnapshot = 0
                $0.lastSnapshot = .now
            }
            return position.offsets
        }
        metrics.snapshots.increment()
        configuration.logger.debug("saved the index snapshot", metadata: ["path": "\(path.path)", "offsets": "\(offsets.sorted { $0.key < $1.key })"])
    }

    /// Whether the index reflects at least `ends` (the chunk topic's end offsets).
    public func hasReached(_ ends: [TopicPartition: Int64]) -> Bool {
        progress.withLock { $0.position.reached(ends) }
    }

    /// The chunk topic's current end offsets.
    public func endOffsets() async throws -> [TopicPartition: Int64] {
        try await admin.endOffsets(topic: configuration.topics.chunks)
    }

    /// Closes the clients.
    public func shutdown() async {
        await consumer.close()
        await producer.shutdown()
        await admin.close()
    }

    private func snapshotDue() -> Bool {
        guard configuration.snapshotPath != nil, configuration.writesSnapshots else { return false }
        return progress.withLock {
            $0.appliedSinceSnapshot >= configuration.snapshotEveryRecords
                || ($0.appliedSinceSnapshot > 0 && ContinuousClock.now - $0.lastSnapshot >= configuration.snapshotInterval)
        }
    }

    /// Applies one record: a tombstone or ChunkRemoved deletes, ChunkEmbedded upserts.
    private static func apply(_ record: KafkaRecord, to index: VectorIndex, _ outcome: inout BatchOutcome) throws {
        guard let value = record.value, !value.isEmpty else {
            guard let key = record.keyString else { throw EventError("a tombstone without a UTF-8 key") }
            if index.delete(key: key) { outcome.deleted += 1 }
            return
        }
        switch EventCodec.eventType(of: record) {
        case ChunkEmbedded.eventType:
            let event = try EventCodec.decode(record, as: ChunkEmbedded.self).event
            guard let vector = event.vector else {
                throw EventError("the embedding does not decode to \(event.dimensions) Float32 values")
            }
            try index.upsert(key: event.chunkId, vector: vector, payload: ChunkPayload(
                authorId: event.authorId, platform: event.platform.rawValue, kind: event.kind.rawValue,
                documentId: event.documentId, title: event.title, url: event.url, text: event.text, documentDate: event.documentDate,
                source: event.source ?? "", section: event.section ?? ""))
            outcome.upserted += 1
            outcome.freshness.append(Date().timeIntervalSince(event.sourceTime))
        case ChunkRemoved.eventType:
            let event = try EventCodec.decode(record, as: ChunkRemoved.self).event
            if index.delete(key: event.chunkId) { outcome.deleted += 1 }
        case let other:
            throw EventError("unexpected event type \(other ?? "(none)") on \(record.topic)")
        }
    }

    private func deadLetter(_ record: KafkaRecord, reason: String) -> OutgoingRecord {
        DeadLetter.record(for: record, to: configuration.topics.deadLetter(consumer: Self.consumerName), consumer: Self.consumerName,
                          reason: reason, logger: configuration.logger)
    }

    /// Sets the lag gauge: records on the chunk topic past the index's position (approximate on
    /// brokers whose high watermark is inexact).
    private func refreshLag() async {
        do {
            let ends = try await endOffsets()
            let offsets = position.offsets
            metrics.lag.record(ends.reduce(0) { $0 + max(0, $1.value - (offsets[$1.key.partition] ?? 0)) })
        } catch {
            configuration.logger.debug("could not measure the consumer lag", metadata: ["error": "\(error)"])
        }
    }
}

/// The index materializer cannot start as configured.
public struct IndexMaterializerError: Error, CustomStringConvertible {
    public let description: String
}
