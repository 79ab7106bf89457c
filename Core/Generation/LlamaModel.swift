/// The weights of one transformer block (package-visible so the trainer can copy them).
package struct LayerWeights: @unchecked Sendable {
    package let attentionNorm: UnsafeMutablePointer<Float>
    package let query, key, value, output: Matrix
    package let ffnNorm: UnsafeMutablePointer<Float>
    package let gate, up, down: Matrix

    package func matrix(_ kind: LinearSlot.Kind) -> Matrix {
        switch kind {
        case .query: return query
        case .key: return key
        case .value: return value
        case .output: return output
        case .gate: return gate
        case .up: return up
        case .down: return down
        }
    }
}

/// SmolLM2 (any Llama-architecture GGUF) with its weights loaded once, norms and any other
/// tensors as Float32 carved from one allocation. Immutable after loading, so one model serves any
/// number of sessions.
///
/// Quantized matrices are the default, decided by measurement in release on this 2-core machine
/// (Benchmarks/generator/RESULTS.md): in every alternating pair of runs, decoding with our
/// Q4_1/Q8_0 kernel beat OpenBLAS sgemv over dequantized Float32 weights (29–36 against 20–23
/// tokens/s; 18–23 against 5–16 under heavier load), since sgemv is memory-bound on 540 MB of
/// weights per token, and it keeps 240 MB resident instead of 656 MB. Float32 stays available:
/// it is what the debug-mode tests use, since BLAS is fast there and Swift SIMD code is not.
public final class LlamaModel: @unchecked Sendable {
    /// The model's shape.
    public let config: LlamaConfig
    package let embedding: Matrix
    package let layers: [LayerWeights]
    package let outputNorm: UnsafeMutablePointer<Float>
    private let arena: UnsafeMutablePointer<Float>

    /// How the weight matrices are stored.
    public let format: WeightFormat

    /// Loads the weights of `gguf` in `format`, checking every tensor's presence and shape.
    public init(gguf: GGUFFile, format: WeightFormat = .quantized) throws {
        let config = try LlamaConfig(gguf: gguf)
        let d = config.modelDim, f = config.ffnDim, kv = config.kvDim
        var plan: [(name: String, dims: [Int])] = [("token_embd.weight", [d, config.vocabularySize])]
        for l in 0..<config.layers {
            plan += [("blk.\(l).attn_norm.weight", [d]), ("blk.\(l).attn_q.weight", [d, d]),
                     ("blk.\(l).attn_k.weight", [d, kv]), ("blk.\(l).attn_v.weight", [d, kv]),
                     ("blk.\(l).attn_output.weight", [d, d]), ("blk.\(l).ffn_norm.weight", [d]),
                     ("blk.\(l).ffn_gate.weight", [d, f]), ("blk.\(l).ffn_up.weight", [d, f]),
                     ("blk.\(l).ffn_down.weight", [f, d])]
        }
        plan.append(("output_norm.weight", [d]))
        if gguf.tensors["output.weight"] != nil {
            throw GGUFError(path: gguf.path, offset: nil,
                            "the file has a separate output.weight; only tied input/output embeddings are supported")
        }
        let infos = try plan.map { entry -> GGUFTensorInfo in
            let info = try gguf.tensor(entry.name)
            guard info.dimensions == entry.dims else {
                throw GGUFError(path: gguf.path, offset: nil,
                                "tensor \(entry.name) has dimensions \(info.dimensions), expected \(entry.dims)")
            }
            return info
        }
        func keepsQuantized(_ info: GGUFTensorInfo) -> Bool {
            format == .quantized && info.dimensions.count == 2 && (info.type == .q4_1 || info.type == .q8_0)
        }
        let total = infos.reduce(0) { $0 + (keepsQuantized($1) ? 0 : $1.elementCount) }
        let arena = UnsafeMutablePointer<Float>.allocate(capacity: max(total, 1))
        var next = arena
        var carved: [Matrix.Storage] = []
        for info in infos {
            if keepsQuantized(info), let q = QuantizedMatrix(type: info.type, source: gguf.rawBytes(info),
                                                             rows: info.dimensions[1], columns: info.dimensions[0]) {
                carved.append(.quantized(q))
            } else {
                gguf.dequantize(info, into: next)
                carved.append(.float32(next))
                next += info.elementCount
            }
        }
        var index = 0
        func take() -> Matrix.Storage {
            defer { index += 1 }
            return carved[index]
        }
        func vector() -> UnsafeMutablePointer<Float> {
            guard case .float32(let data) = take() else { preconditionFailure("vectors are never kept quantized") }
            return data
        }
        embedding = Matrix(storage: take(), rows: config.vocabularySize, columns: d)
        var layers: [LayerWeights] = []
        for _ in 0..<config.layers {
            layers.append(LayerWeights(
                attentionNorm: vector(), query: Matrix(storage: take(), rows: d, columns: d),
                key: Matrix(storage: take(), rows: kv, columns: d), value: Matrix(storage: take(), rows: kv, columns: d),
                output: Matrix(storage: take(), rows: d, columns: d), ffnNorm: vector(),
                gate: Matrix(storage: take(), rows: f, columns: d), up: Matrix(storage: take(), rows: f, columns: d),
                down: Matrix(storage: take(), rows: d, columns: f)))
        }
        outputNorm = vector()
        self.config = config
        self.format = format
        self.layers = layers
        self.arena = arena
        self.parameterCount = infos.reduce(0) { $0 + $1.elementCount }
    }

    deinit { arena.deallocate() }

    /// The number of parameters (every weight, the tied embedding counted once).
    public let parameterCount: Int

    /// (outputs, inputs) of a linear layer.
    public func shape(of slot: LinearSlot) -> (outputs: Int, inputs: Int) {
        let m = layers[min(max(slot.layer, 0), layers.count - 1)].matrix(slot.kind)
        return (m.rows, m.columns)
    }
}
