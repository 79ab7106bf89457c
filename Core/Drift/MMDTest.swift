import Foundation
import TwinlogLinalg
import TwinlogRuntime

/// A two-sample test of whether two sets of embeddings come from the same distribution: the
/// unbiased squared Maximum Mean Discrepancy with a Gaussian (RBF) kernel, and its p-value by
/// permutation.
///
/// Why this test: the RBF kernel is characteristic, so MMD detects any difference between the
/// distributions (a new topic, a change of register, a shift in one direction of 384), where a
/// per-dimension or mean-only test misses changes that keep the mean; the permutation p-value is
/// exact for any sample size, with no asymptotic assumption about high-dimensional embeddings.
/// The bandwidth is the median heuristic (σ² = half the median pairwise squared distance of the
/// pooled sample), so the test needs no tuning per embedding model.
public struct MMDTest: Sendable {
    /// Label permutations for the p-value (its resolution is 1 / (permutations + 1)).
    public var permutations: Int
    /// Seeds the permutations, so a test on the same samples gives the same p-value.
    public var seed: UInt64

    public init(permutations: Int = 200, seed: UInt64 = 0x4D4D_44) {
        self.permutations = permutations
        self.seed = seed
    }

    /// The outcome of one test.
    public struct Result: Sendable, Equatable {
        /// Unbiased MMD² (can be slightly negative when the samples agree).
        public let statistic: Double
        /// The share of label permutations with a statistic at least as large (with the +1 correction).
        public let pValue: Double
        /// The kernel bandwidth σ² used.
        public let bandwidth: Double

        public init(statistic: Double, pValue: Double, bandwidth: Double) {
            self.statistic = statistic
            self.pValue = pValue
            self.bandwidth = bandwidth
        }
    }

    /// Tests `reference` against `window`; every vector must have the same dimension, and each
    /// sample needs at least two vectors.
    public func run(reference: [[Float]], window: [[Float]]) throws -> Result {
        let m = reference.count, n = window.count
        guard m >= 2, n >= 2 else { throw DriftError.sampleTooSmall(reference: m, window: n) }
        let dimension = reference[0].count
        guard dimension > 0, (reference + window).allSatisfy({ $0.count == dimension }) else {
            throw DriftError.dimensionMismatch(expected: dimension)
        }
        let total = m + n
        let pooled = (reference + window).flatMap { $0 }
        let kernel = Self.kernelMatrix(pooled, count: total, dimension: dimension)
        let observed = Self.statistic(kernel.values, count: total, firstGroup: Array(0..<m), secondGroup: Array(m..<total))
        var labels = Array(0..<total)
        var random = SeededGenerator(seed: seed)
        var atLeast = 0
        for _ in 0..<permutations {
            labels.shuffle(using: &random)
            let permuted = Self.statistic(kernel.values, count: total, firstGroup: Array(labels[0..<m]), secondGroup: Array(labels[m...]))
            if permuted >= observed { atLeast += 1 }
        }
        return Result(statistic: observed, pValue: Double(atLeast + 1) / Double(permutations + 1), bandwidth: kernel.bandwidth)
    }

    /// The RBF kernel over all pairs of the pooled sample (row-major, count × count), with the
    /// median-heuristic bandwidth. Squared distances come from one Gram product.
    static func kernelMatrix(_ pooled: [Float], count: Int, dimension: Int) -> (values: [Double], bandwidth: Double) {
        var gram = [Float](repeating: 0, count: count * count)
        pooled.withUnsafeBufferPointer { z in
            gram.withUnsafeMutableBufferPointer { g in
                BLAS.gemm(.none, .transposed, m: count, n: count, k: dimension, a: z.baseAddress!, lda: dimension,
                          b: z.baseAddress!, ldb: dimension, c: g.baseAddress!, ldc: count)
            }
        }
        var distances = [Double](repeating: 0, count: count * count)
        var offDiagonal: [Double] = []
        offDiagonal.reserveCapacity(count * (count - 1) / 2)
        for i in 0..<count {
            for j in 0..<count {
                let d = max(0, Double(gram[i * count + i]) + Double(gram[j * count + j]) - 2 * Double(gram[i * count + j]))
                distances[i * count + j] = d
                if j > i { offDiagonal.append(d) }
            }
        }
        offDiagonal.sort()
        let median = offDiagonal.isEmpty ? 1 : offDiagonal[offDiagonal.count / 2]
        let bandwidth = median > 0 ? median / 2 : 1
        return (distances.map { Foundation.exp(-$0 / (2 * bandwidth)) }, bandwidth)
    }

    /// Unbiased MMD² of two groups of indices into the kernel matrix.
    static func statistic(_ kernel: [Double], count: Int, firstGroup x: [Int], secondGroup y: [Int]) -> Double {
        func withinMean(_ group: [Int]) -> Double {
            var sum = 0.0
            for i in group {
                let row = i * count
                for j in group where j != i { sum += kernel[row + j] }
            }
            return sum / Double(group.count * (group.count - 1))
        }
        var between = 0.0
        for i in x {
            let row = i * count
            for j in y { between += kernel[row + j] }
        }
        return withinMean(x) + withinMean(y) - 2 * between / Double(x.count * y.count)
    }
}

/// Why a drift test could not run.
public enum DriftError: Error, CustomStringConvertible, Sendable, Equatable {
    case sampleTooSmall(reference: Int, window: Int)
    case dimensionMismatch(expected: Int)

    public var description: String {
        switch self {
        case .sampleTooSmall(let reference, let window):
            "a two-sample test needs at least 2 vectors on each side, got \(reference) reference and \(window) new"
        case .dimensionMismatch(let expected): "the vectors do not all have \(expected) dimensions"
        }
    }
}
