-- Lists in the change feed: every change of a list takes its owner's next
-- change number, as a task's does, and a deleted list is remembered (with
-- its number) so that the feed can tell of it.
ALTER TABLE lists ADD COLUMN change_seq INTEGER NOT NULL DEFAULT 0;
-- Existing lists come after everything their owner's feed holds, one
-- number each, in id order.
UPDATE lists SET change_seq = COALESCE(
        (SELECT seq FROM change_counters c WHERE c.owner_id = lists.owner_id), 0)
    + (SELECT COUNT(*) FROM lists l WHERE l.owner_id = lists.owner_id AND l.id <= lists.id);
INSERT INTO change_counters (owner_id, seq)
    SELECT owner_id, MAX(change_seq) FROM lists WHERE true GROUP BY owner_id
    ON CONFLICT (owner_id) DO UPDATE SET seq = MAX(seq, excluded.seq);
CREATE INDEX ix_lists_owner_change ON lists (owner_id, change_seq);
CREATE TRIGGER lists_change_inserted AFTER INSERT ON lists BEGIN
    INSERT INTO change_counters (owner_id, seq) VALUES (NEW.owner_id, NEW.change_seq)
        ON CONFLICT (owner_id) DO UPDATE SET seq = MAX(seq, excluded.seq);
END;
CREATE TRIGGER lists_change_updated AFTER UPDATE OF change_seq ON lists BEGIN
    UPDATE change_counters SET seq = MAX(seq, NEW.change_seq) WHERE owner_id = NEW.owner_id;
END;

CREATE TABLE deleted_lists (
    id         INTEGER PRIMARY KEY,
    owner_id   INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    deleted_at TEXT    NOT NULL,
    change_seq INTEGER NOT NULL
);
CREATE INDEX ix_deleted_lists_owner_change ON deleted_lists (owner_id, change_seq);
CREATE INDEX ix_deleted_lists_deleted ON deleted_lists (deleted_at);
CREATE TRIGGER deleted_lists_change_inserted AFTER INSERT ON deleted_lists BEGIN
    INSERT INTO change_counters (owner_id, seq) VALUES (NEW.owner_id, NEW.change_seq)
        ON CONFLICT (owner_id) DO UPDATE SET seq = MAX(seq, excluded.seq);
END;
