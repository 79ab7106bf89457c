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
import TwinlogTestSupport
import TwinlogText

/// Articles with a known number of chunks, built sentence by sentence.
enum Articles {
    static let words = ["stream", "ledger", "replica", "warehouse", "vector", "index", "kafka", "partition", "offset", "snapshot",
                        "embedding", "chunk", "author", "erasure", "compaction", "latency", "throughput", "schema", "migration", "relay",
                        "garden", "river", "mountain", "violin", "harbor", "lantern", "orchard", "meadow", "glacier", "compass"]

    /// A distinct sentence: its words depend on the paragraph, the sentence and `seed`.
    static func sentence(_ paragraph: Int, _ index: Int, seed: Int = 0) -> String {
        var state = UInt64(paragraph * 1000 + index * 17 + seed * 7919 + 1)
        var picked: [String] = []
        for _ in 0..<14 {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            picked.append(words[Int(state >> 33) % words.count])
        }
        return "In part \(paragraph) note \(index) the " + picked.joined(separator: " ") + "."
    }

    /// Paragraphs of sentences whose chunks number exactly `chunks`, as `count` counts them.
    static func paragraphs(chunks: Int, count chunkCount: (String) -> Int) -> [[String]] {
        var paragraphs: [[String]] = [[]]
        while true {
            if paragraphs[paragraphs.count - 1].count == 5 { paragraphs.append([]) }
            paragraphs[paragraphs.count - 1].append(sentence(paragraphs.count, paragraphs[paragraphs.count - 1].count))
            let count = chunkCount(text(paragraphs))
            if count == chunks { return paragraphs }
            precondition(count < chunks, "one sentence added two chunks")
        }
    }

    static func text(_ paragraphs: [[String]]) -> String {
        paragraphs.map { $0.joined(separator: " ") }.joined(separator: "\n\n")
    }
}

@Suite("Feature consumer and index against the local broker, PostgreSQL and the real embedder", .serialized)
struct FeaturePipelineTests {
    @Test("editing one paragraph of a 20-chunk article re-embeds exactly the changed chunks, and the old ones vanish from search",
          .timeLimit(.minutes(5)))
    func editOneParagraph() async throws {
        let fixture = try await PipelineFixture("edit")
        let metrics = MetricsRegistry()
        let pipeline = try await RunningPipeline(fixture, features: fixture.featureConfiguration(registry: metrics))
        let url = "https://blog.example/long-read"
        let documentId = EventIDs.documentId(url: url)
        var paragraphs = Articles.paragraphs(chunks: 20) { fixture.chunkIds(PipelineFixture.document(url, content: $0)).count }
        var v1 = PipelineFixture.document(url, content: Articles.text(paragraphs))
        let published = Date(timeIntervalSince1970: 1_700_000_000)
        v1.publishedAt = published
        let before = fixture.chunkIds(v1)
        #expect(before.count == 20)

        try await fixture.send([v1])
        #expect(try await eventually { try await fixture.storedChunkIds(documentId) == before && Set(pipeline.index.keys) == before })
        // The publication date travels warehouse → change event → chunk event → index payload.
        #expect(before.allSatisfy { pipeline.index.payload(for: $0)?.documentDate == published })

        // One sentence in the middle paragraph is reworded with the same word pieces (two of its
        // words swap places): the chunker's cuts stay where they were, so only the chunks holding
        // that sentence change.
        let middle = paragraphs.count / 2
        var words = paragraphs[middle][2].split(separator: " ")
        let other = words.indices.dropFirst(6).first { words[$0] != words[5] && !words[$0].hasSuffix(".") }!
        words.swapAt(5, other)
        paragraphs[middle][2] = words.joined(separator: " ")
        var v2 = PipelineFixture.document(url, content: Articles.text(paragraphs))
        v2.publishedAt = published
        let after = fixture.chunkIds(v2)
        let added = after.subtracting(before), gone = before.subtracting(after)
        #expect((1...3).contains(added.count) && added.count == gone.count, "one reworded sentence changed \(added.count) chunks")

        try await fixture.send([v2])
        #expect(try await eventually { try await fixture.storedChunkIds(documentId) == after && Set(pipeline.index.keys) == after })

        // The chunk topic holds each v1 chunk embedded once, each new chunk embedded once, and a
        // removal (event + tombstone) for each vanished chunk: nothing else.
        let reader = try fixture.chunkReader()
        let expectedRecords = 20 + added.count + 2 * gone.count
        var records: [KafkaRecord] = []
        _ = try await eventually(timeout: .seconds(30)) {
            records += try await reader.poll(maxRecords: 1000, timeout: .milliseconds(100))
            return records.count >= expectedRecords
        }
        records += try await reader.poll(maxRecords: 1000, timeout: .milliseconds(500))
        await reader.close()
        var embedded: [String] = [], removed: [String] = [], tombstones: [String] = []
        for record in records {
            if record.value == nil { tombstones.append(record.keyString!); continue }
            switch EventCodec.eventType(of: record) {
            case ChunkEmbedded.eventType: embedded.append(try EventCodec.decode(record, as: ChunkEmbedded.self).event.chunkId)
            case ChunkRemoved.eventType: removed.append(try EventCodec.decode(record, as: ChunkRemoved.self).event.chunkId)
            default: Issue.record("unexpected record on the chunk topic")
            }
        }
        #expect(embedded.sorted() == (Array(before) + Array(added)).sorted())
        #expect(removed.sorted() == gone.sorted())
        #expect(tombstones.sorted() == gone.sorted())

        // The vanished chunks cannot be found, even by their own text; the new ones are found first.
        func pieces(_ document: DocumentCaptured) -> [ChunkingScheme.Piece] {
            fixture.pieces(documentId: documentId, platform: document.platform, kind: document.kind, title: document.title,
                           url: document.sourceUrl, content: document.content)
        }
        for piece in pieces(v1) where gone.contains(piece.id) {
            let hits = try pipeline.index.search(await fixture.embedder.embed(piece.embeddedText), k: 20)
            #expect(hits.allSatisfy { !gone.contains($0.key) })
        }
        for piece in pieces(v2) where added.contains(piece.id) {
            let top = try pipeline.index.search(await fixture.embedder.embed(piece.embeddedText), k: 1).first
            #expect(top?.key == piece.id)
        }

        let text = metrics.render()
        #expect(text.contains("twinlog_features_chunks_embedded_total \(20 + added.count)\n"))
        #expect(text.contains("twinlog_features_chunks_unchanged_total \(20 - added.count)\n"))
        #expect(text.contains("twinlog_features_chunks_removed_total \(gone.count)\n"))
        await pipeline.stop()
        await fixture.dropSlot()
    }

