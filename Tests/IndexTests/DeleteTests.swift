import Testing
import TwinlogIndex
import TwinlogRuntime

/// Deletes, re-inserts and updates: tombstones are never returned, and recall does not decay.
@Suite("Deletes and updates")
struct DeleteTests {
    static let dimension = 64

    @Test("after deleting 30% and re-inserting them, recall@10 stays within 0.01 of the fresh build")
    func deleteAndReinsert() throws {
        let vectors = TestVectors.random(count: 10_200, dimension: Self.dimension, seed: 21)
        let base = Array(vectors[..<10_000])
        let queries = Array(vectors[10_000...])
        let index = try TestVectors.build(base, configuration: IndexConfiguration(
            dimension: Self.dimension, m: 16, efConstruction: 100, exactSearchThreshold: 0))
        // efSearch 160 is the operating point of the recall tests (fresh recall ≈ 0.96): high enough
        // that build-to-build noise is small, below 1 so a decay would show.
        let fresh = try TestVectors.recall(of: index, queries: queries, k: 10, efSearch: 160)

        var rng = SeededGenerator(seed: 22)
        let removed = Array((0..<base.count).shuffled(using: &rng).prefix(base.count * 3 / 10))
        for row in removed { #expect(index.delete(key: TestVectors.key(row))) }
        #expect(index.count == base.count - removed.count)
        let gone = Set(removed.map(TestVectors.key))
        for query in queries.prefix(50) {
            let hits = try index.search(query, k: 10, efSearch: 160)
            #expect(hits.allSatisfy { !gone.contains($0.key) })
        }

        for row in removed { try index.upsert(key: TestVectors.key(row), vector: base[row], payload: TestVectors.payload(row)) }
        #expect(index.count == base.count)
        #expect(index.statistics().tombstoneCount == 0)
        let after = try TestVectors.recall(of: index, queries: queries, k: 10, efSearch: 160)
        #expect(fresh < 1, "the fresh recall \(fresh) is saturated: the comparison would show nothing")
        #expect(after >= fresh - 0.01, "recall went from \(fresh) to \(after)")
    }

    @Test("an upsert of an existing key replaces its vector and payload")
    func upsertReplaces() throws {
        let vectors = TestVectors.random(count: 1_001, dimension: 16, seed: 23)
        let index = try TestVectors.build(Array(vectors[..<1_000]), configuration: IndexConfiguration(
            dimension: 16, m: 8, efConstruction: 40, exactSearchThreshold: 0))
        let moved = vectors[1_000]
        let payload = ChunkPayload(authorId: "new", platform: "medium", kind: "prose", documentId: "d")
        try index.upsert(key: TestVectors.key(5), vector: moved, payload: payload)
        #expect(index.count == 1_000)
        #expect(index.vector(for: TestVectors.key(5)) == moved)
        let top = try index.search(moved, k: 1)
        #expect(top.first?.key == TestVectors.key(5))
        #expect(top.first?.payload == payload)
        let old = try index.search(vectors[5], k: 10)
        #expect(!old.contains { $0.key == TestVectors.key(5) && $0.score > 0.999 })
    }

    @Test("deleting every point leaves an empty index that accepts new points")
    func deleteEverything() throws {
        let vectors = TestVectors.random(count: 300, dimension: 8, seed: 24)
        let index = try TestVectors.build(vectors, configuration: IndexConfiguration(
            dimension: 8, m: 4, efConstruction: 20, exactSearchThreshold: 0))
        for row in 0..<300 { #expect(index.delete(key: TestVectors.key(row))) }
        #expect(!index.delete(key: TestVectors.key(0)))
        #expect(index.count == 0)
        #expect(try index.search(vectors[0], k: 5).isEmpty)
        try index.upsert(key: "again", vector: vectors[7], payload: TestVectors.payload(7))
        #expect(try index.search(vectors[7], k: 5).map(\.key) == ["again"])
    }
}
