import Foundation

/// The shape of a BERT encoder, read from the model folder's `config.json` and checked.
///
/// Guarantees: the sizes are positive, the hidden size splits evenly into heads, the activation
/// is the erf GELU, and the sizes suit the SIMD kernels (multiples of 16).
public struct BertConfiguration: Sendable, Equatable {
    public var vocabularySize: Int
    public var hiddenSize: Int
    public var layers: Int
    public var heads: Int
    public var intermediateSize: Int
    public var maxPositions: Int
    public var typeVocabularySize: Int
    public var layerNormEpsilon: Float

    /// The width of one attention head.
    public var headSize: Int { hiddenSize / heads }

    /// Reads and checks `config.json` at `url`.
    public init(contentsOf url: URL) throws(EmbedderModelError) {
        func fail(_ reason: String) -> EmbedderModelError { EmbedderModelError(path: url.path, reason: reason) }
        guard let data = try? Data(contentsOf: url) else { throw fail("cannot be read") }
        guard let json = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else {
            throw fail("is not a JSON object")
        }
        func integer(_ key: String) throws(EmbedderModelError) -> Int {
            guard let value = json[key] as? Int, value > 0 else { throw fail("needs a positive integer \(key)") }
            return value
        }
        if let type = json["model_type"] as? String, type != "bert" {
            throw fail("describes a \(type) model, not bert")
        }
        if let activation = json["hidden_act"] as? String, activation != "gelu" {
            throw fail("uses activation \(activation); only gelu (the erf form) is implemented")
        }
        if let positions = json["position_embedding_type"] as? String, positions != "absolute" {
            throw fail("uses \(positions) position embeddings; only absolute ones are implemented")
        }
        vocabularySize = try integer("vocab_size")
        hiddenSize = try integer("hidden_size")
        layers = try integer("num_hidden_layers")
        heads = try integer("num_attention_heads")
        intermediateSize = try integer("intermediate_size")
        maxPositions = try integer("max_position_embeddings")
        typeVocabularySize = try integer("type_vocab_size")
        guard let epsilon = json["layer_norm_eps"] as? Double, epsilon > 0 else {
            throw fail("needs a positive layer_norm_eps")
        }
        layerNormEpsilon = Float(epsilon)
        guard hiddenSize % heads == 0 else {
            throw fail("has hidden_size \(hiddenSize), which \(heads) heads do not divide")
        }
        guard hiddenSize % 16 == 0, intermediateSize % 16 == 0 else {
            throw fail("has hidden_size \(hiddenSize) and intermediate_size \(intermediateSize); the kernels need multiples of 16")
        }
    }
}

/// A model file other than the weights tensors is unusable: which file, and why.
public struct EmbedderModelError: Error, CustomStringConvertible, Equatable {
    /// The file at fault.
    public let path: String
    /// What was wrong.
    public let reason: String
    public var description: String { "\(path) \(reason)" }
}
