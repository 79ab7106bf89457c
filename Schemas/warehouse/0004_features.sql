-- The feature consumer's memory: the chunk set of every document it has seen, written in the
-- transaction that stores its consumer offsets. A change re-chunks a document and compares the
-- new chunk ids with `chunk_ids`, so only new chunks are embedded and only vanished ones removed.
--
-- `lsn`, `sequence`: the last change applied to the document; a change at or before it is a
-- duplicate (the CDC relay repeats changes after a restart, always with their original position).
-- A deleted document keeps its row with no chunks and no author, so a repeated older insert
-- cannot bring it back; nothing of the author remains in it.
-- `unsettled_ids`: chunk ids whose ChunkEmbedded or ChunkRemoved may have been published by a
-- batch that crashed before committing here. The next batch that touches the document publishes
-- each of them again, as embedded when it is in the document's chunk set, as removed otherwise.
CREATE TABLE feature_chunk_sets (
    document_id    text PRIMARY KEY,
    author_id      text,
    content_hash   text,
    chunk_ids      text[] NOT NULL DEFAULT '{}',
    unsettled_ids  text[] NOT NULL DEFAULT '{}',
    lsn            bigint NOT NULL,
    sequence       integer NOT NULL,
    updated_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX feature_chunk_sets_author ON feature_chunk_sets (author_id);
