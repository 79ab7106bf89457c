/// Why one source (a URL, a repository, an export folder) could not be crawled. Always names the
/// source and what was wrong; a failure stops only its own source, never the crawl.
public struct CrawlError: Error, CustomStringConvertible, Sendable, Equatable {
    /// What went wrong, in categories a caller can test for.
    public enum Reason: Sendable, Equatable {
        /// The host resolves to an address the `AddressPolicy` forbids (SSRF guard).
        case addressRefused(String)
        /// robots.txt disallows the path for our user agent.
        case robotsDisallowed(String)
        /// A redirect came back to a URL already visited.
        case redirectLoop([String])
        /// More redirects than allowed.
        case tooManyRedirects(Int)
        /// The body is larger than allowed.
        case bodyTooLarge(limit: Int)
        /// The server answered with an error status (after retries, when retriable).
        case httpStatus(Int)
        /// Retry-After asked for a longer wait than allowed.
        case retryAfterTooLong(seconds: Double)
        /// Connection, DNS, TLS or timeout failure (after retries).
        case network(String)
        /// Only http and https URLs are fetched.
        case unsupportedURL(String)
        /// The response is not something this crawler can read (no main text, not a feed, …).
        case badContent(String)
        /// A git command failed.
        case git(String)
        /// A sources file, folder or option is wrong.
        case invalidSource(String)
        /// Producing the events or recording crawl state failed.
        case emit(String)
    }

    public let url: String
    public let reason: Reason

    public init(url: String, _ reason: Reason) {
        self.url = url
        self.reason = reason
    }

    public var description: String {
        let what = switch reason {
        case .addressRefused(let detail): "refused to connect: \(detail) (private, loopback and link-local addresses are not crawled)"
        case .robotsDisallowed(let detail): "disallowed by robots.txt: \(detail)"
        case .redirectLoop(let chain): "redirect loop: " + chain.joined(separator: " → ")
        case .tooManyRedirects(let limit): "more than \(limit) redirects"
        case .bodyTooLarge(let limit): "the body exceeds the \(limit)-byte limit"
        case .httpStatus(let status): "HTTP status \(status)"
        case .retryAfterTooLong(let seconds): "the server asks to retry after \(Int(seconds)) s, longer than allowed"
        case .network(let detail): "network error: \(detail)"
        case .unsupportedURL(let detail): "unsupported URL: \(detail)"
        case .badContent(let detail): detail
        case .git(let detail): "git: \(detail)"
        case .invalidSource(let detail): detail
        case .emit(let detail): "could not emit events: \(detail)"
        }
        return "\(url): \(what)"
    }
}