    @Test("deleting a document makes none of its chunks searchable; erasing an author makes nothing of theirs searchable, by vector or by term",
          .timeLimit(.minutes(5)))
    func deleteAndErase() async throws {
        let fixture = try await PipelineFixture("erase")
        let pipeline = try await RunningPipeline(fixture)
        let ada = (0..<3).map { PipelineFixture.document("https://ada.example/\($0)", author: "Ada Lovelace",
                                                          content: Articles.text([[Articles.sentence($0, 0), Articles.sentence($0, 1)]])) }
        let grace = (0..<3).map { PipelineFixture.document("https://grace.example/\($0)", author: "Grace Hopper", kind: .post,
                                                            content: Articles.text([[Articles.sentence($0 + 10, 0)]])) }
        try await fixture.send(ada + grace)
        let all = (ada + grace).reduce(into: Set<String>()) { $0.formUnion(fixture.chunkIds($1)) }
        #expect(try await eventually { Set(pipeline.index.keys) == all })

        let deleted = grace[0]
        try await fixture.send([DocumentRemoved(documentId: deleted.documentId, authorId: deleted.authorId, reason: "gone at the source", removedAt: Date())])
        #expect(try await eventually { Set(pipeline.index.keys) == all.subtracting(fixture.chunkIds(deleted)) })
        #expect(try pipeline.index.search(await fixture.embedder.embed(deleted.content), k: 10, filter: SearchFilter(documentIds: [deleted.documentId])).isEmpty)
        #expect(try await fixture.storedChunkIds(deleted.documentId) == [])

        let adaId = ada[0].authorId
        try await fixture.send([AuthorErased(authorId: adaId, reason: "erasure request", requestedAt: Date())])
        let remaining = grace.dropFirst().reduce(into: Set<String>()) { $0.formUnion(fixture.chunkIds($1)) }
        #expect(try await eventually { Set(pipeline.index.keys) == remaining })
        for document in ada {
            let hits = try pipeline.index.search(await fixture.embedder.embed(document.content), k: 10)
            #expect(hits.allSatisfy { $0.payload.authorId != adaId })
        }
        #expect(try pipeline.index.search(await fixture.embedder.embed(ada[0].content), k: 10, filter: SearchFilter(authorIds: [adaId])).isEmpty)
        // Nor the lexical index: its vocabulary is exactly the remaining chunks' terms ("ada" of her
        // site's name is gone), and her own words find nothing of hers.
        let remainingTerms = Set(remaining.compactMap { pipeline.index.payload(for: $0) }.flatMap { $0.lexicalFields.flatMap { LexicalTerms.terms($0.text) } })
        #expect(Set(pipeline.index.lexicalVocabulary) == remainingTerms)
        #expect(!pipeline.index.lexicalVocabulary.contains("ada"))
        #expect(try pipeline.index.lexicalSearch(ada[0].content, k: 10).allSatisfy { $0.payload.authorId != adaId })
        // The chunk sets keep nothing of the person: no row names them.
        #expect(try await fixture.db.query("SELECT 1 FROM feature_chunk_sets WHERE author_id = \(adaId)").isEmpty)
        await pipeline.stop()
        await fixture.dropSlot()
    }

