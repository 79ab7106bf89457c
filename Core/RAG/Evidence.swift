import Foundation
import TwinlogIndex
import TwinlogLinalg
import TwinlogText

/// One quote that supports an answer: a line or sentence copied verbatim from a used source.
public struct EvidenceQuote: Sendable, Equatable {
    /// The source's number in the prompt, counted from 1 (`[n]` in the answer).
    public var source: Int
    /// The quoted text, a verbatim substring of that source's chunk text.
    public var text: String
    /// How well it supports the question and answer, in 0...1.
    public var score: Double

    public init(source: Int, text: String, score: Double) {
        self.source = source
        self.text = text
        self.score = score
    }
}

/// Chooses the 1–3 lines or sentences of the used sources that best support an answer, so a
/// reply carries the facts verbatim even when a small model garbles them. Code and configuration
/// are quoted by line (`lora_rank: 32`), prose by sentence. Each unit is scored by its cosine
/// similarity to the question (and the answer, when there is one) and by its lexical overlap with
/// them, weighted by how rare each term is among the units of these sources.
public struct EvidenceSelector: Sendable {
    /// At most this many quotes.
    public var maxQuotes = 3
    /// Quotes below this score are left out; the best one is kept whenever any unit shares a term.
    public var minimumScore = 0.35
    /// The weight of the dense similarity; the lexical overlap has the rest.
    public var denseWeight = 0.5
    /// At most this many units, the lexically best, are embedded.
    public var maxEmbeddedUnits = 48
    /// A quote longer than this many characters is cut at a word boundary (still verbatim).
    public var maxQuoteLength = 300

    public init() {}

    /// A candidate quote and where it came from.
    struct Unit {
        var source: Int
        var text: Substring
        var terms: Set<String>
    }

    /// The quotes for `question` (and `answer`) from `sources`, best first.
    public func select(question: String, answer: String?, sources: [ChunkPayload],
                       embed: Retriever.Embed) async throws -> [EvidenceQuote] {
        let units = sources.enumerated().flatMap { number, payload in Self.units(of: payload, source: number + 1) }
        guard !units.isEmpty else { return [] }
        let wanted = Self.terms(question).union(answer.map(Self.terms) ?? [])
        let lexical = Self.lexicalScores(units, wanted: wanted)
        let order = units.indices.sorted { (lexical[$0], $1) > (lexical[$1], $0) }
        let embedded = Array(order.prefix(maxEmbeddedUnits))
        let probe = [question, answer].compactMap { $0 }.joined(separator: "\n")
        let vectors = try await embed([probe] + embedded.map { String(units[$0].text) })
        var scored: [(index: Int, score: Double)] = []
        for (position, index) in embedded.enumerated() {
            // The embedder's vectors have unit length: the dot product is the cosine.
            let dense = max(0, Double(BLAS.dot(vectors[0], vectors[position + 1], count: min(vectors[0].count, vectors[position + 1].count))))
            scored.append((index, denseWeight * dense + (1 - denseWeight) * lexical[index]))
        }
        scored.sort { ($0.score, $1.index) > ($1.score, $0.index) }
        var quotes: [EvidenceQuote] = []
        var quoted = Set<Substring>()
        for (index, score) in scored where quotes.count < maxQuotes {
            let unit = units[index]
            guard score >= minimumScore || (quotes.isEmpty && lexical[index] > 0), quoted.insert(unit.text).inserted else { continue }
            quotes.append(EvidenceQuote(source: unit.source, text: cut(unit.text), score: score))
        }
        return quotes
    }

    /// Lines of code and configuration files, sentences of prose; units without a term are dropped.
    static func units(of payload: ChunkPayload, source: Int) -> [Unit] {
        let text = payload.text
        let ranges = quotesByLine(payload) ? TextSegmenter.lines(of: text) : TextSegmenter.sentences(of: text)
        return ranges.compactMap { range in
            let start = text.utf8.index(text.utf8.startIndex, offsetBy: range.lowerBound)
            let end = text.utf8.index(start, offsetBy: range.count)
            let slice = text[start..<end]
            let terms = Self.terms(String(slice))
            return terms.isEmpty ? nil : Unit(source: source, text: slice, terms: terms)
        }
    }

    /// The BM25 terms of a text without the one- and two-letter pieces that camel case splits off
    /// (`LoRA` → lo, ra), which would make every unit that says QLoRA look like an answer about LoRA.
    static func terms(_ text: String) -> Set<String> {
        Set(LexicalTerms.terms(text).filter { $0.count >= 3 || $0.contains(where: \.isNumber) })
    }

    /// Whether a source is quoted by line: a repository file that is not prose.
    static func quotesByLine(_ payload: ChunkPayload) -> Bool {
        guard payload.kind == "repository_file" else { return false }
        let name = payload.title.lowercased()
        return ![".md", ".markdown", ".rst", ".txt", ".adoc"].contains { name.hasSuffix($0) } && !name.hasSuffix("license")
    }

    /// Each unit's share of the wanted terms, weighted by inverse document frequency over the units,
    /// capped at 1. An identifier whose every part was asked for (`lora_dropout` for "LoRA
    /// dropout", `learning_rate` for "learning rate") counts its parts twice: the line that defines
    /// the asked setting beats a sentence that only shares the topic's words.
    static func lexicalScores(_ units: [Unit], wanted: Set<String>) -> [Double] {
        guard !wanted.isEmpty else { return units.map { _ in 0 } }
        var frequency: [String: Int] = [:]
        for unit in units { for term in unit.terms where wanted.contains(term) { frequency[term, default: 0] += 1 } }
        let count = Double(units.count)
        func idf(_ term: String) -> Double { Foundation.log(1 + count / Double((frequency[term] ?? 0) + 1)) }
        let total = wanted.reduce(0) { $0 + idf($1) }
        return units.map { unit in
            var weight = unit.terms.intersection(wanted).reduce(0) { $0 + idf($1) }
            for identifier in unit.terms where identifier.contains("_") && !wanted.contains(identifier) {
                let parts = identifier.split(separator: "_").map(String.init)
                if parts.count > 1, parts.allSatisfy(wanted.contains) { weight += parts.reduce(0) { $0 + idf($1) } }
            }
            return min(1, weight / total)
        }
    }

    /// The unit, or its beginning up to the last word boundary within `maxQuoteLength`.
    func cut(_ text: Substring) -> String {
        guard text.count > maxQuoteLength else { return String(text) }
        let head = text.prefix(maxQuoteLength)
        guard let space = head.lastIndex(where: \.isWhitespace) else { return String(head) }
        return String(head[..<space])
    }
}
