import Foundation
import Testing
@testable import TwinlogGeneration
@testable import TwinlogTraining
import TwinlogLayers
import TwinlogRuntime

/// Finite-difference checks of every layer that carries gradient to an adapter, on tiny random
/// shapes. Each check compares the analytic gradient of L = Σ c ⊙ y (c random) with central
/// differences (L accumulated in Double, step h) and requires the relative error
/// ‖g − g_fd‖ / max(‖g‖, ‖g_fd‖) to stay under the stated bound; Float32 forward passes limit
/// the attainable precision to about 1e-3.
@Suite("gradient checks")
struct GradientCheckTests {
    static func randomValues(_ count: Int, seed: UInt64, scale: Float = 1) -> [Float] {
        var random = SeededGenerator(seed: seed)
        return (0..<count).map { _ in Float.random(in: -scale...scale, using: &random) }
    }

    static func relativeError(_ a: [Double], _ b: [Double]) -> Double {
        var diff = 0.0, na = 0.0, nb = 0.0
        for i in a.indices {
            diff += (a[i] - b[i]) * (a[i] - b[i])
            na += a[i] * a[i]
            nb += b[i] * b[i]
        }
        return diff.squareRoot() / max(na.squareRoot(), nb.squareRoot(), 1e-12)
    }

    /// Central differences of `loss` with respect to every value of `x`.
    static func numericGradient(_ x: inout [Float], h: Float = 1e-2, _ loss: ([Float]) -> Double) -> [Double] {
        var result: [Double] = []
        for i in x.indices {
            let saved = x[i]
            x[i] = saved + h
            let plus = loss(x)
            x[i] = saved - h
            let minus = loss(x)
            x[i] = saved
            result.append((plus - minus) / Double(2 * h))
        }
        return result
    }

    static func dot(_ y: UnsafePointer<Float>, _ c: [Float]) -> Double {
        var sum = 0.0
        for i in c.indices { sum += Double(y[i]) * Double(c[i]) }
        return sum
    }

    @Test("RMSNorm backward matches finite differences (relative error < 2e-3)")
    func rmsNorm() {
        let n = 3, dim = 8
        var x = Self.randomValues(n * dim, seed: 1)
        let w = Self.randomValues(dim, seed: 2), c = Self.randomValues(n * dim, seed: 3)
        func loss(_ x: [Float]) -> Double {
            var y = [Float](repeating: 0, count: n * dim), inverse = [Float](repeating: 0, count: n)
            Layers.rmsNorm(x, weight: w, rows: n, dim: dim, epsilon: 1e-5, into: &y, inverse: &inverse)
            return Self.dot(y, c)
        }
        var y = [Float](repeating: 0, count: n * dim), inverse = [Float](repeating: 0, count: n)
        Layers.rmsNorm(x, weight: w, rows: n, dim: dim, epsilon: 1e-5, into: &y, inverse: &inverse)
        var dx = [Float](repeating: 0, count: n * dim)
        Layers.rmsNormBackward(x, weight: w, inverse: inverse, rows: n, dim: dim, dy: c, addingInto: &dx)
        let numeric = Self.numericGradient(&x, h: 1e-3, loss)
        #expect(Self.relativeError(dx.map(Double.init), numeric) < 2e-3)
    }

    @Test("RoPE backward is the inverse rotation (relative error < 1e-3)")
    func rope() {
        let n = 4, heads = 2, headDim = 4, stride = heads * headDim
        var x = Self.randomValues(n * stride, seed: 4)
        let c = Self.randomValues(n * stride, seed: 5)
        let table = Layers.ropeTable(count: n, headDim: headDim, base: 10_000)
        func loss(_ x: [Float]) -> Double {
            var y = x
            Layers.rope(&y, rows: n, stride: stride, heads: heads, headDim: headDim, cos: table.cos, sin: table.sin, period: n,
                        inverse: false)
            return Self.dot(y, c)
        }
        var dx = c
        Layers.rope(&dx, rows: n, stride: stride, heads: heads, headDim: headDim, cos: table.cos, sin: table.sin, period: n,
                    inverse: true)
        #expect(Self.relativeError(dx.map(Double.init), Self.numericGradient(&x, h: 1e-2, loss)) < 1e-3)
    }

