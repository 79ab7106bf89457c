import Foundation
import Logging
import TwinlogGeneration

/// One preference for the same instruction: the author's own text (chosen) and a text not in the
/// author's voice, such as the base model's answer (rejected).
public struct PreferencePair: Sendable, Equatable, Codable {
    public var instruction: String
    public var chosen: String
    public var rejected: String

    public init(instruction: String, chosen: String, rejected: String) {
        self.instruction = instruction
        self.chosen = chosen
        self.rejected = rejected
    }
}

/// A preference pair as token ids (the same prompt in both).
public struct TokenizedPair: Sendable, Equatable {
    public let chosen: TokenizedSample
    public let rejected: TokenizedSample

    public init(chosen: TokenizedSample, rejected: TokenizedSample) {
        self.chosen = chosen
        self.rejected = rejected
    }
}

/// What a preference run produced.
public struct PreferenceResult: Sendable {
    /// The adapters after the run.
    public let parameters: LoRAParameters
    /// The DPO loss of every step.
    public let losses: [Double]
    /// Of the last step's pairs, the fraction the adapters prefer the right way (implicit reward of
    /// the chosen text above the rejected one).
    public let finalRewardAccuracy: Double
}

/// Direct Preference Optimization (Rafailov et al., 2023) of the adapters, with the base model
/// (no adapters) as the reference: for a pair with policy log-likelihoods π_c, π_r (summed over
/// the response tokens) and reference ones ρ_c, ρ_r, z = β((π_c − ρ_c) − (π_r − ρ_r)) and the loss
/// is the mean of −log σ(z). Its gradient is a weighted sum of the sequences' NLL gradients
/// (weight β σ(−z) / pairs on the chosen, its negative on the rejected), which the training engine
/// computes in one backward pass. Dropout is off in this stage, so the forward pass that scores
/// the pairs and the one that is differentiated are the same function.
extension LoRATrainer {
    /// Runs DPO on `pairs` from `initial` adapters (usually the supervised run's; nil starts from
    /// fresh ones of `configuration.lora`), `configuration.steps` steps of `configuration.batchSize`
    /// pairs. Reproducible from the seed like supervised training; no checkpoints in this stage.
    public func trainPreferences(_ pairs: [PreferencePair], initial: LoRAParameters?, beta: Float = 0.1,
                                 configuration: TrainingConfiguration,
                                 options: TrainingRunOptions = TrainingRunOptions()) throws -> PreferenceResult {
        let both = try pairs.compactMap { pair -> TokenizedPair? in
            let chosen = try encode([InstructionSample(instruction: pair.instruction, output: pair.chosen)],
                                    maxLength: configuration.maxSequenceLength, systemMessage: configuration.systemMessage)
            let rejected = try encode([InstructionSample(instruction: pair.instruction, output: pair.rejected)],
                                      maxLength: configuration.maxSequenceLength, systemMessage: configuration.systemMessage)
            return TokenizedPair(chosen: chosen[0], rejected: rejected[0])
        }
        return try trainPreferences(tokenized: both, initial: initial, beta: beta, configuration: configuration, options: options)
    }

