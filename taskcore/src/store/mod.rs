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
mod database;
mod open;
mod options;
mod postgres;
mod sql;
mod sqlite;
mod tasks;
mod url;
mod writer;

#[cfg(test)]
mod contract_tests;

pub use self::accounts::Login;
pub use self::backend::{AccountWork, Backend, Context, Mode, TaskWork};
pub use self::changes::{
    CHANGES_DEFAULT_LIMIT, CHANGES_MAX_LIMIT, ChangeCursor, ChangeQuery, IdempotencyKey, KEY_HOURS,
    Replay,
};
pub use self::database::Store;
pub use self::options::{PoolStatus, StoreOptions, Synchronous};
pub use self::tasks::OwnerTasks;
pub use self::url::{DatabaseUrl, SqliteLocation};
pub use self::writer::{Pending, WriteQueue};
