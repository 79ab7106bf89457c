-- The warehouse: authors, the current version of every document, and the append-only history.
-- Names are unqualified: the migration runner applies this inside the connection's search_path,
-- so tests and replays can build a warehouse in a schema of their own.

CREATE TABLE authors (
    author_id   text PRIMARY KEY,
    name        text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE documents (
    document_id   text PRIMARY KEY,
    author_id     text NOT NULL REFERENCES authors (author_id) ON DELETE CASCADE,
    platform      text NOT NULL,
    kind          text NOT NULL,
    source_url    text NOT NULL,
    title         text NOT NULL,
    content       text NOT NULL,
    content_hash  text NOT NULL,
    version       integer NOT NULL,
    captured_at   timestamptz NOT NULL,
    published_at  timestamptz,
    metadata      jsonb NOT NULL DEFAULT '{}',
    updated_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX documents_author ON documents (author_id);

-- History is append-only; it is keyed by author too, so an erasure removes it with the author.
CREATE TABLE document_versions (
    document_id   text NOT NULL,
    version       integer NOT NULL,
    author_id     text NOT NULL,
    title         text NOT NULL,
    content       text NOT NULL,
    content_hash  text NOT NULL,
    captured_at   timestamptz NOT NULL,
    PRIMARY KEY (document_id, version)
);
CREATE INDEX document_versions_author ON document_versions (author_id);

-- Authors erased on request, with when: a DocumentCaptured captured before the erasure that
-- arrives later (events of one author span partitions) must not bring the person back.
CREATE TABLE erased_authors (
    author_id   text PRIMARY KEY,
    erased_at   timestamptz NOT NULL
);

-- Consumer offsets stored in the same transaction as the effects they produced.
CREATE TABLE consumer_offsets (
    consumer     text NOT NULL,
    topic        text NOT NULL,
    partition    integer NOT NULL,
    next_offset  bigint NOT NULL,
    updated_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (consumer, topic, partition)
);

-- The CDC relay needs full before-images of deleted documents (author, platform) downstream.
ALTER TABLE documents REPLICA IDENTITY FULL;
ALTER TABLE document_versions REPLICA IDENTITY FULL;
