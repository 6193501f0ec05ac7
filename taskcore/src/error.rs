//! The one error type of the library.

use std::fmt;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::types::Invalid;

/// Everything that can go wrong in taskcore.
///
/// Each variant stands for one answer a caller gives its user. taskd maps
/// each to one HTTP status, in one place; [`Error::http_status`] is that
/// table, for programs that answer over HTTP too:
///
/// | variant | status |
/// |---|---|
/// | [`Validation`](Error::Validation) | 422 |
/// | [`TaskNotFound`](Error::TaskNotFound), [`ListNotFound`](Error::ListNotFound), [`UserNotFound`](Error::UserNotFound), [`TokenNotFound`](Error::TokenNotFound), [`SessionNotFound`](Error::SessionNotFound), [`InviteNotFound`](Error::InviteNotFound) | 404 |
/// | [`EmailTaken`](Error::EmailTaken), [`Conflict`](Error::Conflict) | 409 |
/// | [`VersionMismatch`](Error::VersionMismatch) (a precondition such as `If-Match` failed) | 412 |
/// | [`InvalidCredentials`](Error::InvalidCredentials), [`InvalidToken`](Error::InvalidToken), [`InvalidRefreshToken`](Error::InvalidRefreshToken), [`SessionEnded`](Error::SessionEnded) | 401 |
/// | [`WrongPassword`](Error::WrongPassword), [`Forbidden`](Error::Forbidden) | 403 |
/// | [`CursorExpired`](Error::CursorExpired) | 410 |
/// | [`Storage`](Error::Storage) | 503 |
/// | [`DatabaseUrl`](Error::DatabaseUrl), [`Io`](Error::Io), [`Internal`](Error::Internal) | 500 |
///
/// New variants may come in a minor release: a `match` needs a `_` arm.
///
/// Every parser of the crate fails with [`Invalid`], which converts with
/// `?` into [`Error::Validation`]:
///
/// ```
/// fn settings(zone: &str, cursor: &str) -> Result<(), taskcore::Error> {
///     let _zone = taskcore::Zone::parse(zone)?;
///     let _page = taskcore::Page::new(0, 10)?;
///     let _since = taskcore::ChangeCursor::decode(cursor)?;
///     Ok(())
/// }
/// let refused = settings("Mars/Olympus", "").unwrap_err();
/// assert!(refused.is_validation());
/// assert_eq!(refused.http_status(), 422);
/// ```
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The input broke one or more rules; every broken rule is listed.
    #[error("invalid input: {0}")]
    Validation(ValidationErrors),
    /// The task does not exist or belongs to someone else.
    #[error("task not found")]
    TaskNotFound,
    /// The list does not exist or belongs to someone else.
    #[error("list not found")]
    ListNotFound,
    /// The account does not exist (any more).
    #[error("user not found")]
    UserNotFound,
    /// The API token does not exist or belongs to someone else.
    #[error("token not found")]
    TokenNotFound,
    /// The session is not a live session of this user.
    #[error("session not found")]
    SessionNotFound,
    /// No live invitation has this code.
    #[error("invite not found")]
    InviteNotFound,
    /// The credential may not do this: an API token without the scope it
    /// needs, or used where only a login session may act. The message says
    /// which.
    #[error("forbidden: {0}")]
    Forbidden(String),
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
    /// A token of a session that was ended, and why.
    #[error("the session has ended: {}", .0.reason())]
    SessionEnded(SessionEnd),
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
    /// An iCalendar object taskd does not take over CalDAV; `refusal` is
    /// the precondition it fails, `message` says why.
    #[error("{message}")]
    CalendarObject {
        /// The CalDAV precondition the object fails.
        refusal: CalendarRefusal,
        /// Why, for the client.
        message: String,
    },
    /// The database URL (or a TLS setting in it) cannot be used; the
    /// message says why and never shows the URL's password.
    #[error("{0}")]
    DatabaseUrl(String),
    /// The database could not be reached or refused the operation; the
    /// driver's error is the [`source`](std::error::Error::source).
    #[error(transparent)]
    Storage(StorageError),
    /// Writing to the caller's writer failed (an export's output).
    #[error("cannot write: {0}")]
    Io(Arc<std::io::Error>),
    /// Hashing or signing failed, or a bug; not caused by the caller's input.
    #[error("internal error: {0}")]
    Internal(String),
}

