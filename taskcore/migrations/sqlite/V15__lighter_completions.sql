-- A completed occurrence writes fewer pages: its table numbers rows as any
-- rowid table does (AUTOINCREMENT also rewrote sqlite_sequence on every
-- insert), and the index on task_id alone goes (erasing names the owner,
-- so the owner's index serves it).
CREATE TABLE task_completions_new (
    id           INTEGER PRIMARY KEY,
    owner_id     INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    task_id      INTEGER NOT NULL,
    due_date     TEXT,
    due_at       TEXT,
    completed_at TEXT NOT NULL
);
INSERT INTO task_completions_new (id, owner_id, task_id, due_date, due_at, completed_at)
    SELECT id, owner_id, task_id, due_date, due_at, completed_at FROM task_completions;
DROP TABLE task_completions;
ALTER TABLE task_completions_new RENAME TO task_completions;
CREATE INDEX ix_completions_owner_task ON task_completions (owner_id, task_id, id);
DELETE FROM sqlite_sequence WHERE name = 'task_completions';
