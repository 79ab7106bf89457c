import AsyncHTTPClient
import Foundation
import TwinlogRuntime
import Logging
import NIOCore
import NIOHTTP1

/// How the crawler behaves on the network. Defaults suit crawling the public web politely.
public struct FetchOptions: Sendable {
    /// Sent with every request, naming the crawler and where to learn about it.
    public var userAgent = "TwinlogBot/1.0 (+https://github.com/twinlog/twinlog; LLM-twin document crawler)"
    /// The product token robots.txt groups are matched against.
    public var robotsAgent = "TwinlogBot"
    public var connectTimeout: Duration = .seconds(10)
    /// Longest silence while reading a response.
    public var readTimeout: Duration = .seconds(30)
    /// Bound on one request from connecting to the response head.
    public var requestTimeout: Duration = .seconds(60)
    /// Bound on one request from connecting to the last byte of its body: a server that sends a
    /// byte now and then (never silent for `readTimeout`) fails the URL when it passes, and the
    /// attempt is not retried.
    public var responseTimeout: Duration = .seconds(120)
    /// Attempts per request, counting the first (429, 5xx and network errors are retried).
    public var maxAttempts = 4
    /// Exponential backoff: a random wait in [0, base × 2^(attempt-1)], capped (full jitter).
    public var backoffBase: Duration = .milliseconds(500)
    public var backoffCap: Duration = .seconds(30)
    /// The longest Retry-After honoured; a longer one fails the URL instead of stalling the crawl.
    public var maxRetryAfter: Duration = .seconds(120)
    public var maxRedirects = 5
    /// Largest response body read (larger bodies fail the URL).
    public var maxBodyBytes = 5 << 20
    /// Requests in flight to one host.
    public var perHostConcurrency = 2
    /// Minimum time between request starts to one host (raised by a site's Crawl-delay).
    public var perHostDelay: Duration = .seconds(1)
    /// The largest Crawl-delay honoured from robots.txt.
    public var maxCrawlDelay: Duration = .seconds(30)
    /// Which addresses may be contacted (see `AddressPolicy`).
    public var addressPolicy = AddressPolicy.publicOnly
    /// Whether to read robots.txt and obey it.
    public var obeyRobots = true

    public init() {}
}

/// A response the crawler can use.
public struct FetchedPage: Sendable {
    /// The URL asked for.
    public var requestedURL: String
    /// The URL that answered, after redirects.
    public var finalURL: String
    public var status: Int
    public var contentType: String?
    public var body: [UInt8]
    public var etag: String?
    public var lastModified: String?
}

/// The outcome of a (conditional) GET.
public enum FetchOutcome: Sendable {
    /// 304: the validators still match, nothing was transferred.
    case notModified
    case fetched(FetchedPage)
}

/// Validators from the previous fetch of a URL, for a conditional GET.
public struct Validators: Sendable, Equatable {
    public var etag: String?
    public var lastModified: String?
    public init(etag: String? = nil, lastModified: String? = nil) {
        self.etag = etag
        self.lastModified = lastModified
    }
}

/// Fetches URLs politely and safely over AsyncHTTPClient: the SSRF check on every hop (and the
/// connection pinned to the address that was checked), robots.txt,
/// per-host concurrency and delay, retries with backoff and jitter honouring Retry-After,
/// redirects followed by hand (so each hop is checked) up to a limit with loop detection, a body
/// size limit, a deadline on each response (head and body), and conditional GET. Every failure is
/// a `CrawlError` naming the URL.
public final class HTTPFetcher: Sendable {
    public let options: FetchOptions
    private let clients: ClientPool
    private let gate: HostGate
    private let robots = RobotsCache()
    private let logger: Logger

    public convenience init(options: FetchOptions = FetchOptions(), logger: Logger = Logger(label: "twinlog.crawl.fetch")) {
        let policy = options.addressPolicy
        self.init(options: options, logger: logger) { host, url async throws(CrawlError) -> String in
            try await policy.checking(host: host, url: url)
        }
    }

