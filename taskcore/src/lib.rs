//! The core of taskd, a personal task manager: users and tasks, validation,
//! password hashing, access tokens, login sessions with refresh tokens, and
//! owner-scoped storage.
//!
//! taskd serves this library over HTTP; other Rust programs can link it and
//! work on the same database directly.
//!
//! # Example
//!
//! Open a database, register a user, and manage that user's tasks:
//!
//! ```
//! use taskcore::{NewTask, NewUser, Page, PasswordHasher, Refresh, Store, TaskPatch};
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
//! let milk = tasks.create(&NewTask::new("Buy milk")?)?;
//! let done = tasks.update(milk.id, &TaskPatch { completed: Some(true), ..TaskPatch::default() })?;
//! assert!(done.completed);
//!
//! let page = tasks.list(Page::default())?;
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

pub mod auth;
pub mod error;
mod input;
pub mod model;
pub mod session;
pub mod store;
pub mod types;

pub use auth::{AccessClaims, IssuedToken, PasswordHasher, TokenAlgorithm, TokenKeys};
pub use error::{Error, FieldError, Result, Source, ValidationErrors};
pub use input::required_field;
pub use model::{
    AccountDelete, LoginForm, LoginRequest, NewTask, NewUser, PasswordChange,
    PasswordChangeRequest, RefreshRequest, Task, TaskCreate, TaskPage, TaskPatch, TaskUpdate,
    Token, User, UserCreate,
};
pub use session::{Refresh, RefreshToken};
pub use store::{
    Backend, DatabaseUrl, Login, OwnerTasks, PoolStatus, Store, StoreOptions, Synchronous,
};
pub use types::{Description, Email, Page, Password, SessionId, TaskId, Title, UserId};
