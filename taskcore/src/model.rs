//! Users and tasks: the domain values and the wire types shared by server and clients.

use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::error::{Result, Source, ValidationErrors};
use crate::types::{Description, Email, Password, TaskId, Title, UserId};

/// A registered account, as shown to its owner. The password hash never leaves storage.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct User {
    /// Account id.
    #[cfg_attr(feature = "openapi", schema(value_type = i64, example = 1))]
    pub id: UserId,
    /// Normalised (lower-case) email address.
    #[cfg_attr(feature = "openapi", schema(example = "jane@example.com"))]
    pub email: String,
    /// When the account was created (UTC).
    pub created_at: DateTime<Utc>,
}

/// A task, as stored and as returned by the API.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Task {
    /// Task id; never reused.
    #[cfg_attr(feature = "openapi", schema(value_type = i64, example = 1))]
    pub id: TaskId,
    /// Title, 1 to 255 characters.
    #[cfg_attr(feature = "openapi", schema(example = "Buy milk"))]
    pub title: String,
    /// Optional description, at most 2,000 characters.
    pub description: Option<String>,
    /// Whether the task is done.
    pub completed: bool,
    /// The owner's account id.
    #[cfg_attr(feature = "openapi", schema(value_type = i64, example = 1))]
    pub owner_id: UserId,
    /// When the task was created (UTC); never changes.
    pub created_at: DateTime<Utc>,
    /// When the task last changed (UTC).
    pub updated_at: DateTime<Utc>,
}

/// One page of a task listing and the total number of tasks the owner has.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskPage {
    /// The tasks on this page, oldest first.
    pub tasks: Vec<Task>,
    /// How many tasks the owner has in all.
    pub total: u64,
}

/// A registration, checked: a normalised email and an acceptable password.
#[derive(Debug, Clone)]
pub struct NewUser {
    /// The account's email.
    pub email: Email,
    /// The chosen password.
    pub password: Password,
}

impl NewUser {
    /// Checks both fields and reports every problem at once.
    pub fn new(email: &str, password: &str) -> Result<Self> {
        let mut errors = ValidationErrors::new();
        let email = Email::parse(email)
            .map_err(|e| errors.add(Source::Body, "email", e.kind, e.msg))
            .ok();
        let password = Password::parse(password)
            .map_err(|e| errors.add(Source::Body, "password", e.kind, e.msg))
            .ok();
        match (email, password) {
            (Some(email), Some(password)) if errors.is_empty() => Ok(Self { email, password }),
            _ => Err(errors.into()),
        }
    }
}

/// A password change, checked: the new password is acceptable; the current
/// one is checked against the account later.
#[derive(Clone)]
pub struct PasswordChange {
    /// The password in use now, as typed.
    pub current_password: String,
    /// The password to use from now on.
    pub new_password: Password,
}

impl fmt::Debug for PasswordChange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PasswordChange(<redacted>)")
    }
}

/// A task to create, checked.
#[derive(Debug, Clone)]
pub struct NewTask {
    /// Title.
    pub title: Title,
    /// Optional description.
    pub description: Option<Description>,
    /// Whether it starts out done.
    pub completed: bool,
}

impl NewTask {
    /// A task with this title, no description, not completed.
    pub fn new(title: &str) -> Result<Self> {
        let title = Title::parse(title)
            .map_err(|e| ValidationErrors::single(Source::Body, "title", e.kind, e.msg))?;
        Ok(Self {
            title,
            description: None,
            completed: false,
        })
    }
}

/// A partial update: `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct TaskPatch {
    /// New title.
    pub title: Option<Title>,
    /// New description: `Some(None)` clears it.
    pub description: Option<Option<Description>>,
    /// New completion state.
    pub completed: Option<bool>,
}

impl TaskPatch {
    /// True when the patch would change nothing.
    pub fn is_empty(&self) -> bool {
        self.title.is_none() && self.description.is_none() && self.completed.is_none()
    }

    /// The description change as text: `None` keeps it, `Some(None)` clears it.
    pub fn description_text(&self) -> Option<Option<&str>> {
        self.description
            .as_ref()
            .map(|description| description.as_ref().map(Description::as_str))
    }
}

/// Wire type: body of `POST /auth/register`.
#[derive(Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UserCreate {
    /// Email address; trimmed and lower-cased, at most 320 characters.
    #[cfg_attr(
        feature = "openapi",
        schema(example = "jane@example.com", format = Email, max_length = 320)
    )]
    pub email: String,
    /// At least 8 characters and at most 72 bytes.
    #[cfg_attr(feature = "openapi", schema(example = "password123", min_length = 8, max_length = 72, format = Password))]
    pub password: String,
}

/// Wire type: JSON body of `POST /auth/login` (the OAuth2 form is accepted too).
/// Other fields are refused, so `{"username": …}` sent as JSON says what is wrong.
#[derive(Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LoginRequest {
    /// Email address, matched case-insensitively.
    pub email: String,
    /// Password.
    #[cfg_attr(feature = "openapi", schema(format = Password))]
    pub password: String,
}

