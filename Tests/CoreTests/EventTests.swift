import Foundation
import Testing
import TwinlogEvents
import TwinlogKafka
import TwinlogKafkaEvents
import TwinlogSchemas
import TwinlogText

@Suite("Events: envelope, schemas and codec")
struct EventTests {
    static let document = DocumentCaptured(
        documentId: EventIDs.documentId(url: "https://example.org/post"), authorId: "jane-doe", authorName: "Jane Doe",
        platform: .medium, kind: .article, sourceUrl: "https://example.org/post", title: "A post", content: "Some text.",
        capturedAt: Date(timeIntervalSince1970: 1_800_000_000.25), publishedAt: nil, metadata: ["tag": "swift"])

    static func asRecord(_ outgoing: OutgoingRecord) -> KafkaRecord {
        KafkaRecord(topic: outgoing.topic, partition: 0, offset: 7, key: outgoing.key, value: outgoing.value,
                    headers: outgoing.headers, timestampMilliseconds: nil)
    }

    @Test("every event type has a schema file that loads, and every schema file belongs to an event type")
    func schemasExist() throws {
        for type in EventSchemas.allEventTypes {
            let bytes = try SchemaFiles.eventSchema(name: type.schemaName, version: type.schemaVersion)
            _ = try JSONSchema(name: type.schemaName, json: bytes)
        }
        let declared = Set(EventSchemas.allEventTypes.map { "\($0.schemaName).v\($0.schemaVersion)" })
        #expect(Set(SchemaFiles.eventSchemaNames()) == declared)
    }

    @Test("an event encodes to a CloudEvents binary-mode record keyed by its aggregate and decodes back")
    func roundTrip() throws {
        let time = Date(timeIntervalSince1970: 1_800_000_001)
        let record = try EventCodec.record(Self.document, topic: "twin.documents", source: "crawler/medium", id: "evt-1", time: time)
        #expect(record.key == Array(Self.document.documentId.utf8))
        let headers = Dictionary(uniqueKeysWithValues: record.headers.map { ($0.name, $0.stringValue ?? "") })
        #expect(headers["ce_specversion"] == "1.0")
        #expect(headers["ce_id"] == "evt-1")
        #expect(headers["ce_type"] == "twin.document.captured")
        #expect(headers["ce_source"] == "crawler/medium")
        #expect(headers["ce_time"] == "2027-01-15T08:00:01.000Z")
        #expect(headers["content-type"] == "application/json")
        let received = try EventCodec.decode(Self.asRecord(record), as: DocumentCaptured.self)
        #expect(received.event == Self.document)
        #expect(received.envelope.id == "evt-1")
        #expect(received.envelope.time == time)
    }

    @Test("encoding is deterministic: the same event always gives the same bytes")
    func deterministicBytes() throws {
        let a = try EventCodec.record(Self.document, topic: "t", source: "s", id: "x", time: Date(timeIntervalSince1970: 0))
        let b = try EventCodec.record(Self.document, topic: "t", source: "s", id: "x", time: Date(timeIntervalSince1970: 0))
        #expect(a.value == b.value)
    }

    @Test("producers cannot send an event that violates its schema")
    func encodeValidates() {
        var bad = Self.document
        bad.contentHash = "not-a-hash"
        #expect { try EventCodec.record(bad, topic: "t", source: "s") } throws: { "\($0)".contains("/contentHash") }
    }

    @Test("a consumer rejects an invalid value, naming the field that is wrong")
    func decodeValidates() throws {
        var record = Self.asRecord(try EventCodec.record(Self.document, topic: "t", source: "s"))
        record.value = Array(#"{"documentId":"doc_0123456789abcdef0123456789abcdef","platform":"myspace"}"#.utf8)
        #expect { try EventCodec.decode(record, as: DocumentCaptured.self) } throws: { error in
            let text = "\(error)"
            return text.contains("/platform") && text.contains("missing required property authorId")
        }
    }

    @Test("a consumer rejects records with a missing or wrong envelope")
    func envelopeErrors() throws {
        let good = Self.asRecord(try EventCodec.record(Self.document, topic: "t", source: "s"))
        var missing = good
        missing.headers.removeAll { $0.name == "ce_type" }
        #expect { try EventCodec.decode(missing, as: DocumentCaptured.self) } throws: { "\($0)".contains("missing header ce_type") }
        #expect { try EventCodec.decode(good, as: DocumentRemoved.self) } throws: { "\($0)".contains("expected twin.document.removed") }
        var notJSON = good
        notJSON.value = [0xff, 0xfe, 0x00]
        #expect { try EventCodec.decode(notJSON, as: DocumentCaptured.self) } throws: { "\($0)".contains("not valid JSON") }
        var badTime = good
        badTime.headers = badTime.headers.map { $0.name == "ce_time" ? KafkaHeader("ce_time", "yesterday") : $0 }
        #expect { try EventCodec.decode(badTime, as: DocumentCaptured.self) } throws: { "\($0)".contains("ce_time") }
    }

