import TwinlogLinalg

/// The BERT encoder of a sentence-transformers model: embeddings, transformer layers, mean pooling
/// over the tokens, L2 normalization.
///
/// Batches are packed: the sequences' tokens lie end to end, [N × hidden] with N the sum of the
/// lengths, and attention runs per sequence over its own length. That computes exactly what a
/// padded batch with an attention mask computes (masked keys get weight e^−∞ = 0 there) without
/// spending any matrix product on padding rows. The token-wise products run once per sequence too
/// (`eachSequence`), never over the packed batch: OpenBLAS's sgemm rounds a row differently with
/// the number of rows of the call (on an AVX2 Zen CPU, a row of a 64-row product differs from the
/// same row in a 128-row one in about 5 % of its values), so over the batch a text's vector would
/// depend on the texts batched with it, and a replay that batches differently would not rebuild
/// the index bit for bit. One sequence's products depend on its tokens only.
///
/// Shapes (H hidden, I intermediate, A heads, d = H/A, N packed tokens, L one sequence's length):
///   embeddings  ids[N] → x[N×H]
///   attention   x[N×H] → qkv[N×3H] → per sequence and head: softmax(q·kᵀ/√d)[L×L] · v[L×d]
///               → context[N×H] → LayerNorm(x + context·Woᵀ + bo) → x
///   feedforward x[N×H] → GELU(x·W1ᵀ + b1)[N×I] → LayerNorm(x + ·W2ᵀ + b2) → x
///   pooling     mean of each sequence's rows → unit L2 norm → [sequences × H]
struct BertEncoder: Sendable {
    let weights: BertWeights

    var configuration: BertConfiguration { weights.configuration }

    /// Embeds each of `sequences` (valid ids, 1...maxPositions long) into a row of `output`
    /// ([sequences × hidden]).
    func embed(_ sequences: [[Int]], workspace: EncoderWorkspace, into output: UnsafeMutablePointer<Float>) {
        let lengths = sequences.map(\.count)
        let tokens = lengths.reduce(0, +)
        workspace.reserve(tokens: tokens, longest: lengths.max() ?? 0, configuration: configuration)
        embedTokens(sequences, into: workspace.hidden)
        var offsets: [Int] = []
        var cursor = 0
        for length in lengths {
            offsets.append(cursor)
            cursor += length
        }
        for layer in weights.layers {
            attention(layer, offsets: offsets, lengths: lengths, tokens: tokens, workspace: workspace)
            feedForward(layer, offsets: offsets, lengths: lengths, tokens: tokens, workspace: workspace)
        }
        let h = configuration.hiddenSize
        for (index, (offset, length)) in zip(offsets, lengths).enumerated() {
            RowKernels.meanPoolNormalized(UnsafePointer(workspace.hidden + offset * h), rows: length, width: h,
                                          into: output + index * h)
        }
    }

    /// x[N×H] = LayerNorm(word[id] + type[0] + position[p]).
    private func embedTokens(_ sequences: [[Int]], into x: UnsafeMutablePointer<Float>) {
        let h = configuration.hiddenSize
        let word = weights.pointer(weights.wordEmbeddings)
        let position = weights.pointer(weights.positionEmbeddings)
        let type = weights.pointer(weights.typeEmbeddings)
        var row = 0
        for ids in sequences {
            for (p, id) in ids.enumerated() {
                let destination = x + row * h
                for c in stride(from: 0, to: h, by: 16) {
                    let sum = word.vector(at: id * h + c) + type.vector(at: c) + position.vector(at: p * h + c)
                    destination.store(sum, at: c)
                }
                row += 1
            }
        }
        RowKernels.layerNorm(UnsafePointer(x), rows: row, width: h, gain: weights.pointer(weights.embeddingNormGain),
                             bias: weights.pointer(weights.embeddingNormBias),
                             epsilon: configuration.layerNormEpsilon, into: x)
    }

