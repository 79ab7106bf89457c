/// Sections of YAML: each top-level key (`key:` at column 0) is a section with the comment lines
/// directly above it, and its second-level keys are its children, so a big top-level mapping
/// splits into ["training", "optimizer"]-like trails. `---` separators split documents, each an
/// anonymous section holding its keys. Sequences (`- item`) are not split.
enum YAMLSections {
    static func sections(_ source: SourceLines) -> [SectionNode] {
        let separators = (0..<source.count).filter { isSeparator(source.texts[$0]) }
        var documents: [Range<Int>] = []
        var start = 0
        for separator in separators + [source.count] {
            if (start..<separator).contains(where: { !source.isBlank($0) && !isSeparator(source.texts[$0]) }) {
                documents.append(start..<separator)
            }
            start = separator
        }
        guard documents.count > 1 else { return keys(in: 0..<source.count, indent: 0, level: 1, source: source) }
        // Each document runs to the next one, so the separators and blank lines between stay covered.
        return documents.indices.map { index in
            let range = documents[index].lowerBound..<(index + 1 < documents.count ? documents[index + 1].lowerBound : source.count)
            return SectionNode(lines: range, children: SectionNode.covering(
                range, with: keys(in: range, indent: 0, level: 1, source: source), in: source))
        }
    }

    /// The keys at column `indent` among lines `range`, each with the comments (and a document
    /// separator) directly above it and running to the next one's.
    private static func keys(in range: Range<Int>, indent: Int, level: Int, source: SourceLines) -> [SectionNode] {
        let marks = range.filter { source.indent($0) == indent && key(of: source.trimmed($0)) != nil }
        guard !marks.isEmpty else { return [] }
        let starts = marks.enumerated().map { index, line in
            SectionNode.leadingStart(of: line, floor: index == 0 ? range.lowerBound : marks[index - 1] + 1) {
                source.indent($0) == indent && source.trimmed($0).hasPrefix("#") || isSeparator(source.texts[$0])
            }
        }
        return marks.indices.map { index in
            let lines = starts[index]..<(index + 1 < marks.count ? starts[index + 1] : range.upperBound)
            var children: [SectionNode] = []
            if level == 1, let first = (marks[index] + 1..<lines.upperBound).first(where: {
                !source.isBlank($0) && !source.trimmed($0).hasPrefix("#")
            }), source.indent(first) > indent, key(of: source.trimmed(first)) != nil {
                let inner = keys(in: marks[index] + 1..<lines.upperBound, indent: source.indent(first), level: 2, source: source)
                children = SectionNode.covering(lines, with: inner, in: source)
            }
            let name = key(of: source.trimmed(marks[index])) ?? ""
            return SectionNode(lines: lines, names: [SectionNode.label(name)], children: children)
        }
    }

    /// The key of a mapping line (`name:`, `name: value`, `"quoted key": value`), or nil.
    static func key(of line: Substring) -> Substring? {
        guard let first = line.first, !"#-?[{|>%&*!@`".contains(first) else { return nil }
        var quote: Character?
        var index = line.startIndex
        while index < line.endIndex {
            let character = line[index]
            if let open = quote {
                if character == open { quote = nil }
            } else if character == "\"" || character == "'", index == line.startIndex {
                quote = character
            } else if character == ":" {
                let next = line.index(after: index)
                if next == line.endIndex || line[next] == " " || line[next] == "\t" {
                    let key = line[..<index].trimmingASCIIWhitespace()
                    return key.isEmpty ? nil : key
                }
            } else if character == "#", index > line.startIndex, line[line.index(before: index)] == " " {
                return nil
            }
            index = line.index(after: index)
        }
        return nil
    }

    private static func isSeparator(_ line: String) -> Bool {
        line == "---" || line.hasPrefix("--- ") || line.hasPrefix("---\t") || line == "..."
    }
}
