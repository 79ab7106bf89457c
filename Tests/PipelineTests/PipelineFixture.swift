import CDCConsumer
import FeatureConsumer
import Foundation
import IndexConsumer
import Testing
import TwinlogEmbedding
import TwinlogEvents
import TwinlogIndex
import TwinlogKafka
import TwinlogMetrics
import TwinlogPostgres
import TwinlogSink
import TwinlogText
import WarehouseConsumer

/// The real broker, PostgreSQL and embedder, with a namespace per test: topics under a prefix of
/// its own, a PostgreSQL schema, a replication slot and a publication. Tests fail loudly, saying
/// what to run, when a service or the model is missing.
struct PipelineFixture {
    static let brokers = ProcessInfo.processInfo.environment["TWINLOG_BROKERS"] ?? "127.0.0.1:19092"
    static let databaseURL = ProcessInfo.processInfo.environment["TWINLOG_DATABASE_URL"] ?? "postgresql://twinlog@127.0.0.1:55432/twinlog"
    static var kafka: KafkaConfiguration { KafkaConfiguration(brokers: brokers, clientId: "twinlog-pipeline-tests", requestTimeout: .seconds(10)) }

    /// One embedder for the whole test process (loading the weights takes a while).
    static let sharedEmbedder = Result { try Embedder() }

    static func embedder() throws -> Embedder {
        switch sharedEmbedder {
        case .success(let embedder): return embedder
        case .failure(let error):
            Issue.record("the embedder model is missing (\(error)); infra/dev/setup installs it into .twinlog/venv")
            throw error
        }
    }

    let name: String
    let topics: TopicCatalogue
    let producer: KafkaProducer
    let db: PostgresConnection
    let database: PostgresConnection.Options
    let embedder: Embedder
    var chunker: Chunker { Chunker(tokenizer: embedder.tokenizer) }

    init(_ label: String) async throws {
        let parts = librdkafkaVersion.split(separator: ".").compactMap { Int($0) }
        guard parts.count >= 2, parts[0] > 2 || (parts[0] == 2 && parts[1] >= 1) else {
            Issue.record("librdkafka \(librdkafkaVersion) is loaded; run the tests through infra/dev/test (it puts librdkafka 2.16 on LD_LIBRARY_PATH)")
            throw PipelineTestError("librdkafka too old")
        }
        embedder = try Self.embedder()
        name = "t\(UUID().uuidString.prefix(8).lowercased())_\(label)"
        topics = TopicCatalogue(prefix: name + ".", partitions: 2)
        let admin = try KafkaAdmin(configuration: Self.kafka)
        try await admin.createTopics(topics.specs, ifNotExists: false)
        await admin.close()
        producer = try KafkaProducer(configuration: Self.kafka)
        let root = try await PostgresConnection.connect(PostgresConnection.Options(url: Self.databaseURL))
        try await root.execute("CREATE SCHEMA \(identifier: name)")
        await root.close()
        database = PostgresConnection.Options(url: Self.databaseURL, searchPath: name)
        db = try await PostgresConnection.connect(database)
        try await WarehouseSchema.prepare(db, schema: name)
    }

    static func consumerOptions(group: String) -> KafkaConsumer.Options {
        var options = KafkaConsumer.Options(groupId: group)
        options.sessionTimeout = .milliseconds(3000)
        options.fetchMaxWait = .milliseconds(10)
        return options
    }

    var warehouseConfiguration: WarehouseMaterializer.Configuration {
        var configuration = WarehouseMaterializer.Configuration(kafka: Self.kafka, database: database, topics: topics, groupId: name + ".warehouse")
        configuration.consumer = Self.consumerOptions(group: name + ".warehouse")
        return configuration
    }

    var relayConfiguration: CDCRelay.Configuration {
        var configuration = CDCRelay.Configuration(kafka: Self.kafka, database: database, topics: topics)
        configuration.slot = "twinlog_cdc_" + name
        configuration.publication = "twinlog_" + name
        return configuration
    }

    /// The feature consumer's configuration, recording into `registry` when given.
    func featureConfiguration(registry: MetricsRegistry? = nil) -> FeatureConsumer.Configuration {
        var configuration = FeatureConsumer.Configuration(kafka: Self.kafka, database: database, topics: topics, groupId: name + ".features")
        configuration.consumer = Self.consumerOptions(group: name + ".features")
        if let registry { configuration.metrics = registry.factory }
        return configuration
    }

