import TwinlogLayers
import TwinlogLinalg

/// One running context of a model: the tokens fed so far and their keys and values. Feeding
/// tokens runs the transformer over only the new ones (batched prefill, then one at a time).
///
/// Not thread-safe: a session belongs to one generation at a time.
public final class LlamaSession {
    /// Which positions' logits a forward pass returns (`none` only fills the cache).
    public enum Logits: Sendable { case last, all, none }

    public let model: LlamaModel
    /// The adapters applied on top of the base weights.
    public let lora: LoRASet
    /// Every token fed so far, in order.
    public private(set) var tokens: [Int] = []
    private let cache: KVCache

    public init(model: LlamaModel, lora: LoRASet = LoRASet()) {
        self.model = model
        self.lora = lora
        cache = KVCache(layers: model.config.layers, kvDim: model.config.kvDim, limit: model.config.contextLength)
    }

    /// Forgets the context (the cache's memory is kept for reuse).
    public func reset() { tokens.removeAll(keepingCapacity: true) }

    /// Feeds `ids` after the current context and returns the next-token logits of the last new
    /// position ([vocabulary]), of every new position ([ids.count × vocabulary], row-major), or none.
    public func feed(_ ids: [Int], logits: Logits = .last) throws -> [Float] {
        let c = model.config
        guard !ids.isEmpty else { throw GenerationError.emptyInput }
        for (position, id) in ids.enumerated() where !(0..<c.vocabularySize).contains(id) {
            throw GenerationError.tokenOutOfRange(id: id, position: position, vocabularySize: c.vocabularySize)
        }
        guard tokens.count + ids.count <= c.contextLength else {
            throw GenerationError.contextFull(used: tokens.count, adding: ids.count, limit: c.contextLength)
        }
        cache.reserve(tokens.count + ids.count, used: tokens.count)
        // Long inputs go through in chunks so the attention scores ([chunk × positions]) stay small.
        var result: [Float] = []
        for first in stride(from: 0, to: ids.count, by: Self.chunk) {
            let piece = Array(ids[first..<min(ids.count, first + Self.chunk)])
            let isLast = first + Self.chunk >= ids.count
            if logits == .all || isLast {
                result += forward(piece, start: tokens.count, logits: logits)
            } else {
                _ = forward(piece, start: tokens.count, logits: .none)
            }
            tokens += piece
        }
        return result
    }

    /// Tokens per forward pass when feeding a long input.
    static let chunk = 256

