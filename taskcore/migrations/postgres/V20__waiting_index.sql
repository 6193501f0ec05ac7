-- Subtasks waiting for a parent's UID are read in task id order: with the
-- id in the index, the lookup reads the few waiting rows instead of every
-- object of the owner in id order (the SQLite planner preferred the
-- primary key to a sort, which made every CalDAV PUT scan the calendar).
DROP INDEX ix_task_objects_waiting;
CREATE INDEX ix_task_objects_waiting ON task_objects (owner_id, parent_uid, task_id)
    WHERE parent_uid IS NOT NULL;
