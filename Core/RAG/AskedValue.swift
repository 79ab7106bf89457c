import Foundation

/// The kind of value a question asks for — a number, a model id, a container image, a CI runner, an
/// environment variable, a make target — and whether quotes hold one. A question that asks "which
/// reranking model" and is answered by lines that name no model, or "what LoRA rank" by lines with
/// no number beside a rank, asks about something next to what the sources hold: that is how most near misses
/// among the real-repository questions look (BENCHMARKS.md, "The value the question asks for"), and
/// `Grounding.assess` abstains on them. The kind is read from the noun that ends what the question
/// asks about (`heads`): "What learning rate does …", "Which make target builds …".
public enum AskedValue {
    /// A kind of value a question asks for.
    enum Kind: Equatable {
        /// A number, in digits or in words ("thirty centimetres"), in a quote that shares one of
        /// these words (any quote, when empty: "how many …", "which versions of …").
        case number(Set<String>)
        /// A model id: `bigcode/starcoder2-15b`, `gpt-4o-mini`, `all-MiniLM-L6-v2`.
        case model
        /// A container image: `FROM …`, `image: …`, `python:3.11-slim`.
        case image
        /// A CI runner image ("which runners", "which runner images"): `macos-13`, `ubuntu-22.04`,
        /// `windows-latest`, or what a `runs-on:` line names (not an expression, `${{ matrix.os }}`).
        case runner
        /// An environment variable: `OPENAI_API_KEY`, `PORT=80`.
        case variable
        /// A make target: a `name:` line of a makefile, or the command `make name`.
        case target
    }

    /// Nouns that ask for a number when they end what a question asks about (or their plurals).
    static let numericNouns: Set<String> = [
        "rate", "rank", "alpha", "temperature", "dropout", "epoch", "step", "size", "length", "dimension", "threshold",
        "port", "version", "count", "number", "capacity", "percentage", "limit", "decay", "seed", "iteration",
    ]

    /// Nouns that ask for a value of another kind (or their plurals).
    static let kindNouns: [String: Kind] = [
        "model": .model, "checkpoint": .model, "image": .image, "tag": .image, "variable": .variable, "target": .target,
        "runner": .runner,
    ]

    /// The noun `word` is, or its singular: `versions` is `version`.
    static func singular(_ word: String) -> String {
        word.hasSuffix("s") && !word.hasSuffix("ss") ? String(word.dropLast()) : word
    }

    /// Whether `word`, or its singular, is one of `numericNouns`.
    static func isNumericNoun(_ word: String) -> Bool { numericNouns.contains(word) || numericNouns.contains(singular(word)) }

    /// The kind `word`, or its singular, asks for among `kindNouns`.
    static func kind(of word: String) -> Kind? { kindNouns[word] ?? kindNouns[singular(word)] }

    /// Words that end what a question asks about: auxiliaries, prepositions, conjunctions.
    static let stops: Set<String> = [
        "does", "do", "did", "is", "are", "was", "were", "should", "can", "could", "will", "would", "has", "have", "must", "may",
        "in", "of", "for", "on", "from", "to", "when", "at", "by", "with", "that", "per", "into", "whether", "if", "its", "their",
        "it", "where", "which", "how", "whose",
    ]

    /// The phrases of `question` that say what it asks for: after each `what` or `which`, or after
    /// `how many` / `much` / `long` / `large` / `big` (such a phrase starts with `many`), up to a
    /// word of `stops` ("What is the default learning rate of …" → default, learning, rate).
    static func heads(of question: String) -> [[String]] {
        let words = question.lowercased().split { !($0.isLetter || $0.isNumber || $0 == "_" || $0 == "-") }.map(String.init)
        var heads: [[String]] = []
        for start in words.indices {
            let quantity = words[start] == "how" && words.indices.contains(start + 1)
                && ["many", "much", "long", "large", "big"].contains(words[start + 1])
            guard quantity || ["what", "which"].contains(words[start]) else { continue }
            var index = start + (quantity ? 2 : 1)
            while index < words.count, ["is", "are", "was", "were", "the", "a", "an"].contains(words[index]) { index += 1 }
            var head: [String] = quantity ? ["many"] : []
            while index < words.count, !stops.contains(words[index]) {
                head.append(words[index])
                index += 1
            }
            heads.append(head)
        }
        return heads
    }

