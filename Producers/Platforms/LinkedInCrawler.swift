import Foundation
import SwiftCSV
import TwinlogEvents
import TwinlogText
import TwinlogHTML

/// LinkedIn: live LinkedIn needs a login, so the robust source is the member's data export
/// ("Get a copy of your data": `Shares.csv` with one row per post, and an `Articles` folder of
/// HTML files); public post pages (`/posts/…`, `/feed/update/…`, `/pulse/…`) are fetched too,
/// preferring the post text the page publishes as JSON-LD. A post or article missing from a newer
/// export of the same folder is reported removed.
struct LinkedInCrawler: Crawler {
    func crawl(_ target: CrawlTarget, context: CrawlContext) async throws(CrawlError) -> Harvest {
        if let folder = Dispatcher.localPath(target.location) { return try await crawlExport(folder, target: target, context: context) }
        guard let components = URLComponents(string: target.location) else {
            throw CrawlError(url: target.location, .unsupportedURL("not a LinkedIn URL or export folder"))
        }
        let path = components.path
        if path.hasPrefix("/in/") || path.hasPrefix("/company/") {
            throw CrawlError(url: target.location, .invalidSource(
                "LinkedIn profiles are readable only when logged in; download your data export (Settings → Data privacy → Get a copy of your data) and crawl its folder"))
        }
        let url = EventIDs.canonicalURL(target.location)
        let kind: DocumentKind = path.hasPrefix("/pulse/") ? .article : .post
        var harvest = try await ArticleCrawler().capture(url: url, documentURL: url, platform: .linkedin, kind: kind, target: target,
                                                         context: context, preferStructuredBody: kind == .post)
        if let document = harvest.documents.first, let final = document.metadata["finalUrl"], final.contains("/authwall") || final.contains("/login") {
            throw CrawlError(url: target.location, .badContent("LinkedIn redirected to a login wall (\(final)); use the data export instead"))
        }
        harvest.documents = harvest.documents.map { var document = $0; document.platform = .linkedin; return document }
        return harvest
    }

    /// Reads `Shares.csv` and every HTML file under `Articles/`.
    func crawlExport(_ folder: String, target: CrawlTarget, context: CrawlContext) async throws(CrawlError) -> Harvest {
        let source = "file://" + folder
        var harvest = Harvest(source: source)
        let manager = FileManager.default
        let sharesPath = folder + "/Shares.csv"
        let articlesPath = folder + "/Articles"
        guard manager.fileExists(atPath: sharesPath) || manager.fileExists(atPath: articlesPath) else {
            throw CrawlError(url: target.location, .invalidSource("not a LinkedIn export folder (no Shares.csv and no Articles folder)"))
        }
        let author = Capture.authorName(target, found: nil)
        let authorId = EventIDs.authorId(name: author)
        if manager.fileExists(atPath: sharesPath) {
            harvest.fetched += 1
            try readShares(sharesPath, author: author, authorId: authorId, context: context, into: &harvest)
        }
        let files = (manager.enumerator(atPath: articlesPath)?.allObjects as? [String] ?? []).filter { $0.lowercased().hasSuffix(".html") }.sorted()
        for file in files {
            harvest.fetched += 1
            let path = articlesPath + "/" + file
            do {
                harvest.documents.append(try readArticle(path, relative: "Articles/" + file, author: author, authorId: authorId, context: context))
            } catch {
                harvest.failures.append(error)
            }
        }
        let known = try await context.stateRead(source) { try await $0.documents(from: source) }
        let present = Set(harvest.documents.map(\.documentId))
        harvest.removals = known.keys.filter { !present.contains($0) }.sorted().map { ($0, "no longer in the LinkedIn export") }
        return harvest
    }

