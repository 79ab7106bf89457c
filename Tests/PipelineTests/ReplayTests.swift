import FeatureConsumer
import Foundation
import IndexConsumer
import Testing
import TwinlogEvents
import TwinlogIndex
import TwinlogKafka
import TwinlogTestSupport

@Suite("Replays rebuild the chunk sets and the index", .serialized)
struct ReplayTests {
    @Test("replaying the features and then the index gives the live run's chunk sets, chunk ids, vectors and BM25 index",
          .timeLimit(.minutes(6)))
    func replayEqualsLive() async throws {
        let fixture = try await PipelineFixture("replay")
        let pipeline = try await RunningPipeline(fixture)
        let documents = (0..<8).map { i in
            PipelineFixture.document("https://replay.example/\(i)", author: i % 2 == 0 ? "Ada Lovelace" : "Grace Hopper",
                                     content: Articles.text((0..<(1 + i % 3)).map { p in (0..<4).map { Articles.sentence(i * 10 + p, $0) } }))
        }
        try await fixture.send(documents)
        let edits = [PipelineFixture.document("https://replay.example/1", author: "Grace Hopper", content: Articles.text([[Articles.sentence(1, 0, seed: 3)]])),
                     PipelineFixture.document("https://replay.example/3", author: "Grace Hopper", content: Articles.text([[Articles.sentence(3, 0, seed: 3)]]))]
        try await fixture.send(edits)
        try await fixture.send([DocumentRemoved(documentId: documents[2].documentId, authorId: documents[2].authorId, reason: "removed", removedAt: Date())])
        var live: [String: Set<String>] = [:]
        for document in documents { live[document.documentId] = fixture.chunkIds(document) }
        for document in edits { live[document.documentId] = fixture.chunkIds(document) }
        live[documents[2].documentId] = nil
        let expected = live.values.reduce(into: Set<String>()) { $0.formUnion($1) }
        #expect(try await eventually { Set(pipeline.index.keys) == expected })
        let liveIndex = pipeline.index
        await pipeline.stop()
        await fixture.dropSlot()

        let store = ChunkSetStore()
        let liveChunkSets = try await store.liveChunks(fixture.db)
        let features = try await FeatureReplay.run(fixture.featureConfiguration(), embedder: fixture.embedder, idle: .seconds(1))
        #expect(try await store.liveChunks(fixture.db) == liveChunkSets)
        #expect(features.orphansRemoved == 0)
        #expect(features.chunksEmbedded > 0)

        let (replayed, outcome) = try await IndexReplay.run(fixture.indexConfiguration())
        #expect(outcome.chunks == expected.count)
        #expect(replayed.keys == liveIndex.keys)
        for key in expected {
            #expect(replayed.vector(for: key) == liveIndex.vector(for: key), "the vector of \(key) differs")
            #expect(replayed.payload(for: key) == liveIndex.payload(for: key))
        }
        // The lexical index is part of the view: the same vocabulary, the same scores, the same ranking.
        #expect(replayed.lexicalVocabulary == liveIndex.lexicalVocabulary)
        for query in ["part note", Articles.sentence(3, 0, seed: 3), "Ada Lovelace"] {
            #expect(try replayed.lexicalSearch(query, k: 10) == liveIndex.lexicalSearch(query, k: 10))
        }
    }
}
