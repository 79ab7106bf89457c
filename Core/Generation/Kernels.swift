import Foundation

/// The element-wise pieces of the Llama block, each over contiguous Float32 rows.
enum Kernels {
    /// out[t] = x[t] / sqrt(mean(x[t]²) + eps) ⊙ weight, for n rows of width `dim`.
    static func rmsNorm(_ x: UnsafePointer<Float>, weight: UnsafePointer<Float>, rows n: Int, dim: Int,
                        epsilon: Float, into out: UnsafeMutablePointer<Float>) {
        for t in 0..<n {
            let row = x + t * dim
            var sum: Float = 0
            for i in 0..<dim { sum += row[i] * row[i] }
            let inverse = 1 / (sum / Float(dim) + epsilon).squareRoot()
            let o = out + t * dim
            for i in 0..<dim { o[i] = row[i] * inverse * weight[i] }
        }
    }

    /// cos and sin of every rotation angle for positions start ..< start + n: [n × headDim/2]
    /// each, computed once per forward pass and shared by all layers, for Q and K alike. Pair i
    /// turns at base^(-2i/headDim) per position, divided by `factors[i]` when given (Llama 3.1),
    /// with positions divided by `positionScale` (linear RoPE scaling).
    static func ropeTable(start: Int, count n: Int, headDim: Int, base: Float, factors: [Float]? = nil,
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

    /// Rotary position embedding of every head: pair i is (x[2i], x[2i+1]) for `adjacentPairs`
    /// (how llama.cpp's GGUF conversion stores Llama's Q and K) or (x[i], x[i + headDim/2]) for
    /// `halves` (Qwen2). Row t uses row t of the table.
    static func rope(_ x: UnsafeMutablePointer<Float>, rows n: Int, stride: Int, heads: Int, headDim: Int,
                     table: (cos: [Float], sin: [Float]), style: LlamaConfig.RopeStyle = .adjacentPairs) {
        let pairs = headDim / 2
        let (step, partner) = style == .adjacentPairs ? (2, 1) : (1, pairs)
        table.cos.withUnsafeBufferPointer { cosines in
            table.sin.withUnsafeBufferPointer { sines in
                for t in 0..<n {
                    for h in 0..<heads {
                        let v = x + t * stride + h * headDim
                        for i in 0..<pairs {
                            let a = v[step * i], b = v[step * i + partner]
                            let c = cosines[t * pairs + i], s = sines[t * pairs + i]
                            v[step * i] = a * c - b * s
                            v[step * i + partner] = a * s + b * c
                        }
                    }
                }
            }
        }
    }

    /// x[t] += bias for n rows of width `dim`.
    static func addBias(_ x: UnsafeMutablePointer<Float>, _ bias: UnsafePointer<Float>, rows n: Int, dim: Int, stride: Int) {
        for t in 0..<n {
            let row = x + t * stride
            for i in 0..<dim { row[i] += bias[i] }
        }
    }

    /// In-place softmax of the first `count` values of a row; the rest of the row becomes 0.
    static func softmax(_ row: UnsafeMutablePointer<Float>, count: Int, width: Int) {
        var peak = -Float.infinity
        for i in 0..<count { peak = max(peak, row[i]) }
        var sum: Float = 0
        for i in 0..<count {
            let e = exp(row[i] - peak)
            row[i] = e
            sum += e
        }
        let inverse = 1 / sum
        for i in 0..<count { row[i] *= inverse }
        for i in count..<width { row[i] = 0 }
    }

    /// gate ← silu(gate) ⊙ up, the SwiGLU activation.
    static func swiglu(_ gate: UnsafeMutablePointer<Float>, _ up: UnsafePointer<Float>, count: Int) {
        for i in 0..<count {
            let g = gate[i]
            gate[i] = g / (1 + exp(-g)) * up[i]
        }
    }
}
