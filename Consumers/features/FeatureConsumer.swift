import Foundation
import Logging
import ServiceLifecycle
import Metrics
import TwinlogEmbedding
import TwinlogEvents
import TwinlogKafka
import TwinlogMetrics
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
/// Invalid change events go to `twin.dlq.features` with the reason, and the consumer moves on.
public final class FeatureConsumer: Service {
    /// What the consumer connects to, its embedder and how it batches.
    public struct Configuration: Sendable {
        public var kafka: KafkaConfiguration
        public var database: PostgresConnection.Options
        public var topics: TopicCatalogue
        /// Group membership and fetch tuning; the group id defaults to `twinlog.features`.
        public var consumer: KafkaConsumer.Options
        /// The most change events per batch (one transaction, one embedder call).
        public var maxBatch = 2000
        /// How documents are cut into chunks and what is embedded for each.
        public var chunking = ChunkingScheme.current
        /// How often the consumer lag gauge is refreshed.
        public var lagInterval: Duration = .seconds(5)
        public var metrics: any MetricsFactory = TwinlogMetrics.factory
        public var logger = Logger(label: "twinlog.features")

        public init(kafka: KafkaConfiguration, database: PostgresConnection.Options, topics: TopicCatalogue,
                    groupId: String = "twinlog.features") {
            self.kafka = kafka
            self.database = database
            self.topics = topics
            consumer = KafkaConsumer.Options(groupId: groupId)
        }
    }

    /// What one batch did.
    public struct BatchOutcome: Sendable, Equatable {
        public var records = 0
        public var chunksEmbedded = 0
        public var chunksRemoved = 0
        /// Chunks of re-chunked documents that were already published and not embedded again.
        public var chunksUnchanged = 0
        public var duplicates = 0
        public var deadLettered = 0
        /// Seconds spent waiting for the embedder.
        public var embedSeconds = 0.0
        public init() {}
    }

    /// The name under which the consumer stores its offsets and dead letters.
    public static let consumerName = "features"
    /// The source named in the events the consumer publishes.
    public static let eventSource = "twinlog/features"

    private let configuration: Configuration
    private let embedder: Embedder
    private let chunker: Chunker
    private let db: PostgresConnection
    private let consumer: KafkaConsumer
    private let producer: KafkaProducer
    private let admin: KafkaAdmin
    private let offsets = PostgresOffsetStore(consumer: consumerName)
    private let store = ChunkSetStore()
    private let metrics: FeatureMetrics

    /// Connects to PostgreSQL (applying pending migrations) and joins the consumer group.
    public init(_ configuration: Configuration, embedder: Embedder) async throws {
        self.configuration = configuration
        self.embedder = embedder
        chunker = Chunker(tokenizer: embedder.tokenizer)
        metrics = FeatureMetrics(factory: configuration.metrics)
        let db = try await PostgresConnection.connect(configuration.database)
        try await WarehouseSchema.prepare(db, schema: configuration.database.searchPath)
        self.db = db
        let offsets = self.offsets
        consumer = try KafkaConsumer(configuration: configuration.kafka, options: configuration.consumer,
                                     topics: [configuration.topics.warehouseChanges]) { partitions in
            try await offsets.load(db, partitions: partitions)
        }
        producer = try KafkaProducer(configuration: configuration.kafka)
        admin = try KafkaAdmin(configuration: configuration.kafka)
    }

    /// Applies batches until the task is cancelled or a graceful shutdown begins (the batch in
    /// flight commits first), then leaves the group and closes connections.
    public func run() async throws {
        defer { configuration.logger.info("feature consumer stopped") }
        var lastLag = ContinuousClock.now - configuration.lagInterval
        do {
            while !Task.isCancelled && !Task.isShuttingDownGracefully {
                let outcome = try await step()
                if outcome.records > 0 {
                    configuration.logger.debug("batch applied", metadata: [
                        "records": "\(outcome.records)", "embedded": "\(outcome.chunksEmbedded)", "removed": "\(outcome.chunksRemoved)"])
                }
                if ContinuousClock.now - lastLag >= configuration.lagInterval {
                    lastLag = .now
                    await refreshLag()
                }
            }
        } catch is CancellationError {}
        await shutdown()
    }

    /// Polls one batch and applies it.
    @discardableResult
    public func step(timeout: Duration = .milliseconds(200)) async throws -> BatchOutcome {
        let records = try await consumer.poll(maxRecords: configuration.maxBatch, timeout: timeout)
        guard !records.isEmpty else { return BatchOutcome() }
        let started = ContinuousClock.now
        defer { metrics.batchSeconds.recordNanoseconds((ContinuousClock.now - started).inNanoseconds) }
        return try await apply(records)
    }

