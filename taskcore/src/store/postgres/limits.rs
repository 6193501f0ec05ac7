//! Brute-force counters in the database (`rate_limits`), shared by every
//! taskd on it: GCRA on wall-clock time, one statement per attempt.

use chrono::{DateTime, Utc};

use super::{PostgresResult, PostgresStore};
use crate::error::Result;

impl PostgresStore {
    /// Counts one for `key` when its arrival time is at most `tolerance`
    /// ahead of `now`; otherwise counts nothing and returns that time.
    pub(super) fn limit_take(
        &self,
        key: &str,
        now: DateTime<Utc>,
        interval_micros: i64,
        tolerance_micros: i64,
    ) -> Result<Option<DateTime<Utc>>> {
        let mut client = self.client()?;
        let taken = client
            .query_opt(
                "INSERT INTO rate_limits (key, tat)
                 VALUES ($1, $2::timestamptz + $3::bigint * interval '1 microsecond')
                 ON CONFLICT (key) DO UPDATE
                 SET tat = GREATEST(rate_limits.tat, $2::timestamptz)
                           + $3::bigint * interval '1 microsecond'
                 WHERE rate_limits.tat <= $2::timestamptz + $4::bigint * interval '1 microsecond'
                 RETURNING tat",
                &[&key, &now, &interval_micros, &tolerance_micros],
            )
            .db()?;
        if taken.is_some() {
            return Ok(None);
        }
        let row = client
            .query_opt("SELECT tat FROM rate_limits WHERE key = $1", &[&key])
            .db()?;
        Ok(Some(row.map_or(now, |row| row.get(0))))
    }

    /// Undoes one [`limit_take`](Self::limit_take) of `key`.
    pub(super) fn limit_give_back(
        &self,
        key: &str,
        now: DateTime<Utc>,
        interval_micros: i64,
    ) -> Result<()> {
        self.client()?
            .execute(
                "UPDATE rate_limits
                 SET tat = GREATEST(tat - $3::bigint * interval '1 microsecond', $2::timestamptz)
                 WHERE key = $1",
                &[&key, &now, &interval_micros],
            )
            .db()?;
        Ok(())
    }

    /// Forgets everything counted for `key`.
    pub(super) fn limit_forget(&self, key: &str) -> Result<()> {
        self.client()?
            .execute("DELETE FROM rate_limits WHERE key = $1", &[&key])
            .db()?;
        Ok(())
    }

    /// Forgets every key whose count has fully recovered by `now`.
    pub(super) fn limit_purge(&self, now: DateTime<Utc>) -> Result<u64> {
        self.client()?
            .execute("DELETE FROM rate_limits WHERE tat < $1", &[&now])
            .db()
    }
}
