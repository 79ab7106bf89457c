/// The lines of a document as UTF-8 byte offsets, with the measures the section scanners use.
///
/// Line `i` starts at `starts[i]` and its content (without `\n` or `\r\n`) ends at `ends[i]`;
/// the bytes of lines `a..<b`, their line breaks included, are `byteRange(a..<b)`, so consecutive
/// line ranges give consecutive byte ranges that together cover the whole document.
struct SourceLines {
    let utf8: [UInt8]
    let starts: [Int]
    let ends: [Int]
    /// Each line's content, without its line break.
    let texts: [String]

    init(_ utf8: [UInt8]) {
        self.utf8 = utf8
        var starts = [0]
        var ends: [Int] = []
        for (offset, byte) in utf8.enumerated() where byte == 0x0A {
            ends.append(offset > starts.last! && utf8[offset - 1] == 0x0D ? offset - 1 : offset)
            starts.append(offset + 1)
        }
        ends.append(utf8.count)
        self.starts = starts
        self.ends = ends
        texts = zip(starts, ends).map { String(decoding: utf8[$0..<$1], as: UTF8.self) }
    }

    var count: Int { starts.count }

    /// The bytes of `lines`, line breaks included; the last line runs to the end of the document.
    func byteRange(_ lines: Range<Int>) -> Range<Int> {
        guard !lines.isEmpty else {
            let at = lines.lowerBound < count ? starts[lines.lowerBound] : utf8.count
            return at..<at
        }
        return starts[lines.lowerBound]..<(lines.upperBound < count ? starts[lines.upperBound] : utf8.count)
    }

    /// Line `index` without leading and trailing whitespace.
    func trimmed(_ index: Int) -> Substring {
        texts[index].trimmingASCIIWhitespace()
    }

    /// Whether line `index` holds only spaces and tabs.
    func isBlank(_ index: Int) -> Bool {
        utf8[starts[index]..<ends[index]].allSatisfy { $0 == 0x20 || $0 == 0x09 || $0 == 0x0B || $0 == 0x0C }
    }

    /// The leading spaces and tabs of line `index` (a tab counts as one column).
    func indent(_ index: Int) -> Int {
        var column = 0
        var offset = starts[index]
        while offset < ends[index], utf8[offset] == 0x20 || utf8[offset] == 0x09 {
            column += 1
            offset += 1
        }
        return column
    }
}

extension StringProtocol {
    /// The text without leading and trailing ASCII whitespace.
    func trimmingASCIIWhitespace() -> Substring {
        let isSpace: (Character) -> Bool = { $0.isASCII && $0.isWhitespace }
        guard let first = firstIndex(where: { !isSpace($0) }), let last = lastIndex(where: { !isSpace($0) }) else {
            return Substring()
        }
        return Substring(self[first...last])
    }
}
