import Foundation

/// What a page says about itself: title, author, publication date, site, from (in order of trust)
/// JSON-LD, Open Graph / article meta tags, standard meta tags, then the markup (`<h1>`, `<time>`,
/// `rel=author`).
public struct PageMetadata: Sendable, Equatable {
    public var title: String?
    public var author: String?
    public var publishedAt: Date?
    public var siteName: String?
    public var description: String?
    /// `<link rel=canonical>` as written by the page (not trusted for ids: a page may name anything).
    public var canonicalURL: String?
    /// The text of a JSON-LD `articleBody`, when the page publishes one (LinkedIn, many news sites).
    public var articleBody: String?
    /// Whether the page carries Medium's markup (its app ids, generator or site name).
    public var isMedium: Bool

    /// Reads the metadata of `document`.
    public init(_ document: HTMLDocument) {
        var meta: [String: String] = [:]
        var jsonLD: [[String: Any]] = []
        var canonical: String?
        var authorLink: String?
        var timeElement: String?
        var firstHeading: String?
        func visit(_ node: HTMLDocument.Node) {
            guard case .element(let name, let attributes, let children) = node else { return }
            switch name {
            case "meta":
                if let key = (attributes["property"] ?? attributes["name"] ?? attributes["itemprop"])?.lowercased(),
                   let content = attributes["content"], meta[key] == nil {
                    meta[key] = HTMLDocument.collapse(content)
                }
            case "script" where attributes["type"]?.lowercased() == "application/ld+json":
                jsonLD += Self.jsonObjects(HTMLDocument.text(of: node))
            case "link" where attributes["rel"]?.lowercased() == "canonical":
                canonical = canonical ?? attributes["href"]
            case "a" where attributes["rel"]?.lowercased() == "author":
                authorLink = authorLink ?? HTMLDocument.collapse(HTMLDocument.text(of: node))
            case "time":
                timeElement = timeElement ?? attributes["datetime"] ?? HTMLDocument.collapse(HTMLDocument.text(of: node))
            case "h1":
                firstHeading = firstHeading ?? HTMLDocument.collapse(HTMLDocument.text(of: node))
            default: break
            }
            children.forEach(visit)
        }
        visit(document.root)
        let article = jsonLD.first { Self.isArticle($0["@type"]) } ?? jsonLD.first
        let nonEmpty: (String?) -> String? = { $0.flatMap { $0.isEmpty ? nil : $0 } }

        title = nonEmpty(Self.string(article?["headline"])) ?? nonEmpty(meta["og:title"]) ?? nonEmpty(meta["twitter:title"])
            ?? nonEmpty(firstHeading) ?? nonEmpty(document.title)
        author = nonEmpty(Self.authorName(article?["author"])) ?? nonEmpty(meta["author"]) ?? nonEmpty(meta["article:author"].flatMap { $0.hasPrefix("http") ? nil : $0 })
            ?? nonEmpty(meta["twitter:creator"]) ?? nonEmpty(authorLink)
        publishedAt = [Self.string(article?["datePublished"]), meta["article:published_time"], meta["datepublished"],
                       meta["date"], meta["dc.date"], meta["pubdate"], timeElement]
            .lazy.compactMap { $0.flatMap(Self.parseDate) }.first
        siteName = nonEmpty(meta["og:site_name"]) ?? nonEmpty(meta["application-name"])
        description = nonEmpty(meta["og:description"]) ?? nonEmpty(meta["description"])
        canonicalURL = canonical
        // The body keeps its line breaks (paragraphs of a post); only the ends are trimmed.
        articleBody = nonEmpty((article?["articleBody"] as? String)?.trimmingWhitespace())
        isMedium = meta["al:android:package"] == "com.medium.reader" || meta["generator"]?.lowercased() == "medium"
            || siteName?.lowercased() == "medium" || meta["twitter:app:id:iphone"] == "828256236"
    }

    private static func jsonObjects(_ text: String) -> [[String: Any]] {
        guard let data = text.data(using: .utf8), let value = try? JSONSerialization.jsonObject(with: data) else { return [] }
        var objects: [[String: Any]] = []
        func collect(_ value: Any) {
            if let array = value as? [Any] { array.forEach(collect) }
            else if let object = value as? [String: Any] {
                objects.append(object)
                if let graph = object["@graph"] { collect(graph) }
            }
        }
        collect(value)
        return objects
    }

    private static func isArticle(_ type: Any?) -> Bool {
        let types = (type as? [Any])?.compactMap { $0 as? String } ?? [(type as? String) ?? ""]
        return types.contains { ["Article", "NewsArticle", "BlogPosting", "TechArticle", "SocialMediaPosting", "Report", "ScholarlyArticle"].contains($0) }
    }

    private static func string(_ value: Any?) -> String? {
        (value as? String).map(HTMLDocument.collapse)
    }

    private static func authorName(_ value: Any?) -> String? {
        if let name = value as? String { return HTMLDocument.collapse(name) }
        if let object = value as? [String: Any] { return string(object["name"]) }
        if let array = value as? [Any] {
            let names = array.compactMap(authorName)
            return names.isEmpty ? nil : names.joined(separator: ", ")
        }
        return nil
    }

    /// Parses the date forms pages use: RFC 3339 / ISO 8601 (with or without time, fraction or
    /// zone) and RFC 822 (`Tue, 05 Nov 2024 10:00:00 GMT`, as in RSS).
    public static func parseDate(_ text: String) -> Date? {
        let text = text.trimmingWhitespace()
        guard !text.isEmpty else { return nil }
        let dateOnly: [ISO8601DateFormatter.Options] = text.count == 10 ? [[.withFullDate]] : []
        for options: ISO8601DateFormatter.Options in [[.withInternetDateTime, .withFractionalSeconds], [.withInternetDateTime]] + dateOnly {
            let formatter = ISO8601DateFormatter()
            formatter.formatOptions = options
            if let date = formatter.date(from: text) { return date }
        }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        for format in ["EEE, dd MMM yyyy HH:mm:ss zzz", "EEE, dd MMM yyyy HH:mm:ss Z", "dd MMM yyyy HH:mm:ss zzz",
                       "yyyy-MM-dd'T'HH:mm:ss", "yyyy-MM-dd HH:mm:ss", "yyyy-MM-dd HH:mm", "yyyy-MM-dd", "MMMM d, yyyy", "MMM d, yyyy"] {
            formatter.dateFormat = format
            if let date = formatter.date(from: text) { return date }
        }
        return nil
    }
}
