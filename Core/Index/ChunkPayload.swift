import Foundation

/// What the index stores next to each vector: enough to filter a search and to cite the source
/// of a retrieved chunk without another lookup.
public struct ChunkPayload: Sendable, Hashable, Codable {
    public var authorId: String
    public var platform: String
    public var kind: String
    public var documentId: String
    public var title: String
    public var url: String
    public var text: String
    /// When the document was published, or captured when its source gave no date; what a time
    /// range in a filter tests. Nil for a point stored without one, which no time range matches.
    public var documentDate: Date?
    /// Where the document comes from: a repository (`owner/name`), a site's host, a feed; empty
    /// when unknown. What a question names when it says which repository or site it means.
    public var source: String
    /// The chunk's place in its document: the heading or definition trail (`class GPT > def
    /// forward`), empty for a chunk outside any section.
    public var section: String

    public init(
        authorId: String, platform: String, kind: String, documentId: String,
        title: String = "", url: String = "", text: String = "", documentDate: Date? = nil,
        source: String = "", section: String = ""
    ) {
        self.authorId = authorId
        self.platform = platform
        self.kind = kind
        self.documentId = documentId
        self.title = title
        self.url = url
        self.text = text
        self.documentDate = documentDate
        self.source = source
        self.section = section
    }

    /// What the lexical index reads, each field with the number of times its terms count: the
    /// title (a repository file's path) twice, as BM25F weights a title field, since a path like
    /// `recipes/zephyr-7b-beta/dpo/config_qlora.yaml` names what the file is about; source,
    /// section and text once.
    public var lexicalFields: [(text: String, weight: Int)] {
        [(source, 1), (title, Self.titleWeight), (section, 1), (text, 1)]
    }

    /// How many times a title term counts in the lexical index (measured: BENCHMARKS.md).
    public static let titleWeight = 2

    /// Whether the lexical index would read the same from both payloads.
    func hasSameLexicalFields(as other: ChunkPayload) -> Bool {
        source == other.source && title == other.title && section == other.section && text == other.text
    }
}

/// One search result: the chunk id, its cosine similarity to the query, and its payload.
public struct SearchHit: Sendable, Hashable {
    public let key: String
    /// The inner product of the two L2-normalized vectors, i.e. their cosine similarity.
    public let score: Float
    public let payload: ChunkPayload
}
