import Foundation
import TwinlogGeneration

/// Self-query by the language model: the question, the known authors and the allowed values go
/// into a few-shot ChatML prompt, and the model answers with a JSON object of filters. Every value
/// is checked against what the index knows; a value that is not known is dropped, and an answer
/// that is not a JSON object falls back to the rules (`SelfQuery`), so the model can narrow a
/// search only with filters that exist. Generation is greedy and short (at most 48 tokens). The
/// time range always comes from the rules: date arithmetic is exact there and a small model's
/// guess at "last year" is not.
public struct ModelSelfQuery: Sendable {
    public let generator: Generator
    public static let platforms = ["github", "medium", "linkedin", "article"]
    public static let kinds = ["post", "article", "repository_file"]

    public init(generator: Generator) {
        self.generator = generator
    }

    /// The filters the model reads from `question`, or the rules' when its answer does not parse
    /// (blocking: call it off the cooperative pool).
    public func extract(_ question: String, authorIds: [String], now: Date = Date()) throws -> SelfQuery.Extraction {
        let rules = SelfQuery(authorIds: authorIds, now: now).extract(question)
        let prompt = try ChatTemplate.encode([
            ChatMessage(role: .system, content: "You turn questions into search filters. Answer with one JSON object and nothing else."),
            ChatMessage(role: .user, content: Self.instructions(question, authorIds: authorIds)),
        ], with: generator.tokenizer)
        let answer = try generator.generate(promptIDs: prompt, limits: GenerationLimits(maxTokens: 48, stopSequences: ["}"])).text
        guard let filters = Self.parse(answer, authorIds: authorIds) else { return rules }
        // The topic for the embedding drops the words that only named the filters, as the rules do.
        return SelfQuery.Extraction(authorId: filters.authorId, platform: filters.platform, kind: filters.kind, dates: rules.dates,
                                    topic: rules.topic)
    }

    static func instructions(_ question: String, authorIds: [String]) -> String {
        """
        Authors: \(authorIds.sorted().joined(separator: ", "))
        Platforms: \(platforms.joined(separator: ", ")). Kinds: \(kinds.joined(separator: ", ")).
        Use null when the question does not name one.

        Question: What did Grace Hopper post on LinkedIn about partitions?
        {"author": "grace-hopper", "platform": "linkedin", "kind": "post"}
        Question: How does the index store its snapshots?
        {"author": null, "platform": null, "kind": null}
        Question: \(question)
        """
    }

    /// The filters in the model's answer, each checked against the known values; nil when the
    /// answer holds no JSON object.
    static func parse(_ answer: String, authorIds: [String]) -> (authorId: String?, platform: String?, kind: String?)? {
        guard let start = answer.firstIndex(of: "{") else { return nil }
        var text = String(answer[start...])
        if !text.contains("}") { text += "}" }
        guard let end = text.firstIndex(of: "}"),
              let object = try? JSONSerialization.jsonObject(with: Data(text[...end].utf8)) as? [String: Any] else { return nil }
        func value(_ key: String, in allowed: [String]) -> String? {
            guard let raw = object[key] as? String else { return nil }
            let normalized = raw.lowercased().replacingOccurrences(of: " ", with: "-")
            return allowed.contains(normalized) ? normalized : nil
        }
        return (value("author", in: authorIds), value("platform", in: platforms), value("kind", in: kinds))
    }
}
