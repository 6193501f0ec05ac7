//! How a store is tuned, and how busy its pool is.

use std::time::Duration;

/// Tuning shared by the backends.
#[derive(Debug, Clone)]
pub struct StoreOptions {
    /// Largest number of pooled connections.
    pub pool_size: u32,
    /// How long to wait for the database server to accept a connection (PostgreSQL).
    pub connect_timeout: Duration,
    /// Durability of commits (SQLite).
    pub synchronous: Synchronous,
    /// How long a writer waits for another writer's lock before failing (SQLite).
    pub busy_timeout: Duration,
    /// Longest a statement may run before the server cancels it (PostgreSQL).
    pub statement_timeout: Duration,
    /// Longest a statement waits for a row or table lock (PostgreSQL).
    pub lock_timeout: Duration,
    /// Longest a transaction may sit idle before the server ends it (PostgreSQL).
    pub idle_in_transaction_timeout: Duration,
}

impl Default for StoreOptions {
    fn default() -> Self {
        Self {
            pool_size: 8,
            connect_timeout: Duration::from_secs(5),
            synchronous: Synchronous::Normal,
            busy_timeout: Duration::from_secs(5),
            statement_timeout: Duration::from_secs(30),
            lock_timeout: Duration::from_secs(10),
            idle_in_transaction_timeout: Duration::from_secs(60),
        }
    }
}

/// How hard SQLite works to make each commit durable.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Synchronous {
    /// Survives a crash of the process; the last commits may be lost on power loss.
    #[default]
    Normal,
    /// Survives power loss, at the cost of an fsync per commit.
    Full,
}

impl std::str::FromStr for Synchronous {
    type Err = crate::types::Invalid;

    fn from_str(input: &str) -> Result<Self, Self::Err> {
        match input.trim().to_ascii_lowercase().as_str() {
            "normal" => Ok(Self::Normal),
            "full" => Ok(Self::Full),
            _ => Err(crate::types::Invalid::new(
                "value_error",
                format!("'{input}' is not a synchronous mode: use normal or full"),
            )),
        }
    }
}

/// Connection pool occupancy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct PoolStatus {
    /// Connections handed out.
    pub in_use: u32,
    /// Connections open and waiting.
    pub idle: u32,
}

impl PoolStatus {
    /// Occupancy as r2d2 reports it.
    pub(crate) fn of(state: &r2d2::State) -> Self {
        Self {
            in_use: state.connections.saturating_sub(state.idle_connections),
            idle: state.idle_connections,
        }
    }
}

/// A pool's result as taskcore's (a public `From` would put r2d2's version
/// in the API).
#[cfg_attr(not(feature = "sqlite"), allow(dead_code))] // PostgreSQL maps its pool's errors itself.
pub(crate) trait PoolResult<T> {
    /// The value, or the error as [`crate::Error::Storage`] with the pool's as its source.
    fn pooled(self) -> crate::Result<T>;
}

impl<T> PoolResult<T> for Result<T, r2d2::Error> {
    fn pooled(self) -> crate::Result<T> {
        self.map_err(|error| crate::Error::storage_caused("connection pool", error))
    }
}
