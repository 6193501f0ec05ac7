//! The core of taskd, a personal task manager: users and tasks, validation,
//! password hashing, access tokens, login sessions with refresh tokens, and
//! owner-scoped storage.
//!
//! taskd serves this library over HTTP; other Rust programs can link it and
//! work on the same database directly.
//!
//! # Features
//!
//! - `store` (default): storage on SQLite and PostgreSQL, with login sessions.
//! - `auth` (default, implied by `store`): bcrypt password hashing and JWT access tokens.
//! - `openapi`: OpenAPI schemas for the wire types.
//!
//! With `default-features = false`, taskcore is the wire contract alone (the
//! models, request and error bodies and their checks), with no database or
//! crypto crate: what a client such as taskctl links.
//!
//! # Example
//!
//! (with the default features)
//!
//! Open a database, register a user, and manage that user's tasks:
//!
//! ```
//! use taskcore::{NewTask, NewUser, PasswordHasher, Priority, Refresh, Store, TaskPatch, TaskQuery};
//!
//! # fn main() -> Result<(), taskcore::Error> {
//! // `sqlite:///./tasks.db` for a file, `sqlite://` for a private in-memory
//! // database, `postgresql://user:password@host/db` for PostgreSQL.
//! let store = Store::open("sqlite://")?;
//! let hasher = PasswordHasher::new(12)?;
//!
//! let jane = store.register_user(&NewUser::new("Jane@Example.com", "password123")?, &hasher)?;
//! assert_eq!(jane.email, "jane@example.com");
//! let same = store.authenticate("jane@example.com", "password123", &hasher)?;
//! assert_eq!(same.id, jane.id);
//!
//! // Task access is bound to one owner: another user's tasks cannot be reached.
//! let tasks = store.tasks(jane.id);
//! let milk = tasks.create(&NewTask::builder("Buy milk").priority(Priority::High).tags(["Shop"]).build()?)?;
//! let finish = TaskPatch::builder().completed(true).build()?;
//! let done = tasks.update(milk.id, &finish)?;
//! assert!(done.completed);
//!
//! let page = tasks.list(&TaskQuery::builder().tag("shop").build()?)?;
//! assert_eq!(page.total, 1);
//! assert_eq!(page.tasks[0].title, "Buy milk");
//!
//! // Sessions: a login opens one; each refresh token renews it exactly once.
//! let day = std::time::Duration::from_secs(24 * 3600);
//! let login = store.log_in("jane@example.com", "password123", &hasher, day)?;
//! let first = login.refresh_token.expose().to_owned();
//! assert!(matches!(store.refresh_session(&first, day)?, Refresh::Rotated { .. }));
//! // Spent: presenting it again revokes the session.
//! assert!(matches!(store.refresh_session(&first, day)?, Refresh::Reused { .. }));
//! assert!(store.session_user(jane.id, login.session)?.is_none());
//! # Ok(())
//! # }
//! ```

#![cfg_attr(docsrs, feature(doc_cfg))]
#![warn(missing_docs)]

#[cfg(feature = "auth")]
pub mod auth;
pub mod error;
pub mod export;
pub mod import;
pub mod model;
pub mod planning;
pub mod query;
#[cfg(feature = "store")]
pub mod session;
#[cfg(feature = "store")]
pub mod store;
pub mod types;
pub mod urgency;
pub mod wire;

pub use wire::routes;

#[cfg(feature = "auth")]
pub use auth::{
    AccessClaims, BcryptRunner, IssuedToken, PasswordHasher, TokenAlgorithm, TokenKeys,
};
pub use error::{Error, FieldError, Result, Source, StorageError, ValidationErrors};
pub use model::{
    Change, ChangePage, Due, DueChange, Expect, NewTask, NewTaskBuilder, NewUser, Origin,
    PasswordChange, TagChange, TagCount, Task, TaskPage, TaskPatch, TaskPatchBuilder, TrashPage,
    TrashedTask, User,
};
pub use planning::{Priority, Zone};
pub use query::{
    ChangeCursor, ChangeQuery, Cursor, DueFilter, Filter, Sort, SortKey, TaskQuery,
    TaskQueryBuilder,
};
#[cfg(feature = "store")]
pub use session::{Refresh, RefreshToken};
#[cfg(feature = "async")]
pub use store::{AsyncStore, AsyncTasks};
#[cfg(feature = "store")]
pub use store::{
    DatabaseUrl, IdempotencyKey, Login, OwnerTasks, Pending, PoolStatus, Replay, Store,
    StoreOptions, Synchronous,
};
pub use types::{Description, Email, Page, Password, SessionId, TaskId, Title, UserId};
pub use wire::{
    AccountDelete, Body, ErrorBody, ErrorDetail, LoginForm, LoginRequest, PasswordChangeRequest,
    RefreshRequest, TaskCreate, TaskUpdate, Token, UserCreate, UserUpdate, Valid, ValidationDetail,
};
