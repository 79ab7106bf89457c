import Foundation
import TwinlogGeneration
import TwinlogIndex
import TwinlogLinalg
import TwinlogText

/// One quote that supports an answer: a line or sentence copied verbatim from a retrieved source.
public struct EvidenceQuote: Sendable, Equatable {
    /// The source's number in the prompt, counted from 1 (`[n]` in the answer).
    public var source: Int
    /// The quoted text, a verbatim substring of that source's chunk text.
    public var text: String
    /// How well it supports the question and answer, in 0...1.
    public var score: Double

    public init(source: Int, text: String, score: Double) {
        self.source = source
        self.text = text
        self.score = score
    }
}

/// Chooses the 1–3 lines or sentences of the retrieved sources that best support an answer, so a
/// reply carries the facts verbatim even when a small model garbles them. Code and configuration
/// are quoted by line (`lora_rank: 32`), prose by sentence and the fenced code blocks in it by
/// line. Each unit is scored by its cosine similarity to the question (and the answer, when there
/// is one) and by its lexical overlap with them, weighted by how rare each term is among the units
/// of these sources.
///
/// A line that leads into what follows it is quoted with what it introduces: a sentence ending in
/// `:` with its list or code (`We recommend benchmarking chat models on:` and the benchmarks), a
/// comment or decorator with the statement under it (and what that statement introduces), a
/// comment heading a paragraph of plain statements with the paragraph (`# LoRA arguments` over
/// `lora_r` and `lora_alpha`), a YAML list item with the rest of its mapping, a statement with its open brackets up to where they close
/// (`__all__ = [` and the names), a `key:` or `def …:` with its more-indented block, a `[section]`
/// of an INI file with its settings, a Dockerfile's `FROM` with its build stage, a shell `if …; then`
/// with its branch, a line ending in `\` with its continuation — as many characters as fit in
/// `maxQuoteLength`, still one verbatim substring. On real repositories the quoted line was most
/// often such a lead-in, and the fact asked for sat in the lines after it.
///
/// A line seldom names what it belongs to: `lora_alpha: 16` says nothing of Zephyr or QLoRA, its
/// file's path does, and in code and configuration so do the lines around it (`learning_rate:
/// 3.0e-04` sits beside `hub_model_id: smollm2-1.7B-sft`, in a file whose path names neither). So a
/// unit is read in its source's context — the embedder sees it after its path and section, and half
/// of its lexical score counts the terms of its source, path and section (and, for a line of code
/// or configuration, of its whole chunk) as its own — and the line that holds the asked setting in
/// the asked file wins over the same setting in another file.
public struct EvidenceSelector: Sendable {
    /// At most this many quotes.
    public var maxQuotes = 3
    /// Quotes below this score are left out; the best one is kept whenever any unit shares a term.
    /// 0.35 left out lines that hold the fact and score low by their MiniLM similarity (a pinned
    /// requirement, a default in code); lower than 0.25 changes no quote on the real-repository
    /// questions (BENCHMARKS.md).
    public var minimumScore = 0.25
    /// The weight of the dense similarity; the lexical overlap has the rest.
    public var denseWeight = 0.5
    /// At most this many units, the lexically best, are embedded.
    public var maxEmbeddedUnits = 24
    /// Of a unit the embedder reads at most this many characters: a block's lead-in says what it
    /// is about, and an embedding takes longer the longer its text.
    public var maxEmbeddedLength = 300
    /// A quote longer than this many characters is cut at a word boundary (still verbatim). On the
    /// real-repository questions 450 keeps the list items and settings that 300 cut off, and 600
    /// adds no more on the tune half (BENCHMARKS.md).
    public var maxQuoteLength = 450
    /// What a unit of a file the question names (`train.py`, `requirements.txt`, `Dockerfile`) adds
    /// to its score when quotes are ranked, so the named file is quoted before others that share
    /// its words; the quote's own score, which decides abstention, is left as it was.
    public var namedFileBonus = 0.2

    /// What a unit that states a number adds to its score when quotes are ranked for a question
    /// that asks for one (`asksForQuantity`: "which versions", "how many", "what port"), and a unit
    /// that holds a model id, image, CI runner, environment variable or make target for a question
    /// that asks for that (`AskedValue.holdsNamedValue`).
    public var quantityBonus = 0.15

    public init() {}

