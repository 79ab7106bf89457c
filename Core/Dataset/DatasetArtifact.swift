import Crypto
import Foundation
import TwinlogCompression
import TwinlogRuntime
import TwinlogTraining
import TwinlogRuntime

/// A dataset as a file: zstd-compressed JSON lines, one record per line with a `type` of `train`,
/// `eval` or `preference`, keys sorted, in the dataset's order. The version is content-addressed:
/// `ds-` and the first 16 hex digits of the SHA-256 of the uncompressed lines, so the same samples
/// always make the same version, whatever warehouse position they were read at.
public struct DatasetArtifact: Sendable, Equatable {
    public let dataset: Dataset
    /// Hex SHA-256 of the uncompressed JSON lines.
    public let sha256: String
    public var version: String { "ds-" + sha256.prefix(16) }

    /// One line of the file.
    struct Line: Codable {
        var type: String
        var documentId: String?
        var instruction: String
        var output: String?
        var chosen: String?
        var rejected: String?
    }

    /// The artifact of `dataset` (its statistics are lineage, kept with the datasets row, not in
    /// the content).
    public init(_ dataset: Dataset) {
        self.dataset = dataset
        sha256 = SHA256.hash(data: Self.lines(dataset)).hexDigits
    }

    static func lines(_ dataset: Dataset) -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        var data = Data()
        func append(_ line: Line) {
            data.append(try! encoder.encode(line))
            data.append(UInt8(ascii: "\n"))
        }
        for sample in dataset.train + dataset.eval {
            append(Line(type: sample.split.rawValue, documentId: sample.documentId, instruction: sample.instruction, output: sample.output))
        }
        for pair in dataset.preferences {
            append(Line(type: "preference", instruction: pair.instruction, chosen: pair.chosen, rejected: pair.rejected))
        }
        return data
    }

    /// Writes `<directory>/<version>.jsonl.zst` atomically (an existing file of the same version
    /// has the same content and is kept); returns its path.
    public func write(into directory: String) throws -> String {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let path = URL(fileURLWithPath: directory).appendingPathComponent(version + ".jsonl.zst").path
        if FileManager.default.fileExists(atPath: path) { return path }
        let compressed = try Zstd.compress(Array(Self.lines(dataset)), level: 9)
        try Data(compressed).write(to: URL(fileURLWithPath: path), options: .atomic)
        return path
    }

    /// Reads and checks an artifact: it decompresses, every line is a known record, and the
    /// content hashes to `expectedSha256` when given. Errors name the file and the line.
    public static func read(path: String, expectedSha256: String? = nil) throws -> DatasetArtifact {
        func fail(_ reason: String) -> DatasetError { .invalidArtifact(path: path, reason: reason) }
        let compressed: Data
        do { compressed = try Data(contentsOf: URL(fileURLWithPath: path)) } catch { throw fail("cannot be read: \(error.localizedDescription)") }
        let bytes: [UInt8]
        do { bytes = try Zstd.decompress(Array(compressed), limit: 1 << 31) } catch { throw fail("is not zstd data: \(error)") }
        let hash = SHA256.hash(data: bytes).hexDigits
        if let expectedSha256, hash != expectedSha256 { throw fail("its SHA-256 is \(hash), expected \(expectedSha256)") }
        var dataset = Dataset(train: [], eval: [], preferences: [], statistics: FilterStatistics())
        let decoder = JSONDecoder()
        for (number, text) in bytes.split(separator: UInt8(ascii: "\n")).enumerated() {
            let line: Line
            do { line = try decoder.decode(Line.self, from: Data(text)) } catch { throw fail("line \(number + 1) is not a dataset record: \(error)") }
            switch (line.type, line.documentId, line.output, line.chosen, line.rejected) {
            case ("train", let document?, let output?, nil, nil), ("eval", let document?, let output?, nil, nil):
                let sample = DatasetSample(split: line.type == "train" ? .train : .eval, documentId: document,
                                           instruction: line.instruction, output: output)
                if sample.split == .train { dataset.train.append(sample) } else { dataset.eval.append(sample) }
            case ("preference", nil, nil, let chosen?, let rejected?):
                dataset.preferences.append(PreferencePair(instruction: line.instruction, chosen: chosen, rejected: rejected))
            default:
                throw fail("line \(number + 1) has type \(line.type.debugDescription) with the wrong fields")
            }
        }
        dataset.statistics.train = dataset.train.count
        dataset.statistics.eval = dataset.eval.count
        dataset.statistics.preferencePairs = dataset.preferences.count
        let artifact = DatasetArtifact(dataset)
        guard artifact.sha256 == hash else { throw fail("its lines are not in the canonical form (re-encoded hash \(artifact.sha256))") }
        return artifact
    }
}

/// Why a dataset could not be built or read.
public enum DatasetError: Error, CustomStringConvertible, Sendable, Equatable {
    case invalidArtifact(path: String, reason: String)
    case empty(String)

    public var description: String {
        switch self {
        case .invalidArtifact(let path, let reason): "dataset artifact \(path) \(reason)"
        case .empty(let reason): "the dataset is empty: \(reason)"
        }
    }
}
