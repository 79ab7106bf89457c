import Foundation
import TwinlogLinalg

/// The element-wise layers of the Llama block for training: each forward function next to its
/// backward function. Everything is row-major Float32 over contiguous rows; backward functions
/// *add* into the input gradient unless they say otherwise, so residual branches can share one
/// buffer.
enum Layers {
    // MARK: RMSNorm
    // x, y [n × dim]; weight [dim] (frozen); inverse [n] = 1 / √(mean(x²) + ε) kept for backward.

    static func rmsNormForward(_ x: UnsafePointer<Float>, weight: UnsafePointer<Float>, rows n: Int, dim: Int,
                               epsilon: Float, into y: UnsafeMutablePointer<Float>, inverse: UnsafeMutablePointer<Float>) {
        for t in 0..<n {
            let row = x + t * dim, out = y + t * dim
            var sum: Float = 0
            for i in 0..<dim { sum += row[i] * row[i] }
            let r = 1 / (sum / Float(dim) + epsilon).squareRoot()
            inverse[t] = r
            for i in 0..<dim { out[i] = row[i] * r * weight[i] }
        }
    }

    /// dx += r·(w ⊙ dy) − r³/dim · (Σ w ⊙ dy ⊙ x) · x per row.
    static func rmsNormBackward(_ x: UnsafePointer<Float>, weight: UnsafePointer<Float>, inverse: UnsafePointer<Float>,
                                rows n: Int, dim: Int, dy: UnsafePointer<Float>, addingInto dx: UnsafeMutablePointer<Float>) {
        for t in 0..<n {
            let row = x + t * dim, g = dy + t * dim, out = dx + t * dim
            let r = inverse[t]
            var dot: Float = 0
            for i in 0..<dim { dot += weight[i] * g[i] * row[i] }
            let c = r * r * r * dot / Float(dim)
            for i in 0..<dim { out[i] += r * weight[i] * g[i] - c * row[i] }
        }
    }

    // MARK: RoPE over adjacent pairs (as llama.cpp stores Q and K)
    // x [n × stride], heads of width headDim from column 0; table [n × headDim/2] of cos and sin.

    /// The rotation angles' cos and sin for positions 0 ..< n, [n × headDim/2] each.
    static func ropeTable(positions n: Int, headDim: Int, base: Float) -> (cos: [Float], sin: [Float]) {
        let pairs = headDim / 2
        var cosines = [Float](repeating: 0, count: n * pairs), sines = cosines
        for i in 0..<pairs {
            let inverseFrequency = Float(1 / pow(Double(base), Double(2 * i) / Double(headDim)))
            for t in 0..<n {
                let angle = Double(t) * Double(inverseFrequency)
                cosines[t * pairs + i] = Float(cos(angle))
                sines[t * pairs + i] = Float(sin(angle))
            }
        }
        return (cosines, sines)
    }

    /// Rotates in place by +angle (forward) or −angle (backward: the transpose of a rotation is
    /// its inverse, so the gradient is rotated back). Row t uses position `t % period`, so a batch
    /// of sequences of length `period` shares one table.
    static func rope(_ x: UnsafeMutablePointer<Float>, rows n: Int, stride: Int, heads: Int, headDim: Int,
                     period: Int, cos: UnsafePointer<Float>, sin: UnsafePointer<Float>, inverse: Bool) {
        let pairs = headDim / 2
        let sign: Float = inverse ? -1 : 1
        for t in 0..<n {
            let c = cos + (t % period) * pairs, s = sin + (t % period) * pairs
            for h in 0..<heads {
                let v = x + t * stride + h * headDim
                for i in 0..<pairs {
                    let a = v[2 * i], b = v[2 * i + 1], sn = sign * s[i]
                    v[2 * i] = a * c[i] - b * sn
                    v[2 * i + 1] = a * sn + b * c[i]
                }
            }
        }
    }

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
                for row in first..<keys { causalSoftmax(p + row * t, count: row + 1, width: keys) }
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

    /// Softmax of the first `count` values; the rest of the row (future positions) becomes 0.
    static func causalSoftmax(_ row: UnsafeMutablePointer<Float>, count: Int, width: Int) {
        var peak = -Float.infinity
        for i in 0..<count { peak = max(peak, row[i]) }
        var sum: Float = 0
        for i in 0..<count {
            let e = Foundation.exp(row[i] - peak)
            row[i] = e
            sum += e
        }
        let inverse = 1 / sum
        for i in 0..<count { row[i] *= inverse }
        for i in count..<width { row[i] = 0 }
    }

    // MARK: SwiGLU
    // gateUp [n × 2F]: gate in columns 0 ..< F, up in F ..< 2F; a [n × F] = silu(gate) ⊙ up.

    static func swigluForward(_ gateUp: UnsafePointer<Float>, rows n: Int, ffn f: Int, into a: UnsafeMutablePointer<Float>) {
        for t in 0..<n {
            let g = gateUp + t * 2 * f, u = g + f, out = a + t * f
            for i in 0..<f { out[i] = g[i] / (1 + Foundation.exp(-g[i])) * u[i] }
        }
    }

    /// dGateUp (overwritten): d gate = da ⊙ up ⊙ σ(g)(1 + g(1 − σ(g))), d up = da ⊙ silu(g).
    static func swigluBackward(_ gateUp: UnsafePointer<Float>, rows n: Int, ffn f: Int, da: UnsafePointer<Float>,
                               into dGateUp: UnsafeMutablePointer<Float>) {
        for t in 0..<n {
            let g = gateUp + t * 2 * f, u = g + f, d = da + t * f, dg = dGateUp + t * 2 * f, du = dg + f
            for i in 0..<f {
                let sigma = 1 / (1 + Foundation.exp(-g[i]))
                du[i] = d[i] * g[i] * sigma
                dg[i] = d[i] * u[i] * sigma * (1 + g[i] * (1 - sigma))
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
