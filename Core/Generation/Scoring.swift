import Foundation

/// Teacher-forced scoring: how likely the model finds a given token sequence.
public enum Scoring {
    /// log p(ids[t + 1] | ids[0...t]) for t = 0 ..< ids.count - 1 in a fresh session (no start
    /// token is prepended). The text is fed in batched chunks through the KV cache, so memory for
    /// logits stays at `chunk` × vocabulary however long the text is.
    public static func tokenLogProbabilities(_ ids: [Int], model: LlamaModel, lora: LoRASet = LoRASet(),
                                             chunk: Int = 128) throws -> [Double] {
        guard ids.count >= 2 else { return [] }
        let session = LlamaSession(model: model, lora: lora)
        let vocabulary = model.config.vocabularySize
        let inputs = Array(ids.dropLast())
        var result: [Double] = []
        result.reserveCapacity(inputs.count)
        for start in stride(from: 0, to: inputs.count, by: max(1, chunk)) {
            let piece = Array(inputs[start..<min(inputs.count, start + max(1, chunk))])
            let logits = try session.feed(piece, logits: .all)
            logits.withUnsafeBufferPointer { all in
                for t in 0..<piece.count {
                    let row = UnsafeBufferPointer(rebasing: all[(t * vocabulary)..<((t + 1) * vocabulary)])
                    result.append(Double(row[ids[start + t + 1]]) - logSumExp(row))
                }
            }
        }
        return result
    }

    /// log Σ exp(row), in Double so long vocabularies do not lose precision.
    public static func logSumExp(_ row: UnsafeBufferPointer<Float>) -> Double {
        let peak = Double(row.max() ?? 0)
        var sum = 0.0
        for value in row { sum += Foundation.exp(Double(value) - peak) }
        return peak + Foundation.log(sum)
    }
}