    /// DPO on tokenized pairs (see `trainPreferences(_:initial:beta:configuration:options:)`).
    public func trainPreferences(tokenized pairs: [TokenizedPair], initial: LoRAParameters?, beta: Float = 0.1,
                                 configuration c: TrainingConfiguration,
                                 options: TrainingRunOptions = TrainingRunOptions()) throws -> PreferenceResult {
        try c.validate(contextLength: weights.config.contextLength)
        guard !pairs.isEmpty else { throw TrainingError.noUsableSamples("no preference pairs") }
        guard beta.isFinite, beta > 0 else { throw TrainingError.invalidConfiguration("beta must be positive, got \(beta)") }
        var parameters = initial ?? LoRAParameters(configuration: c.lora, shape: ModelShape(weights.config), seed: c.seed)
        guard parameters.shape == ModelShape(weights.config) else {
            throw TrainingError.invalidConfiguration("the initial adapters were made for another model shape")
        }
        var lora = parameters.configuration
        lora.dropout = 0
        let engine = preferenceEngine(pairs, lora: lora, parameterCount: parameters.count, batchSize: c.batchSize, threads: options.threads)
        let reference = referenceMargins(pairs, engine: engine, batchSize: c.batchSize)
        let schedule = BatchSchedule(samples: pairs.map { $0.chosen.ids.count >= $0.rejected.ids.count ? $0.chosen : $0.rejected },
                                     batchSize: c.batchSize, seed: c.seed).steps(c.steps)
        var adam = AdamW(count: parameters.count)
        var gradients = [Float](repeating: 0, count: parameters.count)
        var losses: [Double] = [], accuracy = 0.0
        for step in 0..<c.steps {
            let indices = schedule[step]
            let (loss, correct) = gradients.withUnsafeMutableBufferPointer {
                Self.preferenceLoss(indices.map { pairs[$0] }, reference: indices.map { reference[$0] }, beta: beta,
                                    engine: engine, parameters: parameters, gradients: $0.baseAddress!)
            }
            let (norm, rate) = try Self.optimizerStep(step: step, loss: loss, gradients: &gradients, parameters: &parameters,
                                                      adam: &adam, configuration: c)
            losses.append(loss)
            accuracy = correct
            if options.logEvery > 0, (step + 1) % options.logEvery == 0 || step + 1 == c.steps {
                logger.info("DPO step \(step + 1)/\(c.steps) loss \(String(format: "%.4f", loss)) reward accuracy \(String(format: "%.2f", correct)) lr \(String(format: "%.2e", rate)) grad-norm \(String(format: "%.3f", norm))")
            }
        }
        return PreferenceResult(parameters: parameters, losses: losses, finalRewardAccuracy: accuracy)
    }

    /// An engine for batches of 2 × batchSize sequences (chosen, then rejected).
    func preferenceEngine(_ pairs: [TokenizedPair], lora: LoRAConfiguration, parameterCount: Int, batchSize: Int,
                          threads: Int) -> TrainingEngine {
        let longest = pairs.map { max($0.chosen.ids.count, $0.rejected.ids.count) }.max()!
        return TrainingEngine(weights: weights, lora: lora, parameterCount: parameterCount, batchSize: 2 * batchSize,
                              maxLength: longest, threads: threads)
    }

    /// ρ_c − ρ_r of every pair under the base model.
    func referenceMargins(_ pairs: [TokenizedPair], engine: TrainingEngine, batchSize: Int) -> [Double] {
        let base = LoRAParameters.none(shape: ModelShape(weights.config))
        var margins: [Double] = []
        for first in stride(from: 0, to: pairs.count, by: batchSize) {
            let group = Array(pairs[first..<min(pairs.count, first + batchSize)])
            let nll = engine.run(TokenBatch(group.map(\.chosen) + group.map(\.rejected)), parameters: base, gradients: nil,
                                 dropoutSeed: 0).sequenceLosses
            for i in group.indices { margins.append(nll[group.count + i] - nll[i]) }
        }
        return margins
    }

    /// The mean DPO loss of `pairs` and the fraction with z > 0; with `gradients`, also its
    /// gradient (a scoring pass, then one weighted forward and backward pass).
    static func preferenceLoss(_ pairs: [TokenizedPair], reference: [Double], beta: Float, engine: TrainingEngine,
                               parameters: LoRAParameters, gradients: UnsafeMutablePointer<Float>?) -> (Double, Double) {
        let batch = TokenBatch(pairs.map(\.chosen) + pairs.map(\.rejected))
        let nll = engine.run(batch, parameters: parameters, gradients: nil, dropoutSeed: 0).sequenceLosses
        let p = pairs.count, b = Double(beta)
        var loss = 0.0, correct = 0.0
        var scales = [Float](repeating: 0, count: 2 * p)
        for i in 0..<p {
            // π_c − π_r = NLL_r − NLL_c; reference[i] = ρ_c − ρ_r.
            let z = b * ((nll[p + i] - nll[i]) - reference[i])
            loss += z > 0 ? Foundation.log1p(Foundation.exp(-z)) : -z + Foundation.log1p(Foundation.exp(z))
            correct += z > 0 ? 1 : 0
            let weight = Float(b / (1 + Foundation.exp(z)) / Double(p))
            scales[i] = weight
            scales[p + i] = -weight
        }
        if let gradients {
            _ = engine.run(batch, parameters: parameters, gradients: gradients, dropoutSeed: 0, sequenceScales: scales)
        }
        return (loss / Double(p), correct / Double(p))
    }
}
