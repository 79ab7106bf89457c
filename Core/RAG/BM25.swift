import Foundation

/// Okapi BM25 over a small set of candidate texts (the chunks a vector search returned), with
/// document frequencies taken from the candidates themselves.
public struct BM25: Sendable {
    public var k1: Double = 1.2
    public var b: Double = 0.75

    public init() {}

    /// One score per text, for `query`.
    public func scores(query: String, texts: [String]) -> [Double] {
        let documents = texts.map(Self.terms)
        guard !documents.isEmpty else { return [] }
        let averageLength = max(1, Double(documents.reduce(0) { $0 + $1.count }) / Double(documents.count))
        var frequencies: [String: Int] = [:]
        for document in documents { for term in Set(document) { frequencies[term, default: 0] += 1 } }
        let queryTerms = Set(Self.terms(query))
        let count = Double(documents.count)
        return documents.map { document in
            var counts: [String: Int] = [:]
            for term in document where queryTerms.contains(term) { counts[term, default: 0] += 1 }
            let length = Double(document.count)
            return counts.reduce(0.0) { total, entry in
                let documentFrequency = Double(frequencies[entry.key] ?? 0)
                let idf = log(1 + (count - documentFrequency + 0.5) / (documentFrequency + 0.5))
                let tf = Double(entry.value)
                return total + idf * tf * (k1 + 1) / (tf + k1 * (1 - b + b * length / averageLength))
            }
        }
    }

    /// Lowercased alphanumeric terms without English stop words.
    static func terms(_ text: String) -> [String] {
        text.lowercased().split { !($0.isLetter || $0.isNumber) }.map(String.init).filter { !stopWords.contains($0) }
    }

    static let stopWords: Set<String> = [
        "a", "an", "and", "are", "as", "at", "be", "but", "by", "did", "do", "does", "for", "from", "has", "have", "he",
        "her", "his", "how", "i", "in", "is", "it", "its", "of", "on", "or", "she", "that", "the", "their", "them", "they",
        "this", "to", "was", "what", "when", "where", "which", "who", "why", "with", "write", "wrote", "you", "your",
    ]
}
