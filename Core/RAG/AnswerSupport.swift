import TwinlogIndex

/// Decides whether a generated answer says only what its sources (and the question) say. The rule,
/// over `LexicalTerms` (lowercased words and numbers, identifiers whole and in parts, stop words
/// dropped):
/// - every term with a digit (`32`, `3e`, `gpt2`) and every identifier (`lora_rank`,
///   `torch.nn`) of the answer occurs in the sources or the question: a small model that invents a
///   configuration value or a file name fails here;
/// - at least `minimumContentShare` of its other terms occur in the sources (not merely in the
///   question: restating "the capital of Mongolia" and naming a city no source mentions is not an
///   answer from the sources).
public struct AnswerSupport: Sendable {
    /// The least share of the answer's plain words that the sources or the question must hold.
    public var minimumContentShare = 0.5

    public init() {}

    /// What the check found.
    public struct Verdict: Sendable, Equatable {
        public var supported: Bool
        /// The answer's numbers and identifiers found in neither the sources nor the question.
        public var unsupportedTerms: [String]
        /// The share of the answer's plain words found in the sources.
        public var contentShare: Double
    }

    public func check(answer: String, question: String, sources: [String]) -> Verdict {
        var inSources = Set<String>()
        for source in sources { inSources.formUnion(LexicalTerms.terms(source)) }
        let known = inSources.union(LexicalTerms.terms(question))
        var strict: [String] = []
        var plain: [String] = []
        var seen = Set<String>()
        for term in LexicalTerms.terms(answer) where seen.insert(term).inserted {
            if term.contains(where: \.isNumber) || term.contains("_") || term.contains(".") {
                strict.append(term)
            } else {
                plain.append(term)
            }
        }
        let missing = strict.filter { !known.contains($0) }
        let share = plain.isEmpty ? 1 : Double(plain.filter(inSources.contains).count) / Double(plain.count)
        return Verdict(supported: missing.isEmpty && share >= minimumContentShare, unsupportedTerms: missing, contentShare: share)
    }
}
