import Foundation
import TwinlogRuntime

/// A `.safetensors` file, memory-mapped, with its header parsed and checked once.
///
/// Guarantees: every listed tensor lies inside the file and its byte count matches its dtype and
/// shape; reading a tensor that is missing, of another dtype or of another shape is an error that
/// names the file and the tensor.
public final class SafeTensorsFile: Sendable {
    /// Element types a safetensors header can declare, with their sizes.
    public enum DType: String, Sendable {
        case f64 = "F64", f32 = "F32", f16 = "F16", bf16 = "BF16"
        case i64 = "I64", i32 = "I32", i16 = "I16", i8 = "I8", u8 = "U8", bool = "BOOL"

        var size: Int {
            switch self {
            case .f64, .i64: 8
            case .f32, .i32: 4
            case .f16, .bf16, .i16: 2
            case .i8, .u8, .bool: 1
            }
        }
    }

    /// One tensor's entry in the header.
    public struct Tensor: Sendable {
        public let dtype: DType
        public let shape: [Int]
        /// Byte offsets from the start of the file.
        let range: Range<Int>
    }

    /// The file's path.
    public let path: String
    /// Every tensor in the file by name.
    public let tensors: [String: Tensor]
    private let file: MappedFile

    /// Headers beyond this are not model files (the format caps them at 100 MB).
    private static let maxHeaderBytes = 100_000_000

    /// Maps and validates the file at `path`.
    public convenience init(path: String) throws(SafeTensorsError) {
        let file: MappedFile
        do { file = try MappedFile(path: path) } catch { throw SafeTensorsError(path: path, tensor: nil, reason: error.reason) }
        try self.init(file: file)
    }

    /// Validates a safetensors file held in memory (tests, fuzzing); `name` stands for the path in errors.
    public convenience init(bytes: [UInt8], name: String = "<memory>") throws(SafeTensorsError) {
        let file: MappedFile
        do { file = try MappedFile(copying: bytes, name: name) } catch { throw SafeTensorsError(path: name, tensor: nil, reason: error.reason) }
        try self.init(file: file)
    }

    private init(file: MappedFile) throws(SafeTensorsError) {
        let path = file.path
        let bytes = file.bytes
        func fail(_ reason: String, _ tensor: String? = nil) -> SafeTensorsError {
            SafeTensorsError(path: path, tensor: tensor, reason: reason)
        }
        guard bytes.count >= 8 else { throw fail("is \(bytes.count) bytes, too short for a header length") }
        let declaredLength = UInt64(littleEndian: bytes.loadUnaligned(as: UInt64.self))
        guard declaredLength <= UInt64(Self.maxHeaderBytes), Int(declaredLength) <= bytes.count - 8 else {
            throw fail("declares a \(declaredLength)-byte header but holds \(bytes.count) bytes (a header length is at most \(Self.maxHeaderBytes))")
        }
        let headerLength = Int(declaredLength)
        let headerBytes = UnsafeRawBufferPointer(rebasing: bytes[8..<8 + headerLength])
        guard let object = try? JSONSerialization.jsonObject(with: Data(headerBytes)),
              let header = object as? [String: Any] else {
            throw fail("has a header that is not a JSON object")
        }
        let dataStart = 8 + headerLength
        let dataSize = bytes.count - dataStart
        var tensors: [String: Tensor] = [:]
        for (name, value) in header where name != "__metadata__" {
            guard let entry = value as? [String: Any],
                  let dtypeName = entry["dtype"] as? String,
                  let shape = entry["shape"] as? [Int],
                  let offsets = entry["data_offsets"] as? [Int], offsets.count == 2 else {
                throw fail("has a header entry without dtype, shape and data_offsets", name)
            }
            guard let dtype = DType(rawValue: dtypeName) else { throw fail("has unknown dtype \(dtypeName)", name) }
            guard shape.allSatisfy({ $0 >= 0 }) else { throw fail("has a negative dimension in \(shape)", name) }
            let (begin, end) = (offsets[0], offsets[1])
            guard 0 <= begin, begin <= end, end <= dataSize else {
                throw fail("lies at bytes \(begin)..<\(end), outside the \(dataSize)-byte data section", name)
            }
            let byteCount = shape.reduce(Optional(dtype.size)) { product, dimension in
                guard let product else { return nil }
                let next = product.multipliedReportingOverflow(by: dimension)
                return next.overflow ? nil : next.partialValue
            }
            guard byteCount == end - begin else {
                throw fail("holds \(end - begin) bytes, not what \(dtypeName) \(shape) needs", name)
            }
            tensors[name] = Tensor(dtype: dtype, shape: shape, range: dataStart + begin..<dataStart + end)
        }
        self.path = path
        self.tensors = tensors
        self.file = file
    }

    /// Copies the float32 tensor `name`, which must have exactly `shape`, into `destination`.
    public func copyFloat32(_ name: String, shape: [Int], into destination: UnsafeMutableBufferPointer<Float>)
        throws(SafeTensorsError) {
        let tensor = try float32Tensor(name, shape: shape)
        precondition(destination.count == tensor.range.count / 4, "destination sized for \(shape)")
        // Tensor data need not be 4-byte aligned in the file; a byte copy does not care.
        UnsafeMutableRawBufferPointer(destination).copyMemory(
            from: UnsafeRawBufferPointer(rebasing: file.bytes[tensor.range]))
    }

    /// The float32 tensor `name` as an array; it must have exactly `shape`.
    public func float32(_ name: String, shape: [Int]) throws(SafeTensorsError) -> [Float] {
        let tensor = try float32Tensor(name, shape: shape)
        return [Float](unsafeUninitializedCapacity: tensor.range.count / 4) { buffer, count in
            UnsafeMutableRawBufferPointer(buffer).copyMemory(
                from: UnsafeRawBufferPointer(rebasing: file.bytes[tensor.range]))
            count = buffer.count
        }
    }

    private func float32Tensor(_ name: String, shape: [Int]) throws(SafeTensorsError) -> Tensor {
        guard let tensor = tensors[name] else {
            throw SafeTensorsError(path: path, tensor: name, reason: "is missing")
        }
        guard tensor.dtype == .f32 else {
            throw SafeTensorsError(path: path, tensor: name, reason: "is \(tensor.dtype.rawValue), expected F32")
        }
        guard tensor.shape == shape else {
            throw SafeTensorsError(path: path, tensor: name, reason: "has shape \(tensor.shape), expected \(shape)")
        }
        return tensor
    }
}

/// A safetensors file or one of its tensors is unusable: which file, which tensor, and why.
public struct SafeTensorsError: Error, CustomStringConvertible, Equatable {
    /// The file.
    public let path: String
    /// The tensor at fault, when one is.
    public let tensor: String?
    /// What was wrong.
    public let reason: String

    public var description: String {
        if let tensor { return "\(path): tensor \(tensor) \(reason)" }
        return "\(path) \(reason)"
    }
}
