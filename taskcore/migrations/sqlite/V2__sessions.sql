-- Login sessions and their refresh tokens.
-- A session is one login. Its refresh tokens form a chain: each refresh
-- spends one token and adds the next. Spent tokens stay until the session
-- expires, so presenting one again is recognised (and revokes the session).
-- Access tokens name their session; a revoked session's access tokens fail.
CREATE TABLE sessions (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id        INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at     TEXT    NOT NULL,
    -- When the newest refresh token expires; the row may be purged after.
    expires_at     TEXT    NOT NULL,
    revoked_at     TEXT,
    revoked_reason TEXT
);
CREATE INDEX ix_sessions_user_id ON sessions (user_id);
CREATE INDEX ix_sessions_expires_at ON sessions (expires_at);

CREATE TABLE refresh_tokens (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    session_id INTEGER NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    -- SHA-256 of the token, hex; the token itself is never stored.
    token_hash TEXT    NOT NULL,
    created_at TEXT    NOT NULL,
    expires_at TEXT    NOT NULL,
    spent_at   TEXT
);
CREATE UNIQUE INDEX ix_refresh_tokens_token_hash ON refresh_tokens (token_hash);
CREATE INDEX ix_refresh_tokens_session_id ON refresh_tokens (session_id);
