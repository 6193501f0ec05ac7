-- How many tasks, and open tasks, each list holds, and how many of an
-- owner's tasks are top-level: a listing by list, or of top-level tasks,
-- reports its total without counting thousands of rows. Kept by triggers.
CREATE TABLE list_counts (
    owner_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    list_id  INTEGER NOT NULL,
    total    INTEGER NOT NULL,
    open     INTEGER NOT NULL,
    PRIMARY KEY (owner_id, list_id)
) WITHOUT ROWID;
INSERT INTO list_counts (owner_id, list_id, total, open)
    SELECT owner_id, list_id, COUNT(*), SUM(1 - completed) FROM tasks GROUP BY owner_id, list_id;
CREATE TRIGGER tasks_list_count_inserted AFTER INSERT ON tasks BEGIN
    INSERT INTO list_counts (owner_id, list_id, total, open)
        VALUES (NEW.owner_id, NEW.list_id, 1, 1 - NEW.completed)
        ON CONFLICT (owner_id, list_id) DO UPDATE
        SET total = total + 1, open = open + 1 - NEW.completed;
END;
CREATE TRIGGER tasks_list_count_deleted AFTER DELETE ON tasks BEGIN
    UPDATE list_counts SET total = total - 1, open = open - 1 + OLD.completed
        WHERE owner_id = OLD.owner_id AND list_id = OLD.list_id;
END;
CREATE TRIGGER tasks_list_count_updated AFTER UPDATE OF list_id, completed ON tasks
    WHEN OLD.list_id <> NEW.list_id OR OLD.completed <> NEW.completed BEGIN
    UPDATE list_counts SET total = total - 1, open = open - 1 + OLD.completed
        WHERE owner_id = OLD.owner_id AND list_id = OLD.list_id;
    INSERT INTO list_counts (owner_id, list_id, total, open)
        VALUES (NEW.owner_id, NEW.list_id, 1, 1 - NEW.completed)
        ON CONFLICT (owner_id, list_id) DO UPDATE
        SET total = total + 1, open = open + 1 - NEW.completed;
END;

CREATE TABLE top_counts (
    owner_id INTEGER PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    total    INTEGER NOT NULL,
    open     INTEGER NOT NULL
);
INSERT INTO top_counts (owner_id, total, open)
    SELECT owner_id, COUNT(*), SUM(1 - completed) FROM tasks WHERE parent_id IS NULL
    GROUP BY owner_id;
CREATE TRIGGER tasks_top_count_inserted AFTER INSERT ON tasks WHEN NEW.parent_id IS NULL BEGIN
    INSERT INTO top_counts (owner_id, total, open) VALUES (NEW.owner_id, 1, 1 - NEW.completed)
        ON CONFLICT (owner_id) DO UPDATE SET total = total + 1, open = open + 1 - NEW.completed;
END;
CREATE TRIGGER tasks_top_count_deleted AFTER DELETE ON tasks WHEN OLD.parent_id IS NULL BEGIN
    UPDATE top_counts SET total = total - 1, open = open - 1 + OLD.completed
        WHERE owner_id = OLD.owner_id;
END;
CREATE TRIGGER tasks_top_count_updated AFTER UPDATE OF parent_id, completed ON tasks
    WHEN (OLD.parent_id IS NULL) <> (NEW.parent_id IS NULL) OR OLD.completed <> NEW.completed BEGIN
    UPDATE top_counts SET total = total - 1, open = open - 1 + OLD.completed
        WHERE owner_id = OLD.owner_id AND OLD.parent_id IS NULL;
    INSERT INTO top_counts (owner_id, total, open)
        SELECT NEW.owner_id, 1, 1 - NEW.completed WHERE NEW.parent_id IS NULL
        ON CONFLICT (owner_id) DO UPDATE SET total = total + 1, open = open + 1 - NEW.completed;
END;
-- One list's tasks in id order: a list's first page reads 21 entries.
CREATE INDEX ix_tasks_owner_list_id ON tasks (owner_id, list_id, id);
