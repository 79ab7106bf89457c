-- Continuous training: the drift monitor's view of the chunk embeddings, the datasets built from
-- the warehouse, training runs and the model registry, and an outbox for the events these commit.

-- The drift monitor's copy of every live chunk's embedding (a view of twin.chunks, rebuilt by
-- replaying it). `epoch` counts reference changes: rows of earlier epochs describe the data the
-- champion was trained on (the reference); rows of the current epoch are new since (the window).
CREATE TABLE drift_embeddings (
    chunk_id     text PRIMARY KEY,
    document_id  text NOT NULL,
    author_id    text NOT NULL,
    embedding    bytea NOT NULL,
    epoch        integer NOT NULL,
    seq          bigserial NOT NULL
);
CREATE INDEX drift_embeddings_epoch ON drift_embeddings (epoch, seq);

-- One row per monitored scope (an author id, or `all`): the current epoch, the dataset the
-- reference stands for, and the cool-down after the last DriftDetected.
CREATE TABLE drift_state (
    scope              text PRIMARY KEY,
    epoch              integer NOT NULL DEFAULT 0,
    reference_dataset  text,
    last_fired_at      timestamptz,
    last_statistic     double precision,
    last_p_value       double precision,
    updated_at         timestamptz NOT NULL DEFAULT now()
);

-- Datasets: content-addressed artifacts with their lineage.
CREATE TABLE datasets (
    dataset_version     text PRIMARY KEY,
    scope               text NOT NULL,
    artifact_path       text NOT NULL,
    artifact_sha256     text NOT NULL,
    warehouse_position  text NOT NULL,
    documents           integer NOT NULL,
    train_samples       integer NOT NULL,
    eval_samples        integer NOT NULL,
    preference_pairs    integer NOT NULL,
    filter_statistics   jsonb NOT NULL,
    trigger_id          text,
    created_at          timestamptz NOT NULL DEFAULT now()
);

-- Every training attempt, successful or not. A run left `running` by a process that died is
-- marked `failed` (interrupted) by the next process that sees its trigger.
CREATE TABLE training_runs (
    run_id           text PRIMARY KEY,
    trigger_id       text NOT NULL,
    attempt          integer NOT NULL,
    status           text NOT NULL CHECK (status IN ('running', 'succeeded', 'failed')),
    error            text,
    dataset_version  text,
    model_version    text,
    promoted         boolean NOT NULL DEFAULT false,
    started_at       timestamptz NOT NULL DEFAULT now(),
    finished_at      timestamptz
);
CREATE INDEX training_runs_trigger ON training_runs (trigger_id);

-- The model registry. Exactly one champion at a time (the partial unique index enforces it);
-- `promoted_at` orders past champions for rollback. `retired`: a champion that was rolled back,
-- so a second rollback goes further back instead of returning to it.
CREATE TABLE models (
    model_version     text PRIMARY KEY,
    base_model_sha256 text NOT NULL,
    adapter_path      text,
    adapter_sha256    text,
    dataset_version   text,
    hyperparameters   jsonb NOT NULL DEFAULT '{}',
    metrics           jsonb NOT NULL DEFAULT '{}',
    status            text NOT NULL CHECK (status IN ('candidate', 'champion', 'archived', 'retired')),
    created_at        timestamptz NOT NULL DEFAULT now(),
    promoted_at       timestamptz
);
CREATE UNIQUE INDEX models_one_champion ON models (status) WHERE status = 'champion';

-- Events committed with the state that produced them and published after the commit (the
-- transactional outbox): a crash between the two publishes them on the next start.
CREATE TABLE event_outbox (
    position  bigserial PRIMARY KEY,
    topic     text NOT NULL,
    key       bytea,
    value     bytea NOT NULL,
    headers   jsonb NOT NULL
);