    /// Leaves the group and closes the clients and the database connection.
    public func shutdown() async {
        await consumer.close()
        await producer.shutdown()
        await admin.close()
        await db.close()
    }

    private func apply(_ records: [KafkaRecord]) async throws -> BatchOutcome {
        var outcome = BatchOutcome()
        outcome.records = records.count
        metrics.changeEvents.increment(by: records.count)
        var rejected: [OutgoingRecord] = []
        var changes: [(KafkaRecord, FeatureChange)] = []
        for record in records {
            do {
                if let change = try Self.change(of: record) { changes.append((record, change)) }
            } catch {
                rejected.append(deadLetter(record, reason: "\(error)"))
            }
        }

        var documentIds = Set<String>(), authorIds = Set<String>(), truncate = false
        for (_, change) in changes {
            switch change {
            case .upsert(let row, _): documentIds.insert(row.documentId)
            case .delete(let id, _): documentIds.insert(id)
            case .eraseAuthor(let id, _): authorIds.insert(id)
            case .truncate: truncate = true
            }
        }
        let stored = try await store.load(db, documentIds: documentIds.sorted(), authorIds: authorIds.sorted(), everything: truncate)
        var planner = ChunkSetPlanner(chunker: chunker, scheme: configuration.chunking, stored: stored)
        for (record, change) in changes {
            do { try planner.apply(change) } catch {
                rejected.append(deadLetter(record, reason: "\(error)"))
            }
        }
        let plan = planner.finish()

        var outgoing: [OutgoingRecord] = []
        if !plan.isEmpty {
            try await db.transaction { db in try await store.save(db, plan.pending) }
            let embedStarted = ContinuousClock.now
            let vectors = await embedder.embed(plan.embed.map(\.piece.embeddedText))
            let embedTime = ContinuousClock.now - embedStarted
            outcome.embedSeconds = embedTime.inSeconds
            metrics.embedSeconds.recordNanoseconds(embedTime.inNanoseconds)
            outgoing = try chunkRecords(for: plan, vectors: vectors)
        }
        outgoing += rejected
        if !outgoing.isEmpty { try await producer.send(outgoing) }
        let next = KafkaConsumer.nextOffsets(after: records)
        try await db.transaction { db in
            try await store.save(db, plan.final)
            try await offsets.save(db, next)
        }

        outcome.chunksEmbedded = plan.embed.count
        outcome.chunksRemoved = plan.removed.count
        outcome.chunksUnchanged = plan.unchangedChunks
        outcome.duplicates = plan.duplicates
        outcome.deadLettered = rejected.count
        metrics.chunksEmbedded.increment(by: plan.embed.count)
        metrics.chunksRemoved.increment(by: plan.removed.count)
        metrics.chunksUnchanged.increment(by: plan.unchangedChunks)
        metrics.duplicates.increment(by: plan.duplicates)
        metrics.deadLetters.increment(by: rejected.count)
        return outcome
    }

    /// ChunkRemoved + tombstone for each vanished chunk, then ChunkEmbedded for each new one.
    /// Event ids are chunk id + change position, so a batch redone after a crash repeats them.
    private func chunkRecords(for plan: ChunkSetPlanner.Plan, vectors: [[Float]]) throws -> [OutgoingRecord] {
        let topic = configuration.topics.chunks
        var records: [OutgoingRecord] = []
        for (event, position) in plan.removed {
            records.append(try EventCodec.record(event, topic: topic, source: Self.eventSource, id: "\(event.chunkId)@\(position)"))
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
            records.append(try EventCodec.record(event, topic: topic, source: Self.eventSource, id: "\(piece.id)@\(new.position)"))
        }
        return records
    }

    /// The change a record asks for; nil for changes of no concern (versions, author upserts).
    private static func change(of record: KafkaRecord) throws -> FeatureChange? {
        try FeatureChange(try EventCodec.decode(record, as: WarehouseChange.self).event)
    }

    private func deadLetter(_ record: KafkaRecord, reason: String) -> OutgoingRecord {
        DeadLetter.record(for: record, to: configuration.topics.deadLetter(consumer: Self.consumerName), consumer: Self.consumerName,
                          reason: reason, logger: configuration.logger)
    }

    /// Sets the lag gauge: records on the change topic past the stored offsets (approximate on
    /// brokers whose high watermark is inexact).
    private func refreshLag() async {
        do {
            let ends = try await admin.endOffsets(topic: configuration.topics.warehouseChanges)
            let stored = try await offsets.load(db, partitions: Array(ends.keys))
            metrics.lag.record(ends.reduce(0) { $0 + max(0, $1.value - (stored[$1.key] ?? 0)) })
        } catch {
            configuration.logger.debug("could not measure the consumer lag", metadata: ["error": "\(error)"])
        }
    }
}

