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
CREATE INDEX ix_tasks_owner_completed_due
    ON tasks (owner_id, completed, COALESCE(due_key, '9999-12-31T23:59:59.999999Z'), id);

-- How many tasks, and open tasks, each owner has: listings report their
-- total without counting 100,000 rows. Kept by triggers.
CREATE TABLE task_counts (
    owner_id INTEGER PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    total    INTEGER NOT NULL,
    open     INTEGER NOT NULL
);
INSERT INTO task_counts (owner_id, total, open)
    SELECT owner_id, COUNT(*), SUM(1 - completed) FROM tasks GROUP BY owner_id;
CREATE TRIGGER tasks_count_inserted AFTER INSERT ON tasks BEGIN
    INSERT INTO task_counts (owner_id, total, open) VALUES (NEW.owner_id, 1, 1 - NEW.completed)
        ON CONFLICT (owner_id) DO UPDATE SET total = total + 1, open = open + 1 - NEW.completed;
END;
CREATE TRIGGER tasks_count_deleted AFTER DELETE ON tasks BEGIN
    UPDATE task_counts SET total = total - 1, open = open - 1 + OLD.completed
        WHERE owner_id = OLD.owner_id;
END;
CREATE TRIGGER tasks_count_completed AFTER UPDATE OF completed ON tasks
    WHEN OLD.completed <> NEW.completed BEGIN
    UPDATE task_counts SET open = open + OLD.completed - NEW.completed
        WHERE owner_id = NEW.owner_id;
END;

-- One row per tag of a task, with the task's completion, kept by triggers
-- from tasks: the tag filter and the tag counts read it.
CREATE TABLE task_tags (
    owner_id  INTEGER NOT NULL,
    tag       TEXT    NOT NULL,
    task_id   INTEGER NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
    completed INTEGER NOT NULL,
    due_key   TEXT,
    PRIMARY KEY (owner_id, tag, task_id)
) WITHOUT ROWID;
CREATE INDEX ix_task_tags_task_id ON task_tags (task_id);
-- A tag's open (or done) tasks in due order: one tag's page by due, read
-- from the index alone.
CREATE INDEX ix_task_tags_due ON task_tags
    (owner_id, tag, completed, COALESCE(due_key, '9999-12-31T23:59:59.999999Z'), task_id);

CREATE TRIGGER tasks_tags_inserted AFTER INSERT ON tasks BEGIN
    INSERT INTO task_tags (owner_id, tag, task_id, completed, due_key)
        SELECT NEW.owner_id, value, NEW.id, NEW.completed, NEW.due_key FROM json_each(NEW.tags);
END;
CREATE TRIGGER tasks_tags_updated AFTER UPDATE OF tags ON tasks BEGIN
    DELETE FROM task_tags WHERE task_id = NEW.id;
    INSERT INTO task_tags (owner_id, tag, task_id, completed, due_key)
        SELECT NEW.owner_id, value, NEW.id, NEW.completed, NEW.due_key FROM json_each(NEW.tags);
END;
CREATE TRIGGER tasks_tags_due AFTER UPDATE OF due_key ON tasks
    WHEN OLD.due_key IS NOT NEW.due_key BEGIN
    UPDATE task_tags SET due_key = NEW.due_key WHERE task_id = NEW.id;
END;
-- How many tasks, and open tasks, carry each tag of each owner: the tag
-- list and one-tag listings read it. Kept by triggers on task_tags.
CREATE TABLE tag_counts (
    owner_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    tag      TEXT    NOT NULL,
    total    INTEGER NOT NULL,
    open     INTEGER NOT NULL,
    PRIMARY KEY (owner_id, tag)
) WITHOUT ROWID;
CREATE TRIGGER task_tags_counted AFTER INSERT ON task_tags BEGIN
    INSERT INTO tag_counts (owner_id, tag, total, open)
        VALUES (NEW.owner_id, NEW.tag, 1, 1 - NEW.completed)
        ON CONFLICT (owner_id, tag) DO UPDATE
        SET total = total + 1, open = open + 1 - NEW.completed;
END;
CREATE TRIGGER task_tags_uncounted AFTER DELETE ON task_tags BEGIN
    UPDATE tag_counts SET total = total - 1, open = open - 1 + OLD.completed
        WHERE owner_id = OLD.owner_id AND tag = OLD.tag;
    DELETE FROM tag_counts WHERE owner_id = OLD.owner_id AND tag = OLD.tag AND total = 0;
END;
CREATE TRIGGER task_tags_recounted AFTER UPDATE OF completed ON task_tags
    WHEN OLD.completed <> NEW.completed BEGIN
    UPDATE tag_counts SET open = open + OLD.completed - NEW.completed
        WHERE owner_id = NEW.owner_id AND tag = NEW.tag;
END;

CREATE TRIGGER tasks_tags_completed AFTER UPDATE OF completed ON tasks
    WHEN OLD.completed <> NEW.completed BEGIN
    UPDATE task_tags SET completed = NEW.completed WHERE task_id = NEW.id;
END;

-- Full-text search over titles and descriptions, kept by triggers. The
-- owner's id is indexed too: a search names it (owner_id : N), so matching
-- and counting never leave the owner's tasks.
CREATE VIRTUAL TABLE tasks_search USING fts5 (
    title, description, owner_id,
    content = 'tasks', content_rowid = 'id',
    tokenize = 'unicode61 remove_diacritics 2'
);
INSERT INTO tasks_search (tasks_search) VALUES ('rebuild');
CREATE TRIGGER tasks_search_inserted AFTER INSERT ON tasks BEGIN
    INSERT INTO tasks_search (rowid, title, description, owner_id)
        VALUES (NEW.id, NEW.title, NEW.description, NEW.owner_id);
END;
CREATE TRIGGER tasks_search_deleted AFTER DELETE ON tasks BEGIN
    INSERT INTO tasks_search (tasks_search, rowid, title, description, owner_id)
        VALUES ('delete', OLD.id, OLD.title, OLD.description, OLD.owner_id);
END;
CREATE TRIGGER tasks_search_updated AFTER UPDATE OF title, description ON tasks BEGIN
    INSERT INTO tasks_search (tasks_search, rowid, title, description, owner_id)
        VALUES ('delete', OLD.id, OLD.title, OLD.description, OLD.owner_id);
    INSERT INTO tasks_search (rowid, title, description, owner_id)
        VALUES (NEW.id, NEW.title, NEW.description, NEW.owner_id);
END;
