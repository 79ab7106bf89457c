import Crypto
import Foundation
import TwinlogRuntime

/// The container of adapter artifacts and checkpoints: a JSON header and raw Float32 tensors,
/// sealed with a SHA-256 of everything before it.
///
///     offset 0        8 bytes   magic "TWLTENS1"
///     offset 8        8 bytes   header length H, UInt64 little-endian
///     offset 16       H bytes   header, UTF-8 JSON (`TensorFile.Header`)
///     offset 16 + H   Σ 4·count the tensors in header order, Float32 little-endian, row-major
///     last 32 bytes             SHA-256 of all preceding bytes: the file's content hash
///
/// Reading checks the magic, the lengths against the file size, the hash, and that every value is
/// finite, and throws `TrainingError.invalidArtifact` naming the problem; it never traps.
/// Writing goes to a temporary file that is renamed into place, so a reader sees the old file or
/// the complete new one, never half of one.
struct TensorFile {
    #if !_endian(little)
    #error("TensorFile copies Float32 values as stored: a big-endian host would need byte swaps")
    #endif
    static let magic = Array("TWLTENS1".utf8)

    /// One tensor's name and shape.
    struct Entry: Codable, Equatable {
        let name: String
        let shape: [Int]
        var count: Int { shape.reduce(1, *) }
    }

    /// What the file holds; `kind` is "adapter" or "checkpoint".
    struct Header: Codable {
        var format = 1
        var kind: String
        var lora: LoRAConfiguration
        var model: ModelShape
        var training: TrainingConfiguration?
        var step: Int?
        var metadata: [String: String]
        var tensors: [Entry]
    }

    var header: Header
    var tensors: [[Float]]
    /// Hex SHA-256 of the file's bytes before the trailer (set by `read` and `write`).
    private(set) var contentHash = ""

    init(header: Header, tensors: [[Float]]) {
        self.header = header
        self.tensors = tensors
    }

    /// Writes atomically and returns the content hash.
    @discardableResult
    mutating func write(to path: String) throws -> String {
        var data = Data(Self.magic)
        let json = try JSONEncoder.sorted.encode(header)
        withUnsafeBytes(of: UInt64(json.count).littleEndian) { data.append(contentsOf: $0) }
        data.append(json)
        for (entry, values) in zip(header.tensors, tensors) {
            precondition(entry.count == values.count, "tensor \(entry.name) has \(values.count) values for shape \(entry.shape)")
            values.withUnsafeBytes { data.append(contentsOf: $0) }
        }
        let digest = SHA256.hash(data: data)
        data.append(contentsOf: digest)
        try data.write(to: URL(fileURLWithPath: path), options: .atomic)
        contentHash = digest.hexDigits
        return contentHash
    }

    /// Reads and validates a file.
    static func read(path: String) throws -> TensorFile {
        func fail(_ reason: String) -> TrainingError { .invalidArtifact(path: path, reason: reason) }
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path), options: .mappedIfSafe) } catch {
            throw fail("cannot read the file (\(error.localizedDescription))")
        }
        let bytes = [UInt8](data)
        guard bytes.count >= 16 + 32 else { throw fail("\(bytes.count) bytes is too short to be an artifact (truncated?)") }
        guard Array(bytes[0..<8]) == magic else { throw fail("it does not start with the TWLTENS1 magic") }
        let headerLength = bytes[8..<16].enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) }
        guard headerLength <= UInt64(bytes.count - 48) else {
            throw fail("the header claims \(headerLength) bytes but the file has \(bytes.count) (truncated?)")
        }
        let body = bytes.count - 32
        let digest = SHA256.hash(data: bytes[0..<body])
        guard Array(digest) == Array(bytes[body...]) else {
            throw fail("its SHA-256 does not match its content (truncated or corrupted)")
        }
        let headerEnd = 16 + Int(headerLength)
        let header: Header
        do { header = try JSONDecoder().decode(Header.self, from: Data(bytes[16..<headerEnd])) } catch {
            throw fail("unreadable header (\(error))")
        }
        guard header.format == 1 else { throw fail("format \(header.format) is not supported (this build reads format 1)") }
        var total = 0
        for entry in header.tensors {
            guard !entry.shape.isEmpty, entry.shape.allSatisfy({ $0 > 0 && $0 <= 1 << 26 }) else {
                throw fail("tensor \(entry.name) has an invalid shape \(entry.shape)")
            }
            total += entry.count
        }
        guard total * 4 == body - headerEnd else {
            throw fail("the header lists \(total) values (\(total * 4) bytes) but \(body - headerEnd) bytes follow it")
        }
        var tensors: [[Float]] = []
        var offset = headerEnd
        for entry in header.tensors {
            var values = [Float](repeating: 0, count: entry.count)
            values.withUnsafeMutableBytes { out in
                bytes.withUnsafeBytes { out.copyMemory(from: UnsafeRawBufferPointer(rebasing: $0[offset..<(offset + 4 * entry.count)])) }
            }
            if let bad = values.firstIndex(where: { !$0.isFinite }) {
                throw fail("tensor \(entry.name) holds a non-finite value (\(values[bad])) at index \(bad)")
            }
            tensors.append(values)
            offset += 4 * entry.count
        }
        var file = TensorFile(header: header, tensors: tensors)
        file.contentHash = digest.hexDigits
        return file
    }
}

extension JSONEncoder {
    /// Sorted keys, so equal headers encode to equal bytes (and equal content hashes).
    static var sorted: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return encoder
    }
}
