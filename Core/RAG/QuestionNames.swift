import Foundation
import TwinlogIndex

/// The names a question asks about — `StarChat2`, `TinyStories`, `GRPO`, `gpt2-nl`, `max_seq_length`,
/// `15B` — and whether the sources mention them. A question whose name no source mentions asks about
/// something the sources do not cover, however close the nearest recipe or file comes: that is how
/// the near misses among the real-repository questions look ("the learning rate of the TinyStories
/// config" where no TinyStories config exists), which no score threshold separates from answerable
/// questions (BENCHMARKS.md, "Answers on real repositories").
///
/// A name is a word of the question with a digit, an `_` or an inner `.`, or an upper-case letter
/// after its first (camel case, and acronyms of three letters or more), or a capitalized word away
/// from the start of a sentence (`Dockerfile`, `Kubernetes`: a file or tool no source mentions).
/// Of a compound of a name and a plain word (`GitHub-hosted`, `multi-GPU`, `768-dimensional`) the
/// name is the part with a capital or the number (`namePart`). A source mentions a name when its
/// text, title, section, source, URL or author contains it, lower-cased, as written, without its
/// `-`, `_` and `.`, with `_` or a space for `-`, without a plural `s`, or joined where the text
/// separates its parts (so `ZeRO-3` is found in `zero3.yaml`, `QLoRA` in `config_qlora.yaml`,
/// `Makefiles` in `Makefile` and `PrivateGPT` in `private-gpt`; `mentions`). Names that each some
/// source mentions must also meet in one document (`mentionedTogether`).
public enum QuestionNames {
    /// The names in `question`, in order, without repeats.
    public static func names(in question: String) -> [String] {
        askedNames(in: question).map(\.name)
    }

    /// The names in `question`, in order, without repeats, each with whether it names a kind of
    /// thing rather than one thing: an acronym (`isAcronym`: `CPU`, `RAG`), or the named part of a
    /// compound with a plain word (`namePart`), which describes — `3D` of "3D-parallel", `GitHub`
    /// of "GitHub-hosted" — unless it is a quantity (`isQuantity`), as `42M` of "42M-parameter" and
    /// `768` of "768-dimensional" are, which tell one thing from its siblings.
    static func askedNames(in question: String) -> [(name: String, generic: Bool)] {
        var names: [(name: String, generic: Bool)] = []
        var startsSentence = true
        for word in question.split(whereSeparator: { $0.isWhitespace || $0 == "/" }) {
            let whole = trimmed(word)
            let name = namePart(of: whole)
            defer { startsSentence = word.last.map { ".?!:".contains($0) } ?? false }
            guard name.count >= 2, !names.contains(where: { $0.name == name }),
                  isName(name) || (!startsSentence && isProperNoun(name)) else { continue }
            names.append((name, isAcronym(name) || (name != whole && !isQuantity(name))))
        }
        return names
    }

    /// A capitalized word with a lower-case letter (`Dockerfile`, `Kubernetes`, `Gemma`), which
    /// away from the start of a sentence names something.
    static func isProperNoun(_ word: String) -> Bool {
        (word.first?.isUppercase ?? false) && word.contains(where: \.isLowercase)
    }

    /// The names of `question` that none of `sources` mentions. An acronym (`RAG`, `API`, `CPU`)
    /// more often names a kind of thing than one thing: when a name of the question that is not
    /// an acronym is mentioned, an acronym no source spells out is not counted ("the Makefile of
    /// Pinecone's RAG framework", whose Makefile never says RAG). An acronym among names no source
    /// mentions, or alone, still counts ("the reward functions for GRPO training"). The name
    /// part of a compound that describes (`3D` of "Hugging Face's 3D-parallel pretraining library")
    /// is treated as an acronym is (both are `generic`, `askedNames`).
    /// Names in `ownNames` (those the sources' repositories use throughout,
    /// `Retriever.repositoryNames`) name the project asked about, not a part of it: they never count.
    public static func unmentioned(in question: String, sources: [ChunkPayload], ownNames: Set<String> = []) -> [String] {
        let haystacks = sources.map(haystack)
        let asked = askedNames(in: question)
        let generic = Set(asked.filter(\.generic).map(\.name))
        let missing = asked.map(\.name).filter { name in !ownNames.contains(name) && !haystacks.contains { mentions($0, name) } }
        let namedThingMentioned = asked.contains { !$0.generic && !missing.contains($0.name) }
        return namedThingMentioned ? missing.filter { !generic.contains($0) } : missing
    }

