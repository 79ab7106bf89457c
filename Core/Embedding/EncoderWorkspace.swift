/// Scratch memory for one forward pass, grown to the largest batch seen and reused afterwards.
///
/// Only one forward pass uses a workspace at a time (the `Embedder` runs them on its serial queue),
/// so the buffers need no lock.
final class EncoderWorkspace: @unchecked Sendable {
    // Sendable: confined to the owning Embedder's serial queue.
    private var storage: UnsafeMutableRawPointer?
    private var capacityTokens = 0
    private var capacityLength = 0

    /// Activations of the packed batch, [tokens × hidden].
    private(set) var hidden: UnsafeMutablePointer<Float>!
    /// Query, key and value rows side by side, [tokens × 3·hidden].
    private(set) var qkv: UnsafeMutablePointer<Float>!
    /// Attention output before its projection, [tokens × hidden].
    private(set) var context: UnsafeMutablePointer<Float>!
    /// Residual sums before LayerNorm, [tokens × hidden].
    private(set) var residual: UnsafeMutablePointer<Float>!
    /// Feed-forward activations, [tokens × intermediate].
    private(set) var intermediate: UnsafeMutablePointer<Float>!
    /// Attention scores of one head of one sequence, [length × length rounded up to 16].
    private(set) var scores: UnsafeMutablePointer<Float>!

    /// Makes room for `tokens` packed tokens whose longest sequence is `longest`.
    func reserve(tokens: Int, longest: Int, configuration: BertConfiguration) {
        guard tokens > capacityTokens || longest > capacityLength else { return }
        let tokens = max(tokens, capacityTokens)
        let longest = max(longest, capacityLength)
        let (h, i) = (configuration.hiddenSize, configuration.intermediateSize)
        let scoresStride = (longest + 15) / 16 * 16
        let sizes = [tokens * h, tokens * 3 * h, tokens * h, tokens * h, tokens * i, longest * scoresStride]
        let padded = sizes.map { ($0 + 15) / 16 * 16 }
        storage?.deallocate()
        let base = UnsafeMutableRawPointer.allocate(byteCount: padded.reduce(0, +) * 4, alignment: 64)
            .bindMemory(to: Float.self, capacity: padded.reduce(0, +))
        var offsets: [Int] = []
        var cursor = 0
        for size in padded {
            offsets.append(cursor)
            cursor += size
        }
        storage = UnsafeMutableRawPointer(base)
        hidden = base + offsets[0]
        qkv = base + offsets[1]
        context = base + offsets[2]
        residual = base + offsets[3]
        intermediate = base + offsets[4]
        scores = base + offsets[5]
        capacityTokens = tokens
        capacityLength = longest
    }

    deinit {
        storage?.deallocate()
    }
}
