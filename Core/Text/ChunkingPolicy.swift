/// The kinds of documents Twinlog captures and chunks, each with its own chunking defaults. Raw
/// values are the names events and the warehouse use, so `DocumentKind(rawValue:)` reads a
/// `documents.kind` value.
public enum DocumentKind: String, Sendable, Hashable, Codable, CaseIterable {
    /// A short social post (LinkedIn).
    case post
    /// A long-form article (Medium or any site).
    case article
    /// A file from a source repository (code, configuration, READMEs).
    case repositoryFile = "repository_file"
}

/// How a document is cut into chunks: what a segment is, and the window and overlap in embedder tokens.
///
/// Guarantees: `1 ≤ windowTokens ≤ 254` (so a chunk plus `[CLS]` and `[SEP]` fits the embedder's 256
/// without truncation) and `0 ≤ overlapTokens < windowTokens`.
public struct ChunkingPolicy: Sendable, Hashable {
    /// The units that windows are packed from.
    public enum Segmentation: String, Sendable, Hashable {
        /// No units: fixed token windows, cut only between words.
        case tokenWindows
        /// Sentences (and paragraphs); a sentence is split only when it alone exceeds the window.
        case sentences
        /// Lines; a line is split only when it alone exceeds the window.
        case lines
    }

    /// The most tokens a chunk may hold: the embedder's 256 minus `[CLS]` and `[SEP]`.
    public static let maxWindowTokens = 254

    public let segmentation: Segmentation
    /// The most embedder word pieces in one chunk.
    public let windowTokens: Int
    /// How many tokens of context a chunk repeats from the end of the one before: whole
    /// segments up to this many (sentences, lines), or this many tokens for plain windows.
    public let overlapTokens: Int

    public init(segmentation: Segmentation, windowTokens: Int, overlapTokens: Int) throws(ChunkingPolicyError) {
        guard (1...Self.maxWindowTokens).contains(windowTokens) else {
            throw ChunkingPolicyError(reason: "window of \(windowTokens) tokens is outside 1...\(Self.maxWindowTokens)")
        }
        guard (0..<windowTokens).contains(overlapTokens) else {
            throw ChunkingPolicyError(reason: "overlap of \(overlapTokens) tokens is outside 0..<\(windowTokens)")
        }
        self.init(checked: segmentation, windowTokens, overlapTokens)
    }

    private init(checked segmentation: Segmentation, _ windowTokens: Int, _ overlapTokens: Int) {
        self.segmentation = segmentation
        self.windowTokens = windowTokens
        self.overlapTokens = overlapTokens
    }

    /// The defaults per kind, and why:
    /// - post: sentences, 128-token windows, 16 overlap. all-MiniLM-L6-v2 was fine-tuned on inputs
    ///   of at most 128 word pieces, so 128 is where its embeddings are best; a typical post is
    ///   one or two such chunks, and a short overlap keeps a split thought findable from both sides.
    /// - article: sentences, 128-token windows, 32 overlap. Paragraph-sized chunks (about 90–100
    ///   English words) at the model's training length; 32 tokens is about one sentence of context
    ///   carried across each cut, since articles develop ideas across sentences.
    /// - repositoryFile: lines, 254-token windows, 32 overlap. Code splits into many word pieces
    ///   (identifiers, operators and punctuation are separate tokens), so 128 tokens hold only a
    ///   few lines; the full window keeps a function-sized unit together, lines keep statements
    ///   whole, and a few lines of overlap keep the signature near the body that follows.
    public static func defaults(for kind: DocumentKind) -> ChunkingPolicy {
        switch kind {
        case .post: ChunkingPolicy(checked: .sentences, 128, 16)
        case .article: ChunkingPolicy(checked: .sentences, 128, 32)
        case .repositoryFile: ChunkingPolicy(checked: .lines, 254, 32)
        }
    }

    /// The defaults for structure-aware chunking (`Chunker.chunks(of:documentId:policy:format:reserveTokens:)`),
    /// whose windows include the tokens reserved for the header the caller prepends (title, trail), and why:
    /// - prose: as `defaults(for: .post)` (sentences, 128, 16); posts have no sections.
    /// - article, markdown: sentences, 192-token windows, 32 overlap. all-MiniLM-L6-v2 was tuned on
    ///   at most 128 pieces, but the window now holds the header too: with a typical reserve of
    ///   32–64 tokens the text itself stays at 128–160 pieces, near the tuned length, while a
    ///   typical section (a heading and a paragraph or two) fits whole instead of being cut in
    ///   its middle at 128; the encoder reads 256 positions, so nothing is truncated. 32 tokens is
    ///   about one sentence carried across a cut inside a long section.
    /// - code, notebook, plain: lines, 254-token windows (the embedder's whole input), 24 overlap.
    ///   Code splits into many pieces, so the full window keeps a function-sized section
    ///   together; since the trail in the header now names the enclosing definition, the overlap
    ///   no longer has to carry a signature into the next chunk, only a statement or two of
    ///   context across a cut inside a long section.
    /// - config: lines, 254, 16. Keys and values are short lines and the trail names the
    ///   enclosing keys, so one or two lines of context are enough.
    public static func structuredPolicy(for format: TextFormat) -> ChunkingPolicy {
        switch format {
        case .prose: defaults(for: .post)
        case .article, .markdown: ChunkingPolicy(checked: .sentences, 192, 32)
        case .code, .notebook, .plain: ChunkingPolicy(checked: .lines, 254, 24)
        case .config: ChunkingPolicy(checked: .lines, 254, 16)
        }
    }
}

/// A chunking policy's numbers are out of range; the reason says which and what is allowed.
public struct ChunkingPolicyError: Error, CustomStringConvertible, Equatable {
    public let reason: String
    public var description: String { "chunking policy: \(reason)" }
}