    /// Whether one document — its retrieved chunks together — mentions every name of `question`.
    /// A question about "the QLoRA config for Zephyr 7B Gemma" where Gemma has only a full config and
    /// QLoRA configs belong to other models is a near miss: each name is mentioned, never together.
    /// A question that compares (`compare`, `differ`, `versus`, `vs`, "which is larger … or …")
    /// names things of different documents by design, so it passes, as does one with fewer than
    /// two names. An acronym (`CPU`, `GPUs`, `API`) names a kind of thing, which a document about
    /// the thing asked for need not spell out ("for which CPU platforms is Verba's image built?"
    /// where the workflow lists `linux/amd64,linux/arm64`): it is left out here, and must still be
    /// mentioned by some source (`unmentioned`). So are the name parts of compounds that describe
    /// (`3D` of "3D-parallel"; both are `generic`, `askedNames`) and `ownNames`, which name the
    /// project itself.
    public static func mentionedTogether(in question: String, sources: [ChunkPayload], ownNames: Set<String> = []) -> Bool {
        let asked = askedNames(in: question).filter { !$0.generic && !ownNames.contains($0.name) }.map(\.name)
        guard asked.count > 1, !compares(question) else { return true }
        let documents = documentHaystacks(sources)
        return documents.values.contains { text in asked.allSatisfy { mentions(text, $0) } }
    }

    /// The positions in `sources` a value the question asks for can come from: the chunks whose
    /// document (its chunks among `sources` together) mentions every identifier the question names
    /// — a name with a digit, `_`, `-` or `.`, not a size, not one of `ownNames`, and mentioned by
    /// some source. "What learning rate does the handbook's gpt2-nl recipe use?" over a README that
    /// mentions the gpt2-nl recipe and another recipe's `learning_rate: 1.0e-03` asks about a file
    /// the sources lack; the other recipe's rate is not its answer. A capitalized or camel-case name
    /// is no such condition: it is as often the project's nickname or maker ("the Golden
    /// RAGtriever", "LlamaIndex's"), which the file holding the value never spells out.
    public static func valueSources(for question: String, sources: [ChunkPayload], ownNames: Set<String> = []) -> Set<Int> {
        let documents = documentHaystacks(sources)
        let identifiers = names(in: question).filter { name in
            name.contains(where: { $0.isNumber || "_-.".contains($0) }) && !isSize(name)
                && !ownNames.contains(name) && documents.values.contains { mentions($0, name) }
        }
        return Set(sources.indices.filter { index in
            let text = documents[sources[index].documentId] ?? ""
            return identifiers.allSatisfy { mentions(text, $0) }
        })
    }

    /// Whether a question compares two things: a word beginning `compar` or `differ`, `versus` or
    /// `vs`, or "which is" followed by a comparative and an "or" ("Which is larger: … or …?").
    static func compares(_ question: String) -> Bool {
        let words = question.lowercased().split { !($0.isLetter || $0.isNumber) }
        if words.contains(where: { $0.hasPrefix("compar") || $0.hasPrefix("differ") || $0 == "versus" || $0 == "vs" }) {
            return true
        }
        guard let which = words.indices.first(where: { words[$0] == "which" && words.dropFirst($0 + 1).first == "is" }),
              let comparative = words.dropFirst(which + 2).first else { return false }
        return (comparative.hasSuffix("er") || ["more", "less", "fewer"].contains(comparative)) && words.contains("or")
    }

    /// Each document's haystacks (`haystack`) of its chunks among `sources`, together, by document id.
    static func documentHaystacks(_ sources: [ChunkPayload]) -> [String: String] {
        var documents: [String: String] = [:]
        for source in sources { documents[source.documentId, default: ""] += haystack(source) + "\n" }
        return documents
    }

    /// What a source's names are looked for in: its text, title, section, source, URL and author,
    /// lower-cased (a question may name the person whose texts these are: "Grace Hopper").
    static func haystack(_ source: ChunkPayload) -> String {
        [source.text, source.title, source.section, source.source, source.url, source.authorId].joined(separator: "\n").lowercased()
    }

