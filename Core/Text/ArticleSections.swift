/// Sections of a web article extracted to plain text, whose headings lost their `#`: a heading is
/// a paragraph of one line (blank lines or the document's edges around it) of at most 12 words,
/// starting with a capital letter or a digit, without sentence or clause punctuation at its end
/// (`.`, `!`, `?`, `:`, `;`, `,`), without code or table characters, not a bullet, and followed
/// by a paragraph with more words. All headings are one level (the text keeps no levels), so a
/// section's trail is its heading. The rules are conservative: a missed heading only leaves two
/// sections together, a false one would split a paragraph's context.
enum ArticleSections {
    static let maxHeadingWords = 12

    static func sections(_ source: SourceLines) -> [SectionNode] {
        let paragraphs = paragraphs(source)
        var marks: [(line: Int, level: Int, names: [String])] = []
        for (index, paragraph) in paragraphs.enumerated() where paragraph.count == 1 && index + 1 < paragraphs.count {
            let line = source.trimmed(paragraph.lowerBound)
            let next = paragraphs[index + 1]
            guard isHeadingLike(line) else { continue }
            let nextWords = next.reduce(0) { $0 + words(source.trimmed($1)) }
            let nextIsHeading = next.count == 1 && isHeadingLike(source.trimmed(next.lowerBound))
            if nextWords > words(line), !nextIsHeading {
                marks.append((paragraph.lowerBound, 1, [SectionNode.label(line)]))
            }
        }
        return SectionNode.outline(marks, in: 0..<source.count, source: source)
    }

    /// The runs of non-blank lines, as line ranges.
    private static func paragraphs(_ source: SourceLines) -> [Range<Int>] {
        var result: [Range<Int>] = []
        var start: Int?
        for index in 0..<source.count {
            if source.isBlank(index) {
                if let first = start { result.append(first..<index) }
                start = nil
            } else if start == nil {
                start = index
            }
        }
        if let first = start { result.append(first..<source.count) }
        return result
    }

    /// Whether a trimmed line looks like a heading on its own (its neighbours are checked apart).
    private static func isHeadingLike(_ line: Substring) -> Bool {
        guard let first = line.first, first.isUppercase || first.isNumber, let last = line.last,
              !".!?:;,".contains(last), (1...maxHeadingWords).contains(words(line)) else { return false }
        if line.contains(where: { "{}=<>|`;".contains($0) }) { return false }
        // A bullet alone is a one-item list; "1. Introduction" stays a heading (a list has several lines).
        return !line.hasPrefix("- ") && !line.hasPrefix("• ")
    }

    private static func words(_ line: Substring) -> Int {
        line.split(whereSeparator: { $0.isWhitespace }).count
    }
}
