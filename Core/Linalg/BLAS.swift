import COpenBLAS
import Dispatch

/// Dense Float32 linear algebra on OpenBLAS. Row-major throughout; the only home of `cblas_*` calls.
///
/// Every function takes buffers, not arrays, so callers can carve operands out of one allocation
/// (a model's weights, an index's vector arena) without copies.
///
/// Threads: OpenBLAS's own pool is a process-wide setting that its pthreads build cannot scope to
/// a call, so it is pinned to one thread once, at the first call, and nothing changes it again.
/// A product that should use several cores says so with its `threads` argument: its output is cut
/// into that many blocks, each an OpenBLAS call of its own on a GCD worker. Consumers in one
/// process (an embedder on its shards, generation on its rows, training on its sequences) each
/// choose their own parallelism and can never leave another with the wrong thread count, and no
/// idle OpenBLAS worker spins for the cores after a product.
public enum BLAS {
    /// Whether a matrix operand is used as stored or transposed.
    public enum Transpose: Sendable {
        case none, transposed
        var cblas: CBLAS_TRANSPOSE { self == .none ? CblasNoTrans : CblasTrans }
    }

    /// C[m×n] = alpha · op(A)[m×k] · op(B)[k×n] + beta · C, row-major with leading dimensions,
    /// on up to `threads` cores (the wider of C's two dimensions is split).
    public static func gemm(
        _ transA: Transpose, _ transB: Transpose, m: Int, n: Int, k: Int,
        alpha: Float = 1, a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
        beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int, threads: Int = 1
    ) {
        _ = pinnedToOneThread
        let operands = GemmOperands(a: a, b: b, c: c)
        let call: @Sendable (Int, Int, Int, Int) -> Void = { i, rows, j, columns in
            let a = transA == .none ? operands.a + i * lda : operands.a + i
            let b = transB == .none ? operands.b + j : operands.b + j * ldb
            cblas_sgemm(CblasRowMajor, transA.cblas, transB.cblas, Int32(rows), Int32(columns), Int32(k),
                        alpha, a, Int32(lda), b, Int32(ldb), beta, operands.c + i * ldc + j, Int32(ldc))
        }
        let parts = parallelParts(threads: threads, work: m * n * k, extent: max(m, n))
        if parts == 1 {
            call(0, m, 0, n)
        } else if n >= m {
            split(n, into: parts) { j, columns in call(0, m, j, columns) }
        } else {
            split(m, into: parts) { i, rows in call(i, rows, 0, n) }
        }
    }

    /// y = alpha · op(A) · x + beta · y for a row-major A [rows × columns] with leading dimension
    /// lda, on up to `threads` cores (y is split).
    public static func gemv(
        _ trans: Transpose, rows: Int, columns: Int, alpha: Float = 1,
        a: UnsafePointer<Float>, lda: Int, x: UnsafePointer<Float>,
        beta: Float = 0, y: UnsafeMutablePointer<Float>, threads: Int = 1
    ) {
        _ = pinnedToOneThread
        let operands = GemmOperands(a: a, b: x, c: y)
        let outputs = trans == .none ? rows : columns
        let parts = parallelParts(threads: threads, work: rows * columns, extent: outputs)
        split(outputs, into: parts) { first, count in
            if trans == .none {
                cblas_sgemv(CblasRowMajor, CblasNoTrans, Int32(count), Int32(columns), alpha, operands.a + first * lda,
                            Int32(lda), operands.b, 1, beta, operands.c + first, 1)
            } else {
                cblas_sgemv(CblasRowMajor, CblasTrans, Int32(rows), Int32(count), alpha, operands.a + first,
                            Int32(lda), operands.b, 1, beta, operands.c + first, 1)
            }
        }
    }

    /// The inner product of two contiguous vectors of length n.
    public static func dot(_ x: UnsafePointer<Float>, _ y: UnsafePointer<Float>, count n: Int) -> Float {
        _ = pinnedToOneThread
        return cblas_sdot(Int32(n), x, 1, y, 1)
    }

