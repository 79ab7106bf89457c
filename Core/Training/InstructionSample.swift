import TwinlogGeneration

/// One supervised example: an instruction and the author's own text as the answer. The model is
/// trained to produce `output` after the ChatML prompt made from `instruction`.
public struct InstructionSample: Sendable, Equatable, Codable {
    public var instruction: String
    public var output: String

    public init(instruction: String, output: String) {
        self.instruction = instruction
        self.output = output
    }
}

/// A sample as token ids: for instruction samples the ChatML prompt (system turn, user turn, the
/// assistant header), then the response and `<|im_end|>`. Loss is taken on the tokens after the
/// first `promptLength` only.
public struct TokenizedSample: Sendable, Equatable {
    public let ids: [Int]
    public let promptLength: Int
    /// Positions whose next token is a response token.
    public var targetCount: Int { ids.count - promptLength }

    /// At least one response token after a non-empty prompt.
    public init(ids: [Int], promptLength: Int) {
        precondition(promptLength >= 1 && ids.count > promptLength, "a sample needs a prompt and at least one response token")
        self.ids = ids
        self.promptLength = promptLength
    }
}

/// Turns instruction samples into token ids the same way inference prompts the model.
struct SampleEncoder {
    let tokenizer: Tokenizer
    let systemMessage: String?
    let maxLength: Int

    /// The encoded sample, with the response cut to fit `maxLength`; nil when the prompt alone
    /// leaves no room for a response token.
    func encode(_ sample: InstructionSample) throws -> TokenizedSample? {
        var messages = [ChatMessage(role: .user, content: sample.instruction)]
        if let systemMessage { messages.insert(ChatMessage(role: .system, content: systemMessage), at: 0) }
        let prompt = try ChatTemplate.encode(messages, with: tokenizer, addGenerationPrompt: true)
        let response = tokenizer.encode(sample.output, matchingSpecialTokens: false) + [tokenizer.eosID]
        guard prompt.count + 1 <= maxLength, !prompt.isEmpty else { return nil }
        let kept = response.prefix(maxLength - prompt.count)
        return TokenizedSample(ids: prompt + kept, promptLength: prompt.count)
    }
}
