-- Users and their tasks. Timestamps are UTC, stored as RFC 3339 text with
-- microseconds, so text order is time order.
-- AUTOINCREMENT on both tables: ids are never reused, so a token or a link
-- naming a deleted row can never come to name a new one.
CREATE TABLE users (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    email           TEXT    NOT NULL COLLATE NOCASE,
    hashed_password TEXT    NOT NULL,
    created_at      TEXT    NOT NULL
);
CREATE UNIQUE INDEX ix_users_email ON users (email);

CREATE TABLE tasks (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    title       TEXT    NOT NULL CHECK (length(title) BETWEEN 1 AND 255),
    description TEXT             CHECK (description IS NULL OR length(description) <= 2000),
    completed   INTEGER NOT NULL DEFAULT 0 CHECK (completed IN (0, 1)),
    owner_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at  TEXT    NOT NULL,
    updated_at  TEXT    NOT NULL
);
-- Every task query filters by owner and orders by id.
CREATE INDEX ix_tasks_owner_id ON tasks (owner_id, id);
