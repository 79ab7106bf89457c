import TwinlogLayers

/// The shape of a decoder of the Llama family, read from the `ARCH.*` metadata of its GGUF file.
///
/// Two architectures share the block: `llama` (Llama 2/3.x, SmolLM2; GGUF conversion permutes Q
/// and K so RoPE rotates adjacent pairs; Llama 3.1's frequency factors come as the
/// `rope_freqs.weight` tensor) and `qwen2` (Qwen2/2.5: Q, K and V have biases, and RoPE rotates the
/// two halves of each head, ggml's "NeoX" style).
public struct LlamaConfig: Sendable, Equatable {
    /// The architectures this engine runs.
    public enum Architecture: String, Sendable {
        case llama
        case qwen2
    }

    /// How rotary position embedding pairs a head's dimensions: `adjacentPairs` for Llama as
    /// converted to GGUF, `halves` for Qwen2 (ggml's NeoX mode).
    public typealias RopeStyle = Layers.RopePairing

    public let architecture: Architecture
    public let layers: Int
    public let modelDim: Int
    public let ffnDim: Int
    public let heads: Int
    public let kvHeads: Int
    public let headDim: Int
    public let vocabularySize: Int
    public let contextLength: Int
    public let ropeBase: Float
    /// Positions are divided by this before rotation (`rope.scaling.type = linear`); 1 otherwise.
    public let ropePositionScale: Float
    public let rmsEpsilon: Float

    /// Width of one position's keys (or values): kvHeads × headDim.
    public var kvDim: Int { kvHeads * headDim }

    /// How RoPE pairs dimensions in this architecture.
    public var ropeStyle: RopeStyle { architecture == .qwen2 ? .halves : .adjacentPairs }

    /// A Llama shape given directly (tests build tiny random models with it); heads must divide the
    /// width into even-sized heads and the KV heads must divide the heads.
    public init(layers: Int, modelDim: Int, ffnDim: Int, heads: Int, kvHeads: Int, vocabularySize: Int,
                contextLength: Int, ropeBase: Float = 10_000, rmsEpsilon: Float = 1e-5) throws {
        guard layers > 0, modelDim > 0, ffnDim > 0, heads > 0, kvHeads > 0, vocabularySize > 0, contextLength > 0,
              modelDim % heads == 0, heads % kvHeads == 0, (modelDim / heads) % 2 == 0 else {
            throw GGUFError(path: "LlamaConfig", offset: nil, "inconsistent llama shape: \(layers) layers, width \(modelDim), "
                + "\(heads) heads, \(kvHeads) KV heads")
        }
        architecture = .llama
        self.layers = layers
        self.modelDim = modelDim
        self.ffnDim = ffnDim
        self.heads = heads
        self.kvHeads = kvHeads
        self.headDim = modelDim / heads
        self.vocabularySize = vocabularySize
        self.contextLength = contextLength
        self.ropeBase = ropeBase
        ropePositionScale = 1
        self.rmsEpsilon = rmsEpsilon
    }

    init(gguf: GGUFFile) throws {
        func fail(_ message: String) -> GGUFError { GGUFError(path: gguf.path, offset: nil, message) }
        let name = try gguf.requiredString("general.architecture")
        guard let architecture = Architecture(rawValue: name) else {
            throw fail("general.architecture is \(name); supported: llama (Llama 2/3.x, SmolLM2) and qwen2 (Qwen2, Qwen2.5)")
        }
        let arch = architecture.rawValue
        self.architecture = architecture
        layers = try gguf.requiredInt("\(arch).block_count")
        modelDim = try gguf.requiredInt("\(arch).embedding_length")
        ffnDim = try gguf.requiredInt("\(arch).feed_forward_length")
        heads = try gguf.requiredInt("\(arch).attention.head_count")
        kvHeads = gguf.metadata["\(arch).attention.head_count_kv"]?.intValue ?? heads
        contextLength = try gguf.requiredInt("\(arch).context_length")
        rmsEpsilon = Float(try gguf.required("\(arch).attention.layer_norm_rms_epsilon").doubleValue ?? 1e-5)
        let base = gguf.metadata["\(arch).rope.freq_base"]?.doubleValue ?? 10_000
        guard base.isFinite, base > 1, base < 1e12 else { throw fail("\(arch).rope.freq_base is \(base), not in (1, 1e12)") }
        ropeBase = Float(base)
        switch gguf.metadata["\(arch).rope.scaling.type"]?.stringValue ?? "none" {
        case "none":
            ropePositionScale = 1
        case "linear":
            let factor = gguf.metadata["\(arch).rope.scaling.factor"]?.doubleValue ?? 1
            guard factor.isFinite, factor >= 1, factor <= 1024 else {
                throw fail("\(arch).rope.scaling.factor is \(factor), not in [1, 1024]")
            }
            ropePositionScale = Float(factor)
        case let other:
            throw fail("\(arch).rope.scaling.type is \(other); supported: none, linear (and Llama 3's rope_freqs.weight)")
        }
        let embedding = try gguf.tensor("token_embd.weight")
        guard embedding.dimensions.count == 2, embedding.dimensions[0] == modelDim else {
            throw fail("token_embd.weight has dimensions \(embedding.dimensions), expected [\(modelDim), vocabulary]")
        }
        vocabularySize = embedding.dimensions[1]
        guard layers > 0, modelDim > 0, ffnDim > 0, heads > 0, kvHeads > 0, contextLength > 0,
              modelDim % heads == 0, heads % kvHeads == 0, (modelDim / heads) % 2 == 0 else {
            throw fail("inconsistent \(arch) shape: \(layers) layers, width \(modelDim), \(heads) heads, \(kvHeads) KV heads")
        }
        headDim = modelDim / heads
        if let ropeDims = gguf.metadata["\(arch).rope.dimension_count"]?.intValue, ropeDims != headDim {
            throw fail("\(arch).rope.dimension_count is \(ropeDims) but heads are \(headDim) wide; partial RoPE is not supported")
        }
    }
}
