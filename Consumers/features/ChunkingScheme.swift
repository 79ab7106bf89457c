import Foundation
import TwinlogEvents
import TwinlogText

/// How the feature consumer cuts a document into chunks and what it embeds for each.
///
/// - `plain`: windows of sentences or lines by document kind (`ChunkingPolicy.defaults(for:)`),
///   the chunk's own text embedded — the scheme before structure-aware chunking.
/// - `structured`: sections first (`DocumentSections`: Markdown headings, top-level code
///   definitions, configuration keys, notebook cells), then windows inside each section.
/// - `structuredHeaders` (the default): as `structured`, and what is embedded and indexed begins
///   with a compact header — source, path or title, section trail — so a chunk of
///   `recipes/zephyr/dpo/config.yaml` says which repository, file and key it belongs to even when
///   its own lines do not. The stored chunk text stays the document's own text.
///
/// A chunk id is the hex SHA-256 of document id, newline, and the embedded text (header and chunk),
/// so the same document under the same scheme always gives the same ids, and a change of header
/// is a new chunk. Each chunk set records the scheme's `version`: a document stored under another
/// version is re-chunked even when its content is unchanged, which is how `twinlog replay
/// features` moves the whole index to a new chunker.
public struct ChunkingScheme: Sendable, Hashable {
    /// The three schemes, by the name `twinlog run --chunking` takes.
    public enum Style: String, Sendable, Hashable, CaseIterable {
        case plain
        case structured
        case structuredHeaders = "structured-headers"
    }

    public var style: Style

    public init(_ style: Style) { self.style = style }

    /// The scheme the feature consumer uses unless told otherwise.
    public static let current = ChunkingScheme(.structuredHeaders)

    /// Recorded with each chunk set; bump the number when the chunker's output changes.
    public var version: String { style.rawValue + "/1" }

    /// Embedder word pieces kept for the header in front of a chunk; a longer header is cut.
    public static let headerTokens = 40

    /// A chunk ready to embed: the chunk (document text), its id, what is embedded, and the
    /// source and section trail that the index stores with it.
    public struct Piece: Sendable, Hashable {
        public var id: String
        public var chunk: Chunk
        public var embeddedText: String
        public var source: String
        public var section: String
    }

    /// The pieces of a document in order, each id once (a repeated passage keeps its first place).
    public func pieces(of row: DocumentRow, content: String, chunker: Chunker) -> [Piece] {
        let kind = row.kind
        let source = Self.source(platform: row.platform, url: row.url)
        let chunks: [Chunk]
        switch style {
        case .plain:
            chunks = chunker.chunks(of: content, documentId: row.documentId, kind: kind)
        case .structured, .structuredHeaders:
            let format = TextFormat(kind: kind, path: row.title)
            let reserve = style == .structuredHeaders ? Self.headerTokens : 0
            chunks = chunker.chunks(of: content, documentId: row.documentId, policy: ChunkingPolicy.structuredPolicy(for: format),
                                    format: format, reserveTokens: reserve)
        }
        var seen = Set<String>()
        var pieces: [Piece] = []
        for chunk in chunks {
            let section = chunk.trail.joined(separator: " > ")
            var embedded = chunk.text
            if style == .structuredHeaders {
                let header = Self.header(source: source, title: row.title, section: section, tokenizer: chunker.tokenizer)
                if !header.isEmpty { embedded = header + "\n" + chunk.text }
            }
            let id = Chunk.id(documentId: row.documentId, text: embedded)
            guard seen.insert(id).inserted else { continue }
            pieces.append(Piece(id: id, chunk: chunk, embeddedText: embedded, source: source, section: section))
        }
        return pieces
    }

    /// `source · title · section`, cut to `headerTokens` word pieces at a word boundary.
    static func header(source: String, title: String, section: String, tokenizer: WordPieceTokenizer) -> String {
        let header = [source, title, section].filter { !$0.isEmpty }.joined(separator: " · ")
        let pieces = tokenizer.pieces(of: header, limit: headerTokens + 1)
        guard pieces.count > headerTokens else { return header }
        let cut = (1...headerTokens).last { pieces[$0].startsWord } ?? headerTokens
        let end = pieces[cut].utf8Range.lowerBound
        return String(decoding: Array(header.utf8)[..<end], as: UTF8.self).trimmingCharacters(in: .whitespaces)
    }

    /// Where a document comes from, from its URL: `owner/name` for a repository file (the two path
    /// components before `/blob/`), the host without `www.` for anything else (with the `@user`
    /// of a Medium feed), empty when the URL says nothing.
    public static func source(platform: Platform, url: String) -> String {
        if platform == .github, let blob = url.range(of: "/blob/") {
            let parts = url[..<blob.lowerBound].split(separator: "/")
            if parts.count >= 2 { return parts.suffix(2).joined(separator: "/") }
        }
        guard let components = URLComponents(string: url), var host = components.host?.lowercased() else { return "" }
        if host.hasPrefix("www.") { host.removeFirst(4) }
        if let user = components.path.split(separator: "/").first, user.hasPrefix("@") { return host + "/" + user }
        return host
    }
}
