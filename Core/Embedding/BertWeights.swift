/// A BERT encoder's weights in one 64-byte-aligned allocation, laid out for the forward pass.
///
/// Query, key and value projections are stored as one [3·hidden × hidden] matrix so a layer's
/// attention inputs come from one matrix product. Every tensor is checked for dtype and shape on
/// load; the pooler is not loaded (sentence embeddings mean-pool the last hidden states).
final class BertWeights: @unchecked Sendable {
    // Sendable: the storage is written only during init and read-only afterwards.

    /// Offsets (in floats) of one layer's tensors in `storage`; matrices are [out × in], row-major.
    struct Layer {
        var qkvWeight = 0, qkvBias = 0
        var attentionOutWeight = 0, attentionOutBias = 0, attentionNormGain = 0, attentionNormBias = 0
        var upWeight = 0, upBias = 0, downWeight = 0, downBias = 0, outputNormGain = 0, outputNormBias = 0
    }

    let configuration: BertConfiguration
    let storage: UnsafeMutableBufferPointer<Float>
    let wordEmbeddings: Int, positionEmbeddings: Int, typeEmbeddings: Int
    let embeddingNormGain: Int, embeddingNormBias: Int
    let layers: [Layer]

    /// Loads the tensors of a Hugging Face `BertModel` checkpoint.
    init(file: SafeTensorsFile, configuration c: BertConfiguration) throws(SafeTensorsError) {
        let (h, i) = (c.hiddenSize, c.intermediateSize)
        var plan = LayoutPlan()
        let word = plan.take(c.vocabularySize * h), position = plan.take(c.maxPositions * h)
        let type = plan.take(c.typeVocabularySize * h), gain = plan.take(h), bias = plan.take(h)
        var layers: [Layer] = []
        for _ in 0..<c.layers {
            var layer = Layer()
            layer.qkvWeight = plan.take(3 * h * h)
            layer.qkvBias = plan.take(3 * h)
            layer.attentionOutWeight = plan.take(h * h)
            layer.attentionOutBias = plan.take(h)
            layer.attentionNormGain = plan.take(h)
            layer.attentionNormBias = plan.take(h)
            layer.upWeight = plan.take(i * h)
            layer.upBias = plan.take(i)
            layer.downWeight = plan.take(h * i)
            layer.downBias = plan.take(h)
            layer.outputNormGain = plan.take(h)
            layer.outputNormBias = plan.take(h)
            layers.append(layer)
        }
        let raw = UnsafeMutableRawPointer.allocate(byteCount: plan.count * 4, alignment: 64)
        storage = UnsafeMutableBufferPointer(start: raw.bindMemory(to: Float.self, capacity: plan.count), count: plan.count)
        storage.initialize(repeating: 0)
        configuration = c
        wordEmbeddings = word
        positionEmbeddings = position
        typeEmbeddings = type
        embeddingNormGain = gain
        embeddingNormBias = bias
        self.layers = layers

        func load(_ name: String, _ shape: [Int], at offset: Int) throws(SafeTensorsError) {
            let count = shape.reduce(1, *)
            try file.copyFloat32(name, shape: shape, into: UnsafeMutableBufferPointer(rebasing: storage[offset..<offset + count]))
        }
        try load("embeddings.word_embeddings.weight", [c.vocabularySize, h], at: word)
        try load("embeddings.position_embeddings.weight", [c.maxPositions, h], at: position)
        try load("embeddings.token_type_embeddings.weight", [c.typeVocabularySize, h], at: type)
        try load("embeddings.LayerNorm.weight", [h], at: gain)
        try load("embeddings.LayerNorm.bias", [h], at: bias)
        for (index, layer) in layers.enumerated() {
            let prefix = "encoder.layer.\(index)."
            for (part, name) in ["query", "key", "value"].enumerated() {
                try load(prefix + "attention.self.\(name).weight", [h, h], at: layer.qkvWeight + part * h * h)
                try load(prefix + "attention.self.\(name).bias", [h], at: layer.qkvBias + part * h)
            }
            try load(prefix + "attention.output.dense.weight", [h, h], at: layer.attentionOutWeight)
            try load(prefix + "attention.output.dense.bias", [h], at: layer.attentionOutBias)
            try load(prefix + "attention.output.LayerNorm.weight", [h], at: layer.attentionNormGain)
            try load(prefix + "attention.output.LayerNorm.bias", [h], at: layer.attentionNormBias)
            try load(prefix + "intermediate.dense.weight", [i, h], at: layer.upWeight)
            try load(prefix + "intermediate.dense.bias", [i], at: layer.upBias)
            try load(prefix + "output.dense.weight", [h, i], at: layer.downWeight)
            try load(prefix + "output.dense.bias", [h], at: layer.downBias)
            try load(prefix + "output.LayerNorm.weight", [h], at: layer.outputNormGain)
            try load(prefix + "output.LayerNorm.bias", [h], at: layer.outputNormBias)
        }
    }

    deinit {
        storage.deallocate()
    }

    /// The tensor starting at `offset`.
    @inline(__always)
    func pointer(_ offset: Int) -> UnsafePointer<Float> {
        UnsafePointer(storage.baseAddress! + offset)
    }
}

/// Hands out offsets in one allocation, each tensor starting on a 64-byte boundary.
private struct LayoutPlan {
    private(set) var count = 0

    mutating func take(_ floats: Int) -> Int {
        let offset = count
        count += (floats + 15) / 16 * 16
        return offset
    }
}