    @Test("causal attention backward (GQA, 4 heads on 2 KV heads; one block and blocks of 2 rows) matches finite differences (< 5e-3)",
          arguments: [64, 2])
    func attention(block: Int) {
        let shape = TrainingLayers.AttentionShape(heads: 4, kvHeads: 2, headDim: 4, length: 5)
        let rows = shape.length, width = shape.width
        var qkv = Self.randomValues(rows * width, seed: 6)
        let c = Self.randomValues(rows * shape.modelDim, seed: 7)
        func loss(_ qkv: [Float]) -> Double {
            var p = [Float](repeating: 0, count: shape.heads * rows * rows), out = [Float](repeating: 0, count: rows * shape.modelDim)
            TrainingLayers.attentionForward(qkv, shape: shape, block: block, probabilities: &p, out: &out)
            return Self.dot(out, c)
        }
        var p = [Float](repeating: 0, count: shape.heads * rows * rows), out = [Float](repeating: 0, count: rows * shape.modelDim)
        TrainingLayers.attentionForward(qkv, shape: shape, block: block, probabilities: &p, out: &out)
        var dqkv = [Float](repeating: 0, count: rows * width), scratch = [Float](repeating: 0, count: rows * rows)
        TrainingLayers.attentionBackward(qkv, shape: shape, block: block, probabilities: p, dOut: c, dqkv: &dqkv, scratch: &scratch)
        #expect(Self.relativeError(dqkv.map(Double.init), Self.numericGradient(&qkv, h: 1e-2, loss)) < 5e-3)
    }

    @Test("SwiGLU backward matches finite differences (< 2e-3)")
    func swiglu() {
        let n = 3, f = 5
        var gateUp = Self.randomValues(n * 2 * f, seed: 8, scale: 2)
        let c = Self.randomValues(n * f, seed: 9)
        func loss(_ gu: [Float]) -> Double {
            var a = [Float](repeating: 0, count: n * f)
            gu.withUnsafeBufferPointer { g in
                Layers.swiglu(gate: g.baseAddress!, up: g.baseAddress! + f, rows: n, width: f, inputStride: 2 * f, into: &a, outputStride: f)
            }
            return Self.dot(a, c)
        }
        var d = [Float](repeating: 0, count: n * 2 * f)
        Layers.swigluBackward(gateUp, rows: n, width: f, da: c, into: &d)
        #expect(Self.relativeError(d.map(Double.init), Self.numericGradient(&gateUp, h: 1e-3, loss)) < 2e-3)
    }

    @Test("cross-entropy gradient is softmax minus one-hot (< 2e-3)")
    func crossEntropy() {
        var z = Self.randomValues(11, seed: 10, scale: 3)
        var g = z
        _ = TrainingLayers.crossEntropy(&g, vocabulary: 11, target: 4, gradientScale: 1)
        let numeric = Self.numericGradient(&z, h: 1e-2) { z in
            var copy = z
            return TrainingLayers.crossEntropy(&copy, vocabulary: 11, target: 4, gradientScale: nil)
        }
        #expect(Self.relativeError(g.map(Double.init), numeric) < 2e-3)
    }

