-- Every task has a UID: the identity iCalendar and CalDAV clients know it
-- by, unique among its owner's live tasks. Existing tasks (live and in the
-- trash) are given a random UUID (version 4), as new ones are.
ALTER TABLE tasks ADD COLUMN uid TEXT NOT NULL DEFAULT gen_random_uuid()::text;
ALTER TABLE tasks ALTER COLUMN uid DROP DEFAULT;
ALTER TABLE trashed_tasks ADD COLUMN uid TEXT NOT NULL DEFAULT gen_random_uuid()::text;
ALTER TABLE trashed_tasks ALTER COLUMN uid DROP DEFAULT;
CREATE UNIQUE INDEX ux_tasks_owner_uid ON tasks (owner_id, uid);
