import Foundation

/// The rules of one robots.txt for one user agent (RFC 9309): the group naming our product token
/// (or `*` when none does), `Allow`/`Disallow` patterns with `*` and `$`, the longest match
/// deciding and `Allow` winning a tie, plus the non-standard but common `Crawl-delay`.
///
/// Written here because no available Swift package parses robots.txt.
public struct RobotsRules: Sendable, Equatable {
    struct Rule: Sendable, Equatable {
        var allow: Bool
        var pattern: String
    }

    var rules: [Rule]
    /// Seconds to wait between requests, when the site asks for it.
    public var crawlDelay: Double?

    /// Everything allowed (no robots.txt, or a 4xx for it).
    public static let allowAll = RobotsRules(rules: [], crawlDelay: nil)
    /// Nothing allowed (robots.txt unreachable with a server error: RFC 9309 says assume disallowed).
    public static let disallowAll = RobotsRules(rules: [Rule(allow: false, pattern: "/")], crawlDelay: nil)

    init(rules: [Rule], crawlDelay: Double?) {
        self.rules = rules
        self.crawlDelay = crawlDelay
    }

    /// Parses `text` for the product token `agent` (matched case-insensitively as a prefix of a
    /// group's user-agent line, as crawlers conventionally do).
    public init(parsing text: String, agent: String) {
        let agent = agent.lowercased()
        struct Group { var agents: [String] = []; var rules: [Rule] = []; var delay: Double? }
        var groups: [Group] = []
        var current = Group()
        var lastWasAgent = false
        for rawLine in text.split(whereSeparator: { $0 == "\n" || $0 == "\r" }) {
            let line = rawLine.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
            guard let colon = line.firstIndex(of: ":") else { continue }
            let field = line[..<colon].trimmed(of: " \t").lowercased()
            let value = line[line.index(after: colon)...].trimmed(of: " \t")
            switch field {
            case "user-agent":
                if !lastWasAgent, !current.agents.isEmpty {
                    groups.append(current)
                    current = Group()
                }
                current.agents.append(value.lowercased())
                lastWasAgent = true
            case "allow", "disallow":
                lastWasAgent = false
                // An empty Disallow allows everything; an empty Allow says nothing.
                guard !value.isEmpty else { continue }
                current.rules.append(Rule(allow: field == "allow", pattern: value))
            case "crawl-delay":
                lastWasAgent = false
                // Only a finite, non-negative number of seconds is a delay; "nan" or "-1" says nothing.
                current.delay = Double(value).flatMap { $0.isFinite && $0 >= 0 ? $0 : nil }
            default:
                continue
            }
        }
        if !current.agents.isEmpty { groups.append(current) }
        let specific = groups.filter { $0.agents.contains { $0 != "*" && agent.hasPrefix($0) } }
        let chosen = specific.isEmpty ? groups.filter { $0.agents.contains("*") } : specific
        self.init(rules: chosen.flatMap(\.rules), crawlDelay: chosen.compactMap(\.delay).max())
    }

    /// Whether `path` (path and query, starting with `/`) may be fetched.
    public func allows(_ path: String) -> Bool {
        let path = path.isEmpty ? "/" : path
        var best: (length: Int, allow: Bool)?
        for rule in rules where Self.matches(rule.pattern, path) {
            let length = rule.pattern.count
            if best == nil || length > best!.length || (length == best!.length && rule.allow) { best = (length, rule.allow) }
        }
        return best?.allow ?? true
    }

    /// `*` matches any run of characters, a final `$` anchors the end, anything else is a prefix.
    static func matches(_ pattern: String, _ path: String) -> Bool {
        var pattern = Substring(pattern)
        let anchored = pattern.hasSuffix("$")
        if anchored { pattern.removeLast() }
        let pieces = pattern.split(separator: "*", omittingEmptySubsequences: false)
        var rest = Substring(path)
        for (index, piece) in pieces.enumerated() {
            if index == 0 {
                guard rest.hasPrefix(piece) else { return false }
                rest = rest.dropFirst(piece.count)
                continue
            }
            if index == pieces.count - 1, anchored {
                return rest.hasSuffix(piece)
            }
            guard let range = rest.range(of: piece) else { return false }
            rest = rest[range.upperBound...]
        }
        return !anchored || rest.isEmpty
    }
}
