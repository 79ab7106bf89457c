import Foundation
import TwinlogGeneration

/// The hyper-parameters of a LoRA run. Everything that changes the numbers is here (and stored in
/// checkpoints, so a resumed run must use the same values); how the run executes (threads,
/// checkpoint folder, logging) is in `TrainingRunOptions`.
public struct TrainingConfiguration: Sendable, Equatable, Codable {
    /// Which layers get adapters and their size.
    public var lora: LoRAConfiguration
    /// Optimizer steps (one batch each); the samples are cycled through as many epochs as needed.
    public var steps: Int
    /// Sequences per batch.
    public var batchSize: Int
    /// Tokens per sequence at most; longer samples lose the end of their response.
    public var maxSequenceLength: Int
    /// Peak learning rate, reached after the warm-up.
    public var learningRate: Float
    /// Steps of linear warm-up from 0 to the peak.
    public var warmupSteps: Int
    /// The cosine decay ends at learningRate × this.
    public var minimumLearningRateRatio: Float
    /// Decoupled weight decay (AdamW) on the adapters.
    public var weightDecay: Float
    public var beta1: Float
    public var beta2: Float
    public var epsilon: Float
    /// The gradient's global L2 norm is scaled down to this when larger (0 turns clipping off).
    public var maxGradientNorm: Float
    /// Seeds A's initialization, the sample order and the dropout masks.
    public var seed: UInt64
    /// The system turn of the ChatML prompt (nil: the template's default).
    public var systemMessage: String?

    public init(lora: LoRAConfiguration = LoRAConfiguration(), steps: Int = 100, batchSize: Int = 8,
                maxSequenceLength: Int = 256, learningRate: Float = 2e-4, warmupSteps: Int = 10,
                minimumLearningRateRatio: Float = 0.1, weightDecay: Float = 0, beta1: Float = 0.9, beta2: Float = 0.999,
                epsilon: Float = 1e-8, maxGradientNorm: Float = 1, seed: UInt64 = 0, systemMessage: String? = nil) {
        self.lora = lora
        self.steps = steps
        self.batchSize = batchSize
        self.maxSequenceLength = maxSequenceLength
        self.learningRate = learningRate
        self.warmupSteps = warmupSteps
        self.minimumLearningRateRatio = minimumLearningRateRatio
        self.weightDecay = weightDecay
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        self.maxGradientNorm = maxGradientNorm
        self.seed = seed
        self.systemMessage = systemMessage
    }

    /// Checks every range; throws `TrainingError.invalidConfiguration` naming the first problem.
    public func validate(contextLength: Int) throws {
        func fail(_ message: String) -> TrainingError { .invalidConfiguration(message) }
        do { try lora.validate() } catch { throw fail("\(error)") }
        guard steps > 0 else { throw fail("steps must be positive, got \(steps)") }
        guard batchSize > 0 else { throw fail("batch size must be positive, got \(batchSize)") }
        guard (2...contextLength).contains(maxSequenceLength) else {
            throw fail("max sequence length must be in 2...\(contextLength), got \(maxSequenceLength)")
        }
        guard learningRate.isFinite, learningRate > 0 else { throw fail("learning rate must be positive, got \(learningRate)") }
        guard warmupSteps >= 0 else { throw fail("warm-up steps must be ≥ 0, got \(warmupSteps)") }
        guard (0...1).contains(minimumLearningRateRatio) else { throw fail("minimum learning rate ratio must be in 0...1") }
        guard weightDecay >= 0 else { throw fail("weight decay must be ≥ 0") }
        guard (0..<1).contains(beta1), (0..<1).contains(beta2), epsilon > 0 else { throw fail("betas must be in 0 ..< 1 and ε > 0") }
        guard maxGradientNorm >= 0 else { throw fail("max gradient norm must be ≥ 0") }
    }

    /// The learning rate of step `step` (0-based): linear warm-up to the peak over `warmupSteps`,
    /// then cosine decay to the minimum at the last step.
    public func learningRate(at step: Int) -> Float {
        if step < warmupSteps { return learningRate * Float(step + 1) / Float(warmupSteps) }
        let decaySteps = max(1, steps - warmupSteps - 1)
        let progress = min(1, Double(step - warmupSteps) / Double(decaySteps))
        let minimum = Double(learningRate * minimumLearningRateRatio)
        return Float(minimum + (Double(learningRate) - minimum) * 0.5 * (1 + cos(Double.pi * progress)))
    }
}
