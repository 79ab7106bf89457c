import Foundation
import Logging
import Metrics
import ServiceLifecycle
import Synchronization
import TwinlogDrift
import TwinlogEvents
import TwinlogKafka
import TwinlogMetrics
import TwinlogPostgres
import TwinlogRuntime
import TwinlogSink

/// Watches what the twin would be trained on and says when the champion is out of date.
///
/// It consumes `twin.chunks` into `drift_embeddings` (every live chunk's embedding, tagged with the
/// current epoch) and `twin.models`: a champion trained on a new dataset starts a new epoch, so
/// everything seen until then becomes the reference (the distribution the champion learned) and
/// the window starts empty. When enough new chunks have arrived it tests the reference against the
/// newest chunks with `MMDTest`, and `DriftPolicy` decides; a DriftDetected goes to `twin.drift`
/// through the outbox, committed with the cool-down it starts, so a crash can neither lose the
/// event nor send a second one for the same shift.
///
/// Effectively-once: a batch's embedding upserts and deletes and the consumer's offsets commit in
/// one transaction; replaying `twin.chunks` rebuilds the same table. Invalid records go to
/// `twin.dlq.drift`.
public final class DriftMonitor: Service {
    /// What the monitor connects to and how it decides.
    public struct Configuration: Sendable {
        public var kafka: KafkaConfiguration
        public var database: PostgresConnection.Options
        public var topics: TopicCatalogue
        /// Group membership; the group id defaults to `twinlog.drift`.
        public var consumer: KafkaConsumer.Options
        /// The author whose content is watched (the twin's person); nil watches every author.
        public var authorId: String?
        public var policy = DriftPolicy()
        public var test = MMDTest()
        /// Vectors drawn from the reference and taken from the newest window for one test.
        public var referenceSample = 256
        public var windowSample = 256
        /// The least time between two tests while chunks keep arriving.
        public var testInterval: Duration = .seconds(10)
        public var maxBatch = 1000
        public var metrics: any MetricsFactory = TwinlogMetrics.factory
        public var logger = Logger(label: "twinlog.drift")

        public init(kafka: KafkaConfiguration, database: PostgresConnection.Options, topics: TopicCatalogue,
                    groupId: String = "twinlog.drift") {
            self.kafka = kafka
            self.database = database
            self.topics = topics
            consumer = KafkaConsumer.Options(groupId: groupId)
        }

        /// The drift_state key and the DriftDetected scope.
        public var scope: String { authorId ?? "all" }
    }

    /// What one test found, and whether it fired.
    public struct Check: Sendable {
        public let windowSize: Int
        public let newDocuments: Int
        public let result: MMDTest.Result?
        public let fired: DriftPolicy.Reason?
    }

    /// The name under which the monitor stores its offsets and dead letters.
    public static let consumerName = "drift"
    public static let eventSource = "twinlog/drift"

    private let configuration: Configuration
    private let db: PostgresConnection
    private let consumer: KafkaConsumer
    private let producer: KafkaProducer
    private let offsets = PostgresOffsetStore(consumer: consumerName)
    private let outbox = PostgresOutbox()
    private let executor = BlockingExecutor(label: "twinlog.drift.test")
    private let state = Mutex(RunState())
    private let statistic: Gauge
    private let pValue: Gauge
    private let events: Counter

    private struct RunState {
        var untested = false
        var lastTest = ContinuousClock.now
    }

    /// Connects to PostgreSQL (applying pending migrations), publishes any event a crash left in
    /// the outbox, and joins the consumer group.
    public init(_ configuration: Configuration) async throws {
        self.configuration = configuration
        let db = try await PostgresConnection.connect(configuration.database)
        try await WarehouseSchema.prepare(db, schema: configuration.database.searchPath)
        try await db.execute("INSERT INTO drift_state (scope) VALUES (\(configuration.scope)) ON CONFLICT (scope) DO NOTHING")
        self.db = db
        let offsets = self.offsets
        consumer = try KafkaConsumer(configuration: configuration.kafka, options: configuration.consumer,
                                     topics: [configuration.topics.chunks, configuration.topics.models]) { partitions in
            try await offsets.load(db, partitions: partitions)
        }
        producer = try KafkaProducer(configuration: configuration.kafka)
        statistic = Gauge(label: "twinlog_drift_mmd_statistic", factory: configuration.metrics)
        pValue = Gauge(label: "twinlog_drift_p_value", factory: configuration.metrics)
        events = Counter(label: "twinlog_drift_events_total", factory: configuration.metrics)
        try await outbox.flush(db, producer: producer)
    }

