/// A node of a document's section tree, in lines: a part that chunks should not cross, the trail
/// entries it adds, and the smaller parts it may be split into when it does not fit a window.
///
/// A node's children, when it has any, cover its lines exactly and in order (see `covering`).
/// A node without names is anonymous (a preamble, the code between definitions, a class's head):
/// its chunks carry its parent's trail.
struct SectionNode: Equatable {
    var lines: Range<Int>
    var names: [String]
    var children: [SectionNode]

    init(lines: Range<Int>, names: [String] = [], children: [SectionNode] = []) {
        self.lines = lines
        self.names = names
        self.children = children
    }

    /// `parts` (sorted, not overlapping, inside `range`) with the gaps between them filled, so that
    /// they cover `range`. A gap of blank lines and closing brackets only joins the part before it
    /// (a class's closing brace stays with its last method); any other gap becomes an anonymous
    /// part. No parts give no children: the node is a leaf.
    static func covering(_ range: Range<Int>, with parts: [SectionNode], in source: SourceLines) -> [SectionNode] {
        let parts = parts.filter { !$0.lines.isEmpty && $0.lines.lowerBound >= range.lowerBound && $0.lines.upperBound <= range.upperBound }
        guard !parts.isEmpty else { return [] }
        var result: [SectionNode] = []
        var next = range.lowerBound
        func fill(upTo end: Int) {
            guard next < end else { return }
            if !result.isEmpty, (next..<end).allSatisfy({ isCloser(source.trimmed($0)) }) {
                result[result.count - 1].extend(to: end)
            } else {
                result.append(SectionNode(lines: next..<end))
            }
            next = end
        }
        for part in parts where part.lines.lowerBound >= next {
            fill(upTo: part.lines.lowerBound)
            result.append(part)
            next = part.lines.upperBound
        }
        fill(upTo: range.upperBound)
        return result
    }

    /// Extends the node, and its last descendants, to end before line `upper`.
    mutating func extend(to upper: Int) {
        lines = lines.lowerBound..<max(lines.upperBound, upper)
        if !children.isEmpty { children[children.count - 1].extend(to: upper) }
    }

    /// Whether a trimmed line is empty or only closes brackets (`}`, `)`, `];` …).
    private static func isCloser(_ line: Substring) -> Bool {
        line.allSatisfy { "})];,".contains($0) }
    }

    /// Nodes for outline marks (headings): a mark's node runs until the next mark of the same or a
    /// higher level (a smaller number), and holds the marks of lower levels in between as children.
    static func outline(_ marks: [(line: Int, level: Int, names: [String])], in range: Range<Int>,
                        source: SourceLines) -> [SectionNode] {
        var nodes: [SectionNode] = []
        var index = 0
        while index < marks.count {
            let mark = marks[index]
            var next = index + 1
            while next < marks.count, marks[next].level > mark.level { next += 1 }
            let end = next < marks.count ? marks[next].line : range.upperBound
            let inner = outline(Array(marks[index + 1..<next]), in: mark.line..<end, source: source)
            nodes.append(SectionNode(lines: mark.line..<end, names: mark.names,
                                     children: covering(mark.line..<end, with: inner, in: source)))
            index = next
        }
        return nodes
    }

    /// The first line of the run of lines directly above `line` (down to `floor`) that `belongs`
    /// accepts, such as the comments and attributes above a definition; `line` if there are none.
    static func leadingStart(of line: Int, floor: Int, where belongs: (Int) -> Bool) -> Int {
        var start = line
        while start > floor, belongs(start - 1) { start -= 1 }
        return start
    }

    /// The last non-blank line before `end`, down to `start` (`start` if all are blank).
    static func lastNonBlank(before end: Int, from start: Int, in source: SourceLines) -> Int {
        var last = end - 1
        while last > start, source.isBlank(last) { last -= 1 }
        return last
    }

    /// A trail entry made from a heading or a signature: whitespace runs collapsed to one space,
    /// at most `limit` characters (longer ones end with `…`).
    static func label(_ text: some StringProtocol, limit: Int = labelLimit) -> String {
        let collapsed = text.split(whereSeparator: { $0.isWhitespace }).joined(separator: " ")
        guard collapsed.count > limit else { return collapsed }
        return String(collapsed.prefix(limit - 1)).trimmingASCIIWhitespace() + "…"
    }

    /// A header joined from several lines without the spaces the line breaks left inside
    /// brackets: "def f( a, b, )" becomes "def f(a, b)".
    static func tidy(_ text: some StringProtocol) -> String {
        var result = ""
        for character in text {
            if character == ")" || character == "]" {
                while result.last == " " || result.last == "," { result.removeLast() }
            } else if character == " ", let last = result.last, last == "(" || last == "[" || last == " " {
                continue
            }
            result.append(character)
        }
        return result
    }

    /// The longest trail entry, in characters.
    static let labelLimit = 80
}
