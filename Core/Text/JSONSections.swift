/// Sections of pretty-printed JSON (comments allowed, as in `.jsonc`) whose top level is an object: each member (a line starting
/// with `"key":` at depth 1) is a section named by its key, and an object member's own members
/// are its children (["compilerOptions", "paths"]). JSON on one line, or with an array at the
/// top, has no sections.
enum JSONSections {
    static func sections(_ source: SourceLines) -> [SectionNode] {
        let isComment = { (line: Int) in source.trimmed(line).hasPrefix("//") || source.trimmed(line).hasPrefix("/*")
            || source.trimmed(line).hasPrefix("*") }
        guard let first = (0..<source.count).first(where: { !source.isBlank($0) && !isComment($0) }),
              source.trimmed(first).hasPrefix("{") else {
            return []
        }
        let scan = BraceScan(source, syntax: BraceSyntax())
        return members(in: 0..<source.count, depth: 1, scan: scan, source: source)
    }

    /// The members starting at object depth `depth` among lines `range`, each running to the next.
    private static func members(in range: Range<Int>, depth: Int, scan: BraceScan, source: SourceLines) -> [SectionNode] {
        let marks = range.filter { scan.depth[$0] == depth && scan.brackets[$0] == 0 && key(of: source.trimmed($0)) != nil }
        return marks.indices.map { index in
            let lines = marks[index]..<(index + 1 < marks.count ? marks[index + 1] : range.upperBound)
            var children: [SectionNode] = []
            if depth == 1 {
                let inner = members(in: lines.lowerBound + 1..<lines.upperBound, depth: 2, scan: scan, source: source)
                children = SectionNode.covering(lines, with: inner, in: source)
            }
            let name = key(of: source.trimmed(marks[index])) ?? ""
            return SectionNode(lines: lines, names: [SectionNode.label(name)], children: children)
        }
    }

    /// The key of a member line `"key": …`, without quotes.
    private static func key(of line: Substring) -> Substring? {
        guard line.first == "\"" else { return nil }
        var escaped = false
        for index in line.indices.dropFirst() {
            let character = line[index]
            if escaped {
                escaped = false
            } else if character == "\\" {
                escaped = true
            } else if character == "\"" {
                let rest = line[line.index(after: index)...].drop { $0 == " " || $0 == "\t" }
                return rest.first == ":" ? line[line.index(after: line.startIndex)..<index] : nil
            }
        }
        return nil
    }
}
