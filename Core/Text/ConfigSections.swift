/// Sections of configuration files by syntax: YAML keys (`YAMLSections`), JSON members
/// (`JSONSections`), TOML and INI `[table]` headers, Makefile targets and Dockerfile `FROM`
/// stages; requirements and env files (and unknown syntaxes) have none.
enum ConfigSections {
    static func sections(_ source: SourceLines, syntax: String) -> [SectionNode] {
        switch syntax {
        case "yaml", "yml": YAMLSections.sections(source)
        case "json": JSONSections.sections(source)
        case "toml", "ini": tables(source)
        case "makefile": MakefileSections.sections(source)
        case "dockerfile": stages(source)
        default: []
        }
    }

    /// TOML and INI: each `[table]` or `[[array.of.tables]]` header starts a section named by the
    /// table, with the `#` or `;` comment lines directly above it.
    private static func tables(_ source: SourceLines) -> [SectionNode] {
        let marks = (0..<source.count).compactMap { line in
            tableName(source.trimmed(line)).map { (line: line, names: [SectionNode.label($0)]) }
        }
        return runs(marks, source: source) { line in
            source.trimmed(line).hasPrefix("#") || source.trimmed(line).hasPrefix(";")
        }
    }

    /// The name in a table header line (`[tool.poetry]`, `[[bin]]`, `[section] # note`), or nil.
    static func tableName(_ line: Substring) -> Substring? {
        guard line.hasPrefix("[") else { return nil }
        let double = line.hasPrefix("[[")
        let open = line.dropFirst(double ? 2 : 1)
        guard let close = open.firstIndex(of: "]") else { return nil }
        let name = open[..<close].trimmingASCIIWhitespace()
        var rest = open[open.index(after: close)...]
        if double {
            guard rest.first == "]" else { return nil }
            rest = rest.dropFirst()
        }
        rest = rest.trimmingASCIIWhitespace()
        let allowed = name.allSatisfy { $0.isLetter || $0.isNumber || " _-.\"':/@$".contains($0) }
        guard !name.isEmpty, allowed, rest.isEmpty || rest.hasPrefix("#") || rest.hasPrefix(";") else { return nil }
        return name
    }

    /// Dockerfiles: each `FROM` line starts a build stage, named by that line.
    private static func stages(_ source: SourceLines) -> [SectionNode] {
        let marks = (0..<source.count).compactMap { line -> (line: Int, names: [String])? in
            let text = source.trimmed(line)
            guard text.count > 5, text.prefix(5).uppercased() == "FROM ", source.indent(line) == 0 else { return nil }
            return (line, [SectionNode.label(text)])
        }
        return runs(marks, source: source) { source.trimmed($0).hasPrefix("#") }
    }

    /// Sections that each start at a mark (with the lines above it that `leading` accepts) and
    /// run until the next one starts.
    static func runs(_ marks: [(line: Int, names: [String])], source: SourceLines,
                     leading: (Int) -> Bool) -> [SectionNode] {
        let starts = marks.enumerated().map { index, mark in
            SectionNode.leadingStart(of: mark.line, floor: index == 0 ? 0 : marks[index - 1].line + 1) {
                !source.isBlank($0) && leading($0)
            }
        }
        return marks.indices.map { index in
            SectionNode(lines: starts[index]..<(index + 1 < marks.count ? starts[index + 1] : source.count),
                        names: marks[index].names)
        }
    }
}
