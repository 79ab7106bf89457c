import Foundation
import Testing
import TwinlogIndex
import TwinlogTestSupport

/// Snapshots: a round trip gives identical results; damage of any kind is detected and reported.
@Suite("Snapshots")
struct SnapshotTests {
    static let dimension = 32

    /// An index with tombstones, updated vectors and a log position, as a consumer would leave it.
    static func populated() throws -> (VectorIndex, [[Float]]) {
        let vectors = TestVectors.random(count: 3_000, dimension: dimension, seed: 31)
        let index = try TestVectors.build(Array(vectors[..<2_500]), configuration: IndexConfiguration(
            dimension: dimension, m: 10, efConstruction: 60, efSearch: 40, exactSearchThreshold: 50))
        for row in stride(from: 0, to: 2_500, by: 9) { index.delete(key: TestVectors.key(row)) }
        for row in stride(from: 1, to: 2_500, by: 50) {
            try index.upsert(key: TestVectors.key(row), vector: vectors[2_500 + row / 50], payload: TestVectors.payload(row))
        }
        index.logPosition = Array("twin.chunks:0=1234,1=987".utf8)
        return (index, vectors)
    }

    @Test("a snapshot round trip gives identical search results, payloads and log position")
    func roundTrip() throws {
        let (index, vectors) = try Self.populated()
        let url = URL(fileURLWithPath: temporaryPath("index.snapshot"))
        defer { try? FileManager.default.removeItem(at: url) }
        try index.save(to: url)
        let loaded = try VectorIndex.load(from: url)

        #expect(loaded.configuration == index.configuration)
        #expect(loaded.logPosition == index.logPosition)
        let (before, after) = (index.statistics(), loaded.statistics())
        #expect(after.liveCount == before.liveCount && after.tombstoneCount == before.tombstoneCount)
        #expect(after.nodesPerLevel == before.nodesPerLevel && after.meanDegree == before.meanDegree)
        #expect(after.distinctDocuments == before.distinctDocuments)
        let filter = SearchFilter(documentIds: ["doc-3", "doc-40"])
        let dated = SearchFilter(dates: Date(timeIntervalSince1970: 1_600_000_000)..<Date(timeIntervalSince1970: 1_650_000_000))
        for query in vectors.suffix(100) {
            #expect(try loaded.search(query, k: 10) == index.search(query, k: 10))
            #expect(try loaded.search(query, k: 10, filter: filter) == index.search(query, k: 10, filter: filter))
            #expect(try loaded.search(query, k: 10, filter: dated) == index.search(query, k: 10, filter: dated))
        }
        // The level generator and free list travel too: the same writes keep both identical.
        for row in stride(from: 0, to: 200, by: 9) {
            for copy in [index, loaded] {
                try copy.upsert(key: "late-\(row)", vector: vectors[2_600 + row], payload: TestVectors.payload(row))
            }
        }
        #expect(try loaded.encodeSnapshot() == index.encodeSnapshot())
    }

    @Test("an empty index round-trips")
    func emptyRoundTrip() throws {
        let index = try VectorIndex(configuration: IndexConfiguration(dimension: 4))
        let loaded = try VectorIndex.decodeSnapshot(try index.encodeSnapshot())
        #expect(loaded.count == 0)
        #expect(try loaded.search([1, 0, 0, 0], k: 3).isEmpty)
    }

    @Test("a flipped byte anywhere is reported as corruption", arguments: [0, 9, 13, 20, 40, 1_000, -3])
    func flippedByte(position: Int) throws {
        var bytes = try Self.populated().0.encodeSnapshot()
        let offset = position >= 0 ? position : bytes.count + position
        bytes[offset] ^= 0x20
        #expect(throws: IndexError.self) { try VectorIndex.decodeSnapshot(bytes) }
    }

    @Test("a truncated or extended snapshot is reported, not loaded")
    func truncated() throws {
        let bytes = try Self.populated().0.encodeSnapshot()
        for length in [0, 10, 35, bytes.count / 2, bytes.count - 1] {
            let error = #expect(throws: IndexError.self) { try VectorIndex.decodeSnapshot(Array(bytes.prefix(length))) }
            #expect(error.map { "\($0)".contains("truncated") || "\($0)".contains("shorter") } == true)
        }
        #expect(throws: IndexError.self) { try VectorIndex.decodeSnapshot(bytes + [0]) }
    }

    @Test("a file of another kind or of another format version is refused with the reason")
    func foreignFiles() throws {
        var bytes = try Self.populated().0.encodeSnapshot()
        let notOurs = #expect(throws: IndexError.self) { try VectorIndex.decodeSnapshot(Array("hello world, this is not an index file".utf8)) }
        #expect("\(notOurs!)".contains("magic"))
        bytes[8] = 4
        let newer = #expect(throws: IndexError.self) { try VectorIndex.decodeSnapshot(bytes) }
        #expect("\(newer!)".contains("newer"))
        // Version 1 stored no document dates, version 2 no source or section: refused, so the
        // index is rebuilt by replay.
        for version: UInt8 in [1, 2] {
            bytes[8] = version
            let older = #expect(throws: IndexError.self) { try VectorIndex.decodeSnapshot(bytes) }
            #expect("\(older!)".contains("older") && "\(older!)".contains("replay"))
        }
    }

    @Test("a missing file is an I/O error naming the path")
    func missingFile() {
        let error = #expect(throws: IndexError.self) { try VectorIndex.load(from: URL(fileURLWithPath: "/nonexistent/x.snapshot")) }
        #expect("\(error!)".contains("/nonexistent/x.snapshot"))
    }
}
