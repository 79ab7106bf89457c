/// Sections of a Makefile: each rule (`target: prerequisites` at column 0 with its tab-indented
/// recipe) is a section named by its targets, with the comment and `.PHONY` lines directly above
/// it. Variable assignments, conditionals and includes between rules are anonymous.
enum MakefileSections {
    static func sections(_ source: SourceLines) -> [SectionNode] {
        var nodes: [SectionNode] = []
        var floor = 0
        var line = 0
        while line < source.count {
            guard let name = target(source.texts[line]) else {
                line += 1
                continue
            }
            var end = line + 1
            while end < source.count,
                  source.isBlank(end) || source.texts[end].hasPrefix("\t") || source.texts[end - 1].hasSuffix("\\") {
                end += 1
            }
            while end > line + 1, source.isBlank(end - 1) { end -= 1 }
            let start = SectionNode.leadingStart(of: line, floor: floor) { above in
                let text = source.texts[above]
                return text.hasPrefix("#") || text.hasPrefix(".PHONY") || text.hasPrefix(".SILENT")
            }
            nodes.append(SectionNode(lines: start..<end, names: [SectionNode.label(name)]))
            floor = end
            line = end
        }
        return nodes
    }

    /// Directives that start lines like rules but are not rules.
    private static let directives: Set<String> = [
        "ifeq", "ifneq", "ifdef", "ifndef", "else", "endif", "include", "-include", "sinclude", "export", "unexport",
        "define", "endef", "override", "vpath", "undefine", "private",
    ]

    /// The targets of a rule line (`build test: deps`), or nil for any other line.
    static func target(_ line: String) -> Substring? {
        guard let first = line.first, first != "\t", first != " ", first != "#", first != ".",
              let colon = line.firstIndex(of: ":") else { return nil }
        let targets = line[..<colon]
        let after = line[line.index(after: colon)...]
        guard !targets.contains("="), !after.hasPrefix("="), !after.hasPrefix(":="), !after.hasPrefix("::=") else { return nil }
        let word = targets.prefix { !$0.isWhitespace && $0 != "(" }
        guard !directives.contains(String(word)) else { return nil }
        let name = targets.trimmingASCIIWhitespace()
        return name.isEmpty ? nil : name
    }
}
