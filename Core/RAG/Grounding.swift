import Foundation
import TwinlogIndex

/// What a reply carries besides the generated text: the answer as sent (with citations that
/// point at no source removed, or the abstention when the sources do not support it), the
/// evidence quoted from the used sources, and whether the answer is supported.
public struct GroundedAnswer: Sendable, Equatable {
    public var answer: String
    public var evidence: [EvidenceQuote]
    /// False when the support check failed and `answer` is the abstention.
    public var supported: Bool
    /// What the support check found in the generated text.
    public var verdict: AnswerSupport.Verdict
}

/// Grounds a generated answer in the sources of its prompt: cleans its citations, checks it
/// against the sources (`AnswerSupport`), and quotes the evidence (`EvidenceSelector`). An
/// unsupported answer is replaced by `abstention`; its evidence stays, as the nearest the sources
/// come to an answer.
public struct Grounding: Sendable {
    public var evidence = EvidenceSelector()
    public var support = AnswerSupport()
    /// What an unsupported answer becomes.
    public var abstention = "The sources do not answer this question. The nearest ones are listed below."

    public init() {}

    public func ground(question: String, generated: String, sources: [ChunkPayload],
                       embed: Retriever.Embed) async throws -> GroundedAnswer {
        let cited = Self.removingInvalidCitations(generated, sourceCount: sources.count)
        let verdict = support.check(answer: cited, question: question, sources: sources.map(\.text))
        let answer = cited.trimmingCharacters(in: .whitespacesAndNewlines)
        let supported = verdict.supported && !answer.isEmpty
        let quotes = try await evidence.select(question: question, answer: supported ? answer : nil, sources: sources, embed: embed)
        return GroundedAnswer(answer: supported ? answer : abstention, evidence: quotes, supported: supported, verdict: verdict)
    }

    /// `text` without the `[n]` citations whose n is not a source's number (1…`sourceCount`).
    public static func removingInvalidCitations(_ text: String, sourceCount: Int) -> String {
        var result = ""
        var rest = Substring(text)
        while let open = rest.firstIndex(of: "[") {
            result += rest[..<open]
            let after = rest[rest.index(after: open)...]
            if let close = after.firstIndex(of: "]"), !after[..<close].isEmpty, after[..<close].allSatisfy(\.isASCII),
               after[..<close].allSatisfy(\.isNumber) {
                let number = Int(after[..<close]) ?? 0
                if (1...max(sourceCount, 1)).contains(number), sourceCount > 0 { result += rest[open...close] }
                rest = after[after.index(after: close)...]
            } else {
                result.append("[")
                rest = after
            }
        }
        result += rest
        return result
    }
}
