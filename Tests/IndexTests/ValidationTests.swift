import Testing
import TwinlogIndex

/// Bad input is refused with a reason, never a crash.
@Suite("Input validation")
struct ValidationTests {
    let index = try! VectorIndex(configuration: IndexConfiguration(dimension: 3))
    let payload = ChunkPayload(authorId: "a", platform: "p", kind: "k", documentId: "d")

    @Test("vectors of the wrong length, with NaN, or not normalized are refused")
    func badVectors() {
        for bad: [Float] in [[1, 0], [1, 0, 0, 0], [.nan, 0, 0], [.infinity, 0, 0], [1, 1, 0], [0, 0, 0]] {
            #expect(throws: IndexError.self) { try index.upsert(key: "x", vector: bad, payload: payload) }
            #expect(throws: IndexError.self) { try index.search(bad, k: 1) }
        }
        #expect(index.count == 0)
    }

    @Test("k and efSearch outside their ranges are refused")
    func badArguments() throws {
        try index.upsert(key: "x", vector: [1, 0, 0], payload: payload)
        #expect(throws: IndexError.self) { try index.search([1, 0, 0], k: 0) }
        #expect(throws: IndexError.self) { try index.search([1, 0, 0], k: 1, efSearch: 0) }
        #expect(try index.search([1, 0, 0], k: 1).map(\.key) == ["x"])
    }

    @Test("configurations outside the documented ranges are refused")
    func badConfigurations() {
        for bad in [IndexConfiguration(dimension: 0), IndexConfiguration(dimension: 8, m: 1),
                    IndexConfiguration(dimension: 8, efConstruction: 0), IndexConfiguration(dimension: 8, efSearch: -1)] {
            #expect(throws: IndexError.self) { try VectorIndex(configuration: bad) }
        }
    }
}
