/// When a generation ends.
public struct GenerationLimits: Sendable, Equatable {
    /// At most this many new tokens.
    public var maxTokens: Int
    /// Stop once this much wall-clock time has passed since the start (nil: no limit).
    public var timeLimit: Duration?
    /// Stop when the text contains one of these; the text returned ends before it.
    public var stopSequences: [String]
    /// Stop at a token that ends a generation (`Tokenizer.endOfGenerationIDs`: `<|im_end|>`, `<|eot_id|>`, …).
    public var stopAtEndOfSequence: Bool
    /// Stop when a finished sentence of three or more words says again what an earlier one said;
    /// the text returned ends before the repeat (a streamed reader has seen it already).
    public var stopAtRepeatedSentence: Bool
    /// Stop before the token that would make a run of four words come round the third time
    /// (`PhraseRepeats`); that token is not passed on, and the text returned ends before the run
    /// (a streamed reader has seen its first words).
    public var stopAtRepeatedPhrase: Bool

    public init(maxTokens: Int, timeLimit: Duration? = nil, stopSequences: [String] = [], stopAtEndOfSequence: Bool = true,
                stopAtRepeatedSentence: Bool = false, stopAtRepeatedPhrase: Bool = false) {
        self.maxTokens = maxTokens
        self.timeLimit = timeLimit
        self.stopSequences = stopSequences
        self.stopAtEndOfSequence = stopAtEndOfSequence
        self.stopAtRepeatedSentence = stopAtRepeatedSentence
        self.stopAtRepeatedPhrase = stopAtRepeatedPhrase
    }
}

/// Why a generation ended.
public enum StopReason: String, Sendable {
    case endOfSequence, stopSequence, repeatedSentence, repeatedPhrase, tokenLimit, timeLimit, contextFull, cancelled
}

/// One step of a streamed generation: the token and the text it completed (empty while a UTF-8
/// sequence or a possible stop sequence is still open). A last step without an id flushes text
/// that was held back when the generation ended.
public struct GeneratedToken: Sendable, Equatable {
    public let id: Int?
    public let text: String
}

/// A finished generation with its timings.
public struct Generation: Sendable {
    public let promptIDs: [Int]
    /// New token ids, including a final end-of-sequence or stop-sequence token.
    public let ids: [Int]
    /// New text, ending before any stop sequence or repeated sentence, without special tokens' text.
    public let text: String
    public let stopReason: StopReason
    /// Seconds spent on the prompt (one batched forward pass) and on the new tokens.
    public let prefillSeconds: Double
    public let decodeSeconds: Double
}
