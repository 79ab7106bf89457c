/// Token sequences of one (padded) length, with the target of every position: the next token
/// where it is part of a response, −1 where no loss is taken (prompt, padding, the last position).
struct TokenBatch: Sendable, Equatable {
    /// Sequences in the batch.
    let sequences: Int
    /// Positions per sequence.
    let length: Int
    /// Input ids, [sequences × length].
    var ids: [Int32]
    /// Target ids, [sequences × length], −1 for none.
    var targets: [Int32]

    /// Positions that carry a target.
    var targetCount: Int { targets.reduce(0) { $0 + ($1 >= 0 ? 1 : 0) } }
    /// Positions that hold a real token (not padding).
    let tokenCount: Int

    /// Pads `samples` to the longest one (padding id 0, no targets).
    init(_ samples: [TokenizedSample]) {
        let length = samples.map(\.ids.count).max() ?? 0
        var ids = [Int32](repeating: 0, count: samples.count * length)
        var targets = [Int32](repeating: -1, count: samples.count * length)
        for (s, sample) in samples.enumerated() {
            for (t, id) in sample.ids.enumerated() { ids[s * length + t] = Int32(id) }
            for t in max(0, sample.promptLength - 1)..<(sample.ids.count - 1) {
                targets[s * length + t] = Int32(sample.ids[t + 1])
            }
        }
        self.init(sequences: samples.count, length: length, ids: ids, targets: targets,
                  tokenCount: samples.reduce(0) { $0 + $1.ids.count })
    }

    /// A batch given directly (tests): ids and targets [sequences × length].
    init(sequences: Int, length: Int, ids: [Int32], targets: [Int32], tokenCount: Int? = nil) {
        precondition(ids.count == sequences * length && targets.count == ids.count)
        self.sequences = sequences
        self.length = length
        self.ids = ids
        self.targets = targets
        self.tokenCount = tokenCount ?? ids.count
    }
}
