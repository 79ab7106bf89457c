import Testing
@testable import TwinlogGeneration

@Suite("generation: greedy continuations, sampling, limits and streaming")
struct GenerationTests {
    static func generator() throws -> Generator {
        Generator(model: try RealModel.model.get(), tokenizer: try RealModel.tokenizer.get())
    }

    @Test("greedy continuations of the reference prompts are identical to transformers', ChatML included")
    func greedyContinuations() throws {
        let generator = try Self.generator()
        let prompts = try Fixtures.logits().prompts
        #expect(prompts.contains { $0.kind == "chat" })
        for prompt in prompts {
            #expect(generator.tokenizer.encode(prompt.prompt_text) == prompt.input_ids, "\(prompt.name) prompt ids")
            let result = try generator.generate(
                promptIDs: prompt.input_ids, sampling: .greedy,
                limits: GenerationLimits(maxTokens: prompt.greedy.new_ids.count, stopAtEndOfSequence: false))
            #expect(result.ids == prompt.greedy.new_ids, "\(prompt.name)")
            #expect(result.stopReason == .tokenLimit)
        }
    }

    @Test("the same seed samples the same tokens; top-k 1 and a tiny top-p reduce to greedy")
    func seededSampling() throws {
        let generator = try Self.generator()
        let prompt = try Fixtures.logits().prompts[0].input_ids
        let limits = GenerationLimits(maxTokens: 8, stopAtEndOfSequence: false)
        let warm = SamplingOptions(temperature: 1.2, topP: 0.95, repetitionPenalty: 1.1, seed: 42)
        let first = try generator.generate(promptIDs: prompt, sampling: warm, limits: limits)
        let again = try generator.generate(promptIDs: prompt, sampling: warm, limits: limits)
        #expect(first.ids == again.ids)
        let greedy = try generator.generate(promptIDs: prompt, sampling: .greedy, limits: limits)
        let topK1 = try generator.generate(promptIDs: prompt, sampling: SamplingOptions(temperature: 0.8, topK: 1, seed: 7),
                                           limits: limits)
        let tinyP = try generator.generate(promptIDs: prompt, sampling: SamplingOptions(temperature: 0.8, topP: 1e-6, seed: 9),
                                           limits: limits)
        #expect(topK1.ids == greedy.ids)
        #expect(tinyP.ids == greedy.ids)
    }

    @Test("a stop sequence ends the text just before it; token and time limits end the generation")
    func limits() throws {
        let generator = try Self.generator()
        let prompt = try Fixtures.logits().prompts[0]
        let stopped = try generator.generate(promptIDs: prompt.input_ids,
                                             limits: GenerationLimits(maxTokens: 24, stopSequences: ["answer"]))
        #expect(stopped.stopReason == .stopSequence)
        #expect(stopped.text == " Paris.\n\nThe ")
        let short = try generator.generate(promptIDs: prompt.input_ids, limits: GenerationLimits(maxTokens: 3))
        #expect(short.ids == Array(prompt.greedy.new_ids.prefix(3)))
        #expect(short.stopReason == .tokenLimit)
        let timed = try generator.generate(promptIDs: prompt.input_ids, limits: GenerationLimits(maxTokens: 24, timeLimit: .zero))
        #expect(timed.ids.count == 1)
        #expect(timed.stopReason == .timeLimit)
    }

    @Test("a ChatML reply stops at <|im_end|> and its text holds no special token")
    func chatStopsAtEndOfTurn() throws {
        let generator = try Self.generator()
        let chat = try #require(try Fixtures.logits().prompts.first { $0.kind == "chat" })
        let result = try generator.generate(promptIDs: chat.input_ids, limits: GenerationLimits(maxTokens: 24))
        let reference = chat.greedy.new_ids
        if let end = reference.firstIndex(of: 2) {
            #expect(result.ids == Array(reference[...end]))
            #expect(result.stopReason == .endOfSequence)
        } else {
            #expect(result.ids == reference)
        }
        #expect(result.text == (try generator.tokenizer.decode(result.ids, skipSpecial: true)))
        #expect(!result.text.contains("<|im_end|>"))
    }

    @Test("the AsyncSequence streams the same tokens and text as a blocking generation")
    func streaming() async throws {
        let generator = try Self.generator()
        let prompt = try Fixtures.logits().prompts[0]
        let limits = GenerationLimits(maxTokens: 12, stopAtEndOfSequence: false)
        var ids: [Int] = []
        var text = ""
        for try await token in generator.stream(promptIDs: prompt.input_ids, limits: limits) {
            if let id = token.id { ids.append(id) }
            text += token.text
        }
        #expect(ids == Array(prompt.greedy.new_ids.prefix(12)))
        #expect(text == (try generator.tokenizer.decode(ids)))
    }

    @Test("sampling options out of range are rejected with the option's name")
    func rejectsBadOptions() throws {
        let generator = try Self.generator()
        #expect(throws: SamplingError.self) {
            try generator.generate(promptIDs: [1], sampling: SamplingOptions(temperature: -1), limits: GenerationLimits(maxTokens: 1))
        }
        #expect(throws: SamplingError.self) {
            try generator.generate(promptIDs: [1], sampling: SamplingOptions(temperature: 1, topP: 0), limits: GenerationLimits(maxTokens: 1))
        }
    }
}
