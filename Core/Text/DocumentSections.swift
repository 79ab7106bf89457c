/// Cuts documents into sections by their structure (headings, definitions, keys, cells), with
/// plain rules on lines, indentation and braces rather than parsers, so any text is accepted.
///
/// Guarantees: sections are in document order, do not overlap, and together hold every
/// non-whitespace byte of the document; each is a verbatim byte range; the same text and format
/// always give the same sections. Formats without structure (`.prose`, `.plain`, requirements
/// and env files, languages without rules) give one section with an empty trail.
public enum DocumentSections {
    /// The finest sections of `text` read as `format`: a class's methods, not the class; a
    /// Markdown section's subsections and the text before them. `Chunker` puts them back together
    /// up to its window.
    public static func sections(of text: String, format: TextFormat) -> [TextSection] {
        let source = SourceLines(Array(text.utf8))
        var sections: [TextSection] = []
        collect(tree(of: source, format: format), trail: [], source: source, into: &sections)
        return sections
    }

    /// The section tree of a document: a root covering all its lines, whose children (if any)
    /// cover it in order, and so on down.
    static func tree(of source: SourceLines, format: TextFormat) -> SectionNode {
        let all = 0..<source.count
        let parts: [SectionNode]
        switch format {
        case .prose, .plain: parts = []
        case .article: parts = ArticleSections.sections(source)
        case .markdown: parts = MarkdownSections.sections(source)
        case .code(let language):
            let language = language.lowercased()
            parts = language == "python" ? PythonSections.sections(source)
                : BraceCodeSections.sections(source, language: language) ?? []
        case .config(let syntax): parts = ConfigSections.sections(source, syntax: syntax.lowercased())
        case .notebook: parts = NotebookSections.sections(source)
        }
        return SectionNode(lines: all, children: SectionNode.covering(all, with: parts, in: source))
    }

    /// Appends the leaves under `node` whose text is not all whitespace, with their trails.
    private static func collect(_ node: SectionNode, trail: [String], source: SourceLines, into sections: inout [TextSection]) {
        let trail = trail + node.names
        guard node.children.isEmpty else {
            for child in node.children { collect(child, trail: trail, source: source, into: &sections) }
            return
        }
        var bytes = source.byteRange(node.lines)
        while bytes.lowerBound < bytes.upperBound, isWhitespace(source.utf8[bytes.lowerBound]) {
            bytes = bytes.lowerBound + 1..<bytes.upperBound
        }
        while bytes.upperBound > bytes.lowerBound, isWhitespace(source.utf8[bytes.upperBound - 1]) {
            bytes = bytes.lowerBound..<bytes.upperBound - 1
        }
        if !bytes.isEmpty { sections.append(TextSection(utf8Range: bytes, trail: trail)) }
    }

    private static func isWhitespace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D || byte == 0x0B || byte == 0x0C
    }
}