    /// A candidate quote and where it came from.
    struct Unit {
        var source: Int
        /// The quote's UTF-8 range in its source's text.
        var range: Range<Int>
        var text: Substring
        var terms: Set<String>
        /// The terms of its source's header (repository, path or title, section trail) and, for a
        /// line of code or configuration, of its source's whole text.
        var context: Set<String>
        /// The header the embedder reads before the unit.
        var header: String
        /// The words of the key of a `key: value` or `key = value` line whose key is not one
        /// `_`-joined identifier (`python-version: 3.10`, `max-line-length = 119`); else empty.
        var keyWords: Set<String> = []
    }

    /// The quotes for `question` (and `answer`) from `sources`, best first. When the question
    /// compares sources (`comparing`, the `ChunkPayload.source` of each, as retrieval found them
    /// named one by one), each of them that has a unit sharing a term with the question gets a
    /// quote: its best unit comes last, in place of the last quote of a source that has another.
    public func select(question: String, answer: String?, sources: [ChunkPayload], comparing: [String] = [],
                       embed: Retriever.Embed) async throws -> [EvidenceQuote] {
        let units = sources.enumerated().flatMap { number, payload in
            Self.units(of: payload, source: number + 1, blockLimit: maxQuoteLength)
        }
        guard !units.isEmpty else { return [] }
        let wanted = Self.terms(question).union(answer.map(Self.terms) ?? [])
        let lexical = Self.lexicalScores(units, wanted: wanted)
        let order = units.indices.sorted { (lexical[$0], $1) > (lexical[$1], $0) }
        var embedded = Array(order.prefix(maxEmbeddedUnits))
        func repository(_ unit: Unit) -> String { sources[unit.source - 1].source }
        // A compared source's lexically best units are embedded even when others outrank them, as
        // are those of a file the question names.
        for compared in comparing {
            let own = order.lazy.filter { repository(units[$0]) == compared && lexical[$0] > 0 }.prefix(2)
            embedded += own.filter { !embedded.contains($0) }
        }
        let named = Self.namedFiles(in: question, sources: sources)
        let asksQuantity = Self.asksForQuantity(question)
        let kinds = AskedValue.kinds(question)
        let stated = AskedValue.stated(in: question)
        let bonus = units.map { unit in
            let holdsAsked = (asksQuantity && Self.holdsNumber(unit.text))
                || (!kinds.isEmpty && AskedValue.holdsNamedValue(kinds, String(unit.text), file: Self.fileName(of: sources[unit.source - 1]),
                                                                 besides: stated))
            return (named.contains(unit.source) ? namedFileBonus : 0) + (holdsAsked ? quantityBonus : 0)
        }
        for source in named.sorted() {
            let own = order.lazy.filter { units[$0].source == source && lexical[$0] > 0 }.prefix(3)
            embedded += own.filter { !embedded.contains($0) }
        }
        let probe = [question, answer].compactMap { $0 }.joined(separator: "\n")
        let vectors = try await embed([probe] + embedded.map { units[$0].header + String(units[$0].text.prefix(maxEmbeddedLength)) })
        // The embedder's vectors have unit length: the dot product is the cosine.
        let dense = embedded.indices.map { position in
            max(0, Double(BLAS.dot(vectors[0], vectors[position + 1], count: min(vectors[0].count, vectors[position + 1].count))))
        }
        let scores = embedded.indices.map { denseWeight * dense[$0] + (1 - denseWeight) * lexical[embedded[$0]] }
        // Greedy: each next quote is ranked with half its lexical share counting only the wanted
        // terms the quotes so far lack, so a question about a rank and an alpha gets both lines
        // rather than the alpha line twice over. A quote must still score `minimumScore` alone.
        var quotes: [EvidenceQuote] = []
        // Whether a quote says again what one already does: the same text, or, within one document,
        // text inside the other's.
        func repeats(_ text: String, from source: Int) -> Bool {
            quotes.contains { quote in
                quote.text == text || (sources[quote.source - 1].documentId == sources[source - 1].documentId
                    && (quote.text.contains(text) || text.contains(quote.text)))
            }
        }
        var taken: [(source: Int, range: Range<Int>)] = []
        var missing = wanted
        var candidates = Array(embedded.indices)
        while quotes.count < maxQuotes {
            let gain = missing.isEmpty || missing == wanted ? lexical : Self.lexicalScores(units, wanted: missing)
            let ranked = candidates.map { position in
                (position, denseWeight * dense[position] + (1 - denseWeight) * (lexical[embedded[position]] + gain[embedded[position]]) / 2
                    + bonus[embedded[position]])
            }
                .sorted { ($0.1, $1.0) > ($1.1, $0.0) }
            guard let (position, _) = ranked.first(where: { position, _ in
                scores[position] >= minimumScore || (quotes.isEmpty && lexical[embedded[position]] > 0)
            }) else { break }
            candidates.removeAll { $0 == position }
            let unit = units[embedded[position]]
            // A block and a line inside it are not two quotes, in one source or in two chunks of a
            // file that overlap.
            let text = cut(unit.text)
            guard !taken.contains(where: { $0.source == unit.source && $0.range.overlaps(unit.range) }),
                  !repeats(text, from: unit.source) else { continue }
            taken.append((unit.source, unit.range))
            quotes.append(EvidenceQuote(source: unit.source, text: text, score: scores[position]))
            missing = missing.filter { term in !unit.terms.contains { Self.matches($0, term) } }
        }
        for compared in comparing where !quotes.contains(where: { sources[$0.source - 1].source == compared }) {
            guard let best = candidates.filter({ position in
                      let unit = units[embedded[position]]
                      return repository(unit) == compared && lexical[embedded[position]] > 0 && !repeats(cut(unit.text), from: unit.source)
                  })
                .max(by: { (scores[$0], $1) < (scores[$1], $0) }) else { continue }
            if quotes.count == maxQuotes {
                guard let replaced = quotes.lastIndex(where: { quote in
                    quotes.filter { sources[$0.source - 1].source == sources[quote.source - 1].source }.count > 1
                }) else { continue }
                quotes.remove(at: replaced)
            }
            let unit = units[embedded[best]]
            quotes.append(EvidenceQuote(source: unit.source, text: cut(unit.text), score: scores[best]))
        }
        return quotes
    }

