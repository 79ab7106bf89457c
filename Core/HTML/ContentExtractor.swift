import Foundation

/// Finds the main content of a page (the article, not its navigation, ads, banners and comments)
/// and renders it as plain text that keeps the structure a reader needs: headings and paragraphs
/// separated by blank lines, list items as `- item` / `1. item`, code blocks verbatim, table rows
/// as cells joined by ` | `.
///
/// The approach: drop elements that are never content (scripts, forms, media, hidden elements);
/// weigh every "good" paragraph (a text block of some length that is not mostly links) by its
/// text; drop navigation, asides, headers, footers and elements whose class or id names
/// boilerplate (cookie banners, share bars, related posts, comments, bylines) and the replies of
/// a forum thread, unless such an element holds most of the page's good text (a site that calls
/// its whole layout `widget` or `grid-for-nav`); then take the deepest element that still holds
/// most of the good text, so a body split across columns stays whole while standfirsts, bios and
/// sidebars fall away; finally drop link-heavy blocks inside it. No Swift library does this; the
/// tree comes from libxml2 via `HTMLDocument`.
public struct ContentExtractor: Sendable {
    /// The share of the page's good paragraph text the chosen container must hold.
    static let containerShare = 0.7

    public init() {}

    /// The main text of `document`, or an empty string when the page holds no readable text.
    /// `title`, when given, is removed from the start of the text (it travels separately).
    public func mainText(of document: HTMLDocument, title: String? = nil) -> String {
        guard let root = ExtractionNode.build(document.root) else { return "" }
        let body = root.firstDescendant(named: "body") ?? root
        body.removeNeverContent()
        body.removeThreadReplies()
        body.weigh()
        body.removeBoilerplate(protecting: body.weight / 2)
        body.weigh()
        let container = Self.chooseContainer(in: body)
        container.removeLinkBlocks()
        var renderer = TextRenderer()
        renderer.render(container, skippingTitle: title.map(Self.comparable))
        return renderer.finish()
    }

    /// Renders a whole fragment (an RSS item's HTML, an exported article) without looking for a
    /// main container: everything but scripts, styles, media and hidden elements is kept, except a
    /// leading heading that repeats `title`.
    public func fragmentText(of document: HTMLDocument, title: String? = nil) -> String {
        guard let root = ExtractionNode.build(document.root) else { return "" }
        root.removeNeverContent()
        var renderer = TextRenderer()
        renderer.render(root.firstDescendant(named: "body") ?? root, skippingTitle: title.map(Self.comparable))
        return renderer.finish()
    }

    /// Lowercased letters and digits only, so a heading matches the title despite punctuation.
    static func comparable(_ text: String) -> String {
        String(text.lowercased().unicodeScalars.filter { $0.properties.isAlphabetic || $0.properties.numericType != nil }.map(Character.init))
    }

    /// The deepest element holding at least `containerShare` of the good paragraph text.
    static func chooseContainer(in body: ExtractionNode) -> ExtractionNode {
        let total = body.weight
        guard total > 0 else { return body }
        var node = body
        while let heaviest = node.children.filter({ !$0.isText }).max(by: { $0.weight < $1.weight }),
              Double(heaviest.weight) >= containerShare * Double(total) {
            node = heaviest
        }
        return node
    }
}

/// A mutable element tree for extraction: parents, cached text lengths and in-place pruning,
/// which the value tree of `HTMLDocument` does not offer.
final class ExtractionNode {
    let name: String
    let attributes: [String: String]
    /// Text of a text node; empty for elements.
    let ownText: String
    var children: [ExtractionNode] = []
    weak var parent: ExtractionNode?

    private init(name: String, attributes: [String: String], ownText: String) {
        self.name = name
        self.attributes = attributes
        self.ownText = ownText
    }

    var isText: Bool { name == "#text" }

    static func build(_ node: HTMLDocument.Node) -> ExtractionNode? {
        switch node {
        case .text(let text):
            return ExtractionNode(name: "#text", attributes: [:], ownText: text)
        case .element(let name, let attributes, let children):
            let element = ExtractionNode(name: name, attributes: attributes, ownText: "")
            for child in children {
                guard let converted = build(child) else { continue }
                converted.parent = element
                element.children.append(converted)
            }
            return element
        }
    }

    // MARK: Text measures

    private var cachedText: String?
    private var cachedLinkLength: Int?

