-- Brute-force counters every taskd on this database shares, so that N
-- instances behind a balancer allow a limit once, not N times. Per key
-- (a hash of an email, or a client address, with the limit's name), the
-- theoretical arrival time of GCRA: an attempt is allowed while it is at
-- most the burst's tolerance ahead of now, and moves it on by one interval.
-- Unlogged: a crash forgets the counts, which is only a fresh start.
CREATE UNLOGGED TABLE rate_limits (
    key TEXT        PRIMARY KEY,
    tat TIMESTAMPTZ NOT NULL
);
CREATE INDEX ix_rate_limits_tat ON rate_limits (tat);
