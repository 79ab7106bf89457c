import Foundation
import Testing
@testable import TwinlogGeneration
@testable import TwinlogTraining
import TwinlogTestSupport

/// The training loop on the tiny random model: reproducibility, resume, divergence.
@Suite("LoRA training loop")
struct TrainerTests {
    static let weights = BaseWeights.random(config: GradientCheckTests.tinyConfig, seed: 31)

    /// 12 sequences of 6–12 tokens: a 3-token prompt, then a response that follows a fixed rule
    /// (each token is the previous one plus 3, modulo the vocabulary), so there is something to learn.
    static let samples: [TokenizedSample] = (0..<12).map { i in
        let length = 6 + i % 7
        var ids = [i % 23, (i * 5) % 23, (i * 7 + 1) % 23]
        while ids.count < length { ids.append((ids.last! + 3) % 23) }
        return TokenizedSample(ids: ids, promptLength: 3)
    }

    static func configuration(steps: Int = 8, learningRate: Float = 5e-2, seed: UInt64 = 7) -> TrainingConfiguration {
        TrainingConfiguration(lora: LoRAConfiguration(rank: 4, alpha: 8, dropout: 0.1, targets: [.query, .value, .gate, .down]),
                              steps: steps, batchSize: 4, maxSequenceLength: 16, learningRate: learningRate, warmupSteps: 2,
                              seed: seed)
    }

    static func train(_ configuration: TrainingConfiguration, options: TrainingRunOptions = TrainingRunOptions(threads: 2, logEvery: 0))
        throws -> TrainingResult {
        try LoRATrainer(weights: weights, tokenizer: nil).train(encoded: samples, skipped: 0, configuration: configuration,
                                                                options: options, onStep: nil)
    }

    @Test("the loss falls on a learnable rule")
    func lossFalls() throws {
        let result = try Self.train(Self.configuration(steps: 30))
        let first = result.losses.prefix(3).reduce(0, +) / 3, last = result.losses.suffix(3).reduce(0, +) / 3
        #expect(last < 0.8 * first, "mean loss of the first three steps \(first), of the last three \(last)")
    }

    @Test("the same seed gives bit-identical adapters; another seed does not")
    func reproducible() throws {
        let a = try Self.train(Self.configuration())
        let b = try Self.train(Self.configuration())
        let c = try Self.train(Self.configuration(seed: 8))
        #expect(a.parameters.values == b.parameters.values)
        #expect(a.losses == b.losses)
        #expect(a.parameters.values != c.parameters.values)
    }

    @Test("a run stopped after a checkpoint and resumed ends bit-identical to an uninterrupted run")
    func resume() throws {
        let uninterrupted = try Self.train(Self.configuration())
        let folder = try makeTemporaryFolder("artifacts")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let first = try Self.train(Self.configuration(), options: TrainingRunOptions(
            threads: 2, checkpointDirectory: folder, checkpointEvery: 3, stopAfterStep: 5, logEvery: 0))
        #expect(first.completedSteps == 5 && !first.isComplete)
        let resumed = try Self.train(Self.configuration(), options: TrainingRunOptions(
            threads: 2, checkpointDirectory: folder, checkpointEvery: 3, logEvery: 0))
        #expect(resumed.completedSteps == 8 && resumed.losses.count == 3)
        #expect(resumed.parameters.values == uninterrupted.parameters.values)
        #expect(Array(uninterrupted.losses.suffix(3)) == resumed.losses)
    }

    @Test("a checkpoint is not resumed with other hyper-parameters")
    func resumeMismatch() throws {
        let folder = try makeTemporaryFolder("artifacts")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        _ = try Self.train(Self.configuration(), options: TrainingRunOptions(threads: 2, checkpointDirectory: folder, stopAfterStep: 2, logEvery: 0))
        #expect(throws: TrainingError.self) {
            try Self.train(Self.configuration(learningRate: 1e-2), options: TrainingRunOptions(threads: 2, checkpointDirectory: folder, logEvery: 0))
        }
    }

    @Test("a NaN loss fails the run with a clear error and leaves no file half-written")
    func divergence() throws {
        let folder = try makeTemporaryFolder("artifacts")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        // A model whose embedding of token 22 is NaN: the first batch holding that token poisons
        // the loss, as a numerically broken step would.
        let poisoned = BaseWeights.random(config: GradientCheckTests.tinyConfig, seed: 31)
        (poisoned.embedding + 22 * poisoned.config.modelDim).update(repeating: .nan, count: poisoned.config.modelDim)
        let trainer = LoRATrainer(weights: poisoned, tokenizer: nil)
        let options = TrainingRunOptions(threads: 2, checkpointDirectory: folder, checkpointEvery: 1, logEvery: 0)
        do {
            _ = try trainer.train(encoded: Self.samples, skipped: 0, configuration: Self.configuration(steps: 8),
                                  options: options, onStep: nil)
            Issue.record("the run should have failed")
        } catch let error as TrainingError {
            guard case .nonFiniteLoss(let step, let loss, _) = error else { Issue.record("unexpected \(error)"); return }
            #expect(step >= 1 && step <= 8 && loss.isNaN)
            #expect(error.description.contains("diverged") && error.description.contains("no adapter was written"))
        }
        // Only complete checkpoints of the steps before the failure: no temporary files, and any
        // checkpoint there still reads back.
        let files = try FileManager.default.contentsOfDirectory(atPath: folder)
        #expect(files.allSatisfy { $0 == "checkpoint.twlt" }, "\(files)")
        for file in files { _ = try TensorFile<CheckpointHeader>.read(path: folder + "/" + file) }
    }

    @Test("the learning rate warms up linearly and decays by cosine to the minimum")
    func schedule() {
        let c = TrainingConfiguration(steps: 12, learningRate: 1, warmupSteps: 2, minimumLearningRateRatio: 0.1)
        #expect(c.learningRate(at: 0) == 0.5 && c.learningRate(at: 1) == 1)
        #expect(abs(c.learningRate(at: 2) - 1) < 1e-6)
        #expect(abs(c.learningRate(at: 11) - 0.1) < 1e-6)
        #expect(c.learningRate(at: 5) > c.learningRate(at: 6))
    }

    @Test("invalid hyper-parameters are rejected before any work")
    func validation() {
        for bad in [LoRAConfiguration(rank: 0), LoRAConfiguration(dropout: 1), LoRAConfiguration(targets: [])] {
            var c = Self.configuration()
            c.lora = bad
            #expect(throws: TrainingError.self) { try Self.train(c) }
        }
    }
}