    /// All text below, whitespace collapsed.
    var text: String {
        if let cachedText { return cachedText }
        var raw = ""
        appendRaw(to: &raw)
        let collapsed = HTMLDocument.collapse(raw)
        cachedText = collapsed
        return collapsed
    }

    private func appendRaw(to output: inout String) {
        if isText { output += ownText; return }
        for child in children { child.appendRaw(to: &output) }
        if TextRenderer.blockTags.contains(name) { output += " " }
    }

    var textLength: Int { text.count }

    /// Characters of text inside links.
    var linkTextLength: Int {
        if let cachedLinkLength { return cachedLinkLength }
        let length = name == "a" ? textLength : children.reduce(0) { $0 + ($1.isText ? 0 : $1.linkTextLength) }
        cachedLinkLength = length
        return length
    }

    var linkDensity: Double {
        let total = textLength
        return total == 0 ? 0 : Double(linkTextLength) / Double(total)
    }

    /// Forgets the cached text measures of this node and its ancestors after its children changed.
    func invalidate() {
        var node: ExtractionNode? = self
        while let current = node {
            current.cachedText = nil
            current.cachedLinkLength = nil
            node = current.parent
        }
    }

    /// A paragraph: a text block, or a div/section holding text directly.
    var isParagraphLike: Bool {
        switch name {
        case "p", "pre", "blockquote", "td", "dd", "li", "h2", "h3", "h4": return true
        case "div", "section", "span", "font", "center":
            return children.contains { $0.isText && !$0.ownText.allSatisfy(\.isWhitespace) }
                && !children.contains { !$0.isText && TextRenderer.blockTags.contains($0.name) && $0.textLength > 25 }
        default: return false
        }
    }

    /// An element whose only content is one section heading, maybe in further wrappers
    /// (`<div class="sub_header-block"><h3>…</h3></div>`): part of the body whatever its wrapper
    /// is called, unlike a page header, which holds a logo, links or a byline besides.
    var isHeadingWrapper: Bool {
        guard children.allSatisfy({ !$0.isText || $0.ownText.allSatisfy(\.isWhitespace) }) else { return false }
        let elements = children.filter { !$0.isText }
        guard elements.count == 1, let only = elements.first else { return false }
        return ["h2", "h3", "h4", "h5", "h6"].contains(only.name) || only.isHeadingWrapper
    }

    /// Characters of good paragraph text below this node (see `weigh`).
    var weight = 0

    /// Sets `weight` on this subtree: a paragraph with at least 25 characters of which less than a
    /// third are link text is good and weighs its non-link characters, as does a run of 25 or
    /// more characters of text directly inside any element (`<br>`-separated posts); nothing
    /// inside a link is good (teaser cards wrap whole paragraphs in `<a>`).
    func weigh(insideLink: Bool = false) {
        weight = 0
        let inLink = insideLink || name == "a"
        for child in children {
            if child.isText {
                let length = inLink ? 0 : HTMLDocument.collapse(child.ownText).count
                if length >= 25 { weight += length }
                continue
            }
            if child.isParagraphLike, !inLink {
                let length = child.textLength
                let links = child.linkTextLength
                child.weight = length >= 25 && links * 3 < length ? length - links : 0
                if child.weight == 0 { child.weigh(insideLink: inLink) }
            } else {
                child.weigh(insideLink: inLink)
            }
            weight += child.weight
        }
    }

    // MARK: Navigation

    func visit(_ body: (ExtractionNode) -> Void) {
        body(self)
        for child in children where !child.isText { child.visit(body) }
    }

    func descendants(where predicate: (ExtractionNode) -> Bool) -> [ExtractionNode] {
        var found: [ExtractionNode] = []
        visit { if $0 !== self, predicate($0) { found.append($0) } }
        return found
    }

    func descendants(named name: String) -> [ExtractionNode] { descendants { $0.name == name } }

    func firstDescendant(where predicate: (ExtractionNode) -> Bool) -> ExtractionNode? {
        if predicate(self) { return self }
        for child in children where !child.isText {
            if let found = child.firstDescendant(where: predicate) { return found }
        }
        return nil
    }

    func firstDescendant(named name: String) -> ExtractionNode? { firstDescendant { $0.name == name } }

    // MARK: Pruning

