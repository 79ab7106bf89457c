import Foundation
import TwinlogRuntime

/// How the next token is chosen from the logits.
public struct SamplingOptions: Sendable, Equatable {
    /// 0 picks the most likely token (greedy); above 0 divides the logits before sampling.
    public var temperature: Float
    /// Keep only the k most likely tokens (0 keeps all).
    public var topK: Int
    /// Keep the smallest set of most likely tokens whose probability reaches p (1 keeps all).
    public var topP: Float
    /// CTRL-style penalty for tokens already in the context: positive logits are divided by it,
    /// negative ones multiplied (1 is off).
    public var repetitionPenalty: Float
    /// The seed of the random generator, so a sampled run can be repeated.
    public var seed: UInt64

    public init(temperature: Float = 0, topK: Int = 0, topP: Float = 1, repetitionPenalty: Float = 1, seed: UInt64 = 0) {
        self.temperature = temperature
        self.topK = topK
        self.topP = topP
        self.repetitionPenalty = repetitionPenalty
        self.seed = seed
    }

    /// Plain argmax.
    public static let greedy = SamplingOptions()

    /// Checks ranges, naming the option that is out of range.
    public func validated() throws -> SamplingOptions {
        guard temperature >= 0, temperature.isFinite else { throw SamplingError("temperature must be ≥ 0, got \(temperature)") }
        guard topK >= 0 else { throw SamplingError("top-k must be ≥ 0, got \(topK)") }
        guard topP > 0, topP <= 1 else { throw SamplingError("top-p must be in (0, 1], got \(topP)") }
        guard repetitionPenalty > 0, repetitionPenalty.isFinite else {
            throw SamplingError("the repetition penalty must be > 0, got \(repetitionPenalty)")
        }
        return self
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

    /// The next token given the logits of the last position and the tokens of the context.
    public mutating func pick(_ logits: [Float], context: [Int]) -> Int {
        var logits = logits
        if options.repetitionPenalty != 1 {
            for id in Set(context) where logits.indices.contains(id) {
                logits[id] = logits[id] > 0 ? logits[id] / options.repetitionPenalty : logits[id] * options.repetitionPenalty
            }
        }
        if options.temperature == 0 {
            return logits.indices.max { logits[$0] < logits[$1] } ?? 0
        }
        // Tokens more than 40 temperature-scaled nats below the best have probability < 1e-17
        // relative to it; leaving them out spares sorting the whole vocabulary at every step.
        let peak = Double(logits.max() ?? 0)
        let floor = Float(peak - 40 * Double(options.temperature))
        var candidates = logits.indices.filter { logits[$0] >= floor }.sorted { logits[$0] > logits[$1] }
        if options.topK > 0 { candidates = Array(candidates.prefix(options.topK)) }
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
}
