import Foundation
import HTTPTypes
import Synchronization
import Testing
import TwinlogEvents
import TwinlogKafka
@testable import Crawlers
import TwinlogText

/// Crawls a real loopback HTTP server (Medium-like feed and article, LinkedIn-like post page and
/// data export, blog pages, and every bad case) into the real broker, with crawl state in the
/// real PostgreSQL, and checks the exact events.
@Suite("Web crawl", .serialized)
struct WebCrawlTests {
    static func routes() throws -> [String: FixtureServer.Route] {
        let blog = try Fixtures.bytes("blog-article.html")
        let feed = try Fixtures.bytes("medium-feed.xml")
        let medium = try Fixtures.bytes("medium-article.html")
        let linkedIn = try Fixtures.bytes("linkedin-post.html")
        let invalid: [UInt8] = Array("<html><body><article><p>Caf\u{E9} ol".utf8) + [0xE9, 0x20, 0xFF, 0xFE]
            + Array(" end of story, with enough words to count as the content of this page.</p></article></body></html>".utf8)
        return [
            "/robots.txt": { _, _ in .bytes(Array("User-agent: *\nDisallow: /private/\n\nUser-agent: OtherBot\nDisallow: /\n".utf8), type: "text/plain") },
            "/blog/why-event-logs.html": { _, _ in .bytes(blog, type: "text/html; charset=utf-8") },
            "/feed/@janedoe": { _, request in
                request.ifNoneMatch == "\"feed-v1\"" ? .init(status: .notModified, headers: ["ETag": "\"feed-v1\""])
                    : .init(headers: ["Content-Type": "application/rss+xml; charset=utf-8", "ETag": "\"feed-v1\""], body: feed)
            },
            "/stories/schemas-are-contracts": { _, _ in .bytes(medium, type: "text/html") },
            "/posts/janedoe_shipping-the-crawler": { _, _ in .bytes(linkedIn, type: "text/html; charset=utf-8") },
            "/invalid-utf8.html": { _, _ in .bytes(invalid, type: "text/html; charset=utf-8") },
            "/etag.html": { _, request in
                request.ifNoneMatch == "\"v1\"" ? .init(status: .notModified, headers: ["ETag": "\"v1\""])
                    : .init(headers: ["Content-Type": "text/html", "ETag": "\"v1\"", "Last-Modified": "Tue, 05 Nov 2024 10:00:00 GMT"],
                            body: Array(articlePage("Conditional requests", "An unchanged page costs one round trip and no bytes of body.").utf8))
            },
            "/busy.html": { nth, _ in
                nth == 1 ? .init(status: .tooManyRequests, headers: ["Retry-After": "1"])
                    : .html(articlePage("Patience", "The server asked us to wait one second, and we did, then read this page."))
            },
            "/private/secret.html": { _, _ in .html(articlePage("Secret", "Robots must not read this page at all.")) },
            "/loop/a": { _, _ in .init(status: .found, headers: ["Location": "/loop/b"]) },
            "/loop/b": { _, _ in .init(status: .found, headers: ["Location": "/loop/a"]) },
            "/to-private": { _, _ in .init(status: .movedPermanently, headers: ["Location": "http://192.168.1.10/admin"]) },
            "/huge.html": { _, _ in .init(headers: ["Content-Type": "text/html"], body: [UInt8](repeating: UInt8(ascii: "a"), count: 400 << 10), streamed: true) },
        ]
    }