    @Test("LoRA linear backward (dA, dB, dx, with and without dropout) matches finite differences (< 2e-3)")
    func loraLinear() {
        for dropout in [nil, DropoutMask(probability: 0.3, seed: 42, sequenceLength: 2, firstSequence: 0, salt: 1)] {
            let n = 4, inputs = 6, outputs = 5, rank = 3
            var x = Self.randomValues(n * inputs, seed: 11)
            var a = Self.randomValues(rank * inputs, seed: 12)
            var b = Self.randomValues(outputs * rank, seed: 13)
            let c = Self.randomValues(n * outputs, seed: 14)
            func loss(_ x: [Float], _ a: [Float], _ b: [Float]) -> Double {
                var y = [Float](repeating: 0, count: n * outputs)
                var dropped = [Float](repeating: 0, count: n * inputs), low = [Float](repeating: 0, count: n * rank)
                a.withUnsafeBufferPointer { a in
                    b.withUnsafeBufferPointer { b in
                        LoRALinear(a: a.baseAddress!, b: b.baseAddress!, rank: rank, inputs: inputs, outputs: outputs, scale: 1.5)
                            .forward(x, rows: n, dropout: dropout, dropped: &dropped, low: &low, y: &y, ldy: outputs)
                    }
                }
                return Self.dot(y, c)
            }
            var y = [Float](repeating: 0, count: n * outputs)
            var dropped = [Float](repeating: 0, count: n * inputs), low = [Float](repeating: 0, count: n * rank)
            var dA = [Float](repeating: 0, count: rank * inputs), dB = [Float](repeating: 0, count: outputs * rank)
            var dx = [Float](repeating: 0, count: n * inputs), dLow = [Float](repeating: 0, count: n * rank)
            a.withUnsafeBufferPointer { ap in
                b.withUnsafeBufferPointer { bp in
                    let linear = LoRALinear(a: ap.baseAddress!, b: bp.baseAddress!, rank: rank, inputs: inputs, outputs: outputs, scale: 1.5)
                    linear.forward(x, rows: n, dropout: dropout, dropped: &dropped, low: &low, y: &y, ldy: outputs)
                    linear.backward(x, rows: n, dropout: dropout, low: low, dy: c, ldy: outputs, dA: &dA, dB: &dB, dx: &dx,
                                    dLow: &dLow, dropped: &dropped)
                }
            }
            let (xs, as_, bs) = (x, a, b)
            #expect(Self.relativeError(dx.map(Double.init), Self.numericGradient(&x) { loss($0, as_, bs) }) < 2e-3)
            #expect(Self.relativeError(dA.map(Double.init), Self.numericGradient(&a) { loss(xs, $0, bs) }) < 2e-3)
            #expect(Self.relativeError(dB.map(Double.init), Self.numericGradient(&b) { loss(xs, as_, $0) }) < 2e-3)
        }
    }

    /// A 2-layer model, width 16, 4 heads on 2 KV heads, FFN 24, vocabulary 23.
    static let tinyConfig = try! LlamaConfig(layers: 2, modelDim: 16, ffnDim: 24, heads: 4, kvHeads: 2,
                                             vocabularySize: 23, contextLength: 64)

    static func tinyBatch() -> TokenBatch {
        let ids: [Int32] = [3, 7, 1, 9, 12, 5, 2, 20, 4, 4, 11, 0, 8, 6, 15, 22, 19, 1]
        var targets = [Int32](repeating: -1, count: ids.count)
        for t in 2..<8 { targets[t] = ids[t + 1] }
        for t in 11..<17 { targets[9 + t - 9] = ids[t + 1] }
        return TokenBatch(sequences: 2, length: 9, ids: ids, targets: targets)
    }

    @Test("the loss through the whole stack: every adapter's gradient matches finite differences (< 1e-2)", arguments: [1, 2])
    func wholeStack(threads: Int) {
        let weights = BaseWeights.random(config: Self.tinyConfig, seed: 21)
        let lora = LoRAConfiguration(rank: 2, alpha: 4, targets: LoRAConfiguration.allLinearLayers)
        var parameters = LoRAParameters(configuration: lora, shape: ModelShape(Self.tinyConfig), seed: 22)
        // Non-zero B, so A's gradient is not trivially zero.
        let noise = Self.randomValues(parameters.count, seed: 23, scale: 0.3)
        for slot in parameters.slots {
            for i in 0..<(slot.outputs * lora.rank) { parameters.values[slot.bOffset + i] = noise[slot.bOffset + i] }
        }
        let batch = Self.tinyBatch()
        let engine = TrainingEngine(weights: weights, lora: lora, parameterCount: parameters.count, batchSize: 2,
                                    maxLength: 9, threads: threads)
        var gradients = [Float](repeating: 0, count: parameters.count)
        _ = engine.run(batch, parameters: parameters, gradients: &gradients, dropoutSeed: 0)
        for slot in parameters.slots {
            // A few entries of A and of B per adapter: central differences of the mean loss.
            let probes = [slot.aOffset, slot.aOffset + lora.rank * slot.inputs - 1, slot.bOffset, slot.bOffset + 3]
            var analytic: [Double] = [], numeric: [Double] = []
            for index in probes {
                var probe = parameters
                let h: Float = 1e-2
                probe.values[index] += h
                let plus = engine.run(batch, parameters: probe, gradients: nil, dropoutSeed: 0).meanLoss
                probe.values[index] -= 2 * h
                let minus = engine.run(batch, parameters: probe, gradients: nil, dropoutSeed: 0).meanLoss
                analytic.append(Double(gradients[index]))
                numeric.append((plus - minus) / Double(2 * h))
            }
            #expect(Self.relativeError(analytic, numeric) < 1e-2, "\(slot.slot): \(analytic) vs \(numeric)")
        }
    }
}
