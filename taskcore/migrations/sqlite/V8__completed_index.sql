-- Done tasks by when they were completed: the weekly review's listing
-- (completed_after, completed_before, sort=completed_at) reads a range of
-- this index instead of every done task.
CREATE INDEX ix_tasks_owner_completed_at ON tasks (owner_id, completed_at, id)
    WHERE completed_at IS NOT NULL;
