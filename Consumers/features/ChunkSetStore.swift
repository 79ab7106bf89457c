import TwinlogPostgres

/// What the feature consumer remembers of one document: its author and content hash while it
/// exists, its chunk ids, the chunk ids a crashed batch may have published, and the position of
/// the last change applied.
public struct ChunkSetState: Sendable, Equatable {
    public var documentId: String
    /// Nil once the document is gone (deleted, erased, truncated) or before it was first seen.
    public var authorId: String?
    public var contentHash: String?
    /// The `ChunkingScheme.version` the chunk ids were made with (nil before it was recorded).
    public var chunker: String?
    /// The document's chunk ids, in document order, each once.
    public var chunkIds: [String]
    /// Ids whose events a batch that never committed may have published (see 0004_features.sql).
    public var unsettledIds: Set<String>
    public var position: ChangePosition

    public init(documentId: String, authorId: String?, contentHash: String?, chunker: String? = nil, chunkIds: [String],
                unsettledIds: Set<String>, position: ChangePosition) {
        self.documentId = documentId
        self.authorId = authorId
        self.contentHash = contentHash
        self.chunker = chunker
        self.chunkIds = chunkIds
        self.unsettledIds = unsettledIds
        self.position = position
    }

    /// A document the consumer has never seen.
    public static func unseen(_ documentId: String) -> ChunkSetState {
        ChunkSetState(documentId: documentId, authorId: nil, contentHash: nil, chunkIds: [], unsettledIds: [], position: .origin)
    }

    /// Whether the document currently exists.
    public var exists: Bool { authorId != nil }
}

/// The `feature_chunk_sets` table: loads the states a batch needs and writes them back, set-based.
public struct ChunkSetStore: Sendable {
    public init() {}

    /// The stored states of `documentIds`, of every document of `authorIds`, or of every document
    /// when `everything` (a truncate must reach documents the batch does not name).
    public func load(_ db: PostgresConnection, documentIds: [String], authorIds: [String], everything: Bool) async throws -> [String: ChunkSetState] {
        guard everything || !documentIds.isEmpty || !authorIds.isEmpty else { return [:] }
        let rows = try await db.query("""
            SELECT document_id, author_id, content_hash, chunker, array_to_string(chunk_ids, ' ') AS chunk_ids,
                   array_to_string(unsettled_ids, ' ') AS unsettled_ids, lsn, sequence
            FROM feature_chunk_sets
            WHERE \(everything) OR document_id = ANY(\(PostgresArray(documentIds))::text[]) OR author_id = ANY(\(PostgresArray(authorIds))::text[])
            """)
        var states: [String: ChunkSetState] = [:]
        for row in rows {
            let id = try row.decode(String.self, "document_id")
            states[id] = ChunkSetState(
                documentId: id, authorId: try row.decodeIfPresent(String.self, "author_id"),
                contentHash: try row.decodeIfPresent(String.self, "content_hash"),
                chunker: try row.decodeIfPresent(String.self, "chunker"),
                chunkIds: try row.decode(String.self, "chunk_ids").split(separator: " ").map(String.init),
                unsettledIds: Set(try row.decode(String.self, "unsettled_ids").split(separator: " ").map(String.init)),
                position: ChangePosition(lsn: try row.decode(Int64.self, "lsn"), sequence: try row.decode(Int.self, "sequence")))
        }
        return states
    }

    /// Upserts `states` in one statement.
    public func save(_ db: PostgresConnection, _ states: [ChunkSetState]) async throws {
        guard !states.isEmpty else { return }
        try await db.execute("""
            INSERT INTO feature_chunk_sets (document_id, author_id, content_hash, chunker, chunk_ids, unsettled_ids, lsn, sequence)
            SELECT d, a, h, v, string_to_array(c, ' '), string_to_array(u, ' '), l, s
            FROM unnest(\(PostgresArray(states.map(\.documentId)))::text[], \(PostgresArray(states.map(\.authorId)))::text[],
                        \(PostgresArray(states.map(\.contentHash)))::text[], \(PostgresArray(states.map(\.chunker)))::text[],
                        \(PostgresArray(states.map { $0.chunkIds.joined(separator: " ") }))::text[],
                        \(PostgresArray(states.map { $0.unsettledIds.sorted().joined(separator: " ") }))::text[],
                        \(PostgresArray(states.map(\.position.lsn)))::bigint[], \(PostgresArray(states.map(\.position.sequence)))::integer[])
                AS t(d, a, h, v, c, u, l, s)
            ON CONFLICT (document_id) DO UPDATE SET
                author_id = EXCLUDED.author_id, content_hash = EXCLUDED.content_hash, chunker = EXCLUDED.chunker, chunk_ids = EXCLUDED.chunk_ids,
                unsettled_ids = EXCLUDED.unsettled_ids, lsn = EXCLUDED.lsn, sequence = EXCLUDED.sequence, updated_at = now()
            """)
    }

    /// Forgets every document (a replay starts from nothing).
    public func reset(_ db: PostgresConnection) async throws {
        try await db.execute("TRUNCATE feature_chunk_sets")
    }

    /// Where a live chunk belongs.
    public struct Owner: Sendable, Equatable {
        public var documentId: String
        public var authorId: String?
    }

    /// Every live chunk id with its document, for comparing a replay with a live run.
    public func liveChunks(_ db: PostgresConnection) async throws -> [String: Owner] {
        var chunks: [String: Owner] = [:]
        for row in try await db.query("SELECT document_id, author_id, unnest(chunk_ids) AS chunk_id FROM feature_chunk_sets") {
            chunks[try row.decode(String.self, "chunk_id")] = Owner(documentId: try row.decode(String.self, "document_id"),
                                                                  authorId: try row.decodeIfPresent(String.self, "author_id"))
        }
        return chunks
    }
}
