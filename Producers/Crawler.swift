import Foundation
import Logging
import TwinlogEvents
import TwinlogHTML
import TwinlogText

/// Everything a crawl may be tuned with.
public struct CrawlOptions: Sendable {
    public var fetch = FetchOptions()
    public var repository = RepositoryOptions()
    /// What `TextCleaner` masks in captured text.
    public var masking: TextCleaner.Masking = .all
    /// Sources crawled at the same time (each host is still limited by `fetch.perHostConcurrency`).
    public var concurrency = 8

    public init() {}
}

/// What one crawler found in one source, before comparing with crawl state.
struct Harvest: Sendable {
    /// The crawl-state key of the source (page URL, feed URL, repository, export folder).
    var source: String
    var documents: [DocumentCaptured] = []
    /// Documents known from this source that are gone, with why.
    var removals: [(documentId: String, reason: String)] = []
    var validators: [String: Validators] = [:]
    var repositoryCommit: (repository: String, commit: String)?
    /// Pages answered 304 and files untouched since the last crawled commit.
    var notModified = 0
    /// Pages fetched or files read.
    var fetched = 0
    /// Items of this source that failed while the rest succeeded (one bad feed entry, one file).
    var failures: [CrawlError] = []

    init(source: String) {
        self.source = source
    }
}

/// What a crawler gets to work with.
struct CrawlContext: Sendable {
    var fetcher: HTTPFetcher
    var state: CrawlStateStore
    var options: CrawlOptions
    var cleaner: TextCleaner
    var now: Date
    /// Where a crawler reports items it skips for a reason worth knowing (a malformed notebook).
    var logger: Logger

    /// Reads crawl state, turning a database failure into a `CrawlError` of the source.
    func stateRead<T: Sendable>(_ url: String, _ body: (CrawlStateStore) async throws -> T) async throws(CrawlError) -> T {
        do { return try await body(state) } catch { throw CrawlError(url: url, .emit("reading crawl state: \(error)")) }
    }
}

/// A crawler for one platform.
protocol Crawler: Sendable {
    func crawl(_ target: CrawlTarget, context: CrawlContext) async throws(CrawlError) -> Harvest
}

/// Helpers every crawler shares.
enum Capture {
    /// Titles longer than this are cut (at a word boundary) with an ellipsis.
    static let maxTitle = 300

    static func title(_ text: String?) -> String {
        let collapsed = HTMLDocument.collapse(text ?? "")
        guard collapsed.count > maxTitle else { return collapsed }
        let cut = collapsed.prefix(maxTitle)
        return String(cut[..<(cut.lastIndex(of: " ") ?? cut.endIndex)]) + "..."
    }

    /// The author's display name: the target's, else what the source says, else "unknown".
    static func authorName(_ target: CrawlTarget, found: String?) -> String {
        if let name = target.authorName?.trimmingCharacters(in: .whitespaces), !name.isEmpty { return name }
        if let found = found.map(HTMLDocument.collapse), !found.isEmpty { return found }
        return "unknown"
    }

    /// Parses an HTML response body (charset detected, invalid UTF-8 repaired).
    static func parse(_ page: FetchedPage) throws(CrawlError) -> (HTMLDocument, repaired: Bool) {
        let decoded = Charset.decode(page.body, contentType: page.contentType)
        do {
            return (try HTMLDocument(bytes: decoded.bytes, encoding: decoded.encoding), decoded.repaired)
        } catch {
            throw CrawlError(url: page.requestedURL, .badContent("cannot parse the HTML (charset \(decoded.encoding)): \(error)"))
        }
    }

    /// Refuses bodies that are not HTML (images, PDFs, JSON) with a clear error.
    static func requireHTML(_ page: FetchedPage) throws(CrawlError) {
        guard let type = page.contentType?.split(separator: ";").first?.trimmingCharacters(in: .whitespaces).lowercased() else { return }
        guard type == "text/html" || type == "application/xhtml+xml" || type == "text/plain" else {
            throw CrawlError(url: page.requestedURL, .badContent("the response is \(type), not an HTML page"))
        }
    }
}
