/// The words and line shapes that mark definitions in brace-delimited languages, shared by all of
/// them (a keyword of one language is rarely a line's first word in another).
enum BraceWords {
    /// First words that start a definition.
    static let keywords: Set<String> = [
        "func", "fn", "fun", "function", "def", "class", "struct", "enum", "union", "extension", "protocol", "actor",
        "impl", "trait", "mod", "module", "interface", "object", "namespace", "record", "type", "typedef",
        "init", "deinit", "subscript", "constructor", "macro_rules!",
    ]

    /// Definition keywords whose body holds member definitions.
    static let containers: Set<String> = [
        "class", "struct", "enum", "union", "extension", "protocol", "actor", "impl", "trait", "mod", "module",
        "interface", "object", "namespace", "record",
    ]

    /// Words before a definition keyword or a function's name that do not change what it is.
    static let modifiers: Set<String> = [
        "public", "private", "fileprivate", "internal", "open", "final", "static", "override", "mutating",
        "nonmutating", "convenience", "required", "indirect", "dynamic", "lazy", "nonisolated", "distributed",
        "export", "default", "declare", "abstract", "async", "pub", "unsafe", "extern", "virtual", "protected",
        "sealed", "data", "inline", "companion", "suspend", "operator", "infix", "tailrec", "external", "actual",
        "expect", "inner", "partial", "readonly", "implicit", "case", "lateinit", "transient", "volatile",
        "native", "strictfp", "synchronized", "const", "constexpr", "explicit", "friend", "value", "annotation",
    ]

    /// First words of statements that look like calls with a block (`if (x) {`), never definitions.
    /// Only top-level statements and type bodies are read, so words that start statements only
    /// inside functions (`match`, `guard`, `defer`) are left out: they may be method names.
    static let control: Set<String> = [
        "if", "else", "elif", "for", "while", "until", "switch", "catch", "return", "do", "try", "when", "throw", "new",
        "await", "yield", "sizeof", "typeof", "using", "lock", "foreach", "synchronized", "delete", "super", "this",
    ]

    /// `text` without leading attributes and modifiers: `@MainActor public final class X` gives
    /// `class X`, `pub(crate) fn f` gives `fn f`, `extern "C" fn f` gives `fn f`.
    static func strippingPrefixes(_ text: Substring, language: String) -> Substring {
        var rest = text
        while true {
            rest = rest.drop { $0 == " " || $0 == "\t" }
            if rest.hasPrefix("@"), !rest.hasPrefix("@interface") {
                rest = skippingGroup(rest.dropFirst().drop { $0.isLetter || $0.isNumber || $0 == "_" || $0 == "." })
                continue
            }
            if rest.hasPrefix("#[") || language == "csharp" && rest.hasPrefix("[") {
                guard let close = rest.firstIndex(of: "]") else { return rest }
                rest = rest[rest.index(after: close)...]
                continue
            }
            let word = firstWord(of: rest)
            if word == "const", language == "javascript" || language == "typescript" { return rest }
            let following = rest.dropFirst(word.count).drop { $0 == " " || $0 == "\t" }
            if modifiers.contains(word) || word == "class" && ["func", "var", "let", "subscript", "override", "final"]
                .contains(firstWord(of: following)) {
                rest = skippingGroup(rest.dropFirst(word.count))
                if word == "extern", rest.drop(while: { $0 == " " }).hasPrefix("\"") {
                    rest = rest.drop { $0 == " " }.dropFirst().drop { $0 != "\"" }.dropFirst()
                }
                continue
            }
            return rest
        }
    }

    /// The leading word of `text`: letters, digits, `_`, `$`, and a trailing `!` (macro_rules!).
    static func firstWord(of text: Substring) -> String {
        var word = String(text.prefix { $0.isLetter || $0.isNumber || $0 == "_" || $0 == "$" })
        if word == "macro_rules", text.dropFirst(word.count).first == "!" { word += "!" }
        return word
    }

    /// `text` past a parenthesized group at its start (`(crate)`, `(set)`, `(name: "x")`), if any.
    private static func skippingGroup(_ text: Substring) -> Substring {
        guard text.first == "(" else { return text }
        var depth = 0
        for index in text.indices {
            if text[index] == "(" { depth += 1 }
            if text[index] == ")" {
                depth -= 1
                if depth == 0 { return text[text.index(after: index)...] }
            }
        }
        return text
    }

    /// `const name = (…) =>`, `let name = async x =>`, `var name = function (…)`, with an
    /// optional type annotation before the `=`.
    static func isArrowFunction(_ text: Substring) -> Bool {
        let word = firstWord(of: text)
        guard ["const", "let", "var"].contains(word) else { return false }
        let afterWord = text.dropFirst(word.count).drop { $0 == " " }
        let name = firstWord(of: afterWord)
        guard !name.isEmpty, let equals = afterWord.firstIndex(of: "=") else { return false }
        var value = afterWord[afterWord.index(after: equals)...].drop { $0 == " " }
        guard value.first != "=" else { return false }
        if firstWord(of: value) == "async" { value = value.dropFirst(5).drop { $0 == " " } }
        if firstWord(of: value) == "function" { return true }
        return (value.first == "(" || !firstWord(of: value).isEmpty) && value.contains("=>")
    }

    /// A line shaped like a function or method header: words (a return type, a name, generics,
    /// `::`, pointers) and then `(`, with no `=`, `.` or string before it and not a control statement.
    static func isFunctionLike(_ text: Substring) -> Bool {
        guard let first = text.first, first.isLetter || first == "_" || first == "~" || first == "$",
              let paren = text.firstIndex(of: "(") else { return false }
        let head = text[..<paren]
        guard !control.contains(firstWord(of: head)) else { return false }
        return head.allSatisfy { $0.isLetter || $0.isNumber || " \t_*&:<>,~[]?$".contains($0) }
    }

    /// `text` up to the `{` that opens a body (the first outside brackets and strings) or a `//` comment.
    static func header(of text: String) -> Substring {
        var depth = 0
        var quote: Character?
        var previous: Character = " "
        for index in text.indices {
            let character = text[index]
            defer { previous = character }
            if let open = quote {
                if character == open { quote = nil }
                continue
            }
            switch character {
            case "\"", "`": quote = character
            case "(", "[": depth += 1
            case ")", "]": depth = max(0, depth - 1)
            case "{" where depth == 0: return text[..<index]
            case "/" where previous == "/": return text[..<text.index(before: index)]
            default: break
            }
        }
        return Substring(text)
    }
}