    @Test("every source becomes its exact events, each bad case fails alone with a clear error, and a second crawl emits nothing")
    func crawlWebSources() async throws {
        let server = try await FixtureServer.start(try Self.routes())
        let services = try await CrawlServices.start("web")
        let cache = FileManager.default.temporaryDirectory.appendingPathComponent("crawl-\(services.name)").path
        defer { try? FileManager.default.removeItem(atPath: cache) }
        let o = server.origin
        let export = Fixtures.url("linkedin-export").path
        let targets = [
            CrawlTarget(location: o + "/blog/why-event-logs.html"),
            CrawlTarget(location: o + "/@janedoe", platform: .medium),
            CrawlTarget(location: o + "/stories/schemas-are-contracts"),
            CrawlTarget(location: o + "/posts/janedoe_shipping-the-crawler", platform: .linkedin),
            CrawlTarget(location: export, authorName: "Jane Doe"),
            CrawlTarget(location: o + "/invalid-utf8.html", authorName: "Jane Doe"),
            CrawlTarget(location: o + "/etag.html"),
            CrawlTarget(location: o + "/busy.html"),
            CrawlTarget(location: o + "/private/secret.html"),
            CrawlTarget(location: o + "/loop/a"),
            CrawlTarget(location: o + "/to-private"),
            CrawlTarget(location: o + "/huge.html"),
            CrawlTarget(location: o + "/missing.html"),
            CrawlTarget(location: "http://10.1.2.3/internal"),
            CrawlTarget(location: "http://169.254.169.254/latest/meta-data/"),
            CrawlTarget(location: "ftp://example.org/file.txt"),
        ]
        let options = CrawlServices.testOptions(cache: cache)

        let first = await services.crawl(targets, options: options)
        let expectedFailures: Set<String> = [
            "\(o)/private/secret.html: disallowed by robots.txt: \(o)/robots.txt disallows /private/secret.html for TwinlogBot",
            "\(o)/loop/a: redirect loop: \(o)/loop/a → \(o)/loop/b → \(o)/loop/a",
            "\(o)/to-private: refused to connect: 192.168.1.10 resolves to 192.168.1.10, a private (RFC 1918) address (private, loopback and link-local addresses are not crawled)",
            "\(o)/huge.html: the body exceeds the 262144-byte limit",
            "\(o)/missing.html: HTTP status 404",
            "http://10.1.2.3/internal: refused to connect: 10.1.2.3 resolves to 10.1.2.3, a private (RFC 1918) address (private, loopback and link-local addresses are not crawled)",
            "http://169.254.169.254/latest/meta-data/: refused to connect: 169.254.169.254 resolves to 169.254.169.254, a link-local address (private, loopback and link-local addresses are not crawled)",
            "ftp://example.org/file.txt: unsupported URL: scheme ftp in ftp://example.org/file.txt (only http and https are fetched)",
        ]
        #expect(Set(first.failures.map(\.description)) == expectedFailures)
        #expect(first.stats.failed == expectedFailures.count)
        #expect(first.stats.captured == 11)
        #expect(first.stats.removed == 0)

        let events = try EmittedEvents(try await services.emittedSoFar())
        #expect(events.captured.count == 11)
        #expect(events.removed.isEmpty)

        let blog = try #require(events.captured(EventIDs.documentId(url: o + "/blog/why-event-logs.html")))
        #expect(blog.title == "Why event logs beat snapshots")
        #expect(blog.content == ExtractionTests.blogText)
        #expect(blog.authorName == "Jane Doe")
        #expect(blog.authorId == "jane-doe")
        #expect(blog.platform == .article)
        #expect(blog.kind == .article)
        #expect(blog.publishedAt == Date(timeIntervalSince1970: 1_709_631_000))
        #expect(blog.metadata == ["siteName": "Jane's Notes"])

        let keys = try #require(events.captured(EventIDs.documentId(url: "https://medium.com/p/1a2b3c4d5e6f")))
        #expect(keys.platform == .medium)
        #expect(keys.title == "Kafka keys decide your ordering")
        #expect(keys.content == "Records with the same key land in the same partition, so they stay in order.\n\nChoose the key as the aggregate id.")
        #expect(keys.sourceUrl == "https://medium.com/@janedoe/kafka-keys-decide-your-ordering-1a2b3c4d5e6f")
        #expect(keys.metadata == ["feed": o + "/feed/@janedoe", "tags": "kafka,distributed-systems"])
        #expect(keys.publishedAt == Date(timeIntervalSince1970: 1_730_800_800))
        let idempotent = try #require(events.captured(EventIDs.documentId(url: "https://medium.com/p/9f8e7d6c5b4a")))
        #expect(idempotent.content == "Store the offset in the same transaction as the effect.\n\n1. Read a batch.\n2. Apply it and the offset together.")

        let schemas = try #require(events.captured(EventIDs.documentId(url: o + "/stories/schemas-are-contracts")))
        #expect(schemas.platform == .medium)
        #expect(schemas.title == "Schemas are contracts")
        #expect(schemas.content == "A schema is a promise between a producer and every consumer it will ever have.\n\nValidate before you send, and again when you receive.")

        let post = try #require(events.captured(EventIDs.documentId(url: o + "/posts/janedoe_shipping-the-crawler")))
        #expect(post.platform == .linkedin)
        #expect(post.kind == .post)
        #expect(post.title == "Shipping the crawler today")
        #expect(post.content == "Shipping the crawler today. It reads feeds, exports and pages, and never emits the same content twice.\n\nThanks to everyone who reviewed it!")

        let lessons = try #require(events.captured(EventIDs.documentId(url: "https://www.linkedin.com/feed/update/urn%3Ali%3Ashare%3A7240000000000000001")))
        #expect(lessons.kind == .post)
        #expect(lessons.authorId == "jane-doe")
        #expect(lessons.title == "Three lessons from a year of event sourcing:")
        #expect(lessons.content == "Three lessons from a year of event sourcing:\n1. Keys are forever.\n2. Replays find bugs tests miss.\n3. \"Exactly once\" is an effect, not a transport.")
        let demo = try #require(events.captured(EventIDs.documentId(url: "https://www.linkedin.com/feed/update/urn%3Ali%3Ashare%3A7250000000000000002")))
        #expect(demo.content == "Reach me at [EMAIL] if you want a demo.")
        #expect(demo.metadata == ["sharedUrl": "https://twinlog.dev"])
        let exported = try #require(events.captured(EventIDs.documentId(url: "https://www.linkedin.com/pulse/log-database-jane-doe-abcde")))
        #expect(exported.kind == .article)
        #expect(exported.title == "The log is the database")
        #expect(exported.content == "Databases are caches of a subset of the log.\n\nKeep the log; rebuild the rest.")
        #expect(exported.publishedAt == Date(timeIntervalSince1970: 1_722_499_200))

        let repaired = try #require(events.captured(EventIDs.documentId(url: o + "/invalid-utf8.html")))
        #expect(repaired.content == "Café ol\u{FFFD} \u{FFFD}\u{FFFD} end of story, with enough words to count as the content of this page.")
        #expect(repaired.metadata["encodingRepaired"] == "true")

        let patience = try #require(events.captured(EventIDs.documentId(url: o + "/busy.html")))
        #expect(patience.content == "The server asked us to wait one second, and we did, then read this page.")
        #expect(server.requests("/busy.html").count == 2)
        #expect(server.requests("/private/secret.html").isEmpty)
        #expect(server.requests("/blog/why-event-logs.html").first?.userAgent?.hasPrefix("TwinlogBot/") == true)

        // A second crawl, by a new engine as after a restart: only PostgreSQL remembers.
        let second = await services.crawl(targets, options: options)
        #expect(second.stats.emitted == 0)
        #expect(second.stats.unchanged == 10)
        #expect(Set(second.failures.map(\.description)) == expectedFailures)
        #expect(server.requests("/etag.html").map(\.ifNoneMatch) == [nil, "\"v1\""])
        #expect(server.requests("/etag.html").last?.ifModifiedSince == "Tue, 05 Nov 2024 10:00:00 GMT")
        #expect(server.requests("/feed/@janedoe").map(\.ifNoneMatch) == [nil, "\"feed-v1\""])
        #expect(try await services.emittedSoFar().count == 11)

        await services.close()
        await server.stop()
    }

