/// Sections of Markdown: ATX (`#` … `######`) and setext (`===` / `---` underlined) headings
/// start sections nested by level, so a section's trail is its heading path. Lines inside fenced
/// code blocks (``` or ~~~) and a leading YAML front matter are never headings.
enum MarkdownSections {
    static func sections(_ source: SourceLines) -> [SectionNode] {
        var marks: [(line: Int, level: Int, names: [String])] = []
        var fence: (character: Character, length: Int)?
        var index = frontMatterEnd(source)
        while index < source.count {
            let line = source.texts[index]
            if let open = fence {
                if let close = fenceMarker(line), close.character == open.character, close.length >= open.length,
                   close.info.isEmpty {
                    fence = nil
                }
                index += 1
                continue
            }
            if let open = fenceMarker(line) {
                fence = (open.character, open.length)
            } else if let (level, title) = atxHeading(line) {
                marks.append((index, level, title.isEmpty ? [] : [SectionNode.label(title)]))
            } else if index + 1 < source.count, let level = setextLevel(source.texts[index + 1]),
                      isSetextText(source, index) {
                marks.append((index, level, [SectionNode.label(source.trimmed(index))]))
                index += 2
                continue
            }
            index += 1
        }
        return SectionNode.outline(marks, in: 0..<source.count, source: source)
    }

    /// The heading level and title of an ATX heading line: up to 3 spaces, 1–6 `#`, then a space or the end.
    static func atxHeading(_ line: String) -> (level: Int, title: Substring)? {
        let indent = line.prefix { $0 == " " }.count
        guard indent <= 3 else { return nil }
        let rest = line.dropFirst(indent)
        let level = rest.prefix { $0 == "#" }.count
        guard (1...6).contains(level) else { return nil }
        let after = rest.dropFirst(level)
        guard after.isEmpty || after.first == " " || after.first == "\t" else { return nil }
        var title = after.trimmingASCIIWhitespace()
        // An optional closing sequence of `#` preceded by a space.
        let closing = title.reversed().prefix { $0 == "#" }.count
        if closing > 0, closing == title.count || title.dropLast(closing).last == " " {
            title = title.dropLast(closing).trimmingASCIIWhitespace()
        }
        return (level, title)
    }

    /// The level of a setext underline: 1 for `===`, 2 for `---` (up to 3 spaces, trailing spaces allowed).
    private static func setextLevel(_ line: String) -> Int? {
        let indent = line.prefix { $0 == " " }.count
        let body = line.dropFirst(indent).trimmingASCIIWhitespace()
        guard indent <= 3, let first = body.first, first == "=" || first == "-", body.allSatisfy({ $0 == first }) else {
            return nil
        }
        return first == "=" ? 1 : 2
    }

    /// Whether line `index` can be a setext heading's text: a paragraph line, not a list item,
    /// quote, table row, heading or fence (so `---` after a list or a blank line stays a rule).
    private static func isSetextText(_ source: SourceLines, _ index: Int) -> Bool {
        let text = source.trimmed(index)
        guard !text.isEmpty, source.indent(index) <= 3, atxHeading(source.texts[index]) == nil,
              fenceMarker(source.texts[index]) == nil, setextLevel(source.texts[index]) == nil else { return false }
        if text.hasPrefix(">") || text.hasPrefix("|") || text.hasPrefix("<") { return false }
        if ["- ", "* ", "+ "].contains(where: { text.hasPrefix($0) }) { return false }
        let digits = text.prefix { $0.isASCII && $0.isNumber }
        if !digits.isEmpty, let mark = text.dropFirst(digits.count).first, mark == "." || mark == ")" { return false }
        // Only the first line of a paragraph: a line continuing a paragraph above is body text.
        return index == 0 || source.isBlank(index - 1) || atxHeading(source.texts[index - 1]) != nil
    }

    /// A fence line: up to 3 spaces, then 3 or more backticks or tildes, and the info string after them.
    private static func fenceMarker(_ line: String) -> (character: Character, length: Int, info: Substring)? {
        let indent = line.prefix { $0 == " " }.count
        guard indent <= 3 else { return nil }
        let rest = line.dropFirst(indent)
        guard let first = rest.first, first == "`" || first == "~" else { return nil }
        let length = rest.prefix { $0 == first }.count
        guard length >= 3 else { return nil }
        return (first, length, rest.dropFirst(length).trimmingASCIIWhitespace())
    }

    /// The first line after a YAML front matter (`---` on the first line up to the next `---` or `...`), else 0.
    private static func frontMatterEnd(_ source: SourceLines) -> Int {
        guard source.count > 1, source.trimmed(0) == "---" else { return 0 }
        for index in 1..<source.count where source.trimmed(index) == "---" || source.trimmed(index) == "..." {
            return index + 1
        }
        return 0
    }
}
