/// Splits text into the pieces that BPE encodes separately, as the GGUF's declared pre-tokenizer
/// does. Works on Unicode scalars, like the regex engines of the reference implementations.
///
/// `gpt2` is the GPT-2 pattern
/// `'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+`;
/// `smollm` first isolates every `\p{N}` scalar, then applies the GPT-2 pattern to the rest
/// (as llama.cpp and SmolLM2's original tokenizer.json do).
/// `llama3` (`llama-bpe`) is
/// `(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+`;
/// `qwen2` is the same pattern with single digits (`\p{N}` for `\p{N}{1,3}`).
public enum PreTokenizer: String, Sendable {
    case gpt2
    case smollm
    case llama3
    case qwen2

    /// The pre-tokenizer named by `tokenizer.ggml.pre`, or nil when this code does not know it.
    public init?(ggufName: String) {
        switch ggufName {
        case "gpt2", "default": self = .gpt2
        case "smollm": self = .smollm
        case "llama-bpe", "llama3": self = .llama3
        case "qwen2": self = .qwen2
        default: return nil
        }
    }

    /// The pieces of `text`, in order; concatenated they give back `text`.
    public func split(_ text: String) -> [String] {
        let scalars = Array(text.unicodeScalars)
        var pieces: [String] = []
        switch self {
        case .gpt2:
            Self.gpt2Split(scalars[...], into: &pieces)
        case .smollm:
            var start = 0
            for (i, s) in scalars.enumerated() where Self.isNumber(s) {
                if start < i { Self.gpt2Split(scalars[start..<i], into: &pieces) }
                pieces.append(String(Character(s)))
                start = i + 1
            }
            if start < scalars.count { Self.gpt2Split(scalars[start...], into: &pieces) }
        case .llama3:
            Self.llamaSplit(scalars[...], maxDigits: 3, into: &pieces)
        case .qwen2:
            Self.llamaSplit(scalars[...], maxDigits: 1, into: &pieces)
        }
        return pieces
    }

    /// The names `tokenizer.ggml.pre` may carry for the pre-tokenizers implemented here.
    static let knownNames = "gpt2, default, smollm, llama-bpe, qwen2"

    static func isNewline(_ s: Unicode.Scalar) -> Bool { s == "\r" || s == "\n" }

    /// The Llama 3 / Qwen2 pattern, alternatives tried in order at each position.
    static func llamaSplit(_ s: ArraySlice<Unicode.Scalar>, maxDigits: Int, into pieces: inout [String]) {
        var i = s.startIndex
        let end = s.endIndex
        func run(from j: Int, limit: Int = .max, while predicate: (Unicode.Scalar) -> Bool) -> Int {
            var k = j
            while k < end && k - j < limit && predicate(s[k]) { k += 1 }
            return k
        }
        while i < end {
            let c = s[i]
            let next: Int
            let leadsWord = !isNewline(c) && !isLetter(c) && !isNumber(c) && i + 1 < end && isLetter(s[i + 1])
            if c == "'", let n = contraction(s, at: i, ignoringCase: true) {
                next = i + n
            } else if isLetter(c) || leadsWord {
                next = run(from: isLetter(c) ? i : i + 1, while: isLetter)
            } else if isNumber(c) {
                next = run(from: i, limit: maxDigits, while: isNumber)
            } else if isOther(c) || (c == " " && i + 1 < end && isOther(s[i + 1])) {
                let others = run(from: isOther(c) ? i : i + 1, while: isOther)
                next = run(from: others, while: isNewline)
            } else {
                // Whitespace: `\s*[\r\n]+` up to the last line break of the run, else `\s+(?!\S)`
                // (giving back the last space before a non-space), else `\s+`.
                let spaceEnd = run(from: i, while: isSpace)
                if let lastBreak = s[i..<spaceEnd].lastIndex(where: isNewline) {
                    next = lastBreak + 1
                } else {
                    next = (spaceEnd < end && spaceEnd - i > 1) ? spaceEnd - 1 : spaceEnd
                }
            }
            var view = String.UnicodeScalarView()
            view.append(contentsOf: s[i..<next])
            pieces.append(String(view))
            i = next
        }
    }

    static func isLetter(_ s: Unicode.Scalar) -> Bool {
        switch s.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter: return true
        default: return false
        }
    }

    static func isNumber(_ s: Unicode.Scalar) -> Bool {
        switch s.properties.generalCategory {
        case .decimalNumber, .letterNumber, .otherNumber: return true
        default: return false
        }
    }

    static func isSpace(_ s: Unicode.Scalar) -> Bool { s.properties.isWhitespace }

    static func isOther(_ s: Unicode.Scalar) -> Bool { !isSpace(s) && !isLetter(s) && !isNumber(s) }

    /// The GPT-2 pattern, alternatives tried in order at each position as a backtracking regex does.
    static func gpt2Split(_ s: ArraySlice<Unicode.Scalar>, into pieces: inout [String]) {
        var i = s.startIndex
        let end = s.endIndex
        func run(from j: Int, while predicate: (Unicode.Scalar) -> Bool) -> Int {
            var k = j
            while k < end && predicate(s[k]) { k += 1 }
            return k
        }
        while i < end {
            var next = i
            let c = s[i]
            let hasSpace = c == " " && i + 1 < end
            if c == "'", let n = contraction(s, at: i) {
                next = i + n
            } else if isLetter(c) || (hasSpace && isLetter(s[i + 1])) {
                next = run(from: isLetter(c) ? i : i + 1, while: isLetter)
            } else if isNumber(c) || (hasSpace && isNumber(s[i + 1])) {
                next = run(from: isNumber(c) ? i : i + 1, while: isNumber)
            } else if isOther(c) || (hasSpace && isOther(s[i + 1])) {
                next = run(from: isOther(c) ? i : i + 1, while: isOther)
            } else {
                let spaceEnd = run(from: i, while: isSpace)
                // `\s+(?!\S)` gives back the last space when a non-space follows, so that space
                // prefixes the next word; a lone space before a word falls to `\s+`.
                next = (spaceEnd < end && spaceEnd - i > 1) ? spaceEnd - 1 : spaceEnd
            }
            var view = String.UnicodeScalarView()
            view.append(contentsOf: s[i..<next])
            pieces.append(String(view))
            i = next
        }
    }

    /// The length of an English contraction ('s 't 're 've 'm 'll 'd) at `i`, case-sensitive
    /// unless `ignoringCase`.
    static func contraction(_ s: ArraySlice<Unicode.Scalar>, at i: Int, ignoringCase: Bool = false) -> Int? {
        let rest = s[(i + 1)...]
        func lower(_ c: Unicode.Scalar) -> Unicode.Scalar {
            ignoringCase && ("A"..."Z").contains(c) ? Unicode.Scalar(c.value + 32)! : c
        }
        guard let a = rest.first.map(lower) else { return nil }
        if a == "s" || a == "t" || a == "m" || a == "d" { return 2 }
        guard rest.count >= 2 else { return nil }
        let b = lower(rest[rest.startIndex + 1])
        if (a == "r" && b == "e") || (a == "v" && b == "e") || (a == "l" && b == "l") { return 3 }
        return nil
    }
}
