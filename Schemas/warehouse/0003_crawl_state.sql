-- Crawl state: what the crawlers last captured, so a re-crawl emits only what changed and a
-- restarted crawl re-emits nothing. Rows are written after the broker acknowledged the events they
-- describe. Not part of the CDC publication: this is the producers' bookkeeping, not warehouse data.

-- The last captured content hash of every document, and the source it came from (a page URL, a
-- feed, a repository, an export folder), so a full re-walk of a source can find what disappeared.
CREATE TABLE crawl_documents (
    document_id   text PRIMARY KEY,
    source        text NOT NULL,
    author_id     text NOT NULL,
    content_hash  text NOT NULL,
    captured_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX crawl_documents_source ON crawl_documents (source);

-- HTTP validators of every fetched URL, for conditional GETs (an unchanged page costs one 304).
CREATE TABLE crawl_fetches (
    url            text PRIMARY KEY,
    etag           text,
    last_modified  text,
    fetched_at     timestamptz NOT NULL DEFAULT now()
);

-- The last crawled commit of every repository: a re-crawl diffs from it.
CREATE TABLE crawl_repositories (
    repository   text PRIMARY KEY,
    last_commit  text NOT NULL,
    crawled_at   timestamptz NOT NULL DEFAULT now()
);
