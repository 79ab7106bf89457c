import Foundation
import Metrics
import ServiceLifecycle
import TwinlogEmbedding
import TwinlogEvents
import TwinlogKafka
import TwinlogKafkaEvents
import TwinlogPostgres
import TwinlogSink
import TwinlogText
import TwinlogRuntime

/// Consumes `twin.warehouse.changes` and keeps `twin.chunks` equal to the chunks of the
/// warehouse's documents, each with its embedding.
///
/// For a document insert or content update it re-chunks the content, compares the chunk ids with
/// the document's previous chunk set (`feature_chunk_sets`), embeds only the ids it has not
/// published yet (batched across documents) and publishes ChunkEmbedded for them, and ChunkRemoved
/// plus a tombstone for the ids that vanished. A delete, an author erasure or a truncate removes
/// the chunks of the documents concerned. A change at or before the last position applied to its
/// document is a duplicate and does nothing; an upsert with the stored content hash embeds nothing.
///
/// Effectively-once: a batch's chunk sets and the consumer's offsets commit in one PostgreSQL
/// transaction after the broker acknowledged every event of the batch. Before publishing, the ids
/// about to be published are recorded as unsettled, so a batch that crashes in between is redone
/// with every possibly published id settled again (republished as embedded or removed). Events are
/// keyed by chunk id and carry the same embedding, so a repeat is an idempotent upsert downstream.
///
/// Runs on `ConsumerRuntime`: invalid change events, and changes the planner cannot apply, go to
/// `twin.dlq.features` with the reason, and the consumer moves on.
public final class FeatureConsumer: Service {
    /// What the consumer connects to, its embedder and how it batches.
    public struct Configuration: ConsumerConfiguration {
        /// The broker, topics, group (default `twinlog.features`), batch size (2,000 change
        /// events: one transaction, one embedder call) and observers.
        public var common: ConsumerSettings
        public var database: PostgresConnection.Options
        /// How documents are cut into chunks and what is embedded for each.
        public var chunking = ChunkingScheme.current

        public init(kafka: KafkaConfiguration, database: PostgresConnection.Options, topics: TopicCatalogue, groupId: String? = nil) {
            common = ConsumerSettings(name: FeatureConsumer.consumerName, kafka: kafka, topics: topics, groupId: groupId, maxBatch: 2000)
            self.database = database
        }
    }

    /// What one batch did.
    public struct BatchOutcome: ConsumerOutcome, Equatable {
        public var chunksEmbedded = 0
        public var chunksRemoved = 0
        /// Chunks of re-chunked documents that were already published and not embedded again.
        public var chunksUnchanged = 0
        public var duplicates = 0
        /// Seconds spent waiting for the embedder.
        public var embedSeconds = 0.0
        public init() {}

        public mutating func merge(_ other: BatchOutcome) {
            chunksEmbedded += other.chunksEmbedded
            chunksRemoved += other.chunksRemoved
            chunksUnchanged += other.chunksUnchanged
            duplicates += other.duplicates
            embedSeconds += other.embedSeconds
        }
    }

    /// The name under which the consumer stores its offsets and dead letters.
    public static let consumerName = "features"
    /// The source named in the events the consumer publishes.
    public static let eventSource = "twinlog/features"

    private let runtime: ConsumerRuntime<FeatureWriter>

    /// Connects to PostgreSQL (applying pending migrations) and joins the consumer group.
    public init(_ configuration: Configuration, embedder: Embedder) async throws {
        let db = try await WarehouseSchema.connect(configuration.database)
        let producer = try KafkaProducer(configuration: configuration.kafka)
        let writer = FeatureWriter(db: db, producer: producer, embedder: embedder, chunking: configuration.chunking,
                                   chunkTopic: configuration.topics.chunks, metrics: FeatureMetrics(factory: configuration.metrics))
        runtime = try ConsumerRuntime(settings: configuration.common, source: .group(topics: [configuration.topics.warehouseChanges]),
                                      handler: writer, producer: producer)
    }

    /// Embeds until the task is cancelled or a graceful shutdown begins (the batch in flight
    /// commits first), then closes everything.
    public func run() async throws { try await runtime.run() }

    /// Polls one batch, embeds what changed and publishes it.
    @discardableResult
    public func step(timeout: Duration = .milliseconds(200)) async throws -> ConsumerStep<BatchOutcome> {
        try await runtime.step(timeout: timeout)
    }

    /// Leaves the group and closes the clients and the database connection.
    public func shutdown() async { await runtime.shutdown() }
}

/// The feature consumer's handler: a warehouse change becomes a chunk-set change, and a batch of
/// them the chunk events to publish, committed with the chunk sets and offsets.
struct FeatureWriter: ConsumerHandler {
    typealias Outcome = FeatureConsumer.BatchOutcome

    func close() async { await db.close() }

