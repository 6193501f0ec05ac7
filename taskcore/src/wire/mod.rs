//! The wire contract: request bodies as clients send them, the error bodies
//! the server answers with, and the checks a body must pass.
//!
//! Each body is one struct, each field once. taskctl serialises it, taskd
//! reads it (every field error at once, in FastAPI's `loc`/`msg`/`type`
//! shape) and the OpenAPI document shows it. Checked, a body becomes what
//! storage takes (a task body a `NewTask` or `TaskPatch` of the model), or
//! a [`Valid`] of itself for bodies used as they are (a login, a refresh).

mod account;
mod body;
mod fields;
mod lenient;
mod list;
mod problem;
mod repeating;
pub mod routes;
#[cfg(feature = "openapi")]
pub mod rules;
mod task;

pub use self::account::{
    AccountDelete, LoginForm, LoginRequest, PasswordChangeRequest, RefreshRequest,
    RegistrationInfo, RegistrationMode, SessionInfo, Token, UserCreate, UserUpdate,
};
pub use self::body::{Body, Checks, Valid};
pub(crate) use self::fields::declared_fields;
pub use self::list::{ListCreate, ListUpdate};
pub use self::problem::{ErrorBody, ErrorDetail, ValidationDetail};
pub use self::repeating::ReminderBody;
#[cfg(feature = "openapi")]
pub use self::task::Tag;
pub use self::task::{TaskCreate, TaskUpdate};

#[cfg(test)]
mod tests;