    @Test("repeated change events (same LSN) publish nothing; an invalid change event is dead-lettered and the consumer moves on",
          .timeLimit(.minutes(5)))
    func duplicatesAndDeadLetters() async throws {
        let fixture = try await PipelineFixture("dups")
        let metrics = MetricsRegistry()
        let pipeline = try await RunningPipeline(fixture, features: fixture.featureConfiguration(registry: metrics))
        let documents = (0..<4).map { PipelineFixture.document("https://dups.example/\($0)", content: Articles.text([[Articles.sentence($0, 0), Articles.sentence($0, 1)]])) }
        let edited = PipelineFixture.document("https://dups.example/0", content: Articles.text([[Articles.sentence(0, 0, seed: 5)]]))
        try await fixture.send(documents)
        try await fixture.send([edited])
        let expected = documents.dropFirst().reduce(into: fixture.chunkIds(edited)) { $0.formUnion(fixture.chunkIds($1)) }
        #expect(try await eventually { Set(pipeline.index.keys) == expected })

        // Every change so far, sent again as the relay would after a restart.
        let changes = try KafkaConsumer(configuration: LocalServices.kafka, options: LocalServices.consumerOptions(group: fixture.name + ".copy"),
                                        assign: Dictionary(uniqueKeysWithValues: (0..<fixture.topics.partitions).map {
                                            (TopicPartition(fixture.topics.warehouseChanges, $0), KafkaOffset.beginning) }))
        var copies: [KafkaRecord] = []
        var documentChanges = 0
        _ = try await eventually(timeout: .seconds(30)) {
            for record in try await changes.poll(maxRecords: 1000, timeout: .milliseconds(100)) {
                copies.append(record)
                if try EventCodec.decode(record, as: WarehouseChange.self).event.table == "documents" { documentChanges += 1 }
            }
            return documentChanges >= 5
        }
        await changes.close()
        #expect(documentChanges == 5)
        let chunkRecordsBefore = try await chunkRecordCount(fixture)

        var bad = try EventCodec.record(WarehouseChange(op: .create, table: "documents", key: ["document_id": "doc_x"], before: nil,
                                                        after: ["document_id": "doc_x"], lsn: 1, sequence: 0, transactionId: 1, commitTime: Date()),
                                        topic: fixture.topics.warehouseChanges, source: "tests")
        bad.key = Array("documents:document_id=doc_x".utf8)
        let garbage = OutgoingRecord(topic: fixture.topics.warehouseChanges, key: "x", value: Array("not json".utf8))
        try await fixture.producer.send(copies.map { OutgoingRecord(topic: $0.topic, key: $0.key, value: $0.value, headers: $0.headers) } + [bad, garbage])
        let late = PipelineFixture.document("https://dups.example/late", content: Articles.text([[Articles.sentence(50, 0)]]))
        try await fixture.send([late])
        #expect(try await eventually { Set(pipeline.index.keys) == expected.union(fixture.chunkIds(late)) })

        let letters = try KafkaConsumer(configuration: LocalServices.kafka, options: LocalServices.consumerOptions(group: fixture.name + ".dlq"),
                                        assign: [TopicPartition(fixture.topics.deadLetter(consumer: "features"), 0): KafkaOffset.beginning])
        var dead: [KafkaRecord] = []
        _ = try await eventually(timeout: .seconds(30)) {
            dead += try await letters.poll(maxRecords: 100, timeout: .milliseconds(100))
            return dead.count >= 2
        }
        dead += try await letters.poll(maxRecords: 100, timeout: .milliseconds(500))
        await letters.close()
        #expect(dead.count == 2)
        let reasons = dead.compactMap { $0.header(DeadLetter.reasonHeader)?.stringValue }
        #expect(reasons.contains { $0.contains("no author_id") || $0.contains("has no") })
        #expect(reasons.contains { $0.contains("missing header") })

        // Every copy was seen as a duplicate, and only the late document's chunks were published after them.
        #expect(try await eventually(timeout: .seconds(30)) {
            metrics.render().contains("twinlog_features_duplicate_changes_total 5\n")
        })
        #expect(try await chunkRecordCount(fixture) == chunkRecordsBefore + fixture.chunkIds(late).count)
        await pipeline.stop()
        await fixture.dropSlot()
    }

    /// Every record on the chunk topic so far.
    private func chunkRecordCount(_ fixture: PipelineFixture) async throws -> Int {
        let reader = try fixture.chunkReader()
        var count = 0
        while true {
            let batch = try await reader.poll(maxRecords: 5000, timeout: .milliseconds(1000))
            if batch.isEmpty { break }
            count += batch.count
        }
        await reader.close()
        return count
    }
}
