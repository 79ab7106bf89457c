/// Variants of a question searched side by side, so a chunk phrased unlike the question can still
/// be found: the question as asked, its topic without the words that named filters, and its
/// content words alone (no question words or stop words).
public struct QueryExpansion: Sendable {
    /// How many variants to search at most.
    public var variants: Int

    public init(variants: Int = 3) { self.variants = variants }

    public func expand(_ question: String, topic: String) -> [String] {
        let keywords = BM25.terms(topic).joined(separator: " ")
        var result: [String] = []
        for candidate in [question, topic, keywords] where !candidate.isEmpty && !result.contains(candidate) {
            result.append(candidate)
        }
        return Array(result.prefix(max(1, variants)))
    }
}
