import Crawlers
import Foundation
import Testing
import TwinlogEvents
import TwinlogKafka
import TwinlogKafkaEvents
import TwinlogPostgres
import TwinlogTestSupport

/// The real broker and PostgreSQL that `infra/dev/up` started, a topic and schema of each test's
/// own, and helpers to run a crawl and read back exactly what it emitted. Missing services fail
/// the test with what to run.
struct CrawlServices {
    let name: String
    let topics: TopicCatalogue
    let db: PostgresConnection
    let producer: KafkaProducer
    let kafka: KafkaConfiguration

    /// Creates one-partition topics (so records keep one total order) and a schema.
    static func start(_ label: String) async throws -> CrawlServices {
        let namespace = try await TestNamespace.create(label, partitions: 1)
        let name = namespace.name
        let kafka = LocalServices.kafka
        let topics = namespace.topics
        let db = try await PostgresConnection.connect(namespace.database)
        try await CrawlStateStore.prepare(db, schema: name)
        return CrawlServices(name: name, topics: topics, db: db, producer: try KafkaProducer(configuration: kafka), kafka: kafka)
    }

    /// Options for crawling the loopback fixture server: loopback allowed, no politeness delay,
    /// fast retries, small limits.
    static func testOptions(cache: String) -> CrawlOptions {
        var options = CrawlOptions()
        options.fetch.addressPolicy = AddressPolicy(allowLoopback: true)
        options.fetch.perHostDelay = .zero
        options.fetch.backoffBase = .milliseconds(10)
        options.fetch.maxBodyBytes = 256 << 10
        options.fetch.requestTimeout = .seconds(20)
        options.repository.cacheDirectory = cache
        return options
    }

    /// Runs one crawl with a fresh engine (as a new process would: only PostgreSQL remembers).
    func crawl(_ targets: [CrawlTarget], options: CrawlOptions) async -> CrawlReport {
        let engine = CrawlEngine(producer: producer, topics: topics, state: CrawlStateStore(db: db), options: options)
        let report = await engine.crawl(targets)
        await engine.shutdown()
        return report
    }

    /// Every record on the documents topic up to a sentinel written now: exactly what was emitted
    /// so far, with no waiting for "nothing more to come".
    func emittedSoFar() async throws -> [KafkaRecord] {
        let sentinel = "sentinel-" + UUID().uuidString
        try await producer.send(OutgoingRecord(topic: topics.documents, key: Array(sentinel.utf8), value: [], headers: []))
        var options = KafkaConsumer.Options(groupId: name + "-reader-" + UUID().uuidString.prefix(6))
        options.fetchMaxWait = .milliseconds(10)
        let consumer = try KafkaConsumer(configuration: kafka, options: options, assign: [TopicPartition(topics.documents, 0): 0])
        defer { Task { await consumer.close() } }
        var records: [KafkaRecord] = []
        let deadline = ContinuousClock.now + .seconds(60)
        while ContinuousClock.now < deadline {
            for record in try await consumer.poll(maxRecords: 1000, timeout: .milliseconds(100)) {
                if record.key == Array(sentinel.utf8) { return records.filter { !($0.key.map { String(decoding: $0, as: UTF8.self) } ?? "").hasPrefix("sentinel-") } }
                records.append(record)
            }
        }
        Issue.record("the sentinel record did not come back within 60 s")
        return records
    }

    func close() async {
        await producer.shutdown()
        await db.close()
    }
}

/// Decoded events of a record list, by type.
struct EmittedEvents {
    var captured: [DocumentCaptured] = []
    var removed: [DocumentRemoved] = []

    init(_ records: [KafkaRecord]) throws {
        for record in records {
            switch EventCodec.eventType(of: record) {
            case DocumentCaptured.eventType: captured.append(try EventCodec.decode(record, as: DocumentCaptured.self).event)
            case DocumentRemoved.eventType: removed.append(try EventCodec.decode(record, as: DocumentRemoved.self).event)
            default: Issue.record("unexpected record type \(EventCodec.eventType(of: record) ?? "none")")
            }
        }
    }

    func captured(_ id: String) -> DocumentCaptured? { captured.first { $0.documentId == id } }
}
