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

    public init(
        authorId: String, platform: String, kind: String, documentId: String,
        title: String = "", url: String = "", text: String = "", documentDate: Date? = nil
    ) {
        self.authorId = authorId
        self.platform = platform
        self.kind = kind
        self.documentId = documentId
        self.title = title
        self.url = url
        self.text = text
        self.documentDate = documentDate
    }
}

/// One search result: the chunk id, its cosine similarity to the query, and its payload.
public struct SearchHit: Sendable, Hashable {
    public let key: String
    /// The inner product of the two L2-normalized vectors, i.e. their cosine similarity.
    public let score: Float
    public let payload: ChunkPayload
}
