import Foundation

/// Checks a question before any work (its length, and patterns of prompt injection) and the
/// retrieved texts before they reach a prompt (instructions planted in a crawled page). Findings
/// go into the reply's `flags`; only an over-long or empty question is refused.
public struct Guardrails: Sendable {
    /// The longest question accepted, in Unicode scalars (the event schema allows 4,000).
    public var maxQuestionLength = 2_000

    /// Phrases that try to override the system prompt or exfiltrate it, lowercased.
    public var injectionPatterns = [
        "ignore previous instructions", "ignore all previous", "ignore the above", "disregard previous",
        "disregard the above", "forget your instructions", "you are now", "system prompt", "reveal your prompt",
        "print your instructions", "act as", "jailbreak", "developer mode", "<|im_start|>", "<|im_end|>",
    ]

    /// Phrases that, inside a crawled page, speak to a model rather than to a reader, lowercased.
    /// Narrower than the question's list: prose about LLMs says "system prompt" and "act as", and
    /// documentation of chat templates spells their markers, which the prompt encodes as text.
    public var sourceInjectionPatterns = [
        "ignore previous instructions", "ignore all previous", "ignore the above", "disregard previous",
        "disregard the above", "disregard all previous", "forget your instructions", "forget all previous",
        "reveal your prompt", "print your instructions",
    ]

    public init() {}

    /// What the guardrails found in one question.
    public struct Verdict: Sendable, Equatable {
        /// Why the question is refused, when it is.
        public var refusal: String?
        /// Findings that do not stop the answer (for example `prompt_injection`).
        public var flags: [String]

        public init(refusal: String?, flags: [String]) {
            self.refusal = refusal
            self.flags = flags
        }
    }

    public func inspect(_ question: String) -> Verdict {
        let length = question.unicodeScalars.count
        if question.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            return Verdict(refusal: "the question is empty", flags: [])
        }
        if length > maxQuestionLength {
            return Verdict(refusal: "the question has \(length) characters; at most \(maxQuestionLength) are accepted", flags: [])
        }
        let lowered = question.lowercased()
        let injected = injectionPatterns.contains { lowered.contains($0) }
        return Verdict(refusal: nil, flags: injected ? ["prompt_injection"] : [])
    }

    /// The flags for retrieved texts: `source_prompt_injection` when one of them carries an
    /// instruction to the model. The source still answers (its facts may be true); the flag lets
    /// the asker and the logs see that a page tried.
    public func inspectSources(_ texts: [String]) -> [String] {
        let planted = texts.contains { text in
            let lowered = text.lowercased()
            return sourceInjectionPatterns.contains { lowered.contains($0) }
        }
        return planted ? ["source_prompt_injection"] : []
    }
}
