-- The CDC relay records here that a replication slot's initial snapshot was published in full.
-- A slot without a row was created by a relay that died mid-snapshot: the next relay drops it and
-- starts over, so rows written before the slot existed are never missing from the change log.
CREATE TABLE cdc_snapshots (
    slot          text PRIMARY KEY,
    consistent_point text NOT NULL,
    completed_at  timestamptz NOT NULL DEFAULT now()
);
