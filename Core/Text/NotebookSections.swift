/// Sections of a notebook rendered as text in the percent format, where each cell starts with a
/// marker line `# %% [markdown]` or `# %% [code]` (or any `# %% …`): each cell is a section with
/// the trail ["cell N"] (N from 1), plus the cell's first Markdown heading (written as is or
/// commented, `# ## Results`) or a code cell's first top-level `def` or `class`. Text before the
/// first marker is anonymous.
enum NotebookSections {
    static func sections(_ source: SourceLines) -> [SectionNode] {
        let markers = (0..<source.count).filter { isMarker(source.trimmed($0)) && source.indent($0) == 0 }
        return markers.enumerated().map { number, marker in
            let end = number + 1 < markers.count ? markers[number + 1] : source.count
            let body = marker + 1..<end
            let detail = source.trimmed(marker).contains("[markdown]")
                ? markdownHeading(in: body, source: source)
                : definition(in: body, source: source)
            return SectionNode(lines: marker..<end, names: ["cell \(number + 1)"] + (detail.map { [$0] } ?? []))
        }
    }

    static func isMarker(_ line: Substring) -> Bool {
        line == "# %%" || line.hasPrefix("# %% ")
    }

    /// The first heading of a Markdown cell, whose lines may be commented out with `#`.
    private static func markdownHeading(in body: Range<Int>, source: SourceLines) -> String? {
        let lines = body.filter { !source.isBlank($0) }.map { source.texts[$0] }
        if lines.allSatisfy({ $0.hasPrefix("#") }) {
            let uncommented = lines.map { line in
                let rest = line.dropFirst()
                return String(rest.first == " " ? rest.dropFirst() : rest)
            }
            if let title = uncommented.lazy.compactMap(MarkdownSections.atxHeading).first?.title, !title.isEmpty {
                return SectionNode.label(title)
            }
        }
        guard let title = lines.lazy.compactMap(MarkdownSections.atxHeading).first?.title, !title.isEmpty else { return nil }
        return SectionNode.label(title)
    }

    /// The header of a code cell's first top-level `def`, `async def` or `class`.
    private static func definition(in body: Range<Int>, source: SourceLines) -> String? {
        for line in body where source.indent(line) == 0 {
            let text = source.texts[line]
            if text.hasPrefix("def ") || text.hasPrefix("async def ") || text.hasPrefix("class ") {
                return PythonSections.label(ofHeader: text)
            }
        }
        return nil
    }
}