    /// Whether lower-cased `text` mentions `name`: as written, without its `-`, `_` and `.`, with
    /// `_` or a space for `-` (`Llama-2` in "llama 2"), without the `s` of a plural (`Makefiles`,
    /// `GPUs`), or written as one word where the text separates its parts (`PrivateGPT` in
    /// `zylon-ai/private-gpt`).
    static func mentions(_ text: String, _ name: String) -> Bool {
        let lowered = name.lowercased()
        let joined = lowered.filter { !"-_.".contains($0) }
        var forms = [lowered, joined, lowered.replacingOccurrences(of: "-", with: "_"), lowered.replacingOccurrences(of: "-", with: " ")]
        if lowered.count >= 4, lowered.hasSuffix("s"), !lowered.hasSuffix("ss") { forms.append(String(lowered.dropLast())) }
        if forms.contains(where: { text.contains($0) }) { return true }
        return !joined.isEmpty && text.filter { !"-_.".contains($0) }.contains(joined)
    }

    /// Whether a name is an acronym: two or more upper-case letters, perhaps with a plural `s`
    /// (not a size such as `7B`).
    static func isAcronym(_ name: String) -> Bool {
        let stem = name.hasSuffix("s") ? name.dropLast() : Substring(name)
        return stem.count >= 2 && stem.allSatisfy(\.isUppercase)
    }

    /// Whether a name is a size or a number: digits (and `.`), perhaps with one letter after
    /// them (`30B`, `124M`, `1.5B`, `768`).
    static func isSize(_ name: String) -> Bool {
        let digits = name.last?.isLetter == true ? name.dropLast() : Substring(name)
        return digits.first?.isNumber == true && digits.allSatisfy { $0.isNumber || $0 == "." }
    }

    /// Whether a name is a number, or a size with a magnitude (`42M`, `7B`, `260K`, `1.5B`): not `3D`.
    static func isQuantity(_ name: String) -> Bool {
        guard isSize(name), let last = name.last else { return false }
        return last.isNumber || "kmbgt".contains(last.lowercased())
    }

    static func isName(_ word: String) -> Bool {
        if word.contains(where: \.isNumber) { return true }
        let characters = Array(word)
        if characters.dropFirst().dropLast().contains(where: { $0 == "_" || $0 == "." }) { return true }
        let upper = characters.dropFirst().filter(\.isUppercase).count
        let acronym = characters.allSatisfy { $0.isUppercase || !$0.isLetter }
        return upper > 0 && (!acronym || characters.count >= 3)
    }

    /// The name in a compound of a name and a plain word (`GitHub-hosted`, `OpenAI-compatible`,
    /// `multi-GPU`, `per-GPU`, `768-dimensional`): the part with a capital letter, or the part
    /// that is a number, when the other is three or more lower-case letters. The compound itself
    /// is written nowhere ("runs on GitHub", "multiple GPUs", `vector(768)`); names of things keep
    /// their hyphens (`gpt2-nl`, `Zephyr-7B`, `zephyr-7b-gemma`, `llama-65b`).
    static func namePart(of word: String) -> String {
        let parts = word.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 2 else { return word }
        let plain: (Substring) -> Bool = { $0.count >= 3 && $0.allSatisfy { $0.isLetter && $0.isLowercase } }
        let named: (Substring) -> Bool = { $0.contains(where: \.isUppercase) || $0.allSatisfy(\.isNumber) }
        if plain(parts[0]), named(parts[1]) { return String(parts[1]) }
        if plain(parts[1]), named(parts[0]) { return String(parts[0]) }
        return word
    }

    /// The word without surrounding punctuation and a possessive `'s`.
    static func trimmed(_ word: Substring) -> String {
        var text = String(word)
        let edge: (Character) -> Bool = { !($0.isLetter || $0.isNumber) }
        while let last = text.last, edge(last) { text.removeLast() }
        while let first = text.first, edge(first) { text.removeFirst() }
        for suffix in ["'s", "’s"] where text.hasSuffix(suffix) { text.removeLast(2) }
        return text
    }
}
