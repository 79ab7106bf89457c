extension Chunker {
    /// Structure-aware chunks: the document is cut into sections (`DocumentSections`), small
    /// sibling sections are merged up to the window, each section is packed into windows of at
    /// most `policy.windowTokens - reserveTokens` pieces with `policy.segmentation` (lines for
    /// code, configuration, notebooks and plain text, sentences for prose, articles and Markdown
    /// with `ChunkingPolicy.structuredPolicy(for:)`), and every chunk carries its section's trail
    /// (see `SectionPlanner` for how merged sections are named). `reserveTokens` is room the
    /// caller keeps for a header it prepends before embedding (clamped so a chunk may hold at
    /// least one piece). A sentence longer than the window is cut at its lines before falling back
    /// to token windows; otherwise a document without sections (`.prose`, `.plain`) with no
    /// reserve gives the same chunks as `chunks(of:documentId:policy:)`.
    ///
    /// Guarantees, besides those of `Chunker`: chunks hold 1...(window − reserve) pieces; a
    /// section is split only when it alone exceeds that; overlap repeats text only within the
    /// section being split, never from the section before; without overlap, the chunks hold every
    /// word piece of the document exactly once, in order. Ids follow the same rule as always, so
    /// a chunk whose text did not change keeps its id.
    public func chunks(of text: String, documentId: String, policy: ChunkingPolicy, format: TextFormat,
                       reserveTokens: Int) -> [Chunk] {
        let utf8 = Array(text.utf8)
        let pieces = tokenizer.pieces(of: text)
        guard !pieces.isEmpty else { return [] }
        let window = max(1, min(policy.windowTokens, tokenizer.maxLength - 2) - max(0, reserveTokens))
        let overlap = min(policy.overlapTokens, window - 1)
        let source = SourceLines(utf8)
        let starts = pieces.map(\.utf8Range.lowerBound)
        let planner = SectionPlanner(source: source, pieceStarts: starts, window: window)
        var spans: [(pieces: Range<Int>, trail: [String])] = []
        for unit in planner.units(of: DocumentSections.tree(of: source, format: format)) {
            guard unit.pieces.count > window else {
                spans.append((unit.pieces, unit.trail))
                continue
            }
            let parts: [Range<Int>]
            if policy.segmentation == .tokenWindows {
                parts = Self.windows(over: unit.pieces, pieces: pieces, window: window, overlap: overlap)
            } else {
                let segments = Self.segments(of: unit.bytes, in: utf8, by: policy.segmentation, pieceStarts: starts,
                                             window: window)
                parts = Self.pack(Self.pieceRanges(of: segments, pieces: pieces, within: unit.pieces),
                                  pieces: pieces, window: window, overlap: overlap)
            }
            spans += parts.map { ($0, unit.trail) }
        }
        return spans.enumerated().map { index, span in
            let bytes = pieces[span.pieces.lowerBound].utf8Range.lowerBound..<pieces[span.pieces.upperBound - 1].utf8Range.upperBound
            return Chunk(documentId: documentId, index: index, text: String(decoding: utf8[bytes], as: UTF8.self),
                         tokenCount: span.pieces.count, utf8Range: bytes, trail: span.trail)
        }
    }
}

extension Chunker {
    /// The sentences or lines of `bytes`. A sentence longer than the window (a code block, a
    /// table, a list without punctuation) is replaced by its lines, so it is cut between lines
    /// rather than anywhere, and a heading before it can share its first chunk.
    fileprivate static func segments(of bytes: Range<Int>, in utf8: [UInt8], by segmentation: ChunkingPolicy.Segmentation,
                                     pieceStarts: [Int], window: Int) -> [Range<Int>] {
        let lines = { (range: Range<Int>) in
            TextSegmenter.lines(of: Array(utf8[range])).map { $0.shifted(by: range.lowerBound) }
        }
        guard segmentation == .sentences else { return lines(bytes) }
        let sentences = TextSegmenter.sentences(of: String(decoding: utf8[bytes], as: UTF8.self))
            .map { $0.shifted(by: bytes.lowerBound) }
        return sentences.flatMap { sentence -> [Range<Int>] in
            let count = pieceStarts.firstIndex(atLeast: sentence.upperBound) - pieceStarts.firstIndex(atLeast: sentence.lowerBound)
            return count > window ? lines(sentence) : [sentence]
        }
    }
}

extension Range<Int> {
    func shifted(by offset: Int) -> Range<Int> {
        lowerBound + offset..<upperBound + offset
    }
}

extension [Int] {
    /// The index of the first element at least `value` in this ascending array (`count` if none).
    func firstIndex(atLeast value: Int) -> Int {
        var low = 0
        var high = count
        while low < high {
            let middle = (low + high) / 2
            if self[middle] < value { low = middle + 1 } else { high = middle }
        }
        return low
    }
}
