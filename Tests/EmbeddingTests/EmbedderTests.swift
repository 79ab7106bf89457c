import Testing
import TwinlogEmbedding
import TwinlogText

@Suite("all-MiniLM-L6-v2 embeddings")
struct EmbedderTests {
    @Test("each reference text embedded alone matches sentence-transformers", arguments: ReferenceFixture.shared.items.map(\.name))
    func alone(name: String) async throws {
        let embedder = try ModelFolder.embedder.get()
        let item = try #require(ReferenceFixture.shared.items.first { $0.name == name })
        let comparison = EmbeddingComparison(await embedder.embed(item.text), reference: item.embedding)
        #expect(comparison.withinTolerance, "\(name): \(comparison)")
    }

    @Test("all reference texts embedded together, in batches of 8 mixed lengths (what padded batches with masks compute), match sentence-transformers")
    func batched() async throws {
        let embedder = try ModelFolder.embedder.get()
        let items = ReferenceFixture.shared.items
        let vectors = await embedder.embed(items.map(\.text))
        #expect(vectors.count == items.count)
        for (vector, item) in zip(vectors, items) {
            let comparison = EmbeddingComparison(vector, reference: item.embedding)
            #expect(comparison.withinTolerance, "\(item.name): \(comparison)")
        }
    }

    @Test("a text's vector is the same bit for bit alone, in a batch, in another order and in batches of another size")
    func batchInvariance() async throws {
        let embedder = try ModelFolder.embedder.get()
        let small = try Embedder(modelDirectory: ModelFolder.url(), batchSize: 3)
        let texts = ReferenceFixture.shared.items.map(\.text)
        var alone: [[Float]] = []
        for text in texts { alone.append(await embedder.embed(text)) }
        let batched = await embedder.embed(texts)
        let reversed = Array(await embedder.embed(texts.reversed()).reversed())
        let smallBatches = await small.embed(texts)
        for (index, vector) in alone.enumerated() {
            #expect(batched[index] == vector, "text \(index) in one batch")
            #expect(reversed[index] == vector, "text \(index) in reverse order")
            #expect(smallBatches[index] == vector, "text \(index) in batches of 3")
        }
    }

    @Test("every embedding has 384 values and unit length")
    func unitLength() async throws {
        let embedder = try ModelFolder.embedder.get()
        let vectors = await embedder.embed(["a", "", String(repeating: "long text ", count: 400)])
        for vector in vectors {
            #expect(vector.count == 384)
            let norm = vector.reduce(0) { $0 + Double($1) * Double($1) }.squareRoot()
            #expect(abs(norm - 1) < 1e-5)
        }
    }

    @Test("concurrent callers get the same vectors as one caller")
    func concurrentCallers() async throws {
        let embedder = try ModelFolder.embedder.get()
        let items = ReferenceFixture.shared.items
        let alone = await embedder.embed(items.map(\.text))
        let together = await withTaskGroup(of: (Int, [Float]).self) { group in
            for (index, item) in items.enumerated() {
                group.addTask { (index, await embedder.embed(item.text)) }
            }
            var results = [[Float]](repeating: [], count: items.count)
            for await (index, vector) in group { results[index] = vector }
            return results
        }
        for (a, b) in zip(alone, together) {
            #expect(EmbeddingComparison(a, reference: b).maxAbsoluteDifference <= 1e-6)
        }
    }

    @Test("throughput counts every text and token embedded")
    func throughputCounts() async throws {
        let embedder = try Embedder(modelDirectory: ModelFolder.url(), batchSize: 4)
        let texts = ["one", "two words", "three words here"]
        _ = await embedder.embed(texts)
        let throughput = embedder.throughput
        #expect(throughput.texts == 3)
        #expect(throughput.tokens == texts.map { embedder.tokenizer.encode($0).count }.reduce(0, +))
        #expect(throughput.seconds > 0)
    }
}
