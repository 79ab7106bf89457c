-- The chunking scheme each chunk set was made with (`ChunkingScheme.version`, e.g.
-- `structured-headers/1`). A document whose stored scheme differs from the feature consumer's is
-- re-chunked even when its content hash is unchanged, so `twinlog replay features` moves every
-- document to a new chunker. NULL: a chunk set made before the scheme was recorded.
ALTER TABLE feature_chunk_sets ADD COLUMN chunker text;
