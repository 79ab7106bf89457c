import Foundation
import TwinlogGeneration
import TwinlogLayers
import TwinlogLinalg

/// Forward and backward passes of the whole model over a group of equal-length sequences, for
/// one thread: owns every activation the backward pass needs, carved from one allocation sized
/// for the largest group it will see. Base weights are read-only and shared; the adapters'
/// gradients go to the buffer the caller passes.
///
/// Shapes (n = sequences × T rows, W = D + 2·KV): x_l [n × D] for l = 0 ... L (the residual
/// stream entering block l; x_L leaves the last block), h1, attended, x2, h2 [n × D],
/// qkv [n × W] (after RoPE), probabilities [sequences × heads × T × T], gateUp [n × 2F],
/// low [n × r] per adapter, and the output norm's hF [n × D].
final class GraphWorker {
    let weights: BaseWeights
    let lora: LoRAConfiguration
    let capacityRows: Int
    let capacitySequences: Int
    let capacityLength: Int
    /// Rows of the output head computed at once ([chunk × vocabulary] logits).
    static let headChunk = 256

    private let memory: UnsafeMutablePointer<Float>
    private let perLayer: Int
    private let layerBase: UnsafeMutablePointer<Float>
    private let stream: UnsafeMutablePointer<Float>
    private let finalInverse, finalNormed: UnsafeMutablePointer<Float>
    private let a, da, dx, dh, dqkv, dAttended, dGateUp, dLow, dropped, dp, logits, chunk: UnsafeMutablePointer<Float>

    init(weights: BaseWeights, lora: LoRAConfiguration, sequences: Int, length: Int) {
        let c = weights.config, d = c.modelDim, f = c.ffnDim, w = d + 2 * c.kvDim, r = lora.rank
        let n = sequences * length
        self.weights = weights
        self.lora = lora
        capacityRows = n
        capacitySequences = sequences
        capacityLength = length
        perLayer = n * (4 * d + 2 + w + 2 * f + r * lora.targets.count) + sequences * c.heads * length * length
        let scratch = n * (3 * d + 4 * f + w + r + max(d, f)) + length * length
            + Self.headChunk * (c.vocabularySize + d)
        let total = c.layers * perLayer + (c.layers + 1) * n * d + n * (d + 1) + scratch
        memory = UnsafeMutablePointer<Float>.allocate(capacity: total)
        memory.initialize(repeating: 0, count: total)
        layerBase = memory
        stream = memory + c.layers * perLayer
        var next = stream + (c.layers + 1) * n * d
        func carve(_ count: Int) -> UnsafeMutablePointer<Float> {
            defer { next += count }
            return next
        }
        finalInverse = carve(n)
        finalNormed = carve(n * d)
        a = carve(n * f)
        da = carve(n * f)
        dx = carve(n * d)
        dh = carve(n * d)
        dqkv = carve(n * w)
        dAttended = carve(n * d)
        dGateUp = carve(n * 2 * f)
        dLow = carve(n * r)
        dropped = carve(n * max(d, f))
        dp = carve(length * length)
        logits = carve(Self.headChunk * c.vocabularySize)
        chunk = carve(Self.headChunk * d)
    }

    deinit { memory.deallocate() }

    /// Block l's saved activations for groups of `sequences` × `length` (offsets depend on the
    /// actual shape so that smaller groups stay contiguous).
    private struct Saved {
        let h1, inverse1, qkv, probabilities, attended, x2, inverse2, h2, gateUp, lows: UnsafeMutablePointer<Float>
    }

    private func saved(_ l: Int, rows n: Int, sequences: Int, length: Int) -> Saved {
        let c = weights.config, d = c.modelDim, f = c.ffnDim, w = d + 2 * c.kvDim
        var next = layerBase + l * perLayer
        func carve(_ count: Int) -> UnsafeMutablePointer<Float> {
            defer { next += count }
            return next
        }
        return Saved(h1: carve(n * d), inverse1: carve(n), qkv: carve(n * w),
                     probabilities: carve(sequences * c.heads * length * length), attended: carve(n * d),
                     x2: carve(n * d), inverse2: carve(n), h2: carve(n * d), gateUp: carve(n * 2 * f),
                     lows: carve(n * lora.rank * lora.targets.count))
    }

