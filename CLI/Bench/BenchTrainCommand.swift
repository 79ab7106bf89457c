import ArgumentParser
import Foundation
import TwinlogCommandSupport
import TwinlogGeneration
import TwinlogRuntime
import TwinlogTraining

/// `twinlog bench train`: the Swift side of Benchmarks/training/run.py. Trains LoRA adapters on
/// the token batch the script wrote (the same ids PyTorch + peft train on) and prints one JSON
/// object: tokens per second over the steps after the first (which pays for page faults and
/// allocation), per-step seconds and losses, and the FLOP rate as a fraction of the machine's
/// sgemm peak.
struct BenchTrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Time LoRA training steps on a JSON token batch (prints JSON).")

    @OptionGroup var model: GeneratorModelOptions

    @Option(help: "JSON file: {\"prompt_length\": P, \"sequences\": [[id, …], …]} (one batch; loss after the first P tokens).")
    var batchFile: String

    @Option(help: "LoRA rank.")
    var rank = 16

    @Option(help: "LoRA alpha.")
    var alpha: Float = 32

    @Option(help: "Adapted projections: all, or a comma list of query,key,value,output,gate,up,down.")
    var targets = "all"

    @Option(help: "Optimizer steps; the first is not timed.")
    var steps = 4

    @Option(help: "Learning rate.")
    var learningRate: Float = 1e-4

    @Option(help: "The sgemm peak (GFLOP/s) the achieved rate is compared with.")
    var peakGflops = 180.0

    func run() throws {
        struct Batch: Decodable {
            let prompt_length: Int
            let sequences: [[Int]]
        }
        let batch = try JSONDecoder().decode(Batch.self, from: Data(contentsOf: URL(fileURLWithPath: batchFile)))
        guard !batch.sequences.isEmpty, steps >= 2 else { throw ValidationError("need a non-empty batch and at least 2 steps") }
        let generator = try model.loadGenerator()
        let threads = model.threads ?? ProcessInfo.processInfo.activeProcessorCount
        let trainer = try LoRATrainer(model: generator.model, tokenizer: generator.tokenizer)
        let samples = batch.sequences.map { TokenizedSample(ids: $0, promptLength: batch.prompt_length) }
        let lora = LoRAConfiguration(rank: rank, alpha: alpha, dropout: 0, targets: try parseTargets(targets))
        let length = batch.sequences.map(\.count).max()!
        let configuration = TrainingConfiguration(lora: lora, steps: steps, batchSize: samples.count, maxSequenceLength: length,
                                                  learningRate: learningRate, warmupSteps: 0)
        let clock = ContinuousClock()
        var marks = [clock.now]
        let result = try trainer.trainSynchronously(tokenized: samples, configuration: configuration,
                                                    options: TrainingRunOptions(threads: threads, logEvery: 0)) { _ in
            marks.append(clock.now)
        }
        let seconds = zip(marks.dropFirst(), marks).map { ($0 - $1).inSeconds }
        let tokens = samples.reduce(0) { $0 + $1.ids.count }
        let timed = seconds.dropFirst().reduce(0, +)
        let flops = Self.flopsPerStep(generator.model.config, lora: lora, samples: samples)
        let rate = flops * Double(seconds.count - 1) / timed / 1e9
        try printJSONLine([
            "tokens_per_step": tokens, "threads": threads, "step_seconds": seconds, "losses": result.losses,
            "tokens_per_second": Double(tokens * (seconds.count - 1)) / timed,
            "gflop_per_step": flops / 1e9, "gflops": rate, "peak_fraction": rate / peakGflops,
        ])
    }

    /// Multiply-adds ×2 of one step: the frozen products forward and backward (input gradient
    /// only), the attention products (2 forward, 4 backward, full T × T per head), the output head
    /// over target rows (forward and backward), and the adapters (forward, and three backward).
    static func flopsPerStep(_ c: LlamaConfig, lora: LoRAConfiguration, samples: [TokenizedSample]) -> Double {
        let d = Double(c.modelDim), f = Double(c.ffnDim), kv = Double(c.kvDim), r = Double(lora.rank)
        let linear = d * (d + 2 * kv) + d * d + 3 * d * f
        var adapters = 0.0
        for kind in lora.targets {
            switch kind {
            case .query, .output: adapters += r * (d + d)
            case .key, .value: adapters += r * (d + kv)
            case .gate, .up: adapters += r * (d + f)
            case .down: adapters += r * (f + d)
            }
        }
        var total = 0.0
        let length = Double(samples.map(\.ids.count).max() ?? 0)
        for sample in samples {
            let n = length, targets = Double(sample.targetCount)
            total += Double(c.layers) * (2 * n * linear + 4 * n * adapters + 6 * n * length * d) + 2 * targets * Double(c.vocabularySize) * d
        }
        return 2 * total
    }
}
