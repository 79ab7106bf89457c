import Foundation
import TwinlogIndex

/// The sources the index holds (repositories as `owner/name`, sites by host, feeds) and the names
/// a question may call them by, derived from the source's own name — never from a hand-written
/// list — so a question that says "in nanoGPT", "the Kafka client" or "the handbook" points at the
/// source it means.
///
/// Aliases of a repository `owner/name`:
/// - the name as written (`swift-kafka-client`, `llm.c`, `nanogpt`), and `owner/name`;
/// - its words (split at `-`, `_`, `.`, spaces and camel-case humps) as a phrase (`swift kafka
///   client`), run together (`swiftkafkaclient`), and every tail of two or more words (`kafka
///   client`) — a name's first words are usually its ecosystem, its last its head noun;
/// - the head noun alone (`handbook`), only right after "the" and only when no other source
///   shares it;
/// - the acronym of a name of three or more words (`leh` for `llm-engineers-handbook`);
/// - the owner, which points at every source of that owner.
/// Sites: the host without `www.`, and its main label (`example` for `blog.example.com`) when that
/// is at least four letters. Matching is on whole words of the question, longest alias first, so
/// words that merely occur in a name ("a Swift client for Kafka") do not match.
public struct SourceCatalogue: Sendable {
    /// An alias and the sources it names.
    struct Alias: Sendable {
        let words: [String]
        let sources: Set<String>
        let needsArticle: Bool
    }

    private let aliases: [Alias]

    public init(sources: [String]) {
        var table: [[String]: (sources: Set<String>, article: Bool)] = [:]
        func add(_ words: [String], _ source: String, article: Bool = false) {
            let words = words.filter { !$0.isEmpty }
            guard !words.isEmpty else { return }
            var entry = table[words] ?? ([], article)
            entry.sources.insert(source)
            entry.article = entry.article && article
            table[words] = entry
        }
        var headNouns: [String: Set<String>] = [:]
        for source in sources {
            let (owner, name) = Self.split(source)
            let words = Self.nameWords(name)
            add(Self.questionWords(name), source)
            add([name.lowercased()], source)
            if let owner {
                add(Self.questionWords(owner + "/" + name), source)
                add(Self.questionWords(owner), source)
            }
            guard !words.isEmpty else { continue }
            add(words, source)
            add([words.joined()], source)
            if words.count >= 2 {
                for start in 1..<(words.count - 1) { add(Array(words[start...]), source) }
                if words.last!.count >= 3 { headNouns[words.last!, default: []].insert(source) }
            }
            if words.count >= 3 { add([String(words.compactMap(\.first))], source) }
            if owner == nil, let label = Self.mainLabel(of: name), label.count >= 4 { add([label], source) }
        }
        for (noun, owners) in headNouns where owners.count == 1 && table[[noun]] == nil {
            add([noun], owners.first!, article: true)
        }
        aliases = table.map { Alias(words: $0.key, sources: $0.value.sources, needsArticle: $0.value.article) }
            .sorted { ($0.words.count, $0.words.joined(separator: " ")) > ($1.words.count, $1.words.joined(separator: " ")) }
    }

    /// The sources a question names, sorted; empty when it names none.
    public func references(in question: String) -> [String] {
        named(in: question).all
    }

    /// `references` and `individualReferences` from one match of the question's words.
    public func named(in question: String) -> (all: [String], individual: [String]) {
        let aliases = matched(in: question)
        return (Set(aliases.flatMap(\.sources)).sorted(), Set(aliases.filter { $0.sources.count == 1 }.flatMap(\.sources)).sorted())
    }

    /// The sources the question names one by one — each by an alias of that source alone, not by
    /// an owner or another name several sources share — sorted. Two or more mean the question
    /// asks about each of them ("How is training launched in nanoGPT compared with the alignment
    /// handbook?").
    public func individualReferences(in question: String) -> [String] {
        named(in: question).individual
    }

    /// The aliases the question's words spell, longest first, each span of words matched once.
    private func matched(in question: String) -> [Alias] {
        let words = Self.questionWords(question)
        var taken = Set<Int>()
        var found: [Alias] = []
        for alias in aliases {
            let length = alias.words.count
            guard length <= words.count else { continue }
            for start in 0...(words.count - length) where words[start..<(start + length)].elementsEqual(alias.words) {
                let span = start..<(start + length)
                guard !span.contains(where: taken.contains) else { continue }
                if alias.needsArticle, start == 0 || words[start - 1] != "the" { continue }
                taken.formUnion(span)
                found.append(alias)
            }
        }
        return found
    }

    /// A source's owner (the part before the last `/`, for a repository) and name.
    static func split(_ source: String) -> (owner: String?, name: String) {
        let parts = source.split(separator: "/").map(String.init)
        guard parts.count >= 2, !source.contains(".") || !parts[0].contains(".") else { return (nil, source) }
        return (parts[parts.count - 2], parts[parts.count - 1])
    }

    /// The words of a name: split at separators and camel-case humps, lowercased
    /// (`LLM-Engineers-Handbook` → llm, engineers, handbook; `nanoGPT` → nano, gpt).
    static func nameWords(_ name: String) -> [String] {
        name.split(whereSeparator: { !($0.isLetter || $0.isNumber) }).flatMap { LexicalTerms.identifierParts($0) }
    }

    /// A question's (or name's) words for matching: lowercased runs of letters, digits and inner
    /// `.`/`-`/`_`/`/` kept whole (`llm.c`, `swift-kafka-client`, `karpathy/llm.c`), possessive
    /// `'s` dropped.
    static func questionWords(_ text: String) -> [String] {
        var words: [String] = []
        for raw in text.lowercased().split(whereSeparator: { !($0.isLetter || $0.isNumber || ".-_/'’".contains($0)) }) {
            var word = raw.trimmingCharacters(in: .init(charactersIn: ".-_/'’"))
            for suffix in ["'s", "’s"] where word.hasSuffix(suffix) { word.removeLast(2) }
            if !word.isEmpty { words.append(word) }
        }
        return words
    }

    /// The main label of a host (`blog.example.com` → example); nil for something that is no host.
    static func mainLabel(of host: String) -> String? {
        let labels = host.lowercased().split(separator: ".").map(String.init)
        guard labels.count >= 2 else { return nil }
        return labels[labels.count - 2]
    }
}