    /// A fetcher whose address check is `check` (host, URL → the address to pin the host to): for
    /// tests that need a name only the pin can reach.
    init(options: FetchOptions, logger: Logger, check: @escaping ClientPool.Check) {
        self.options = options
        self.logger = logger
        var configuration = HTTPClient.Configuration(
            redirectConfiguration: .disallow,
            timeout: .init(connect: .nanoseconds(Int64(options.connectTimeout.inNanoseconds)),
                           read: .nanoseconds(Int64(options.readTimeout.inNanoseconds))))
        configuration.httpVersion = .automatic
        clients = ClientPool(configuration: configuration, check: check)
        gate = HostGate(limit: options.perHostConcurrency)
    }

    /// Releases the connection pools; call once when the crawl is over.
    public func shutdown() async {
        await clients.shutdown()
    }

    /// GETs `url`, following redirects; `validators` make it conditional.
    public func fetch(_ url: String, validators: Validators = Validators(), accept: String = "text/html,application/xhtml+xml;q=0.9,*/*;q=0.5")
        async throws(CrawlError) -> FetchOutcome {
        var current = url
        var chain = [url]
        var visited: Set<String> = [Self.normalized(url)]
        for _ in 0...options.maxRedirects {
            let target = try parse(current, original: url)
            let client = try await clients.client(for: target, url: url)
            var delay = options.perHostDelay
            if options.obeyRobots {
                let rules = await robots.rules(for: target.origin, fetcher: self)
                guard rules.allows(target.pathAndQuery) else {
                    throw CrawlError(url: url, .robotsDisallowed("\(target.origin)/robots.txt disallows \(target.pathAndQuery) for \(options.robotsAgent)"))
                }
                if let crawlDelay = rules.crawlDelay, let asked = Duration.seconds(clamping: crawlDelay, to: options.maxCrawlDelay) {
                    delay = max(delay, asked)
                }
            }
            let response = try await get(target, client: client, delay: delay, validators: validators, accept: accept, original: url)
            switch response.status {
            case 301, 302, 303, 307, 308:
                guard let location = response.location, let next = URL(string: location, relativeTo: URL(string: current))?.absoluteString else {
                    throw CrawlError(url: url, .badContent("redirect \(response.status) from \(current) without a usable Location"))
                }
                chain.append(next)
                guard visited.insert(Self.normalized(next)).inserted else { throw CrawlError(url: url, .redirectLoop(chain)) }
                current = next
            case 304:
                return .notModified
            case 200..<300:
                return .fetched(FetchedPage(requestedURL: url, finalURL: current, status: response.status, contentType: response.contentType,
                                            body: response.body, etag: response.etag, lastModified: response.lastModified))
            default:
                throw CrawlError(url: url, .httpStatus(response.status))
            }
        }
        throw CrawlError(url: url, .tooManyRedirects(options.maxRedirects))
    }

    // MARK: One request with retries

    struct Response: Sendable {
        var status: Int
        var location: String?
        var contentType: String?
        var etag: String?
        var lastModified: String?
        var retryAfter: String?
        var body: [UInt8]
    }

    private static let retriable: Set<Int> = [408, 425, 429, 500, 502, 503, 504]

