//! Owner-scoped storage.
//!
//! [`Store`] holds accounts and sessions; task access goes through
//! [`OwnerTasks`], a handle bound to one owner. The binding goes all the way
//! down: a backend hands out task work only for one owner
//! ([`Backend::tasks`]), and builds every task statement with that owner's
//! filter. A task owned by someone else is indistinguishable from one that
//! does not exist.
//!
//! The operations (login, refresh-token rotation, password change, purge)
//! are written once, in this module, over the small units of work of
//! [`Backend`]; the SQLite and PostgreSQL modules hold SQL dialect only.
//!
//! Every method blocks (database I/O, and bcrypt for accounts): async callers
//! run them on a blocking thread pool.

mod accounts;
mod backend;
mod changes;
mod columns;
mod postgres;
mod postgres_tls;
mod query;
mod sql;
mod sqlite;
mod tasks;
mod url;
mod writer;

#[cfg(test)]
mod contract_tests;

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};

pub use self::accounts::Login;
pub use self::backend::{AccountWork, Backend, Mode, TaskWork};
pub use self::changes::{
    CHANGES_DEFAULT_LIMIT, CHANGES_MAX_LIMIT, ChangeCursor, ChangeQuery, IdempotencyKey, KEY_HOURS,
    Replay,
};
pub use self::columns::Context;
pub use self::query::{Cursor, DueFilter, Sort, SortKey, TaskQuery};
pub use self::sqlite::Synchronous;
pub use self::tasks::OwnerTasks;
pub use self::url::{DatabaseUrl, SqliteLocation};
pub use self::writer::{Pending, WriteQueue};
use crate::error::Result;

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

/// The database: accounts and sessions and, through [`Store::tasks`], each
/// owner's tasks.
///
/// Cloning is cheap and shares the connection pool.
#[derive(Clone, Debug)]
pub struct Store {
    backend: Arc<dyn Backend>,
}

impl Store {
    /// Opens the database named by `database_url` with default options and
    /// brings its schema up to date: `sqlite:///./tasks.db` (a file),
    /// `sqlite://` (a private in-memory database) or
    /// `postgresql://user:password@host:5432/database`.
    pub fn open(database_url: &str) -> Result<Self> {
        Self::open_with(&DatabaseUrl::parse(database_url)?, &StoreOptions::default())
    }

    /// Opens a database with explicit options and brings its schema up to date.
    pub fn open_with(url: &DatabaseUrl, options: &StoreOptions) -> Result<Self> {
        let backend: Arc<dyn Backend> = match url {
            DatabaseUrl::Sqlite(location) => {
                Arc::new(sqlite::SqliteStore::open(location, options)?)
            }
            DatabaseUrl::Postgres(url) => Arc::new(postgres::PostgresStore::open(url, options)?),
        };
        Ok(Self { backend })
    }

    /// A store over a backend of your own.
    pub fn with_backend(backend: Arc<dyn Backend>) -> Self {
        Self { backend }
    }

    /// How many pooled connections are in use and idle; does not block.
    pub fn pool_status(&self) -> PoolStatus {
        self.backend.pool_status()
    }

    /// Checks that the database answers.
    pub fn ping(&self) -> Result<()> {
        self.backend.ping()
    }

    /// The tasks of one owner. The owner id must come from an authenticated source.
    pub fn tasks(&self, owner: crate::types::UserId) -> OwnerTasks<'_> {
        OwnerTasks::new(self, owner)
    }

    /// Whether this store's writes are queued for a single writer thread (a
    /// SQLite file) rather than run on the caller's thread.
    pub fn queues_writes(&self) -> bool {
        self.backend.write_queue().is_some()
    }

    /// Runs `work`, which writes, the way this store writes, and waits for
    /// its answer. On a SQLite file, `work` is queued for the single writer,
    /// which runs it in one transaction with the writes queued beside it
    /// and answers after their commit; elsewhere it runs here, on a pooled
    /// connection. `work` gets the store to write through.
    ///
    /// Each store operation `work` runs is atomic, as anywhere; `work` as a
    /// whole is not one transaction: when it fails after an operation
    /// succeeded, that operation stands, on every backend.
    pub fn write<T, F>(&self, work: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&Store) -> Result<T> + Send + 'static,
    {
        self.submit(work).wait()
    }

    /// Like [`Store::write`], but returns once `work` is queued: await the
    /// answer, or wait for it. A store that does not queue writes (see
    /// [`Store::queues_writes`]) runs `work` here before returning, so
    /// async callers hand that case to a blocking thread.
    pub fn submit<T, F>(&self, work: F) -> Pending<T>
    where
        T: Send + 'static,
        F: FnOnce(&Store) -> Result<T> + Send + 'static,
    {
        match self.backend.write_queue() {
            Some(queue) => queue.submit(work),
            None => Pending::ready(work(self)),
        }
    }
}

/// A lifetime as a chrono duration, capped at 100 years.
fn lifetime(duration: Duration) -> chrono::Duration {
    const CAP: Duration = Duration::from_secs(100 * 365 * 24 * 3600);
    chrono::Duration::from_std(duration.min(CAP)).unwrap_or(chrono::Duration::MAX)
}

/// The current time, to the microsecond: the precision both backends store.
fn now() -> DateTime<Utc> {
    let now = Utc::now();
    DateTime::from_timestamp_micros(now.timestamp_micros()).unwrap_or(now)
}

/// Connection pool occupancy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolStatus {
    /// Connections handed out.
    pub in_use: u32,
    /// Connections open and waiting.
    pub idle: u32,
}

impl From<r2d2::State> for PoolStatus {
    fn from(state: r2d2::State) -> Self {
        Self {
            in_use: state.connections.saturating_sub(state.idle_connections),
            idle: state.idle_connections,
        }
    }
}

impl From<r2d2::Error> for crate::Error {
    fn from(error: r2d2::Error) -> Self {
        crate::Error::Storage(format!("connection pool: {error}"))
    }
}
