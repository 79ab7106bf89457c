import Foundation
import TwinlogEvents
import TwinlogText
import TwinlogHTML

/// Medium: a profile or publication is read through its RSS feed (`/feed/@user`, full text in
/// `content:encoded`), because live Medium pages answer crawlers with a bot challenge; a single
/// article URL is fetched as a page. Both name a post by Medium's post id
/// (`https://medium.com/p/<id>`), so the feed and the page of one post are one document.
struct MediumCrawler: Crawler {
    func crawl(_ target: CrawlTarget, context: CrawlContext) async throws(CrawlError) -> Harvest {
        guard let components = URLComponents(string: target.location), let scheme = components.scheme, let host = components.host else {
            throw CrawlError(url: target.location, .unsupportedURL("not a Medium URL"))
        }
        let origin = "\(scheme)://\(host)" + (components.port.map { ":\($0)" } ?? "")
        let segments = components.path.split(separator: "/").map(String.init)
        let feedURL: String? = switch segments.count {
        case 0: origin + "/feed"                                             // user.medium.com
        case 1 where segments[0].hasPrefix("@"): origin + "/feed/" + segments[0] // medium.com/@user
        case _ where segments.first == "feed": target.location                 // already a feed
        case 1 where !Self.looksLikePost(segments[0]): origin + "/feed/" + segments[0] // a publication
        default: nil
        }
        if let feedURL { return try await crawlFeed(feedURL, target: target, context: context) }
        let documentURL = Self.postURL(fromPath: components.path) ?? EventIDs.canonicalURL(target.location)
        var harvest = try await ArticleCrawler().capture(url: EventIDs.canonicalURL(target.location), documentURL: documentURL,
                                                         platform: .medium, kind: .article, target: target, context: context)
        harvest.documents = harvest.documents.map { var document = $0; document.platform = .medium; return document }
        return harvest
    }

    /// The feed's items as documents; an item that cannot be read is a failure of its own.
    func crawlFeed(_ feedURL: String, target: CrawlTarget, context: CrawlContext) async throws(CrawlError) -> Harvest {
        var harvest = Harvest(source: feedURL)
        let validators = try await context.stateRead(feedURL) { try await $0.validators(for: feedURL) }
        let page: FetchedPage
        switch try await context.fetcher.fetch(feedURL, validators: validators, accept: "application/rss+xml, application/atom+xml, application/xml;q=0.9, */*;q=0.5") {
        case .notModified:
            harvest.notModified = 1
            return harvest
        case .fetched(let fetched): page = fetched
        }
        harvest.fetched = 1
        let feed: [FeedItem]
        do { feed = try FeedItem.parse(page.body) } catch {
            throw CrawlError(url: feedURL, .badContent("not an RSS or Atom feed: \(error)"))
        }
        for item in feed {
            let itemURL = item.link ?? item.guid ?? feedURL
            let text: String
            do { text = context.cleaner.clean(ContentExtractor().fragmentText(of: try HTMLDocument(bytes: Array(item.html.utf8), encoding: "utf-8"), title: item.title)) } catch {
                harvest.failures.append(CrawlError(url: itemURL, .badContent("the item's HTML does not parse: \(error)")))
                continue
            }
            guard !text.isEmpty else {
                harvest.failures.append(CrawlError(url: itemURL, .badContent("the feed item has no text")))
                continue
            }
            let documentURL = item.guid.flatMap { $0.contains("://") ? $0 : nil } ?? Self.postURL(fromPath: URLComponents(string: itemURL)?.path ?? "")
                ?? EventIDs.canonicalURL(itemURL)
            let author = Capture.authorName(target, found: item.creator)
            var facts = ["feed": feedURL]
            if !item.categories.isEmpty { facts["tags"] = item.categories.joined(separator: ",") }
            harvest.documents.append(DocumentCaptured(
                documentId: EventIDs.documentId(url: documentURL), authorId: EventIDs.authorId(name: author), authorName: author,
                platform: .medium, kind: .article, sourceUrl: Self.withoutQuery(itemURL), title: Capture.title(item.title), content: text,
                capturedAt: context.now, publishedAt: item.published.flatMap(PageMetadata.parseDate), metadata: facts))
        }
        harvest.validators[feedURL] = Validators(etag: page.etag, lastModified: page.lastModified)
        return harvest
    }

    /// `…/some-title-1a2b3c4d5e6f` → `https://medium.com/p/1a2b3c4d5e6f`.
    static func postURL(fromPath path: String) -> String? {
        guard let last = path.split(separator: "/").last, let dash = last.lastIndex(of: "-") else { return nil }
        let id = last[last.index(after: dash)...]
        guard (8...16).contains(id.count), id.allSatisfy(\.isHexDigit) else { return nil }
        return "https://medium.com/p/" + id.lowercased()
    }

    private static func looksLikePost(_ segment: String) -> Bool { postURL(fromPath: segment) != nil }

    private static func withoutQuery(_ url: String) -> String {
        guard var components = URLComponents(string: url) else { return url }
        components.query = nil
        components.fragment = nil
        return components.string ?? url
    }
}

/// One entry of an RSS 2.0 or Atom feed.
struct FeedItem: Sendable, Equatable {
    var title: String
    var link: String?
    var guid: String?
    var published: String?
    var creator: String?
    var categories: [String]
    /// The entry's HTML: RSS `content:encoded`, else `description`; Atom `content`, else `summary`.
    var html: String

    static func parse(_ bytes: [UInt8]) throws -> [FeedItem] {
        let root = try XMLTree(bytes: bytes).root
        switch root.elementName {
        case "rss":
            return root.elements(named: "channel").flatMap { $0.elements(named: "item") }.map { item in
                FeedItem(title: item.childText("title") ?? "", link: item.childText("link"), guid: item.childText("guid"),
                         published: item.childText("pubdate") ?? item.childText("dc:date"), creator: item.childText("dc:creator"),
                         categories: item.elements(named: "category").map { HTMLDocument.collapse(HTMLDocument.text(of: $0)) },
                         html: item.childText("content:encoded") ?? item.childText("description") ?? "")
            }
        case "feed":
            return root.elements(named: "entry").map { entry in
                let link = entry.elements(named: "link").first { ($0.attributes["rel"] ?? "alternate") == "alternate" }?.attributes["href"]
                return FeedItem(title: entry.childText("title") ?? "", link: link, guid: entry.childText("id"),
                                published: entry.childText("published") ?? entry.childText("updated"),
                                creator: entry.elements(named: "author").first?.childText("name"),
                                categories: entry.elements(named: "category").compactMap { $0.attributes["term"] },
                                html: entry.childText("content") ?? entry.childText("summary") ?? "")
            }
        default:
            throw FeedError(description: "the document element is <\(root.elementName ?? "?")>, expected <rss> or <feed>")
        }
    }
}

/// Why a body is not a feed.
struct FeedError: Error, CustomStringConvertible {
    let description: String
}