    /// Applies batches and tests when due, until the task is cancelled or a graceful shutdown
    /// begins; then closes everything.
    public func run() async throws {
        do {
            while !Task.isCancelled && !Task.isShuttingDownGracefully {
                try await step()
                let due = state.withLock { $0.untested && ContinuousClock.now - $0.lastTest >= configuration.testInterval }
                if due { try await check() }
            }
        } catch is CancellationError {}
        await shutdown()
    }

    /// Polls one batch and applies it; returns the number of records.
    @discardableResult
    public func step(timeout: Duration = .milliseconds(200)) async throws -> Int {
        let records = try await consumer.poll(maxRecords: configuration.maxBatch, timeout: timeout)
        guard !records.isEmpty else { return 0 }
        try await apply(records)
        return records.count
    }

    /// Tests the window against the reference now (when the policy allows a test) and fires when
    /// the policy says so.
    @discardableResult
    public func check(now: Date = Date()) async throws -> Check {
        state.withLock {
            $0.untested = false
            $0.lastTest = .now
        }
        let scope = configuration.scope
        let rows = try await db.query("""
            SELECT s.epoch, s.reference_dataset, s.last_fired_at,
                   (SELECT count(*) FROM drift_embeddings e WHERE e.epoch = s.epoch) AS window_size,
                   (SELECT count(DISTINCT document_id) FROM drift_embeddings e WHERE e.epoch = s.epoch) AS new_documents
            FROM drift_state s WHERE s.scope = \(scope)
            """)
        let row = rows[0]
        let epoch = try row.decode(Int.self, "epoch")
        let lastFired = try row.decodeIfPresent(Date.self, "last_fired_at")
        let windowSize = try row.decode(Int.self, "window_size")
        let newDocuments = try row.decode(Int.self, "new_documents")
        var result: MMDTest.Result?
        if configuration.policy.shouldTest(windowSize: windowSize, lastFiredAt: lastFired, now: now) {
            let reference = try await vectors("""
                SELECT embedding FROM drift_embeddings WHERE epoch < \(epoch)
                ORDER BY md5(chunk_id) LIMIT \(configuration.referenceSample)
                """)
            let window = try await vectors("""
                SELECT embedding FROM drift_embeddings WHERE epoch = \(epoch) ORDER BY seq DESC LIMIT \(configuration.windowSample)
                """)
            if reference.count >= 2 {
                let test = configuration.test
                result = try await executor.run { try test.run(reference: reference, window: window) }
            }
        }
        if let result {
            statistic.record(result.statistic)
            pValue.record(result.pValue)
            configuration.logger.info("drift test", metadata: [
                "mmd2": "\(result.statistic)", "p": "\(result.pValue)", "window": "\(windowSize)", "new_documents": "\(newDocuments)"])
        }
        let observation = DriftPolicy.Observation(test: result, windowSize: windowSize, newDocuments: newDocuments,
                                                  lastFiredAt: lastFired, now: now)
        let reason = configuration.policy.decide(observation)
        if let reason {
            try await fire(reason, observation: observation, epoch: epoch, referenceDataset: try row.decodeIfPresent(String.self, "reference_dataset"))
        }
        return Check(windowSize: windowSize, newDocuments: newDocuments, result: result, fired: reason)
    }

    /// Leaves the group and closes the clients and the database connection.
    public func shutdown() async {
        await consumer.close()
        await producer.shutdown()
        await db.close()
    }

