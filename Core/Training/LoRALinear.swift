import TwinlogGeneration
import TwinlogLinalg
import TwinlogRuntime

/// The trainable part of one adapted linear layer, forward next to backward:
/// y += s · (drop(x) Aᵀ) Bᵀ with x [n × inputs], A [r × inputs], B [outputs × r], y [n × outputs]
/// (a column block of a wider activation with leading dimension `ldy`). The base product x Wᵀ is
/// done by the caller on the fused matrix; W is frozen, so backward only needs dx through W
/// (also the caller's) and dA, dB, dx through the adapter (here).
struct LoRALinear {
    let a: UnsafePointer<Float>
    let b: UnsafePointer<Float>
    let rank: Int
    let inputs: Int
    let outputs: Int
    let scale: Float

    /// low = drop(x) Aᵀ [n × r] (kept for backward), then y += s · low Bᵀ. `dropped` holds
    /// n × inputs values when `dropout` is given.
    func forward(_ x: UnsafePointer<Float>, rows n: Int, dropout: DropoutMask?, dropped: UnsafeMutablePointer<Float>,
                 low: UnsafeMutablePointer<Float>, y: UnsafeMutablePointer<Float>, ldy: Int) {
        var input = x
        if let dropout {
            dropout.apply(x, rows: n, columns: inputs, into: dropped)
            input = UnsafePointer(dropped)
        }
        BLAS.gemm(.none, .transposed, m: n, n: rank, k: inputs, a: input, lda: inputs, b: a, ldb: inputs, c: low, ldc: rank)
        BLAS.gemm(.none, .transposed, m: n, n: outputs, k: rank, alpha: scale, a: low, lda: rank, b: b, ldb: rank,
                  beta: 1, c: y, ldc: ldy)
    }

    /// dB += s · dyᵀ low; dlow = s · dy B; dA += dlowᵀ drop(x); dx += drop'(dlow A).
    /// `dLow` holds n × r values, `dropped` n × inputs.
    func backward(_ x: UnsafePointer<Float>, rows n: Int, dropout: DropoutMask?, low: UnsafePointer<Float>,
                  dy: UnsafePointer<Float>, ldy: Int, dA: UnsafeMutablePointer<Float>, dB: UnsafeMutablePointer<Float>,
                  dx: UnsafeMutablePointer<Float>, dLow: UnsafeMutablePointer<Float>, dropped: UnsafeMutablePointer<Float>) {
        BLAS.gemm(.transposed, .none, m: outputs, n: rank, k: n, alpha: scale, a: dy, lda: ldy, b: low, ldb: rank,
                  beta: 1, c: dB, ldc: rank)
        BLAS.gemm(.none, .none, m: n, n: rank, k: outputs, alpha: scale, a: dy, lda: ldy, b: b, ldb: rank, c: dLow, ldc: rank)
        var input = x
        if let dropout {
            dropout.apply(x, rows: n, columns: inputs, into: dropped)
            input = UnsafePointer(dropped)
        }
        BLAS.gemm(.transposed, .none, m: rank, n: inputs, k: n, a: dLow, lda: rank, b: input, ldb: inputs,
                  beta: 1, c: dA, ldc: inputs)
        if let dropout {
            BLAS.gemm(.none, .none, m: n, n: inputs, k: rank, a: dLow, lda: rank, b: a, ldb: inputs, c: dropped, ldc: inputs)
            dropout.apply(dropped, rows: n, columns: inputs, into: dropped, accumulatingInto: dx)
        } else {
            BLAS.gemm(.none, .none, m: n, n: inputs, k: rank, a: dLow, lda: rank, b: a, ldb: inputs, beta: 1, c: dx, ldc: inputs)
        }
    }
}

/// Inverted dropout whose mask is a pure function of (seed, sequence, salt): forward and backward
/// regenerate the same mask instead of storing it, and a sequence's mask does not depend on which
/// worker or batch position processes it.
struct DropoutMask {
    let probability: Float
    let seed: UInt64
    /// Rows per sequence, and the batch index of the first sequence of the rows passed in.
    let sequenceLength: Int
    let firstSequence: Int
    /// Distinguishes the adapted layers (layer × 8 + kind).
    let salt: UInt64

    /// out = mask ⊙ x / (1 − p), or with `accumulatingInto` dx += mask ⊙ x / (1 − p) (then `out`
    /// is ignored). 16 random bits decide each value.
    func apply(_ x: UnsafePointer<Float>, rows n: Int, columns: Int, into out: UnsafeMutablePointer<Float>,
               accumulatingInto dx: UnsafeMutablePointer<Float>? = nil) {
        let threshold = UInt64(probability * 65536)
        let keep = 1 / (1 - probability)
        for first in stride(from: 0, to: n, by: sequenceLength) {
            let sequence = UInt64(firstSequence + first / sequenceLength)
            var random = SeededGenerator(seed: seed ^ (sequence &* 0x9E37_79B9_7F4A_7C15) ^ (salt &* 0xC2B2_AE3D_27D4_EB4F))
            let count = min(sequenceLength, n - first) * columns
            let base = first * columns
            var bits: UInt64 = 0
            for i in 0..<count {
                if i & 3 == 0 { bits = random.next() }
                let kept = (bits & 0xFFFF) >= threshold
                bits >>= 16
                let value = kept ? x[base + i] * keep : 0
                if let dx { dx[base + i] += value } else { out[base + i] = value }
            }
        }
    }
}
