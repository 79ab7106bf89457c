/// Turns an extraction subtree into plain text with the structure a reader needs: blocks separated
/// by blank lines, list items and table rows on their own lines, `<pre>` verbatim.
struct TextRenderer {
    /// Elements that start and end a block of text.
    static let blockTags: Set<String> = [
        "p", "div", "section", "article", "main", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "li", "pre", "blockquote",
        "table", "tr", "thead", "tbody", "tfoot", "dl", "dt", "dd", "hr", "figure", "address", "details", "summary", "header",
        "footer", "nav", "aside", "body", "html", "center", "fieldset", "caption",
    ]
    static let headings: Set<String> = ["h1", "h2", "h3", "h4", "h5", "h6"]
    /// Characters of output a heading repeating the title may follow and discard.
    static let preTitleLimit = 40

    private var output = ""
    private var line = ""
    /// Newlines owed before the next text: 1 for a new line, 2 for a new block.
    private var pendingBreak = 0
    /// A list marker waiting for the item's first text.
    private var pendingPrefix = ""
    /// Counters of the open lists; nil for an unordered list.
    private var lists: [Int?] = []

    mutating func render(_ node: ExtractionNode, skippingTitle title: String?) {
        var title = title
        walk(node, title: &title)
    }

    /// The output up to the end of the last block that is not a heading: headings left at the
    /// end introduce something that was removed ("More on this story", "Related topics").
    private var contentEnd = 0

    mutating func finish() -> String {
        flushLine()
        return String(output.prefix(contentEnd))
    }

    private mutating func walk(_ node: ExtractionNode, title: inout String?) {
        if node.isText {
            line += node.ownText
            return
        }
        switch node.name {
        case "br":
            flushLine()
            // One <br> starts a line; two in a row leave a blank line, as they render.
            pendingBreak = output.isEmpty ? 0 : min(pendingBreak + 1, 2)
        case "hr":
            flushLine()
            requestBreak(2)
        case "pre":
            flushLine()
            requestBreak(2)
            var raw = ""
            appendRaw(node, to: &raw)
            let lines = raw.split(separator: "\n", omittingEmptySubsequences: false).map { $0.replacingTrailingWhitespace() }
            let kept = lines.drop { $0.isEmpty }.reversed().drop { $0.isEmpty }.reversed()
            if !kept.isEmpty { append(kept.joined(separator: "\n")) }
            requestBreak(2)
        case _ where Self.headings.contains(node.name):
            flushLine()
            requestBreak(2)
            let text = node.text
            if let wanted = title, output.count <= Self.preTitleLimit, ContentExtractor.comparable(text) == wanted {
                // What little came before the title is page chrome (an "Edit" button, a kicker).
                output = ""
                contentEnd = 0
                pendingBreak = 0
                title = nil
            } else if !text.isEmpty {
                append(text, isHeading: true)
            }
            requestBreak(2)
        case "ul", "ol":
            flushLine()
            requestBreak(lists.isEmpty ? 2 : 1)
            lists.append(node.name == "ol" ? Int(node.attributes["start"] ?? "") ?? 1 : nil)
            for child in node.children { walk(child, title: &title) }
            lists.removeLast()
            flushLine()
            requestBreak(lists.isEmpty ? 2 : 1)
        case "li":
            flushLine()
            requestBreak(1)
            if let counter = lists.last, let number = counter {
                pendingPrefix = "\(number). "
                lists[lists.count - 1] = number + 1
            } else {
                pendingPrefix = "- "
            }
            for child in node.children { walk(child, title: &title) }
            flushLine()
            pendingPrefix = ""
            requestBreak(1)
        case "tr":
            flushLine()
            requestBreak(1)
            let cells = node.children.filter { $0.name == "td" || $0.name == "th" }
            if cells.contains(where: Self.holdsBlocks) {
                // A layout table (Hacker News, 1990s sites): its cells are regions of the page, not data.
                for cell in cells {
                    flushLine()
                    requestBreak(2)
                    for child in cell.children { walk(child, title: &title) }
                    flushLine()
                    requestBreak(2)
                }
            } else {
                let texts = cells.map(\.text).filter { !$0.isEmpty }
                if !texts.isEmpty { append(texts.joined(separator: " | ")) }
                requestBreak(1)
            }
        case _ where Self.blockTags.contains(node.name):
            flushLine()
            requestBreak(2)
            for child in node.children { walk(child, title: &title) }
            flushLine()
            requestBreak(2)
        default:
            for child in node.children { walk(child, title: &title) }
        }
    }

    /// Elements a data table's cell does not hold, but a layout table's cell does.
    static let layoutBlocks = headings.union(["pre", "ul", "ol", "blockquote", "table"])

    /// A cell holding page regions: one of `layoutBlocks`, or more than one paragraph (a
    /// documentation table wraps each cell's text in a single `<p>`).
    private static func holdsBlocks(_ cell: ExtractionNode) -> Bool {
        cell.firstDescendant { $0 !== cell && layoutBlocks.contains($0.name) } != nil || cell.descendants(named: "p").count > 1
    }

    private func appendRaw(_ node: ExtractionNode, to raw: inout String) {
        if node.isText { raw += node.ownText; return }
        if node.name == "br" { raw += "\n"; return }
        for child in node.children { appendRaw(child, to: &raw) }
    }

    private mutating func requestBreak(_ newlines: Int) {
        pendingBreak = max(pendingBreak, newlines)
    }

    private mutating func flushLine() {
        let collapsed = HTMLDocument.collapse(line)
        line = ""
        guard !collapsed.isEmpty else { return }
        append(pendingPrefix + collapsed)
        pendingPrefix = ""
    }

    private mutating func append(_ text: String, isHeading: Bool = false) {
        if !output.isEmpty { output += String(repeating: "\n", count: max(pendingBreak, 1)) }
        pendingBreak = 0
        output += text
        if !isHeading { contentEnd = output.count }
    }
}

extension Substring {
    func replacingTrailingWhitespace() -> String {
        var text = String(self)
        while let last = text.last, last.isWhitespace { text.removeLast() }
        return text
    }
}
