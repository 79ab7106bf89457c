import Foundation
import TwinlogRuntime

/// How the next token is chosen from the logits. Every control is off by default, and with all of
/// them off greedy decoding is plain argmax.
///
/// The penalties look at the last `penaltyWindow` tokens of the context (prompt and generated
/// alike, as llama.cpp's `repeat_last_n`), so after a few dozen tokens they judge only what the
/// model wrote, and a retrieval prompt's facts stay cheap to copy. `noRepeatNgramSize` looks only
/// at the generated tokens: an answer may quote its context, never itself.
public struct SamplingOptions: Sendable, Equatable {
    /// 0 picks the most likely token (greedy); above 0 divides the logits before sampling.
    public var temperature: Float
    /// Keep only the k most likely tokens (0 keeps all).
    public var topK: Int
    /// Keep the smallest set of most likely tokens whose probability reaches p (1 keeps all).
    public var topP: Float
    /// Keep only tokens at least this fraction as likely as the most likely one (0 keeps all).
    public var minP: Float
    /// CTRL-style penalty for tokens in the window: positive logits are divided by it, negative
    /// ones multiplied (1 is off).
    public var repetitionPenalty: Float
    /// Subtracted from a token's logit once per occurrence in the window (0 is off).
    public var frequencyPenalty: Float
    /// Subtracted from a token's logit when it occurs in the window at all (0 is off).
    public var presencePenalty: Float
    /// How many of the latest context tokens the penalties look at (0: the whole context).
    public var penaltyWindow: Int
    /// A token that would complete an n-gram of this many tokens already generated is never
    /// chosen (0 is off).
    public var noRepeatNgramSize: Int
    /// The seed of the random generator, so a sampled run can be repeated.
    public var seed: UInt64

    public init(temperature: Float = 0, topK: Int = 0, topP: Float = 1, minP: Float = 0, repetitionPenalty: Float = 1,
                frequencyPenalty: Float = 0, presencePenalty: Float = 0, penaltyWindow: Int = 64, noRepeatNgramSize: Int = 0,
                seed: UInt64 = 0) {
        self.temperature = temperature
        self.topK = topK
        self.topP = topP
        self.minP = minP
        self.repetitionPenalty = repetitionPenalty
        self.frequencyPenalty = frequencyPenalty
        self.presencePenalty = presencePenalty
        self.penaltyWindow = penaltyWindow
        self.noRepeatNgramSize = noRepeatNgramSize
        self.seed = seed
    }

    /// Plain argmax.
    public static let greedy = SamplingOptions()

    /// Checks ranges, naming the option that is out of range.
    public func validated() throws -> SamplingOptions {
        guard temperature >= 0, temperature.isFinite else { throw SamplingError("temperature must be ≥ 0, got \(temperature)") }
        guard topK >= 0 else { throw SamplingError("top-k must be ≥ 0, got \(topK)") }
        guard topP > 0, topP <= 1 else { throw SamplingError("top-p must be in (0, 1], got \(topP)") }
        guard minP >= 0, minP < 1 else { throw SamplingError("min-p must be in [0, 1), got \(minP)") }
        guard repetitionPenalty > 0, repetitionPenalty.isFinite else {
            throw SamplingError("the repetition penalty must be > 0, got \(repetitionPenalty)")
        }
        guard frequencyPenalty.isFinite, abs(frequencyPenalty) <= 10 else {
            throw SamplingError("the frequency penalty must be in [-10, 10], got \(frequencyPenalty)")
        }
        guard presencePenalty.isFinite, abs(presencePenalty) <= 10 else {
            throw SamplingError("the presence penalty must be in [-10, 10], got \(presencePenalty)")
        }
        guard penaltyWindow >= 0 else { throw SamplingError("the penalty window must be ≥ 0 tokens, got \(penaltyWindow)") }
        guard (0...32).contains(noRepeatNgramSize) else {
            throw SamplingError("the no-repeat n-gram size must be in 0...32, got \(noRepeatNgramSize)")
        }
        return self
    }