/// The CalDAV precondition (RFC 4791, 5.3.2) an object fails.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum CalendarRefusal {
    /// Not iCalendar, or a task taskd cannot hold as written
    /// (`valid-calendar-data`).
    InvalidData,
    /// Something other than one task (`supported-calendar-component`).
    Component,
    /// Its UID is another of the owner's tasks' (`no-uid-conflict`).
    UidConflict,
}

impl Error {
    /// The HTTP status taskd answers this error with (see the table above).
    pub fn http_status(&self) -> u16 {
        match self {
            Error::Validation(_) => 422,
            Error::TaskNotFound
            | Error::ListNotFound
            | Error::UserNotFound
            | Error::TokenNotFound
            | Error::SessionNotFound
            | Error::InviteNotFound => 404,
            Error::EmailTaken | Error::Conflict(_) => 409,
            Error::VersionMismatch { .. } => 412,
            Error::InvalidCredentials
            | Error::InvalidToken
            | Error::InvalidRefreshToken
            | Error::SessionEnded(_) => 401,
            Error::WrongPassword | Error::Forbidden(_) | Error::CalendarObject { .. } => 403,
            Error::CursorExpired => 410,
            Error::Storage(_) => 503,
            Error::DatabaseUrl(_) | Error::Io(_) | Error::Internal(_) => 500,
        }
    }

    /// Whether the input broke a rule ([`Error::Validation`]).
    pub fn is_validation(&self) -> bool {
        matches!(self, Error::Validation(_))
    }

    /// Whether the task does not exist for this owner, or the account at
    /// all ([`Error::TaskNotFound`], [`Error::UserNotFound`]).
    pub fn is_not_found(&self) -> bool {
        matches!(
            self,
            Error::TaskNotFound
                | Error::ListNotFound
                | Error::UserNotFound
                | Error::TokenNotFound
                | Error::SessionNotFound
                | Error::InviteNotFound
        )
    }

    /// Whether a conditional change found another version
    /// ([`Error::VersionMismatch`]) or another change got there first
    /// ([`Error::Conflict`]): read again, then decide.
    pub fn is_conflict(&self) -> bool {
        matches!(self, Error::VersionMismatch { .. } | Error::Conflict(_))
    }

    /// Whether the database failed ([`Error::Storage`]): trying again later
    /// may work.
    pub fn is_storage(&self) -> bool {
        matches!(self, Error::Storage(_))
    }

    /// A storage failure described by taskcore alone.
    #[cfg_attr(not(feature = "store"), allow(dead_code))]
    pub(crate) fn storage(context: impl Into<String>) -> Self {
        Error::Storage(StorageError::new(context))
    }

    /// A storage failure of the driver while doing `context`.
    #[cfg_attr(not(feature = "store"), allow(dead_code))]
    pub(crate) fn storage_caused(
        context: impl Into<String>,
        cause: impl std::error::Error + Send + Sync + 'static,
    ) -> Self {
        Error::Storage(StorageError::caused_by(context, cause))
    }

    /// The field errors of a validation error; empty for any other.
    pub fn field_errors(&self) -> &[FieldError] {
        match self {
            Error::Validation(errors) => errors.errors(),
            _ => &[],
        }
    }
}

/// Shorthand for results whose error is [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl From<ValidationErrors> for Error {
    fn from(errors: ValidationErrors) -> Self {
        Error::Validation(errors)
    }
}

/// A value given in code that broke its rule: one field error with an
/// empty location (there is no body or query string to point into).
impl From<Invalid> for Error {
    fn from(invalid: Invalid) -> Self {
        Error::Validation(ValidationErrors(vec![FieldError {
            loc: Vec::new(),
            msg: invalid.msg,
            kind: invalid.kind.to_owned(),
        }]))
    }
}

