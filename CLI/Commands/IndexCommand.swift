import ArgumentParser
import Foundation
import TwinlogIndex
import TwinlogRuntime

/// `twinlog index`: inspection of vector-index snapshots.
struct IndexCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "index",
        abstract: "Inspect vector-index snapshots.",
        subcommands: [IndexStatsCommand.self])
}

/// `twinlog index stats SNAPSHOT`: verifies a snapshot (checksum and structure) and prints what is
/// in it: parameters, live points and tombstones, graph shape, payload cardinalities, log position.
struct IndexStatsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stats",
        abstract: "Verify a snapshot and print its size, shape and log position.")

    @Argument(help: "The snapshot file.")
    var snapshot: String

    @Flag(help: "Print JSON instead of text.")
    var json = false

    func run() throws {
        let url = URL(fileURLWithPath: snapshot)
        let header = try VectorIndex.snapshotHeader(of: url)
        let index = try VectorIndex.load(from: url)
        let stats = index.statistics()
        let position = index.logPosition
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            encoder.keyEncodingStrategy = .convertToSnakeCase
            let report = StatsReport(formatVersion: header.version, fileBytes: header.fileBytes,
                                     bodyBytes: header.bodyBytes, logPosition: Self.describe(position),
                                     statistics: stats)
            print(String(decoding: try encoder.encode(report), as: UTF8.self))
            return
        }
        let c = stats.configuration
        print("""
            snapshot        \(snapshot)
            format          version \(header.version), \(header.fileBytes) bytes \
            (\(header.bodyBytes) before zstd), checksum ok
            log position    \(Self.describe(position))
            vectors         \(stats.liveCount) live, \(stats.tombstoneCount) tombstones, \(c.dimension)-d
            parameters      M \(c.m), efConstruction \(c.efConstruction), efSearch \(c.efSearch), \
            exact below \(c.exactSearchThreshold) points
            graph           top level \(stats.maxLevel), nodes per level \(stats.nodesPerLevel), \
            mean layer-0 degree \(String(format: "%.1f", stats.meanDegree))
            memory          \(ByteCountFormatter.string(fromByteCount: Int64(stats.memoryBytes), countStyle: .memory)) in vectors and links, \
            \(ByteCountFormatter.string(fromByteCount: Int64(stats.lexicalMemoryBytes), countStyle: .memory)) in the BM25 index
            payloads        \(stats.distinctAuthors) authors, \(stats.distinctPlatforms) platforms, \
            \(stats.distinctKinds) kinds, \(stats.distinctDocuments) documents
            """)
    }

    /// The log position as text when it is printable UTF-8 (topic offsets usually are), else hex.
    static func describe(_ position: [UInt8]) -> String {
        if position.isEmpty { return "(none)" }
        if let text = String(validating: position, as: UTF8.self),
           text.unicodeScalars.allSatisfy({ $0.value >= 0x20 && $0.value < 0x7F }) {
            return text
        }
        return "0x" + position.hexDigits
    }
}

private struct StatsReport: Encodable {
    let formatVersion: UInt32
    let fileBytes: Int
    let bodyBytes: Int
    let logPosition: String
    let statistics: IndexStatistics
}
