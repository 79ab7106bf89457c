import Crypto
import Foundation
import TwinlogRuntime

/// The container of adapter artifacts and checkpoints: a JSON header and raw Float32 tensors,
/// sealed with a SHA-256 of everything before it.
///
///     offset 0        8 bytes   magic "TWLTENS1"
///     offset 8        8 bytes   header length H, UInt64 little-endian
///     offset 16       H bytes   header, UTF-8 JSON (a `TensorFileHeader`)
///     offset 16 + H   Σ 4·count the tensors in header order, Float32 little-endian, row-major
///     last 32 bytes             SHA-256 of all preceding bytes: the file's content hash
///
/// The header type is the file kind's own: adapters (`AdapterHeader`, here) and training
/// checkpoints (in the training module) share the container, not their fields.
///
/// Reading refuses a file over `TensorFileFormat.maxBytes` before reading it, then checks the
/// magic, the lengths against the file size and the hash (the trailer's and, when the caller knows
/// one, the expected one) before it parses anything, then every shape with overflow-checked
/// arithmetic and that every value is finite; it throws `ArtifactError` naming the problem and
/// never traps. Writing goes to a temporary file that is renamed into place, so a reader sees the
/// old file or the complete new one, never half of one.
package struct TensorFile<Header: TensorFileHeader> {
    #if !_endian(little)
    #error("TensorFile copies Float32 values as stored: a big-endian host would need byte swaps")
    #endif
    package var header: Header
    package var tensors: [[Float]]
    /// Hex SHA-256 of the file's bytes before the trailer (set by `read` and `write`).
    package private(set) var contentHash = ""

    package init(header: Header, tensors: [[Float]]) {
        self.header = header
        self.tensors = tensors
    }

    /// Writes atomically and returns the content hash.
    @discardableResult
    package mutating func write(to path: String) throws -> String {
        var data = Data(TensorFileFormat.magic)
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

    /// Reads and validates a file (see `parse`), refusing one over `TensorFileFormat.maxBytes` before reading it.
    package static func read(path: String, expectedHash: String? = nil) throws -> TensorFile {
        func fail(_ reason: String) -> ArtifactError { ArtifactError(path: path, reason: reason) }
        let size: Int
        do {
            let attributes = try FileManager.default.attributesOfItem(atPath: path)
            guard attributes[.type] as? FileAttributeType == .typeRegular else { throw fail("it is not a regular file") }
            size = (attributes[.size] as? NSNumber)?.intValue ?? 0
        } catch let error as ArtifactError {
            throw error
        } catch {
            throw fail("cannot read the file (\(error.localizedDescription))")
        }
        let maxBytes = TensorFileFormat.maxBytes
        guard size <= maxBytes else { throw fail("it is \(size) bytes, over the \(maxBytes)-byte limit of an artifact") }
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path), options: .mappedIfSafe) } catch {
            throw fail("cannot read the file (\(error.localizedDescription))")
        }
        return try parse(bytes: [UInt8](data), name: path, expectedHash: expectedHash)
    }

    /// Validates a file held in memory; `name` stands for the path in errors. `expectedHash` (hex
    /// SHA-256 of the bytes before the trailer) is compared before the header is parsed.
    package static func parse(bytes: [UInt8], name path: String, expectedHash: String? = nil) throws -> TensorFile {
        func fail(_ reason: String) -> ArtifactError { ArtifactError(path: path, reason: reason) }
        let maxBytes = TensorFileFormat.maxBytes
        guard bytes.count <= maxBytes else { throw fail("it is \(bytes.count) bytes, over the \(maxBytes)-byte limit of an artifact") }
        guard bytes.count >= 16 + 32 else { throw fail("\(bytes.count) bytes is too short to be an artifact (truncated?)") }
        guard Array(bytes[0..<8]) == TensorFileFormat.magic else { throw fail("it does not start with the TWLTENS1 magic") }
        let headerLength = bytes[8..<16].enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) }
        guard headerLength <= UInt64(bytes.count - 48) else {
            throw fail("the header length field claims \(headerLength) bytes but the file has \(bytes.count) (truncated?)")
        }
        let body = bytes.count - 32
        let digest = SHA256.hash(data: bytes[0..<body])
        if let expectedHash, digest.hexDigits != expectedHash.lowercased() {
            throw fail("its SHA-256 is \(digest.hexDigits), expected \(expectedHash)")
        }
        guard Array(digest) == Array(bytes[body...]) else {
            throw fail("its SHA-256 does not match its content (truncated or corrupted)")
        }
        let headerEnd = 16 + Int(headerLength)
        let header: Header
        do { header = try JSONDecoder().decode(Header.self, from: Data(bytes[16..<headerEnd])) } catch {
            throw fail("unreadable header (\(error))")
        }
        guard header.format == TensorFileFormat.version else {
            throw fail("format \(header.format) is not supported (this build reads format \(TensorFileFormat.version))")
        }
        // Every size below is checked against the bytes present before anything is allocated.
        let available = (body - headerEnd) / 4
        var total = 0
        for entry in header.tensors {
            guard let count = entry.checkedCount else {
                throw fail("tensor \(entry.name) has an invalid shape \(entry.shape) (each dimension 1…\(TensorFileFormat.maxDimension), "
                    + "their product within Int)")
            }
            let (sum, overflow) = total.addingReportingOverflow(count)
            guard !overflow, sum <= available else {
                throw fail("the tensors' shapes need more values than the \(body - headerEnd) bytes after the header hold "
                    + "(at tensor \(entry.name) \(entry.shape))")
            }
            total = sum
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

/// A header of a `TensorFile`: JSON naming the file's kind and listing its tensors in file order.
package protocol TensorFileHeader: Codable {
    /// The container format, `TensorFileFormat.version`.
    var format: Int { get }
    /// "adapter" or "checkpoint".
    var kind: String { get }
    var tensors: [TensorEntry] { get }
}

/// The constants of the `TensorFile` container.
package enum TensorFileFormat {
    static let magic = Array("TWLTENS1".utf8)
    /// The container format this build reads and writes.
    package static let version = 1
    /// The largest file read: 1 GiB, far above any adapter or checkpoint of the models Twinlog
    /// runs (a rank-64 adapter on every projection of a 1.7B model is about 300 MB).
    package static let maxBytes = 1 << 30
    /// The largest dimension of one tensor.
    static let maxDimension = 1 << 26
}

/// One tensor's name and shape in a `TensorFile` header.
package struct TensorEntry: Codable, Equatable {
    package let name: String
    package let shape: [Int]
    package var count: Int { shape.reduce(1, *) }

    package init(name: String, shape: [Int]) {
        self.name = name
        self.shape = shape
    }

    /// The number of values, or nil when the shape is empty, has a dimension outside
    /// 1…`maxDimension`, or its product overflows.
    var checkedCount: Int? {
        guard !shape.isEmpty else { return nil }
        var product = 1
        for dimension in shape {
            guard (1...TensorFileFormat.maxDimension).contains(dimension) else { return nil }
            let (next, overflow) = product.multipliedReportingOverflow(by: dimension)
            guard !overflow else { return nil }
            product = next
        }
        return product
    }
}

/// The header of an adapter file (see `LoRAArtifact`): its LoRA settings, the shape of the model
/// it fits and free-form metadata.
package struct AdapterHeader: TensorFileHeader {
    package var format = TensorFileFormat.version
    package var kind = "adapter"
    package var lora: LoRAConfiguration
    package var model: ModelShape
    package var metadata: [String: String]
    package var tensors: [TensorEntry]

    package init(lora: LoRAConfiguration, model: ModelShape, metadata: [String: String], tensors: [TensorEntry]) {
        self.lora = lora
        self.model = model
        self.metadata = metadata
        self.tensors = tensors
    }
}

/// Why an artifact file (an adapter or a checkpoint), or a path naming one, was refused: which
/// file, and what was wrong with it.
public struct ArtifactError: Error, CustomStringConvertible, Equatable, Sendable {
    public let path: String
    public let reason: String

    public init(path: String, reason: String) {
        self.path = path
        self.reason = reason
    }

    public var description: String { "\(path): not a usable artifact: \(reason)" }
}

extension JSONEncoder {
    /// Sorted keys, so equal headers encode to equal bytes (and equal content hashes).
    package static var sorted: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return encoder
    }
}