    /// x = LayerNorm(x + Attention(x)·Woᵀ + bo), attention per sequence and head.
    private func attention(_ layer: BertWeights.Layer, offsets: [Int], lengths: [Int], tokens n: Int,
                           workspace: EncoderWorkspace) {
        let c = configuration
        let (h, d) = (c.hiddenSize, c.headSize)
        let x = workspace.hidden!, qkv = workspace.qkv!, context = workspace.context!
        let residual = workspace.residual!, scores = workspace.scores!
        RowKernels.broadcast(weights.pointer(layer.qkvBias), rows: n, width: 3 * h, into: qkv)
        eachSequence(offsets, lengths) { offset, length in
            BLAS.gemm(.none, .transposed, m: length, n: 3 * h, k: h, a: x + offset * h, lda: h, b: weights.pointer(layer.qkvWeight),
                      ldb: h, beta: 1, c: qkv + offset * 3 * h, ldc: 3 * h)
        }
        let scale = 1 / Float(d).squareRoot()
        for (offset, length) in zip(offsets, lengths) {
            let stride = (length + 15) / 16 * 16
            for head in 0..<c.heads {
                let query = qkv + offset * 3 * h + head * d
                BLAS.gemm(.none, .transposed, m: length, n: length, k: d, alpha: scale, a: query, lda: 3 * h,
                          b: query + h, ldb: 3 * h, c: scores, ldc: stride)
                RowKernels.softmax(scores, rows: length, width: length, stride: stride)
                BLAS.gemm(.none, .none, m: length, n: d, k: length, a: scores, lda: stride, b: query + 2 * h,
                          ldb: 3 * h, c: context + offset * h + head * d, ldc: h)
            }
        }
        RowKernels.add(x, row: weights.pointer(layer.attentionOutBias), rows: n, width: h, into: residual)
        eachSequence(offsets, lengths) { offset, length in
            BLAS.gemm(.none, .transposed, m: length, n: h, k: h, a: context + offset * h, lda: h,
                      b: weights.pointer(layer.attentionOutWeight), ldb: h, beta: 1, c: residual + offset * h, ldc: h)
        }
        RowKernels.layerNorm(residual, rows: n, width: h, gain: weights.pointer(layer.attentionNormGain),
                             bias: weights.pointer(layer.attentionNormBias), epsilon: c.layerNormEpsilon, into: x)
    }

    /// x = LayerNorm(x + GELU(x·W1ᵀ + b1)·W2ᵀ + b2).
    private func feedForward(_ layer: BertWeights.Layer, offsets: [Int], lengths: [Int], tokens n: Int,
                             workspace: EncoderWorkspace) {
        let c = configuration
        let (h, i) = (c.hiddenSize, c.intermediateSize)
        let x = workspace.hidden!, up = workspace.intermediate!, residual = workspace.residual!
        RowKernels.broadcast(weights.pointer(layer.upBias), rows: n, width: i, into: up)
        eachSequence(offsets, lengths) { offset, length in
            BLAS.gemm(.none, .transposed, m: length, n: i, k: h, a: x + offset * h, lda: h, b: weights.pointer(layer.upWeight),
                      ldb: h, beta: 1, c: up + offset * i, ldc: i)
        }
        RowKernels.gelu(up, count: n * i)
        RowKernels.add(x, row: weights.pointer(layer.downBias), rows: n, width: h, into: residual)
        eachSequence(offsets, lengths) { offset, length in
            BLAS.gemm(.none, .transposed, m: length, n: h, k: i, a: up + offset * i, lda: i, b: weights.pointer(layer.downWeight),
                      ldb: i, beta: 1, c: residual + offset * h, ldc: h)
        }
        RowKernels.layerNorm(residual, rows: n, width: h, gain: weights.pointer(layer.outputNormGain),
                             bias: weights.pointer(layer.outputNormBias), epsilon: c.layerNormEpsilon, into: x)
    }

    /// Runs `product` for each sequence of the packed batch, with its first row and its length.
    private func eachSequence(_ offsets: [Int], _ lengths: [Int], _ product: (_ offset: Int, _ length: Int) -> Void) {
        for (offset, length) in zip(offsets, lengths) { product(offset, length) }
    }
}
