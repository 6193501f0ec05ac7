-- Lists in the change feed: every change of a list takes its owner's next
-- change number (next_change), as a task's does, and a deleted list is
-- remembered (with its number) so that the feed can tell of it.
ALTER TABLE lists ADD COLUMN change_seq BIGINT NOT NULL DEFAULT 0;
-- Existing lists come after everything their owner's feed holds, one
-- number each, in id order.
UPDATE lists SET change_seq = COALESCE(
        (SELECT seq FROM change_counters c WHERE c.owner_id = lists.owner_id), 0)
    + (SELECT COUNT(*) FROM lists l WHERE l.owner_id = lists.owner_id AND l.id <= lists.id);
INSERT INTO change_counters (owner_id, seq)
    SELECT owner_id, MAX(change_seq) FROM lists GROUP BY owner_id
    ON CONFLICT (owner_id) DO UPDATE SET seq = GREATEST(change_counters.seq, excluded.seq);
CREATE INDEX ix_lists_owner_change ON lists (owner_id, change_seq);

CREATE TABLE deleted_lists (
    id         BIGINT      PRIMARY KEY,
    owner_id   BIGINT      NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    deleted_at TIMESTAMPTZ NOT NULL,
    change_seq BIGINT      NOT NULL
);
CREATE INDEX ix_deleted_lists_owner_change ON deleted_lists (owner_id, change_seq);
CREATE INDEX ix_deleted_lists_deleted ON deleted_lists (deleted_at);
