import Foundation
import Testing
@testable import TwinlogIndex
import TwinlogRuntime

@Suite("Lexical (BM25) index")
struct LexicalIndexTests {
    static let dimension = 8

    @Test("code-aware terms split snake_case, camelCase and dotted names and keep the whole identifier")
    func codeAwareTerms() {
        #expect(LexicalTerms.terms("learning_rate = 3e-4") == ["learning_rate", "learning", "rate", "3e", "4"])
        #expect(LexicalTerms.terms("class GPTConfig:") == ["class", "gptconfig", "gpt", "config"])
        #expect(LexicalTerms.terms("import torch.nn.functional as F") == ["import", "torch.nn.functional", "torch", "nn", "functional", "f"])
        #expect(LexicalTerms.terms("parseHTTPResponse") == ["parsehttpresponse", "parse", "http", "response"])
        // A sentence's full stop is not part of a name; stop words go, plurals fold.
        #expect(LexicalTerms.terms("The tokenizers are trained.") == ["tokenizer", "trained"])
        #expect(LexicalTerms.terms("the and of") == [])
    }

    @Test("BM25 ranks the chunk sharing the rare query terms first and finds nothing for stop words")
    func ranking() throws {
        let index = try Self.index(texts: [
            "a": "ordering holds only within a partition, so partitions matter",
            "b": "the weather was nice and the garden grew",
            "c": "partitions spread load across consumers",
        ])
        let hits = try index.lexicalSearch("how do partitions keep ordering", k: 3)
        #expect(hits.map(\.key) == ["a", "c"])
        #expect(hits[0].score > hits[1].score)
        #expect(try index.lexicalSearch("the and of", k: 3).isEmpty)
        #expect(index.lexicalScores("how do partitions keep ordering", keys: ["b", "c", "missing"]).map { $0 > 0 } == [false, true, false])
    }

    @Test("lexical search honours filters, and matches the source, title and section as well as the text")
    func filtersAndHeader() throws {
        let index = try VectorIndex(configuration: IndexConfiguration(dimension: Self.dimension))
        let vectors = TestVectors.random(count: 3, dimension: Self.dimension, seed: 3)
        try index.upsert(key: "nano", vector: vectors[0], payload: ChunkPayload(
            authorId: "karpathy", platform: "github", kind: "repository_file", documentId: "d1", title: "model.py",
            text: "x = 1", source: "karpathy/nanoGPT", section: "class GPT"))
        try index.upsert(key: "min", vector: vectors[1], payload: ChunkPayload(
            authorId: "karpathy", platform: "github", kind: "repository_file", documentId: "d2", title: "mingpt/model.py",
            text: "x = 2", source: "karpathy/minGPT", section: "class GPT"))
        try index.upsert(key: "other", vector: vectors[2], payload: ChunkPayload(
            authorId: "someone", platform: "medium", kind: "article", documentId: "d3", title: "On GPT", text: "gpt gpt gpt"))
        #expect(try index.lexicalSearch("nanoGPT model", k: 5).first?.key == "nano")
        #expect(try index.lexicalSearch("gpt", k: 5, filter: SearchFilter(platforms: ["github"])).map(\.key).sorted() == ["min", "nano"])
        #expect(try index.lexicalSearch("gpt", k: 5, filter: SearchFilter(sources: ["karpathy/minGPT"])).map(\.key) == ["min"])
        #expect(index.sources == ["karpathy/minGPT", "karpathy/nanoGPT"])
        // A lexical-only candidate gets its cosine from the stored vector, as a search would.
        let similarities = try index.similarities(vectors[0], keys: ["nano", "min", "missing"])
        let searched = Dictionary(uniqueKeysWithValues: try index.search(vectors[0], k: 3).map { ($0.key, $0.score) })
        #expect(abs(similarities[0]! - 1) < 1e-5 && abs(similarities[1]! - searched["min"]!) < 1e-5 && similarities[2] == nil)
    }

    @Test("a term of the title (a file's path) counts twice, as a title field does in BM25F")
    func titleWeight() throws {
        let index = try VectorIndex(configuration: IndexConfiguration(dimension: Self.dimension))
        let vectors = TestVectors.random(count: 3, dimension: Self.dimension, seed: 5)
        for (offset, (key, title, text)) in [("path", "recipes/zephyr/dpo/config.yaml", "beta: 0.01"),
                                             ("body", "notes.md", "zephyr dpo notes: beta"),
                                             ("other", "other.md", "nothing to see")].enumerated() {
            try index.upsert(key: key, vector: vectors[offset], payload: ChunkPayload(
                authorId: "a", platform: "github", kind: "repository_file", documentId: key, title: title, text: text))
        }
        #expect(try index.lexicalSearch("zephyr dpo", k: 2).map(\.key) == ["path", "body"])
    }

