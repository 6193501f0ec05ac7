//! The wire contract: request bodies as clients send them, the error bodies
//! the server answers with, and the checks a body must pass.
//!
//! Each body is one struct. taskctl serialises it, taskd reads it (every
//! field error at once, in FastAPI's `loc`/`msg`/`type` shape) and the
//! OpenAPI document shows it; a checked body is a [`Valid`] of that struct.

mod account;
mod body;
mod fields;
mod lenient;
mod problem;
pub mod routes;
#[cfg(feature = "openapi")]
pub mod rules;
mod task;

pub use self::account::{
    AccountDelete, LoginForm, LoginRequest, PasswordChangeRequest, RefreshRequest, Token,
    UserCreate, UserUpdate,
};
pub use self::body::{Body, Checks, Valid};
pub(crate) use self::fields::declared_fields;
pub use self::problem::{ErrorBody, ErrorDetail, ValidationDetail};
#[cfg(feature = "openapi")]
pub use self::task::Tag;
pub use self::task::{TaskCreate, TaskUpdate};

#[cfg(test)]
mod tests;
