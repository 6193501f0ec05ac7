-- Repeating tasks and reminders. `repeat` is an RRULE value in normal
-- form; the series starts at the anchor (the due when the rule or the due
-- was last set), and `repeat_done` counts the occurrences done or skipped
-- since. Reminders are a JSON array, as the API writes them.
ALTER TABLE tasks ADD COLUMN repeat TEXT;
ALTER TABLE tasks ADD COLUMN repeat_from TEXT NOT NULL DEFAULT 'due';
ALTER TABLE tasks ADD COLUMN reminders TEXT NOT NULL DEFAULT '[]';
ALTER TABLE tasks ADD COLUMN anchor_date TEXT;
ALTER TABLE tasks ADD COLUMN anchor_at TEXT;
ALTER TABLE tasks ADD COLUMN repeat_done INTEGER NOT NULL DEFAULT 0;
ALTER TABLE trashed_tasks ADD COLUMN repeat TEXT;
ALTER TABLE trashed_tasks ADD COLUMN repeat_from TEXT NOT NULL DEFAULT 'due';
ALTER TABLE trashed_tasks ADD COLUMN reminders TEXT NOT NULL DEFAULT '[]';
ALTER TABLE trashed_tasks ADD COLUMN anchor_date TEXT;
ALTER TABLE trashed_tasks ADD COLUMN anchor_at TEXT;
ALTER TABLE trashed_tasks ADD COLUMN repeat_done INTEGER NOT NULL DEFAULT 0;
-- The occurrences of repeating tasks that were done, kept while the task
-- is (live or in the trash).
CREATE TABLE task_completions (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    owner_id     INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    task_id      INTEGER NOT NULL,
    due_date     TEXT,
    due_at       TEXT,
    completed_at TEXT NOT NULL
);
CREATE INDEX ix_completions_owner_task ON task_completions (owner_id, task_id, id);
-- Erasing a trashed task forgets its occurrences.
CREATE INDEX ix_completions_task ON task_completions (task_id);
