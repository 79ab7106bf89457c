import Foundation

/// Finds a response's character set (HTTP header, byte-order mark, `<meta charset>` or XML
/// declaration, else UTF-8) and makes UTF-8 bodies safe: invalid sequences become U+FFFD, never a
/// crash and never a parser switching to Latin-1 half-way through a page.
public enum Charset {
    /// The body as the parser should see it, with the encoding to give the parser.
    public struct Decoded: Sendable {
        public var bytes: [UInt8]
        /// An IANA name for libxml2 (`utf-8`, `windows-1252`, …).
        public var encoding: String
        /// Whether invalid UTF-8 was replaced.
        public var repaired: Bool
    }

    /// Decodes `body` received with `contentType`.
    public static func decode(_ body: [UInt8], contentType: String?) -> Decoded {
        let declared = (contentType.flatMap(parameter) ?? bom(body) ?? sniff(body))?.lowercased()
        if let declared, !["utf-8", "utf8", "us-ascii", "ascii", "unicode-1-1-utf-8"].contains(declared) {
            return Decoded(bytes: body, encoding: declared == "iso-8859-1" || declared == "latin1" ? "windows-1252" : declared, repaired: false)
        }
        let (bytes, repaired) = repairUTF8(body)
        return Decoded(bytes: bytes, encoding: "utf-8", repaired: repaired)
    }

    /// `body` as text: UTF-8 with invalid sequences replaced (robots.txt, CSV, plain text).
    public static func text(_ body: [UInt8]) -> String {
        String(decoding: body.starts(with: [0xEF, 0xBB, 0xBF]) ? Array(body.dropFirst(3)) : body, as: UTF8.self)
    }

    /// Valid UTF-8 for `bytes`, without a byte-order mark; whether anything was replaced.
    static func repairUTF8(_ bytes: [UInt8]) -> ([UInt8], Bool) {
        let bytes = bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? Array(bytes.dropFirst(3)) : bytes
        if String(validating: bytes, as: UTF8.self) != nil { return (bytes, false) }
        return (Array(String(decoding: bytes, as: UTF8.self).utf8), true)
    }

    /// The `charset` parameter of a Content-Type value.
    static func parameter(_ contentType: String) -> String? {
        for part in contentType.split(separator: ";").dropFirst() {
            let pair = part.split(separator: "=", maxSplits: 1).map { $0.trimmed(of: " \t\"'") }
            if pair.count == 2, pair[0].lowercased() == "charset", !pair[1].isEmpty { return pair[1] }
        }
        return nil
    }

    private static func bom(_ body: [UInt8]) -> String? {
        if body.starts(with: [0xEF, 0xBB, 0xBF]) { return "utf-8" }
        if body.starts(with: [0xFE, 0xFF]) { return "utf-16be" }
        if body.starts(with: [0xFF, 0xFE]) { return "utf-16le" }
        return nil
    }

    /// `<meta charset=…>`, `<meta http-equiv=Content-Type content="…; charset=…">` or
    /// `<?xml … encoding="…"?>` in the first 2 KiB, as browsers pre-scan.
    private static func sniff(_ body: [UInt8]) -> String? {
        let head = String(decoding: body.prefix(2048), as: UTF8.self).lowercased()
        for marker in ["charset=", "encoding="] {
            guard let range = head.range(of: marker) else { continue }
            let rest = head[range.upperBound...].drop { $0 == "\"" || $0 == "'" || $0 == " " }
            let name = rest.prefix { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" || $0 == ":" || $0 == "." }
            if !name.isEmpty { return String(name) }
        }
        return nil
    }
}

extension StringProtocol {
    /// The text without the given characters at either end.
    func trimmed(of characters: String) -> String {
        var slice = Substring(self)
        while let first = slice.first, characters.contains(first) { slice.removeFirst() }
        while let last = slice.last, characters.contains(last) { slice.removeLast() }
        return String(slice)
    }
}