    private func get(_ target: Target, client: HTTPClient, delay: Duration, validators: Validators, accept: String,
                     original: String) async throws(CrawlError) -> Response {
        let url = target.url, host = target.origin
        var attempt = 0
        while true {
            attempt += 1
            let result: Result<Response, Error>
            do {
                try await gate.acquire(host, delay: delay)
            } catch {
                throw CrawlError(url: original, .network("cancelled"))
            }
            do {
                result = .success(try await send(url, client: client, validators: validators, accept: accept, original: original))
            } catch {
                result = .failure(error)
            }
            await gate.release(host)
            let wait: Duration
            switch result {
            case .success(let response) where Self.retriable.contains(response.status) && attempt < options.maxAttempts:
                if let header = response.retryAfter, let asked = Self.retryAfter(header) {
                    guard asked <= options.maxRetryAfter else {
                        throw CrawlError(url: original, .retryAfterTooLong(seconds: Double(asked.components.seconds)))
                    }
                    wait = asked
                } else {
                    wait = backoff(attempt)
                }
                logger.info("retrying", metadata: ["url": "\(url)", "status": "\(response.status)", "after": "\(wait)"])
            case .success(let response):
                return response
            case .failure(let error as CrawlError):
                throw error
            case .failure(let error) where attempt < options.maxAttempts:
                wait = backoff(attempt)
                logger.info("retrying", metadata: ["url": "\(url)", "error": "\(error)", "after": "\(wait)"])
            case .failure(let error):
                throw CrawlError(url: original, .network("\(Self.describe(error)) (after \(attempt) attempts)"))
            }
            do { try await Task.sleep(for: wait) } catch { throw CrawlError(url: original, .network("cancelled")) }
        }
    }

    /// One attempt, head and body within `responseTimeout`: AsyncHTTPClient's own deadline ends
    /// with the response head, so the body is raced against a timer here; the loser is cancelled
    /// (which closes the connection).
    private func send(_ url: String, client: HTTPClient, validators: Validators, accept: String, original: String) async throws -> Response {
        let limit = options.responseTimeout
        return try await withThrowingTaskGroup(of: Response?.self) { group in
            group.addTask { try await self.exchange(url, client: client, validators: validators, accept: accept, original: original) }
            group.addTask {
                try await Task.sleep(for: limit)
                return nil
            }
            defer { group.cancelAll() }
            guard let first = try await group.next(), let response = first else {
                throw CrawlError(url: original, .network("the response (head and body) took longer than the \(Self.seconds(limit)) limit"))
            }
            return response
        }
    }

    /// `duration` as a number of seconds for a message ("1 s", "0.5 s").
    static func seconds(_ duration: Duration) -> String {
        String(format: "%g s", duration.inSeconds)
    }

    private func exchange(_ url: String, client: HTTPClient, validators: Validators, accept: String, original: String) async throws -> Response {
        var request = HTTPClientRequest(url: url)
        request.method = .GET
        request.headers.add(name: "User-Agent", value: options.userAgent)
        request.headers.add(name: "Accept", value: accept)
        if let etag = validators.etag { request.headers.add(name: "If-None-Match", value: etag) }
        if let lastModified = validators.lastModified { request.headers.add(name: "If-Modified-Since", value: lastModified) }
        let response = try await client.execute(request, timeout: .nanoseconds(Int64(options.requestTimeout.inNanoseconds)))
        let status = Int(response.status.code)
        var body: [UInt8] = []
        let keepsBody = (200..<300).contains(status)
        if keepsBody {
            if let length = response.headers.first(name: "Content-Length").flatMap(Int.init), length > options.maxBodyBytes {
                throw CrawlError(url: original, .bodyTooLarge(limit: options.maxBodyBytes))
            }
            for try await buffer in response.body {
                guard body.count + buffer.readableBytes <= options.maxBodyBytes else {
                    throw CrawlError(url: original, .bodyTooLarge(limit: options.maxBodyBytes))
                }
                body += buffer.readableBytesView
            }
        } else {
            // Drain (bounded) so the connection can be reused; an error page's content is not needed.
            var drained = 0
            for try await buffer in response.body {
                drained += buffer.readableBytes
                if drained > 1 << 20 { break }
            }
        }
        return Response(status: status, location: response.headers.first(name: "Location"),
                        contentType: response.headers.first(name: "Content-Type"), etag: response.headers.first(name: "ETag"),
                        lastModified: response.headers.first(name: "Last-Modified"), retryAfter: response.headers.first(name: "Retry-After"),
                        body: body)
    }

