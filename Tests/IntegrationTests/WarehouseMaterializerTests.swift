import Foundation
import Testing
import TwinlogEvents
import TwinlogKafka
import TwinlogKafkaEvents
import TwinlogPostgres
import TwinlogSink
import TwinlogTestSupport
import TwinlogText
import WarehouseConsumer

/// A warehouse of one test's own: its topics (by prefix), its schema and its consumer group.
struct WarehouseFixture {
    let name: String
    let topics: TopicCatalogue
    let producer: KafkaProducer
    let db: PostgresConnection

    init(_ label: String) async throws {
        name = uniqueName(label)
        topics = TopicCatalogue(prefix: name + ".", partitions: 2)
        try await LocalServices.createTopics(topics.specs)
        producer = try KafkaProducer(configuration: LocalServices.kafka)
        db = try await LocalServices.database(schema: name)
    }

    func materializer() async throws -> WarehouseMaterializer {
        var configuration = WarehouseMaterializer.Configuration(
            kafka: LocalServices.kafka, database: .init(url: LocalServices.databaseURL, searchPath: name), topics: topics,
            groupId: name + ".warehouse")
        configuration.consumer = LocalServices.consumerOptions(group: name + ".warehouse")
        return try await WarehouseMaterializer(configuration)
    }

    func send<E: TwinlogEvent>(_ events: [E]) async throws {
        try await producer.send(events.map { try EventCodec.record($0, topic: topics.documents, source: "tests") })
    }

    func count(_ sql: PostgresQuery) async throws -> Int {
        try await db.query(sql)[0].decode(Int.self, "n")
    }

    /// Steps the materializer until `condition` holds.
    func process(_ materializer: WarehouseMaterializer, until condition: () async throws -> Bool) async throws -> Bool {
        try await eventually {
            try await materializer.step(timeout: .milliseconds(50))
            return try await condition()
        }
    }

    static func document(_ url: String, author: String = "Grace Hopper", content: String, at time: Date = Date()) -> DocumentCaptured {
        DocumentCaptured(documentId: EventIDs.documentId(url: url), authorId: EventIDs.authorId(name: author), authorName: author,
                         platform: .article, kind: .article, sourceUrl: url, title: "Title of \(url)", content: content, capturedAt: time)
    }
}

