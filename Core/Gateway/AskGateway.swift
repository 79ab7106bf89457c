import Foundation
import HTTPTypes
import Hummingbird
import Logging
import Metrics
import Synchronization
import TwinlogAsk
import TwinlogEvents
import TwinlogMetrics
import TwinlogRuntime
import TwinlogText

/// The HTTP face of the request/reply topics: `POST /v1/ask` sends a QueryRequested and answers
/// with the QueryAnswered JSON, or with server-sent events as the answer is generated when the
/// request says `Accept: text/event-stream` (`stream(_:timeout:leave:)`); `GET /health` says whether the gateway can serve; `GET /metrics`
/// renders the process's metrics in Prometheus' text format.
///
/// Reply statuses map to HTTP: ok → 200, invalid_request → 400, overloaded → 503, failed → 502,
/// deadline_exceeded or no reply in time → 504. A body that is not a valid request is a 400 that
/// says what was wrong.
///
/// Before a question is sent, `POST /v1/ask` must pass, in this order: the bearer token when one is
/// configured (401; `GET /metrics` needs it too, `GET /health` never), `Content-Type:
/// application/json` (415 — a cross-site form post cannot set it without a CORS preflight, which the
/// gateway never grants), room among the requests in flight (429 with `Retry-After`), and the body
/// size limit (413). Every refusal is a JSON `{"error": …}` that says what was wrong.
public struct AskGateway: Sendable {
    /// Where the gateway listens, who may call it, and how much it takes on at once.
    public struct Configuration: Sendable {
        public var host = "127.0.0.1"
        /// 0 picks a free port (see `onStart`).
        public var port = 8080
        public var defaultTimeout: Duration = .seconds(30)
        public var maxTimeout: Duration = .seconds(300)
        /// The largest request body accepted; a larger one is a 413.
        public var maxBodyBytes = AskGateway.defaultMaxBodyBytes
        /// How many `POST /v1/ask` requests may wait for their answers at once (each may wait up to
        /// `maxTimeout`); one more is a 429.
        public var maxInFlight = AskGateway.defaultMaxInFlight
        /// When set, `POST /v1/ask` and `GET /metrics` need `Authorization: Bearer <token>` (401
        /// otherwise); compared in constant time.
        public var token: String?
        /// How often a server-sent event stream sends a `: waiting` comment line.
        public var heartbeatInterval: Duration = .seconds(10)
        public var logger = Logger(label: "twinlog.gateway")

        public init() {}
    }

