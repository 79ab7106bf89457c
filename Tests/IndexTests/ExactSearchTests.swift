import Testing
import TwinlogIndex

/// Exact search, the ground truth of the recall tests, checked against a float64 reference.
@Suite("Exact search")
struct ExactSearchTests {
    @Test("exact search returns the k largest inner products in order, as a float64 computation does")
    func matchesReference() throws {
        let vectors = TestVectors.random(count: 600, dimension: 24, seed: 41)
        let index = try TestVectors.build(Array(vectors[..<500]), configuration: IndexConfiguration(dimension: 24, m: 6, efConstruction: 30))
        let queries = Array(vectors[500...])
        let batch = try index.exactSearch(batch: queries, k: 7)
        for (query, batchHits) in zip(queries, batch) {
            let reference = (0..<500).map { row in
                (row, zip(query, vectors[row]).reduce(0.0) { $0 + Double($1.0) * Double($1.1) })
            }.sorted { $0.1 > $1.1 }.prefix(7)
            let single = try index.exactSearch(query, k: 7)
            #expect(single.map(\.key) == reference.map { TestVectors.key($0.0) })
            #expect(batchHits.map(\.key) == single.map(\.key))
            for (hit, expected) in zip(single, reference) { #expect(abs(Double(hit.score) - expected.1) < 1e-5) }
        }
    }

    @Test("a collection under the threshold is searched exactly")
    func smallCollectionsAreExact() throws {
        let vectors = TestVectors.random(count: 400, dimension: 12, seed: 42)
        let index = try TestVectors.build(Array(vectors[..<300]), configuration: IndexConfiguration(
            dimension: 12, m: 4, efConstruction: 8, efSearch: 1, exactSearchThreshold: 1_000))
        for query in vectors[300...] {
            #expect(try index.search(query, k: 10).map(\.key) == index.exactSearch(query, k: 10).map(\.key))
        }
    }
}
