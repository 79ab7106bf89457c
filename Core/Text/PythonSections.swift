/// Sections of Python source, by indentation: each `def`, `async def` and `class` at column 0 is a
/// section with its decorators and the comment lines directly above it; a class's methods (and
/// nested classes) are its children, so a class too long for a window splits at its methods with
/// trails like ["class Trainer", "def run(self)"]. Imports and module-level code between
/// definitions are anonymous sections. Lines inside brackets, triple-quoted strings or after a
/// backslash continue the statement above them and never start or end a definition.
enum PythonSections {
    /// How deep definitions nest into sections (top level, members, members of nested classes).
    static let maxLevel = 3

    static func sections(_ source: SourceLines) -> [SectionNode] {
        let scan = Scan(source)
        return scan.definitions(in: 0..<source.count, indent: 0, level: 1)
    }

    /// The per-line facts the rules need, from one pass over the text.
    private struct Scan {
        let source: SourceLines
        /// Whether a line starts inside brackets, a triple-quoted string, or after a backslash.
        var continuation: [Bool] = []
        /// Where each line's code ends: before its `#` comment, else at the line's end.
        var codeEnd: [Int] = []

        init(_ source: SourceLines) {
            self.source = source
            let utf8 = source.utf8
            var triple: UInt8?
            var depth = 0
            var backslash = false
            for line in 0..<source.count {
                continuation.append(triple != nil || depth > 0 || backslash)
                let end = source.ends[line]
                var offset = source.starts[line]
                var single: UInt8?
                var code = end
                scan: while offset < end {
                    let byte = utf8[offset]
                    if let quote = triple {
                        if byte == 0x5C { offset += 2; continue }
                        if byte == quote, offset + 2 < end, utf8[offset + 1] == quote, utf8[offset + 2] == quote {
                            triple = nil
                            offset += 3
                            continue
                        }
                    } else if let quote = single {
                        if byte == 0x5C { offset += 2; continue }
                        if byte == quote { single = nil }
                    } else {
                        switch byte {
                        case UInt8(ascii: "#"):
                            code = offset
                            break scan
                        case UInt8(ascii: "\""), UInt8(ascii: "'"):
                            if offset + 2 < end, utf8[offset + 1] == byte, utf8[offset + 2] == byte {
                                triple = byte
                                offset += 3
                                continue
                            }
                            single = byte
                        case UInt8(ascii: "("), UInt8(ascii: "["), UInt8(ascii: "{"): depth += 1
                        case UInt8(ascii: ")"), UInt8(ascii: "]"), UInt8(ascii: "}"): depth = max(0, depth - 1)
                        default: break
                        }
                    }
                    offset += 1
                }
                codeEnd.append(code)
                var last = code
                while last > source.starts[line], utf8[last - 1] == 0x20 || utf8[last - 1] == 0x09 { last -= 1 }
                backslash = triple == nil && last > source.starts[line] && utf8[last - 1] == 0x5C
            }
        }

        /// A line that starts a statement at `indent` or less: not blank, not a comment, not a continuation.
        func isStatement(_ line: Int, atMost indent: Int) -> Bool {
            !continuation[line] && !source.isBlank(line) && !source.trimmed(line).hasPrefix("#") && source.indent(line) <= indent
        }

        func isComment(_ line: Int, at indent: Int) -> Bool {
            !continuation[line] && source.indent(line) == indent && source.trimmed(line).hasPrefix("#")
        }

        func isDefinition(_ line: Int) -> Bool {
            let text = source.trimmed(line)
            return ["def", "class", "async def"].contains { keyword in
                text.hasPrefix(keyword) && text.dropFirst(keyword.count).first.map { $0 == " " || $0 == "\t" } == true
            }
        }

        /// The definitions among lines `range` whose statements are at column `indent`.
        func definitions(in range: Range<Int>, indent: Int, level: Int) -> [SectionNode] {
            var nodes: [SectionNode] = []
            var floor = range.lowerBound
            var line = range.lowerBound
            while line < range.upperBound {
                guard isStatement(line, atMost: indent), source.indent(line) == indent,
                      source.trimmed(line).hasPrefix("@") || isDefinition(line) else {
                    line += 1
                    continue
                }
                // Decorators (possibly spanning lines) lead to the definition's header line.
                var header = line
                while header < range.upperBound,
                      !isStatement(header, atMost: indent) || source.trimmed(header).hasPrefix("@") { header += 1 }
                guard header < range.upperBound, source.indent(header) == indent, isDefinition(header) else {
                    line = max(header, line + 1)
                    continue
                }
                var end = header + 1
                while end < range.upperBound, !isStatement(end, atMost: indent) { end += 1 }
                while end > header + 1, source.isBlank(end - 1) || isComment(end - 1, atOrAbove: indent) { end -= 1 }
                let start = SectionNode.leadingStart(of: line, floor: floor) { isComment($0, at: indent) }
                var children: [SectionNode] = []
                if level < PythonSections.maxLevel, source.trimmed(header).hasPrefix("class"),
                   let body = (header + 1..<end).first(where: { isStatement($0, atMost: .max) && source.indent($0) > indent }) {
                    let members = definitions(in: header + 1..<end, indent: source.indent(body), level: level + 1)
                    children = SectionNode.covering(start..<end, with: members, in: source)
                }
                nodes.append(SectionNode(lines: start..<end, names: [signature(at: header)], children: children))
                floor = end
                line = end
            }
            return nodes
        }

        /// A comment line at column `indent` or less.
        private func isComment(_ line: Int, atOrAbove indent: Int) -> Bool {
            !continuation[line] && source.indent(line) <= indent && source.trimmed(line).hasPrefix("#")
        }

        /// The header of the definition at `line` as one line: its code and the lines its brackets
        /// continue onto, up to the `:` that ends it, e.g. "def forward(self, idx, targets=None)".
        func signature(at line: Int) -> String {
            var text = ""
            var next = line
            repeat {
                let code = String(decoding: source.utf8[source.starts[next]..<codeEnd[next]], as: UTF8.self)
                text += (text.isEmpty ? "" : " ") + code.trimmingASCIIWhitespace()
                next += 1
            } while next < source.count && continuation[next] && next - line < 12
            return PythonSections.label(ofHeader: text)
        }
    }

    /// The trail entry of a definition header's text: up to its `:`, brackets tidied, e.g.
    /// "def forward(self, idx, targets=None)" for `def forward(self, idx, targets=None):`.
    static func label(ofHeader text: String) -> String {
        SectionNode.label(SectionNode.tidy(header(of: text)))
    }

    /// `text` up to its first `:` outside brackets and strings.
    static func header(of text: String) -> Substring {
        var depth = 0
        var quote: Character?
        for index in text.indices {
            let character = text[index]
            if let open = quote {
                if character == open { quote = nil }
                continue
            }
            switch character {
            case "\"", "'": quote = character
            case "(", "[", "{": depth += 1
            case ")", "]", "}": depth = max(0, depth - 1)
            case ":" where depth == 0: return text[..<index]
            default: break
            }
        }
        return Substring(text)
    }
}
