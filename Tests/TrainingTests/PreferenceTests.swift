import Foundation
import Testing
@testable import TwinlogGeneration
@testable import TwinlogTraining

/// DPO on the tiny random model: the chosen responses continue a rule (+3 per token), the
/// rejected ones another (+5).
@Suite("preference training (DPO)")
struct PreferenceTests {
    static let pairs: [TokenizedPair] = (0..<8).map { i in
        let prompt = [i % 23, (i * 5 + 2) % 23, (i * 7 + 1) % 23]
        func continued(_ delta: Int, _ count: Int) -> TokenizedSample {
            var ids = prompt
            while ids.count < prompt.count + count { ids.append((ids.last! + delta) % 23) }
            return TokenizedSample(ids: ids, promptLength: prompt.count)
        }
        return TokenizedPair(chosen: continued(3, 5 + i % 3), rejected: continued(5, 4 + i % 4))
    }

    @Test("the DPO gradient matches finite differences of the DPO loss (< 1e-2)")
    func gradient() {
        let trainer = LoRATrainer(weights: TrainerTests.weights, tokenizer: nil)
        let lora = LoRAConfiguration(rank: 2, alpha: 4, targets: [.value, .up])
        var parameters = LoRAParameters(configuration: lora, shape: ModelShape(GradientCheckTests.tinyConfig), seed: 2)
        let noise = GradientCheckTests.randomValues(parameters.count, seed: 3, scale: 0.3)
        for slot in parameters.slots {
            for i in 0..<(slot.outputs * lora.rank) { parameters.values[slot.bOffset + i] = noise[slot.bOffset + i] }
        }
        let pairs = Array(Self.pairs.prefix(4))
        let engine = trainer.preferenceEngine(pairs, lora: lora, parameterCount: parameters.count, batchSize: 4, threads: 2)
        let reference = trainer.referenceMargins(pairs, engine: engine, batchSize: 4)
        var gradients = [Float](repeating: 0, count: parameters.count)
        _ = LoRATrainer.preferenceLoss(pairs, reference: reference, beta: 0.5, engine: engine, parameters: parameters,
                                       gradients: &gradients)
        var analytic: [Double] = [], numeric: [Double] = []
        for slot in parameters.slots {
            for index in [slot.aOffset + 1, slot.bOffset + 2] {
                var probe = parameters
                probe.values[index] += 1e-2
                let plus = LoRATrainer.preferenceLoss(pairs, reference: reference, beta: 0.5, engine: engine, parameters: probe, gradients: nil).0
                probe.values[index] -= 2e-2
                let minus = LoRATrainer.preferenceLoss(pairs, reference: reference, beta: 0.5, engine: engine, parameters: probe, gradients: nil).0
                analytic.append(Double(gradients[index]))
                numeric.append((plus - minus) / 2e-2)
            }
        }
        #expect(GradientCheckTests.relativeError(analytic, numeric) < 1e-2, "\(analytic) vs \(numeric)")
    }

    @Test("DPO from fresh adapters learns to prefer every chosen response")
    func learnsPreference() throws {
        let trainer = LoRATrainer(weights: TrainerTests.weights, tokenizer: nil)
        let configuration = TrainingConfiguration(lora: LoRAConfiguration(rank: 4, alpha: 8, targets: [.query, .value, .down]),
                                                  steps: 30, batchSize: 4, maxSequenceLength: 16, learningRate: 3e-2,
                                                  warmupSteps: 2, seed: 4)
        let result = try trainer.trainPreferences(tokenized: Self.pairs, initial: nil, beta: 0.5, configuration: configuration,
                                                  options: TrainingRunOptions(threads: 2, logEvery: 0))
        #expect(abs(result.losses[0] - Foundation.log(2)) < 1e-6, "B = 0 at the start, so z = 0 and the loss is log 2")
        #expect(result.losses.suffix(3).allSatisfy { $0 < 0.3 }, "\(result.losses)")
        #expect(result.finalRewardAccuracy == 1)
    }
}
