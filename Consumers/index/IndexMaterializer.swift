import Foundation
import Logging
import Metrics
import ServiceLifecycle
import Synchronization
import TwinlogEvents
import TwinlogIndex
import TwinlogKafka
import TwinlogKafkaEvents
import TwinlogRuntime
import TwinlogSink
import TwinlogText

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
    public struct Configuration: ConsumerConfiguration {
        /// The broker, topics, client name (`twinlog.index`; nothing is committed to Kafka), batch
        /// size (5,000) and observers.
        public var common: ConsumerSettings
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

        public init(kafka: KafkaConfiguration, topics: TopicCatalogue, snapshotPath: URL? = nil) {
            common = ConsumerSettings(name: IndexMaterializer.consumerName, kafka: kafka, topics: topics, maxBatch: 5000)
            self.snapshotPath = snapshotPath
        }
    }

    /// What one batch did.
    public struct BatchOutcome: ConsumerOutcome {
        public var upserted = 0
        public var deleted = 0
        /// Seconds from each applied chunk's source time (its document's capture) to searchable.
        public var freshness: [Double] = []
        public init() {}

        public mutating func merge(_ other: BatchOutcome) {
            upserted += other.upserted
            deleted += other.deleted
            freshness += other.freshness
        }
    }

    /// The name under which the materializer dead-letters.
    public static let consumerName = "index"

    /// The index; search it from any task (searches run concurrently with the materializer).
    public let index: VectorIndex
    private let configuration: Configuration
    private let runtime: ConsumerRuntime<IndexWriter>
    private let admin: KafkaAdmin
    private let executor: BlockingExecutor
    private let metrics: IndexMetrics
    private let progress: IndexProgress

    /// Loads the snapshot (when `resume` and the file exists) and starts reading every partition
    /// of the chunk topic from the offsets it reflects, or from the beginning.
    public init(_ configuration: Configuration, resume: Bool = true) async throws {
        self.configuration = configuration
        metrics = IndexMetrics(factory: configuration.metrics)
        let executor = BlockingExecutor(label: "twinlog.index.apply")
        self.executor = executor
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
        progress = IndexProgress(position: position)
        admin = try KafkaAdmin(configuration: configuration.kafka)
        let partitions = try await admin.endOffsets(topic: topic).keys
        var start: [TopicPartition: Int64] = [:]
        for tp in partitions { start[tp] = position.offsets[tp.partition] ?? KafkaOffset.beginning }
        runtime = try ConsumerRuntime(settings: configuration.common, source: .assigned(start),
                                      handler: IndexWriter(index: index, progress: progress, executor: executor, metrics: metrics),
                                      producer: try KafkaProducer(configuration: configuration.kafka))
        metrics.liveChunks.record(index.count)
        if loaded != nil {
            configuration.logger.info("loaded the index snapshot", metadata: [
                "chunks": "\(index.count)", "offsets": "\(position.offsets.sorted { $0.key < $1.key })"])
        }
    }

    /// The offsets the index reflects (partition → next offset).
    public var position: IndexLogPosition { progress.state.withLock { $0.position } }

    /// Applies batches until the task is cancelled or a graceful shutdown begins, snapshotting
    /// when due; then takes a final snapshot and closes the clients (the admin client too when the
    /// run fails).
    public func run() async throws {
        do {
            try await runtime.run {
                if self.snapshotDue() { try await self.snapshot() }
            }
            if configuration.snapshotPath != nil, configuration.writesSnapshots { try await snapshot() }
        } catch {
            await admin.close()
            throw error
        }
        await admin.close()
    }

    /// Polls one batch and applies it.
    @discardableResult
    public func step(timeout: Duration = .milliseconds(200)) async throws -> ConsumerStep<BatchOutcome> {
        try await runtime.step(timeout: timeout)
    }

    /// Writes the snapshot with the offsets it reflects (no-op without a snapshot path).
    public func snapshot() async throws {
        guard let path = configuration.snapshotPath, configuration.writesSnapshots else { return }
        let index = self.index
        // On the apply executor: no batch runs while the position is stamped and the index encoded.
        let offsets = try await executor.run { [self] in
            let position = progress.state.withLock { $0.position }
            index.logPosition = position.bytes
            try FileManager.default.createDirectory(at: path.deletingLastPathComponent(), withIntermediateDirectories: true)
            try index.save(to: path)
            progress.state.withLock {
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
        progress.state.withLock { $0.position.reached(ends) }
    }

    /// The chunk topic's current end offsets.
    public func endOffsets() async throws -> [TopicPartition: Int64] {
        try await admin.endOffsets(topic: configuration.topics.chunks)
    }

    /// Closes the clients.
    public func shutdown() async {
        await runtime.shutdown()
        await admin.close()
    }

    private func snapshotDue() -> Bool {
        guard configuration.snapshotPath != nil, configuration.writesSnapshots else { return false }
        return progress.state.withLock {
            $0.appliedSinceSnapshot >= configuration.snapshotEveryRecords
                || ($0.appliedSinceSnapshot > 0 && ContinuousClock.now - $0.lastSnapshot >= configuration.snapshotInterval)
        }
    }
}

/// The applied position and snapshot bookkeeping, shared by the materializer and its handler.
final class IndexProgress: Sendable {
    struct State {
        var position: IndexLogPosition
        var appliedSinceSnapshot = 0
        var lastSnapshot = ContinuousClock.now
    }

    let state: Mutex<State>

    init(position: IndexLogPosition) { state = Mutex(State(position: position)) }
}

/// The index materializer's handler: a chunk event becomes an upsert or a delete, and a batch of
/// them changes the index and moves its position, on the apply executor.
struct IndexWriter: ConsumerHandler {
    typealias Outcome = IndexMaterializer.BatchOutcome

    enum Change: Sendable {
        case upsert(key: String, vector: [Float], payload: ChunkPayload, sourceTime: Date)
        case delete(key: String)
    }

    let index: VectorIndex
    let progress: IndexProgress
    let executor: BlockingExecutor
    let metrics: IndexMetrics

    /// A tombstone or ChunkRemoved deletes, ChunkEmbedded upserts.
    func decode(_ record: KafkaRecord) throws -> Change? {
        metrics.events.increment()
        guard let value = record.value, !value.isEmpty else {
            guard let key = record.keyString else { throw EventError("a tombstone without a UTF-8 key") }
            return .delete(key: key)
        }
        switch EventCodec.eventType(of: record) {
        case ChunkEmbedded.eventType:
            let event = try EventCodec.decode(record, as: ChunkEmbedded.self).event
            guard let vector = event.vector else {
                throw EventError("the embedding does not decode to \(event.dimensions) Float32 values")
            }
            return .upsert(key: event.chunkId, vector: vector, payload: ChunkPayload(
                authorId: event.authorId, platform: event.platform.rawValue, kind: event.kind.rawValue,
                documentId: event.documentId, title: event.title, url: event.url, text: event.text, documentDate: event.documentDate,
                source: event.source ?? "", section: event.section ?? ""), sourceTime: event.sourceTime)
        case ChunkRemoved.eventType:
            return .delete(key: try EventCodec.decode(record, as: ChunkRemoved.self).event.chunkId)
        case let other:
            throw EventError("unexpected event type \(other ?? "(none)") on \(record.topic)")
        }
    }

    /// The index's position: the offsets a snapshot would store.
    func storedOffsets(_ partitions: [TopicPartition]) async throws -> [TopicPartition: Int64] {
        let offsets = progress.state.withLock { $0.position.offsets }
        return Dictionary(uniqueKeysWithValues: partitions.compactMap { tp in offsets[tp.partition].map { (tp, $0) } })
    }

    /// Applies the changes and moves the position past the batch in one step of the apply
    /// executor, so a snapshot (taken on the same executor) reflects exactly the records applied.
    func apply(_ batch: ConsumerBatch<Change>) async throws -> Outcome {
        let (index, progress) = (self.index, self.progress)
        let outcome = try await executor.run {
            var outcome = Outcome()
            for (_, change) in batch.inputs {
                switch change {
                case .upsert(let key, let vector, let payload, let sourceTime):
                    try index.upsert(key: key, vector: vector, payload: payload)
                    outcome.upserted += 1
                    outcome.freshness.append(Date().timeIntervalSince(sourceTime))
                case .delete(let key):
                    if index.delete(key: key) { outcome.deleted += 1 }
                }
            }
            progress.state.withLock { state in
                state.position.advance(to: batch.nextOffsets)
                state.appliedSinceSnapshot += batch.inputs.count
            }
            return outcome
        }
        metrics.upserts.increment(by: outcome.upserted)
        metrics.deletes.increment(by: outcome.deleted)
        for seconds in outcome.freshness { metrics.freshness.recordSeconds(seconds) }
        metrics.liveChunks.record(index.count)
        return outcome
    }
}

/// The index materializer cannot start as configured.
public struct IndexMaterializerError: Error, CustomStringConvertible {
    public let description: String
}
