-- Invitations to register, when registration is by invite: each code is
-- kept only as its SHA-256, with its first characters as a hint to tell
-- codes apart in a list. A registration takes one use, in the same
-- transaction as the new account.
CREATE TABLE invites (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    code_hash  TEXT    NOT NULL,
    hint       TEXT    NOT NULL,
    uses_left  INTEGER NOT NULL CHECK (uses_left >= 0),
    created_at TEXT    NOT NULL,
    expires_at TEXT,
    revoked_at TEXT
);
CREATE UNIQUE INDEX ix_invites_code_hash ON invites (code_hash);

-- Accounts an administrator disabled: their logins, sessions and tokens are
-- refused until enabled again.
ALTER TABLE users ADD COLUMN disabled_at TEXT;
