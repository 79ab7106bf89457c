/// Cuts a text into sentences or lines, as UTF-8 byte ranges, for sentence-aware chunking.
///
/// Foundation's sentence enumeration is not available on Linux, so sentence boundaries follow
/// plain rules that suit English prose and markdown:
/// - a sentence ends after `.`, `!`, `?` or `…` (and any closing quotes or brackets) followed by
///   whitespace, unless the `.` ends a known abbreviation or a single letter (an initial), or the
///   number that opens a line (a numbered list's `1.`), or the next word starts with a lower-case
///   letter or a digit;
/// - `。`, `！`, `？` end a sentence without needing whitespace;
/// - a blank line, or a line break before a list item or heading, always ends one.
/// Ranges exclude surrounding whitespace; text without any non-whitespace yields none.
public enum TextSegmenter {
    /// Words that a `.` follows without ending the sentence (compared in lower case).
    public static let abbreviations: Set<String> = [
        "mr", "mrs", "ms", "dr", "prof", "sr", "jr", "st", "vs", "etc", "e.g", "i.e", "inc", "ltd", "co",
        "no", "fig", "al", "approx", "cf", "dept", "est", "jan", "feb", "mar", "apr", "jun", "jul", "aug",
        "sep", "sept", "oct", "nov", "dec", "u.s", "u.k", "ph.d", "vol", "p", "pp", "ed", "eq",
    ]

    /// The sentences of `text`, as UTF-8 byte ranges.
    public static func sentences(of text: String) -> [Range<Int>] {
        sentences(of: text, utf8: Array(text.utf8))
    }

    /// The non-blank lines of `text` without their line breaks, as UTF-8 byte ranges.
    public static func lines(of text: String) -> [Range<Int>] {
        lines(of: Array(text.utf8))
    }

    /// The lines of a text given as UTF-8 (without their line breaks), skipping blank ones.
    static func lines(of utf8: [UInt8]) -> [Range<Int>] {
        var ranges: [Range<Int>] = []
        var start = 0
        for (offset, byte) in utf8.enumerated() where byte == 0x0A {
            appendTrimmed(start..<offset, of: utf8, to: &ranges)
            start = offset + 1
        }
        appendTrimmed(start..<utf8.count, of: utf8, to: &ranges)
        return ranges
    }

    /// The sentences of `text`, whose UTF-8 is `utf8`.
    static func sentences(of text: String, utf8: [UInt8]) -> [Range<Int>] {
        let scalars = Array(text.unicodeScalars)
        var offsets: [Int] = []
        offsets.reserveCapacity(scalars.count + 1)
        var offset = 0
        for scalar in scalars {
            offsets.append(offset)
            offset += UTF8.width(scalar)
        }
        offsets.append(offset)

        var ranges: [Range<Int>] = []
        var start = 0
        var index = 0
        while index < scalars.count {
            if let end = sentenceEnd(in: scalars, at: index) {
                appendTrimmed(offsets[start]..<offsets[end], of: utf8, to: &ranges)
                start = end
                index = end
            } else {
                index += 1
            }
        }
        appendTrimmed(offsets[start]..<offsets[scalars.count], of: utf8, to: &ranges)
        return ranges
    }

    /// If a sentence ends at `index`, the scalar index just past its last character (always > `index`).
    private static func sentenceEnd(in scalars: [Unicode.Scalar], at index: Int) -> Int? {
        let scalar = scalars[index]
        if scalar == "\n" {
            return paragraphBreak(in: scalars, after: index) ? index + 1 : nil
        }
        if "。！？".unicodeScalars.contains(scalar) { return closing(in: scalars, from: index + 1) }
        guard ".!?…".unicodeScalars.contains(scalar) else { return nil }
        var runEnd = index + 1
        while runEnd < scalars.count, ".!?…".unicodeScalars.contains(scalars[runEnd]) { runEnd += 1 }
        let end = closing(in: scalars, from: runEnd)
        guard end == scalars.count || scalars[end].properties.isWhitespace else { return nil }
        if scalar == ".", runEnd == index + 1, endsAbbreviation(scalars, dotAt: index) || marksListItem(scalars, dotAt: index) { return nil }
        var next = end
        while next < scalars.count, scalars[next].properties.isWhitespace, scalars[next] != "\n" { next += 1 }
        if next < scalars.count {
            let following = scalars[next]
            if following.properties.isLowercase || following.properties.numericType != nil { return nil }
        }
        return end
    }

    /// Past any closing quotes and brackets from `index`.
    private static func closing(in scalars: [Unicode.Scalar], from index: Int) -> Int {
        var end = index
        while end < scalars.count, "\"')]»”’」』".unicodeScalars.contains(scalars[end]) { end += 1 }
        return end
    }

    /// Whether the `.` at `dotAt` closes an abbreviation or an initial.
    private static func endsAbbreviation(_ scalars: [Unicode.Scalar], dotAt: Int) -> Bool {
        var start = dotAt
        while start > 0, !scalars[start - 1].properties.isWhitespace, scalars[start - 1] != "(" { start -= 1 }
        let word = String(String.UnicodeScalarView(scalars[start..<dotAt])).lowercased()
        if word.unicodeScalars.count == 1, word.unicodeScalars.first!.properties.isAlphabetic { return true }
        return abbreviations.contains(word)
    }

    /// Whether the `.` at `dotAt` follows the number that opens a line (`1. **Base Model**: …`): it
    /// marks an item of a numbered list and ends no sentence.
    private static func marksListItem(_ scalars: [Unicode.Scalar], dotAt: Int) -> Bool {
        var start = dotAt
        while start > 0, ("0"..."9").contains(scalars[start - 1]) { start -= 1 }
        guard start < dotAt else { return false }
        var before = start
        while before > 0, scalars[before - 1] == " " || scalars[before - 1] == "\t" { before -= 1 }
        return before == 0 || scalars[before - 1] == "\n"
    }

    /// Whether the line break at `index` starts a blank line, a list item or a heading.
    private static func paragraphBreak(in scalars: [Unicode.Scalar], after index: Int) -> Bool {
        var next = index + 1
        while next < scalars.count, scalars[next] == " " || scalars[next] == "\t" || scalars[next] == "\r" { next += 1 }
        guard next < scalars.count else { return false }
        let first = scalars[next]
        if first == "\n" || first == "#" || first == "•" { return true }
        if (first == "-" || first == "*" || first == "+"), next + 1 < scalars.count, scalars[next + 1] == " " { return true }
        var digits = next
        while digits < scalars.count, ("0"..."9").contains(scalars[digits]) { digits += 1 }
        return digits > next && digits + 1 < scalars.count && (scalars[digits] == "." || scalars[digits] == ")")
            && scalars[digits + 1] == " "
    }

    /// Appends `range` of `utf8` without its leading and trailing whitespace, if anything remains.
    private static func appendTrimmed(_ range: Range<Int>, of utf8: [UInt8], to ranges: inout [Range<Int>]) {
        var lower = range.lowerBound
        var upper = range.upperBound
        while lower < upper, isASCIIWhitespace(utf8[lower]) { lower += 1 }
        while upper > lower, isASCIIWhitespace(utf8[upper - 1]) { upper -= 1 }
        if lower < upper { ranges.append(lower..<upper) }
    }

    private static func isASCIIWhitespace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D || byte == 0x0B || byte == 0x0C
    }
}
