-- Users and their tasks, as in the SQLite schema. Timestamps are UTC with
-- microseconds. BIGSERIAL ids come from sequences and are never reused.
CREATE TABLE users (
    id              BIGSERIAL   PRIMARY KEY,
    email           TEXT        NOT NULL,
    hashed_password TEXT        NOT NULL,
    created_at      TIMESTAMPTZ NOT NULL
);
-- Emails are stored lower-cased, so a plain unique index is case-insensitive
-- uniqueness; it alone decides duplicates (no read-then-insert race).
CREATE UNIQUE INDEX ix_users_email ON users (email);

CREATE TABLE tasks (
    id          BIGSERIAL   PRIMARY KEY,
    title       TEXT        NOT NULL CHECK (char_length(title) BETWEEN 1 AND 255),
    description TEXT                 CHECK (description IS NULL OR char_length(description) <= 2000),
    completed   BOOLEAN     NOT NULL DEFAULT FALSE,
    owner_id    BIGINT      NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at  TIMESTAMPTZ NOT NULL,
    updated_at  TIMESTAMPTZ NOT NULL
);
-- Every task query filters by owner and orders by id.
CREATE INDEX ix_tasks_owner_id ON tasks (owner_id, id);