    @Test("every event type round-trips through its schema")
    func allTypesRoundTrip() throws {
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        let chunkId = EventIDs.sha256Hex("chunk")
        let docId = Self.document.documentId
        try check(DocumentRemoved(documentId: docId, authorId: "jane-doe", reason: "deleted", removedAt: now))
        try check(AuthorErased(authorId: "jane-doe", reason: "request", requestedAt: now))
        try check(WarehouseChange(op: .update, table: "documents", key: ["document_id": docId], before: ["title": "a", "published_at": nil],
                                  after: ["title": "b", "published_at": nil], lsn: 123_456, sequence: 2, transactionId: 77, commitTime: now))
        let chunk = ChunkEmbedded(chunkId: chunkId, documentId: docId, authorId: "jane-doe", platform: .github, kind: .repositoryFile,
                                  title: "README", url: "https://github.com/j/r", text: "hello", chunkIndex: 0,
                                  vector: [0.5, -1.25, 3], model: "all-MiniLM-L6-v2", sourceTime: now)
        try check(chunk)
        #expect(chunk.vector == [0.5, -1.25, 3])
        #expect(chunk.documentDate == now)
        var dated = chunk
        dated.publishedAt = now.addingTimeInterval(-86_400)
        try check(dated)
        #expect(dated.documentDate == now.addingTimeInterval(-86_400))
        try check(ChunkRemoved(chunkId: chunkId, documentId: docId, authorId: "jane-doe", reason: "document changed"))
        try check(DriftDetected(scope: "jane-doe", trigger: .manual, statistic: 0.1, pValue: 0.01, threshold: 0.05, windowSize: 200,
                                newDocuments: 12, referenceDatasetVersion: nil, detectedAt: now))
        try check(DatasetPublished(datasetVersion: "ds-1", artifactPath: "/tmp/ds.jsonl.zst", artifactSha256: chunkId, trainSamples: 10,
                                   evalSamples: 2, preferencePairs: 3, warehousePosition: "0/16B3748", createdAt: now))
        try check(ModelPublished(modelVersion: "m-1", baseModelSha256: chunkId, adapterPath: nil, adapterSha256: nil, datasetVersion: "ds-1",
                                 metrics: ["perplexity": 12.5], publishedAt: now))
        try check(QueryRequested(queryId: "q-1", question: "What is Twinlog?", platform: .linkedin, deadline: now))
        let ranged = QueryRequested(queryId: "q-2", question: "What changed?", since: now.addingTimeInterval(-3_600), until: now, deadline: now)
        try check(ranged)
        #expect(try ranged.dates() == now.addingTimeInterval(-3_600)..<now)
        #expect(try QueryRequested(queryId: "q-3", question: "?", since: now, deadline: now).dates() == now..<Date.distantFuture)
        #expect(throws: EventError.self) { try QueryRequested(queryId: "q-4", question: "?", since: now, until: now, deadline: now).dates() }
        try check(QueryAnswered(queryId: "q-1", status: .ok, answer: "A twin.",
                                sources: [.init(chunkId: chunkId, documentId: docId, title: "t", url: "u", score: 0.9)],
                                modelVersion: "m-1", timings: ["total": 12.5], flags: []))
        try check(QueryRequested(queryId: "q-5", question: "Stream it?", deadline: now, stream: true))
        try check(QueryAnswerPartial(queryId: "q-5", sequence: 0, text: "The wire is "))
        try check(QueryAnswered(queryId: "q-5", status: .ok, answer: "x", evidence: [.init(source: 1, text: "lora_r: 16", score: 0.75)]))
        let notBoolean = #"{"queryId":"q","question":"?","k":5,"maxTokens":8,"retrievalOnly":false,"deadline":"2026-01-01T00:00:00.000Z","stream":"yes"}"#
        #expect { try EventCodec.validate(Array(notBoolean.utf8), as: QueryRequested.self) } throws: { "\($0)".contains("stream") }
        let negative = #"{"queryId":"q","sequence":-1,"text":"a"}"#
        #expect { try EventCodec.validate(Array(negative.utf8), as: QueryAnswerPartial.self) } throws: { "\($0)".contains("sequence") }
        let scoreTooHigh = #"{"queryId":"q","status":"ok","sources":[],"timings":{},"flags":[],"evidence":[{"source":1,"text":"a","score":1.5}]}"#
        #expect { try EventCodec.validate(Array(scoreTooHigh.utf8), as: QueryAnswered.self) } throws: { "\($0)".contains("score") }
    }

    private func check<E: TwinlogEvent>(_ event: E) throws {
        let record = try EventCodec.record(event, topic: "t", source: "tests")
        #expect(try EventCodec.decode(Self.asRecord(record), as: E.self).event == event)
    }

    @Test("ids are deterministic and canonical URLs ignore case, fragments, tracking and trailing slashes")
    func deterministicIDs() {
        let id = EventIDs.documentId(url: "https://Example.org/Post/?utm_source=x#top")
        #expect(id == EventIDs.documentId(url: "https://example.org/Post"))
        #expect(id != EventIDs.documentId(url: "https://example.org/post"))
        #expect(id.hasPrefix("doc_") && id.count == 36)
        #expect(EventIDs.canonicalURL("HTTP://Example.org:80/a/b/?q=1&utm_medium=y") == "http://example.org/a/b?q=1")
        #expect(EventIDs.authorId(name: "Zoë  O'Brien") == "zoe-o-brien")
        #expect(EventIDs.contentHash("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }

    @Test("the topic catalogue names every topic under its prefix, with compaction where the design says")
    func catalogue() {
        let topics = TopicCatalogue(prefix: "test.", partitions: 3)
        #expect(topics.documents == "test.twin.documents")
        #expect(topics.deadLetter(consumer: "warehouse") == "test.twin.dlq.warehouse")
        let specs = Dictionary(uniqueKeysWithValues: topics.specs.map { ($0.name, $0) })
        #expect(specs["test.twin.chunks"]?.configs["cleanup.policy"] == "compact")
        #expect(specs["test.twin.documents"]?.configs["retention.ms"] == "-1")
        #expect(specs["test.twin.documents"]?.partitions == 3)
        #expect(topics.specs.allSatisfy { $0.name.hasPrefix("test.twin.") })
    }
}
