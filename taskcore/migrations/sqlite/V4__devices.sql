-- Several devices: task versions, the change feed, the trash and
-- idempotent creates.

-- Grows by one with every change of a task; its ETag.
ALTER TABLE tasks ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
-- Where the change feed saw the task's last change: the owner's change
-- counter at that change (see change_counters).
ALTER TABLE tasks ADD COLUMN change_seq INTEGER NOT NULL DEFAULT 0;
-- Where an imported task came from (the export's or Taskwarrior's id):
-- importing the same file twice creates nothing the second time.
ALTER TABLE tasks ADD COLUMN source TEXT;
-- Ids only grow, so existing tasks are in the feed in the order they were made.
UPDATE tasks SET change_seq = id;
CREATE INDEX ix_tasks_owner_change ON tasks (owner_id, change_seq);
CREATE UNIQUE INDEX ix_tasks_owner_source ON tasks (owner_id, source) WHERE source IS NOT NULL;

-- Each owner's change counter: every change of a task takes the next
-- number. Writes are serialised (SQLite's write lock), so numbers are in
-- commit order. `forgotten`: the newest change number whose deletion has
-- been purged; a feed cursor older than it has missed something.
CREATE TABLE change_counters (
    owner_id  INTEGER PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    seq       INTEGER NOT NULL,
    forgotten INTEGER NOT NULL DEFAULT 0
);
INSERT INTO change_counters (owner_id, seq) SELECT owner_id, MAX(id) FROM tasks GROUP BY owner_id;
-- A statement takes the next number as (counter + 1); these store it back.
CREATE TRIGGER tasks_change_inserted AFTER INSERT ON tasks BEGIN
    INSERT INTO change_counters (owner_id, seq) VALUES (NEW.owner_id, NEW.change_seq)
        ON CONFLICT (owner_id) DO UPDATE SET seq = MAX(seq, excluded.seq);
END;
CREATE TRIGGER tasks_change_updated AFTER UPDATE OF change_seq ON tasks BEGIN
    UPDATE change_counters SET seq = MAX(seq, NEW.change_seq) WHERE owner_id = NEW.owner_id;
END;

-- Deleted tasks, whole, until restored or erased: the columns of tasks,
-- when and at which change they were deleted.
CREATE TABLE trashed_tasks (
    id           INTEGER PRIMARY KEY,
    owner_id     INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at   TEXT    NOT NULL,
    updated_at   TEXT    NOT NULL,
    version      INTEGER NOT NULL,
    title        TEXT    NOT NULL,
    description  TEXT,
    completed    INTEGER NOT NULL,
    priority     INTEGER NOT NULL,
    due_date     TEXT,
    due_at       TEXT,
    tags         TEXT    NOT NULL,
    completed_at TEXT,
    due_key      TEXT,
    source       TEXT,
    deleted_at   TEXT    NOT NULL,
    change_seq   INTEGER NOT NULL
);
-- The trash, newest deletion first.
CREATE INDEX ix_trashed_owner_deleted ON trashed_tasks (owner_id, deleted_at, id);
CREATE INDEX ix_trashed_owner_change ON trashed_tasks (owner_id, change_seq);
CREATE INDEX ix_trashed_deleted ON trashed_tasks (deleted_at);
CREATE INDEX ix_trashed_owner_source ON trashed_tasks (owner_id, source) WHERE source IS NOT NULL;
CREATE TRIGGER trashed_change_inserted AFTER INSERT ON trashed_tasks BEGIN
    INSERT INTO change_counters (owner_id, seq) VALUES (NEW.owner_id, NEW.change_seq)
        ON CONFLICT (owner_id) DO UPDATE SET seq = MAX(seq, excluded.seq);
END;

-- Tasks erased for good (from the trash, by hand or by age): only what
-- the change feed tells of a deletion, kept for the feed's retention.
CREATE TABLE erased_tasks (
    id         INTEGER PRIMARY KEY,
    owner_id   INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    deleted_at TEXT    NOT NULL,
    change_seq INTEGER NOT NULL,
    source     TEXT
);
CREATE INDEX ix_erased_owner_change ON erased_tasks (owner_id, change_seq);
CREATE INDEX ix_erased_deleted ON erased_tasks (deleted_at);
CREATE INDEX ix_erased_owner_source ON erased_tasks (owner_id, source) WHERE source IS NOT NULL;

-- Creates sent with an Idempotency-Key: the request (normalised) and the
-- answer given, replayed for a repeat within a day.
CREATE TABLE idempotency_keys (
    owner_id   INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    key        TEXT    NOT NULL,
    request    TEXT    NOT NULL,
    task_id    INTEGER NOT NULL,
    response   TEXT    NOT NULL,
    created_at TEXT    NOT NULL,
    PRIMARY KEY (owner_id, key)
) WITHOUT ROWID;
CREATE INDEX ix_idempotency_created ON idempotency_keys (created_at);
