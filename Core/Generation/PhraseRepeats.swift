/// Watches a text grow and tells when a run of four words comes round the third time, the loop a
/// small model falls into without ever finishing the same sentence twice ("The GPU build of the
/// image depends on the GPU build of … The GPU build of this image is …"). A word is a run of
/// letters, digits and `_`, compared lower-cased. The same rule ends a quote of a source that
/// lists one value over and over (`EvidenceSelector.withoutRepeats`).
public struct PhraseRepeats: Sendable {
    /// How many words make a run.
    public static let runLength = 4
    /// How many times a run may come round before it counts as a loop.
    public static let allowedTimes = 2

    private var offset = 0
    private var wordStart: Int?
    private var word = ""
    /// The last `runLength` finished words and where each began.
    private var words: [(start: Int, word: String)] = []
    private var seen: [[String]: Int] = [:]

    public init() {}

    /// Adds text; returns the offset (in characters of all text added) where the run that comes
    /// round the third time begins, the first time a finished word completes one.
    public mutating func append<Text: StringProtocol>(_ piece: Text) -> Int? {
        for character in piece {
            defer { offset += 1 }
            if Self.isWordCharacter(character) {
                if wordStart == nil { wordStart = offset }
                word.append(contentsOf: character.lowercased())
            } else if let start = finishWord() {
                return start
            }
        }
        return nil
    }

    /// Where the run begins that the word still open at the end would make come round the third
    /// time, were it finished now: a generation asks before it passes a token on, so the token
    /// that would finish a looping run never reaches the reader.
    public func openWordRepeats() -> Int? {
        guard let start = wordStart else { return nil }
        let run = (words + [(start, word)]).suffix(Self.runLength)
        guard run.count == Self.runLength, (seen[run.map(\.word)] ?? 0) >= Self.allowedTimes else { return nil }
        return run.first?.start
    }

    private mutating func finishWord() -> Int? {
        guard let start = wordStart else { return nil }
        words.append((start, word))
        if words.count > Self.runLength { words.removeFirst() }
        wordStart = nil
        word = ""
        guard words.count == Self.runLength else { return nil }
        let key = words.map(\.word)
        let times = (seen[key] ?? 0) + 1
        seen[key] = times
        return times > Self.allowedTimes ? words[0].start : nil
    }

    static func isWordCharacter(_ character: Character) -> Bool {
        character.isLetter || character.isNumber || character == "_"
    }
}
