import Foundation
import TwinlogEvents
import TwinlogKafka
import TwinlogKafkaEvents
import TwinlogText

extension FuzzTarget {
    /// The JSON parser, schema validation and event decoding, as a consumer meets a record.
    ///
    /// An input is a record in brief: its `ce_type` header, a newline, then its value. The target
    /// decodes it with `EventCodec.decode` as the event type the header names (as
    /// `DocumentCaptured` when it names none, which the codec must refuse), then reads the derived
    /// values consumers use (`ChunkEmbedded.vector`, `QueryRequested.dates()`).
    static let events = FuzzTarget(
        name: "events",
        summary: "JSON parser + JSON Schema validation + EventCodec.decode of every event type (input: ce_type line, then the value)"
    ) {
        var seeds: [[UInt8]] = []
        func seed<E: TwinlogEvent>(_ event: E) throws {
            let record = try EventCodec.record(event, topic: "fuzz", source: "fuzz", id: "fuzz", time: EventSeeds.time)
            seeds.append(Array("\(E.eventType)\n".utf8) + (record.value ?? []))
        }
        for event in EventSeeds.events { try seed(event) }
        return FuzzHarness(name: "events", seeds: seeds) { input in
            let newline = input.firstIndex(of: 0x0A) ?? -1
            let typeName = newline >= 0 ? String(decoding: input[..<newline], as: UTF8.self) : ""
            let value = Array(input[(newline + 1)...])
            let type = EventSchemas.allEventTypes.first { $0.eventType == typeName } ?? DocumentCaptured.self
            try EventSeeds.decode(value, typeName: typeName, as: type)
        }
    }
}

/// Valid events of every type, built with the project's own encoders, and the decode a consumer runs.
enum EventSeeds {
    static let time = Date(timeIntervalSince1970: 1_800_000_000)

    static var events: [any TwinlogEvent] {
        let chunkId = EventIDs.sha256Hex("chunk")
        let docId = EventIDs.documentId(url: "https://example.org/post")
        return [
            DocumentCaptured(documentId: docId, authorId: "jane-doe", authorName: "Jane Doe", platform: .medium, kind: .article,
                             sourceUrl: "https://example.org/post", title: "A post", content: "Some text, with 2 numbers: 42 and 3.5.",
                             capturedAt: time, publishedAt: time.addingTimeInterval(-86_400), metadata: ["tag": "swift", "stars": "12"]),
            DocumentRemoved(documentId: docId, authorId: "jane-doe", reason: "deleted", removedAt: time),
            AuthorErased(authorId: "jane-doe", reason: "request", requestedAt: time),
            WarehouseChange(op: .update, table: "documents", key: ["document_id": docId], before: ["title": "a", "published_at": nil],
                            after: ["title": "b", "published_at": nil], lsn: 123_456, sequence: 2, transactionId: 77, commitTime: time),
            ChunkEmbedded(chunkId: chunkId, documentId: docId, authorId: "jane-doe", platform: .github, kind: .repositoryFile,
                          title: "README", url: "https://github.com/j/r", text: "hello", chunkIndex: 3,
                          vector: [0.5, -1.25, 3, 1e-3], model: "all-MiniLM-L6-v2", sourceTime: time,
                          publishedAt: time.addingTimeInterval(-3_600), source: "j/r", section: "Usage > Install"),
            ChunkRemoved(chunkId: chunkId, documentId: docId, authorId: "jane-doe", reason: "document changed"),
            DriftDetected(scope: "jane-doe", trigger: .drift, statistic: 0.1, pValue: 0.01, threshold: 0.05, windowSize: 200,
                          newDocuments: 12, referenceDatasetVersion: "ds-1", detectedAt: time),
            DatasetPublished(datasetVersion: "ds-1", artifactPath: "/tmp/ds.jsonl.zst", artifactSha256: chunkId, trainSamples: 10,
                             evalSamples: 2, preferencePairs: 3, warehousePosition: "0/16B3748", createdAt: time),
            ModelPublished(modelVersion: "m-1", baseModelSha256: chunkId, adapterPath: "m-1.twlt", adapterSha256: chunkId,
                           datasetVersion: "ds-1", metrics: ["perplexity": 12.5], publishedAt: time),
            QueryRequested(queryId: "q-1", question: "What did Jane write about Swift in 2023?", authorId: "jane-doe", platform: .medium,
                           kind: .article, since: time.addingTimeInterval(-86_400), until: time, k: 5, maxTokens: 128, deadline: time),
            QueryAnswered(queryId: "q-1", status: .ok, answer: "A twin.",
                          sources: [.init(chunkId: chunkId, documentId: docId, title: "t", url: "u", score: 0.9, source: "j/r", section: "s")],
                          modelVersion: "m-1", timings: ["total": 12.5], flags: ["prompt_injection"],
                          retrieval: .init(filters: ["author": ["jane-doe"]], readFromQuestion: ["since"], boostedSources: ["j/r"])),
        ]
    }

    /// Decodes `value` as a record with `typeName` in its `ce_type` header, expecting `E`.
    static func decode<E: TwinlogEvent>(_ value: [UInt8], typeName: String, as type: E.Type) throws {
        let headers = [KafkaHeader(EventEnvelope.specVersionHeader, "1.0"), KafkaHeader(EventEnvelope.idHeader, "fuzz"),
                       KafkaHeader(EventEnvelope.typeHeader, typeName), KafkaHeader(EventEnvelope.sourceHeader, "fuzz"),
                       KafkaHeader(EventEnvelope.timeHeader, EventTime.format(time)),
                       KafkaHeader(EventEnvelope.contentTypeHeader, "application/json")]
        let record = KafkaRecord(topic: "fuzz", partition: 0, offset: 0, key: nil, value: value, headers: headers, timestampMilliseconds: nil)
        let event = try EventCodec.decode(record, as: E.self).event
        if let chunk = event as? ChunkEmbedded { _ = chunk.vector; _ = chunk.documentDate }
        if let query = event as? QueryRequested { _ = try query.dates() }
    }
}
