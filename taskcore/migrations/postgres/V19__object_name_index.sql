-- A name is looked up with the lowest task id first (a trashed task keeps
-- its name for a restore): with the id in the index, the lookup reads the
-- index alone instead of every object of the owner in id order.
DROP INDEX ix_task_objects_name;
CREATE INDEX ix_task_objects_name ON task_objects (owner_id, name, task_id);