    /// Text of a few symbols and no letter or digit: a heading's permalink (`¶`, `#`, `§`).
    var isSymbolOnly: Bool {
        let text = self.text
        return !text.isEmpty && text.count <= 3
            && !text.unicodeScalars.contains { $0.properties.isAlphabetic || $0.properties.numericType != nil }
    }

    /// Removes scripts, styles, forms, media, hidden elements and links that are only a symbol.
    func removeNeverContent() {
        children.removeAll { !$0.isText && Boilerplate.isNeverContent($0) }
        for child in children where !child.isText { child.removeNeverContent() }
        invalidate()
    }

    /// Removes navigation, asides, headers, footers and elements named as boilerplate, except
    /// ones holding more than `protecting` characters of good text (unless they are comments,
    /// cookie banners and the like, which never are the content), and wire-story sign-offs.
    func removeBoilerplate(protecting: Int) {
        children.removeAll { child in
            guard !child.isText else { return false }
            if Boilerplate.isSignOff(child) { return true }
            guard let kind = Boilerplate.kind(of: child) else { return false }
            return kind == .always || child.weight <= protecting
        }
        for child in children where !child.isText { child.removeBoilerplate(protecting: protecting) }
        invalidate()
    }

    /// Drops lists and small blocks that are mostly links (tag clouds, "related" lists, link
    /// farms); a list whose items hold real prose stays.
    func removeLinkBlocks() {
        for child in children where !child.isText { child.removeLinkBlocks() }
        children.removeAll { child in
            guard !child.isText, ["ul", "ol", "div", "section", "p", "table", "dl", "nav"].contains(child.name) else { return false }
            let length = child.textLength
            guard length > 0 else { return child.name != "p" }
            let density = child.linkDensity
            if child.name == "p" { return density > 0.8 && length < 120 }
            return density > 0.6 || (density > 0.4 && length < 200 && child.descendants(named: "p").isEmpty)
        }
        invalidate()
    }
}

/// Which elements are never, or only boilerplate, content.
enum Boilerplate {
    static let neverContent: Set<String> = [
        "script", "style", "noscript", "template", "svg", "canvas", "iframe", "object", "embed", "form", "button",
        "input", "select", "textarea", "label", "dialog", "link", "meta", "head", "img", "picture", "video", "audio",
        "source", "map", "figcaption", "title",
    ]
    static let structural: Set<String> = ["nav", "aside", "footer", "header", "menu"]
    static let hiddenRoles: Set<String> = [
        "navigation", "banner", "contentinfo", "complementary", "dialog", "alertdialog", "search", "menu", "menubar", "toolbar",
    ]
    /// Class/id words of boilerplate that is dropped unless it holds most of the page's text.
    static let strongWords: Set<String> = [
        "ads", "ad", "sponsor", "promo", "recommended", "sidebar", "breadcrumb", "breadcrumbs", "pagination", "pager", "overlay",
        "toc", "byline", "clap", "claps", "follow", "trending", "popular", "skip", "sr-only", "visually-hidden",
        "screen-reader-text", "widget", "banner", "footer", "navbar", "masthead", "author-bio", "authorbio", "bio", "readnext",
        "read-next", "more-stories", "cta", "tags", "tag-list", "taglist", "post-meta", "entry-meta", "article-meta", "metadata",
        "dateline", "timestamp", "toolbar", "paywall", "references", "reference", "reflist", "infobox", "navbox", "hatnote", "editsection",
        "mw-editsection", "noprint", "catlinks", "sign-off", "signoff",
    ]
    /// Class/id words that mark boilerplate unless the element also calls itself content.
    static let weakWords: Set<String> = ["header", "nav", "menu", "navigation", "author", "date", "tag", "hidden", "print", "meta"]
    static let contentWords: Set<String> = [
        "content", "article", "main", "body", "entry", "story", "text", "markdown", "prose", "post-body", "post-content",
    ]

    static func isNeverContent(_ node: ExtractionNode) -> Bool {
        if neverContent.contains(node.name) { return true }
        if node.name == "a", node.isSymbolOnly { return true }
        if node.attributes["hidden"] != nil || node.attributes["aria-hidden"] == "true" { return true }
        if let style = node.attributes["style"]?.lowercased().filter({ !$0.isWhitespace }),
           style.contains("display:none") || style.contains("visibility:hidden") { return true }
        return false
    }

    /// How an element is boilerplate, if it is.
    enum Kind { case always, unlessMostOfThePage }

