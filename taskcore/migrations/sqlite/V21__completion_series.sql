-- Each completed occurrence keeps where its task's series stood before it
-- was done (the anchor and the count), so that taking the occurrence back
-- puts the series back exactly. Occurrences recorded before, and those an
-- import brings, have none: taking one of those back derives it.
ALTER TABLE task_completions ADD COLUMN anchor_date TEXT;
ALTER TABLE task_completions ADD COLUMN anchor_at TEXT;
ALTER TABLE task_completions ADD COLUMN repeat_done INTEGER;
