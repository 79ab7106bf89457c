import Crypto
import Foundation
import Logging
import TwinlogGeneration
import TwinlogLinalg
import TwinlogRuntime

/// How a run executes; none of it changes the numbers except `threads` (the gradient sums are
/// bit-identical for a given thread count, not across thread counts).
public struct TrainingRunOptions: Sendable {
    /// Worker threads (each runs a share of the batch with single-threaded OpenBLAS).
    public var threads: Int
    /// Where the checkpoint (`checkpoint.twlt`) is kept; nil: no checkpoints.
    public var checkpointDirectory: String?
    /// Write the checkpoint every this many steps and after the last one (0: only after the last).
    public var checkpointEvery: Int
    /// Continue from the checkpoint in `checkpointDirectory` when there is one.
    public var resume: Bool
    /// Return after this step even if the run is not finished (a time-boxed run; resume later).
    public var stopAfterStep: Int?
    /// Log progress every this many steps (0: never).
    public var logEvery: Int
    /// Identifies the base model in checkpoints (for example the GGUF's SHA-256).
    public var baseModelHash: String

    public init(threads: Int = ProcessInfo.processInfo.activeProcessorCount, checkpointDirectory: String? = nil,
                checkpointEvery: Int = 0, resume: Bool = true, stopAfterStep: Int? = nil, logEvery: Int = 1,
                baseModelHash: String = "") {
        self.threads = threads
        self.checkpointDirectory = checkpointDirectory
        self.checkpointEvery = checkpointEvery
        self.resume = resume
        self.stopAfterStep = stopAfterStep
        self.logEvery = logEvery
        self.baseModelHash = baseModelHash
    }
}

/// Progress after one optimizer step.
public struct TrainingProgress: Sendable {
    /// Steps done (1-based) and planned.
    public let step: Int
    public let steps: Int
    /// Mean cross-entropy over the batch's response tokens.
    public let loss: Double
    public let learningRate: Float
    /// The gradient's global L2 norm before clipping.
    public let gradientNorm: Double
    /// Real (unpadded) tokens per second since this invocation started.
    public let tokensPerSecond: Double
    /// Estimated seconds to the last step.
    public let etaSeconds: Double
}

/// What a run produced.
public struct TrainingResult: Sendable {
    /// The trained adapters.
    public let parameters: LoRAParameters
    public let configuration: TrainingConfiguration
    /// Steps completed in total (including those before a resume), and whether that is all.
    public let completedSteps: Int
    public var isComplete: Bool { completedSteps == configuration.steps }
    /// The loss of every step run by this invocation.
    public let losses: [Double]
    /// Real tokens processed and wall seconds spent by this invocation.
    public let tokens: Int
    public let seconds: Double
    public var tokensPerSecond: Double { seconds > 0 ? Double(tokens) / seconds : 0 }
    /// Samples used, and samples dropped because their prompt left no room for a response.
    public let samplesUsed: Int
    public let samplesSkipped: Int

    /// The adapters as an artifact, with the hyper-parameters and `metadata` in its header.
    public func artifact(metadata: [String: String] = [:]) -> LoRAArtifact {
        var all = metadata
        all["steps"] = String(completedSteps)
        all["learning_rate"] = String(configuration.learningRate)
        all["batch_size"] = String(configuration.batchSize)
        all["max_sequence_length"] = String(configuration.maxSequenceLength)
        all["seed"] = String(configuration.seed)
        if let last = losses.last { all["final_loss"] = String(last) }
        return LoRAArtifact(parameters: parameters, metadata: all)
    }
}

/// Held-out quality on response tokens.
public struct EvaluationReport: Sendable {
    /// Mean negative log-likelihood per response token (nats) and its exponential.
    public let meanLoss: Double
    public var perplexity: Double { Foundation.exp(meanLoss) }
    /// Response tokens scored.
    public let targetTokens: Int
}

/// LoRA fine-tuning of a Llama-architecture model: instruction samples and hyper-parameters in,
/// trained adapters and metrics out. The base weights are copied once as Float32 and frozen; a
/// trainer can run any number of trainings and evaluations, one at a time.
///
/// Guarantees: the same samples, configuration, seed and thread count give bit-identical adapters;
/// a run resumed from its checkpoint ends with the same adapters as an uninterrupted one; a NaN
/// or infinite loss or gradient fails the run with `TrainingError.nonFiniteLoss` before the
/// adapters are touched or a checkpoint is written; files are replaced atomically.
public final class LoRATrainer: @unchecked Sendable {
    /// The frozen base model.
    public let weights: BaseWeights
    /// Turns samples into tokens (nil for trainers over pre-tokenized data, as in tests).
    public let tokenizer: Tokenizer?
    let logger: Logger
    private let executor = BlockingExecutor(label: "twinlog.training")

