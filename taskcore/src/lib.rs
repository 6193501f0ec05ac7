// The README's example opens a SQLite store: without one, a short page.
#![cfg_attr(all(feature = "sqlite", feature = "auth"), doc = include_str!("../README.md"))]
#![cfg_attr(
    not(all(feature = "sqlite", feature = "auth")),
    doc = "The core of taskd, a personal task manager: users and tasks, their \
           validation, and (with the storage features) owner-scoped storage. \
           Built without `sqlite`, this is the wire contract: the models, the \
           request and error bodies with their checks, the listing and \
           change-feed queries and the route table."
)]
#![cfg_attr(docsrs, feature(doc_cfg))]
#![warn(missing_docs)]

pub mod api_tokens;
#[cfg(feature = "auth")]
pub mod auth;
pub mod error;
pub mod export;
#[cfg(feature = "ical")]
pub mod ical;
pub mod import;
pub mod model;
pub mod planning;
pub mod query;
pub mod repeat;
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
pub use error::{
    CalendarRefusal, Error, FieldError, Result, SessionEnd, Source, StorageError, ValidationErrors,
};
pub use model::{
    Change, ChangePage, Completion, CompletionPage, Due, DueChange, Expect, Lead, ListPatch,
    NewList, NewTask, NewTaskBuilder, NewUser, Origin, PasswordChange, Reminder, TagChange,
    TagCount, Task, TaskList, TaskPage, TaskPatch, TaskPatchBuilder, TrashPage, TrashedTask, User,
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
    DatabaseUrl, IdempotencyKey, Login, OwnerLists, OwnerTasks, Pending, PoolStatus, Replay, Store,
    StoreOptions, Synchronous,
};
pub use types::{
    Description, Email, ListId, Page, Password, SessionId, TaskId, Title, Uid, UserId,
};
pub use wire::{
    AccountDelete, Body, ErrorBody, ErrorDetail, ListCreate, ListUpdate, LoginForm, LoginRequest,
    PasswordChangeRequest, RefreshRequest, ReminderBody, TaskCreate, TaskUpdate, Token, UserCreate,
    UserUpdate, Valid, ValidationDetail,
};