    /// Whether a unit's term stands for a wanted one: the same; one a prefix of the other with at
    /// least four letters (`optim` for "optimizer", `param` for "parameters"); two inflections of
    /// one word, equal without their endings (`trained` and "training", `saves` and "saved",
    /// `stem`); or a configuration abbreviation of it (`lr` for "learning" and "rate", `r` for
    /// "rank").
    static func matches(_ term: String, _ wanted: String) -> Bool {
        if term == wanted { return true }
        if Self.abbreviations[wanted]?.contains(term) == true { return true }
        guard min(term.count, wanted.count) >= 4 else { return false }
        return term.hasPrefix(wanted) || wanted.hasPrefix(term) || stem(term) == stem(wanted)
    }

    /// An English word without the first of these endings that leaves four letters or more:
    /// -ations, -ation, -ings, -ing, -ers, -er, -es, -ed, -s, -d.
    static func stem(_ word: String) -> Substring {
        for ending in ["ations", "ation", "ings", "ing", "ers", "er", "es", "ed", "s", "d"]
        where word.hasSuffix(ending) && word.count - ending.count >= 4 {
            return word.dropLast(ending.count)
        }
        return Substring(word)
    }

    /// The short forms configuration files use for words a question spells out: `lora_r` is the
    /// LoRA rank, `lr_scheduler_type` the learning-rate scheduler, `max_seq_len` the maximum
    /// sequence length. Only these one- and two-letter pieces are kept as terms (`terms`).
    static let abbreviations: [String: Set<String>] = [
        "learning": ["lr"], "rate": ["lr"], "rank": ["r"], "batch": ["bs"], "maximum": ["max"], "minimum": ["min"],
        "sequence": ["seq"], "length": ["len"], "number": ["num"], "dimension": ["dim"], "gradient": ["grad"],
        "embedding": ["emb", "embd"], "context": ["ctx"], "temperature": ["temp"], "directory": ["dir"],
    ]

    /// The short pieces kept as terms because they abbreviate a word (`abbreviations`).
    static let shortAbbreviations = Set(abbreviations.values.flatMap { $0 }.filter { $0.count < 3 })

