-- Document text is stored twice (the current version and the history), so its TOAST compression
-- is on the materializer's hot path: lz4 compresses several times faster than the default pglz.
-- It applies to values written from now on; existing rows keep their compression.
ALTER TABLE documents ALTER COLUMN content SET COMPRESSION lz4;
ALTER TABLE document_versions ALTER COLUMN content SET COMPRESSION lz4;