    /// Class/id words of elements that are never the content, however much text they hold.
    static let alwaysWords: Set<String> = [
        "cookie", "cookies", "consent", "gdpr", "comment", "comments", "disqus", "share", "sharing", "social", "related",
        "newsletter", "subscribe", "subscription", "signup", "popup", "modal", "outbrain", "taboola", "adsbygoogle",
        "advert", "advertisement", "sponsored", "recommendations", "reactions", "reply", "replies",
    ]
    /// Inline elements are judged by their block, not their own class (`<a class="reference">`).
    static let inline: Set<String> = ["a", "span", "code", "em", "strong", "b", "i", "abbr", "time", "small", "mark", "kbd", "samp", "var"]

    static func kind(of node: ExtractionNode) -> Kind? {
        if structural.contains(node.name) { return .unlessMostOfThePage }
        if let role = node.attributes["role"]?.lowercased(), hiddenRoles.contains(role) { return .unlessMostOfThePage }
        if isMarkedComment(node) { return .always }
        if ["body", "html", "main", "article", "pre", "code"].contains(node.name) || inline.contains(node.name) { return nil }
        let words = classWords(node)
        guard !words.isEmpty else { return nil }
        if words.contains(where: isAlwaysWord) { return .always }
        if words.contains(where: strongWords.contains) { return .unlessMostOfThePage }
        if words.contains(where: weakWords.contains), !words.contains(where: contentWords.contains), !node.isHeadingWrapper {
            return .unlessMostOfThePage
        }
        return nil
    }

    /// `comment` also as the start of a word (`commentlist`, `commentarea`), but not `commentary`,
    /// which news sites use for opinion articles.
    static func isAlwaysWord(_ word: String) -> Bool {
        alwaysWords.contains(word) || (word.hasPrefix("comment") && !word.hasPrefix("commentary"))
    }

    /// A comment by its microdata (`itemprop="comment"`, a schema.org `Comment` or `UserComments`),
    /// which holds on any element, `<article>` included.
    static func isMarkedComment(_ node: ExtractionNode) -> Bool {
        if let property = node.attributes["itemprop"]?.lowercased(),
           property.split(whereSeparator: \.isWhitespace).contains(where: { $0 == "comment" || $0 == "comments" }) {
            return true
        }
        guard let type = node.attributes["itemtype"]?.split(separator: "/").last?.lowercased() else { return false }
        return type == "comment" || type == "usercomments"
    }

    /// Openings of the parts of the credit line a wire story ends with ("Reporting by …; Editing
    /// by …"), in lower case.
    static let signOffOpenings = ["reporting by ", "additional reporting by ", "writing by ", "editing by ", "compiled by "]

    /// A block that is a wire story's credit line: parts separated by `;`, maybe in parentheses,
    /// each a credit opening followed by a few names — at most 80 characters, so a sentence of the
    /// story that happens to start with "Reporting by" stays.
    static func isSignOff(_ node: ExtractionNode) -> Bool {
        guard node.isParagraphLike || node.name == "p" else { return false }
        let text = node.text.trimmingCharacters(in: CharacterSet(charactersIn: "() ."))
        guard !text.isEmpty, text.count < 250 else { return false }
        return text.split(separator: ";").allSatisfy { part in
            let part = part.trimmingCharacters(in: .whitespaces).lowercased()
            return part.count <= 80 && signOffOpenings.contains { part.hasPrefix($0) }
        }
    }

    /// The words of an element's class, id and data-component, and of a custom element's name
    /// (`<x-comment>`): whole names, their parts split at `-` and `_` (`post-meta` gives
    /// `post-meta`, `post` and `meta`) and their BEM blocks split at `_` only (`sign-off__text`
    /// gives `sign-off`). CSS-module hashes such as `css-1x2y` add nothing useful and are ignored
    /// by matching only known words.
    static func classWords(_ node: ExtractionNode) -> [String] {
        var names = [node.attributes["class"], node.attributes["id"], node.attributes["data-component"]]
            .compactMap { $0 }.joined(separator: " ").lowercased()
            .split(whereSeparator: \.isWhitespace)
        if node.name.contains("-") { names.append(Substring(node.name)) }
        var words: [String] = []
        for name in names {
            words.append(String(name))
            words += name.split(whereSeparator: { $0 == "-" || $0 == "_" }).map(String.init)
            if name.contains("_") { words += name.split(separator: "_").map(String.init) }
        }
        return words
    }
}
