-- CalDAV: a task's resource name in its calendar, the iCalendar object its
-- client last wrote (taskd writes the task's fields over it, keeping the
-- rest), and a parent named by a UID not known yet (linked when it comes).
-- Apart from tasks, so that listings do not read objects. A task no client
-- wrote has no row: its name is its UID with ".ics".
CREATE TABLE task_objects (
    owner_id   BIGINT  NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    task_id    BIGINT  NOT NULL,
    name       TEXT    NOT NULL,
    object     TEXT    NOT NULL,
    parent_uid TEXT,
    PRIMARY KEY (owner_id, task_id)
);
-- A name is looked up among the live tasks of one calendar (a trashed
-- task keeps its row, and its name, for a restore).
CREATE INDEX ix_task_objects_name ON task_objects (owner_id, name);
CREATE INDEX ix_task_objects_waiting ON task_objects (owner_id, parent_uid)
    WHERE parent_uid IS NOT NULL;
