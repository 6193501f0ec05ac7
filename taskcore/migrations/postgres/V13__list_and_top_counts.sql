-- How many tasks, and open tasks, each list holds, and how many of an
-- owner's tasks are top-level: a listing by list, or of top-level tasks,
-- reports its total without counting thousands of rows. Kept by a trigger.
CREATE TABLE list_counts (
    owner_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    list_id  BIGINT NOT NULL,
    total    BIGINT NOT NULL,
    open     BIGINT NOT NULL,
    PRIMARY KEY (owner_id, list_id)
);
INSERT INTO list_counts (owner_id, list_id, total, open)
    SELECT owner_id, list_id, COUNT(*), COUNT(*) FILTER (WHERE NOT completed)
    FROM tasks GROUP BY owner_id, list_id;
CREATE TABLE top_counts (
    owner_id BIGINT PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    total    BIGINT NOT NULL,
    open     BIGINT NOT NULL
);
INSERT INTO top_counts (owner_id, total, open)
    SELECT owner_id, COUNT(*), COUNT(*) FILTER (WHERE NOT completed)
    FROM tasks WHERE parent_id IS NULL GROUP BY owner_id;
CREATE FUNCTION tasks_place_count() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND OLD.list_id = NEW.list_id AND OLD.completed = NEW.completed
       AND (OLD.parent_id IS NULL) = (NEW.parent_id IS NULL) THEN
        RETURN NULL;
    END IF;
    IF TG_OP IN ('DELETE', 'UPDATE') THEN
        UPDATE list_counts
            SET total = total - 1, open = open - CASE WHEN OLD.completed THEN 0 ELSE 1 END
            WHERE owner_id = OLD.owner_id AND list_id = OLD.list_id;
        IF OLD.parent_id IS NULL THEN
            UPDATE top_counts
                SET total = total - 1, open = open - CASE WHEN OLD.completed THEN 0 ELSE 1 END
                WHERE owner_id = OLD.owner_id;
        END IF;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        INSERT INTO list_counts (owner_id, list_id, total, open)
            VALUES (NEW.owner_id, NEW.list_id, 1, CASE WHEN NEW.completed THEN 0 ELSE 1 END)
            ON CONFLICT (owner_id, list_id) DO UPDATE
            SET total = list_counts.total + 1, open = list_counts.open + EXCLUDED.open;
        IF NEW.parent_id IS NULL THEN
            INSERT INTO top_counts (owner_id, total, open)
                VALUES (NEW.owner_id, 1, CASE WHEN NEW.completed THEN 0 ELSE 1 END)
                ON CONFLICT (owner_id) DO UPDATE
                SET total = top_counts.total + 1, open = top_counts.open + EXCLUDED.open;
        END IF;
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER tasks_place_count AFTER INSERT OR DELETE OR UPDATE OF list_id, parent_id, completed
    ON tasks FOR EACH ROW EXECUTE FUNCTION tasks_place_count();
-- One list's tasks in id order: a list's first page reads 21 entries.
CREATE INDEX ix_tasks_owner_list_id ON tasks (owner_id, list_id, id);
