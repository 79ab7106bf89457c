import Foundation
import HTTPTypes
import Hummingbird
import Logging
import Synchronization

/// A real HTTP server on 127.0.0.1 (an ephemeral port) serving the test's fixture pages, recording
/// every request it receives (path, the nth time it was asked, conditional headers, user agent).
final class FixtureServer: Sendable {
    /// What a route answers.
    struct Reply: Sendable {
        var status: HTTPResponse.Status = .ok
        var headers: [String: String] = ["Content-Type": "text/html; charset=utf-8"]
        var body: [UInt8] = []
        /// Send the body in chunks without Content-Length (the client cannot know the size up front).
        var streamed = false
        /// Send the headers, then one byte ("a") every `drip`, forever: a hostile slow server. The
        /// body ends when the client goes away (counted by `FixtureServer.dripsEnded`) or the server stops.
        var drip: Duration?

        static func html(_ text: String) -> Reply { Reply(body: Array(text.utf8)) }
        static func bytes(_ bytes: [UInt8], type: String) -> Reply { Reply(headers: ["Content-Type": type], body: bytes) }
    }

    /// One received request.
    struct Seen: Sendable, Equatable {
        var path: String
        var ifNoneMatch: String?
        var ifModifiedSince: String?
        var userAgent: String?
    }

    typealias Route = @Sendable (_ nth: Int, _ request: Seen) -> Reply

    /// Every request received, in order.
    final class Log: Sendable {
        private let seen = Mutex<[Seen]>([])
        private let ended = Mutex<[String]>([])

        /// Records that a dripping body to `path` ended (the client went away, or the server stopped).
        func dripEnded(_ path: String) { ended.withLock { $0.append(path) } }

        func dripsEnded(_ path: String) -> Int { ended.withLock { $0.filter { $0 == path }.count } }

        /// Records `request`; returns how many times its path was asked so far.
        func record(_ request: Seen) -> Int {
            seen.withLock { seen in
                seen.append(request)
                return seen.filter { $0.path == request.path }.count
            }
        }

        func requests(_ path: String) -> [Seen] { seen.withLock { $0.filter { $0.path == path } } }
    }

    private let task: Task<Void, Error>
    let port: Int
    private let log: Log

    var origin: String { "http://127.0.0.1:\(port)" }

    private init(task: Task<Void, Error>, port: Int, log: Log) {
        self.task = task
        self.port = port
        self.log = log
    }

    /// The requests received so far for `path`.
    func requests(_ path: String) -> [Seen] { log.requests(path) }

    /// How many dripping bodies to `path` ended because the client closed the connection.
    func dripsEnded(_ path: String) -> Int { log.dripsEnded(path) }

    /// Starts serving `routes` (path → reply), then the files under `folder` as they are at the
    /// time of each request (for git's dumb HTTP protocol); anything else answers 404.
    static func start(_ routes: [String: Route], files folder: String? = nil) async throws -> FixtureServer {
        let log = Log()
        let router = Router()
        router.get("**") { request, _ -> Response in
            let path = request.uri.path
            let entry = Seen(path: path, ifNoneMatch: request.headers[.ifNoneMatch], ifModifiedSince: request.headers[.ifModifiedSince],
                             userAgent: request.headers[.userAgent])
            let nth = log.record(entry)
            guard let route = routes[path] else {
                guard let folder, !path.contains(".."), let data = FileManager.default.contents(atPath: folder + path) else {
                    return Response(status: .notFound)
                }
                return Response(status: .ok, headers: [.contentType: "application/octet-stream"], body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
            }
            let reply = route(nth, entry)
            var headers = HTTPFields()
            for (name, value) in reply.headers {
                if let field = HTTPField.Name(name) { headers[field] = value }
            }
            let body: ResponseBody
            if let drip = reply.drip {
                body = ResponseBody { writer in
                    // Only a closed connection (a failed write, or the handler cancelled) or the server's stop ends it.
                    do {
                        while true {
                            try await writer.write(ByteBuffer(bytes: [UInt8(ascii: "a")]))
                            try await Task.sleep(for: drip)
                        }
                    } catch {
                        log.dripEnded(path)
                        throw error
                    }
                }
            } else if reply.streamed {
                let chunks = stride(from: 0, to: reply.body.count, by: 16 << 10).map {
                    ByteBuffer(bytes: reply.body[$0..<min($0 + (16 << 10), reply.body.count)])
                }
                body = ResponseBody { writer in
                    for chunk in chunks { try await writer.write(chunk) }
                    try await writer.finish(nil)
                }
            } else {
                body = ResponseBody(byteBuffer: ByteBuffer(bytes: reply.body))
            }
            return Response(status: reply.status, headers: headers, body: body)
        }
        let (stream, continuation) = AsyncStream.makeStream(of: Int.self)
        // Cancelling the server at the end of a test is its normal stop, not an error worth a log line.
        var quiet = Logger(label: "fixture-server")
        quiet.logLevel = .critical
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
                              onServerRunning: { channel in continuation.yield(channel.localAddress?.port ?? 0) }, logger: quiet)
        let task = Task { try await app.runService() }
        var iterator = stream.makeAsyncIterator()
        guard let port = await iterator.next(), port > 0 else {
            task.cancel()
            throw FixtureError(description: "the fixture server did not start")
        }
        return FixtureServer(task: task, port: port, log: log)
    }

    func stop() async {
        task.cancel()
        _ = try? await task.value
    }
}

struct FixtureError: Error, CustomStringConvertible {
    let description: String
}

/// The test fixtures shipped as resources (`Tests/CrawlerTests/Fixtures`).
enum Fixtures {
    static func url(_ name: String) -> URL {
        Bundle.module.resourceURL!.appendingPathComponent("Fixtures").appendingPathComponent(name)
    }

    static func bytes(_ name: String) throws -> [UInt8] {
        guard let data = FileManager.default.contents(atPath: url(name).path) else {
            throw FixtureError(description: "missing fixture \(name)")
        }
        return Array(data)
    }

    static func text(_ name: String) throws -> String { String(decoding: try bytes(name), as: UTF8.self) }
}