    /// A trainer over `model` (dequantized to Float32 here) and its tokenizer.
    public convenience init(model: LlamaModel, tokenizer: Tokenizer, logger: Logger = Logger(label: "twinlog.training")) throws {
        self.init(weights: try BaseWeights(model: model), tokenizer: tokenizer, logger: logger)
    }

    public init(weights: BaseWeights, tokenizer: Tokenizer?, logger: Logger = Logger(label: "twinlog.training")) {
        self.weights = weights
        self.tokenizer = tokenizer
        self.logger = logger
    }

    /// Trains on `samples` off the cooperative pool (see the synchronous `train`).
    public func train(_ samples: [InstructionSample], configuration: TrainingConfiguration,
                      options: TrainingRunOptions = TrainingRunOptions(),
                      onStep: (@Sendable (TrainingProgress) -> Void)? = nil) async throws -> TrainingResult {
        try await executor.run { try self.trainSynchronously(samples, configuration: configuration, options: options, onStep: onStep) }
    }

    /// Trains on `samples` on the calling thread (blocking for the whole run).
    public func trainSynchronously(_ samples: [InstructionSample], configuration: TrainingConfiguration,
                                   options: TrainingRunOptions = TrainingRunOptions(),
                                   onStep: ((TrainingProgress) -> Void)? = nil) throws -> TrainingResult {
        let encoded = try encode(samples, maxLength: configuration.maxSequenceLength, systemMessage: configuration.systemMessage)
        return try train(encoded: encoded, skipped: samples.count - encoded.count, configuration: configuration,
                         options: options, onStep: onStep)
    }

    /// Trains on already tokenized samples (ids must be inside the vocabulary and each sample at
    /// most `maxSequenceLength` long) on the calling thread.
    public func trainSynchronously(tokenized samples: [TokenizedSample], configuration: TrainingConfiguration,
                                   options: TrainingRunOptions = TrainingRunOptions(),
                                   onStep: ((TrainingProgress) -> Void)? = nil) throws -> TrainingResult {
        let vocabulary = weights.config.vocabularySize
        for (i, sample) in samples.enumerated() {
            guard sample.ids.count <= configuration.maxSequenceLength, sample.ids.allSatisfy({ (0..<vocabulary).contains($0) }) else {
                throw TrainingError.noUsableSamples("sample \(i) is longer than \(configuration.maxSequenceLength) tokens or has ids outside the vocabulary")
            }
        }
        return try train(encoded: samples, skipped: 0, configuration: configuration, options: options, onStep: onStep)
    }

    /// Held-out loss and perplexity of the response tokens of `samples`, with `parameters` as
    /// adapters (nil: the base model).
    public func evaluate(_ samples: [InstructionSample], parameters: LoRAParameters?, maxSequenceLength: Int = 256,
                         batchSize: Int = 8, systemMessage: String? = nil,
                         threads: Int = ProcessInfo.processInfo.activeProcessorCount) throws -> EvaluationReport {
        let encoded = try encode(samples, maxLength: maxSequenceLength, systemMessage: systemMessage)
        return evaluate(encoded: encoded, parameters: parameters, batchSize: batchSize, threads: threads)
    }

    // MARK: - Internals over token ids

    func encode(_ samples: [InstructionSample], maxLength: Int, systemMessage: String?) throws -> [TokenizedSample] {
        guard let tokenizer else { throw TrainingError.invalidConfiguration("this trainer has no tokenizer") }
        let encoder = SampleEncoder(tokenizer: tokenizer, systemMessage: systemMessage, maxLength: maxLength)
        let encoded = try samples.compactMap(encoder.encode)
        guard !encoded.isEmpty else {
            throw TrainingError.noUsableSamples("\(samples.count) samples, none fits \(maxLength) tokens with a response")
        }
        return encoded
    }

    func evaluate(encoded: [TokenizedSample], parameters: LoRAParameters?, batchSize: Int, threads: Int) -> EvaluationReport {
        let parameters = parameters ?? .none(shape: ModelShape(weights.config))
        let order = encoded.indices.sorted { (encoded[$0].ids.count, $0) < (encoded[$1].ids.count, $1) }
        let engine = TrainingEngine(weights: weights, lora: parameters.configuration, parameterCount: parameters.count,
                                    batchSize: batchSize, maxLength: encoded.map(\.ids.count).max() ?? 1, threads: threads)
        var loss = 0.0, targets = 0
        for first in stride(from: 0, to: order.count, by: batchSize) {
            let batch = TokenBatch(order[first..<min(order.count, first + batchSize)].map { encoded[$0] })
            let result = engine.run(batch, parameters: parameters, gradients: nil, dropoutSeed: 0)
            loss += result.meanLoss * Double(result.targets)
            targets += result.targets
        }
        return EvaluationReport(meanLoss: targets > 0 ? loss / Double(targets) : 0, targetTokens: targets)
    }

