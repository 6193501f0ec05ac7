-- Invitations to register and disabled accounts, as in the SQLite schema.
CREATE TABLE invites (
    id         BIGSERIAL   PRIMARY KEY,
    code_hash  TEXT        NOT NULL,
    hint       TEXT        NOT NULL,
    uses_left  BIGINT      NOT NULL CHECK (uses_left >= 0),
    created_at TIMESTAMPTZ NOT NULL,
    expires_at TIMESTAMPTZ,
    revoked_at TIMESTAMPTZ
);
CREATE UNIQUE INDEX ix_invites_code_hash ON invites (code_hash);

ALTER TABLE users ADD COLUMN disabled_at TIMESTAMPTZ;