    /// One adapted layer during a pass: its factors, its gradients (nil when only evaluating),
    /// its saved low-rank activation and its dropout mask.
    private struct Adapter {
        let linear: LoRALinear
        let dA, dB: UnsafeMutablePointer<Float>?
        let low: UnsafeMutablePointer<Float>
        let dropout: DropoutMask?
    }

    /// The inputs of one pass.
    struct Pass {
        let ids: UnsafePointer<Int32>
        let targets: UnsafePointer<Int32>
        let sequences: Int
        let length: Int
        /// Index of the first of these sequences in the whole batch (for dropout masks).
        let firstSequence: Int
        let parameters: UnsafePointer<Float>
        let layout: [LoRAParameters.Slot]
        /// nil: forward only (no gradients, no dropout).
        let gradients: UnsafeMutablePointer<Float>?
        /// The weight of each sequence's Σ NLL in the objective whose gradient is taken
        /// ([sequences]; 1 / target positions of the batch for the mean cross-entropy).
        let scales: UnsafePointer<Float>
        /// Receives each sequence's Σ NLL ([sequences]).
        let sequenceLoss: UnsafeMutablePointer<Double>
        let dropoutSeed: UInt64
    }

    /// Runs the model over the pass's sequences; adds the adapters' gradients of
    /// Σ_s scales[s] · NLL_s into `pass.gradients` when given. Returns Σ NLL over target positions
    /// and their count.
    func run(_ pass: Pass) -> (loss: Double, targets: Int) {
        let c = weights.config, d = c.modelDim, f = c.ffnDim, kv = c.kvDim, w = d + 2 * kv
        let t = pass.length, n = pass.sequences * t
        precondition(pass.sequences <= capacitySequences && t <= capacityLength, "group exceeds the worker's capacity")
        let training = pass.gradients != nil
        let adapters = (0..<c.layers).map { adaptersOf(layer: $0, pass, rows: n) }
        let table = Layers.ropeTable(count: t, headDim: c.headDim, base: c.ropeBase)
        let shape = TrainingLayers.AttentionShape(heads: c.heads, kvHeads: c.kvHeads, headDim: c.headDim, length: t)
        func x(_ l: Int) -> UnsafeMutablePointer<Float> { stream + l * n * d }
        for row in 0..<n {
            (x(0) + row * d).update(from: weights.embedding + Int(pass.ids[row]) * d, count: d)
        }

        return table.cos.withUnsafeBufferPointer { cosines in
            table.sin.withUnsafeBufferPointer { sines in
                let cos = cosines.baseAddress!, sin = sines.baseAddress!
                for l in 0..<c.layers {
                    let layer = weights.layers[l], s = saved(l, rows: n, sequences: pass.sequences, length: t)
                    let adapter = adapters[l]
                    Layers.rmsNorm(x(l), weight: layer.attentionNorm, rows: n, dim: d, epsilon: c.rmsEpsilon,
                                          into: s.h1, inverse: s.inverse1)
                    BLAS.gemm(.none, .transposed, m: n, n: w, k: d, a: s.h1, lda: d, b: layer.qkv, ldb: d, c: s.qkv, ldc: w)
                    forwardAdapters(adapter, [(.query, 0), (.key, d), (.value, d + kv)], x: s.h1, rows: n, y: s.qkv, ldy: w)
                    Layers.rope(s.qkv, rows: n, stride: w, heads: c.heads, headDim: c.headDim,
                                cos: cos, sin: sin, period: t, inverse: false)
                    Layers.rope(s.qkv + d, rows: n, stride: w, heads: c.kvHeads, headDim: c.headDim,
                                cos: cos, sin: sin, period: t, inverse: false)
                    for q in 0..<pass.sequences {
                        TrainingLayers.attentionForward(s.qkv + q * t * w, shape: shape, probabilities: s.probabilities + q * c.heads * t * t,
                                                out: s.attended + q * t * d)
                    }
                    BLAS.gemm(.none, .transposed, m: n, n: d, k: d, a: s.attended, lda: d, b: layer.output, ldb: d, c: s.x2, ldc: d)
                    forwardAdapters(adapter, [(.output, 0)], x: s.attended, rows: n, y: s.x2, ldy: d)
                    BLAS.axpy(alpha: 1, x: x(l), y: s.x2, count: n * d)
                    Layers.rmsNorm(s.x2, weight: layer.ffnNorm, rows: n, dim: d, epsilon: c.rmsEpsilon,
                                          into: s.h2, inverse: s.inverse2)
                    BLAS.gemm(.none, .transposed, m: n, n: 2 * f, k: d, a: s.h2, lda: d, b: layer.gateUp, ldb: d, c: s.gateUp, ldc: 2 * f)
                    forwardAdapters(adapter, [(.gate, 0), (.up, f)], x: s.h2, rows: n, y: s.gateUp, ldy: 2 * f)
                    Layers.swiglu(gate: s.gateUp, up: s.gateUp + f, rows: n, width: f, inputStride: 2 * f, into: a, outputStride: f)
                    BLAS.gemm(.none, .transposed, m: n, n: d, k: f, a: a, lda: f, b: layer.down, ldb: f, c: x(l + 1), ldc: d)
                    forwardAdapters(adapter, [(.down, 0)], x: a, rows: n, y: x(l + 1), ldy: d)
                    BLAS.axpy(alpha: 1, x: s.x2, y: x(l + 1), count: n * d)
                }

                let (loss, count) = head(x(c.layers), rows: n, pass)
                guard training else { return (loss, count) }

                dx.update(repeating: 0, count: n * d)
                Layers.rmsNormBackward(x(c.layers), weight: weights.outputNorm, inverse: finalInverse, rows: n, dim: d,
                                       dy: dh, addingInto: dx)
                for l in stride(from: c.layers - 1, through: 0, by: -1) {
                    let layer = weights.layers[l], s = saved(l, rows: n, sequences: pass.sequences, length: t)
                    let adapter = adapters[l]
                    Layers.swiglu(gate: s.gateUp, up: s.gateUp + f, rows: n, width: f, inputStride: 2 * f, into: a, outputStride: f)
                    BLAS.gemm(.none, .none, m: n, n: f, k: d, a: dx, lda: d, b: layer.down, ldb: f, c: da, ldc: f)
                    backwardAdapters(adapter, [(.down, 0)], x: a, rows: n, dy: dx, ldy: d, dx: da)
                    Layers.swigluBackward(s.gateUp, rows: n, width: f, da: da, into: dGateUp)
                    BLAS.gemm(.none, .none, m: n, n: d, k: 2 * f, a: dGateUp, lda: 2 * f, b: layer.gateUp, ldb: d, c: dh, ldc: d)
                    backwardAdapters(adapter, [(.gate, 0), (.up, f)], x: s.h2, rows: n, dy: dGateUp, ldy: 2 * f, dx: dh)
                    Layers.rmsNormBackward(s.x2, weight: layer.ffnNorm, inverse: s.inverse2, rows: n, dim: d, dy: dh, addingInto: dx)

                    BLAS.gemm(.none, .none, m: n, n: d, k: d, a: dx, lda: d, b: layer.output, ldb: d, c: dAttended, ldc: d)
                    backwardAdapters(adapter, [(.output, 0)], x: s.attended, rows: n, dy: dx, ldy: d, dx: dAttended)
                    for q in 0..<pass.sequences {
                        TrainingLayers.attentionBackward(s.qkv + q * t * w, shape: shape, probabilities: s.probabilities + q * c.heads * t * t,
                                                 dOut: dAttended + q * t * d, dqkv: dqkv + q * t * w, scratch: dp)
                    }
                    Layers.rope(dqkv, rows: n, stride: w, heads: c.heads, headDim: c.headDim,
                                cos: cos, sin: sin, period: t, inverse: true)
                    Layers.rope(dqkv + d, rows: n, stride: w, heads: c.kvHeads, headDim: c.headDim,
                                cos: cos, sin: sin, period: t, inverse: true)
                    BLAS.gemm(.none, .none, m: n, n: d, k: w, a: dqkv, lda: w, b: layer.qkv, ldb: d, c: dh, ldc: d)
                    backwardAdapters(adapter, [(.query, 0), (.key, d), (.value, d + kv)], x: s.h1, rows: n, dy: dqkv, ldy: w, dx: dh)
                    Layers.rmsNormBackward(x(l), weight: layer.attentionNorm, inverse: s.inverse1, rows: n, dim: d, dy: dh, addingInto: dx)
                }
                return (loss, count)
            }
        }
    }

