import CDCConsumer
import FeatureConsumer
import Foundation
import IndexConsumer
import Testing
import TwinlogEmbedding
import TwinlogEvents
import TwinlogIndex
import TwinlogKafka
import TwinlogKafkaEvents
import TwinlogMetrics
import TwinlogPostgres
import TwinlogSink
import TwinlogTestSupport
import TwinlogText
import WarehouseConsumer

/// The real broker, PostgreSQL and embedder, with a namespace per test: topics under a prefix of
/// its own, a PostgreSQL schema, a replication slot and a publication. Tests fail loudly, saying
/// what to run, when a service or the model is missing.
struct PipelineFixture {
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
        try LocalServices.requireKafka()
        embedder = try Self.embedder()
        let namespace = try await TestNamespace.create(label)
        name = namespace.name
        topics = namespace.topics
        producer = try KafkaProducer(configuration: LocalServices.kafka)
        database = namespace.database
        db = try await PostgresConnection.connect(database)
        try await WarehouseSchema.prepare(db, schema: name)
    }

    var warehouseConfiguration: WarehouseMaterializer.Configuration {
        var configuration = WarehouseMaterializer.Configuration(kafka: LocalServices.kafka, database: database, topics: topics, groupId: name + ".warehouse")
        configuration.consumer = LocalServices.consumerOptions(group: name + ".warehouse")
        return configuration
    }

    var relayConfiguration: CDCRelay.Configuration {
        var configuration = CDCRelay.Configuration(kafka: LocalServices.kafka, database: database, topics: topics)
        configuration.slot = "twinlog_cdc_" + name
        configuration.publication = "twinlog_" + name
        return configuration
    }

    /// The feature consumer's configuration, recording into `registry` when given.
    func featureConfiguration(registry: MetricsRegistry? = nil) -> FeatureConsumer.Configuration {
        var configuration = FeatureConsumer.Configuration(kafka: LocalServices.kafka, database: database, topics: topics, groupId: name + ".features")
        configuration.consumer = LocalServices.consumerOptions(group: name + ".features")
        if let registry { configuration.metrics = registry.factory }
        return configuration
    }

    func indexConfiguration(snapshot: URL? = nil, registry: MetricsRegistry? = nil) -> IndexMaterializer.Configuration {
        var configuration = IndexMaterializer.Configuration(kafka: LocalServices.kafka, topics: topics, snapshotPath: snapshot)
        configuration.consumer = LocalServices.consumerOptions(group: name + ".index")
        if let registry { configuration.metrics = registry.factory }
        return configuration
    }

    func send<E: TwinlogEvent>(_ events: [E]) async throws {
        try await producer.send(events.map { try EventCodec.record($0, topic: topics.documents, source: "tests") })
    }

    static func document(_ url: String, author: String = "Grace Hopper", kind: DocumentKind = .article,
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
    func pieces(documentId: String, platform: Platform, kind: DocumentKind, title: String, url: String,
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
        try KafkaConsumer(configuration: LocalServices.kafka, options: LocalServices.consumerOptions(group: name + ".reader"),
                          assign: Dictionary(uniqueKeysWithValues: (0..<topics.partitions).map { (TopicPartition(topics.chunks, $0), KafkaOffset.beginning) }))
    }
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
