//! Brute-force counters every process on the database shares (PostgreSQL),
//! so that several instances behind a balancer allow a limit once. On
//! SQLite each process counts on its own: [`Store::shared_limits`] is
//! `None` and the caller keeps its own counts.

use std::time::Duration;

use super::backend::SharedLimits;
use super::database::{Store, now};
use crate::error::Result;

/// A store's shared counters: GCRA on wall-clock time, one statement per
/// attempt. Each method blocks (database I/O).
#[derive(Clone, Copy)]
pub struct SharedCounters<'a> {
    limits: &'a dyn SharedLimits,
}

impl std::fmt::Debug for SharedCounters<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SharedCounters")
    }
}

fn micros(duration: Duration) -> i64 {
    i64::try_from(duration.as_micros()).unwrap_or(i64::MAX)
}

impl SharedCounters<'_> {
    /// Counts one for `key` under a limit of `burst` in any `burst ×
    /// interval`, recovering one every `interval`; or how long until `key`
    /// may count again (nothing counted).
    pub fn take(&self, key: &str, interval: Duration, burst: u32) -> Result<Result<(), Duration>> {
        let now = now();
        let tolerance = interval.saturating_mul(burst.saturating_sub(1));
        match self
            .limits
            .take(key, now, micros(interval), micros(tolerance))?
        {
            None => Ok(Ok(())),
            Some(arrival) => {
                let allowed_from =
                    arrival - chrono::Duration::from_std(tolerance).unwrap_or_default();
                let wait = (allowed_from - now)
                    .to_std()
                    .unwrap_or(Duration::from_millis(1));
                Ok(Err(wait.max(Duration::from_millis(1))))
            }
        }
    }

    /// Undoes one [`take`](Self::take) of `key`.
    pub fn give_back(&self, key: &str, interval: Duration) -> Result<()> {
        self.limits.give_back(key, now(), micros(interval))
    }

    /// Forgets everything counted for `key`.
    pub fn forget(&self, key: &str) -> Result<()> {
        self.limits.forget(key)
    }

    /// Forgets every key that has fully recovered; returns how many.
    pub fn purge(&self) -> Result<u64> {
        self.limits.purge(now())
    }
}

impl Store {
    /// The counters every process on this database shares, where the
    /// database keeps them (PostgreSQL); `None` on SQLite.
    pub fn shared_limits(&self) -> Option<SharedCounters<'_>> {
        self.backend
            .shared_limits()
            .map(|limits| SharedCounters { limits })
    }
}
