-- Subtasks: a task's parent, another live task of the same owner in the
-- same list, at most five levels deep (taskd keeps these rules).
ALTER TABLE tasks ADD COLUMN parent_id INTEGER;
CREATE INDEX ix_tasks_owner_parent ON tasks (owner_id, parent_id, id);
-- A trashed task keeps its parent, and which task's deletion took it there
-- (its own id, or its trashed ancestor's): a restore brings back what went
-- with it.
ALTER TABLE trashed_tasks ADD COLUMN parent_id INTEGER;
ALTER TABLE trashed_tasks ADD COLUMN trashed_with INTEGER;
UPDATE trashed_tasks SET trashed_with = id;
CREATE INDEX ix_trashed_owner_with ON trashed_tasks (owner_id, trashed_with);
