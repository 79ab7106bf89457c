/// Variants of a question searched side by side, so a chunk phrased unlike the question can still
/// be found: the question as asked, its topic without the words that named filters, and its
/// content words alone (no question words or stop words).
public struct QueryExpansion: Sendable {
    /// How many variants to search at most.
    public var variants: Int

    public init(variants: Int = 3) { self.variants = variants }

    public func expand(_ question: String, topic: String) -> [String] {
        let keywords = Self.keywords(of: topic).joined(separator: " ")
        var result: [String] = []
        for candidate in [question, topic, keywords] where !candidate.isEmpty && !result.contains(candidate) {
            result.append(candidate)
        }
        return Array(result.prefix(max(1, variants)))
    }

    /// Lowercased alphanumeric words without English stop words and question verbs.
    static func keywords(of text: String) -> [String] {
        text.lowercased().split { !($0.isLetter || $0.isNumber) }.map(String.init).filter { !stopWords.contains($0) }
    }

    static let stopWords: Set<String> = [
        "a", "an", "and", "are", "as", "at", "be", "but", "by", "did", "do", "does", "for", "from", "has", "have", "he",
        "her", "his", "how", "i", "in", "is", "it", "its", "of", "on", "or", "she", "that", "the", "their", "them", "they",
        "this", "to", "was", "what", "when", "where", "which", "who", "why", "with", "write", "wrote", "you", "your",
    ]
}