    /// Lines of code and configuration files, sentences of prose (lines inside its fenced code
    /// blocks), each lead-in with the block it introduces up to `blockLimit` characters
    /// (`blockEnd`); units without a term, and the headings of prose, are dropped.
    static func units(of payload: ChunkPayload, source: Int, blockLimit: Int = EvidenceSelector().maxQuoteLength) -> [Unit] {
        let text = payload.text
        let header = [payload.source, payload.title, payload.section].filter { !$0.isEmpty }.joined(separator: " — ")
        let byLine = quotesByLine(payload)
        let context = byLine ? Self.terms(header).union(Self.terms(text)) : Self.terms(header)
        // The embedder reads the path and section (the repository adds little and costs tokens).
        let place = [payload.title, payload.section].filter { !$0.isEmpty }.joined(separator: " — ")
        let embeddedHeader = place.isEmpty ? "" : place + ":\n"
        let ranges = segments(of: payload)
        let slices = ranges.map { range in
            let start = text.utf8.index(text.utf8.startIndex, offsetBy: range.lowerBound)
            return text[start..<text.utf8.index(start, offsetBy: range.count)]
        }
        let characters = characterRanges(of: slices, in: text)
        let sections = sectionHeads(of: payload)
        let indents = indentations(of: ranges, in: text)
        return ranges.indices.compactMap { index in
            var last = blockEnd(from: index, of: slices, ranges: ranges, characters: characters, indents: indents, in: text, byLine: byLine,
                                sections: sections, limit: blockLimit)
            // A comment speaks of the line under it: a block of code the limit ends on a comment
            // drops it (a run of comments alone stays whole).
            if byLine, let statement = (index...last).first(where: { !isComment(slices[$0].trimmingCharacters(in: .whitespaces)) }) {
                while last > statement, isComment(slices[last].trimmingCharacters(in: .whitespaces)) { last -= 1 }
            }
            let range = ranges[index].lowerBound..<ranges[last].upperBound
            let slice = text[slices[index].startIndex..<slices[last].endIndex]
            let terms = Self.terms(String(slice))
            // A heading names a section, which the header already carries; it quotes no fact. Nor
            // does a sentence of prose without a letter (a lone `3.`, a row of numbers), which
            // would pass for a number asked for.
            guard !terms.isEmpty, byLine || (!slice.hasPrefix("#") && slice.contains(where: \.isLetter)) else { return nil }
            return Unit(source: source, range: range, text: slice, terms: terms, context: context, header: embeddedHeader,
                        keyWords: keyWords(of: slices[index]))
        }
    }

