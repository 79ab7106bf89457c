import Foundation

/// Cleans captured text before it becomes an event: Unicode NFC, typographic characters to their
/// plain forms (curly quotes, dashes, ellipsis, non-breaking and zero-width spaces), control
/// characters removed, trailing spaces and runs of blank lines trimmed (indentation is kept, so
/// code stays code), and personal data masked: e-mail addresses, phone numbers and URLs become
/// `[EMAIL]`, `[PHONE]` and `[URL]`. Deterministic: the same input always gives the same output,
/// so content hashes are stable.
public struct TextCleaner: Sendable {
    /// What to mask.
    public struct Masking: OptionSet, Sendable, Hashable {
        public let rawValue: Int
        public init(rawValue: Int) { self.rawValue = rawValue }
        public static let emails = Masking(rawValue: 1)
        public static let phones = Masking(rawValue: 2)
        public static let urls = Masking(rawValue: 4)
        public static let all: Masking = [.emails, .phones, .urls]

        /// Parses a comma-separated list (`emails,phones,urls`, `all` or `none`).
        public init?(list: String) {
            var masking: Masking = []
            for word in list.lowercased().split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) {
                switch word {
                case "emails", "email": masking.insert(.emails)
                case "phones", "phone": masking.insert(.phones)
                case "urls", "url": masking.insert(.urls)
                case "all": masking = .all
                case "none", "": break
                default: return nil
                }
            }
            self = masking
        }
    }

    public var masking: Masking

    public init(masking: Masking = .all) {
        self.masking = masking
    }

    /// The cleaned form of `text`.
    public func clean(_ text: String) -> String {
        var text = Self.normalizeCharacters(text.precomposedStringWithCanonicalMapping)
        if masking.contains(.urls) { text = Self.maskURLs(text) }
        if masking.contains(.emails) { text = Self.replace(Self.email, in: text, with: "[EMAIL]") }
        if masking.contains(.phones) { text = Self.maskPhones(text) }
        return Self.trimLines(text)
    }

    private static func normalizeCharacters(_ text: String) -> String {
        var scalars = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            switch scalar.value {
            case 0x2018, 0x2019, 0x201A, 0x201B, 0x2032: scalars.append("'")
            case 0x201C, 0x201D, 0x201E, 0x201F, 0x2033: scalars.append("\"")
            case 0x2010, 0x2011, 0x2012, 0x2013, 0x2014, 0x2015, 0x2212: scalars.append("-")
            case 0x2026: scalars.append(contentsOf: "...".unicodeScalars)
            case 0x00A0, 0x2000...0x200A, 0x202F, 0x205F, 0x3000: scalars.append(" ")
            case 0x200B...0x200D, 0x2060, 0xFEFF, 0x00AD: continue
            case 0x0D: continue
            case 0x09, 0x0A: scalars.append(scalar)
            case 0x00...0x1F, 0x7F...0x9F: continue
            default: scalars.append(scalar)
            }
        }
        return String(scalars)
    }

    /// Trailing spaces removed from each line, at most one blank line in a row, no blank start or end.
    private static func trimLines(_ text: String) -> String {
        var lines: [Substring] = []
        var blank = 0
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            var line = line
            while let last = line.last, last == " " || last == "\t" { line.removeLast() }
            if line.isEmpty {
                blank += 1
                continue
            }
            if !lines.isEmpty, blank > 0 { lines.append("") }
            blank = 0
            lines.append(line)
        }
        return lines.joined(separator: "\n")
    }

    // Patterns are compiled once and shared (NSRegularExpression is Sendable).
    private static let email = try! NSRegularExpression(
        pattern: #"(?<![\w.+-])[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}\b"#)
    private static let url = try! NSRegularExpression(
        pattern: #"\b(?:https?://|ftp://|www\.)[^\s<>"'`]+"#, options: [.caseInsensitive])
    private static let phone = try! NSRegularExpression(
        pattern: #"(?<![\w+.-])(?:\+\d{1,3}[ .-]?)?(?:\(\d{1,4}\)[ .-]?)?\d{2,4}(?:[ .-]\d{2,5}){1,4}(?![\w-]|\.\d)"#)

    private static func replace(_ pattern: NSRegularExpression, in text: String, with replacement: String) -> String {
        let range = NSRange(text.startIndex..., in: text)
        return pattern.stringByReplacingMatches(in: text, range: range, withTemplate: NSRegularExpression.escapedTemplate(for: replacement))
    }

    /// URLs lose trailing sentence punctuation and an unbalanced closing bracket to the text.
    private static func maskURLs(_ text: String) -> String {
        rewrite(url, in: text) { match in
            var trailing = ""
            var body = Substring(match)
            while let last = body.last, ".,;:!?)]}'\"".contains(last) {
                if last == ")", body.filter({ $0 == "(" }).count >= body.filter({ $0 == ")" }).count { break }
                trailing = String(last) + trailing
                body.removeLast()
            }
            return "[URL]" + trailing
        }
    }

    /// A phone number has 9 to 15 digits and either a leading `+`, an area code in brackets, or
    /// at least two separators; dotted quads (IP addresses) and dates are left alone.
    private static func maskPhones(_ text: String) -> String {
        rewrite(phone, in: text) { match in
            let digits = match.filter(\.isNumber).count
            let separators = match.filter { $0 == " " || $0 == "-" || $0 == "." }.count
            let groups = match.split(whereSeparator: { !$0.isNumber })
            let isDottedQuad = groups.count == 4 && !match.contains(" ") && !match.contains("-") && groups.allSatisfy { $0.count <= 3 }
            guard (9...15).contains(digits), !isDottedQuad,
                  match.hasPrefix("+") || match.contains("(") || separators >= 2 else { return match }
            return "[PHONE]"
        }
    }

    private static func rewrite(_ pattern: NSRegularExpression, in text: String, _ transform: (String) -> String) -> String {
        let matches = pattern.matches(in: text, range: NSRange(text.startIndex..., in: text))
        guard !matches.isEmpty else { return text }
        var result = ""
        var cursor = text.startIndex
        for match in matches {
            guard let range = Range(match.range, in: text) else { continue }
            result += text[cursor..<range.lowerBound]
            result += transform(String(text[range]))
            cursor = range.upperBound
        }
        result += text[cursor...]
        return result
    }
}
