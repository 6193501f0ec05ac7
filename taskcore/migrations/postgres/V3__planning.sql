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
    ADD COLUMN search TSVECTOR GENERATED ALWAYS AS
        (to_tsvector('simple', title || ' ' || coalesce(description, ''))) STORED;
-- The best estimate for tasks completed before completion times were kept.
UPDATE tasks SET completed_at = updated_at WHERE completed;

CREATE INDEX ix_tasks_owner_due ON tasks
    (owner_id, COALESCE(due_key, TIMESTAMPTZ '9999-12-31 23:59:59.999999+00'), id);
CREATE INDEX ix_tasks_owner_priority ON tasks (owner_id, priority, id);
CREATE INDEX ix_tasks_owner_completed ON tasks (owner_id, completed, id);
CREATE INDEX ix_tasks_search ON tasks USING GIN (search);

-- One row per tag of a task, kept by a trigger from tasks.tags.
CREATE TABLE task_tags (
    owner_id BIGINT NOT NULL,
    tag      TEXT   NOT NULL,
    task_id  BIGINT NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
    PRIMARY KEY (owner_id, tag, task_id)
);
CREATE INDEX ix_task_tags_task_id ON task_tags (task_id);

CREATE FUNCTION tasks_sync_tags() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' THEN
        DELETE FROM task_tags WHERE task_id = NEW.id AND NOT (tag = ANY (NEW.tags));
    END IF;
    INSERT INTO task_tags (owner_id, tag, task_id)
        SELECT NEW.owner_id, tag, NEW.id FROM unnest(NEW.tags) AS tag
        ON CONFLICT DO NOTHING;
    RETURN NULL;
END
$$;
CREATE TRIGGER tasks_tags AFTER INSERT OR UPDATE OF tags ON tasks
    FOR EACH ROW EXECUTE FUNCTION tasks_sync_tags();
