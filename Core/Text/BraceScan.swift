/// The comment and string syntax a brace scan needs to know for one language, so braces inside
/// comments and simple string literals are not counted.
struct BraceSyntax {
    /// `//` line comments and `/* … */` block comments.
    var slashComments = true
    /// `#` line comments (at the start of a line or after whitespace, so `$#` is not one).
    var hashComments = false
    /// `'…'` is a string; otherwise only a one-character literal like `'{'` or `'\n'` is skipped
    /// (so Rust lifetimes such as `'a` are left alone).
    var singleQuotedStrings = false
    /// `` `…` `` strings that may span lines (JavaScript templates, Go raw strings).
    var backtickStrings = false
    /// `"""…"""` strings that may span lines (Swift, Kotlin, Scala, Java, C#).
    var tripleQuotedStrings = false

    /// The syntax of a brace-delimited `language`, or nil for a language this scan does not handle.
    static func language(_ language: String) -> BraceSyntax? {
        switch language {
        case "swift", "kotlin", "scala", "java", "csharp", "groovy":
            BraceSyntax(tripleQuotedStrings: true)
        case "javascript", "typescript":
            BraceSyntax(singleQuotedStrings: true, backtickStrings: true)
        case "go":
            BraceSyntax(backtickStrings: true)
        case "dart":
            BraceSyntax(singleQuotedStrings: true, tripleQuotedStrings: true)
        case "php":
            BraceSyntax(hashComments: true, singleQuotedStrings: true)
        case "shell":
            BraceSyntax(slashComments: false, hashComments: true, singleQuotedStrings: true)
        case "rust", "c", "cpp", "objective-c", "zig":
            BraceSyntax()
        default:
            nil
        }
    }
}

/// One pass over a brace-delimited source: for each line, the brace and bracket depths at its
/// start and end outside comments and strings, whether it starts inside a block comment or a
/// multi-line string, whether its code opens a brace, and its last code character.
struct BraceScan {
    let source: SourceLines
    /// `{` depth at each line's start and end.
    private(set) var depth: [Int] = []
    private(set) var depthEnd: [Int] = []
    /// `(` and `[` depth at each line's start and end.
    private(set) var brackets: [Int] = []
    private(set) var bracketsEnd: [Int] = []
    /// Whether a line starts inside a block comment or a multi-line string.
    private(set) var quoted: [Bool] = []
    /// Whether a line starts inside a block comment.
    private(set) var inComment: [Bool] = []
    /// Whether a line's code holds a `{`.
    private(set) var opensBrace: [Bool] = []
    /// Each line's last character of code (a closing quote for a string), 0 if none.
    private(set) var lastCode: [UInt8] = []

    private enum State: Equatable { case code, blockComment, string(UInt8), triple, backtick }

    init(_ source: SourceLines, syntax: BraceSyntax) {
        self.source = source
        let utf8 = source.utf8
        var state = State.code
        var braces = 0
        var bracketDepth = 0
        for line in 0..<source.count {
            depth.append(braces)
            brackets.append(bracketDepth)
            quoted.append(state != .code)
            inComment.append(state == .blockComment)
            var opens = false
            var last: UInt8 = 0
            let start = source.starts[line]
            let end = source.ends[line]
            var offset = start
            scan: while offset < end {
                let byte = utf8[offset]
                let next: UInt8 = offset + 1 < end ? utf8[offset + 1] : 0
                switch state {
                case .blockComment:
                    if byte == UInt8(ascii: "*"), next == UInt8(ascii: "/") { state = .code; offset += 1 }
                case .string(let quote):
                    if byte == 0x5C { offset += 1 } else if byte == quote { state = .code; last = quote }
                case .triple:
                    if byte == 0x5C {
                        offset += 1
                    } else if byte == 0x22, next == 0x22, offset + 2 < end, utf8[offset + 2] == 0x22 {
                        state = .code
                        last = 0x22
                        offset += 2
                    }
                case .backtick:
                    if byte == 0x5C { offset += 1 } else if byte == UInt8(ascii: "`") { state = .code; last = byte }
                case .code:
                    switch byte {
                    case UInt8(ascii: "/") where syntax.slashComments && next == UInt8(ascii: "/"):
                        break scan
                    case UInt8(ascii: "/") where syntax.slashComments && next == UInt8(ascii: "*"):
                        state = .blockComment
                        offset += 1
                    case UInt8(ascii: "#") where syntax.hashComments
                        && (offset == start || utf8[offset - 1] == 0x20 || utf8[offset - 1] == 0x09):
                        break scan
                    case 0x22 where syntax.tripleQuotedStrings && next == 0x22 && offset + 2 < end && utf8[offset + 2] == 0x22:
                        state = .triple
                        offset += 2
                    case 0x22:
                        state = .string(0x22)
                    case UInt8(ascii: "'") where syntax.singleQuotedStrings:
                        state = .string(byte)
                    case UInt8(ascii: "'"):
                        offset = Self.characterLiteralEnd(utf8, at: offset, lineEnd: end) ?? offset
                        last = byte
                    case UInt8(ascii: "`") where syntax.backtickStrings:
                        state = .backtick
                    case UInt8(ascii: "{"):
                        braces += 1
                        opens = true
                    case UInt8(ascii: "}"):
                        braces = max(0, braces - 1)
                    case UInt8(ascii: "("), UInt8(ascii: "["):
                        bracketDepth += 1
                    case UInt8(ascii: ")"), UInt8(ascii: "]"):
                        bracketDepth = max(0, bracketDepth - 1)
                    default:
                        break
                    }
                    if state == .code, byte != 0x20, byte != 0x09 { last = byte }
                }
                offset += 1
            }
            // Simple strings end with their line (an unterminated quote must not swallow the file).
            if case .string = state { state = .code }
            depthEnd.append(braces)
            bracketsEnd.append(bracketDepth)
            opensBrace.append(opens)
            lastCode.append(last)
        }
    }

    /// The offset of the closing quote of a one-character literal starting at `offset` ('x', '\n',
    /// '\u{7B}'), or nil when the quote starts none.
    private static func characterLiteralEnd(_ utf8: [UInt8], at offset: Int, lineEnd: Int) -> Int? {
        if offset + 2 < lineEnd, utf8[offset + 1] != 0x5C, utf8[offset + 2] == UInt8(ascii: "'") { return offset + 2 }
        guard offset + 1 < lineEnd, utf8[offset + 1] == 0x5C else { return nil }
        return (offset + 3..<min(lineEnd, offset + 14)).first { utf8[$0] == UInt8(ascii: "'") }
    }
}
