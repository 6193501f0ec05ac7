-- CalDAV: the path segment a client chose for a calendar it made
-- (MKCALENDAR, or an extended MKCOL). A list without a row is at its id;
-- a chosen segment is never all digits, so the two never meet.
CREATE TABLE calendar_names (
    owner_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    list_id  INTEGER NOT NULL REFERENCES lists (id) ON DELETE CASCADE,
    name     TEXT    NOT NULL,
    PRIMARY KEY (owner_id, list_id)
);
CREATE UNIQUE INDEX ix_calendar_names_name ON calendar_names (owner_id, name);
