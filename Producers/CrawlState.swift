import TwinlogPostgres
import TwinlogSink

/// What the crawlers remember between runs, in PostgreSQL next to the warehouse (migration
/// `0003_crawl_state.sql`): the last captured content hash of every document and the source it
/// came from, HTTP validators per URL, and the last crawled commit per repository.
///
/// Each write is one statement, so it is atomic without a transaction and safe to issue from
/// concurrent crawl tasks over the one connection. Writes happen only after the broker
/// acknowledged the events they describe: a crash in between re-emits those events on the next
/// run (same deterministic ids, so downstream upserts absorb them) and never loses one.
public final class CrawlStateStore: Sendable {
    private let db: PostgresConnection

    /// Uses `db` (its search_path names the warehouse schema); `prepare` creates the tables.
    public init(db: PostgresConnection) {
        self.db = db
    }

    /// Applies the warehouse migrations (which include the crawl state tables) in `schema`.
    public static func prepare(_ db: PostgresConnection, schema: String?) async throws {
        try await WarehouseSchema.prepare(db, schema: schema)
    }

    /// What was last captured of a document.
    public struct Known: Sendable, Equatable {
        public var contentHash: String
        public var authorId: String
    }

    /// The last capture of each of `ids` that has one.
    public func known(_ ids: [String]) async throws -> [String: Known] {
        guard !ids.isEmpty else { return [:] }
        let rows = try await db.query("""
            SELECT document_id, content_hash, author_id FROM crawl_documents WHERE document_id = ANY(\(PostgresArray(ids))::text[])
            """)
        var known: [String: Known] = [:]
        for row in rows {
            known[try row.decode(String.self, "document_id")] = Known(contentHash: try row.decode(String.self, "content_hash"),
                                                                     authorId: try row.decode(String.self, "author_id"))
        }
        return known
    }

    /// Every document last captured from `source`, with its hash.
    public func documents(from source: String) async throws -> [String: String] {
        let rows = try await db.query("SELECT document_id, content_hash FROM crawl_documents WHERE source = \(source)")
        var hashes: [String: String] = [:]
        for row in rows { hashes[try row.decode(String.self, "document_id")] = try row.decode(String.self, "content_hash") }
        return hashes
    }

    /// The validators stored for `url`.
    public func validators(for url: String) async throws -> Validators {
        let rows = try await db.query("SELECT etag, last_modified FROM crawl_fetches WHERE url = \(url)")
        guard let row = rows.first else { return Validators() }
        return Validators(etag: try row.decodeIfPresent(String.self, "etag"), lastModified: try row.decodeIfPresent(String.self, "last_modified"))
    }

    /// The last crawled commit of `repository`.
    public func lastCommit(of repository: String) async throws -> String? {
        try await db.query("SELECT last_commit FROM crawl_repositories WHERE repository = \(repository)").first
            .map { try $0.decode(String.self, "last_commit") }
    }

    /// One source's new state, written atomically.
    public struct Update: Sendable {
        /// document id → (source, author id, content hash) of what was captured.
        public var captured: [String: (source: String, authorId: String, hash: String)] = [:]
        public var removed: Set<String> = []
        public var validators: [String: Validators] = [:]
        public var repositoryCommit: (repository: String, commit: String)?
        public init() {}

        var isEmpty: Bool { captured.isEmpty && removed.isEmpty && validators.isEmpty && repositoryCommit == nil }
    }

    /// Records `update` in one statement.
    public func record(_ update: Update) async throws {
        guard !update.isEmpty else { return }
        let captured = update.captured.filter { !update.removed.contains($0.key) }.sorted { $0.key < $1.key }
        let fetches = update.validators.sorted { $0.key < $1.key }
        try await db.execute("""
            WITH docs AS (
                INSERT INTO crawl_documents (document_id, source, author_id, content_hash)
                SELECT * FROM unnest(\(PostgresArray(captured.map(\.key)))::text[], \(PostgresArray(captured.map(\.value.source)))::text[],
                                     \(PostgresArray(captured.map(\.value.authorId)))::text[], \(PostgresArray(captured.map(\.value.hash)))::text[])
                ON CONFLICT (document_id) DO UPDATE SET source = EXCLUDED.source, author_id = EXCLUDED.author_id,
                    content_hash = EXCLUDED.content_hash, captured_at = now()
            ), gone AS (
                DELETE FROM crawl_documents WHERE document_id = ANY(\(PostgresArray(Array(update.removed)))::text[])
            ), fetches AS (
                INSERT INTO crawl_fetches (url, etag, last_modified)
                SELECT * FROM unnest(\(PostgresArray(fetches.map(\.key)))::text[], \(PostgresArray(fetches.map(\.value.etag)))::text[],
                                     \(PostgresArray(fetches.map(\.value.lastModified)))::text[])
                ON CONFLICT (url) DO UPDATE SET etag = EXCLUDED.etag, last_modified = EXCLUDED.last_modified, fetched_at = now()
            ), repository AS (
                INSERT INTO crawl_repositories (repository, last_commit)
                SELECT \(update.repositoryCommit?.repository)::text, \(update.repositoryCommit?.commit)::text
                WHERE \(update.repositoryCommit?.repository)::text IS NOT NULL
                ON CONFLICT (repository) DO UPDATE SET last_commit = EXCLUDED.last_commit, crawled_at = now()
            )
            SELECT 1
            """)
    }
}