    /// The transformer over n new tokens at positions start ..< start + n.
    ///
    /// Shapes: x, h, q, attended [n × D]; k, v written into the cache [positions × KV];
    /// scores [n × S] per head with S = start + n; gate, up [n × F].
    private func forward(_ ids: [Int], start: Int, logits request: Logits) -> [Float] {
        let c = model.config
        let n = ids.count, d = c.modelDim, kv = c.kvDim, f = c.ffnDim, hd = c.headDim
        let positions = start + n
        let scratch = UnsafeMutablePointer<Float>.allocate(capacity: n * (4 * d + 2 * f + positions))
        defer { scratch.deallocate() }
        let x = scratch, h = x + n * d, q = h + n * d, attended = q + n * d
        let gate = attended + n * d, up = gate + n * f, scores = up + n * f

        for (t, id) in ids.enumerated() {
            model.embedding.row(id, into: x + t * d)
        }
        let rotation = Layers.ropeTable(start: start, count: n, headDim: hd, base: c.ropeBase,
                                         factors: model.ropeFrequencyFactors, positionScale: c.ropePositionScale)
        let groupSize = c.heads / c.kvHeads
        let scale = 1 / Float(hd).squareRoot()
        for (l, layer) in model.layers.enumerated() {
            let keys = cache.keys[l], values = cache.values[l]
            let newKeys = keys + start * kv, newValues = values + start * kv
            Layers.rmsNorm(x, weight: layer.attentionNorm, rows: n, dim: d, epsilon: c.rmsEpsilon, into: h)
            linear(layer, l, [(.query, q), (.key, newKeys), (.value, newValues)], h, n)
            if let bias = layer.queryBias { Self.addBias(q, bias, rows: n, dim: d, stride: d) }
            if let bias = layer.keyBias { Self.addBias(newKeys, bias, rows: n, dim: kv, stride: kv) }
            if let bias = layer.valueBias { Self.addBias(newValues, bias, rows: n, dim: kv, stride: kv) }
            Layers.rope(q, rows: n, stride: d, heads: c.heads, headDim: hd, cos: rotation.cos, sin: rotation.sin, period: n,
                        pairing: c.ropeStyle)
            Layers.rope(newKeys, rows: n, stride: kv, heads: c.kvHeads, headDim: hd, cos: rotation.cos, sin: rotation.sin, period: n,
                        pairing: c.ropeStyle)

            // Per-head attention products run on the calling thread: they are small, and a hand-off
            // to other cores per head would cost more than it saves. One new token (decoding) takes
            // matrix-vector products: sgemm would copy the head's keys and values into its packed
            // layout at every call, which at a long context costs more than the products.
            for head in 0..<c.heads where n == 1 {
                let kvHead = head / groupSize
                BLAS.gemv(.none, rows: positions, columns: hd, alpha: scale, a: keys + kvHead * hd, lda: kv, x: q + head * hd,
                          y: scores)
                Layers.causalSoftmax(scores, count: positions, width: positions)
                BLAS.gemv(.transposed, rows: positions, columns: hd, a: values + kvHead * hd, lda: kv, x: scores,
                          y: attended + head * hd)
            }
            for head in 0..<c.heads where n > 1 {
                let kvHead = head / groupSize
                BLAS.gemm(.none, .transposed, m: n, n: positions, k: hd, alpha: scale, a: q + head * hd, lda: d,
                          b: keys + kvHead * hd, ldb: kv, c: scores, ldc: positions)
                for t in 0..<n {
                    Layers.causalSoftmax(scores + t * positions, count: start + t + 1, width: positions)
                }
                BLAS.gemm(.none, .none, m: n, n: hd, k: positions, a: scores, lda: positions,
                          b: values + kvHead * hd, ldb: kv, c: attended + head * hd, ldc: d)
            }
            linear(layer, .output, l, attended, n, h)
            BLAS.axpy(alpha: 1, x: h, y: x, count: n * d)

            Layers.rmsNorm(x, weight: layer.ffnNorm, rows: n, dim: d, epsilon: c.rmsEpsilon, into: h)
            linear(layer, l, [(.gate, gate), (.up, up)], h, n)
            Layers.swiglu(gate: gate, up: up, rows: n, width: f, inputStride: f, into: gate, outputStride: f)
            linear(layer, .down, l, gate, n, h)
            BLAS.axpy(alpha: 1, x: h, y: x, count: n * d)
        }

        guard request != .none else { return [] }
        let first = request == .last ? n - 1 : 0
        let rows = n - first
        Layers.rmsNorm(x + first * d, weight: model.outputNorm, rows: rows, dim: d, epsilon: c.rmsEpsilon, into: h)
        var out = [Float](repeating: 0, count: rows * c.vocabularySize)
        out.withUnsafeMutableBufferPointer { logits in
            Linear.forward(model.output, adapter: nil, x: h, rows: rows, into: logits.baseAddress!)
        }
        return out
    }

    private func linear(_ layer: LayerWeights, _ kind: LinearSlot.Kind, _ index: Int, _ x: UnsafePointer<Float>,
                        _ n: Int, _ y: UnsafeMutablePointer<Float>) {
        Linear.forward(layer.matrix(kind), adapter: lora[LinearSlot(layer: index, kind: kind)], x: x, rows: n, into: y)
    }

    /// Layers of one block that read the same input.
    private func linear(_ layer: LayerWeights, _ index: Int, _ outputs: [(LinearSlot.Kind, UnsafeMutablePointer<Float>)],
                        _ x: UnsafePointer<Float>, _ n: Int) {
        Linear.forward(outputs.map { kind, y in (layer.matrix(kind), lora[LinearSlot(layer: index, kind: kind)], y) },
                       x: x, rows: n)
    }

    /// x[t] += bias for n rows of width `dim`.
    private static func addBias(_ x: UnsafeMutablePointer<Float>, _ bias: UnsafePointer<Float>, rows n: Int, dim: Int, stride: Int) {
        for t in 0..<n {
            let row = x + t * stride
            for i in 0..<dim { row[i] += bias[i] }
        }
    }
}
