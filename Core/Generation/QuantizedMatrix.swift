import CTwinlogKernels
import Dispatch
import TwinlogLinalg

/// A weight matrix [rows × columns] kept in its GGUF blocks (any block-stored `GGMLType`) and
/// multiplied in place by Core/CKernels: the AVX2/FMA/F16C products (AVX-512 VNNI for the K-quants;
/// the best the CPU has, chosen once at start-up), or on ARM64 the NEON ones, decode each block in
/// registers and multiply it with activations quantized to int8 (per block of 32, or per
/// super-block of 256 for the K-quants), for up to four tokens per decoded block; the portable ones
/// dequantize a block at a time and use Float32 activations. No dequantized copy of a whole matrix
/// ever exists (long prompts of the 32-weight types go through sgemm one 4-MB tile at a time). The
/// bytes are usually the memory-mapped file itself: loading costs no copy, and resident memory is
/// the file's pages that were touched.
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

    /// Whether the products run as integers (AVX2 or NEON kernels for this type).
    var hasIntegerProduct: Bool { tw_integer_product(type.rawValue, Int64(columns), kernels.c) != 0 }

    /// Whether a prompt's many rows are multiplied here rather than by sgemm over dequantized tiles:
    /// for the K-quants with integer products, whose sums run over whole super-blocks. The 32-weight
    /// types need a float FMA per block and token, and sgemm wins there (BENCHMARKS.md, the GGUF
    /// engine's steps).
    var multipliesPromptsAsIntegers: Bool { hasIntegerProduct && type.blockSize == 256 }

    /// y = W x for `n` rows of x ([n × columns] in, [n × rows] out), rows split across `threads`
    /// workers, with the matrix's kernels unless others are given.
    func multiply(_ x: UnsafePointer<Float>, rows n: Int = 1, into y: UnsafeMutablePointer<Float>, threads: Int,
                  kernels: MatrixKernels? = nil) {
        Self.multiply([(self, y)], x: x, rows: n, threads: threads, kernels: kernels)
    }

    /// y = W x for `n` rows of x through sgemm: a tile of rows at a time (4 MB of Float32), so even
    /// a 151936-row output never needs a full dequantized copy. Each of `threads` workers
    /// dequantizes its share of a tile's rows and multiplies them into its columns of y.
    func multiplyByDequantizedTiles(_ x: UnsafePointer<Float>, rows n: Int, into y: UnsafeMutablePointer<Float>, threads: Int) {
        let tileRows = max(1, min(rows, (1 << 20) / columns))
        let tile = UnsafeMutablePointer<Float>.allocate(capacity: tileRows * columns)
        defer { tile.deallocate() }
        let operands = TileOperands(matrix: self, x: x, tile: tile, y: y)
        for first in Swift.stride(from: 0, to: rows, by: tileRows) {
            let count = min(tileRows, rows - first)
            let workers = max(1, min(threads, count / 64))
            DispatchQueue.concurrentPerform(iterations: workers) { w in
                let start = count * w / workers, end = count * (w + 1) / workers
                operands.run(tokens: n, rows: (first + start)..<(first + end), tileOffset: start)
            }
        }
    }

    /// y_i = W_i x for matrices of the same width (Q, K and V; gate and up) in one parallel pass:
    /// one hand-off to the workers, since under CPU contention every hand-off can cost a
    /// scheduling delay. x is [n × columns]; each y_i is [n × rows_i].
    static func multiply(_ products: [(matrix: QuantizedMatrix, y: UnsafeMutablePointer<Float>)],
                         x: UnsafePointer<Float>, rows n: Int = 1, threads: Int, kernels: MatrixKernels? = nil) {
        guard n > 0, let first = products.first?.matrix, products.allSatisfy({ $0.matrix.columns == first.columns }) else { return }
        let chosen = (kernels ?? first.kernels).c
        let columns = Int64(first.columns)
        // x is quantized once here for every product and worker that reads it (the integer products).
        let needsActivations = products.contains { tw_integer_product($0.matrix.type.rawValue, columns, chosen) != 0 }
        let stride = tw_activations_bytes(columns)
        let activations: UnsafeMutableRawPointer? = needsActivations ? .allocate(byteCount: n * stride, alignment: 64) : nil
        defer { activations?.deallocate() }
        if let activations {
            for t in 0..<n { tw_prepare_activations(x + t * first.columns, columns, activations + t * stride) }
        }
        let operands = Operands(products: products, x: x, tokens: n, activations: activations.map(UnsafeRawPointer.init),
                                kernels: chosen)
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
    /// AVX2 + FMA + F16C, activations quantized to int8 per weight block (as llama.cpp's CPU path).
    case avx2
    /// AVX2, and the K-quants on 512-bit registers with VNNI (AVX-512 F/BW/VL + VNNI); the same
    /// integer sums as `avx2`.
    case avx512
    /// ARM64 NEON (sdot where the CPU has the dot-product extension): the integer products of `avx2`
    /// on int8 activations. On x86 it runs the best x86 kernels; on ARM64 so does every choice but
    /// `portable`.
    case neon

    /// The implementation `automatic` chooses on this CPU, for benchmark reports.
    public static var available: MatrixKernels {
        switch tw_kernels_available() {
        case TW_KERNELS_AVX512: return .avx512
        case TW_KERNELS_AVX2: return .avx2
        case TW_KERNELS_NEON: return .neon
        default: return .portable
        }
    }

    var c: tw_kernels {
        switch self {
        case .automatic: return TW_KERNELS_AUTO
        case .portable: return TW_KERNELS_PORTABLE
        case .avx2: return TW_KERNELS_AVX2
        case .avx512: return TW_KERNELS_AVX512
        case .neon: return TW_KERNELS_NEON
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

/// The operands of a dequantize-and-sgemm pass, handed to worker threads that write disjoint
/// rows of the tile and disjoint columns of y.
private struct TileOperands: @unchecked Sendable {
    let matrix: QuantizedMatrix
    /// [tokens × columns]
    let x: UnsafePointer<Float>
    let tile: UnsafeMutablePointer<Float>
    /// [tokens × matrix.rows]
    let y: UnsafeMutablePointer<Float>

    /// Dequantizes matrix rows `rows` into the tile from row `tileOffset` and multiplies them.
    func run(tokens: Int, rows: Range<Int>, tileOffset: Int) {
        let columns = matrix.columns
        let block = tile + tileOffset * columns
        for (i, row) in rows.enumerated() { matrix.dequantizeRow(row, into: block + i * columns) }
        BLAS.gemm(.none, .transposed, m: tokens, n: rows.count, k: columns, a: x, lda: columns,
                  b: block, ldb: columns, c: y + rows.lowerBound, ldc: matrix.rows)
    }
}

/// The operands of one parallel pass, handed to worker threads that write disjoint rows.
private struct Operands: @unchecked Sendable {
    let products: [(matrix: QuantizedMatrix, y: UnsafeMutablePointer<Float>)]
    /// [tokens × columns]
    let x: UnsafePointer<Float>
    let tokens: Int
    /// Each token's x prepared for the integer products, or nil when no product is one.
    let activations: UnsafeRawPointer?
    let kernels: tw_kernels

    /// Rows `range` of the products stacked on top of each other.
    func run(_ range: Range<Int>) {
        var offset = 0
        for (matrix, y) in products {
            let rows = range.clamped(to: offset..<(offset + matrix.rows))
            if !rows.isEmpty {
                tw_matmul(matrix.type.rawValue, matrix.bytes, matrix.rowBytes, Int64(matrix.columns), x, activations,
                          Int64(tokens), y, Int64(matrix.rows), Int64(rows.lowerBound - offset), Int64(rows.upperBound - offset),
                          kernels)
            }
            offset += matrix.rows
        }
    }
}