    @Test("a changed page emits a new capture; an unchanged one stays silent")
    func changedPage() async throws {
        let version = VersionBox()
        let server = try await FixtureServer.start([
            "/note.html": { _, _ in .html(articlePage("A note", version.text())) },
            "/still.html": { _, _ in .html(articlePage("Still", "This page never changes between the two crawls at all.")) },
        ])
        let services = try await CrawlServices.start("change")
        let options = CrawlServices.testOptions(cache: FileManager.default.temporaryDirectory.path + "/unused")
        let targets = [CrawlTarget(location: server.origin + "/note.html"), CrawlTarget(location: server.origin + "/still.html")]
        #expect(await services.crawl(targets, options: options).stats.captured == 2)
        version.set("The second version of the note says something new and longer.")
        let second = await services.crawl(targets, options: options)
        #expect(second.stats.captured == 1)
        #expect(second.stats.unchanged == 1)
        let events = try EmittedEvents(try await services.emittedSoFar())
        let notes = events.captured.filter { $0.documentId == EventIDs.documentId(url: server.origin + "/note.html") }
        #expect(notes.map(\.content) == ["The first version of the note, long enough to be the content.",
                                         "The second version of the note says something new and longer."])
        await services.close()
        await server.stop()
    }
}

extension WebCrawlTests {
    @Test("a Retry-After longer than allowed, a non-HTML body, an empty page and a non-feed fail with their own errors")
    func moreBadCases() async throws {
        let server = try await FixtureServer.start([
            "/slow.html": { _, _ in .init(status: .serviceUnavailable, headers: ["Retry-After": "3600"]) },
            "/logo.png": { _, _ in .bytes([0x89, 0x50, 0x4E, 0x47], type: "image/png") },
            "/empty.html": { _, _ in .html("<html><body><nav><a href=\"/\">Home</a></nav></body></html>") },
            "/feed/@nobody": { _, _ in .html("<html><body><p>Not a feed.</p></body></html>") },
        ])
        let services = try await CrawlServices.start("bad")
        let o = server.origin
        let report = await services.crawl([
            CrawlTarget(location: o + "/slow.html"), CrawlTarget(location: o + "/logo.png"), CrawlTarget(location: o + "/empty.html"),
            CrawlTarget(location: o + "/@nobody", platform: .medium),
        ], options: CrawlServices.testOptions(cache: FileManager.default.temporaryDirectory.path + "/unused"))
        #expect(Set(report.failures.map(\.description)) == [
            "\(o)/slow.html: the server asks to retry after 3600 s, longer than allowed",
            "\(o)/logo.png: the response is image/png, not an HTML page",
            "\(o)/empty.html: no main text found in the page",
            "\(o)/feed/@nobody: not an RSS or Atom feed: the document element is <html>, expected <rss> or <feed>",
        ])
        #expect(report.stats.emitted == 0)
        #expect(server.requests("/slow.html").count == 1)
        await services.close()
        await server.stop()
    }
}

/// The text a fixture route serves, changeable between crawls.
final class VersionBox: Sendable {
    private let value = Mutex("The first version of the note, long enough to be the content.")
    func text() -> String { value.withLock { $0 } }
    func set(_ text: String) { value.withLock { $0 = text } }
}

/// A small article page wrapped in navigation and a footer.
func articlePage(_ title: String, _ body: String) -> String {
    "<html><head><title>\(title)</title><meta name=\"author\" content=\"Jane Doe\"></head><body><nav><a href=\"/\">Home</a></nav>"
        + "<article><h1>\(title)</h1><p>\(body)</p></article><footer>© Jane</footer></body></html>"
}