    /// The index of the last segment a quote starting at segment `index` takes: `index` itself,
    /// unless that segment leads into a block (see the type's documentation), which then ends
    /// - in code and configuration: for comments and decorators, where the statement under them
    ///   ends; where the brackets the line opens close; for a line ending in `:`, before the first
    ///   line indented no deeper (a YAML list's `- ` may stay level); for a YAML list item with a
    ///   key, before the first line indented no deeper than its dash; for a shell line ending in
    ///   `then`, `do` or `else`, before the first line indented no deeper; for a line ending in `\`, at
    ///   the first line that does not; for an INI `[section]` or a Dockerfile's `FROM`, before the
    ///   next (`SectionHeads`);
    /// - in prose: for a sentence ending in `:`, after the sentence that follows it, or its list
    ///   items, or the code block that opens after it, and before any heading or sentence ending in `:`;
    /// and always before the segment that would take the block past `limit` characters (the
    /// segments' `characters` ranges; their UTF-8 `ranges` find the fences between them).
    static func blockEnd(from index: Int, of segments: [Substring], ranges: [Range<Int>], characters: [Range<Int>], indents: [Int],
                         in text: String, byLine: Bool, sections: SectionHeads, limit: Int) -> Int {
        var lead = segments[index].trimmingCharacters(in: .whitespaces)
        func fits(_ next: Int) -> Bool { characters[next].upperBound - characters[index].lowerBound <= limit }
        func extend(from first: Int = index, while belongs: (Int) -> Bool) -> Int {
            var last = first
            while last + 1 < segments.count, fits(last + 1), belongs(last + 1) { last += 1 }
            return last
        }
        if !byLine {
            guard lead.hasSuffix(":") else { return index }
            // What a sentence introduces: the sentence right after it, or its list items, or the
            // lines of the code block that opens after it, up to where that block closes.
            var inFence = false
            return extend { next in
                let gap = text.utf8.dropFirst(ranges[next - 1].upperBound).prefix(ranges[next].lowerBound - ranges[next - 1].upperBound)
                if String(decoding: gap, as: UTF8.self).contains("```") {
                    guard !inFence else { return false }
                    inFence = true
                }
                let segment = segments[next]
                guard !segment.hasPrefix("#"), !segment.hasSuffix(":") else { return inFence }
                return inFence || next == index + 1 || isListItem(segment)
            }
        }
        // A comment says what the statement under it does, a decorator (`@dataclass`) what it
        // decorates: the quote runs on to that statement, and through what the statement introduces.
        var statement = index
        for prefixes in [isComment, isDecorator] where prefixes(lead) {
            statement = extend(from: statement) { prefixes(segments[$0 - 1].trimmingCharacters(in: .whitespaces)) }
            lead = segments[statement].trimmingCharacters(in: .whitespaces)
            guard !prefixes(lead) else { return statement }
        }
        var depth = bracketBalance(segments[statement])
        if depth > 0 {
            return extend(from: statement) { next in
                guard depth > 0 else { return false }
                depth += bracketBalance(segments[next])
                return true
            }
        }
        if lead.hasSuffix("\\") {
            return extend(from: statement) { segments[$0 - 1].trimmingCharacters(in: .whitespaces).hasSuffix("\\") }
        }
        if sections.heads(lead) {
            return extend(from: statement) { !sections.heads(segments[$0].trimmingCharacters(in: .whitespaces)) }
        }
        let indent = indents[statement]
        if lead.hasPrefix("- "), lead.contains(":") {
            // A YAML list item that is a mapping (`- id: OpenHermes-2.5`) goes on with its other keys,
            // indented deeper than its dash (`weight: 0.001`).
            return extend(from: statement) { indents[$0] > indent }
        }
        if lead.hasSuffix(":") {
            return extend(from: statement) { next in
                indents[next] > indent || (indents[next] == indent && segments[next].hasPrefix("- "))
            }
        }
        if opensShellBlock(lead) {
            return extend(from: statement) { indents[$0] > indent }
        }
        // A comment heading a paragraph of plain statements (`# learning rate decay settings` over
        // `warmup_iters = 2000` and `min_lr = 6e-5`) speaks of them all: the quote runs to the
        // paragraph's end, a line indented otherwise, or the next comment.
        func blankBefore(_ next: Int) -> Bool {
            text.utf8.dropFirst(ranges[next - 1].upperBound).prefix(ranges[next].lowerBound - ranges[next - 1].upperBound)
                .lazy.filter { $0 == UInt8(ascii: "\n") }.count > 1
        }
        if isComment(segments[index].trimmingCharacters(in: .whitespaces)), index == 0 || blankBefore(index) {
            return extend(from: statement) { next in
                indents[next] == indent && !blankBefore(next) && !isComment(segments[next].trimmingCharacters(in: .whitespaces))
            }
        }
        return statement
    }

    /// Each segment's range in characters from the start of `text`, so a block is limited by what
    /// a reader sees as `cut` does (Korean takes three UTF-8 bytes a character). The segments come
    /// in order and do not overlap.
    static func characterRanges(of segments: [Substring], in text: String) -> [Range<Int>] {
        var offset = 0
        var position = text.startIndex
        return segments.map { segment in
            offset += text[position..<segment.startIndex].count
            let range = offset..<(offset + segment.count)
            offset = range.upperBound
            position = segment.endIndex
            return range
        }
    }

    /// The lines that head a section of a file running to the next such line: an INI or TOML
    /// `[section]` over its settings, a Dockerfile's `FROM` over its build stage (`FROM node:18 AS
    /// production-stage` over the stage's `EXPOSE 5000`).
    enum SectionHeads {
        case none, ini, dockerStages

        /// Whether a trimmed line heads a section.
        func heads(_ line: String) -> Bool {
            switch self {
            case .none: false
            case .ini: line.hasPrefix("[") && line.hasSuffix("]")
            case .dockerStages: line.uppercased().hasPrefix("FROM ")
            }
        }
    }

    /// How the file of `payload` is divided into sections, by its name.
    static func sectionHeads(of payload: ChunkPayload) -> SectionHeads {
        let name = fileName(of: payload)
        if [".cfg", ".ini", ".toml"].contains(where: { name.hasSuffix($0) }) { return .ini }
        if ["dockerfile", "containerfile"].contains(where: { name.hasPrefix($0) || name.hasSuffix("." + $0) }) { return .dockerStages }
        return .none
    }

