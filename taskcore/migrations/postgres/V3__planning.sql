-- Planning: priority, due, tags, completion time and search on tasks; each
-- user's time zone. As in the SQLite schema.

-- The IANA zone that a user's due dates, "today" and "overdue" are read in.
ALTER TABLE users ADD COLUMN timezone TEXT NOT NULL DEFAULT 'UTC';

ALTER TABLE tasks
    -- 0 none, 1 low, 2 medium, 3 high: sorts as the priorities rank.
    ADD COLUMN priority BIGINT NOT NULL DEFAULT 0 CHECK (priority BETWEEN 0 AND 3),
    -- An all-day due date, a day in the owner's zone.
    ADD COLUMN due_date DATE,
    ADD COLUMN due_at TIMESTAMPTZ,
    -- The instant the task is due by: due_at, or the last microsecond of
    -- due_date in the owner's zone (rewritten when the zone changes).
    ADD COLUMN due_key TIMESTAMPTZ,
    -- The task's tags, sorted; task_tags indexes them.
    ADD COLUMN tags TEXT[] NOT NULL DEFAULT '{}'
        CONSTRAINT tags_limit CHECK (cardinality(tags) <= 32),
    ADD COLUMN completed_at TIMESTAMPTZ,
    -- Words as SQLite's FTS5 sees them: the characters PostgreSQL's parser
    -- keeps inside one token (example.com, 3.14, 2025-01-31, a@b.c) split it.
    ADD COLUMN search TSVECTOR GENERATED ALWAYS AS
        (to_tsvector('simple', translate(title || ' ' || coalesce(description, ''),
                                         '.@-/_:+', '       '))) STORED;
-- The best estimate for tasks completed before completion times were kept.
UPDATE tasks SET completed_at = updated_at WHERE completed;

CREATE INDEX ix_tasks_owner_due ON tasks
    (owner_id, COALESCE(due_key, TIMESTAMPTZ '9999-12-31 23:59:59.999999+00'), id);
CREATE INDEX ix_tasks_owner_priority ON tasks (owner_id, priority, id);
CREATE INDEX ix_tasks_owner_completed ON tasks (owner_id, completed, id);
CREATE INDEX ix_tasks_owner_completed_due ON tasks
    (owner_id, completed, COALESCE(due_key, TIMESTAMPTZ '9999-12-31 23:59:59.999999+00'), id);

-- How many tasks, and open tasks, each owner has; kept by a trigger.
CREATE TABLE task_counts (
    owner_id BIGINT PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    total    BIGINT NOT NULL,
    open     BIGINT NOT NULL
);
INSERT INTO task_counts (owner_id, total, open)
    SELECT owner_id, COUNT(*), COUNT(*) FILTER (WHERE NOT completed) FROM tasks GROUP BY owner_id;
CREATE FUNCTION tasks_count() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO task_counts (owner_id, total, open)
            VALUES (NEW.owner_id, 1, CASE WHEN NEW.completed THEN 0 ELSE 1 END)
            ON CONFLICT (owner_id) DO UPDATE
            SET total = task_counts.total + 1, open = task_counts.open + EXCLUDED.open;
    ELSIF TG_OP = 'DELETE' THEN
        UPDATE task_counts
            SET total = total - 1, open = open - CASE WHEN OLD.completed THEN 0 ELSE 1 END
            WHERE owner_id = OLD.owner_id;
    ELSIF OLD.completed IS DISTINCT FROM NEW.completed THEN
        UPDATE task_counts SET open = open + CASE WHEN NEW.completed THEN -1 ELSE 1 END
            WHERE owner_id = NEW.owner_id;
        UPDATE task_tags SET completed = NEW.completed WHERE task_id = NEW.id;
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER tasks_count AFTER INSERT OR DELETE OR UPDATE OF completed ON tasks
    FOR EACH ROW EXECUTE FUNCTION tasks_count();
CREATE INDEX ix_tasks_search ON tasks USING GIN (search);

-- One row per tag of a task, kept by a trigger from tasks.tags.
CREATE TABLE task_tags (
    owner_id  BIGINT      NOT NULL,
    tag       TEXT        NOT NULL,
    task_id   BIGINT      NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
    completed BOOLEAN     NOT NULL,
    due_key   TIMESTAMPTZ,
    PRIMARY KEY (owner_id, tag, task_id)
);
CREATE INDEX ix_task_tags_task_id ON task_tags (task_id);
CREATE INDEX ix_task_tags_due ON task_tags
    (owner_id, tag, completed, COALESCE(due_key, TIMESTAMPTZ '9999-12-31 23:59:59.999999+00'), task_id);

CREATE FUNCTION tasks_sync_tags() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' THEN
        DELETE FROM task_tags WHERE task_id = NEW.id AND NOT (tag = ANY (NEW.tags));
    END IF;
    INSERT INTO task_tags (owner_id, tag, task_id, completed, due_key)
        SELECT NEW.owner_id, tag, NEW.id, NEW.completed, NEW.due_key FROM unnest(NEW.tags) AS tag
        ON CONFLICT DO NOTHING;
    RETURN NULL;
END
$$;
CREATE TRIGGER tasks_tags AFTER INSERT OR UPDATE OF tags ON tasks
    FOR EACH ROW EXECUTE FUNCTION tasks_sync_tags();

CREATE FUNCTION tasks_tags_due() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.due_key IS DISTINCT FROM NEW.due_key THEN
        UPDATE task_tags SET due_key = NEW.due_key WHERE task_id = NEW.id;
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER tasks_tags_due AFTER UPDATE OF due_key ON tasks
    FOR EACH ROW EXECUTE FUNCTION tasks_tags_due();

-- How many tasks, and open tasks, carry each tag of each owner; kept by a
-- trigger on task_tags.
CREATE TABLE tag_counts (
    owner_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    tag      TEXT   NOT NULL,
    total    BIGINT NOT NULL,
    open     BIGINT NOT NULL,
    PRIMARY KEY (owner_id, tag)
);
CREATE FUNCTION task_tags_count() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO tag_counts (owner_id, tag, total, open)
            VALUES (NEW.owner_id, NEW.tag, 1, CASE WHEN NEW.completed THEN 0 ELSE 1 END)
            ON CONFLICT (owner_id, tag) DO UPDATE
            SET total = tag_counts.total + 1, open = tag_counts.open + EXCLUDED.open;
    ELSIF TG_OP = 'DELETE' THEN
        UPDATE tag_counts
            SET total = total - 1, open = open - CASE WHEN OLD.completed THEN 0 ELSE 1 END
            WHERE owner_id = OLD.owner_id AND tag = OLD.tag;
        DELETE FROM tag_counts WHERE owner_id = OLD.owner_id AND tag = OLD.tag AND total = 0;
    ELSIF OLD.completed IS DISTINCT FROM NEW.completed THEN
        UPDATE tag_counts SET open = open + CASE WHEN NEW.completed THEN -1 ELSE 1 END
            WHERE owner_id = NEW.owner_id AND tag = NEW.tag;
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER task_tags_count AFTER INSERT OR DELETE OR UPDATE OF completed ON task_tags
    FOR EACH ROW EXECUTE FUNCTION task_tags_count();