    func train(encoded: [TokenizedSample], skipped: Int, configuration c: TrainingConfiguration, options: TrainingRunOptions,
               onStep: ((TrainingProgress) -> Void)?) throws -> TrainingResult {
        try c.validate(contextLength: weights.config.contextLength)
        guard !encoded.isEmpty else { throw TrainingError.noUsableSamples("the sample list is empty") }
        let shape = ModelShape(weights.config)
        var parameters = LoRAParameters(configuration: c.lora, shape: shape, seed: c.seed)
        var adam = AdamW(count: parameters.count)
        let fingerprint = Self.fingerprint(encoded)
        let checkpoint = options.checkpointDirectory.map { URL(fileURLWithPath: $0).appendingPathComponent("checkpoint.twlt").path }
        if let checkpoint, options.resume, FileManager.default.fileExists(atPath: checkpoint) {
            try restore(from: checkpoint, configuration: c, shape: shape, fingerprint: fingerprint, options: options,
                        parameters: &parameters, adam: &adam)
            logger.info("resuming from \(checkpoint) after step \(adam.step) of \(c.steps)")
        }
        let schedule = BatchSchedule(samples: encoded, batchSize: c.batchSize, seed: c.seed).steps(c.steps)
        let engine = TrainingEngine(weights: weights, lora: c.lora, parameterCount: parameters.count, batchSize: c.batchSize,
                                    maxLength: encoded.map(\.ids.count).max()!, threads: options.threads)
        var gradients = [Float](repeating: 0, count: parameters.count)
        var losses: [Double] = []
        var tokens = 0
        let clock = ContinuousClock(), started = clock.now
        let firstStep = adam.step
        let lastStep = min(c.steps, options.stopAfterStep ?? c.steps)
        for step in firstStep..<max(firstStep, lastStep) {
            let batch = TokenBatch(schedule[step].map { encoded[$0] })
            let dropoutSeed = c.seed ^ (UInt64(step + 1) &* 0xD6E8_FEB8_6659_FD93)
            let loss = gradients.withUnsafeMutableBufferPointer {
                engine.run(batch, parameters: parameters, gradients: $0.baseAddress!, dropoutSeed: dropoutSeed).meanLoss
            }
            let (norm, rate) = try Self.optimizerStep(step: step, loss: loss, gradients: &gradients, parameters: &parameters,
                                                      adam: &adam, configuration: c)
            losses.append(loss)
            tokens += batch.tokenCount
            let elapsed = (clock.now - started).inSeconds
            let progress = TrainingProgress(
                step: step + 1, steps: c.steps, loss: loss, learningRate: rate, gradientNorm: norm,
                tokensPerSecond: Double(tokens) / elapsed,
                etaSeconds: elapsed / Double(step + 1 - firstStep) * Double(c.steps - step - 1))
            if options.logEvery > 0, (step + 1) % options.logEvery == 0 || step + 1 == c.steps { log(progress) }
            onStep?(progress)
            let due = options.checkpointEvery > 0 && (step + 1) % options.checkpointEvery == 0
            if let checkpoint, due || step + 1 == lastStep {
                try save(checkpoint, configuration: c, shape: shape, fingerprint: fingerprint, options: options,
                         parameters: parameters, adam: adam)
            }
        }
        return TrainingResult(parameters: parameters, configuration: c, completedSteps: adam.step, losses: losses,
                              tokens: tokens, seconds: (clock.now - started).inSeconds, samplesUsed: encoded.count,
                              samplesSkipped: skipped)
    }

    private func log(_ p: TrainingProgress) {
        let line = "step \(p.step)/\(p.steps) loss \(String(format: "%.4f", p.loss)) lr \(String(format: "%.2e", p.learningRate)) "
            + "grad-norm \(String(format: "%.3f", p.gradientNorm)) \(Int(p.tokensPerSecond.rounded())) tokens/s "
            + "ETA \(Int(p.etaSeconds.rounded())) s"
        logger.info("\(line)")
    }