    private func fire(_ reason: DriftPolicy.Reason, observation o: DriftPolicy.Observation, epoch: Int, referenceDataset: String?) async throws {
        let policy = configuration.policy
        let event = DriftDetected(scope: configuration.scope, trigger: .drift, statistic: o.test?.statistic ?? 0, pValue: o.test?.pValue ?? 1,
                                  threshold: policy.significance, windowSize: o.windowSize, newDocuments: o.newDocuments,
                                  referenceDatasetVersion: referenceDataset, detectedAt: o.now)
        // One event per epoch and window: a repeat of the same decision has the same id.
        let id = "drift:\(configuration.scope):\(epoch):\(o.windowSize):\(reason.rawValue)"
        let record = try EventCodec.record(event, topic: configuration.topics.drift, source: Self.eventSource, id: id, time: o.now)
        try await db.transaction { db in
            try await db.execute("""
                UPDATE drift_state SET last_fired_at = \(o.now), last_statistic = \(o.test?.statistic),
                       last_p_value = \(o.test?.pValue), updated_at = now()
                WHERE scope = \(configuration.scope)
                """)
            try await outbox.enqueue(record, in: db)
        }
        try await outbox.flush(db, producer: producer)
        events.increment()
        configuration.logger.notice("drift detected", metadata: [
            "reason": "\(reason.rawValue)", "window": "\(o.windowSize)", "new_documents": "\(o.newDocuments)", "id": "\(id)"])
    }

    private func apply(_ records: [KafkaRecord]) async throws {
        var upserts: [(chunkId: String, documentId: String, authorId: String, embedding: [UInt8])] = []
        var removals: [String] = []
        var champions: [String] = []
        var rejected: [OutgoingRecord] = []
        for record in records {
            do {
                if record.topic == configuration.topics.models {
                    let published = try EventCodec.decode(record, as: ModelPublished.self).event
                    champions.append(published.datasetVersion ?? "base")
                } else if record.value == nil {
                    guard let key = record.key else { throw EventError("a tombstone without a key") }
                    removals.append(String(decoding: key, as: UTF8.self))
                } else if EventCodec.eventType(of: record) == ChunkRemoved.eventType {
                    removals.append(try EventCodec.decode(record, as: ChunkRemoved.self).event.chunkId)
                } else {
                    let chunk = try EventCodec.decode(record, as: ChunkEmbedded.self).event
                    guard let vector = chunk.vector, vector.count == chunk.dimensions else {
                        throw EventError("chunk \(chunk.chunkId): the embedding does not decode to \(chunk.dimensions) floats")
                    }
                    if configuration.authorId == nil || configuration.authorId == chunk.authorId {
                        upserts.append((chunk.chunkId, chunk.documentId, chunk.authorId, EmbeddingCoding.bytes(vector)))
                    }
                }
            } catch {
                rejected.append(DeadLetter.record(for: record, to: configuration.topics.deadLetter(consumer: Self.consumerName),
                                                  consumer: Self.consumerName, reason: "\(error)", logger: configuration.logger))
            }
        }
        if !rejected.isEmpty { try await producer.send(rejected) }
        let scope = configuration.scope
        try await db.transaction { db in
            // A champion trained on another dataset than the reference's starts a new epoch.
            for dataset in champions {
                try await db.execute("""
                    UPDATE drift_state SET epoch = epoch + 1, reference_dataset = \(dataset), updated_at = now()
                    WHERE scope = \(scope) AND reference_dataset IS DISTINCT FROM \(dataset)
                    """)
            }
            if !removals.isEmpty {
                try await db.execute("DELETE FROM drift_embeddings WHERE chunk_id = ANY(\(PostgresArray(removals))::text[])")
            }
            if !upserts.isEmpty {
                try await db.execute("""
                    INSERT INTO drift_embeddings (chunk_id, document_id, author_id, embedding, epoch)
                    SELECT u.chunk_id, u.document_id, u.author_id, u.embedding,
                           (SELECT epoch FROM drift_state WHERE scope = \(scope))
                    FROM unnest(\(PostgresArray(upserts.map(\.chunkId)))::text[], \(PostgresArray(upserts.map(\.documentId)))::text[],
                                \(PostgresArray(upserts.map(\.authorId)))::text[], \(PostgresArray(upserts.map(\.embedding)))::bytea[])
                         AS u (chunk_id, document_id, author_id, embedding)
                    ON CONFLICT (chunk_id) DO NOTHING
                    """)
            }
            try await offsets.save(db, KafkaConsumer.nextOffsets(after: records))
        }
        if !upserts.isEmpty || !champions.isEmpty { state.withLock { $0.untested = true } }
    }

    private func vectors(_ query: PostgresQuery) async throws -> [[Float]] {
        try await db.query(query).map { row in
            guard let vector = EmbeddingCoding.vector(try row.decode([UInt8].self, "embedding")) else {
                throw EventError("drift_embeddings holds an embedding whose length is not a multiple of 4 bytes")
            }
            return vector
        }
    }
}
