/// Cuts documents into chunks that fit the embedder, counting in its own word pieces.
///
/// Guarantees: every chunk holds 1...`windowTokens` word pieces and its text is a verbatim slice
/// of the document; cuts fall between words unless one word alone exceeds the window (a word has
/// at most 100 pieces, so windows of 100 or more never cut one); with sentences or lines, a segment
/// is split only when it alone exceeds the window; chunks cover every word piece of the document
/// in order; the same input always gives the same chunks and ids.
public struct Chunker: Sendable {
    /// The embedder's tokenizer, which defines what a token is.
    public let tokenizer: WordPieceTokenizer

    public init(tokenizer: WordPieceTokenizer) {
        self.tokenizer = tokenizer
    }

    /// The chunks of `text` with the defaults for `kind` (see `ChunkingPolicy.defaults(for:)`).
    public func chunks(of text: String, documentId: String, kind: DocumentKind) -> [Chunk] {
        chunks(of: text, documentId: documentId, policy: .defaults(for: kind))
    }

    /// The chunks of `text` under `policy`.
    public func chunks(of text: String, documentId: String, policy: ChunkingPolicy) -> [Chunk] {
        let utf8 = Array(text.utf8)
        let pieces = tokenizer.pieces(of: text)
        let window = max(1, min(policy.windowTokens, tokenizer.maxLength - 2))
        let overlap = min(policy.overlapTokens, window - 1)
        let spans: [Range<Int>]
        switch policy.segmentation {
        case .tokenWindows:
            spans = Self.windows(over: 0..<pieces.count, pieces: pieces, window: window, overlap: overlap)
        case .sentences:
            let segments = Self.pieceRanges(of: TextSegmenter.sentences(of: text, utf8: utf8), pieces: pieces)
            spans = Self.pack(segments, pieces: pieces, window: window, overlap: overlap)
        case .lines:
            let segments = Self.pieceRanges(of: TextSegmenter.lines(of: utf8), pieces: pieces)
            spans = Self.pack(segments, pieces: pieces, window: window, overlap: overlap)
        }
        return spans.enumerated().map { index, span in
            let bytes = pieces[span.lowerBound].utf8Range.lowerBound..<pieces[span.upperBound - 1].utf8Range.upperBound
            return Chunk(documentId: documentId, index: index, text: String(decoding: utf8[bytes], as: UTF8.self),
                         tokenCount: span.count, utf8Range: bytes)
        }
    }

    /// The pieces (as index ranges) of `within` that start inside each byte range; a piece before
    /// a segment joins it, pieces after the last join the last; segments without pieces are dropped.
    static func pieceRanges(of segments: [Range<Int>], pieces: [WordPiece], within: Range<Int>? = nil) -> [Range<Int>] {
        let within = within ?? 0..<pieces.count
        var result: [Range<Int>] = []
        var next = within.lowerBound
        for segment in segments {
            let start = next
            while next < within.upperBound, pieces[next].utf8Range.lowerBound < segment.upperBound { next += 1 }
            if next > start { result.append(start..<next) }
        }
        if next < within.upperBound, let last = result.popLast() {
            result.append(last.lowerBound..<within.upperBound)
        }
        return result
    }

    /// Packs consecutive segments into spans of at most `window` pieces. The next span starts with
    /// the previous span's trailing segments that total at most `overlap` pieces (and still leave
    /// room for the segment that did not fit); a segment longer than the window is cut into windows.
    static func pack(_ segments: [Range<Int>], pieces: [WordPiece], window: Int, overlap: Int) -> [Range<Int>] {
        var spans: [Range<Int>] = []
        var current: [Range<Int>] = []
        var size = 0
        for segment in segments {
            if segment.count > window {
                if !current.isEmpty { spans.append(current.first!.lowerBound..<current.last!.upperBound) }
                current = []
                size = 0
                spans += windows(over: segment, pieces: pieces, window: window, overlap: overlap)
                continue
            }
            if size + segment.count > window {
                spans.append(current.first!.lowerBound..<current.last!.upperBound)
                var carried: [Range<Int>] = []
                var carriedSize = 0
                for previous in current.reversed() {
                    let grown = carriedSize + previous.count
                    guard grown <= overlap, grown + segment.count <= window else { break }
                    carried.insert(previous, at: 0)
                    carriedSize = grown
                }
                current = carried
                size = carriedSize
            }
            current.append(segment)
            size += segment.count
        }
        if !current.isEmpty { spans.append(current.first!.lowerBound..<current.last!.upperBound) }
        return spans
    }

    /// Fixed windows of at most `window` pieces over `range`. A window ends before the last word
    /// that would not fit, unless that word alone exceeds the window (then the cut falls inside it).
    /// After a cut between words the next window starts at the first word start at most `overlap`
    /// pieces back (or, when one long word covers all of those, at that word's start); after a cut
    /// inside a word it starts exactly `overlap` pieces back.
    static func windows(over range: Range<Int>, pieces: [WordPiece], window: Int, overlap: Int) -> [Range<Int>] {
        func nextWordStart(after index: Int) -> Int {
            (index + 1..<range.upperBound).first { pieces[$0].startsWord } ?? range.upperBound
        }
        var spans: [Range<Int>] = []
        var start = range.lowerBound
        while start < range.upperBound {
            var end = min(start + window, range.upperBound)
            if end < range.upperBound, let wordStart = (start + 1...end).last(where: { pieces[$0].startsWord }),
               nextWordStart(after: wordStart) - wordStart <= window {
                end = wordStart
            }
            spans.append(start..<end)
            guard end < range.upperBound else { break }
            let desired = max(end - overlap, start + 1)
            if pieces[end].startsWord {
                start = (desired..<end).first { pieces[$0].startsWord }
                    ?? (start + 1..<desired).last { pieces[$0].startsWord && overlap > 0 }
                    ?? end
            } else {
                start = desired
            }
        }
        return spans
    }
}