    /// Whether a segment of prose is an item of a list or a quote (`- `, `* `, `+ `, `1. `, `> `, `|`).
    static func isListItem(_ segment: Substring) -> Bool {
        if ["- ", "* ", "+ ", "> ", "|"].contains(where: { segment.hasPrefix($0) }) { return true }
        let digits = segment.prefix(while: \.isNumber)
        return !digits.isEmpty && segment.dropFirst(digits.count).hasPrefix(". ")
    }

    /// Whether a trimmed line of code or configuration is a comment (`#`, `//`; not a `#!` line).
    static func isComment(_ line: String) -> Bool {
        (line.hasPrefix("#") && !line.hasPrefix("#!")) || line.hasPrefix("//")
    }

    /// Whether a question asks for a number: a version, a count, an amount, a size, a port.
    static func asksForQuantity(_ question: String) -> Bool {
        let lowered = question.lowercased()
        if ["how many", "how much", "how large", "how big", "how long"].contains(where: lowered.contains) { return true }
        let words = Set(lowered.split { !$0.isLetter })
        return !words.isDisjoint(with: ["version", "versions", "size", "sizes", "port", "ports", "count", "number", "percentage", "capacity"])
    }

    /// Whether a text states a number: a run of letters, digits, `.`, `-` and `_` that starts with
    /// a digit after no letter (`288`, `0.40.0`, `5e-4`, `80GB`; not the 2 of `gpt2`).
    static func holdsNumber(_ text: Substring) -> Bool {
        var previous: Character = " "
        for character in text {
            if character.isNumber, !(previous.isLetter || previous.isNumber || previous == "_" || previous == "." || previous == "-") {
                return true
            }
            previous = character
        }
        return false
    }

    /// Whether a trimmed line of a shell script opens a block its more-indented lines make up:
    /// it ends in the word `then`, `do` or `else` (`if [[ "$USE_VLLM" == "true" ]]; then`).
    static func opensShellBlock(_ line: String) -> Bool {
        guard let last = line.split(whereSeparator: { $0 == " " || $0 == ";" }).last else { return false }
        return ["then", "do", "else"].contains(last)
    }

    /// Whether a trimmed line of code is a decorator or attribute (`@dataclass`, `@torch.no_grad()`).
    static func isDecorator(_ line: String) -> Bool {
        line.hasPrefix("@") && line.dropFirst().first?.isLetter == true
    }

    /// Opening minus closing brackets of a line, outside its string literals and after no `#`
    /// comment.
    static func bracketBalance(_ line: Substring) -> Int {
        var balance = 0
        var quote: Character?
        var escaped = false
        for character in line {
            if let open = quote {
                if escaped { escaped = false } else if character == "\\" { escaped = true } else if character == open { quote = nil }
                continue
            }
            switch character {
            case "\"", "'": quote = character
            case "#": return balance
            case "(", "[", "{": balance += 1
            case ")", "]", "}": balance -= 1
            default: break
            }
        }
        return balance
    }

    /// How far each line of code or configuration is indented: the spaces and tabs before it on its
    /// line (segments are trimmed, so their own text does not say).
    static func indentations(of ranges: [Range<Int>], in text: String) -> [Int] {
        let utf8 = Array(text.utf8)
        return ranges.map { range in
            var start = range.lowerBound
            while start > 0, utf8[start - 1] == UInt8(ascii: " ") || utf8[start - 1] == UInt8(ascii: "\t") { start -= 1 }
            return range.lowerBound - start
        }
    }