    /// Whether any penalty or ban can change the logits.
    var adjustsLogits: Bool {
        repetitionPenalty != 1 || frequencyPenalty != 0 || presencePenalty != 0 || noRepeatNgramSize > 0
    }
}

/// A sampling option out of range.
public struct SamplingError: Error, CustomStringConvertible, Sendable {
    public let description: String
    init(_ description: String) { self.description = description }
}

/// Picks tokens from logits under `SamplingOptions`, carrying its seeded random state from
/// step to step.
public struct Sampler: Sendable {
    public let options: SamplingOptions
    private var random: SeededGenerator

    public init(options: SamplingOptions) {
        self.options = options
        random = SeededGenerator(seed: options.seed)
    }

    /// The next token given the logits of the last position and the tokens of the context, of
    /// which the last `generated` are the model's own.
    public mutating func pick(_ logits: [Float], context: [Int], generated: Int = 0) -> Int {
        var logits = logits
        if options.adjustsLogits { penalize(&logits, context: context, generated: min(max(generated, 0), context.count)) }
        if options.temperature == 0 {
            return logits.indices.max { logits[$0] < logits[$1] } ?? 0
        }
        // Tokens more than 40 temperature-scaled nats below the best have probability < 1e-17
        // relative to it; leaving them out spares sorting the whole vocabulary at every step.
        let peak = Double(logits.max() ?? 0)
        let floor = Float(peak - 40 * Double(options.temperature))
        var candidates = logits.indices.filter { logits[$0] >= floor }.sorted { logits[$0] > logits[$1] }
        if options.topK > 0 { candidates = Array(candidates.prefix(options.topK)) }
        if options.minP > 0 {
            // p(token) ≥ minP · p(best)  ⇔  logit ≥ best + T · ln(minP).
            let cut = Float(peak + Double(options.temperature) * Foundation.log(Double(options.minP)))
            candidates = candidates.filter { logits[$0] >= cut }
        }
        var weights = candidates.map { Foundation.exp((Double(logits[$0]) - peak) / Double(options.temperature)) }
        let total = weights.reduce(0, +)
        if options.topP < 1 {
            var cumulative = 0.0
            var keep = 0
            while keep < weights.count {
                cumulative += weights[keep] / total
                keep += 1
                if cumulative >= Double(options.topP) { break }
            }
            candidates = Array(candidates.prefix(keep))
            weights = Array(weights.prefix(keep))
        }
        var target = Double.random(in: 0..<weights.reduce(0, +), using: &random)
        for (candidate, weight) in zip(candidates, weights) {
            target -= weight
            if target < 0 { return candidate }
        }
        return candidates[candidates.count - 1]
    }

    /// Applies the penalties over the window and bans the tokens that would repeat a generated
    /// n-gram.
    private func penalize(_ logits: inout [Float], context: [Int], generated: Int) {
        let window = options.penaltyWindow == 0 ? context[...] : context.suffix(options.penaltyWindow)
        var counts: [Int: Int] = [:]
        for id in window where logits.indices.contains(id) { counts[id, default: 0] += 1 }
        for (id, count) in counts {
            var logit = logits[id]
            if options.repetitionPenalty != 1 {
                logit = logit > 0 ? logit / options.repetitionPenalty : logit * options.repetitionPenalty
            }
            logit -= Float(count) * options.frequencyPenalty + options.presencePenalty
            logits[id] = logit
        }
        let n = options.noRepeatNgramSize
        guard n > 0, generated >= n else { return }
        let own = context.suffix(generated)
        let start = own.startIndex
        // The n − 1 latest tokens; every earlier place they occur names a token that may not follow.
        let tail = own.suffix(n - 1)
        for i in start...(own.endIndex - n) where own[i..<(i + n - 1)].elementsEqual(tail) {
            let banned = own[i + n - 1]
            if logits.indices.contains(banned) { logits[banned] = -.infinity }
        }
    }
}
