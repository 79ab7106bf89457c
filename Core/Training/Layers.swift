import Foundation
import TwinlogLayers
import TwinlogLinalg

/// The layers only training needs, each forward next to its backward: causal self-attention over
/// whole sequences and the cross-entropy over the output head. The element-wise layers it shares
/// with generation are in `TwinlogLayers`.
enum TrainingLayers {
    // MARK: Causal self-attention of one sequence, all heads
    // qkv [T × W] with W = D + 2·KV: Q in columns 0 ..< D, K in D ..< D + KV, V after; head h reads
    // KV head h / (heads / kvHeads). probabilities [heads × T × T]; out [T × D] (stride `outStride`).

    struct AttentionShape {
        let heads, kvHeads, headDim, length: Int
        var modelDim: Int { heads * headDim }
        var kvDim: Int { kvHeads * headDim }
        var width: Int { modelDim + 2 * kvDim }
        var scale: Float { 1 / Float(headDim).squareRoot() }
    }

    /// Query rows per block: a block of rows meets only the keys up to its last row, so the
    /// products skip most of the masked upper triangle (about 3/8 of them at T = 256).
    static let attentionBlock = 64

    static func attentionForward(_ qkv: UnsafePointer<Float>, shape s: AttentionShape, block: Int = attentionBlock,
                                 probabilities: UnsafeMutablePointer<Float>, out: UnsafeMutablePointer<Float>) {
        let t = s.length, w = s.width, group = s.heads / s.kvHeads
        for h in 0..<s.heads {
            let g = h / group
            let q = qkv + h * s.headDim, k = qkv + s.modelDim + g * s.headDim, v = qkv + s.modelDim + s.kvDim + g * s.headDim
            let p = probabilities + h * t * t
            for first in stride(from: 0, to: t, by: block) {
                let rows = min(block, t - first), keys = first + rows
                BLAS.gemm(.none, .transposed, m: rows, n: keys, k: s.headDim, alpha: s.scale, a: q + first * w, lda: w,
                          b: k, ldb: w, c: p + first * t, ldc: t)
                for row in first..<keys { Layers.causalSoftmax(p + row * t, count: row + 1, width: keys) }
                BLAS.gemm(.none, .none, m: rows, n: s.headDim, k: keys, a: p + first * t, lda: t, b: v, ldb: w,
                          c: out + first * s.modelDim + h * s.headDim, ldc: s.modelDim)
            }
        }
    }

    /// dqkv (overwritten) from dOut [T × D], block by block as in forward: dV = Pᵀ dO,
    /// dS = P ⊙ (dP − rowsum(dP ⊙ P)) with dP = dO Vᵀ, dQ = scale · dS K, dK = scale · dSᵀ Q.
    /// `scratch` holds T × T values.
    static func attentionBackward(_ qkv: UnsafePointer<Float>, shape s: AttentionShape, block: Int = attentionBlock,
                                  probabilities: UnsafePointer<Float>, dOut: UnsafePointer<Float>,
                                  dqkv: UnsafeMutablePointer<Float>, scratch dp: UnsafeMutablePointer<Float>) {
        let t = s.length, w = s.width, group = s.heads / s.kvHeads
        for row in 0..<t { (dqkv + row * w + s.modelDim).update(repeating: 0, count: 2 * s.kvDim) }
        for h in 0..<s.heads {
            let g = h / group
            let q = qkv + h * s.headDim, k = qkv + s.modelDim + g * s.headDim, v = qkv + s.modelDim + s.kvDim + g * s.headDim
            let dq = dqkv + h * s.headDim, dk = dqkv + s.modelDim + g * s.headDim, dv = dqkv + s.modelDim + s.kvDim + g * s.headDim
            let p = probabilities + h * t * t, dO = dOut + h * s.headDim
            for first in stride(from: 0, to: t, by: block) {
                let rows = min(block, t - first), keys = first + rows
                let pb = p + first * t, db = dp + first * t
                BLAS.gemm(.none, .transposed, m: rows, n: keys, k: s.headDim, a: dO + first * s.modelDim, lda: s.modelDim,
                          b: v, ldb: w, c: db, ldc: t)
                BLAS.gemm(.transposed, .none, m: keys, n: s.headDim, k: rows, a: pb, lda: t, b: dO + first * s.modelDim,
                          ldb: s.modelDim, beta: 1, c: dv, ldc: w)
                for row in first..<keys {
                    let pr = p + row * t, dr = dp + row * t
                    var dot: Float = 0
                    for j in 0...row { dot += pr[j] * dr[j] }
                    for j in 0...row { dr[j] = pr[j] * (dr[j] - dot) }
                    for j in (row + 1)..<keys { dr[j] = 0 }
                }
                BLAS.gemm(.none, .none, m: rows, n: s.headDim, k: keys, alpha: s.scale, a: db, lda: t, b: k, ldb: w,
                          c: dq + first * w, ldc: w)
                BLAS.gemm(.transposed, .none, m: keys, n: s.headDim, k: rows, alpha: s.scale, a: db, lda: t, b: q + first * w,
                          ldb: w, beta: 1, c: dk, ldc: w)
            }
        }
    }

    // MARK: Cross-entropy over the tied output head
    // One row of logits [V] at a time: returns −log softmax(z)[target] and, when `gradient` is
    // given, writes (softmax(z) − onehot(target)) · scale over z.

    static func crossEntropy(_ logits: UnsafeMutablePointer<Float>, vocabulary v: Int, target: Int,
                             gradientScale scale: Float?) -> Double {
        var peak = -Float.infinity
        for i in 0..<v { peak = max(peak, logits[i]) }
        let picked = logits[target]
        var sum: Double = 0
        if scale == nil {
            for i in 0..<v { sum += Double(Foundation.exp(logits[i] - peak)) }
        } else {
            // Keep exp(z − peak) in place: the gradient is that times scale / sum.
            for i in 0..<v {
                let e = Foundation.exp(logits[i] - peak)
                logits[i] = e
                sum += Double(e)
            }
        }
        let loss = Double(peak) + Foundation.log(sum) - Double(picked)
        if let scale {
            let factor = Float(Double(scale) / sum)
            for i in 0..<v { logits[i] *= factor }
            logits[target] -= scale
        }
        return loss
    }
}