/// Why the database failed: what taskcore was doing and, where the driver
/// failed, its error as the [`source`](std::error::Error::source): the
/// rusqlite or r2d2 error itself (it can be downcast), or for PostgreSQL
/// the driver's message and SQLSTATE code as text only, since a server
/// error's detail can quote a row's values, which must not reach a log.
/// Failures taskcore finds itself (a column that does not read) have no
/// source.
#[derive(Debug, Clone)]
pub struct StorageError {
    context: String,
    cause: Option<Arc<dyn std::error::Error + Send + Sync>>,
}

impl StorageError {
    /// A failure described by taskcore alone.
    #[cfg_attr(not(feature = "store"), allow(dead_code))]
    fn new(context: impl Into<String>) -> Self {
        Self {
            context: context.into(),
            cause: None,
        }
    }

    /// A failure of the driver while doing `context`.
    fn caused_by(
        context: impl Into<String>,
        cause: impl std::error::Error + Send + Sync + 'static,
    ) -> Self {
        Self {
            context: context.into(),
            cause: Some(Arc::new(cause)),
        }
    }

    /// What taskcore was doing, without the cause.
    pub fn context(&self) -> &str {
        &self.context
    }

    /// The whole story on one line: the context and every cause, for a log
    /// or a message to an operator.
    pub fn with_causes(&self) -> String {
        let mut text = self.to_string();
        // Display has the first cause; the rest of the chain follows.
        let mut cause = std::error::Error::source(self).and_then(|first| first.source());
        while let Some(current) = cause {
            text.push_str(": ");
            text.push_str(&current.to_string());
            cause = current.source();
        }
        text
    }
}

/// The context and, where there is one, the driver's own message: what a
/// person needs on one line. The driver's error is also the source.
impl fmt::Display for StorageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "storage error: {}", self.context)?;
        if let Some(cause) = &self.cause {
            write!(f, ": {cause}")?;
        }
        Ok(())
    }
}

impl std::error::Error for StorageError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.cause
            .as_deref()
            .map(|cause| cause as &(dyn std::error::Error + 'static))
    }
}

impl From<StorageError> for Error {
    fn from(error: StorageError) -> Self {
        Error::Storage(error)
    }
}

/// Where an input came from, the first element of a field error's location.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
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
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FieldError {
    /// Location: the source (`body`, `query`, `path`, `header`) then the
    /// field name, if any; empty for a value given in code.
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

impl std::error::Error for ValidationErrors {}

impl fmt::Display for ValidationErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (index, error) in self.0.iter().enumerate() {
            if index > 0 {
                f.write_str("; ")?;
            }
            let field = error.loc.get(1).map_or("input", String::as_str);
            write!(f, "{field}: {}", error.msg)?;
        }
        Ok(())
    }
}

/// Why a session ended, as its holder is told when its tokens are refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum SessionEnd {
    /// Logged out, here or from another session (`sessions rm`, logout
    /// everywhere).
    LoggedOut,
    /// A spent refresh token was presented again: it may have been copied,
    /// so the session was ended.
    RefreshTokenReused,
    /// The password was changed from another session.
    PasswordChanged,
    /// An administrator reset the password.
    PasswordReset,
    /// An administrator disabled the account.
    AccountDisabled,
}

impl SessionEnd {
    /// Why, in words for the session's holder.
    pub fn reason(self) -> &'static str {
        match self {
            Self::LoggedOut => "it was logged out, here or from another device",
            Self::RefreshTokenReused => {
                "its refresh token was used twice, which can mean it was copied, so the \
                 session was ended to be safe"
            }
            Self::PasswordChanged => "the account's password was changed from another session",
            Self::PasswordReset => "an administrator reset the account's password",
            Self::AccountDisabled => "an administrator disabled the account",
        }
    }
}
