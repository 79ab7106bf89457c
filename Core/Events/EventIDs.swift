import Crypto
import Foundation
import TwinlogRuntime

/// Deterministic ids, so re-processing the same input produces the same ids and every downstream
/// effect is an idempotent keyed upsert.
public enum EventIDs {
    /// Lowercase hex SHA-256 of `text`'s UTF-8 bytes.
    public static func sha256Hex(_ text: String) -> String {
        SHA256.hash(data: Array(text.utf8)).hexDigits
    }

    /// The content hash of cleaned text.
    public static func contentHash(_ content: String) -> String { sha256Hex(content) }

    /// A document id from its source: `doc_` + 32 hex digits of SHA-256 over the canonical URL.
    public static func documentId(url: String) -> String {
        "doc_" + sha256Hex(canonicalURL(url)).prefix(32)
    }

    /// A document id for a file in a repository (the repository's canonical URL + the file path).
    public static func documentId(repository: String, path: String) -> String {
        documentId(url: canonicalURL(repository) + "/blob/" + path)
    }

    /// An author id: a readable slug of the author's name (`Jane Doe` → `jane-doe`).
    public static func authorId(name: String) -> String {
        let folded = name.folding(options: [.caseInsensitive, .diacriticInsensitive], locale: Locale(identifier: "en_US_POSIX"))
        var slug = ""
        for scalar in folded.unicodeScalars {
            if CharacterSet.alphanumerics.contains(scalar), scalar.isASCII { slug.unicodeScalars.append(scalar) }
            else if !slug.isEmpty, !slug.hasSuffix("-") { slug += "-" }
        }
        while slug.hasSuffix("-") { slug.removeLast() }
        return slug.isEmpty ? "author-" + sha256Hex(name).prefix(12) : slug
    }

    /// A URL in canonical form: lowercase scheme and host, no fragment, no default port, no
    /// trailing slash, no `utm_*` tracking parameters.
    public static func canonicalURL(_ url: String) -> String {
        guard var components = URLComponents(string: url.trimmingCharacters(in: .whitespacesAndNewlines)),
              components.scheme != nil else { return url.trimmingCharacters(in: .whitespacesAndNewlines) }
        components.scheme = components.scheme?.lowercased()
        components.host = components.host?.lowercased()
        components.fragment = nil
        if (components.scheme == "https" && components.port == 443) || (components.scheme == "http" && components.port == 80) {
            components.port = nil
        }
        components.queryItems = components.queryItems?.filter { !$0.name.lowercased().hasPrefix("utm_") }
        if components.queryItems?.isEmpty == true { components.queryItems = nil }
        while components.path.count > 1, components.path.hasSuffix("/") { components.path.removeLast() }
        if components.path == "/" { components.path = "" }
        return components.string ?? url
    }
}
