//! Owner-scoped storage.
//!
//! [`Store`] holds accounts and sessions; task access goes through
//! [`OwnerTasks`], a handle bound to one owner. The binding goes all the way
//! down: a backend hands out task work only for one owner, and builds every task statement with that owner's
//! filter. A task owned by someone else is indistinguishable from one that
//! does not exist.
//!
//! Three layers. The operations (login, refresh-token rotation, password
//! change, purge, every task operation) are written once, in `accounts.rs`,
//! `tasks.rs` and `changes.rs`, over the small units of work of a
//! backend. The SQL both backends share is in `sql/`, written over a
//! connection and a dialect. `sqlite/` and `postgres/` hold driver code:
//! pools, binding, errors, their dialect.
//!
//! Every write goes through [`Store::write`], the one place that queues it
//! for the single writer (a SQLite file) or runs it here. Every method
//! blocks (database I/O, and bcrypt for accounts): async callers run them on
//! a blocking thread pool, or await [`Store::submit`] where writes are
//! queued (taskd's `AppState::write` picks between these two ways of
//! waiting; the path of the write itself is decided here).

mod accounts;
mod admin;
mod api_tokens;
#[cfg(feature = "async")]
mod asynchronous;
mod backend;
mod backup;
mod calendars;
mod changes;
mod database;
mod limits;
mod lists;
mod objects;
mod open;
mod options;
#[cfg(feature = "postgres")]
mod postgres;
mod roster;
mod served;
mod sql;
#[cfg(feature = "sqlite")]
mod sqlite;
mod tasks;
mod url;
mod writer;

#[cfg(all(test, feature = "sqlite", feature = "postgres"))]
mod contract_tests;

pub use self::accounts::Login;
pub use self::admin::INVITE_PREFIX;
#[cfg(feature = "async")]
pub use self::asynchronous::{AsyncStore, AsyncTasks};
pub use self::backup::BackupReport;
pub use self::changes::{IdempotencyKey, KEY_HOURS, Replay};
pub use self::database::Store;
pub use self::limits::SharedCounters;
pub use self::lists::OwnerLists;
pub use self::objects::SYNC_CHANGES_MAX;
pub use self::options::{PoolStatus, StoreOptions, Synchronous};
pub use self::roster::{Invite, UserSummary};
pub use self::tasks::{EXPORT_PAGE, OwnerTasks};
pub use self::url::{DatabaseUrl, SqliteLocation};
pub use self::writer::Pending;