    /// Full jitter: uniform in [0, min(cap, base × 2^(attempt-1))].
    private func backoff(_ attempt: Int) -> Duration {
        let ceiling = min(options.backoffCap, options.backoffBase * (1 << min(attempt - 1, 20)))
        return .nanoseconds(Int64.random(in: 0...max(1, Int64(ceiling.inNanoseconds))))
    }

    /// Retry-After as delay-seconds or an HTTP-date, at most `retryAfterCeiling` (a longer wait
    /// still fails the URL, as any wait over the fetcher's limit does); nil when the header is
    /// neither, or not a finite number.
    static func retryAfter(_ header: String) -> Duration? {
        let text = header.trimmingCharacters(in: .whitespaces)
        if let seconds = Double(text) { return seconds >= 0 ? Duration.seconds(clamping: seconds, to: retryAfterCeiling) : nil }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        guard let date = formatter.date(from: text) else { return nil }
        return Duration.seconds(clamping: date.timeIntervalSinceNow, to: retryAfterCeiling)
    }

    /// The longest Retry-After the fetcher represents: a day, far past any wait it honours.
    static let retryAfterCeiling = Duration.seconds(86_400)

    static func describe(_ error: Error) -> String {
        if let error = error as? HTTPClientError {
            switch error {
            case .connectTimeout: return "connect timeout"
            case .readTimeout: return "read timeout"
            case .deadlineExceeded: return "request timeout"
            case .remoteConnectionClosed: return "the server closed the connection"
            default: return "\(error)"
            }
        }
        return "\(error)"
    }

    // MARK: URLs

    struct Target {
        /// The URL requested: scheme and host lowercased, no fragment.
        var url: String
        /// The host exactly as AsyncHTTPClient reads it from `url` (IPv6 without brackets): the key
        /// of the client pool and of the DNS pin, so a request can never miss its pin.
        var host: String
        /// scheme://host[:port], the unit of politeness and robots.txt.
        var origin: String
        var pathAndQuery: String
    }

    /// Splits `url` into the parts the fetcher uses. The URL sent is normalized (lowercase scheme
    /// and host) and its host is then read back the way AsyncHTTPClient reads it (`URL.host`,
    /// which also turns an international name into punycode), so the pin is keyed by exactly the
    /// name the client looks up: a mixed-case or percent-encoded host cannot slip past it.
    func parse(_ url: String, original: String) throws(CrawlError) -> Target {
        guard var components = URLComponents(string: url), let scheme = components.scheme?.lowercased() else {
            throw CrawlError(url: original, .unsupportedURL("\(url) is not a URL"))
        }
        guard scheme == "http" || scheme == "https" else {
            throw CrawlError(url: original, .unsupportedURL("scheme \(scheme) in \(url) (only http and https are fetched)"))
        }
        components.scheme = scheme
        components.percentEncodedHost = components.percentEncodedHost?.lowercased()
        components.fragment = nil
        guard let normalized = components.string, let read = URL(string: normalized)?.host, !read.isEmpty else {
            throw CrawlError(url: original, .unsupportedURL("\(url) has no host"))
        }
        let host = read.hasPrefix("[") && read.hasSuffix("]") ? String(read.dropFirst().dropLast()) : read
        let port = components.port.map { ":\($0)" } ?? ""
        let path = components.percentEncodedPath.isEmpty ? "/" : components.percentEncodedPath
        let query = components.percentEncodedQuery.map { "?" + $0 } ?? ""
        let bracketed = host.contains(":") ? "[\(host)]" : host
        return Target(url: normalized, host: host, origin: "\(scheme)://\(bracketed)\(port)", pathAndQuery: path + query)
    }

