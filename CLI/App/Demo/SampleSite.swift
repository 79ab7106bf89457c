import Foundation
import HTTPTypes
import Hummingbird
import Logging
import Synchronization

/// The sample author's website on loopback (an ephemeral port of 127.0.0.1), served by
/// Hummingbird: the Medium-style feed at the manifest's feed path, the articles under `site/`,
/// and a robots.txt that allows everything. The crawlers fetch it like any other site.
public final class SampleSite: Sendable {
    /// `http://127.0.0.1:PORT`.
    public let origin: String
    private let server: Task<Void, any Error>

    private init(origin: String, server: Task<Void, any Error>) {
        self.origin = origin
        self.server = server
    }

    /// Starts serving `author`'s feed and articles; returns once the port is bound.
    public static func start(_ author: SampleAuthor) async throws -> SampleSite {
        let (ports, portContinuation) = AsyncStream.makeStream(of: Int.self)
        let pages = try Pages(author)
        let router = Router()
        router.get("**") { request, _ -> Response in
            guard let page = pages.page(at: request.uri.path) else { return Response(status: .notFound) }
            return Response(status: .ok, headers: [.contentType: page.type], body: ResponseBody(byteBuffer: ByteBuffer(bytes: page.body)))
        }
        // Stopping the site at the end of the demo is its normal end, not worth a log line.
        var logger = Logger(label: "twinlog.demo.site")
        logger.logLevel = .critical
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
                              onServerRunning: { channel in portContinuation.yield(channel.localAddress?.port ?? 0) }, logger: logger)
        let server = Task { try await app.runService() }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next(), port > 0 else {
            server.cancel()
            throw DemoError("the sample site did not start on 127.0.0.1")
        }
        let origin = "http://127.0.0.1:\(port)"
        pages.origin.withLock { $0 = origin }
        return SampleSite(origin: origin, server: server)
    }

    /// Stops serving.
    public func stop() async {
        server.cancel()
        _ = try? await server.value
    }
}

/// The site's pages by path; the feed's links name the site's origin, known once the port is.
private final class Pages: Sendable {
    struct Page {
        var type: String
        var body: [UInt8]
    }

    let origin = Mutex("")
    private let feedPath: String
    private let feedTemplate: String
    private let articles: [String: [UInt8]]

    init(_ author: SampleAuthor) throws {
        let folder = SampleAuthor.folder
        feedPath = author.feed
        feedTemplate = try String(contentsOf: folder.appendingPathComponent("feed.xml"), encoding: .utf8)
        var articles: [String: [UInt8]] = [:]
        for path in author.articles {
            guard let data = FileManager.default.contents(atPath: folder.appendingPathComponent("site" + path).path) else {
                throw DemoError("the sample article \(path) is missing")
            }
            articles[path] = Array(data)
        }
        self.articles = articles
    }

    func page(at path: String) -> Page? {
        if path == "/robots.txt" { return Page(type: "text/plain; charset=utf-8", body: Array("User-agent: *\nAllow: /\n".utf8)) }
        if path == feedPath {
            let feed = feedTemplate.replacingOccurrences(of: "{{origin}}", with: origin.withLock { $0 })
            return Page(type: "application/rss+xml; charset=utf-8", body: Array(feed.utf8))
        }
        return articles[path].map { Page(type: "text/html; charset=utf-8", body: $0) }
    }
}