    /// The kinds of value `question` asks for; empty when it asks for none of them. The noun that
    /// says what is asked ends the phrase or comes before a verb the stops miss ("which make
    /// target builds …", "which … version comes with …"); a noun before another noun qualifies it
    /// ("what model type", "which image name") and asks for nothing; "runner" before "image" makes
    /// it a runner's image, a CI runner label ("which runner image"). A noun of another kind than a
    /// number also ends what is asked before `and` ("which base image and VS Code extensions …"
    /// asks for an image).
    static func kinds(_ question: String) -> [Kind] {
        heads(of: question).compactMap(kind(asked:))
    }

    /// The kind of value one phrase of `heads` asks for, if any (see `kinds`).
    static func kind(asked head: [String]) -> Kind? {
        if head.first == "many" { return .number([]) }
        guard let noun = head.indices.first(where: { index in
            (isNumericNoun(head[index]) || kind(of: head[index]) != nil)
                && (index + 1 == head.count || head[index + 1].hasSuffix("s") || head[index + 1].hasSuffix("ed")
                    || (head[index + 1] == "and" && kind(of: head[index]) != nil))
        }) else { return nil }
        if let named = kind(of: head[noun]) {
            return named == .image && noun > 0 && kind(of: head[noun - 1]) == .runner ? .runner : named
        }
        let asked = head[...noun]
        return .number(asked.allSatisfy(isNumericNoun) ? [] : EvidenceSelector.terms(asked.joined(separator: " ")))
    }

    /// The tokens `question` itself states, lower-cased: a model id, image or variable among them
    /// is not the value it asks for ("which GPT-2 checkpoint").
    static func stated(in question: String) -> Set<String> {
        Set(tokens(question).map { $0.lowercased() })
    }

    /// Whether `quotes` (each quote's text and its source's file name) give a value of a kind
    /// `question` asks for: one of them, when it asks for several. Always when it asks for none,
    /// and when it also asks for something of no kind ("which Postgres image …, and what database
    /// name …"): the quotes may answer that part.
    public static func given(question: String, quotes: [(text: String, file: String)]) -> Bool {
        let heads = heads(of: question)
        let kinds = heads.compactMap(kind(asked:))
        guard kinds.count == heads.count else { return true }
        let stated = stated(in: question)
        return kinds.isEmpty || kinds.contains { kind in quotes.contains { holds(kind, $0.text, file: $0.file, besides: stated) } }
    }

    /// Whether `text`, from a file named `file`, holds a value of a kind other than a number that
    /// `kinds` ask for, other than the `stated` tokens of the question: such a unit is ranked first
    /// among the quotes, as `EvidenceSelector`'s `quantityBonus` ranks numbers.
    static func holdsNamedValue(_ kinds: [Kind], _ text: String, file: String, besides stated: Set<String>) -> Bool {
        kinds.contains { kind in
            if case .number = kind { return false }
            return holds(kind, text, file: file, besides: stated)
        }
    }

    /// The runs of letters, digits and `._/:-` of `text`, those characters trimmed from their
    /// ends: the tokens a model id, an image or a variable is looked for in.
    static func tokens(_ text: String) -> [String] {
        text.split { !($0.isLetter || $0.isNumber || "._/:-".contains($0)) }
            .map { $0.trimmingCharacters(in: CharacterSet(charactersIn: ".:-/")) }
    }