    /// A URL in the form used to detect redirect loops (no fragment, lowercase scheme and host).
    private static func normalized(_ url: String) -> String {
        guard var components = URLComponents(string: url) else { return url }
        components.fragment = nil
        components.scheme = components.scheme?.lowercased()
        components.host = components.host?.lowercased()
        if components.path.isEmpty { components.path = "/" }
        return components.string ?? url
    }

    // MARK: robots.txt

    /// Reads `origin`'s robots.txt (no robots check of its own, same SSRF check and politeness).
    fileprivate func fetchRobots(_ origin: String) async -> RobotsRules {
        let url = origin + "/robots.txt"
        do {
            var current = url
            for _ in 0...options.maxRedirects {
                let target = try parse(current, original: url)
                let client = try await clients.client(for: target, url: url)
                let response = try await get(target, client: client, delay: options.perHostDelay, validators: Validators(),
                                             accept: "text/plain", original: url)
                switch response.status {
                case 200..<300: return RobotsRules(parsing: Charset.text(response.body), agent: options.robotsAgent)
                case 301, 302, 303, 307, 308:
                    guard let location = response.location, let next = URL(string: location, relativeTo: URL(string: current))?.absoluteString
                    else { return .allowAll }
                    current = next
                // RFC 9309: an unavailable robots.txt (4xx) allows everything; an unreachable one (5xx) nothing.
                case 400..<500: return .allowAll
                default: return .disallowAll
                }
            }
            return .allowAll
        } catch {
            logger.warning("robots.txt unreachable; treating the site as disallowed", metadata: ["url": "\(url)", "error": "\(error)"])
            return .disallowAll
        }
    }
}

/// robots.txt per origin, fetched once per crawl; concurrent askers share the one fetch.
private actor RobotsCache {
    private var entries: [String: Task<RobotsRules, Never>] = [:]

    func rules(for origin: String, fetcher: HTTPFetcher) async -> RobotsRules {
        if let task = entries[origin] { return await task.value }
        let task = Task { await fetcher.fetchRobots(origin) }
        entries[origin] = task
        return await task.value
    }
}

/// One HTTP client per host, created after the host passed the address check and pinned to the
/// checked address (AsyncHTTPClient's `dnsOverride`; TLS still verifies the host name), so a name
/// that resolves differently a moment later cannot redirect the connection (DNS rebinding).
/// A host is checked once per crawl; a refused host stays refused. Clients are keyed by
/// `Target.host`, the name AsyncHTTPClient looks the pin up by when it sends `Target.url`.
actor ClientPool {
    /// Checks a host (host, URL) and returns the address to pin it to.
    typealias Check = @Sendable (_ host: String, _ url: String) async throws(CrawlError) -> String

    private let configuration: HTTPClient.Configuration
    private let check: Check
    private var entries: [String: Task<HTTPClient, Error>] = [:]

    init(configuration: HTTPClient.Configuration, check: @escaping Check) {
        self.configuration = configuration
        self.check = check
    }

    func client(for target: HTTPFetcher.Target, url: String) async throws(CrawlError) -> HTTPClient {
        let host = target.host
        let task = entries[host] ?? Task { [configuration, check] in
            let address = try await check(host, url)
            var pinned = configuration
            pinned.dnsOverride = [host: address]
            return HTTPClient(eventLoopGroupProvider: .singleton, configuration: pinned)
        }
        entries[host] = task
        do { return try await task.value } catch let error as CrawlError {
            throw CrawlError(url: url, error.reason)
        } catch {
            throw CrawlError(url: url, .network("\(error)"))
        }
    }

    func shutdown() async {
        for task in entries.values {
            if let client = try? await task.value { try? await client.shutdown() }
        }
        entries = [:]
    }
}

extension AddressPolicy {
    /// `check(host:url:)` with its error typed for the fetcher.
    @discardableResult
    func checking(host: String, url: String) async throws(CrawlError) -> String {
        do { return try await check(host: host, url: url) } catch let error as CrawlError { throw error } catch {
            throw CrawlError(url: url, .network("\(error)"))
        }
    }
}

