//! The one error type of the library.

use std::fmt;

use serde::{Deserialize, Serialize};

/// Everything that can go wrong in taskcore.
///
/// Each variant stands for one answer a caller gives its user; taskd maps
/// each to exactly one HTTP status in one place.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The input broke one or more rules; every broken rule is listed.
    #[error("invalid input: {0}")]
    Validation(ValidationErrors),
    /// The task does not exist or belongs to someone else.
    #[error("task not found")]
    TaskNotFound,
    /// An account already uses this email address.
    #[error("email already registered")]
    EmailTaken,
    /// Login failed: unknown email or wrong password (deliberately not told apart).
    #[error("incorrect email or password")]
    InvalidCredentials,
    /// A bearer token that is malformed, forged, expired, of a revoked
    /// session, or names no user.
    #[error("could not validate credentials")]
    InvalidToken,
    /// A refresh token that is unknown, expired, spent or of a revoked session.
    #[error("invalid refresh token")]
    InvalidRefreshToken,
    /// A conditional change found the task at another version than the
    /// one it expected; nothing changed.
    #[error("the task is at version {current}")]
    VersionMismatch {
        /// The task's current version.
        current: i64,
    },
    /// A change feed cursor from before deletions that have since been
    /// forgotten, or not one this feed gave: start a full sync.
    #[error("change feed cursor too old")]
    CursorExpired,
    /// The change conflicts with another made meanwhile; the message says which.
    #[error("conflict: {0}")]
    Conflict(String),
    /// The password given to confirm a sensitive change is wrong.
    #[error("incorrect password")]
    WrongPassword,
    /// The database could not be reached or refused the operation.
    #[error("storage error: {0}")]
    Storage(String),
    /// Hashing or signing failed; not caused by the caller's input.
    #[error("internal error: {0}")]
    Internal(String),
}

/// Shorthand for results whose error is [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl From<ValidationErrors> for Error {
    fn from(errors: ValidationErrors) -> Self {
        Error::Validation(errors)
    }
}

/// Where an input came from, the first element of a field error's location.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Source {
    /// The request body.
    Body,
    /// The query string.
    Query,
    /// A path parameter.
    Path,
    /// A request header.
    Header,
}

/// One broken rule on one field, shaped like FastAPI's validation errors.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FieldError {
    /// Location: the source (`body`, `query`, `path`) then the field name, if any.
    pub loc: Vec<String>,
    /// A sentence for people.
    pub msg: String,
    /// A stable machine-readable kind, such as `missing` or `string_too_long`.
    #[serde(rename = "type")]
    pub kind: String,
}

/// Every field error found in one input, in the order the fields were checked.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct ValidationErrors(Vec<FieldError>);

impl ValidationErrors {
    /// An empty collection.
    pub fn new() -> Self {
        Self::default()
    }

    /// Records one broken rule. `field` is empty for errors about the whole input.
    pub fn add(&mut self, source: Source, field: &str, kind: &str, msg: impl Into<String>) {
        let source = match source {
            Source::Body => "body",
            Source::Query => "query",
            Source::Path => "path",
            Source::Header => "header",
        };
        let mut loc = vec![source.to_owned()];
        if !field.is_empty() {
            loc.push(field.to_owned());
        }
        self.0.push(FieldError {
            loc,
            msg: msg.into(),
            kind: kind.to_owned(),
        });
    }

    /// Appends every error of `other`.
    pub fn extend(&mut self, other: ValidationErrors) {
        self.0.extend(other.0);
    }

    /// True when nothing was recorded.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The recorded errors.
    pub fn errors(&self) -> &[FieldError] {
        &self.0
    }

    /// `Ok(value)` when nothing was recorded, otherwise every recorded error.
    pub fn into_result<T>(self, value: impl FnOnce() -> T) -> Result<T> {
        if self.is_empty() {
            Ok(value())
        } else {
            Err(Error::Validation(self))
        }
    }

    /// A collection holding exactly one error.
    pub fn single(source: Source, field: &str, kind: &str, msg: impl Into<String>) -> Self {
        let mut errors = Self::new();
        errors.add(source, field, kind, msg);
        errors
    }
}

impl fmt::Display for ValidationErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (index, error) in self.0.iter().enumerate() {
            if index > 0 {
                f.write_str("; ")?;
            }
            let field = error.loc.get(1).map(String::as_str).unwrap_or("input");
            write!(f, "{field}: {}", error.msg)?;
        }
        Ok(())
    }
}
