import Foundation

/// The element-wise layers of the Llama block, each forward next to its backward (the llm.c way):
/// RMSNorm, rotary position embedding, the causal softmax and SwiGLU. Generation runs the
/// forwards, training both, so the numbers a model is trained with are the numbers it answers
/// with. Everything works over contiguous row-major Float32 rows; a backward *adds* into the
/// input gradient unless it says otherwise, so residual branches can share one buffer.
public enum Layers {
    // MARK: RMSNorm
    // x, y [n × dim]; weight [dim]; inverse [n] = 1 / √(mean(x²) + ε), kept for the backward.

    /// y[t] = x[t] / √(mean(x[t]²) + ε) ⊙ weight, for n rows of width `dim`; each row's inverse
    /// root is written to `inverse` when given.
    public static func rmsNorm(_ x: UnsafePointer<Float>, weight: UnsafePointer<Float>, rows n: Int, dim: Int, epsilon: Float,
                               into y: UnsafeMutablePointer<Float>, inverse: UnsafeMutablePointer<Float>? = nil) {
        for t in 0..<n {
            let row = x + t * dim, out = y + t * dim
            var sum: Float = 0
            for i in 0..<dim { sum += row[i] * row[i] }
            let r = 1 / (sum / Float(dim) + epsilon).squareRoot()
            inverse?[t] = r
            for i in 0..<dim { out[i] = row[i] * r * weight[i] }
        }
    }

    /// dx += r·(w ⊙ dy) − r³/dim · (Σ w ⊙ dy ⊙ x) · x per row (the weight is frozen).
    public static func rmsNormBackward(_ x: UnsafePointer<Float>, weight: UnsafePointer<Float>, inverse: UnsafePointer<Float>,
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

    // MARK: Rotary position embedding
    // x [n × stride], heads of width headDim from column 0; table [positions × headDim/2] of cos and sin.

    /// Which values of a head turn together.
    public enum RopePairing: Sendable {
        /// (x[2i], x[2i+1]): how llama.cpp's GGUF conversion stores Llama's Q and K.
        case adjacentPairs
        /// (x[i], x[i + headDim/2]): Qwen2 (NeoX).
        case halves
    }

    /// cos and sin of every rotation angle for positions start ..< start + n: [n × headDim/2] each,
    /// computed once per pass and shared by all layers, for Q and K alike. Pair i turns at
    /// base^(-2i/headDim) per position, divided by `factors[i]` when given (Llama 3.1), with
    /// positions divided by `positionScale` (linear RoPE scaling).
    public static func ropeTable(start: Int = 0, count n: Int, headDim: Int, base: Float, factors: [Float]? = nil,
                                 positionScale: Float = 1) -> (cos: [Float], sin: [Float]) {
        let pairs = headDim / 2
        var cosines = [Float](repeating: 0, count: n * pairs)
        var sines = [Float](repeating: 0, count: n * pairs)
        for i in 0..<pairs {
            var inverseFrequency = Float(1 / pow(Double(base), Double(2 * i) / Double(headDim)))
            if let factors { inverseFrequency /= factors[i] }
            for t in 0..<n {
                let angle = Double(start + t) / Double(positionScale) * Double(inverseFrequency)
                cosines[t * pairs + i] = Float(cos(angle))
                sines[t * pairs + i] = Float(sin(angle))
            }
        }
        return (cosines, sines)
    }

    /// Rotates every head in place by +angle, or by −angle when `inverse` (the backward: the
    /// transpose of a rotation is its inverse, so the gradient is turned back). Row t uses table
    /// row `t % period`, so a batch of sequences of length `period` shares one table.
    public static func rope(_ x: UnsafeMutablePointer<Float>, rows n: Int, stride: Int, heads: Int, headDim: Int,
                            cos: UnsafePointer<Float>, sin: UnsafePointer<Float>, period: Int,
                            pairing: RopePairing = .adjacentPairs, inverse: Bool = false) {
        let pairs = headDim / 2
        let (step, partner) = pairing == .adjacentPairs ? (2, 1) : (1, pairs)
        let sign: Float = inverse ? -1 : 1
        for t in 0..<n {
            let c = cos + (t % period) * pairs, s = sin + (t % period) * pairs
            for h in 0..<heads {
                let v = x + t * stride + h * headDim
                for i in 0..<pairs {
                    let a = v[step * i], b = v[step * i + partner], sn = sign * s[i]
                    v[step * i] = a * c[i] - b * sn
                    v[step * i + partner] = a * sn + b * c[i]
                }
            }
        }
    }

    // MARK: Causal softmax

    /// In-place softmax of the first `count` values of a row; the rest of the row (the future
    /// positions) becomes 0. Its backward is part of the attention's.
    public static func causalSoftmax(_ row: UnsafeMutablePointer<Float>, count: Int, width: Int) {
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
    // gate, up [n × f] with row stride `inputStride`; a [n × f] = silu(gate) ⊙ up, row stride `outputStride`.

    /// a = silu(gate) ⊙ up; `a` may be `gate` itself (each value is read before it is written).
    public static func swiglu(gate: UnsafePointer<Float>, up: UnsafePointer<Float>, rows n: Int, width f: Int, inputStride: Int,
                              into a: UnsafeMutablePointer<Float>, outputStride: Int) {
        for t in 0..<n {
            let g = gate + t * inputStride, u = up + t * inputStride, out = a + t * outputStride
            for i in 0..<f { out[i] = g[i] / (1 + Foundation.exp(-g[i])) * u[i] }
        }
    }

    /// For gate and up side by side in gateUp [n × 2f] (gate in columns 0 ..< f, up after):
    /// dGateUp (overwritten): d gate = da ⊙ up ⊙ σ(g)(1 + g(1 − σ(g))), d up = da ⊙ silu(g).
    public static func swigluBackward(_ gateUp: UnsafePointer<Float>, rows n: Int, width f: Int, da: UnsafePointer<Float>,
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
}
