import TwinlogRuntime

/// Where one tensor lives in a GGUF file and how it is stored.
public struct GGUFTensorInfo: Sendable {
    /// The tensor's name, e.g. `blk.0.attn_q.weight`.
    public let name: String
    /// ggml dimensions, innermost (contiguous) first: a [rows × columns] matrix is `[columns, rows]`.
    public let dimensions: [Int]
    /// The storage type.
    public let type: GGMLType
    /// Byte offset of the data from the start of the file.
    public let fileOffset: Int
    /// Bytes the data occupies.
    public let byteCount: Int

    /// The number of elements.
    public var elementCount: Int { dimensions.reduce(1, *) }
}

/// A memory-mapped GGUF (version 3) file: its metadata, its tensor directory, and read access to
/// tensor data as Float32.
///
/// Parsing validates every length, type and offset against the file's size, so a truncated or
/// corrupt file yields a `GGUFError` naming the byte offset instead of a crash.
public final class GGUFFile: Sendable {
    /// The file path, for messages.
    public let path: String
    /// The GGUF format version (this reader accepts 2 and 3).
    public let version: Int
    /// All metadata key/value pairs.
    public let metadata: [String: GGUFValue]
    /// All tensors by name.
    public let tensors: [String: GGUFTensorInfo]
    /// The data alignment declared by `general.alignment` (32 when absent).
    public let alignment: Int
    let mapping: MappedFile

    /// The largest `general.alignment` accepted (ggml writes 32; anything past a large page is
    /// not a model file).
    public static let maxAlignment = 1 << 20

    /// Maps and parses the file at `path`.
    public convenience init(path: String) throws {
        let mapping: MappedFile
        do { mapping = try MappedFile(path: path) } catch { throw GGUFError(path: path, offset: nil, error.reason) }
        try self.init(mapping: mapping)
    }

    /// Parses a GGUF file held in memory (tests, fuzzing); `name` stands for the path in errors.
    public convenience init(bytes: [UInt8], name: String = "<memory>") throws {
        let mapping: MappedFile
        do { mapping = try MappedFile(copying: bytes, name: name) } catch { throw GGUFError(path: name, offset: nil, error.reason) }
        try self.init(mapping: mapping)
    }