@Suite("Warehouse materializer against the local broker and PostgreSQL")
struct WarehouseMaterializerTests {
    @Test("captured documents become rows; an unchanged recapture adds no version; a change adds one")
    func versions() async throws {
        let fixture = try await WarehouseFixture("versions")
        let materializer = try await fixture.materializer()
        let first = WarehouseFixture.document("https://blog.example/a", content: "first text")
        try await fixture.send([first, WarehouseFixture.document("https://blog.example/b", content: "other text")])
        #expect(try await fixture.process(materializer) { try await fixture.count("SELECT count(*) AS n FROM documents") == 2 })

        try await fixture.send([WarehouseFixture.document("https://blog.example/a", content: "first text")])
        try await fixture.send([WarehouseFixture.document("https://blog.example/a", content: "second text")])
        #expect(try await fixture.process(materializer) {
            try await fixture.count("SELECT count(*) AS n FROM document_versions WHERE document_id = \(first.documentId)") == 2
        })
        let row = try await fixture.db.query("SELECT version, content FROM documents WHERE document_id = \(first.documentId)")[0]
        #expect(try row.decode(Int.self, "version") == 2)
        #expect(try row.decode(String.self, "content") == "second text")
        // The unchanged recapture in between wrote nothing: exactly versions 1 and 2 exist.
        let versions = try await fixture.db.query("SELECT version FROM document_versions WHERE document_id = \(first.documentId) ORDER BY version")
        #expect(try versions.map { try $0.decode(Int.self, "version") } == [1, 2])
        await materializer.shutdown()
    }

    @Test("a removed document is deleted; an erased author leaves nothing behind")
    func removalAndErasure() async throws {
        let fixture = try await WarehouseFixture("erase")
        let materializer = try await fixture.materializer()
        let docs = (0..<4).map { WarehouseFixture.document("https://ada.example/\($0)", author: "Ada Lovelace", content: "text \($0)") }
        let other = WarehouseFixture.document("https://grace.example/1", content: "grace's text")
        try await fixture.send(docs + [other])
        #expect(try await fixture.process(materializer) { try await fixture.count("SELECT count(*) AS n FROM documents") == 5 })

        try await fixture.send([DocumentRemoved(documentId: docs[0].documentId, authorId: docs[0].authorId, reason: "deleted", removedAt: Date())])
        #expect(try await fixture.process(materializer) { try await fixture.count("SELECT count(*) AS n FROM documents") == 4 })

        try await fixture.send([AuthorErased(authorId: docs[0].authorId, reason: "erasure request 42", requestedAt: Date())])
        let ada = docs[0].authorId
        #expect(try await fixture.process(materializer) {
            try await fixture.count("SELECT count(*) AS n FROM authors WHERE author_id = \(ada)") == 0
        })
        #expect(try await fixture.count("SELECT count(*) AS n FROM documents WHERE author_id = \(ada)") == 0)
        #expect(try await fixture.count("SELECT count(*) AS n FROM document_versions WHERE author_id = \(ada)") == 0)
        #expect(try await fixture.count("SELECT count(*) AS n FROM documents WHERE author_id = \(other.authorId)") == 1)

        // A capture from before the erasure, arriving late, must not bring the author back.
        try await fixture.send([WarehouseFixture.document("https://ada.example/late", author: "Ada Lovelace", content: "late",
                                                          at: Date().addingTimeInterval(-3600))])
        let marker = WarehouseFixture.document("https://grace.example/marker", content: "marker")
        try await fixture.send([marker])
        #expect(try await fixture.process(materializer) {
            try await fixture.count("SELECT count(*) AS n FROM documents WHERE document_id = \(marker.documentId)") == 1
        })
        #expect(try await fixture.count("SELECT count(*) AS n FROM authors WHERE author_id = \(ada)") == 0)
        await materializer.shutdown()
    }

    @Test("a schema-invalid event goes to the dead-letter topic with its reason and the consumer goes on")
    func deadLetters() async throws {
        let fixture = try await WarehouseFixture("dlq")
        let materializer = try await fixture.materializer()
        let valid = try EventCodec.record(WarehouseFixture.document("https://x.example/ok", content: "fine"), topic: fixture.topics.documents, source: "tests")
        var invalid = valid
        invalid.value = Array(#"{"documentId": 42}"#.utf8)
        var noEnvelope = valid
        noEnvelope.headers = []
        var nulByte = try EventCodec.record(WarehouseFixture.document("https://x.example/nul", content: "a\u{0}b"), topic: fixture.topics.documents, source: "tests")
        nulByte.key = Array("doc-with-nul".utf8)
        let after = try EventCodec.record(WarehouseFixture.document("https://x.example/after", content: "after the bad ones"),
                                          topic: fixture.topics.documents, source: "tests")
        for record in [invalid, noEnvelope, nulByte, valid, after] {
            var pinned = record
            pinned.partition = 0
            try await fixture.producer.send(pinned)
        }
        #expect(try await fixture.process(materializer) { try await fixture.count("SELECT count(*) AS n FROM documents") == 2 })

        let dlq = try KafkaConsumer(configuration: LocalServices.kafka, options: LocalServices.consumerOptions(group: fixture.name + ".dlq-reader"),
                                    topics: [fixture.topics.deadLetter(consumer: "warehouse")])
        let letters = try await LocalServices.consume(dlq, count: 3)
        #expect(letters.count == 3)
        let reasons = letters.compactMap { $0.header(DeadLetter.reasonHeader)?.stringValue }
        #expect(reasons.contains { $0.contains("schema violation") && $0.contains("missing required property authorId") })
        #expect(reasons.contains { $0.contains("missing header ce_specversion") })
        #expect(reasons.contains { $0.contains("NUL byte") })
        #expect(letters.allSatisfy { $0.header(DeadLetter.sourceTopicHeader)?.stringValue == fixture.topics.documents })
        #expect(Set(letters.compactMap { $0.header(DeadLetter.sourceOffsetHeader)?.stringValue }) == ["0", "1", "2"])
        await dlq.close()
        await materializer.shutdown()
    }

    @Test("a 5 MB document is stored intact; a value that is not UTF-8 JSON is dead-lettered with the reason")
    func largeAndInvalidDocuments() async throws {
        let fixture = try await WarehouseFixture("large")
        let materializer = try await fixture.materializer()
        let paragraph = "Twinlog keeps every version of what a person writes, and rebuilds every view from the log. "
        let content = String(repeating: paragraph, count: 5_000_000 / paragraph.utf8.count)
        let large = WarehouseFixture.document("https://big.example/5mb", content: content)
        var broken = try EventCodec.record(WarehouseFixture.document("https://big.example/broken", content: "x"),
                                           topic: fixture.topics.documents, source: "tests")
        broken.value = Array(#"{"documentId": ""#.utf8) + [0xff, 0xfe, 0xc3, 0x28] + Array(#""}"#.utf8)
        try await fixture.send([large])
        try await fixture.producer.send(broken)
        #expect(try await fixture.process(materializer) {
            try await fixture.count("SELECT count(*) AS n FROM documents WHERE document_id = \(large.documentId)") == 1
        })
        let stored = try await fixture.db.query("SELECT content_hash, length(content) AS n FROM documents WHERE document_id = \(large.documentId)")[0]
        #expect(try stored.decode(String.self, "content_hash") == EventIDs.contentHash(content))
        #expect(try stored.decode(Int.self, "n") == content.count)

        let dlq = try KafkaConsumer(configuration: LocalServices.kafka, options: LocalServices.consumerOptions(group: fixture.name + ".dlq-reader"),
                                    topics: [fixture.topics.deadLetter(consumer: "warehouse")])
        let letters = try await LocalServices.consume(dlq, count: 1)
        #expect(letters.first?.header(DeadLetter.reasonHeader)?.stringValue?.contains("not valid JSON") == true)
        await dlq.close()
        await materializer.shutdown()
    }

    @Test("offsets stored with the effects: a restarted materializer resumes without re-applying or skipping")
    func resumesFromStoredOffsets() async throws {
        let fixture = try await WarehouseFixture("resume")
        let first = try await fixture.materializer()
        try await fixture.send((0..<20).map { WarehouseFixture.document("https://r.example/\($0)", content: "v1 \($0)") })
        #expect(try await fixture.process(first) { try await fixture.count("SELECT count(*) AS n FROM documents") == 20 })
        await first.shutdown()

        try await fixture.send((0..<10).map { WarehouseFixture.document("https://r.example/\($0)", content: "v2 \($0)") })
        let second = try await fixture.materializer()
        #expect(try await fixture.process(second) { try await fixture.count("SELECT count(*) AS n FROM document_versions") == 30 })
        let stored = try await fixture.count("SELECT sum(next_offset)::int AS n FROM consumer_offsets WHERE consumer = 'warehouse'")
        #expect(stored == 30)
        #expect(try await fixture.count("SELECT max(version) AS n FROM documents") == 2)
        await second.shutdown()
    }
}

