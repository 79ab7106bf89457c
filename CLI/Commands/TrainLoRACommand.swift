import ArgumentParser
import Foundation
import TwinlogCommandSupport
import TwinlogGeneration
import TwinlogTraining

/// `twinlog train-lora`: fine-tunes LoRA adapters on instruction samples from a file, for manual
/// runs (the training consumer calls the same `LoRATrainer`). Writes the adapter artifact, and
/// with `--eval` prints held-out perplexity of the base model and of the adapter.
struct TrainLoRACommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train-lora",
        abstract: "Train LoRA adapters on {instruction, output} samples (JSON array or JSON lines) and save the artifact.")

    @OptionGroup var model: GeneratorModelOptions

    @Option(help: "Training samples: a JSON array or JSON lines of {\"instruction\": …, \"output\": …}.")
    var samples: String

    @Option(help: "Held-out samples (same format) to report perplexity on before and after.")
    var eval: String?

    @Option(help: "Where to write the adapter artifact.")
    var output: String

    @Option(help: "LoRA rank.") var rank = 8
    @Option(help: "LoRA alpha (the adapter is scaled by alpha / rank).") var alpha: Float = 16
    @Option(help: "Dropout on the adapters' inputs.") var dropout: Float = 0.05
    @Option(help: "Adapted projections: all, or a comma list of query,key,value,output,gate,up,down.") var targets = "query,value"
    @Option(help: "Optimizer steps.") var steps = 100
    @Option(name: .customLong("batch-size"), help: "Sequences per step.") var batchSize = 8
    @Option(name: .customLong("max-length"), help: "Tokens per sequence at most.") var maxLength = 256
    @Option(name: .customLong("learning-rate"), help: "Peak learning rate.") var learningRate: Float = 2e-4
    @Option(name: .customLong("warmup-steps"), help: "Linear warm-up steps.") var warmupSteps = 10
    @Option(help: "Seed of the initialization, sample order and dropout.") var seed: UInt64 = 0
    @Option(name: .customLong("checkpoint-dir"), help: "Keep a checkpoint here and resume from it when present.") var checkpointDirectory: String?
    @Option(name: .customLong("checkpoint-every"), help: "Checkpoint every this many steps.") var checkpointEvery = 50

    func run() throws {
        let train = try Self.readSamples(samples)
        let generator = try model.loadGenerator()
        let trainer = try LoRATrainer(model: generator.model, tokenizer: generator.tokenizer)
        let configuration = TrainingConfiguration(
            lora: LoRAConfiguration(rank: rank, alpha: alpha, dropout: dropout, targets: try parseTargets(targets)),
            steps: steps, batchSize: batchSize, maxSequenceLength: maxLength, learningRate: learningRate,
            warmupSteps: warmupSteps, seed: seed)
        let threads = model.threads ?? ProcessInfo.processInfo.activeProcessorCount
        let result = try trainer.trainSynchronously(train, configuration: configuration, options: TrainingRunOptions(
            threads: threads, checkpointDirectory: checkpointDirectory, checkpointEvery: checkpointEvery, logEvery: 1))
        var summary: [String: Any] = ["steps": result.completedSteps, "tokens_per_second": result.tokensPerSecond,
                                      "samples_used": result.samplesUsed, "samples_skipped": result.samplesSkipped]
        var metadata: [String: String] = [:]
        if let eval {
            let held = try Self.readSamples(eval)
            let base = try trainer.evaluate(held, parameters: nil, maxSequenceLength: maxLength, threads: threads)
            let tuned = try trainer.evaluate(held, parameters: result.parameters, maxSequenceLength: maxLength, threads: threads)
            summary["eval_perplexity_base"] = base.perplexity
            summary["eval_perplexity_adapter"] = tuned.perplexity
            metadata["eval_perplexity"] = String(tuned.perplexity)
            metadata["eval_perplexity_base"] = String(base.perplexity)
        }
        let artifact = try result.artifact(metadata: metadata).write(to: output)
        summary["adapter"] = output
        summary["sha256"] = artifact.contentHash ?? ""
        if let last = result.losses.last { summary["final_loss"] = last }
        try printJSONLine(summary)
    }

    /// A JSON array, or one JSON object per line.
    static func readSamples(_ path: String) throws -> [InstructionSample] {
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        if let array = try? JSONDecoder().decode([InstructionSample].self, from: data) { return array }
        return try String(decoding: data, as: UTF8.self).split(separator: "\n").filter { !$0.allSatisfy(\.isWhitespace) }.map {
            try JSONDecoder().decode(InstructionSample.self, from: Data($0.utf8))
        }
    }
}
