import Testing
import TwinlogIndex

/// Recall of the graph search against exact search, at the sizes issue 6 names (20,000 vectors,
/// recall@10 ≥ 0.95). 64-d rather than the embedder's 384-d keeps the debug-mode suite within CI's
/// budget; 384-d at 100,000 vectors is what Benchmarks/index measures.
@Suite("HNSW recall")
struct RecallTests {
    static let dimension = 64
    static let configuration = IndexConfiguration(
        dimension: dimension, m: 16, efConstruction: 100, efSearch: 64, exactSearchThreshold: 0)

    @Test("recall@10 is at least 0.95 on 20,000 random unit vectors")
    func randomVectors() throws {
        let vectors = TestVectors.random(count: 20_200, dimension: Self.dimension, seed: 1)
        let index = try TestVectors.build(Array(vectors[..<20_000]), configuration: Self.configuration)
        let recall = try TestVectors.recall(of: index, queries: Array(vectors[20_000...]), k: 10, efSearch: 256)
        #expect(recall >= 0.95, "recall@10 was \(recall)")
    }

    @Test("recall@10 is at least 0.95 on 20,000 clustered unit vectors")
    func clusteredVectors() throws {
        let vectors = TestVectors.clustered(count: 20_200, dimension: Self.dimension, clusters: 50, spread: 1, seed: 2)
        let index = try TestVectors.build(Array(vectors[..<20_000]), configuration: Self.configuration)
        let recall = try TestVectors.recall(of: index, queries: Array(vectors[20_000...]), k: 10, efSearch: 64)
        #expect(recall >= 0.95, "recall@10 was \(recall)")
    }
}
