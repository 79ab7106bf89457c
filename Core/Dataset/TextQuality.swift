import Foundation

/// Why a candidate sample was left out of a dataset (the keys of the filter statistics).
public enum SampleRejection: String, Sendable, Codable, CaseIterable {
    case tooShort = "too_short"
    case tooLong = "too_long"
    /// Advertising and call-to-action boilerplate, masked contact details, character runs.
    case spam
    /// Mostly symbols or code rather than prose.
    case notProse = "not_prose"
    case notEnglish = "not_english"
    case exactDuplicate = "exact_duplicate"
    case nearDuplicate = "near_duplicate"
    /// Shares a long word sequence with the evaluation split.
    case contaminated
}

/// The per-sample quality rules: length bounds, spam and low-quality patterns, language.
public struct TextQuality: Sendable, Equatable, Codable {
    public var minimumCharacters: Int
    public var maximumCharacters: Int
    /// The least share of letters among non-space characters for prose.
    public var minimumLetterShare: Double
    /// The least share of English function words among words. Ordinary English prose runs at
    /// 35–50 %; other languages and word lists stay under 10 %.
    public var minimumEnglishShare: Double

    public init(minimumCharacters: Int = 80, maximumCharacters: Int = 4000, minimumLetterShare: Double = 0.7,
                minimumEnglishShare: Double = 0.15) {
        self.minimumCharacters = minimumCharacters
        self.maximumCharacters = maximumCharacters
        self.minimumLetterShare = minimumLetterShare
        self.minimumEnglishShare = minimumEnglishShare
    }

    static let spamPhrases = [
        "click here", "buy now", "subscribe now", "limited time offer", "act now", "100% free", "sign up today",
        "follow me for more", "like and share", "use my promo code", "discount code", "dm me",
    ]

    static let functionWords: Set<String> = [
        "the", "a", "an", "and", "or", "but", "of", "to", "in", "on", "at", "for", "with", "by", "from", "as", "is", "are",
        "was", "were", "be", "been", "it", "its", "this", "that", "these", "those", "i", "you", "he", "she", "we", "they",
        "my", "your", "our", "their", "not", "no", "so", "if", "then", "than", "when", "what", "which", "who", "how",
        "there", "here", "have", "has", "had", "do", "does", "did", "can", "will", "would", "should", "could", "about",
        "into", "out", "up", "all", "one", "more", "most", "some", "any", "every", "each", "just", "also", "very",
    ]

    /// The first rule `text` breaks, or nil when it passes.
    public func rejection(of text: String) -> SampleRejection? {
        let characters = text.count
        if characters < minimumCharacters { return .tooShort }
        if characters > maximumCharacters { return .tooLong }
        let lowered = text.lowercased()
        if Self.spamPhrases.contains(where: lowered.contains) { return .spam }
        let words = Self.words(lowered)
        let masks = ["[URL]", "[EMAIL]", "[PHONE]"].reduce(0) { $0 + text.components(separatedBy: $1).count - 1 }
        if masks >= 3 || Self.longestRun(of: text) >= 8 { return .spam }
        let visible = text.unicodeScalars.filter { !CharacterSet.whitespacesAndNewlines.contains($0) }
        let letters = visible.filter { CharacterSet.letters.contains($0) }.count
        if Double(letters) < minimumLetterShare * Double(max(1, visible.count)) { return .notProse }
        let english = words.filter(Self.functionWords.contains).count
        if Double(english) < minimumEnglishShare * Double(max(1, words.count)) { return .notEnglish }
        return nil
    }

    /// Lowercased words: runs of letters and digits (apostrophes kept inside words).
    static func words(_ text: String) -> [String] {
        var words: [String] = [], current = ""
        for character in text {
            if character.isLetter || character.isNumber || (character == "'" && !current.isEmpty) {
                current.append(character)
            } else if !current.isEmpty {
                words.append(current)
                current = ""
            }
        }
        if !current.isEmpty { words.append(current) }
        return words
    }

    /// The longest run of one repeated non-space character (`!!!!!!!!`, `========`).
    static func longestRun(of text: String) -> Int {
        var longest = 0, run = 0
        var previous: Character?
        for character in text {
            if character == previous, !character.isWhitespace { run += 1 } else { run = 1 }
            previous = character
            longest = max(longest, run)
        }
        return longest
    }
}