    /// Checks the loss and the gradient, clips the gradient by its global norm and applies AdamW at
    /// step `step`'s learning rate. Throws `nonFiniteLoss` before anything changes when the loss
    /// or gradient is not finite, or when the update would make an adapter value infinite.
    static func optimizerStep(step: Int, loss: Double, gradients: inout [Float], parameters: inout LoRAParameters,
                              adam: inout AdamW, configuration c: TrainingConfiguration) throws -> (norm: Double, rate: Float) {
        let norm = Self.norm(gradients)
        guard loss.isFinite, norm.isFinite else { throw TrainingError.nonFiniteLoss(step: step + 1, loss: loss, gradientNorm: norm) }
        if c.maxGradientNorm > 0, norm > Double(c.maxGradientNorm) {
            let factor = Float(Double(c.maxGradientNorm) / norm)
            gradients.withUnsafeMutableBufferPointer { BLAS.scale($0.baseAddress!, by: factor, count: $0.count) }
        }
        let rate = c.learningRate(at: step)
        var updated = parameters.values
        var moments = adam
        gradients.withUnsafeBufferPointer { moments.update(&updated, gradients: $0.baseAddress!, learningRate: rate, configuration: c) }
        guard updated.allSatisfy(\.isFinite) else {
            throw TrainingError.nonFiniteLoss(step: step + 1, loss: .infinity, gradientNorm: norm)
        }
        parameters.values = updated
        adam = moments
        return (norm, rate)
    }

    /// The gradient's global L2 norm, accumulated in Double.
    static func norm(_ values: [Float]) -> Double {
        var sum = 0.0
        for value in values { sum += Double(value) * Double(value) }
        return sum.squareRoot()
    }

    /// SHA-256 over the token ids and prompt lengths, so a checkpoint is resumed only on its own data.
    static func fingerprint(_ samples: [TokenizedSample]) -> String {
        var hash = SHA256()
        for sample in samples {
            let header = [Int64(sample.promptLength), Int64(sample.ids.count)] + sample.ids.map(Int64.init)
            header.withUnsafeBytes { hash.update(bufferPointer: $0) }
        }
        return hash.finalize().hexDigits
    }

    // MARK: - Checkpoints: the container of kind "checkpoint" holding parameters, Adam's m and v, and the step.

    private func save(_ path: String, configuration: TrainingConfiguration, shape: ModelShape, fingerprint: String,
                      options: TrainingRunOptions, parameters: LoRAParameters, adam: AdamW) throws {
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        let count = parameters.count
        let header = CheckpointHeader(lora: configuration.lora, model: shape, training: configuration, step: adam.step,
                                      metadata: ["data": fingerprint, "base_model": options.baseModelHash],
                                      tensors: ["parameters", "adam.m", "adam.v"].map { TensorEntry(name: $0, shape: [count]) })
        var file = TensorFile(header: header, tensors: [parameters.values, adam.m, adam.v])
        try file.write(to: path)
    }

    private func restore(from path: String, configuration: TrainingConfiguration, shape: ModelShape, fingerprint: String,
                         options: TrainingRunOptions, parameters: inout LoRAParameters, adam: inout AdamW) throws {
        let file = try TensorFile<CheckpointHeader>.read(path: path)
        let h = file.header
        guard h.kind == "checkpoint", let step = h.step, let training = h.training else {
            throw ArtifactError(path: path, reason: "it is not a checkpoint")
        }
        guard training == configuration else { throw TrainingError.checkpointMismatch("\(path) was written with other hyper-parameters") }
        guard h.model == shape, h.metadata["base_model"] == options.baseModelHash else {
            throw TrainingError.checkpointMismatch("\(path) was written for another base model")
        }
        guard h.metadata["data"] == fingerprint else { throw TrainingError.checkpointMismatch("\(path) was written for other samples") }
        guard (0...configuration.steps).contains(step), file.tensors.count == 3,
              file.tensors.allSatisfy({ $0.count == parameters.count }) else {
            throw ArtifactError(path: path, reason: "its tensors do not match the adapters' size or its step is out of range")
        }
        parameters.values = file.tensors[0]
        adam.m = file.tensors[1]
        adam.v = file.tensors[2]
        adam.step = step
    }
}

/// The header of a checkpoint file: the run's settings and step beside the adapter fields, so a
/// resumed run can refuse a checkpoint written by other settings, another model or other samples.
struct CheckpointHeader: TensorFileHeader {
    var format = TensorFileFormat.version
    var kind = "checkpoint"
    var lora: LoRAConfiguration
    var model: ModelShape
    var training: TrainingConfiguration?
    var step: Int?
    var metadata: [String: String]
    var tensors: [TensorEntry]
}