    /// The default cap on requests in flight.
    public static let defaultMaxInFlight = 32
    /// The default body size limit: 64 KiB.
    public static let defaultMaxBodyBytes = 64 * 1024

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
        /// Decoding overrides for the answer (`temperature`, `repetitionPenalty`, `noRepeatNgram`, …).
        public var decoding: QueryRequested.Decoding?
    }

    private let configuration: Configuration
    private let client: QueryClient
    private let metrics: MetricsRegistry
    private let inFlight: InFlight

    public init(_ configuration: Configuration, client: QueryClient, metrics: MetricsRegistry = TwinlogMetrics.shared) {
        self.configuration = configuration
        self.client = client
        self.metrics = metrics
        inFlight = InFlight(limit: configuration.maxInFlight,
                            gauge: Gauge(label: "twinlog_gateway_in_flight", factory: metrics.factory))
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
        router.get("metrics") { [metrics] request, _ -> Response in
            if let refusal = self.unauthorized(request) { return refusal }
            return Response(status: .ok, headers: [.contentType: TwinlogMetrics.contentType],
                            body: ResponseBody(byteBuffer: ByteBuffer(string: metrics.render())))
        }
        router.post("v1/ask") { request, _ -> Response in
            requests.increment()
            let started = ContinuousClock.now
            let response = await self.admit(request)
            let elapsed = ContinuousClock.now - started
            latency.recordNanoseconds(elapsed.inNanoseconds)
            if response.status.code >= 400 { failures.increment() }
            return response
        }
        return router
    }

    /// Checks the token, the content type and the in-flight cap, then asks.
    private func admit(_ request: Request) async -> Response {
        if let refusal = unauthorized(request) { return refusal }
        if let refusal = unsupportedMediaType(request) { return refusal }
        guard inFlight.enter() else {
            return Self.json(.tooManyRequests, ["error": "too many requests in flight (at most \(configuration.maxInFlight)); retry later"],
                             headers: [.retryAfter: "1"])
        }
        return await ask(request, leave: { [inFlight] in inFlight.leave() })
    }

    /// Whether the caller asked for server-sent events (`Accept: text/event-stream`).
    static func acceptsEventStream(_ request: Request) -> Bool {
        request.headers[values: .accept].contains { $0.lowercased().contains("text/event-stream") }
    }

    /// One server-sent event: its name and a one-line JSON payload.
    static func serverSentEvent(_ name: String, _ value: some Encodable) -> ByteBuffer {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let data = (try? encoder.encode(value)) ?? Data(#"{"error":"the event could not be encoded"}"#.utf8)
        return ByteBuffer(string: "event: \(name)\ndata: \(String(decoding: data, as: UTF8.self))\n\n")
    }

    /// The payload of a `partial` event.
    struct PartialEvent: Encodable {
        var sequence: Int
        var text: String
    }

    /// A 401 when a token is configured and the request does not carry it as a bearer token.
    private func unauthorized(_ request: Request) -> Response? {
        guard let token = configuration.token else { return nil }
        let scheme = "bearer "
        guard let header = request.headers[.authorization], header.utf8.count > scheme.utf8.count,
              header.prefix(scheme.count).lowercased() == scheme else {
            return Self.json(.unauthorized, ["error": "this gateway needs an Authorization: Bearer <token> header"],
                             headers: [.wwwAuthenticate: "Bearer"])
        }
        guard Self.constantTimeEqual(Array(header.utf8.dropFirst(scheme.utf8.count)), Array(token.utf8)) else {
            return Self.json(.unauthorized, ["error": "the bearer token is wrong"], headers: [.wwwAuthenticate: #"Bearer error="invalid_token""#])
        }
        return nil
    }

    /// A 415 unless the body is declared `application/json` (UTF-8, the only charset JSON has).
    private func unsupportedMediaType(_ request: Request) -> Response? {
        guard let declared = request.headers[.contentType] else {
            return Self.json(.unsupportedMediaType, ["error": "Content-Type must be application/json; the request has none"])
        }
        let parts = declared.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        let charset = parts.dropFirst().first { $0.hasPrefix("charset=") }.map { $0.dropFirst("charset=".count).trimmingCharacters(in: ["\""]) }
        guard parts.first == "application/json", charset == nil || charset == "utf-8" else {
            return Self.json(.unsupportedMediaType, ["error": "Content-Type must be application/json (UTF-8), got \(declared.prefix(100))"])
        }
        return nil
    }

    /// Whether two byte strings are equal, in time that depends on their lengths only.
    static func constantTimeEqual(_ given: [UInt8], _ expected: [UInt8]) -> Bool {
        var difference: UInt8 = given.count == expected.count ? 0 : 1
        for index in expected.indices {
            difference |= expected[index] ^ (index < given.count ? given[index] : 0)
        }
        return difference == 0
    }

    /// Answers one `POST /v1/ask`; calls `leave` once its place among the requests in flight is
    /// free again: when the response is ready, or for a stream when its last event is written.
    private func ask(_ request: Request, leave: @escaping @Sendable () -> Void) async -> Response {
        var handedOver = false
        defer { if !handedOver { leave() } }
        var request = request
        if let length = request.headers[.contentLength].flatMap({ Int($0) }), length > configuration.maxBodyBytes {
            return tooLarge()
        }
        let buffer: ByteBuffer
        do {
            buffer = try await request.collectBody(upTo: configuration.maxBodyBytes)
        } catch let error as HTTPResponseError where error.status == .contentTooLarge {
            return tooLarge()
        } catch {
            return Self.json(.badRequest, ["error": "the body could not be read: \(error)"])
        }
        let body: AskBody
        do {
            body = try JSONDecoder().decode(AskBody.self, from: Data(buffer.readableBytesView))
        } catch {
            return Self.json(.badRequest, ["error": "the body is not a valid ask request (JSON with a \"question\"): \(error)"])
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
                                   deadline: Date().addingTimeInterval(timeout.inSeconds), decoding: body.decoding)
        if Self.acceptsEventStream(request) {
            handedOver = true
            return stream(query, timeout: timeout, leave: leave)
        }
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

    /// Asks with `stream` on and answers with server-sent events: a `partial` event
    /// (`{"sequence", "text"}`) per piece of the answer, then one `answer` event (the QueryAnswered
    /// JSON) or, when no reply came in time or the request was refused, one `error` event
    /// (`{"error"}`); then the stream ends. A `: waiting` comment line goes every
    /// `heartbeatInterval` until the last event.
    private func stream(_ query: QueryRequested, timeout: Duration, leave: @escaping @Sendable () -> Void) -> Response {
        var query = query
        query.stream = true
        let (events, continuation) = AsyncStream<ByteBuffer>.makeStream()
        let client = self.client
        let heartbeatInterval = configuration.heartbeatInterval
        Task {
            defer { leave() }
            // A comment line while the answer is on its way (retrieval and the prompt take seconds)
            // keeps clients and proxies from timing out a silent connection.
            let heartbeat = Task {
                while true {
                    do { try await Task.sleep(for: heartbeatInterval) } catch { return }
                    continuation.yield(ByteBuffer(string: ": waiting\n\n"))
                }
            }
            let last: ByteBuffer
            do {
                let reply = try await client.ask(query, timeout: timeout) { partial, _ in
                    continuation.yield(Self.serverSentEvent("partial", PartialEvent(sequence: partial.sequence, text: partial.text)))
                }
                last = Self.serverSentEvent("answer", reply)
            } catch {
                last = Self.serverSentEvent("error", ["error": "\(error)"])
            }
            heartbeat.cancel()
            await heartbeat.value
            continuation.yield(last)
            continuation.finish()
        }
        return Response(status: .ok, headers: [.contentType: "text/event-stream", .cacheControl: "no-cache"],
                        body: ResponseBody(asyncSequence: events))
    }

    private func tooLarge() -> Response {
        Self.json(.contentTooLarge, ["error": "the body is larger than \(configuration.maxBodyBytes) bytes"])
    }

    private static func json(_ status: HTTPResponse.Status, _ fields: [String: String], headers: HTTPFields = [:]) -> Response {
        encode(status, fields, headers: headers)
    }

    private static func encode(_ status: HTTPResponse.Status, _ value: some Encodable, headers: HTTPFields = [:]) -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let data = (try? encoder.encode(value)) ?? Data(#"{"error":"the response could not be encoded"}"#.utf8)
        var fields = headers
        fields[.contentType] = "application/json"
        return Response(status: status, headers: fields, body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
    }
}

/// The count of requests in flight against the cap, mirrored into a gauge.
private final class InFlight: Sendable {
    private let count = Mutex(0)
    private let limit: Int
    private let gauge: Gauge

    init(limit: Int, gauge: Gauge) {
        self.limit = limit
        self.gauge = gauge
    }

    /// Takes a place, or returns false when all are taken.
    func enter() -> Bool {
        count.withLock { count in
            guard count < limit else { return false }
            count += 1
            gauge.record(count)
            return true
        }
    }

    /// Gives a place back.
    func leave() {
        count.withLock { count in
            count -= 1
            gauge.record(count)
        }
    }
}
