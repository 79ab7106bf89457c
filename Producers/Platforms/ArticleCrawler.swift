import Foundation
import Logging
import TwinlogEvents
import TwinlogText
import TwinlogHTML

/// Any web page: fetched conditionally, its main content extracted and cleaned. A page with
/// Medium's markup is recorded as a Medium article.
struct ArticleCrawler: Crawler {
    var logger = Logger(label: "twinlog.crawl.article")

    func crawl(_ target: CrawlTarget, context: CrawlContext) async throws(CrawlError) -> Harvest {
        let url = EventIDs.canonicalURL(target.location)
        return try await capture(url: url, documentURL: url, platform: target.platform, kind: .article, target: target, context: context)
    }

    /// Fetches `url` and captures it as one document whose id derives from `documentURL`.
    /// `preferStructuredBody` takes a JSON-LD `articleBody` over the extracted text (LinkedIn posts).
    func capture(url: String, documentURL: String, platform: Platform, kind: DocumentKind, target: CrawlTarget, context: CrawlContext,
                 preferStructuredBody: Bool = false) async throws(CrawlError) -> Harvest {
        var harvest = Harvest(source: url)
        let validators = try await context.stateRead(url) { try await $0.validators(for: url) }
        let page: FetchedPage
        switch try await context.fetcher.fetch(target.location, validators: validators) {
        case .notModified:
            harvest.notModified = 1
            return harvest
        case .fetched(let fetched):
            page = fetched
        }
        harvest.fetched = 1
        try Capture.requireHTML(page)
        let (document, repaired) = try Capture.parse(page)
        if repaired {
            logger.warning("invalid UTF-8 replaced with U+FFFD", metadata: ["url": "\(target.location)"])
        }
        let metadata = PageMetadata(document)
        let extracted = preferStructuredBody ? metadata.articleBody ?? ContentExtractor().mainText(of: document, title: metadata.title)
                                             : ContentExtractor().mainText(of: document, title: metadata.title)
        let content = context.cleaner.clean(extracted)
        guard !content.isEmpty else { throw CrawlError(url: target.location, .badContent("no main text found in the page")) }
        var facts: [String: String] = [:]
        if page.finalURL != page.requestedURL { facts["finalUrl"] = page.finalURL }
        if let site = metadata.siteName { facts["siteName"] = site }
        if repaired { facts["encodingRepaired"] = "true" }
        let author = Capture.authorName(target, found: metadata.author)
        harvest.documents.append(DocumentCaptured(
            documentId: EventIDs.documentId(url: documentURL), authorId: EventIDs.authorId(name: author), authorName: author,
            platform: platform == .article && metadata.isMedium ? .medium : platform, kind: kind, sourceUrl: documentURL,
            title: Capture.title(metadata.title), content: content, capturedAt: context.now, publishedAt: metadata.publishedAt,
            metadata: facts))
        harvest.validators[url] = Validators(etag: page.etag, lastModified: page.lastModified)
        return harvest
    }
}