@Suite("Warehouse replay")
struct WarehouseReplayTests {
    @Test("a replayed warehouse equals the live one, table by table")
    func replayEqualsLive() async throws {
        let fixture = try await WarehouseFixture("replay")
        let live = try await fixture.materializer()
        let authors = ["Ada Lovelace", "Grace Hopper", "Alan Turing"]
        var events: [DocumentCaptured] = []
        for i in 0..<60 { events.append(WarehouseFixture.document("https://r.example/\(i)", author: authors[i % 3], content: "v1 of \(i)")) }
        for i in 0..<20 { events.append(WarehouseFixture.document("https://r.example/\(i)", author: authors[i % 3], content: "v2 of \(i)")) }
        try await fixture.send(events)
        try await fixture.send([DocumentRemoved(documentId: events[3].documentId, authorId: events[3].authorId, reason: "gone", removedAt: Date())])
        try await fixture.send([AuthorErased(authorId: EventIDs.authorId(name: "Alan Turing"), reason: "request", requestedAt: Date())])
        #expect(try await fixture.process(live) {
            try await fixture.count("SELECT count(*) AS n FROM erased_authors") == 1
        })
        let liveSums = try await WarehouseReplay.checksums(fixture.db)
        let liveDocuments = try await fixture.count("SELECT count(*) AS n FROM documents")
        #expect(liveDocuments == 39)  // 40 documents of Ada and Grace, one removed
        await live.shutdown()

        var configuration = WarehouseMaterializer.Configuration(
            kafka: LocalServices.kafka, database: .init(url: LocalServices.databaseURL, searchPath: fixture.name), topics: fixture.topics,
            groupId: fixture.name + ".warehouse")
        configuration.consumer = LocalServices.consumerOptions(group: fixture.name + ".warehouse")
        let outcome = try await WarehouseReplay.run(configuration, idle: .milliseconds(500))
        #expect(outcome.records == events.count + 2)
        #expect(try await WarehouseReplay.checksums(fixture.db) == liveSums)
    }
}
