import Foundation
import TwinlogCompression
import TwinlogIndex

extension FuzzTarget {
    /// Index snapshot files as `VectorIndex.load` reads them, then a search, a filtered search and
    /// a lexical search on what loaded. The target rewrites the CRC-32C trailer of every input,
    /// so mutations of the envelope's lengths and of the zstd frame get past the checksum.
    static let snapshot = FuzzTarget(name: "snapshot", summary: "index snapshot files (envelope + zstd frame, CRC refreshed) + searches") {
        FuzzHarness(name: "snapshot", seeds: try SnapshotSeeds.files()) { input in
            var file = input
            if file.count >= SnapshotSeeds.envelope {
                let crc = CRC32C.checksum(Array(file.dropLast(SnapshotSeeds.trailer)))
                file.replaceSubrange((file.count - SnapshotSeeds.trailer)..., with: withUnsafeBytes(of: crc.littleEndian, Array.init))
            }
            try SnapshotSeeds.exercise(try VectorIndex.decodeSnapshot(file))
        }
    }

    /// The body of index snapshots (configuration, slots, payloads, vectors, links): each input is
    /// compressed and sealed into a valid envelope first, so every mutation reaches the body decoder.
    static let snapshotBody = FuzzTarget(name: "snapshot-body", summary: "index snapshot bodies, sealed into a valid envelope + searches") {
        let bodies = try SnapshotSeeds.files().map { file in
            try Zstd.decompress(Array(file[SnapshotSeeds.header..<(file.count - SnapshotSeeds.trailer)]))
        }
        return FuzzHarness(name: "snapshot-body", seeds: bodies) { input in
            try SnapshotSeeds.exercise(try VectorIndex.decodeSnapshot(try SnapshotSeeds.seal(input)))
        }
    }
}

/// Snapshots written by the index's own writer, and the envelope layout (see `SnapshotHeader`).
enum SnapshotSeeds {
    static let header = 32
    static let trailer = 4
    static let envelope = header + trailer

    /// A snapshot file around `body`, as `SnapshotHeader` lays it out.
    static func seal(_ body: [UInt8]) throws -> [UInt8] {
        let compressed = try Zstd.compress(body)
        func le<T: FixedWidthInteger>(_ value: T) -> [UInt8] { withUnsafeBytes(of: value.littleEndian, Array.init) }
        var file = SnapshotHeader.magic + le(SnapshotHeader.currentVersion) + le(UInt32(1))
            + le(UInt64(body.count)) + le(UInt64(compressed.count)) + compressed
        file += le(CRC32C.checksum(file))
        return file
    }

    /// Searches the loaded index the ways the inference consumer does.
    static func exercise(_ index: VectorIndex) throws {
        let dimension = index.configuration.dimension
        let query = normalized((0..<dimension).map { Float($0 % 3) - 0.5 })
        _ = try index.search(query, k: 3)
        _ = try index.search(query, k: 2, filter: SearchFilter(authorIds: ["jane"], dates: Date(timeIntervalSince1970: 0)..<Date()))
        _ = try index.exactSearch(query, k: 2)
        _ = try index.lexicalSearch("swift index snapshot", k: 3)
        _ = try index.similarities(query, keys: index.keys)
    }

    /// `vector` scaled to unit length, as the index stores vectors.
    static func normalized(_ vector: [Float]) -> [Float] {
        let norm = vector.reduce(0) { $0 + $1 * $1 }.squareRoot()
        return norm > 0 ? vector.map { $0 / norm } : vector
    }

    /// Snapshots of a few indexes: points with full payloads and a tombstone (walked as a graph),
    /// a small exactly-searched one, and an empty one.
    static func files() throws -> [[UInt8]] {
        var files: [[UInt8]] = []
        for (threshold, count) in [(0, 12), (100, 3), (0, 0)] {
            let index = try VectorIndex(configuration: IndexConfiguration(dimension: 4, m: 4, efConstruction: 16, efSearch: 8,
                                                                          exactSearchThreshold: threshold, seed: 7))
            for point in 0..<count {
                let vector = normalized((0..<4).map { Float(($0 + point) % 5) - 2 + Float(point) / 10 })
                try index.upsert(key: "chunk-\(point)", vector: vector, payload: ChunkPayload(
                    authorId: point % 2 == 0 ? "jane" : "john", platform: "github", kind: "repository_file", documentId: "doc-\(point / 3)",
                    title: "File \(point)", url: "https://github.com/j/r/\(point)", text: "Swift index snapshot number \(point)",
                    documentDate: point % 3 == 0 ? nil : Date(timeIntervalSince1970: 1_700_000_000 + Double(point) * 86_400),
                    source: "j/r", section: point % 2 == 0 ? "Intro > Usage" : ""))
            }
            if count > 4 { _ = index.delete(key: "chunk-1") }
            index.logPosition = Array("twin.chunks:0=\(count)".utf8)
            files.append(try index.encodeSnapshot())
        }
        return files
    }
}
