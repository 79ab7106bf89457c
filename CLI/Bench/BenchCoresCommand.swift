import ArgumentParser
import Foundation
import TwinlogCommandSupport
import TwinlogEmbedding
import TwinlogGeneration
import TwinlogRuntime

/// `twinlog bench cores`: the embedder and the language model each alone, then both at once in
/// this one process (as the feature and inference consumers share `twinlog run`), each working for
/// the same windows of time, with the share of its solo throughput each keeps. On a machine whose cores both use, a sum of shares near 1
/// means they divide the cores without losing work to each other; far below 1, they interfere.
struct BenchCoresCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cores", abstract: "Embedding and generation alone and at once in one process: the throughput each keeps.")

    @OptionGroup var model: GeneratorModelOptions
    @Option(help: "Texts per embedding call.") var texts = 32
    @Option(help: "Tokens per generation (after a 64-token prompt).") var tokens = 32
    @Option(help: "Seconds of each measurement window.") var seconds = 3.0
    @Option(help: "Windows of each, alone and together; medians are reported.") var rounds = 3

    func validate() throws {
        guard texts > 0, tokens > 0, rounds > 0, seconds.isFinite, seconds > 0 else {
            throw ValidationError("--texts, --tokens, --rounds and --seconds must be positive")
        }
    }

    func run() async throws {
        let generator = try model.loadGenerator()
        let embedder = try Embedder(locatingModelAt: nil)
        let batch = (0..<texts).map { "Text \($0): every view of the log can be rebuilt by replaying it from the first offset." }
        let prompt = Array(generator.tokenizer.encode(String(repeating: "The log is the source of truth. ", count: 12)).prefix(64))
        let limits = GenerationLimits(maxTokens: tokens, stopAtEndOfSequence: false)
        let window = Duration.seconds(seconds)

        // Each side works in whole calls until the window closes, and reports its rate.
        let embedding: @Sendable () async -> Double = {
            let started = ContinuousClock.now
            var done = 0
            while ContinuousClock.now - started < window {
                done += await embedder.embed(batch).count
            }
            return Double(done) / (ContinuousClock.now - started).inSeconds
        }
        let generation: @Sendable () async throws -> Double = {
            try await Task.detached {
                let started = ContinuousClock.now
                var done = 0
                while ContinuousClock.now - started < window {
                    done += try generator.generate(promptIDs: prompt, limits: limits).ids.count
                }
                return Double(done) / (ContinuousClock.now - started).inSeconds
            }.value
        }
        var alone: (embed: [Double], generate: [Double]) = ([], [])
        var together: (embed: [Double], generate: [Double]) = ([], [])
        for _ in 0..<rounds {
            alone.embed.append(await embedding())
            alone.generate.append(try await generation())
            async let embedRate = embedding()
            async let generateRate = generation()
            together.embed.append(await embedRate)
            together.generate.append(try await generateRate)
        }
        let median = { (values: [Double]) in BenchSupport.percentile(values, 0.5) }
        let embedShare = median(together.embed) / median(alone.embed)
        let generateShare = median(together.generate) / median(alone.generate)
        print("| | alone | together | share kept |")
        print("|---|---|---|---|")
        print(String(format: "| embedding, texts/s | %.1f | %.1f | %.2f |", median(alone.embed), median(together.embed), embedShare))
        print(String(format: "| generation (prompt and %d tokens), new tokens/s | %.1f | %.1f | %.2f |",
                     tokens, median(alone.generate), median(together.generate), generateShare))
        print(String(format: "sum of shares: %.2f (%d cores, generation on %d threads, %d rounds)",
                     embedShare + generateShare, ProcessInfo.processInfo.activeProcessorCount, ComputeThreads.count, rounds))
    }
}