    /// y += alpha · x over n contiguous values.
    public static func axpy(alpha: Float, x: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>, count n: Int) {
        _ = pinnedToOneThread
        cblas_saxpy(Int32(n), alpha, x, 1, y, 1)
    }

    /// x *= alpha over n contiguous values.
    public static func scale(_ x: UnsafeMutablePointer<Float>, by alpha: Float, count n: Int) {
        _ = pinnedToOneThread
        cblas_sscal(Int32(n), alpha, x, 1)
    }

    /// The number of threads OpenBLAS's own pool uses: 1 once any product ran, and never changed
    /// after that (tests check it).
    public static var pooledThreads: Int { Int(openblas_get_num_threads()) }

    /// Runs once, before the first OpenBLAS call of the process.
    private static let pinnedToOneThread: Void = openblas_set_num_threads(1)

    /// The kernel family OpenBLAS chose for this CPU when it loaded ("Haswell", "SkylakeX", "Zen";
    /// "Prescott" is its generic x86-64 fallback).
    public static var coreName: String { openblas_get_corename().map { String(cString: $0) } ?? "" }

    /// The `OPENBLAS_CORETYPE` a process should run with, or nil to keep OpenBLAS's own choice.
    ///
    /// OpenBLAS picks its kernels from the CPU's family and model number, so on a CPU newer than
    /// the library (Debian's 0.3.21 on an Intel Xeon of model 207, measured) it falls back to
    /// "Prescott", its SSE3 kernels: sgemm there was 3× slower in a 1,200-token prefill and twice
    /// as slow in every answer. The CPU's feature flags (`/proc/cpuinfo`'s `flags` line) say which
    /// kernels it can run: SkylakeX's with AVX-512 F, CD, BW, DQ and VL, Haswell's with AVX2 and
    /// FMA. A type already set in the environment (`setType`) is the user's and is kept. The flags
    /// are read only when OpenBLAS did fall back.
    public static func preferredCoreType(coreName: String, cpuFlags: @autoclosure () -> Set<Substring>,
                                         setType: String?) -> String? {
        guard setType == nil, coreName == "Prescott" else { return nil }
        let flags = cpuFlags()
        if ["avx512f", "avx512cd", "avx512bw", "avx512dq", "avx512vl"].allSatisfy(flags.contains) { return "SKYLAKEX" }
        if ["avx2", "fma"].allSatisfy(flags.contains) { return "HASWELL" }
        return nil
    }

    /// The feature flags of the first processor in a `/proc/cpuinfo` text (empty if it has none).
    public static func cpuFlags(cpuinfo: String) -> Set<Substring> {
        guard let line = cpuinfo.split(separator: "\n").first(where: { $0.hasPrefix("flags") }),
              let colon = line.firstIndex(of: ":") else { return [] }
        return Set(line[line.index(after: colon)...].split(separator: " "))
    }

    /// Below this many multiply-adds per part, a product is not worth a thread hand-off.
    private static let minimumWorkPerPart = 1 << 18

    private static func parallelParts(threads: Int, work: Int, extent: Int) -> Int {
        max(1, min(threads, extent, work / minimumWorkPerPart))
    }

    /// Runs `body(first, count)` over `parts` contiguous, nearly equal ranges of 0..<total, in
    /// parallel when there is more than one.
    private static func split(_ total: Int, into parts: Int, _ body: @Sendable (Int, Int) -> Void) {
        guard parts > 1 else { return body(0, total) }
        DispatchQueue.concurrentPerform(iterations: parts) { part in
            let first = total * part / parts
            body(first, total * (part + 1) / parts - first)
        }
    }

    /// Operand pointers handed to the parallel parts, each of which writes its own block of C.
    private struct GemmOperands: @unchecked Sendable {
        let a: UnsafePointer<Float>
        let b: UnsafePointer<Float>
        let c: UnsafeMutablePointer<Float>
    }
}
