import Foundation
import TwinlogIndex

/// What a reply carries besides the generated text: the answer as sent, the evidence quoted from
/// the retrieved sources, and how the answer was made.
public struct GroundedAnswer: Sendable, Equatable {
    /// How the answer came about.
    public enum Kind: String, Sendable, Equatable {
        /// The model's text, supported by the sources, citations to no source removed.
        case generated
        /// The model's text was not supported, but the sources answer: the answer is the evidence.
        case extractive
        /// The sources do not answer: the answer is the abstention.
        case abstained
    }

    public var answer: String
    public var evidence: [EvidenceQuote]
    public var kind: Kind
    /// What the support check found in the generated text.
    public var verdict: AnswerSupport.Verdict
    /// False when the sources do not answer the question and `answer` is the abstention.
    public var supported: Bool { kind != .abstained }
}

/// Grounds an answer in the retrieved sources, in two steps. Before any text is generated,
/// `assess` quotes the evidence for the question (`EvidenceSelector`) and decides whether the
/// sources answer it: not when even the best quote scores under `minimumEvidenceScore`, or a name
/// the question asks about (`QuestionNames`) is in no source, or its names meet in no one document,
/// or no quote holds the kind of value it asks for (`AskedValue`: a number, a model id, an image)
/// from a document that mentions the identifiers the question names (`QuestionNames.valueSources`).
/// Then the reply is the abstention (the quotes stay, as the nearest the sources come), and no
/// text need be generated. Otherwise `decide` checks the generated answer, its invalid citations
/// removed, against the sources (`AnswerSupport`): a supported one is the answer; an unsupported
/// one — a small model that garbles or invents a value — is replaced by the quotes themselves, so
/// the asker reads what the sources say instead of what the model made of it.
public struct Grounding: Sendable {
    public var evidence = EvidenceSelector()
    public var support = AnswerSupport()
    /// The best quote's score under which the sources count as not answering the question. On the
    /// real-repository questions no threshold separates the unanswerable ones (near misses, whose
    /// best quote scores 0.36–0.62 like an answer's) from the answerable (0.27 and up): 0.3 refuses
    /// 2 % of the answerable and catches only questions the sources share almost nothing with
    /// (BENCHMARKS.md, "Answers on real repositories").
    public var minimumEvidenceScore = 0.3
    /// Whether a name of the question missing from every source, or names that meet in no one
    /// document, make the answer an abstention.
    public var checksNames = true
    /// Whether a question that asks for a kind of value (a number, a model id, an image, a CI
    /// runner, an environment variable, a make target) that no quote holds is answered with the
    /// abstention (`AskedValue`).
    public var checksAskedValue = true
    /// What the answer becomes when the sources do not answer.
    public var abstention = "The sources do not answer this question. The nearest ones are listed below."
    /// What comes before the quotes of an extractive answer.
    public var extractiveLead = "According to the sources:"

    public init() {}

    /// What the sources say about a question before an answer is generated.
    public struct Assessment: Sendable, Equatable {
        /// The quotes for the question, best first.
        public var evidence: [EvidenceQuote]
        /// The names of the question that no source mentions.
        public var unmentionedNames: [String]
        /// Whether the question's names, each mentioned somewhere, meet in no one document (never
        /// for a question comparing sources).
        public var namesApart: Bool
        /// Whether the question asks for a kind of value that no quote holds (`AskedValue`), counting
        /// only quotes of documents that mention the identifiers it names (`QuestionNames.valueSources`).
        public var valueMissing: Bool
        /// Whether the sources answer the question: a quote scores `minimumEvidenceScore`, the
        /// names check passes and the quotes hold the kind of value asked for. When false the
        /// reply is the abstention whatever is generated.
        public var answers: Bool
    }

    /// Quotes the evidence for `question` from `sources` (a quote from each of the `comparing`
    /// sources, `EvidenceSelector.select`) and decides whether they answer it. `repositoryNames`
    /// are names of the question that the sources' repositories use throughout
    /// (`Retriever.repositoryNames`): the names check passes them.
    public func assess(question: String, sources: [ChunkPayload], comparing: [String] = [], repositoryNames: [String] = [],
                       embed: Retriever.Embed) async throws -> Assessment {
        let quotes = try await evidence.select(question: question, answer: nil, sources: sources, comparing: comparing, embed: embed)
        let own = Set(repositoryNames)
        let unmentioned = checksNames ? QuestionNames.unmentioned(in: question, sources: sources, ownNames: own) : []
        // A question that names two or more sources one by one asks about each of them: its names
        // belong to different documents by design, as a comparison's do.
        let apart = checksNames && unmentioned.isEmpty && comparing.isEmpty
            && !QuestionNames.mentionedTogether(in: question, sources: sources, ownNames: own)
        let strong = (quotes.map(\.score).max() ?? 0) >= minimumEvidenceScore
        let valueMissing = checksAskedValue
            && !AskedValue.given(question: question, quotes: Self.valueQuotes(quotes, question: question, sources: sources,
                                                                              comparing: comparing, ownNames: own))
        return Assessment(evidence: quotes, unmentionedNames: unmentioned, namesApart: apart, valueMissing: valueMissing,
                          answers: strong && unmentioned.isEmpty && !apart && !valueMissing)
    }

