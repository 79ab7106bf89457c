import Foundation
import TwinlogIndex

/// Filters read from the question itself: whose texts, which platform, which kind, which time.
/// Rules first: an author is named by the words of their id (`ada-lovelace` is "Ada Lovelace", or
/// "Ada" when no other author shares the first name); platforms and kinds by their names and a few
/// synonyms; publication time ranges by `TimeExpressions`.
/// The word lists are kept narrow on purpose: a wrong filter hides the answer, a missing one only
/// widens the search. Filters the asker set explicitly always win over what is read here.
public struct SelfQuery: Sendable {
    /// The author ids the index knows, to recognise names in questions.
    public var authorIds: [String]
    /// The instant relative time expressions ("last year") count from.
    public var now: Date

    public init(authorIds: [String], now: Date = Date()) {
        self.authorIds = authorIds
        self.now = now
    }

    /// What the question asks to filter on.
    public struct Extraction: Sendable, Equatable {
        public var authorId: String?
        public var platform: String?
        public var kind: String?
        /// Document dates the question asks about (lower bound inclusive, upper exclusive).
        public var dates: Range<Date>?
        /// The question without the words that only named the filters, for the embedding.
        public var topic: String
    }

    static let platformWords: [(words: [String], platform: String)] = [
        (["linkedin"], "linkedin"), (["medium"], "medium"), (["github", "repository", "repositories", "repo", "repos"], "github"),
    ]
    static let kindWords: [(words: [String], kind: String)] = [
        (["post", "posts"], "post"), (["article", "articles", "blog", "essay", "essays"], "article"),
        (["readme", "readmes"], "repository_file"),
    ]

    public func extract(_ question: String) -> Extraction {
        let words = Self.words(question)
        var consumed = Set<Int>()
        var extraction = Extraction(authorId: nil, platform: nil, kind: nil, dates: nil, topic: question)

        // Authors: the longest run of words matching the start of an author id wins.
        var best: (id: String, range: Range<Int>)?
        for id in authorIds {
            let parts = id.split(separator: "-").map(String.init)
            guard !parts.isEmpty else { continue }
            for start in words.indices {
                var length = 0
                while length < parts.count, start + length < words.count, words[start + length] == parts[length] { length += 1 }
                let firstNameUnique = length == 1 && authorIds.filter { $0.split(separator: "-").first.map(String.init) == parts[0] }.count == 1
                guard length == parts.count || (firstNameUnique && parts.count > 1) else { continue }
                if best.map({ length > $0.range.count }) ?? true { best = (id, start..<(start + length)) }
            }
        }
        if let best {
            extraction.authorId = best.id
            consumed.formUnion(best.range)
        }
        for (index, word) in words.enumerated() {
            if extraction.platform == nil, let match = Self.platformWords.first(where: { $0.words.contains(word) }) {
                extraction.platform = match.platform
                consumed.insert(index)
            } else if extraction.kind == nil, let match = Self.kindWords.first(where: { $0.words.contains(word) }) {
                extraction.kind = match.kind
                consumed.insert(index)
            }
        }
        if let reading = TimeExpressions(now: now).read(words) {
            extraction.dates = reading.dates
            consumed.formUnion(reading.consumed)
        }
        // A GitHub question is about repository files unless it says otherwise.
        if extraction.platform == "github", extraction.kind == nil { extraction.kind = "repository_file" }
        let remaining = words.enumerated().filter { !consumed.contains($0.offset) }.map(\.element)
        extraction.topic = remaining.isEmpty ? question : remaining.joined(separator: " ")
        return extraction
    }

    /// The question's words, lowercased, possessives dropped.
    static func words(_ text: String) -> [String] {
        text.lowercased()
            .split { !($0.isLetter || $0.isNumber || $0 == "'" || $0 == "’") }
            .map { word in
                var word = String(word)
                for suffix in ["'s", "’s"] where word.hasSuffix(suffix) { word.removeLast(2) }
                return word.trimmingCharacters(in: CharacterSet(charactersIn: "'’"))
            }
            .filter { !$0.isEmpty }
    }
}