/// Wire type: the OAuth2 password form of `POST /auth/login`.
#[derive(Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LoginForm {
    /// Must be `password` when sent.
    #[cfg_attr(feature = "openapi", schema(pattern = "^password$"))]
    pub grant_type: Option<String>,
    /// The account's email address.
    pub username: String,
    /// The password.
    #[cfg_attr(feature = "openapi", schema(format = Password))]
    pub password: String,
    /// Ignored.
    pub scope: Option<String>,
    /// Ignored.
    pub client_id: Option<String>,
    /// Ignored.
    pub client_secret: Option<String>,
}

macro_rules! redacted_debug {
    ($type:ty, $($field:ident),*) => {
        impl fmt::Debug for $type {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.debug_struct(stringify!($type))
                    $(.field(stringify!($field), &self.$field))*
                    .field("password", &"<redacted>")
                    .finish_non_exhaustive()
            }
        }
    };
}

/// Wire type: body of `POST /auth/refresh`.
#[derive(Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RefreshRequest {
    /// The refresh token from the last login or refresh; it is spent by this call.
    #[cfg_attr(feature = "openapi", schema(example = "tdr_…"))]
    pub refresh_token: String,
}

impl fmt::Debug for RefreshRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("RefreshRequest(<redacted>)")
    }
}

/// Wire type: body of `POST /auth/password`.
#[derive(Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PasswordChangeRequest {
    /// The password in use now.
    #[cfg_attr(feature = "openapi", schema(format = Password))]
    pub current_password: String,
    /// The new password: at least 8 characters and at most 72 bytes, not the current one.
    #[cfg_attr(feature = "openapi", schema(min_length = 8, max_length = 72, format = Password))]
    pub new_password: String,
}

impl fmt::Debug for PasswordChangeRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PasswordChangeRequest(<redacted>)")
    }
}

/// Wire type: body of `DELETE /auth/me`.
#[derive(Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AccountDelete {
    /// The account's password, to confirm.
    #[cfg_attr(feature = "openapi", schema(format = Password))]
    pub password: String,
}

impl fmt::Debug for AccountDelete {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("AccountDelete(<redacted>)")
    }
}

redacted_debug!(UserCreate, email);
redacted_debug!(LoginRequest, email);
redacted_debug!(LoginForm, username);

/// Wire type: a successful login or refresh.
#[derive(Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Token {
    /// The bearer token to send as `Authorization: Bearer …`: a short-lived JWT.
    pub access_token: String,
    /// Always `bearer`.
    #[cfg_attr(feature = "openapi", schema(example = "bearer"))]
    pub token_type: String,
    /// Seconds until the access token expires.
    #[cfg_attr(feature = "openapi", schema(example = 3600))]
    pub expires_in: u64,
    /// Opaque, single-use token for `POST /auth/refresh`, which answers with
    /// a new access token and the next refresh token.
    pub refresh_token: String,
    /// Seconds until the refresh token expires.
    #[cfg_attr(feature = "openapi", schema(example = 2_592_000))]
    pub refresh_expires_in: u64,
}

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Token")
            .field("access_token", &"<redacted>")
            .field("token_type", &self.token_type)
            .field("expires_in", &self.expires_in)
            .field("refresh_token", &"<redacted>")
            .field("refresh_expires_in", &self.refresh_expires_in)
            .finish()
    }
}

/// Wire type: body of `POST /tasks`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TaskCreate {
    /// Title: at most 255 characters, at least one of them not white space
    /// (Unicode White_Space, as the pattern lists), no NUL; stored trimmed.
    #[cfg_attr(
        feature = "openapi",
        schema(
            example = "Buy milk",
            min_length = 1,
            max_length = 255,
            pattern = "^[^\\u0000]*[^\\u0000\\t\\n\\u000B\\u000C\\r \\u0085\\u00A0\\u1680\\u2000-\\u200A\\u2028\\u2029\\u202F\\u205F\\u3000][^\\u0000]*$"
        )
    )]
    pub title: String,
    /// Optional description, at most 2,000 characters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(
        feature = "openapi",
        schema(max_length = 2000, pattern = "^[^\\u0000]*$")
    )]
    pub description: Option<String>,
    /// Whether the task starts out done; default false.
    #[serde(default)]
    pub completed: bool,
}

/// Wire type: body of `PATCH /tasks/{id}`; only the fields present change.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TaskUpdate {
    /// New title; trimmed, 1 to 255 characters; `null` is refused.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, min_length = 1, max_length = 255, pattern = "^[^\\u0000]*[^\\u0000\\t\\n\\u000B\\u000C\\r \\u0085\\u00A0\\u1680\\u2000-\\u200A\\u2028\\u2029\\u202F\\u205F\\u3000][^\\u0000]*$"))]
    pub title: Option<String>,
    /// New description; `null` clears it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, max_length = 2000, pattern = "^[^\\u0000]*$"))]
    pub description: Option<Option<String>>,
    /// New completion state.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = bool))]
    pub completed: Option<bool>,
}