    /// The words of a setting line's key (see `Unit.keyWords`): the text before the first `:` or
    /// `=` when a value follows it, the key made only of letters, digits, `-` and `.`,
    /// after any list dash, comment mark or quote.
    static func keyWords(of line: Substring) -> Set<String> {
        guard !line.contains("\n"), let separator = line.firstIndex(where: { $0 == ":" || $0 == "=" }) else { return [] }
        let value = line[line.index(after: separator)...].trimmingCharacters(in: .whitespaces)
        let key = line[..<separator].trimmingCharacters(in: CharacterSet(charactersIn: " \t-#\"'/"))
        guard !value.isEmpty, !key.isEmpty, key.count <= 60,
              key.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "." }) else { return [] }
        return terms(key)
    }

    /// The UTF-8 ranges of a payload's units: every line of code and configuration; in prose, the
    /// sentences outside fenced code blocks and the lines inside them (fences left out).
    static func segments(of payload: ChunkPayload) -> [Range<Int>] {
        let text = payload.text
        if quotesByLine(payload) { return TextSegmenter.lines(of: text) }
        var ranges: [Range<Int>] = []
        var proseStart = 0
        var inFence = false
        func prose(_ bounds: Range<Int>) {
            guard !bounds.isEmpty else { return }
            let slice = String(decoding: text.utf8.dropFirst(bounds.lowerBound).prefix(bounds.count), as: UTF8.self)
            ranges += TextSegmenter.sentences(of: slice).map { ($0.lowerBound + bounds.lowerBound)..<($0.upperBound + bounds.lowerBound) }
        }
        for line in TextSegmenter.lines(of: text) {
            let isFence = text.utf8.dropFirst(line.lowerBound).prefix(line.count).starts(with: "```".utf8)
            if inFence {
                if isFence {
                    inFence = false
                    proseStart = line.upperBound
                } else {
                    ranges.append(line)
                }
            } else if isFence {
                prose(proseStart..<line.lowerBound)
                inFence = true
            }
        }
        if !inFence { prose(proseStart..<text.utf8.count) }
        return ranges
    }

    /// The BM25 terms of a text without the one- and two-letter pieces that camel case splits off
    /// (`LoRA` → lo, ra), which would make every unit that says QLoRA look like an answer about LoRA,
    /// except the configuration abbreviations (`lr`, `r`).
    static func terms(_ text: String) -> Set<String> {
        Set(LexicalTerms.terms(text).filter { $0.count >= 3 || $0.contains(where: \.isNumber) || shortAbbreviations.contains($0) })
    }

    /// The last component of a source's path or title, lower-cased (`config_qlora.yaml`, `dockerfile`).
    static func fileName(of payload: ChunkPayload) -> String {
        let path = payload.title.lowercased()
        return path.split(separator: "/").last.map(String.init) ?? path
    }

    /// The numbers (from 1) of the repository files the question names (`Retriever.namesFile`:
    /// `train.py`, "minbpe's requirements.txt", "Verba's Dockerfile"), as retrieval boosts them.
    static func namedFiles(in question: String, sources: [ChunkPayload]) -> Set<Int> {
        let words = Set(SourceCatalogue.questionWords(question))
        return Set(sources.indices.filter { sources[$0].kind == "repository_file" && Retriever.namesFile(sources[$0].title, words: words) }
            .map { $0 + 1 })
    }

    /// Whether a source is quoted by line: a repository file that is not prose.
    static func quotesByLine(_ payload: ChunkPayload) -> Bool {
        guard payload.kind == "repository_file" else { return false }
        let name = fileName(of: payload)
        // A pip requirements file is a list of packages, one a line, not prose.
        if name.hasSuffix(".txt"), name.hasPrefix("requirements") || name.hasPrefix("constraints") { return true }
        return ![".md", ".markdown", ".rst", ".txt", ".adoc"].contains { name.hasSuffix($0) } && !name.hasSuffix("license")
    }

    /// Each unit's share of the wanted terms, weighted by inverse document frequency over the units,
    /// capped at 1: half for the terms of the unit itself, half for those of the unit and its
    /// source's header together; a term holds a wanted one by `matches`. A setting whose key's
    /// words were all asked for (`python-version: 3.10.10` for "which Python version") and an
    /// identifier whose every part was asked for (`lora_dropout` for
    /// "LoRA dropout", `learning_rate` for "learning rate") where the unit gives it a value
    /// (`setsValue`) counts its parts twice: the line that defines the asked setting beats a
    /// sentence that only shares the topic's words.
    static func lexicalScores(_ units: [Unit], wanted: Set<String>) -> [Double] {
        guard !wanted.isEmpty else { return units.map { _ in 0 } }
        // The wanted terms each unit (and each header) holds, by `matches`.
        func held(_ terms: Set<String>) -> Set<String> {
            Set(wanted.filter { term in terms.contains(term) || terms.contains { matches($0, term) } })
        }
        let own = units.map { held($0.terms) }
        var frequency: [String: Int] = [:]
        for terms in own { for term in terms { frequency[term, default: 0] += 1 } }
        let count = Double(units.count)
        func idf(_ term: String) -> Double { Foundation.log(1 + count / Double((frequency[term] ?? 0) + 1)) }
        let total = wanted.reduce(0) { $0 + idf($1) }
        // Every unit of a source shares its context.
        var contextHeld: [Int: Set<String>] = [:]
        return units.indices.map { index in
            let unit = units[index]
            var bonus = 0.0
            for identifier in unit.terms where identifier.contains("_") && !wanted.contains(identifier) {
                let parts = identifier.split(separator: "_").map(String.init)
                if parts.count > 1, parts.allSatisfy(wanted.contains), setsValue(identifier, in: unit.text) {
                    bonus += parts.reduce(0) { $0 + idf($1) }
                }
            }
            if !unit.keyWords.isEmpty, unit.keyWords.allSatisfy({ word in wanted.contains { matches(word, $0) } }) {
                bonus += held(unit.keyWords).reduce(0) { $0 + idf($1) }
            }
            let header = contextHeld[unit.source] ?? held(unit.context)
            contextHeld[unit.source] = header
            let mine = own[index].reduce(0) { $0 + idf($1) } + bonus
            let inContext = own[index].union(header).reduce(0) { $0 + idf($1) } + bonus
            return (min(1, mine / total) + min(1, inContext / total)) / 2
        }
    }

    /// Whether `text` gives `identifier` a value somewhere: `lora_alpha = 16`, `lora_alpha: 16`,
    /// `lora_alpha: int = 16`, `"lora_alpha": 16`, `lora(lora_alpha=16)`, a YAML value that could
    /// be no type (`dataset_name: HuggingFaceTB/smol-smoltalk`). A parameter without a default
    /// (`lora_alpha: int,`), a docstring's description of it (`lora_alpha: alpha is needed for
    /// scaling updates as alpha/r`), an import (`from lit_llama import`) or a call names it and
    /// sets nothing: the line that sets `lora_alpha` answers "which alpha", the signature that
    /// takes it does not, and a package named like the repository answers nothing.
    static func setsValue(_ identifier: String, in text: Substring) -> Bool {
        let lowered = text.lowercased()
        let isWord: (Character) -> Bool = { $0.isLetter || $0.isNumber || $0 == "_" }
        var rest = lowered[...]
        while let range = rest.range(of: identifier) {
            defer { rest = rest[range.upperBound...] }
            guard !(lowered[..<range.lowerBound].last.map(isWord) ?? false) else { continue }
            var after = lowered[range.upperBound...].drop { $0 == "\"" || $0 == "'" }.drop { $0 == " " }
            guard let separator = after.first, separator == "=" || separator == ":" else { continue }
            after = after.dropFirst()
            if separator == "=" {
                if after.first != "=" { return true }
                continue
            }
            after = after.drop { $0 == " " }
            // `name: Type` may be a declaration.
            let type = after.prefix { $0.isLetter || $0.isNumber || "_.[]| ".contains($0) }
            guard type.first?.isLetter == true else {
                if let first = after.first, first != "\n" { return true }
                continue
            }
            // A value follows a type (`= 16`), or a word is the value: the line ends after it, or
            // one word goes on as no type does (`/smol-smoltalk`, `-8bit`, `:3.11`, `@v4`).
            let next = after.dropFirst(type.count).first
            if next == "=" || next == nil || next == "\n" || next == "#" { return true }
            if !type.contains(" "), let next, "/-:@".contains(next) { return true }
        }
        return false
    }

    /// The unit, or its beginning up to the last word boundary within `maxQuoteLength`, and then
    /// before the third time any run of four words comes round (`withoutRepeats`).
    func cut(_ text: Substring) -> String {
        guard text.count > maxQuoteLength else { return String(Self.withoutRepeats(text)) }
        let head = text.prefix(maxQuoteLength)
        guard let space = head.lastIndex(where: \.isWhitespace) else { return String(Self.withoutRepeats(head)) }
        return String(Self.withoutRepeats(head[..<space]))
    }

    /// `text` up to where a run of four words (letters, digits, `_`; case aside) would occur the
    /// third time (`PhraseRepeats`, the rule that also stops a generation), trailing spaces and
    /// separators dropped: a source line that lists `leaderboard|mmlu:anatomy|5|0,leaderboard|mmlu:…`
    /// over and over would read as an answer that loops.
    static func withoutRepeats(_ text: Substring) -> Substring {
        var watcher = PhraseRepeats()
        guard let start = watcher.append(text) ?? watcher.openWordRepeats() else { return text }
        let head = text.prefix(start)
        return head[..<(head.lastIndex { $0.isLetter || $0.isNumber || $0 == "_" || $0 == "\"" || $0 == ")" || $0 == "]" }
            .map(head.index(after:)) ?? head.startIndex)]
    }
}