    private func readShares(_ path: String, author: String, authorId: String, context: CrawlContext, into harvest: inout Harvest) throws(CrawlError) {
        guard let data = FileManager.default.contents(atPath: path) else { throw CrawlError(url: path, .invalidSource("cannot read Shares.csv")) }
        let csv: CSV<Named>
        do { csv = try CSV<Named>(string: Charset.text(Array(data)), loadColumns: false) } catch {
            throw CrawlError(url: path, .badContent("Shares.csv is not valid CSV: \(error)"))
        }
        guard csv.header.contains("ShareCommentary") else {
            throw CrawlError(url: path, .badContent("Shares.csv has no ShareCommentary column (columns: \(csv.header.joined(separator: ", ")))"))
        }
        for (index, row) in csv.rows.enumerated() {
            let text = context.cleaner.clean(row["ShareCommentary"] ?? "")
            guard !text.isEmpty else { continue }
            let link = row["ShareLink"].flatMap { $0.isEmpty ? nil : $0 }
            let documentURL = link.map(EventIDs.canonicalURL) ?? "linkedin-export://\(authorId)/shares/\(row["Date"] ?? String(index))"
            var facts: [String: String] = [:]
            if let shared = row["SharedUrl"], !shared.isEmpty { facts["sharedUrl"] = shared }
            harvest.documents.append(DocumentCaptured(
                documentId: EventIDs.documentId(url: documentURL), authorId: authorId, authorName: author, platform: .linkedin, kind: .post,
                sourceUrl: documentURL, title: Capture.title(Self.firstLine(text, limit: 80)), content: text, capturedAt: context.now,
                publishedAt: row["Date"].flatMap(PageMetadata.parseDate), metadata: facts))
        }
    }

    /// One exported article: `<h1>` (linking to the published article) is the title, the
    /// "Created on / Published on" lines are dates, the rest is the text.
    private func readArticle(_ path: String, relative: String, author: String, authorId: String, context: CrawlContext) throws(CrawlError) -> DocumentCaptured {
        guard let data = FileManager.default.contents(atPath: path) else { throw CrawlError(url: path, .invalidSource("cannot read the file")) }
        let decoded = Charset.decode(Array(data), contentType: nil)
        let document: HTMLDocument
        do { document = try HTMLDocument(bytes: decoded.bytes, encoding: decoded.encoding) } catch {
            throw CrawlError(url: path, .badContent("cannot parse the exported article: \(error)"))
        }
        let heading = document.first(named: "h1")
        let title = heading.map { HTMLDocument.collapse(HTMLDocument.text(of: $0)) } ?? document.title ?? ""
        let link = heading.flatMap { Self.firstLink(in: $0) }
        var published: Date?
        var lines: [String] = []
        for line in ContentExtractor().fragmentText(of: document, title: title).split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("Published on ") || line.hasPrefix("Created on ") {
                if line.hasPrefix("Published on ") { published = PageMetadata.parseDate(String(line.dropFirst("Published on ".count))) }
                continue
            }
            lines.append(String(line))
        }
        let text = context.cleaner.clean(lines.joined(separator: "\n"))
        guard !text.isEmpty else { throw CrawlError(url: path, .badContent("the exported article has no text")) }
        let documentURL = link.map(EventIDs.canonicalURL) ?? "linkedin-export://\(authorId)/\(relative)"
        return DocumentCaptured(documentId: EventIDs.documentId(url: documentURL), authorId: authorId, authorName: author, platform: .linkedin,
                                kind: .article, sourceUrl: documentURL, title: Capture.title(title), content: text, capturedAt: context.now,
                                publishedAt: published, metadata: ["exportFile": relative])
    }

    private static func firstLink(in node: HTMLDocument.Node) -> String? {
        if node.elementName == "a", let href = node.attributes["href"], href.hasPrefix("http") { return href }
        return node.children.lazy.compactMap(firstLink).first
    }

    static func firstLine(_ text: String, limit: Int) -> String {
        let line = text.split(separator: "\n").first.map(String.init) ?? text
        guard line.count > limit else { return line }
        let cut = line.prefix(limit)
        return String(cut[..<(cut.lastIndex(of: " ") ?? cut.endIndex)]) + "..."
    }
}
