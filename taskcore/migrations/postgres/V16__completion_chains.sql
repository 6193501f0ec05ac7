-- A completed occurrence is written at the end of the log, in time order:
-- each names the one before it of the same task and how many the task has
-- with it, and the task keeps its newest. The index on (owner, task, id)
-- put each task's occurrences on a leaf of their own, so a batch of
-- completions of different tasks wrote one leaf per task.
ALTER TABLE task_completions ADD COLUMN previous_id BIGINT;
ALTER TABLE task_completions ADD COLUMN ordinal BIGINT NOT NULL DEFAULT 1;
ALTER TABLE tasks ADD COLUMN last_completion BIGINT;
ALTER TABLE trashed_tasks ADD COLUMN last_completion BIGINT;
UPDATE task_completions SET previous_id = chained.previous_id, ordinal = chained.ordinal
FROM (
    SELECT id,
           LAG(id) OVER same_task AS previous_id,
           ROW_NUMBER() OVER same_task AS ordinal
    FROM task_completions
    WINDOW same_task AS (PARTITION BY owner_id, task_id ORDER BY id)
) AS chained
WHERE chained.id = task_completions.id;
UPDATE tasks SET last_completion = (
    SELECT MAX(c.id) FROM task_completions c
    WHERE c.owner_id = tasks.owner_id AND c.task_id = tasks.id);
UPDATE trashed_tasks SET last_completion = (
    SELECT MAX(c.id) FROM task_completions c
    WHERE c.owner_id = trashed_tasks.owner_id AND c.task_id = trashed_tasks.id);
DROP INDEX ix_completions_owner_task;
-- Deleting an account deletes its occurrences.
CREATE INDEX ix_completions_owner ON task_completions (owner_id);
