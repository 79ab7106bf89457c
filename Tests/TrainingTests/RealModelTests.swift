import Foundation
import Logging
import Testing
import TwinlogEmbedding
@testable import TwinlogGeneration
@testable import TwinlogTraining
import TwinlogRuntime
import TwinlogTestSupport
import TwinlogLayers

/// The real SmolLM2 weights, loaded once (Float32, so the debug build's products run in BLAS).
/// A missing file is an error that says how to install it: the tests fail loudly, never skip.
enum RealModel {
    static let file: Result<GGUFFile, any Error> = Result {
        try GGUFFile(path: try ModelLocator.generatorPath(startingAt: FileManager.default.currentDirectoryPath))
    }
    static let model: Result<LlamaModel, any Error> = Result { try LlamaModel(gguf: try file.get(), format: .float32) }
    static let trainer: Result<LoRATrainer, any Error> = Result {
        try LoRATrainer(model: try model.get(), tokenizer: try Tokenizer(gguf: try file.get()))
    }
}

/// The fixture author: 48 short posts in one distinctive voice (a lighthouse keeper writing
/// about software), 40 to train on and 8 held out.
struct AuthorCorpus: Decodable {
    let train: [InstructionSample]
    let eval: [InstructionSample]

    static func load() throws -> AuthorCorpus {
        let url = try #require(Bundle.module.url(forResource: "Fixtures/author_corpus", withExtension: "json"))
        return try JSONDecoder().decode(AuthorCorpus.self, from: Data(contentsOf: url))
    }
}

@Suite("LoRA on SmolLM2", .serialized)
struct RealModelTests {
    @Test("the training forward pass agrees with inference (LlamaSession) with adapters attached")
    func forwardMatchesInference() throws {
        let trainer = try RealModel.trainer.get(), model = try RealModel.model.get()
        let corpus = try AuthorCorpus.load()
        var parameters = LoRAParameters(configuration: LoRAConfiguration(rank: 4, alpha: 8, targets: [.query, .key, .output, .up, .down]),
                                        shape: ModelShape(model.config), seed: 5)
        var random = SeededGenerator(seed: 6)
        for slot in parameters.slots {
            for i in 0..<(slot.outputs * 4) { parameters.values[slot.bOffset + i] = Float.random(in: -0.05...0.05, using: &random) }
        }
        // Longer than one attention block (64 rows), so the blocked causal products are covered.
        let long = InstructionSample(instruction: corpus.eval.map(\.instruction).joined(separator: " "),
                                     output: corpus.eval.prefix(3).map(\.output).joined(separator: " "))
        let encoded = try trainer.encode([long], maxLength: 256, systemMessage: nil)[0]
        #expect(encoded.ids.count > 2 * TrainingLayers.attentionBlock)
        let report = trainer.evaluate(encoded: [encoded], parameters: parameters, batchSize: 1, threads: 2)
        let logprobs = try Scoring.tokenLogProbabilities(encoded.ids, model: model, lora: parameters.loraSet(for: model))
        let reference = -logprobs[(encoded.promptLength - 1)...].reduce(0, +) / Double(encoded.targetCount)
        #expect(report.targetTokens == encoded.targetCount)
        #expect(abs(report.meanLoss - reference) < 1e-3, "training forward \(report.meanLoss), inference \(reference)")
        let base = trainer.evaluate(encoded: [encoded], parameters: nil, batchSize: 1, threads: 2)
        #expect(abs(base.meanLoss - report.meanLoss) > 1e-2, "the adapter should change the loss")
    }

    @Test("a short run on the author's texts at least halves held-out perplexity; the saved adapter changes generation towards the author's style")
    func shortRunLowersPerplexity() async throws {
        let trainer = try RealModel.trainer.get(), model = try RealModel.model.get()
        let corpus = try AuthorCorpus.load()
        let configuration = TrainingConfiguration(
            lora: LoRAConfiguration(rank: 8, alpha: 16, targets: [.query, .value]), steps: 16, batchSize: 4,
            maxSequenceLength: 96, learningRate: 3e-3, warmupSteps: 2, seed: 1)
        let before = try trainer.evaluate(corpus.eval, parameters: nil, threads: 2)
        let result = try trainer.trainSynchronously(corpus.train, configuration: configuration,
                                                    options: TrainingRunOptions(threads: 2, logEvery: 4))
        let after = try trainer.evaluate(corpus.eval, parameters: result.parameters, threads: 2)
        print("held-out perplexity: base \(before.perplexity), adapter \(after.perplexity) over \(after.targetTokens) tokens")
        #expect(after.perplexity < 0.5 * before.perplexity,
                "held-out perplexity \(before.perplexity) before, \(after.perplexity) after")

        let path = try makeTemporaryFolder("artifacts") + "/adapter.twlt"
        _ = try result.artifact(metadata: ["base_model": "SmolLM2-135M-Instruct"]).write(to: path)
        let lora = try LoRAArtifact.load(path: path).loraSet(for: model)
        let tokenizer = trainer.tokenizer!
        let prompt = tokenizer.encode(try tokenizer.chatTemplate.render([ChatMessage(role: .user, content: corpus.eval[0].instruction)]))
        let limits = GenerationLimits(maxTokens: 12)
        let base = try Generator(model: model, tokenizer: tokenizer).generate(promptIDs: prompt, limits: limits)
        let tuned = try Generator(model: model, tokenizer: tokenizer, lora: lora).generate(promptIDs: prompt, limits: limits)
        #expect(base.ids != tuned.ids, "base: \(base.text) / tuned: \(tuned.text)")

        let embedder = try Embedder(locatingModelAt: nil, batchSize: 8, threads: 2)
        let held = Array(corpus.eval.prefix(3))
        let generator = Generator(model: model, tokenizer: tokenizer)
        let baseStyle = try await StyleSimilarity.evaluate(held, generator: generator, lora: LoRASet(), embedder: embedder, maxTokens: 24)
        let tunedStyle = try await StyleSimilarity.evaluate(held, generator: generator, lora: lora, embedder: embedder, maxTokens: 24)
        print("style similarity: base \(baseStyle), adapter \(tunedStyle)")
        #expect(tunedStyle > baseStyle)
    }
}

@Suite("style similarity")
struct StyleSimilarityTests {
    @Test("an answer in the author's voice scores higher than a generic one, and a copy scores 1")
    func ranksVoice() async throws {
        let embedder = try Embedder(locatingModelAt: nil, batchSize: 8, threads: 2)
        let corpus = try AuthorCorpus.load()
        let references = corpus.eval.prefix(4).map(\.output)
        let copies = try await StyleSimilarity.score(generated: references, references: references, embedder: embedder)
        let voiced = try await StyleSimilarity.score(generated: corpus.train.prefix(4).map(\.output), references: references,
                                                     embedder: embedder)
        let generic = try await StyleSimilarity.score(
            generated: Array(repeating: "Here is a concise overview of the topic with its main advantages and drawbacks.", count: 4),
            references: references, embedder: embedder)
        #expect(abs(copies - 1) < 1e-4)
        #expect(voiced > generic, "same voice \(voiced), generic \(generic)")
        await #expect(throws: TrainingError.self) {
            try await StyleSimilarity.score(generated: ["a"], references: [], embedder: embedder)
        }
    }
}
