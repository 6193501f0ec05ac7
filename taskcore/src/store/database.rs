//! The database handle: what every store operation goes through.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};

use super::backend::Backend;
use super::options::PoolStatus;
use super::served::ServedObjects;
use crate::error::Result;

/// The database: accounts and sessions and, through [`Store::tasks`], each
/// owner's tasks.
///
/// Cloning is cheap and shares the connection pool.
#[derive(Clone, Debug)]
pub struct Store {
    pub(crate) backend: Arc<dyn Backend>,
    /// Objects CalDAV served, shared by the clones.
    pub(crate) served: Arc<ServedObjects>,
}

impl Store {
    pub(crate) fn new(backend: Arc<dyn Backend>) -> Self {
        Self {
            backend,
            served: Arc::new(ServedObjects::new()),
        }
    }

    /// How many pooled connections are in use and idle; does not block.
    pub fn pool_status(&self) -> PoolStatus {
        self.backend.pool_status()
    }

    /// Checks that the database answers.
    pub fn ping(&self) -> Result<()> {
        self.backend.ping()
    }

    /// Whether this store's writes are queued for a single writer thread (a
    /// SQLite file) rather than run on the caller's thread.
    pub fn queues_writes(&self) -> bool {
        self.backend.write_queue().is_some()
    }
}

/// A lifetime as a chrono duration, capped at 100 years.
pub(super) fn lifetime(duration: Duration) -> chrono::Duration {
    const CAP: Duration = Duration::from_secs(100 * 365 * 24 * 3600);
    chrono::Duration::from_std(duration.min(CAP)).unwrap_or(chrono::Duration::MAX)
}

/// The current time, to the microsecond: the precision both backends store.
pub(super) fn now() -> DateTime<Utc> {
    let now = Utc::now();
    DateTime::from_timestamp_micros(now.timestamp_micros()).unwrap_or(now)
}
