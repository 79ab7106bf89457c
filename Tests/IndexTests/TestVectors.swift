import Foundation
import TwinlogIndex
import TwinlogRuntime
import TwinlogTestSupport

/// Test data: unit vectors drawn uniformly on the sphere, or around cluster centres as sentence
/// embeddings of related texts are.
enum TestVectors {
    static func normalized(_ vector: [Float]) -> [Float] {
        let norm = vector.reduce(0) { $0 + $1 * $1 }.squareRoot()
        return vector.map { $0 / norm }
    }

    static func random(count: Int, dimension: Int, seed: UInt64) -> [[Float]] {
        var rng = SeededGenerator(seed: seed)
        return (0..<count).map { _ in normalized((0..<dimension).map { _ in rng.gaussian() }) }
    }

    /// Points around `clusters` random centres; `spread` is the noise norm relative to the centre.
    static func clustered(count: Int, dimension: Int, clusters: Int, spread: Float, seed: UInt64) -> [[Float]] {
        var rng = SeededGenerator(seed: seed)
        let centres = (0..<clusters).map { _ in normalized((0..<dimension).map { _ in rng.gaussian() }) }
        let scale = spread / Float(dimension).squareRoot()
        return (0..<count).map { _ in
            let centre = centres[Int.random(in: 0..<clusters, using: &rng)]
            return normalized(centre.map { $0 + scale * rng.gaussian() })
        }
    }

    /// A payload spread over a few authors, platforms and kinds, one document per 10 chunks.
    static func payload(_ row: Int) -> ChunkPayload {
        ChunkPayload(
            authorId: "author-\(row % 7)", platform: ["github", "medium", "linkedin"][row % 3],
            kind: row % 5 == 0 ? "code" : "prose", documentId: "doc-\(row / 10)",
            title: "Title \(row)", url: "https://example.org/\(row)", text: "chunk text \(row)", documentDate: date(row))
    }

    /// Row r is dated r days after 2020-01-01; every 13th row has no date.
    static func date(_ row: Int) -> Date? {
        row % 13 == 0 ? nil : Date(timeIntervalSince1970: 1_577_836_800 + Double(row) * 86_400)
    }

    static func key(_ row: Int) -> String { "chunk-\(row)" }

    static func build(_ vectors: [[Float]], configuration: IndexConfiguration) throws -> VectorIndex {
        let index = try VectorIndex(configuration: configuration)
        for (row, vector) in vectors.enumerated() {
            try index.upsert(key: key(row), vector: vector, payload: payload(row))
        }
        return index
    }

    /// Mean recall@k of approximate answers against exact ones.
    static func recall(_ approximate: [[SearchHit]], _ exact: [[SearchHit]], k: Int) -> Double {
        var found = 0
        for (answer, truth) in zip(approximate, exact) {
            let expected = Set(truth.prefix(k).map(\.key))
            found += answer.prefix(k).count { expected.contains($0.key) }
        }
        return Double(found) / Double(k * exact.count)
    }

    static func recall(of index: VectorIndex, queries: [[Float]], k: Int, efSearch: Int) throws -> Double {
        let exact = try index.exactSearch(batch: queries, k: k)
        let approximate = try queries.map { try index.search($0, k: k, efSearch: efSearch) }
        return recall(approximate, exact, k: k)
    }
}
