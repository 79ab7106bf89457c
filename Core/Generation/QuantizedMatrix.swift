import CTwinlogKernels
import Dispatch

/// A weight matrix [rows × columns] kept in its GGUF blocks (any block-stored `GGMLType`) and
/// multiplied in place by Core/CKernels: the AVX2/FMA/F16C products (when the CPU has them, chosen
/// once at start-up) decode each block in registers and multiply it with activations quantized to
/// int8 per block of 32; the portable ones dequantize a block at a time and use Float32
/// activations. No dequantized copy of a matrix ever exists. The bytes are usually the memory-mapped file itself:
/// loading costs no copy, and resident memory is the file's pages that were touched.
final class QuantizedMatrix: @unchecked Sendable {
    let type: GGMLType
    let rows: Int
    let columns: Int
    /// Bytes from one row's start to the next.
    let rowBytes: Int
    let bytes: UnsafeRawPointer
    /// Which implementation multiplies it.
    let kernels: MatrixKernels
    /// Whatever keeps `bytes` alive (the mapped GGUF file), or nil when the matrix owns a copy.
    private let owner: AnyObject?

    /// The matrix stored at `bytes`, which `owner` keeps valid; nil when the type is F32 or the
    /// width is not a whole number of blocks.
    init?(type: GGMLType, bytes: UnsafeRawPointer, rows: Int, columns: Int, owner: AnyObject,
          kernels: MatrixKernels = .automatic) {
        guard type.isBlockStored, rows > 0, columns > 0, columns % type.blockSize == 0 else { return nil }
        self.type = type
        self.rows = rows
        self.columns = columns
        rowBytes = columns / type.blockSize * type.bytesPerBlock
        self.bytes = bytes
        self.owner = owner
        self.kernels = kernels
    }

    /// A matrix holding its own copy of `blocks` (tests build small ones).
    convenience init?(type: GGMLType, copying blocks: [UInt8], rows: Int, columns: Int, kernels: MatrixKernels = .automatic) {
        guard type.isBlockStored, rows > 0, columns > 0, columns % type.blockSize == 0,
              blocks.count == rows * columns / type.blockSize * type.bytesPerBlock else { return nil }
        let storage = OwnedBytes(blocks)
        self.init(type: type, bytes: UnsafeRawPointer(storage.pointer), rows: rows, columns: columns, owner: storage, kernels: kernels)
    }

    /// Bytes held.
    var byteCount: Int { rows * rowBytes }

    /// One row as Float32 (embedding lookups and batched prefill), bit-exact with ggml.
    func dequantizeRow(_ r: Int, into out: UnsafeMutablePointer<Float>) {
        type.dequantize(bytes + r * rowBytes, into: out, count: columns)
    }

    /// y = W x, rows split across `threads` workers, with the matrix's kernels unless others are given.
    func multiply(_ x: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>, threads: Int,
                  kernels: MatrixKernels? = nil) {
        Self.multiply([(self, y)], x: x, threads: threads, kernels: kernels)
    }

    /// y_i = W_i x for matrices of the same width (Q, K and V; gate and up) in one parallel pass:
    /// one hand-off to the workers, since under CPU contention every hand-off can cost a
    /// scheduling delay.
    static func multiply(_ products: [(matrix: QuantizedMatrix, y: UnsafeMutablePointer<Float>)],
                         x: UnsafePointer<Float>, threads: Int, kernels: MatrixKernels? = nil) {
        guard let first = products.first?.matrix, products.allSatisfy({ $0.matrix.columns == first.columns }) else { return }
        // x is quantized once here for every product and worker that reads it (the int8 products).
        let activations: UnsafeMutableRawPointer? = first.columns % 32 == 0
            ? .allocate(byteCount: tw_activations_bytes(Int64(first.columns)), alignment: 64) : nil
        defer { activations?.deallocate() }
        if let activations { tw_prepare_activations(x, Int64(first.columns), activations) }
        let operands = Operands(products: products, x: x, activations: activations.map(UnsafeRawPointer.init),
                                kernels: (kernels ?? first.kernels).c)
        let totalRows = products.reduce(0) { $0 + $1.matrix.rows }
        let workers = max(1, min(threads, totalRows / 64))
        if workers == 1 {
            operands.run(0..<totalRows)
        } else {
            let chunk = (totalRows + workers - 1) / workers
            DispatchQueue.concurrentPerform(iterations: workers) { w in
                operands.run((w * chunk)..<min(totalRows, (w + 1) * chunk))
            }
        }
    }
}

/// Which implementation multiplies quantized matrices; tests compare them on the same inputs.
public enum MatrixKernels: String, Sendable, CaseIterable {
    /// The best the CPU supports.
    case automatic
    /// Plain C, any CPU, Float32 activations.
    case portable
    /// AVX2 + FMA + F16C, activations quantized to int8 per block of 32 (as llama.cpp's CPU path).
    case avx2

    /// The implementation `automatic` chooses on this CPU, for benchmark reports.
    public static var available: MatrixKernels { tw_kernels_available() == TW_KERNELS_AVX2 ? .avx2 : .portable }

    var c: tw_kernels {
        switch self {
        case .automatic: return TW_KERNELS_AUTO
        case .portable: return TW_KERNELS_PORTABLE
        case .avx2: return TW_KERNELS_AVX2
        }
    }
}

/// A heap copy of some bytes that lives as long as the matrix using it.
private final class OwnedBytes {
    let pointer: UnsafeMutableRawPointer

    init(_ bytes: [UInt8]) {
        pointer = .allocate(byteCount: max(bytes.count, 1), alignment: 64)
        bytes.withUnsafeBytes { pointer.copyMemory(from: $0.baseAddress!, byteCount: bytes.count) }
    }

    deinit { pointer.deallocate() }
}

/// The operands of one parallel pass, handed to worker threads that write disjoint rows.
private struct Operands: @unchecked Sendable {
    let products: [(matrix: QuantizedMatrix, y: UnsafeMutablePointer<Float>)]
    let x: UnsafePointer<Float>
    /// x quantized for the int8 products, or nil when its width is not a whole number of blocks.
    let activations: UnsafeRawPointer?
    let kernels: tw_kernels

    /// Rows `range` of the products stacked on top of each other.
    func run(_ range: Range<Int>) {
        var offset = 0
        for (matrix, y) in products {
            let rows = range.clamped(to: offset..<(offset + matrix.rows))
            if !rows.isEmpty {
                tw_matvec(matrix.type.rawValue, matrix.bytes, matrix.rowBytes, Int64(matrix.columns), x, activations, y,
                          Int64(rows.lowerBound - offset), Int64(rows.upperBound - offset), kernels)
            }
            offset += matrix.rows
        }
    }
}
