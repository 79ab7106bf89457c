/// The terms BM25 counts, read the way code and prose are searched: lowercased words and numbers,
/// with identifiers kept whole and also split into their parts, so `learning_rate`, `GPTConfig`
/// and `torch.nn.functional` match a question that says "learning rate", "GPT config" or
/// "functional". English stop words are dropped and a plural `s` is folded (`tokenizers` →
/// `tokenizer`), which is all the stemming that helped on the evaluation.
///
/// Hand-written because no package available here tokenizes identifiers; it is a pure function of
/// its input, so the lexical index rebuilt from payloads equals the one kept incrementally.
public enum LexicalTerms {
    /// The terms of `text`, in order, repeated as often as they occur.
    public static func terms(_ text: String) -> [String] {
        var result: [String] = []
        for token in tokens(of: text) {
            let parts = identifierParts(token)
            if parts.count > 1 { append(token, to: &result) }
            for part in parts { append(part, to: &result) }
        }
        return result
    }

    /// Runs of letters, digits, `_` and inner `.` (a dot between two word characters, as in
    /// `torch.nn` or `3.5`), with their original case.
    static func tokens(of text: String) -> [Substring] {
        var tokens: [Substring] = []
        var start: String.Index?
        var index = text.startIndex
        while index < text.endIndex {
            let character = text[index]
            let next = text.index(after: index)
            let word = character.isLetter || character.isNumber || character == "_"
            let innerDot = character == "." && start != nil && next < text.endIndex
                && (text[next].isLetter || text[next].isNumber)
            if word || innerDot {
                if start == nil { start = index }
            } else if let begun = start {
                tokens.append(text[begun..<index])
                start = nil
            }
            index = next
        }
        if let begun = start { tokens.append(text[begun...]) }
        return tokens
    }

    /// The lowercased parts of an identifier: split at `_`, `.`, and camel-case humps
    /// (`HTTPServer` → http, server; `gpt2Config` → gpt2, config). A plain word is its own part.
    public static func identifierParts(_ token: Substring) -> [String] {
        var parts: [String] = []
        var current = ""
        let characters = Array(token)
        for (offset, character) in characters.enumerated() {
            if character == "_" || character == "." {
                if !current.isEmpty { parts.append(current) }
                current = ""
                continue
            }
            if character.isUppercase, !current.isEmpty {
                let previous = characters[offset - 1]
                let nextIsLower = offset + 1 < characters.count && characters[offset + 1].isLowercase
                if previous.isLowercase || previous.isNumber || (previous.isUppercase && nextIsLower) {
                    parts.append(current)
                    current = ""
                }
            }
            current.append(character)
        }
        if !current.isEmpty { parts.append(current) }
        return parts.map { $0.lowercased() }
    }

    private static func append(_ token: some StringProtocol, to result: inout [String]) {
        let lowered = token.lowercased()
        guard !stopWords.contains(lowered) else { return }
        result.append(fold(lowered))
    }

    /// Folds a plural `s` (not `ss`, `us`, `is`) on words of more than four letters.
    static func fold(_ term: String) -> String {
        guard term.count > 4, term.hasSuffix("s"), !term.hasSuffix("ss"), !term.hasSuffix("us"), !term.hasSuffix("is"),
              term.unicodeScalars.allSatisfy({ $0.properties.isAlphabetic }) else { return term }
        return String(term.dropLast())
    }

    /// Words too common to say what a text is about.
    public static let stopWords: Set<String> = [
        "a", "an", "and", "are", "as", "at", "be", "but", "by", "can", "did", "do", "does", "for", "from", "has", "have",
        "he", "her", "his", "how", "i", "if", "in", "into", "is", "it", "its", "me", "my", "of", "on", "or", "our", "she",
        "so", "than", "that", "the", "their", "them", "then", "there", "these", "they", "this", "those", "to", "was",
        "we", "were", "what", "when", "where", "which", "who", "whom", "why", "will", "with", "would", "you", "your",
    ]
}
