import Foundation

/// AdamW (Loshchilov & Hutter): Adam's moment estimates with bias correction, and weight decay
/// applied to the parameters directly rather than through the gradient.
///
/// p ← p − lr · (m̂ / (√v̂ + ε) + λ · p), m̂ = m / (1 − β₁ᵗ), v̂ = v / (1 − β₂ᵗ).
struct AdamW {
    var m: [Float]
    var v: [Float]
    /// Updates done so far (t of the bias correction).
    var step: Int

    init(count: Int) {
        m = [Float](repeating: 0, count: count)
        v = [Float](repeating: 0, count: count)
        step = 0
    }

    mutating func update(_ parameters: inout [Float], gradients: UnsafePointer<Float>, learningRate lr: Float,
                         configuration c: TrainingConfiguration) {
        step += 1
        let correction1 = 1 - Float(pow(Double(c.beta1), Double(step)))
        let correction2 = 1 - Float(pow(Double(c.beta2), Double(step)))
        let b1 = c.beta1, b2 = c.beta2, eps = c.epsilon, decay = c.weightDecay
        m.withUnsafeMutableBufferPointer { m in
            v.withUnsafeMutableBufferPointer { v in
                parameters.withUnsafeMutableBufferPointer { p in
                    for i in 0..<p.count {
                        let g = gradients[i]
                        m[i] = b1 * m[i] + (1 - b1) * g
                        v[i] = b2 * v[i] + (1 - b2) * g * g
                        let update = (m[i] / correction1) / ((v[i] / correction2).squareRoot() + eps)
                        p[i] -= lr * (update + decay * p[i])
                    }
                }
            }
        }
    }
}