    /// The output norm and tied head over the target rows only, a chunk at a time: Σ NLL, and
    /// (training) the gradient of the normed final stream in `dh` (zero on rows without targets).
    private func head(_ last: UnsafeMutablePointer<Float>, rows n: Int, _ pass: Pass) -> (Double, Int) {
        let c = weights.config, d = c.modelDim, v = c.vocabularySize
        Layers.rmsNorm(last, weight: weights.outputNorm, rows: n, dim: d, epsilon: c.rmsEpsilon,
                              into: finalNormed, inverse: finalInverse)
        let rows = (0..<n).filter { pass.targets[$0] >= 0 }
        let training = pass.gradients != nil
        if training { dh.update(repeating: 0, count: n * d) }
        var loss = 0.0
        pass.sequenceLoss.update(repeating: 0, count: pass.sequences)
        for first in stride(from: 0, to: rows.count, by: Self.headChunk) {
            let group = rows[first..<min(rows.count, first + Self.headChunk)]
            for (i, row) in group.enumerated() { (chunk + i * d).update(from: finalNormed + row * d, count: d) }
            BLAS.gemm(.none, .transposed, m: group.count, n: v, k: d, a: chunk, lda: d, b: weights.embedding, ldb: d,
                      c: logits, ldc: v)
            for (i, row) in group.enumerated() {
                let sequence = row / pass.length
                let nll = TrainingLayers.crossEntropy(logits + i * v, vocabulary: v, target: Int(pass.targets[row]),
                                              gradientScale: training ? pass.scales[sequence] : nil)
                loss += nll
                pass.sequenceLoss[sequence] += nll
            }
            guard training else { continue }
            BLAS.gemm(.none, .none, m: group.count, n: d, k: v, a: logits, lda: v, b: weights.embedding, ldb: d, c: chunk, ldc: d)
            for (i, row) in group.enumerated() { (dh + row * d).update(from: chunk + i * d, count: d) }
        }
        return (loss, rows.count)
    }

