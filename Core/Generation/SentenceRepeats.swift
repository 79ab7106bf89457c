/// Watches a generated text grow and tells when its latest finished sentence says again what an
/// earlier one said, the loop small models fall into ("It's a bit of a trick. It's a bit of a
/// trick."). Sentences end at `.`, `!`, `?` followed by a space or newline, or at a newline;
/// they are compared by their words, lowercased, and only when they have at least `minimumWords`
/// so a repeated "Yes." or list marker does not count.
struct SentenceRepeats {
    var minimumWords = 3
    private var text: [Character] = []
    private var sentenceStart = 0
    private var seen: Set<[String]> = []

    /// Adds generated text; returns the offset (in characters of all text added) where a repeated
    /// sentence began, the first time one is finished.
    mutating func append(_ piece: String) -> Int? {
        for character in piece {
            text.append(character)
            if let start = finishSentence(endingWith: character) { return start }
        }
        return nil
    }

    private mutating func finishSentence(endingWith character: Character) -> Int? {
        let ends: Bool
        if character.isNewline {
            ends = true
        } else if character == " ", text.count >= 2, ".!?".contains(text[text.count - 2]) {
            ends = true
        } else {
            ends = false
        }
        guard ends else { return nil }
        let start = sentenceStart
        sentenceStart = text.count
        let words = String(text[start..<text.count]).lowercased()
            .split { !$0.isLetter && !$0.isNumber }.map(String.init)
        guard words.count >= minimumWords else { return nil }
        if seen.contains(words) { return start }
        seen.insert(words)
        return nil
    }

    /// The sentence still open at the end, when it repeats an earlier finished one (the generation
    /// stopped right after writing it without its final space).
    func openSentenceRepeats() -> Int? {
        let words = String(text[sentenceStart..<text.count]).lowercased()
            .split { !$0.isLetter && !$0.isNumber }.map(String.init)
        return words.count >= minimumWords && seen.contains(words) ? sentenceStart : nil
    }
}