    /// Whether `quote`, from a file named `file`, holds a value of `kind`. A model id, image or
    /// variable the question itself `stated` (lower-cased tokens: "which GPT-2 checkpoint") is not
    /// the value it asks for.
    static func holds(_ kind: Kind, _ quote: String, file: String, besides stated: Set<String> = []) -> Bool {
        let tokens = tokens(quote).filter { !stated.contains($0.lowercased()) }
        let lines = quote.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
        switch kind {
        case .number(let wanted):
            guard EvidenceSelector.holdsNumber(Substring(quote)) || statesNumberInWords(quote) else { return false }
            guard !wanted.isEmpty else { return true }
            let terms = EvidenceSelector.terms(quote)
            return wanted.contains { word in terms.contains { EvidenceSelector.matches($0, word) } }
        case .model:
            return tokens.contains(where: isModelId)
        case .image:
            if lines.contains(where: { $0.hasPrefix("FROM ") || $0.hasPrefix("image:") }) { return true }
            return tokens.contains { token in
                guard !token.contains("//"), let colon = token.firstIndex(of: ":") else { return false }
                let name = token[..<colon], tag = token[token.index(after: colon)...]
                return name.contains(where: \.isLetter) && (tag.first?.isNumber == true || tag.hasPrefix("latest") || tag.hasPrefix("v"))
            }
        case .runner:
            let named = lines.contains { line in
                guard line.hasPrefix("runs-on:") else { return false }
                let value = line.dropFirst("runs-on:".count).trimmingCharacters(in: .whitespaces)
                return !value.isEmpty && !value.hasPrefix("${{")
            }
            return named || tokens.contains(where: isRunnerLabel)
        case .variable:
            let snakeCase = tokens.contains { token in
                token.first?.isLetter == true && token.contains("_") && token.allSatisfy { $0.isUppercase || $0.isNumber || $0 == "_" }
            }
            return snakeCase || quote.range(of: #"\b[A-Z]{2,}="#, options: .regularExpression) != nil
        case .target:
            // `make seed` as a command: at a line's start or in backticks, not "make sure" in prose.
            if lines.contains(where: { $0.hasPrefix("make ") }) || quote.contains("`make ") { return true }
            // A `name:` line is a target only in a makefile; elsewhere it is a key.
            guard file.lowercased().contains("makefile") || file.hasSuffix(".mk") else { return false }
            return lines.contains { line in
                guard let colon = line.firstIndex(of: ":"), line[line.index(after: colon)...].first != "=" else { return false }
                let name = line[..<colon]
                return !name.isEmpty && name.allSatisfy { $0.isLetter || $0.isNumber || "._-".contains($0) }
            }
        }
    }

    /// Words that state a number in prose: "thirty centimetres", "a dozen workers".
    static let numberWords: Set<String> = [
        "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve", "fifteen", "twenty",
        "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety", "hundred", "thousand", "million", "billion", "dozen",
        "half", "twice",
    ]

    /// Whether prose states a number in words (`numberWords`).
    static func statesNumberInWords(_ text: String) -> Bool {
        text.lowercased().split { !$0.isLetter }.contains { numberWords.contains(String($0)) }
    }

    /// Whether a token names a CI runner image: `ubuntu-22.04`, `macos-15-intel`, `windows-latest`.
    static func isRunnerLabel(_ token: String) -> Bool {
        let lowered = token.lowercased()
        return ["ubuntu-", "macos-", "windows-"].contains { prefix in
            guard lowered.hasPrefix(prefix) else { return false }
            let version = lowered.dropFirst(prefix.count)
            return version.first?.isNumber == true || version.hasPrefix("latest")
        }
    }

    /// Whether a token reads as a model id: `owner/name` where the name has a digit or a `-` and is
    /// no file (`thenlper/gte-large`, not `Limit/Sensitivity` or `images/flow.png`), or a name with
    /// a letter, a digit and a `-` or `:` (`gpt-4o-mini`, `qwen2:1.5b`; not a commit hash `83adc12`).
    static func isModelId(_ token: String) -> Bool {
        guard token.contains(where: \.isLetter) else { return false }
        let parts = token.split(separator: "/", omittingEmptySubsequences: false)
        if parts.count == 2 {
            let name = parts[1]
            let fileExtension = name.contains(".") && (name.split(separator: ".").last.map { $0.count <= 4 && $0.allSatisfy(\.isLetter) } ?? false)
            return !parts[0].isEmpty && (name.contains("-") || name.contains(where: \.isNumber)) && !fileExtension
        }
        return parts.count == 1 && token.contains(where: \.isNumber) && (token.contains("-") || token.contains(":"))
    }
}
