import Foundation
import Logging
import Metrics
import ServiceLifecycle
import Synchronization
import TwinlogDrift
import TwinlogEvents
import TwinlogKafka
import TwinlogKafkaEvents
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
    public struct Configuration: ConsumerConfiguration {
        /// The broker, topics, group (default `twinlog.drift`), batch size (1,000) and observers.
        public var common: ConsumerSettings
        public var database: PostgresConnection.Options
        /// The author whose content is watched (the twin's person); nil watches every author.
        public var authorId: String?
        public var policy = DriftPolicy()
        public var test = MMDTest()
        /// Vectors drawn from the reference and taken from the newest window for one test.
        public var referenceSample = 256
        public var windowSample = 256
        /// The least time between two tests while chunks keep arriving.
        public var testInterval: Duration = .seconds(10)

        public init(kafka: KafkaConfiguration, database: PostgresConnection.Options, topics: TopicCatalogue, groupId: String? = nil) {
            common = ConsumerSettings(name: DriftMonitor.consumerName, kafka: kafka, topics: topics, groupId: groupId, maxBatch: 1000)
            self.database = database
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
    private let producer: KafkaProducer
    private let runtime: ConsumerRuntime<DriftRecorder>
    private let outbox = PostgresOutbox()
    private let executor = BlockingExecutor(label: "twinlog.drift.test")
    private let schedule: DriftSchedule
    private let statistic: Gauge
    private let pValue: Gauge
    private let events: Counter

    /// Connects to PostgreSQL (applying pending migrations), publishes any event a crash left in
    /// the outbox, and joins the consumer group.
    public init(_ configuration: Configuration) async throws {
        self.configuration = configuration
        let db = try await WarehouseSchema.connect(configuration.database)
        try await db.execute("INSERT INTO drift_state (scope) VALUES (\(configuration.scope)) ON CONFLICT (scope) DO NOTHING")
        self.db = db
        let schedule = DriftSchedule()
        self.schedule = schedule
        let producer = try KafkaProducer(configuration: configuration.kafka)
        self.producer = producer
        runtime = try ConsumerRuntime(
            settings: configuration.common, source: .group(topics: [configuration.topics.chunks, configuration.topics.models]),
            handler: DriftRecorder(db: db, topics: configuration.topics, authorId: configuration.authorId,
                                   scope: configuration.scope, schedule: schedule), producer: producer)
        statistic = Gauge(label: "twinlog_drift_mmd_statistic", factory: configuration.metrics)
        pValue = Gauge(label: "twinlog_drift_p_value", factory: configuration.metrics)
        events = Counter(label: "twinlog_drift_events_total", factory: configuration.metrics)
        try await outbox.flush(db, producer: producer)
    }

    /// Applies batches and tests when due, until the task is cancelled or a graceful shutdown
    /// begins; then closes everything.
    public func run() async throws {
        try await runtime.run {
            if self.schedule.testDue(interval: self.configuration.testInterval) { try await self.check() }
        }
    }

    /// Polls one batch and applies it; returns the number of records.
    @discardableResult
    public func step(timeout: Duration = .milliseconds(200)) async throws -> Int {
        try await runtime.step(timeout: timeout).records
    }

    /// Tests the window against the reference now (when the policy allows a test) and fires when
    /// the policy says so.
    @discardableResult
    public func check(now: Date = Date()) async throws -> Check {
        schedule.tested()
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
    public func shutdown() async { await runtime.shutdown() }

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

    private func vectors(_ query: PostgresQuery) async throws -> [[Float]] {
        try await db.query(query).map { row in
            guard let vector = EmbeddingCoding.vector(try row.decode([UInt8].self, "embedding")) else {
                throw EventError("drift_embeddings holds an embedding whose length is not a multiple of 4 bytes")
            }
            return vector
        }
    }
}

/// When the monitor last tested and whether chunks arrived since, shared by the monitor and its
/// handler.
final class DriftSchedule: Sendable {
    private struct State {
        var untested = false
        var lastTest = ContinuousClock.now
    }

    private let state = Mutex(State())

    /// New chunks or a new champion arrived.
    func changed() { state.withLock { $0.untested = true } }

    /// A test ran now.
    func tested() {
        state.withLock {
            $0.untested = false
            $0.lastTest = .now
        }
    }

    /// Whether something arrived since the last test and at least `interval` has passed.
    func testDue(interval: Duration) -> Bool {
        state.withLock { $0.untested && ContinuousClock.now - $0.lastTest >= interval }
    }
}

/// The drift monitor's handler: chunk events become `drift_embeddings` rows (upserts and
/// deletes) and ModelPublished a new epoch, committed with the offsets.
struct DriftRecorder: ConsumerHandler {
    enum Input: Sendable {
        case champion(dataset: String)
        case remove(chunkId: String)
        case upsert(chunkId: String, documentId: String, authorId: String, embedding: [UInt8])
    }

    typealias Outcome = NoEffects

    let db: PostgresConnection
    let topics: TopicCatalogue
    let authorId: String?
    let scope: String
    let schedule: DriftSchedule
    private let offsets = PostgresOffsetStore(consumer: DriftMonitor.consumerName)

    /// Closes the connection the monitor shares with it.
    func close() async { await db.close() }

    init(db: PostgresConnection, topics: TopicCatalogue, authorId: String?, scope: String, schedule: DriftSchedule) {
        self.db = db
        self.topics = topics
        self.authorId = authorId
        self.scope = scope
        self.schedule = schedule
    }

    func decode(_ record: KafkaRecord) throws -> Input? {
        if record.topic == topics.models {
            return .champion(dataset: try EventCodec.decode(record, as: ModelPublished.self).event.datasetVersion ?? "base")
        } else if record.value == nil {
            guard let key = record.key else { throw EventError("a tombstone without a key") }
            return .remove(chunkId: String(decoding: key, as: UTF8.self))
        } else if EventCodec.eventType(of: record) == ChunkRemoved.eventType {
            return .remove(chunkId: try EventCodec.decode(record, as: ChunkRemoved.self).event.chunkId)
        }
        let chunk = try EventCodec.decode(record, as: ChunkEmbedded.self).event
        guard let vector = chunk.vector, vector.count == chunk.dimensions else {
            throw EventError("chunk \(chunk.chunkId): the embedding does not decode to \(chunk.dimensions) floats")
        }
        guard authorId == nil || authorId == chunk.authorId else { return nil }
        return .upsert(chunkId: chunk.chunkId, documentId: chunk.documentId, authorId: chunk.authorId, embedding: EmbeddingCoding.bytes(vector))
    }

    func storedOffsets(_ partitions: [TopicPartition]) async throws -> [TopicPartition: Int64] {
        try await offsets.load(db, partitions: partitions)
    }

    func apply(_ batch: ConsumerBatch<Input>) async throws -> Outcome {
        var upserts: [(chunkId: String, documentId: String, authorId: String, embedding: [UInt8])] = []
        var removals: [String] = []
        var champions: [String] = []
        for (_, input) in batch.inputs {
            switch input {
            case .champion(let dataset): champions.append(dataset)
            case .remove(let chunkId): removals.append(chunkId)
            case .upsert(let chunkId, let documentId, let authorId, let embedding): upserts.append((chunkId, documentId, authorId, embedding))
            }
        }
        let scope = self.scope
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
            try await offsets.save(db, batch.nextOffsets)
        }
        if !upserts.isEmpty || !champions.isEmpty { schedule.changed() }
        return Outcome()
    }
}