    func indexConfiguration(snapshot: URL? = nil, registry: MetricsRegistry? = nil) -> IndexMaterializer.Configuration {
        var configuration = IndexMaterializer.Configuration(kafka: Self.kafka, topics: topics, snapshotPath: snapshot)
        configuration.consumer = Self.consumerOptions(group: name + ".index")
        if let registry { configuration.metrics = registry.factory }
        return configuration
    }

    func send<E: TwinlogEvent>(_ events: [E]) async throws {
        try await producer.send(events.map { try EventCodec.record($0, topic: topics.documents, source: "tests") })
    }

    static func document(_ url: String, author: String = "Grace Hopper", kind: TwinlogEvents.DocumentKind = .article,
                         content: String, at time: Date = Date()) -> DocumentCaptured {
        DocumentCaptured(documentId: EventIDs.documentId(url: url), authorId: EventIDs.authorId(name: author), authorName: author,
                         platform: .article, kind: kind, sourceUrl: url, title: "Title of \(url)", content: content, capturedAt: time)
    }

    /// The chunk ids the pipeline should hold for `document`.
    func chunkIds(_ document: DocumentCaptured) -> Set<String> {
        Set(pieces(documentId: document.documentId, platform: document.platform, kind: document.kind, title: document.title,
                   url: document.sourceUrl, content: document.content).map(\.id))
    }

    /// What the feature consumer makes of a document under the default chunking scheme.
    func pieces(documentId: String, platform: Platform, kind: TwinlogEvents.DocumentKind, title: String, url: String,
                content: String) -> [ChunkingScheme.Piece] {
        let row = DocumentRow(documentId: documentId, authorId: "any", platform: platform, kind: kind, title: title, url: url,
                              content: content, contentHash: EventIDs.contentHash(content), capturedAt: Date())
        return ChunkingScheme.current.pieces(of: row, content: content, chunker: chunker)
    }

    /// The chunk ids stored for a document by the feature consumer.
    func storedChunkIds(_ documentId: String) async throws -> Set<String>? {
        let rows = try await db.query("SELECT array_to_string(chunk_ids, ' ') AS ids FROM feature_chunk_sets WHERE document_id = \(documentId)")
        return try rows.first.map { Set(try $0.decode(String.self, "ids").split(separator: " ").map(String.init)) }
    }

    /// Drops the replication slot the relay used (it outlives the test otherwise).
    func dropSlot() async {
        for _ in 0..<50 {
            if (try? await db.execute("SELECT pg_drop_replication_slot(\(relayConfiguration.slot))")) != nil { return }
            try? await Task.sleep(for: .milliseconds(200))
        }
    }

    /// Reads every record of the chunk topic from the beginning.
    func chunkReader() throws -> KafkaConsumer {
        try KafkaConsumer(configuration: Self.kafka, options: Self.consumerOptions(group: name + ".reader"),
                          assign: Dictionary(uniqueKeysWithValues: (0..<topics.partitions).map { (TopicPartition(topics.chunks, $0), KafkaOffset.beginning) }))
    }

    /// Waits until `condition` holds or `timeout` passes; returns whether it held.
    static func eventually(timeout: Duration = .seconds(120), _ condition: () async throws -> Bool) async rethrows -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if try await condition() { return true }
            try? await Task.sleep(for: .milliseconds(100))
        }
        return try await condition()
    }
}

struct PipelineTestError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// The warehouse materializer, CDC relay, feature consumer and index materializer running as tasks
/// in this process, as `twinlog run` runs them.
final class RunningPipeline: Sendable {
    let materializer: IndexMaterializer
    private let tasks: [Task<Void, any Error>]
    private let relay: CDCRelay

    init(_ fixture: PipelineFixture, index: IndexMaterializer.Configuration? = nil, features: FeatureConsumer.Configuration? = nil) async throws {
        let warehouse = try await WarehouseMaterializer(fixture.warehouseConfiguration)
        relay = try CDCRelay(fixture.relayConfiguration)
        let consumer = try await FeatureConsumer(features ?? fixture.featureConfiguration(), embedder: fixture.embedder)
        materializer = try await IndexMaterializer(index ?? fixture.indexConfiguration())
        let relay = self.relay, materializer = self.materializer
        tasks = [
            Task { try await warehouse.run() },
            Task { try await relay.run() },
            Task { try await consumer.run() },
            Task { try await materializer.run() },
        ]
    }

    var index: VectorIndex { materializer.index }

    /// Cancels every component and waits for them to stop.
    func stop() async {
        for task in tasks { task.cancel() }
        for task in tasks { _ = await task.result }
        await relay.shutdown()
    }
}
