/// The shape of a Llama-architecture model, read from the `llama.*` metadata of its GGUF file.
public struct LlamaConfig: Sendable, Equatable {
    public let layers: Int
    public let modelDim: Int
    public let ffnDim: Int
    public let heads: Int
    public let kvHeads: Int
    public let headDim: Int
    public let vocabularySize: Int
    public let contextLength: Int
    public let ropeBase: Float
    public let rmsEpsilon: Float

    /// Width of one position's keys (or values): kvHeads × headDim.
    public var kvDim: Int { kvHeads * headDim }

    /// A shape given directly (tests build tiny random models with it); heads must divide the width
    /// into even-sized heads and the KV heads must divide the heads.
    public init(layers: Int, modelDim: Int, ffnDim: Int, heads: Int, kvHeads: Int, vocabularySize: Int,
                contextLength: Int, ropeBase: Float = 10_000, rmsEpsilon: Float = 1e-5) throws {
        guard layers > 0, modelDim > 0, ffnDim > 0, heads > 0, kvHeads > 0, vocabularySize > 0, contextLength > 0,
              modelDim % heads == 0, heads % kvHeads == 0, (modelDim / heads) % 2 == 0 else {
            throw GGUFError(path: "LlamaConfig", offset: nil, "inconsistent llama shape: \(layers) layers, width \(modelDim), "
                + "\(heads) heads, \(kvHeads) KV heads")
        }
        self.layers = layers
        self.modelDim = modelDim
        self.ffnDim = ffnDim
        self.heads = heads
        self.kvHeads = kvHeads
        self.headDim = modelDim / heads
        self.vocabularySize = vocabularySize
        self.contextLength = contextLength
        self.ropeBase = ropeBase
        self.rmsEpsilon = rmsEpsilon
    }

    init(gguf: GGUFFile) throws {
        func fail(_ message: String) -> GGUFError { GGUFError(path: gguf.path, offset: nil, message) }
        let arch = try gguf.requiredString("general.architecture")
        guard arch == "llama" else { throw fail("general.architecture is \(arch); only llama is supported") }
        layers = try gguf.requiredInt("llama.block_count")
        modelDim = try gguf.requiredInt("llama.embedding_length")
        ffnDim = try gguf.requiredInt("llama.feed_forward_length")
        heads = try gguf.requiredInt("llama.attention.head_count")
        kvHeads = gguf.metadata["llama.attention.head_count_kv"]?.intValue ?? heads
        contextLength = try gguf.requiredInt("llama.context_length")
        ropeBase = Float(gguf.metadata["llama.rope.freq_base"]?.doubleValue ?? 10_000)
        rmsEpsilon = Float(try gguf.required("llama.attention.layer_norm_rms_epsilon").doubleValue ?? 1e-5)
        let embedding = try gguf.tensor("token_embd.weight")
        guard embedding.dimensions.count == 2, embedding.dimensions[0] == modelDim else {
            throw fail("token_embd.weight has dimensions \(embedding.dimensions), expected [\(modelDim), vocabulary]")
        }
        vocabularySize = embedding.dimensions[1]
        guard layers > 0, modelDim > 0, ffnDim > 0, heads > 0, kvHeads > 0, contextLength > 0,
              modelDim % heads == 0, heads % kvHeads == 0, (modelDim / heads) % 2 == 0 else {
            throw fail("inconsistent llama shape: \(layers) layers, width \(modelDim), \(heads) heads, \(kvHeads) KV heads")
        }
        headDim = modelDim / heads
        if let ropeDims = gguf.metadata["llama.rope.dimension_count"]?.intValue, ropeDims != headDim {
            throw fail("llama.rope.dimension_count is \(ropeDims) but heads are \(headDim) wide; partial RoPE is not supported")
        }
    }
}
