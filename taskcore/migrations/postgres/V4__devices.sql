-- Several devices: task versions, the change feed, the trash and
-- idempotent creates. As in the SQLite schema.

ALTER TABLE tasks
    -- Grows by one with every change of a task; its ETag.
    ADD COLUMN version BIGINT NOT NULL DEFAULT 1,
    -- The owner's change counter at the task's last change.
    ADD COLUMN change_seq BIGINT NOT NULL DEFAULT 0,
    -- Where an imported task came from.
    ADD COLUMN source TEXT;
UPDATE tasks SET change_seq = id;
CREATE INDEX ix_tasks_owner_change ON tasks (owner_id, change_seq);
CREATE UNIQUE INDEX ix_tasks_owner_source ON tasks (owner_id, source) WHERE source IS NOT NULL;

-- Each owner's change counter. next_change() takes the next number and
-- holds the counter's row lock until the transaction ends, so one owner's
-- numbers are in commit order: a snapshot that sees a number sees every
-- smaller one.
CREATE TABLE change_counters (
    owner_id  BIGINT PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    seq       BIGINT NOT NULL,
    forgotten BIGINT NOT NULL DEFAULT 0
);
INSERT INTO change_counters (owner_id, seq) SELECT owner_id, MAX(id) FROM tasks GROUP BY owner_id;
CREATE FUNCTION next_change(owner BIGINT) RETURNS BIGINT LANGUAGE sql VOLATILE AS $$
    INSERT INTO change_counters (owner_id, seq) VALUES (owner, 1)
        ON CONFLICT (owner_id) DO UPDATE SET seq = change_counters.seq + 1
        RETURNING seq
$$;

CREATE TABLE trashed_tasks (
    id           BIGINT      PRIMARY KEY,
    owner_id     BIGINT      NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at   TIMESTAMPTZ NOT NULL,
    updated_at   TIMESTAMPTZ NOT NULL,
    version      BIGINT      NOT NULL,
    title        TEXT        NOT NULL,
    description  TEXT,
    completed    BOOLEAN     NOT NULL,
    priority     BIGINT      NOT NULL,
    due_date     DATE,
    due_at       TIMESTAMPTZ,
    tags         TEXT[]      NOT NULL,
    completed_at TIMESTAMPTZ,
    due_key      TIMESTAMPTZ,
    source       TEXT,
    deleted_at   TIMESTAMPTZ NOT NULL,
    change_seq   BIGINT      NOT NULL
);
CREATE INDEX ix_trashed_owner_deleted ON trashed_tasks (owner_id, deleted_at, id);
CREATE INDEX ix_trashed_owner_change ON trashed_tasks (owner_id, change_seq);
CREATE INDEX ix_trashed_deleted ON trashed_tasks (deleted_at);
CREATE INDEX ix_trashed_owner_source ON trashed_tasks (owner_id, source) WHERE source IS NOT NULL;

CREATE TABLE erased_tasks (
    id         BIGINT      PRIMARY KEY,
    owner_id   BIGINT      NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    deleted_at TIMESTAMPTZ NOT NULL,
    change_seq BIGINT      NOT NULL,
    source     TEXT
);
CREATE INDEX ix_erased_owner_change ON erased_tasks (owner_id, change_seq);
CREATE INDEX ix_erased_deleted ON erased_tasks (deleted_at);
CREATE INDEX ix_erased_owner_source ON erased_tasks (owner_id, source) WHERE source IS NOT NULL;

CREATE TABLE idempotency_keys (
    owner_id   BIGINT      NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    key        TEXT        NOT NULL,
    request    TEXT        NOT NULL,
    task_id    BIGINT      NOT NULL,
    response   TEXT        NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (owner_id, key)
);
CREATE INDEX ix_idempotency_created ON idempotency_keys (created_at);
