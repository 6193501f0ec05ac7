-- Lists: every task is in one of its owner's lists. Each user has exactly
-- one default list (where a task goes when none is named); existing users
-- get one named Tasks, holding all their tasks, live and trashed.
CREATE TABLE lists (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    owner_id   INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name       TEXT    NOT NULL,
    -- The name as compared: lower-cased (Unicode, by taskd), so names are
    -- unique per user ignoring case.
    name_key   TEXT    NOT NULL,
    color      TEXT,
    position   INTEGER NOT NULL,
    is_default INTEGER NOT NULL DEFAULT 0,
    created_at TEXT    NOT NULL,
    updated_at TEXT    NOT NULL,
    version    INTEGER NOT NULL DEFAULT 1
);
CREATE UNIQUE INDEX ix_lists_owner_name ON lists (owner_id, name_key);
CREATE UNIQUE INDEX ix_lists_owner_default ON lists (owner_id) WHERE is_default = 1;
CREATE INDEX ix_lists_owner_position ON lists (owner_id, position, id);

INSERT INTO lists (owner_id, name, name_key, position, is_default, created_at, updated_at)
    SELECT id, 'Tasks', 'tasks', 1, 1, created_at, created_at FROM users;

-- A task's list. Every insert names it; 0 is never a list.
ALTER TABLE tasks ADD COLUMN list_id INTEGER NOT NULL DEFAULT 0;
UPDATE tasks SET list_id = (SELECT id FROM lists WHERE lists.owner_id = tasks.owner_id);
-- A list's tasks, and its open and total counts.
CREATE INDEX ix_tasks_owner_list ON tasks (owner_id, list_id, completed, id);

-- A trashed task keeps the list it was in; restored into the default list
-- when that one is gone.
ALTER TABLE trashed_tasks ADD COLUMN list_id INTEGER NOT NULL DEFAULT 0;
UPDATE trashed_tasks SET list_id = (SELECT id FROM lists WHERE lists.owner_id = trashed_tasks.owner_id);