    let db: PostgresConnection
    let producer: KafkaProducer
    let embedder: Embedder
    let chunking: ChunkingScheme
    let chunkTopic: String
    let metrics: FeatureMetrics
    private let chunker: Chunker
    private let offsets = PostgresOffsetStore(consumer: FeatureConsumer.consumerName)
    private let store = ChunkSetStore()

    init(db: PostgresConnection, producer: KafkaProducer, embedder: Embedder, chunking: ChunkingScheme, chunkTopic: String,
         metrics: FeatureMetrics) {
        self.db = db
        self.producer = producer
        self.embedder = embedder
        self.chunking = chunking
        self.chunkTopic = chunkTopic
        self.metrics = metrics
        chunker = Chunker(tokenizer: embedder.tokenizer)
    }

    /// The change a record asks for; nil for changes of no concern (versions, author upserts).
    func decode(_ record: KafkaRecord) throws -> FeatureChange? {
        metrics.changeEvents.increment()
        return try FeatureChange(try EventCodec.decode(record, as: WarehouseChange.self).event)
    }

    func storedOffsets(_ partitions: [TopicPartition]) async throws -> [TopicPartition: Int64] {
        try await offsets.load(db, partitions: partitions)
    }

    func apply(_ batch: ConsumerBatch<FeatureChange>) async throws -> Outcome {
        let started = ContinuousClock.now
        defer { metrics.batchSeconds.recordNanoseconds((ContinuousClock.now - started).inNanoseconds) }
        var outcome = Outcome()
        var documentIds = Set<String>(), authorIds = Set<String>(), truncate = false
        for (_, change) in batch.inputs {
            switch change {
            case .upsert(let row, _): documentIds.insert(row.documentId)
            case .delete(let id, _): documentIds.insert(id)
            case .eraseAuthor(let id, _): authorIds.insert(id)
            case .truncate: truncate = true
            }
        }
        let stored = try await store.load(db, documentIds: documentIds.sorted(), authorIds: authorIds.sorted(), everything: truncate)
        var planner = ChunkSetPlanner(chunker: chunker, scheme: chunking, stored: stored)
        for (_, change) in batch.inputs { try planner.apply(change) }
        let plan = planner.finish()

        if !plan.isEmpty {
            try await db.transaction { db in try await store.save(db, plan.pending) }
            let embedStarted = ContinuousClock.now
            let vectors = await embedder.embed(plan.embed.map(\.piece.embeddedText))
            let embedTime = ContinuousClock.now - embedStarted
            outcome.embedSeconds = embedTime.inSeconds
            metrics.embedSeconds.recordNanoseconds(embedTime.inNanoseconds)
            let outgoing = try chunkRecords(for: plan, vectors: vectors)
            if !outgoing.isEmpty { try await producer.send(outgoing) }
        }
        try await db.transaction { db in
            try await store.save(db, plan.final)
            try await offsets.save(db, batch.nextOffsets)
        }

        outcome.chunksEmbedded = plan.embed.count
        outcome.chunksRemoved = plan.removed.count
        outcome.chunksUnchanged = plan.unchangedChunks
        outcome.duplicates = plan.duplicates
        metrics.chunksEmbedded.increment(by: plan.embed.count)
        metrics.chunksRemoved.increment(by: plan.removed.count)
        metrics.chunksUnchanged.increment(by: plan.unchangedChunks)
        metrics.duplicates.increment(by: plan.duplicates)
        return outcome
    }

    /// ChunkRemoved + tombstone for each vanished chunk, then ChunkEmbedded for each new one.
    /// Event ids are chunk id + change position, so a batch redone after a crash repeats them.
    private func chunkRecords(for plan: ChunkSetPlanner.Plan, vectors: [[Float]]) throws -> [OutgoingRecord] {
        let topic = chunkTopic
        var records: [OutgoingRecord] = []
        for (event, position) in plan.removed {
            records.append(try EventCodec.record(event, topic: topic, source: FeatureConsumer.eventSource, id: "\(event.chunkId)@\(position)"))
            records.append(OutgoingRecord(topic: topic, key: event.chunkId, value: nil))
        }
        let model = embedder.modelDirectory.lastPathComponent
        for (new, vector) in zip(plan.embed, vectors) {
            let row = new.document
            let piece = new.piece
            let event = ChunkEmbedded(chunkId: piece.id, documentId: row.documentId, authorId: row.authorId, platform: row.platform,
                                      kind: row.kind, title: row.title, url: row.url, text: piece.chunk.text, chunkIndex: piece.chunk.index,
                                      vector: vector, model: model, sourceTime: row.capturedAt, publishedAt: row.publishedAt,
                                      source: piece.source.isEmpty ? nil : piece.source, section: piece.section.isEmpty ? nil : piece.section)
            records.append(try EventCodec.record(event, topic: topic, source: FeatureConsumer.eventSource, id: "\(piece.id)@\(new.position)"))
        }
        return records
    }
}
