-- Planning: priority, due, tags, completion time and search on tasks; each
-- user's time zone.

-- The IANA zone that a user's due dates, "today" and "overdue" are read in.
ALTER TABLE users ADD COLUMN timezone TEXT NOT NULL DEFAULT 'UTC';

-- 0 none, 1 low, 2 medium, 3 high: sorts as the priorities rank.
ALTER TABLE tasks ADD COLUMN priority INTEGER NOT NULL DEFAULT 0
    CHECK (priority BETWEEN 0 AND 3);
-- An all-day due date, YYYY-MM-DD, a day in the owner's zone.
ALTER TABLE tasks ADD COLUMN due_date TEXT;
-- A due instant, RFC 3339 UTC text like the other timestamps.
ALTER TABLE tasks ADD COLUMN due_at TEXT;
-- The instant the task is due by: due_at, or the last microsecond of
-- due_date in the owner's zone (rewritten when the zone changes). Sorting
-- and the due filters read it alone.
ALTER TABLE tasks ADD COLUMN due_key TEXT;
-- A JSON array of the task's tags, sorted; task_tags indexes it.
ALTER TABLE tasks ADD COLUMN tags TEXT NOT NULL DEFAULT '[]'
    CONSTRAINT tags_limit CHECK (json_array_length(tags) <= 32);
ALTER TABLE tasks ADD COLUMN completed_at TEXT;
-- The best estimate for tasks completed before completion times were kept.
UPDATE tasks SET completed_at = updated_at WHERE completed = 1;

-- Sorting by due (tasks without one last) and the due filters.
CREATE INDEX ix_tasks_owner_due ON tasks (owner_id, COALESCE(due_key, '9999-12-31T23:59:59.999999Z'), id);
CREATE INDEX ix_tasks_owner_priority ON tasks (owner_id, priority, id);
CREATE INDEX ix_tasks_owner_completed ON tasks (owner_id, completed, id);

-- One row per tag of a task, kept by triggers from tasks.tags: the tag
-- filter and the tag counts read it.
CREATE TABLE task_tags (
    owner_id INTEGER NOT NULL,
    tag      TEXT    NOT NULL,
    task_id  INTEGER NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
    PRIMARY KEY (owner_id, tag, task_id)
) WITHOUT ROWID;
CREATE INDEX ix_task_tags_task_id ON task_tags (task_id);

CREATE TRIGGER tasks_tags_inserted AFTER INSERT ON tasks BEGIN
    INSERT INTO task_tags (owner_id, tag, task_id)
        SELECT NEW.owner_id, value, NEW.id FROM json_each(NEW.tags);
END;
CREATE TRIGGER tasks_tags_updated AFTER UPDATE OF tags ON tasks BEGIN
    DELETE FROM task_tags WHERE task_id = NEW.id;
    INSERT INTO task_tags (owner_id, tag, task_id)
        SELECT NEW.owner_id, value, NEW.id FROM json_each(NEW.tags);
END;

-- Full-text search over titles and descriptions, kept by triggers.
CREATE VIRTUAL TABLE tasks_search USING fts5 (
    title, description,
    content = 'tasks', content_rowid = 'id',
    tokenize = 'unicode61 remove_diacritics 2'
);
INSERT INTO tasks_search (tasks_search) VALUES ('rebuild');
CREATE TRIGGER tasks_search_inserted AFTER INSERT ON tasks BEGIN
    INSERT INTO tasks_search (rowid, title, description)
        VALUES (NEW.id, NEW.title, NEW.description);
END;
CREATE TRIGGER tasks_search_deleted AFTER DELETE ON tasks BEGIN
    INSERT INTO tasks_search (tasks_search, rowid, title, description)
        VALUES ('delete', OLD.id, OLD.title, OLD.description);
END;
CREATE TRIGGER tasks_search_updated AFTER UPDATE OF title, description ON tasks BEGIN
    INSERT INTO tasks_search (tasks_search, rowid, title, description)
        VALUES ('delete', OLD.id, OLD.title, OLD.description);
    INSERT INTO tasks_search (rowid, title, description)
        VALUES (NEW.id, NEW.title, NEW.description);
END;
