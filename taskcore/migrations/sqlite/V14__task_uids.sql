-- Every task has a UID: the identity iCalendar and CalDAV clients know it
-- by, unique among its owner's live tasks. Existing tasks (live and in the
-- trash) are given a random UUID (version 4), as new ones are.
ALTER TABLE tasks ADD COLUMN uid TEXT NOT NULL DEFAULT '';
ALTER TABLE trashed_tasks ADD COLUMN uid TEXT NOT NULL DEFAULT '';
UPDATE tasks SET uid = lower(hex(randomblob(4))) || '-' || lower(hex(randomblob(2)))
    || '-4' || substr(lower(hex(randomblob(2))), 2)
    || '-' || substr('89ab', 1 + (random() & 3), 1) || substr(lower(hex(randomblob(2))), 2)
    || '-' || lower(hex(randomblob(6)));
UPDATE trashed_tasks SET uid = lower(hex(randomblob(4))) || '-' || lower(hex(randomblob(2)))
    || '-4' || substr(lower(hex(randomblob(2))), 2)
    || '-' || substr('89ab', 1 + (random() & 3), 1) || substr(lower(hex(randomblob(2))), 2)
    || '-' || lower(hex(randomblob(6)));
CREATE UNIQUE INDEX ux_tasks_owner_uid ON tasks (owner_id, uid);