    private func adaptersOf(layer l: Int, _ pass: Pass, rows n: Int) -> [LinearSlot.Kind: Adapter] {
        var result: [LinearSlot.Kind: Adapter] = [:]
        let s = saved(l, rows: n, sequences: pass.sequences, length: pass.length), r = lora.rank
        for (index, slot) in pass.layout.enumerated() where slot.slot.layer == l {
            let k = lora.targets.firstIndex(of: slot.slot.kind)!
            let dropout = pass.gradients != nil && lora.dropout > 0
                ? DropoutMask(probability: lora.dropout, seed: pass.dropoutSeed, sequenceLength: pass.length,
                              firstSequence: pass.firstSequence, salt: UInt64(index)) : nil
            result[slot.slot.kind] = Adapter(
                linear: LoRALinear(a: pass.parameters + slot.aOffset, b: pass.parameters + slot.bOffset, rank: r,
                                   inputs: slot.inputs, outputs: slot.outputs, scale: lora.scale),
                dA: pass.gradients.map { $0 + slot.aOffset }, dB: pass.gradients.map { $0 + slot.bOffset },
                low: s.lows + k * n * r, dropout: dropout)
        }
        return result
    }

    private func forwardAdapters(_ adapters: [LinearSlot.Kind: Adapter], _ kinds: [(LinearSlot.Kind, Int)],
                                 x: UnsafePointer<Float>, rows n: Int, y: UnsafeMutablePointer<Float>, ldy: Int) {
        for (kind, column) in kinds {
            guard let adapter = adapters[kind] else { continue }
            adapter.linear.forward(x, rows: n, dropout: adapter.dropout, dropped: dropped, low: adapter.low, y: y + column, ldy: ldy)
        }
    }

    private func backwardAdapters(_ adapters: [LinearSlot.Kind: Adapter], _ kinds: [(LinearSlot.Kind, Int)],
                                  x: UnsafePointer<Float>, rows n: Int, dy: UnsafePointer<Float>, ldy: Int,
                                  dx: UnsafeMutablePointer<Float>) {
        for (kind, column) in kinds {
            guard let adapter = adapters[kind], let dA = adapter.dA, let dB = adapter.dB else { continue }
            adapter.linear.backward(x, rows: n, dropout: adapter.dropout, low: adapter.low, dy: dy + column, ldy: ldy,
                                    dA: dA, dB: dB, dx: dx, dLow: dLow, dropped: dropped)
        }
    }
}
