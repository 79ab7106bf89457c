import Foundation
import HTTPTypes
import Hummingbird
import Logging
import Metrics
import TwinlogAsk
import TwinlogEvents
import TwinlogMetrics
import TwinlogRuntime

/// The HTTP face of the request/reply topics: `POST /v1/ask` sends a QueryRequested and answers
/// with the QueryAnswered JSON; `GET /health` says whether the gateway can serve; `GET /metrics`
/// renders the process's metrics in Prometheus' text format.
///
/// Reply statuses map to HTTP: ok → 200, invalid_request → 400, overloaded → 503, failed → 502,
/// deadline_exceeded or no reply in time → 504. A body that is not a valid request is a 400 that
/// says what was wrong.
public struct AskGateway: Sendable {
    /// Where the gateway listens and how long it lets an asker wait.
    public struct Configuration: Sendable {
        public var host = "127.0.0.1"
        /// 0 picks a free port (see `onStart`).
        public var port = 8080
        public var defaultTimeout: Duration = .seconds(30)
        public var maxTimeout: Duration = .seconds(300)
        /// The largest request body accepted.
        public var maxBodyBytes = 64 * 1024
        public var logger = Logger(label: "twinlog.gateway")

        public init() {}
    }

    /// The JSON body of `POST /v1/ask`.
    public struct AskBody: Codable, Sendable {
        public var question: String
        public var author: String?
        public var platform: String?
        public var kind: String?
        /// Only documents dated at or after this date or timestamp (`2024-01-01` or RFC 3339).
        public var since: String?
        /// Only documents dated before this date or timestamp.
        public var until: String?
        public var k: Int?
        public var maxTokens: Int?
        public var retrievalOnly: Bool?
        public var timeoutSeconds: Double?
    }

    private let configuration: Configuration
    private let client: QueryClient
    private let metrics: MetricsRegistry

    public init(_ configuration: Configuration, client: QueryClient, metrics: MetricsRegistry = TwinlogMetrics.shared) {
        self.configuration = configuration
        self.client = client
        self.metrics = metrics
    }

    /// Serves until the task is cancelled; `onStart` receives the bound port.
    public func run(onStart: @escaping @Sendable (Int) -> Void = { _ in }) async throws {
        let app = Application(router: router(), configuration: .init(address: .hostname(configuration.host, port: configuration.port)),
                              onServerRunning: { channel in onStart(channel.localAddress?.port ?? 0) }, logger: configuration.logger)
        try await app.runService()
    }

    func router() -> Router<BasicRequestContext> {
        let router = Router()
        let requests = Counter(label: "twinlog_gateway_requests_total", factory: metrics.factory)
        let failures = Counter(label: "twinlog_gateway_errors_total", factory: metrics.factory)
        let latency = Metrics.Timer(label: "twinlog_gateway_ask_seconds", factory: metrics.factory)
        router.get("health") { _, _ -> Response in
            Self.json(.ok, ["status": "ok"])
        }
        router.get("metrics") { [metrics] _, _ -> Response in
            Response(status: .ok, headers: [.contentType: TwinlogMetrics.contentType],
                     body: ResponseBody(byteBuffer: ByteBuffer(string: metrics.render())))
        }
        router.post("v1/ask") { request, _ -> Response in
            requests.increment()
            let started = ContinuousClock.now
            let response = await self.ask(request)
            let elapsed = ContinuousClock.now - started
            latency.recordNanoseconds(elapsed.inNanoseconds)
            if response.status.code >= 400 { failures.increment() }
            return response
        }
        return router
    }

    private func ask(_ request: Request) async -> Response {
        var request = request
        let body: AskBody
        do {
            let buffer = try await request.collectBody(upTo: configuration.maxBodyBytes)
            body = try JSONDecoder().decode(AskBody.self, from: Data(buffer: buffer))
        } catch {
            return Self.json(.badRequest, ["error": "the body is not a valid ask request (at most \(configuration.maxBodyBytes) bytes of JSON "
                                             + "with a \"question\"): \(error)"])
        }
        var platform: Platform?
        if let name = body.platform {
            guard let known = Platform(rawValue: name) else {
                return Self.json(.badRequest, ["error": "unknown platform \(name); expected one of "
                                                 + Platform.allCases.map(\.rawValue).joined(separator: ", ")])
            }
            platform = known
        }
        var kind: DocumentKind?
        if let name = body.kind {
            guard let known = DocumentKind(rawValue: name) else {
                return Self.json(.badRequest, ["error": "unknown kind \(name); expected one of "
                                                 + DocumentKind.allCases.map(\.rawValue).joined(separator: ", ")])
            }
            kind = known
        }
        let since: Date?, until: Date?
        do {
            since = try body.since.map { text throws(EventError) in try EventTime.parseBound(text, field: "since") }
            until = try body.until.map { text throws(EventError) in try EventTime.parseBound(text, field: "until") }
        } catch {
            return Self.json(.badRequest, ["error": "\(error)"])
        }
        var requested = configuration.defaultTimeout
        if let seconds = body.timeoutSeconds {
            guard let asked = Duration.seconds(clamping: seconds, to: configuration.maxTimeout) else {
                return Self.json(.badRequest, ["error": "timeoutSeconds must be a finite number of seconds"])
            }
            requested = asked
        }
        let timeout = min(max(requested, .milliseconds(1)), configuration.maxTimeout)
        let query = QueryRequested(queryId: UUID().uuidString, question: body.question, authorId: body.author, platform: platform,
                                   kind: kind, since: since, until: until, k: body.k ?? 5, maxTokens: body.maxTokens ?? 128, retrievalOnly: body.retrievalOnly ?? false,
                                   deadline: Date().addingTimeInterval(Double(timeout.components.seconds)
                                                                       + Double(timeout.components.attoseconds) / 1e18))
        do {
            let reply = try await client.ask(query, timeout: timeout)
            let status: HTTPResponse.Status = switch reply.status {
            case .ok: .ok
            case .invalidRequest: .badRequest
            case .overloaded: .serviceUnavailable
            case .failed: .badGateway
            case .deadlineExceeded: .gatewayTimeout
            }
            return Self.encode(status, reply)
        } catch let error as QueryClient.Failure {
            if case .timedOut = error { return Self.json(.gatewayTimeout, ["error": "\(error)"]) }
            return Self.json(.serviceUnavailable, ["error": "\(error)"])
        } catch {
            // The request itself was refused before sending (it failed its schema, for example).
            return Self.json(.badRequest, ["error": "\(error)"])
        }
    }

    private static func json(_ status: HTTPResponse.Status, _ fields: [String: String]) -> Response {
        encode(status, fields)
    }

    private static func encode(_ status: HTTPResponse.Status, _ value: some Encodable) -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let data = (try? encoder.encode(value)) ?? Data(#"{"error":"the response could not be encoded"}"#.utf8)
        return Response(status: status, headers: [.contentType: "application/json"], body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
    }
}