    @Test("the index kept through random upserts and deletes scores exactly like one rebuilt from its live payloads")
    func incrementalEqualsRebuild() throws {
        var random = SeededGenerator(seed: 41)
        let words = ["kafka", "offset", "partition", "consumer", "learning_rate", "GPTConfig", "torch.nn", "batch", "snapshot",
                     "replay", "the", "of", "tokenizer", "tokenizers", "embedding", "vector", "index", "a", "merge", "rank"]
        let live = try VectorIndex(configuration: IndexConfiguration(dimension: Self.dimension))
        var payloads: [String: (ChunkPayload, [Float])] = [:]
        for step in 0..<600 {
            let key = "k\(Int.random(in: 0..<80, using: &random))"
            if Int.random(in: 0..<4, using: &random) == 0 {
                live.delete(key: key)
                payloads[key] = nil
            } else {
                let text = (0..<Int.random(in: 1...30, using: &random)).map { _ in words.randomElement(using: &random)! }.joined(separator: " ")
                let payload = ChunkPayload(authorId: "a\(step % 3)", platform: "github", kind: "repository_file", documentId: "d\(step % 7)",
                                           title: "t", text: text, source: "s/\(step % 2)")
                let vector = TestVectors.random(count: 1, dimension: Self.dimension, seed: UInt64(step + 1))[0]
                try live.upsert(key: key, vector: vector, payload: payload)
                payloads[key] = (payload, vector)
            }
        }
        let rebuilt = try VectorIndex(configuration: IndexConfiguration(dimension: Self.dimension))
        for (key, (payload, vector)) in payloads.sorted(by: { $0.key < $1.key }) { try rebuilt.upsert(key: key, vector: vector, payload: payload) }
        let restored = try VectorIndex.decodeSnapshot(try live.encodeSnapshot())
        #expect(live.lexicalVocabulary == rebuilt.lexicalVocabulary)
        #expect(restored.lexicalVocabulary == rebuilt.lexicalVocabulary)
        for query in ["kafka offset", "learning rate", "GPT config", "tokenizers merge rank", "torch", "snapshot replay index vector"] {
            for filter in [SearchFilter.none, SearchFilter(authorIds: ["a1"]), SearchFilter(sources: ["s/0"])] {
                let expected = try rebuilt.lexicalSearch(query, k: 10, filter: filter)
                #expect(try live.lexicalSearch(query, k: 10, filter: filter) == expected, "\(query) \(filter)")
                #expect(try restored.lexicalSearch(query, k: 10, filter: filter) == expected, "\(query) \(filter) after a snapshot")
            }
            let keys = payloads.keys.sorted()
            #expect(live.lexicalScores(query, keys: keys) == rebuilt.lexicalScores(query, keys: keys))
        }
    }

    @Test("erasing an author's chunks leaves none of their own terms in the lexical index")
    func erasure() throws {
        let index = try Self.index(texts: ["shared": "kafka consumer offsets", "erased-1": "zanzibar quokka offsets", "erased-2": "quokka"])
        #expect(index.lexicalVocabulary.contains("quokka"))
        index.delete(key: "erased-1")
        index.delete(key: "erased-2")
        #expect(index.lexicalVocabulary == ["consumer", "kafka", "offset"])
        #expect(try index.lexicalSearch("quokka zanzibar", k: 5).isEmpty)
        #expect(try VectorIndex.decodeSnapshot(try index.encodeSnapshot()).lexicalVocabulary == ["consumer", "kafka", "offset"])
    }

    @Test("a snapshot keeps each chunk's source and section")
    func snapshotKeepsSourceAndSection() throws {
        let index = try VectorIndex(configuration: IndexConfiguration(dimension: Self.dimension))
        let payload = ChunkPayload(authorId: "a", platform: "github", kind: "repository_file", documentId: "d", title: "train.py",
                                   text: "lr = 6e-4", source: "karpathy/nanoGPT", section: "def get_lr(it)")
        try index.upsert(key: "k", vector: TestVectors.random(count: 1, dimension: Self.dimension, seed: 9)[0], payload: payload)
        #expect(try VectorIndex.decodeSnapshot(try index.encodeSnapshot()).payload(for: "k") == payload)
    }

    static func index(texts: [String: String]) throws -> VectorIndex {
        let index = try VectorIndex(configuration: IndexConfiguration(dimension: dimension))
        for (offset, (key, text)) in texts.sorted(by: { $0.key < $1.key }).enumerated() {
            try index.upsert(key: key, vector: TestVectors.random(count: 1, dimension: dimension, seed: UInt64(offset + 1))[0],
                             payload: ChunkPayload(authorId: "a", platform: "github", kind: "repository_file", documentId: key, text: text))
        }
        return index
    }
}
