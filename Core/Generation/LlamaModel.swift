import Foundation

/// The weights of one transformer block (package-visible so the trainer can copy them).
package struct LayerWeights: @unchecked Sendable {
    package let attentionNorm: UnsafeMutablePointer<Float>
    package let query, key, value, output: Matrix
    /// Q, K and V biases (Qwen2); nil for Llama.
    package let queryBias, keyBias, valueBias: UnsafeMutablePointer<Float>?
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

/// A decoder of the Llama family (`llama`: SmolLM2, Llama 2/3.x; `qwen2`: Qwen2/2.5) with its
/// weights loaded once. Immutable after loading, so one model serves any number of sessions.
///
/// In the default `quantized` format every block-stored matrix (F16, BF16, Q4_0 … Q8_0, the
/// K-quants) stays in the memory-mapped file and is multiplied in place by the kernels of
/// Core/CKernels; norms, biases and F32 tensors are Float32 carved from one allocation. Decided by
/// measurement on this 2-core machine (Benchmarks/generator/RESULTS.md): decoding is memory-bound,
/// so reading 4-6 bits per weight beats OpenBLAS sgemv over dequantized Float32 weights, and
/// resident memory stays near the file's size. The `float32` format dequantizes everything at load
/// (what the debug-mode tests use, since BLAS is fast there).
public final class LlamaModel: @unchecked Sendable {
    /// The model's shape.
    public let config: LlamaConfig
    package let embedding: Matrix
    package let layers: [LayerWeights]
    package let outputNorm: UnsafeMutablePointer<Float>
    /// The output projection: `output.weight`, or the token embedding when the two are tied.
    package let output: Matrix
    /// Llama 3.1's RoPE frequency divisors (`rope_freqs.weight`, [headDim/2]), if the file has them.
    let ropeFrequencyFactors: [Float]?
    private let arena: UnsafeMutablePointer<Float>
    /// The mapped file the quantized matrices read from.
    private let file: GGUFFile

    /// How the weight matrices are stored.
    public let format: WeightFormat

    /// The share of physical memory a model's weights may take.
    public static let memoryShare = 0.8

    /// Loads the weights of `gguf` in `format`, checking every tensor's presence and shape, and
    /// refusing (before reading any weight) a model whose weights would take more than
    /// `memoryLimit` bytes (by default `memoryShare` of this machine's physical memory).
    /// `kernels` chooses the quantized products (tests pin the portable ones).
    public init(gguf: GGUFFile, format: WeightFormat = .quantized, kernels: MatrixKernels = .automatic,
                memoryLimit: Int = Int(Double(ProcessInfo.processInfo.physicalMemory) * LlamaModel.memoryShare)) throws {
        let config = try LlamaConfig(gguf: gguf)
        let d = config.modelDim, f = config.ffnDim, kv = config.kvDim
        let biased = config.architecture == .qwen2
        let tied = gguf.tensors["output.weight"] == nil
        var plan: [(name: String, dims: [Int])] = [("token_embd.weight", [d, config.vocabularySize])]
        for l in 0..<config.layers {
            plan += [("blk.\(l).attn_norm.weight", [d]), ("blk.\(l).attn_q.weight", [d, d]),
                     ("blk.\(l).attn_k.weight", [d, kv]), ("blk.\(l).attn_v.weight", [d, kv])]
            if biased { plan += [("blk.\(l).attn_q.bias", [d]), ("blk.\(l).attn_k.bias", [kv]), ("blk.\(l).attn_v.bias", [kv])] }
            plan += [("blk.\(l).attn_output.weight", [d, d]), ("blk.\(l).ffn_norm.weight", [d]),
                     ("blk.\(l).ffn_gate.weight", [d, f]), ("blk.\(l).ffn_up.weight", [d, f]),
                     ("blk.\(l).ffn_down.weight", [f, d])]
        }
        plan.append(("output_norm.weight", [d]))
        if !tied { plan.append(("output.weight", [d, config.vocabularySize])) }
        if gguf.tensors["rope_freqs.weight"] != nil { plan.append(("rope_freqs.weight", [config.headDim / 2])) }
        let infos = try plan.map { entry -> GGUFTensorInfo in
            let info = try gguf.tensor(entry.name)
            guard info.dimensions == entry.dims else {
                throw GGUFError(path: gguf.path, offset: nil,
                                "tensor \(entry.name) has dimensions \(info.dimensions), expected \(entry.dims)")
            }
            return info
        }
        func keepsQuantized(_ info: GGUFTensorInfo) -> Bool {
            format == .quantized && info.dimensions.count == 2 && info.type.isBlockStored
        }
        let total = infos.reduce(0) { $0 + (keepsQuantized($1) ? 0 : $1.elementCount) }
        let mapped = infos.reduce(0) { $0 + (keepsQuantized($1) ? $1.byteCount : 0) }
        let needed = 4 * total + mapped
        guard needed <= memoryLimit else {
            throw GenerationError.modelTooLarge(path: gguf.path, neededBytes: needed, limitBytes: memoryLimit)
        }
        let arena = UnsafeMutablePointer<Float>.allocate(capacity: max(total, 1))
        var next = arena
        var carved: [Matrix.Storage] = []
        for info in infos {
            if keepsQuantized(info), let q = QuantizedMatrix(type: info.type, bytes: gguf.rawBytes(info),
                                                             rows: info.dimensions[1], columns: info.dimensions[0], owner: gguf,
                                                             kernels: kernels) {
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
            let norm = vector()
            let query = Matrix(storage: take(), rows: d, columns: d)
            let key = Matrix(storage: take(), rows: kv, columns: d), value = Matrix(storage: take(), rows: kv, columns: d)
            let biases = biased ? (vector(), vector(), vector()) as (UnsafeMutablePointer<Float>?, UnsafeMutablePointer<Float>?,
                                                                     UnsafeMutablePointer<Float>?) : (nil, nil, nil)
            layers.append(LayerWeights(
                attentionNorm: norm, query: query, key: key, value: value,
                output: Matrix(storage: take(), rows: d, columns: d),
                queryBias: biases.0, keyBias: biases.1, valueBias: biases.2, ffnNorm: vector(),
                gate: Matrix(storage: take(), rows: f, columns: d), up: Matrix(storage: take(), rows: f, columns: d),
                down: Matrix(storage: take(), rows: d, columns: f)))
        }
        outputNorm = vector()
        output = tied ? embedding : Matrix(storage: take(), rows: config.vocabularySize, columns: d)
        if index < carved.count {
            let factors = vector()
            ropeFrequencyFactors = Array(UnsafeBufferPointer(start: factors, count: config.headDim / 2))
            guard ropeFrequencyFactors!.allSatisfy({ $0.isFinite && $0 > 0 }) else {
                arena.deallocate()
                throw GGUFError(path: gguf.path, offset: nil, "rope_freqs.weight holds a value that is not a positive finite number")
            }
        } else {
            ropeFrequencyFactors = nil
        }
        self.config = config
        self.format = format
        self.layers = layers
        self.arena = arena
        self.file = gguf
        self.parameterCount = infos.reduce(0) { $0 + $1.elementCount }
        self.weightBytes = needed
    }

    deinit { arena.deallocate() }

    /// The number of parameters (every weight, a tied embedding counted once).
    public let parameterCount: Int

    /// The bytes the weights occupy in this format (mapped blocks plus the Float32 arena).
    public let weightBytes: Int

    /// Whether the output projection is the token embedding (tied weights).
    public var tiedOutput: Bool { file.tensors["output.weight"] == nil }

    /// Why the LoRA trainer cannot train this model, or nil when it can: the trainer implements
    /// the Llama block with tied embeddings and plain RoPE (SmolLM2), nothing else.
    public var trainingRefusal: String? {
        if config.architecture != .llama { return "the trainer supports the llama architecture only, not \(config.architecture.rawValue)" }
        if !tiedOutput { return "the trainer supports tied input and output embeddings only; this model has output.weight" }
        if ropeFrequencyFactors != nil || config.ropePositionScale != 1 { return "the trainer does not implement RoPE scaling" }
        return nil
    }

    /// (outputs, inputs) of a linear layer.
    public func shape(of slot: LinearSlot) -> (outputs: Int, inputs: Int) {
        let m = layers[min(max(slot.layer, 0), layers.count - 1)].matrix(slot.kind)
        return (m.rows, m.columns)
    }
}
