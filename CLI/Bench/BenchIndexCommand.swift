import ArgumentParser
import Foundation
import TwinlogIndex
import TwinlogRuntime

/// `twinlog bench index`: the Swift side of Benchmarks/index/run.py. Builds the index from an
/// fvecs file, sweeps efSearch over held-out queries against an ivecs ground truth, and prints one
/// JSON object (build seconds, memory, recall and QPS per efSearch) for the script to compare with
/// hnswlib and FAISS. Single-threaded, like the peers it is compared with.
struct BenchIndexCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "index",
        abstract: "Build an HNSW index from fvecs vectors and sweep efSearch (prints JSON).")

    @Option(help: "Base vectors (fvecs: int32 dimension, then that many float32, per vector).")
    var base: String

    @Option(help: "Held-out query vectors (fvecs).")
    var queries: String

    @Option(help: "Exact neighbour ids of each query (ivecs, ids are base row numbers).")
    var groundTruth: String

    @Option(help: "Links per node (layer 0 keeps 2·M).")
    var m = 16

    @Option(help: "Candidate list size while building.")
    var efConstruction = 200

    @Option(help: "Comma-separated efSearch values to sweep.")
    var efSearch = "10,16,24,32,48,64,96,128,192,256"

    @Option(help: "Neighbours per query.")
    var k = 10

    @Option(help: "Timed passes over the queries per efSearch; the median is reported.")
    var passes = 3

    func run() throws {
        let baseVectors = try FVecs.read(base)
        let queryVectors = try FVecs.read(queries)
        let truth = try FVecs.readIds(groundTruth)
        guard let dimension = baseVectors.first?.count else { throw ValidationError("\(base) holds no vectors") }
        guard truth.count == queryVectors.count else {
            throw ValidationError("\(groundTruth) has \(truth.count) rows for \(queryVectors.count) queries")
        }
        let sweep = try efSearch.split(separator: ",").map { value in
            guard let ef = Int(value.trimmingCharacters(in: .whitespaces)) else {
                throw ValidationError("efSearch list entry \"\(value)\" is not an integer")
            }
            return ef
        }

        let payload = ChunkPayload(authorId: "bench", platform: "bench", kind: "bench", documentId: "bench")
        let memoryBefore = ResidentMemory.bytes()
        let index = try VectorIndex(configuration: IndexConfiguration(
            dimension: dimension, m: m, efConstruction: efConstruction, exactSearchThreshold: 0))
        let buildStart = ContinuousClock.now
        for (row, vector) in baseVectors.enumerated() {
            try index.upsert(key: String(row), vector: vector, payload: payload)
        }
        let buildSeconds = (ContinuousClock.now - buildStart).inSeconds
        let memoryAfter = ResidentMemory.bytes()

        var points: [BenchReport.Point] = []
        for ef in sweep {
            var timings: [Double] = []
            var answers: [[SearchHit]] = []
            for _ in 0..<passes {
                answers.removeAll(keepingCapacity: true)
                let start = ContinuousClock.now
                for query in queryVectors { answers.append(try index.search(query, k: k, efSearch: ef)) }
                timings.append((ContinuousClock.now - start).inSeconds)
            }
            var found = 0
            for (answer, exact) in zip(answers, truth) {
                let expected = Set(exact.prefix(k))
                found += answer.count { expected.contains(Int32($0.key)!) }
            }
            let median = timings.sorted()[timings.count / 2]
            points.append(.init(efSearch: ef, recall: Double(found) / Double(k * truth.count),
                                qps: Double(queryVectors.count) / median))
        }
        let report = BenchReport(
            engine: "twinlog", vectors: baseVectors.count, dimension: dimension, m: m,
            efConstruction: efConstruction, buildSeconds: buildSeconds,
            memoryBytes: memoryAfter - memoryBefore, indexBytes: index.statistics().memoryBytes,
            sweep: points)
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        print(String(decoding: try encoder.encode(report), as: UTF8.self))
    }
}

/// The JSON the benchmark script reads; field names match the Python peers' reports.
private struct BenchReport: Encodable {
    struct Point: Encodable {
        let efSearch: Int
        let recall: Double
        let qps: Double
    }

    let engine: String
    let vectors: Int
    let dimension: Int
    let m: Int
    let efConstruction: Int
    let buildSeconds: Double
    let memoryBytes: Int
    let indexBytes: Int
    let sweep: [Point]
}

/// Readers for the fvecs / ivecs formats of the ANN benchmark datasets (little-endian).
private enum FVecs {
    static func read(_ path: String) throws -> [[Float]] {
        try rows(path).map { row in row.map { Float(bitPattern: $0) } }
    }

    static func readIds(_ path: String) throws -> [[Int32]] {
        try rows(path).map { row in row.map { Int32(bitPattern: $0) } }
    }

    private static func rows(_ path: String) throws -> [[UInt32]] {
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        var rows: [[UInt32]] = []
        var offset = 0
        func word(at position: Int) -> UInt32 {
            UInt32(bytes[position]) | UInt32(bytes[position + 1]) << 8
                | UInt32(bytes[position + 2]) << 16 | UInt32(bytes[position + 3]) << 24
        }
        while offset < bytes.count {
            guard offset + 4 <= bytes.count else { throw ValidationError("\(path): truncated at byte \(offset)") }
            let width = Int(word(at: offset))
            let end = offset + 4 + 4 * width
            guard width > 0, end <= bytes.count else {
                throw ValidationError("\(path): row at byte \(offset) declares \(width) values past the end")
            }
            rows.append(stride(from: offset + 4, to: end, by: 4).map(word(at:)))
            offset = end
        }
        return rows
    }
}

/// The process's resident set size, from /proc (Linux), as the Python peers measure theirs.
private enum ResidentMemory {
    static func bytes() -> Int {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }),
              let kilobytes = Int(line.split(separator: " ", omittingEmptySubsequences: true)[1])
        else { return 0 }
        return kilobytes * 1024
    }
}