    private init(mapping: MappedFile) throws {
        let path = mapping.path
        var cursor = GGUFCursor(file: mapping)
        let magic = try cursor.read(UInt32.self, what: "the magic number")
        guard magic == 0x4655_4747 else {
            throw GGUFError(path: path, offset: 0, "not a GGUF file (the first four bytes are not \"GGUF\")")
        }
        let version = Int(try cursor.read(UInt32.self, what: "the version"))
        guard version == 2 || version == 3 else {
            throw GGUFError(path: path, offset: 4, "GGUF version \(version) is not supported (expected 3)")
        }
        // A tensor's entry takes at least 32 bytes (name length, rank, one dimension, type, offset),
        // a metadata entry at least 13 (key length, type, one byte of value).
        let tensorCount = try cursor.readCount(what: "the tensor count", itemBytes: 32)
        let metadataCount = try cursor.readCount(what: "the metadata count", itemBytes: 13)

        var metadata: [String: GGUFValue] = [:]
        for _ in 0..<metadataCount {
            let key = try cursor.readString(what: "a metadata key")
            let type = try cursor.read(UInt32.self, what: "the type of metadata \(key)")
            metadata[key] = try cursor.readValue(type: type, what: "metadata \(key)")
        }
        let alignment: Int
        if let declared = metadata["general.alignment"] {
            guard let value = declared.intValue, value > 0, value % 8 == 0, value <= Self.maxAlignment else {
                throw GGUFError(path: path, offset: nil,
                                "general.alignment is \(declared), not a positive multiple of 8 up to \(Self.maxAlignment)")
            }
            alignment = value
        } else {
            alignment = 32
        }

        var infos: [(name: String, dims: [Int], type: GGMLType, offset: Int, at: Int)] = []
        for _ in 0..<tensorCount {
            let at = cursor.offset
            let name = try cursor.readString(what: "a tensor name")
            let rank = Int(try cursor.read(UInt32.self, what: "the rank of tensor \(name)"))
            guard (1...4).contains(rank) else {
                throw cursor.error("tensor \(name) has rank \(rank) (GGUF allows 1 to 4)", at: at)
            }
            var dims: [Int] = []
            for _ in 0..<rank { dims.append(try cursor.readCount(what: "a dimension of tensor \(name)")) }
            let typeID = try cursor.read(UInt32.self, what: "the type of tensor \(name)")
            guard let type = GGMLType(rawValue: typeID) else {
                throw cursor.error("tensor \(name) has type \(GGMLType.name(of: typeID)) (id \(typeID)); "
                    + "supported: \(GGMLType.supportedNames)", at: at)
            }
            let offset = try cursor.readCount(what: "the data offset of tensor \(name)")
            infos.append((name, dims, type, offset, at))
        }
        // The cursor is inside the file and the alignment at most 1 MiB: the padding cannot overflow.
        let dataStart = (cursor.offset + alignment - 1) / alignment * alignment

        var tensors: [String: GGUFTensorInfo] = [:]
        for info in infos {
            guard let elements = Self.product(info.dims), elements > 0, info.dims[0] % info.type.blockSize == 0,
                  let bytes = Self.product([elements / info.type.blockSize, info.type.bytesPerBlock]) else {
                throw GGUFError(path: path, offset: info.at,
                                "tensor \(info.name) has dimensions \(info.dims) that do not fit type \(info.type)")
            }
            let (start, overflow) = dataStart.addingReportingOverflow(info.offset)
            guard !overflow, info.offset % alignment == 0, start <= mapping.count, bytes <= mapping.count - start else {
                throw GGUFError(path: path, offset: info.at,
                                "tensor \(info.name) claims \(bytes) bytes at data offset \(info.offset), "
                                    + "outside the \(mapping.count)-byte file or misaligned")
            }
            guard tensors[info.name] == nil else {
                throw GGUFError(path: path, offset: info.at, "tensor \(info.name) appears twice")
            }
            tensors[info.name] = GGUFTensorInfo(name: info.name, dimensions: info.dims, type: info.type,
                                                fileOffset: start, byteCount: bytes)
        }

        self.path = path
        self.version = version
        self.metadata = metadata
        self.tensors = tensors
        self.alignment = alignment
        self.mapping = mapping
    }

    /// The product of `factors`, or nil when it overflows `Int`.
    private static func product(_ factors: [Int]) -> Int? {
        var result = 1
        for factor in factors {
            let (next, overflow) = result.multipliedReportingOverflow(by: factor)
            guard !overflow else { return nil }
            result = next
        }
        return result
    }

    /// The tensor called `name`, or an error naming it when the file has none.
    public func tensor(_ name: String) throws -> GGUFTensorInfo {
        guard let info = tensors[name] else {
            throw GGUFError(path: path, offset: nil, "the file has no tensor \(name)")
        }
        return info
    }

    /// The values of tensor `name` as Float32, in storage order (innermost dimension fastest).
    public func dequantized(_ name: String) throws -> [Float] {
        let info = try tensor(name)
        return [Float](unsafeUninitializedCapacity: info.elementCount) { buffer, count in
            dequantize(info, into: buffer.baseAddress!)
            count = info.elementCount
        }
    }

    /// The tensor's values as Float32, dequantized into `destination` (which must hold
    /// `elementCount` floats).
    func dequantize(_ info: GGUFTensorInfo, into destination: UnsafeMutablePointer<Float>) {
        info.type.dequantize(mapping.base + info.fileOffset, into: destination, count: info.elementCount)
    }

    /// The raw bytes of a tensor, valid while this file is alive.
    func rawBytes(_ info: GGUFTensorInfo) -> UnsafeRawPointer { mapping.base + info.fileOffset }

    /// A required metadata value, or an error naming the missing key.
    public func required(_ key: String) throws -> GGUFValue {
        guard let value = metadata[key] else {
            throw GGUFError(path: path, offset: nil, "the metadata has no key \(key)")
        }
        return value
    }

    /// A required integer metadata value.
    public func requiredInt(_ key: String) throws -> Int {
        guard let v = try required(key).intValue else {
            throw GGUFError(path: path, offset: nil, "metadata \(key) is not an integer")
        }
        return v
    }

    /// A required string metadata value.
    public func requiredString(_ key: String) throws -> String {
        guard let v = try required(key).stringValue else {
            throw GGUFError(path: path, offset: nil, "metadata \(key) is not a string")
        }
        return v
    }
}