    /// The quotes a value the question asks for may come from, each with its source's file name:
    /// those of documents that mention the identifiers it names (`QuestionNames.valueSources`), or
    /// all of them for a comparison, whose values come from the different sources it compares.
    static func valueQuotes(_ quotes: [EvidenceQuote], question: String, sources: [ChunkPayload], comparing: [String],
                            ownNames: Set<String>) -> [(text: String, file: String)] {
        let allowed = comparing.isEmpty ? QuestionNames.valueSources(for: question, sources: sources, ownNames: ownNames) : Set(sources.indices)
        return quotes.filter { allowed.contains($0.source - 1) }.map { (text: $0.text, file: EvidenceSelector.fileName(of: sources[$0.source - 1])) }
    }

    /// The reply for a `generated` answer (empty when none was generated) to a question assessed as
    /// `assessment`.
    public func decide(question: String, generated: String, sources: [ChunkPayload], assessment: Assessment) -> GroundedAnswer {
        let cited = Self.removingInvalidCitations(generated, sourceCount: sources.count).trimmingCharacters(in: .whitespacesAndNewlines)
        let verdict = support.check(answer: cited, question: question, sources: sources.map(\.text))
        let quotes = assessment.evidence
        guard assessment.answers else {
            return GroundedAnswer(answer: abstention, evidence: quotes, kind: .abstained, verdict: verdict)
        }
        if verdict.supported && !cited.isEmpty {
            return GroundedAnswer(answer: cited, evidence: quotes, kind: .generated, verdict: verdict)
        }
        return GroundedAnswer(answer: extractive(quotes, sources: sources), evidence: quotes, kind: .extractive, verdict: verdict)
    }

    /// The quotes as an answer, each document named before its first quote — a repository file by
    /// its file name, and by the definition a code chunk sits in — so "which file" and "which
    /// function" are answered too. A document is named once, so its path does not repeat:
    /// `According to the sources: model.py, def estimate_mfu [1]: "…"; [2]: "…".`
    /// The answer must not read as a loop either: where a run of four words would come round a
    /// third time across the quotes (three quotes naming the same model id), the quote is cut
    /// before it (still a verbatim prefix) and the quotes after it are left to the evidence.
    public func extractive(_ quotes: [EvidenceQuote], sources: [ChunkPayload]) -> String {
        var named = Set<String>()
        var answer = extractiveLead
        for (position, quote) in quotes.enumerated() {
            var lead = position == 0 ? " " : "; "
            if sources.indices.contains(quote.source - 1) {
                let source = sources[quote.source - 1]
                let place = named.insert(source.documentId).inserted ? Self.place(of: source) : ""
                lead += place.isEmpty ? "" : place + " "
            }
            lead += "[\(quote.source)]: \""
            let text = quote.text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.joined(separator: " ")
            let candidate = answer + lead + text
            let kept = EvidenceSelector.withoutRepeats(Substring(candidate))
            guard kept.count > answer.count + lead.count else { break }
            answer = String(kept) + "\""
            guard kept.count == candidate.count else { break }
        }
        return answer + "."
    }

    /// How an extractive answer names a source: a repository file by its file name, followed for
    /// code by the innermost definition of its section without its parameters (`model.py, def
    /// estimate_mfu`); any other source by its title.
    static func place(of source: ChunkPayload) -> String {
        guard source.kind == "repository_file" else { return source.title }
        let name = source.title.split(separator: "/").last.map(String.init) ?? source.title
        guard EvidenceSelector.quotesByLine(source), !source.section.contains(" … "),
              let innermost = source.section.components(separatedBy: " > ").last,
              let definition = innermost.split(separator: "(", maxSplits: 1, omittingEmptySubsequences: false).first,
              !definition.trimmingCharacters(in: .whitespaces).isEmpty else { return name }
        return name + ", " + definition.trimmingCharacters(in: .whitespaces)
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
