-- Lists: every task is in one of its owner's lists. Each user has exactly
-- one default list (where a task goes when none is named); existing users
-- get one named Tasks, holding all their tasks, live and trashed.
CREATE TABLE lists (
    id         BIGSERIAL   PRIMARY KEY,
    owner_id   BIGINT      NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name       TEXT        NOT NULL CHECK (char_length(name) BETWEEN 1 AND 100),
    -- The name as compared: lower-cased (Unicode, by taskd), so names are
    -- unique per user ignoring case.
    name_key   TEXT        NOT NULL,
    color      TEXT,
    position   BIGINT      NOT NULL,
    is_default BOOLEAN     NOT NULL DEFAULT FALSE,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    version    BIGINT      NOT NULL DEFAULT 1
);
CREATE UNIQUE INDEX ix_lists_owner_name ON lists (owner_id, name_key);
CREATE UNIQUE INDEX ix_lists_owner_default ON lists (owner_id) WHERE is_default;
CREATE INDEX ix_lists_owner_position ON lists (owner_id, position, id);

INSERT INTO lists (owner_id, name, name_key, position, is_default, created_at, updated_at)
    SELECT id, 'Tasks', 'tasks', 1, TRUE, created_at, created_at FROM users;

-- A task's list; a list with live tasks cannot be deleted under them.
ALTER TABLE tasks ADD COLUMN list_id BIGINT;
UPDATE tasks SET list_id = lists.id FROM lists WHERE lists.owner_id = tasks.owner_id;
ALTER TABLE tasks ALTER COLUMN list_id SET NOT NULL;
-- The owner's own list: the key names both, and the index below serves it.
ALTER TABLE lists ADD CONSTRAINT uq_lists_owner_id UNIQUE (owner_id, id);
ALTER TABLE tasks ADD CONSTRAINT fk_tasks_list
    FOREIGN KEY (owner_id, list_id) REFERENCES lists (owner_id, id);
-- A list's tasks, and its open and total counts.
CREATE INDEX ix_tasks_owner_list ON tasks (owner_id, list_id, completed, id);

-- A trashed task keeps the list it was in; restored into the default list
-- when that one is gone.
ALTER TABLE trashed_tasks ADD COLUMN list_id BIGINT;
UPDATE trashed_tasks SET list_id = lists.id FROM lists WHERE lists.owner_id = trashed_tasks.owner_id;
ALTER TABLE trashed_tasks ALTER COLUMN list_id SET NOT NULL;
