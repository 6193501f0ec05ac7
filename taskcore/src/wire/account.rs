//! Account bodies: registration, login, refresh, password change, deletion,
//! and the token answer.

use std::fmt;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::body::{Body, Checks, Valid};
use crate::error::{Error, Result, Source, ValidationErrors};
use crate::model::{NewUser, PasswordChange};
use crate::planning::Zone;
use crate::types::{Email, Invalid, Password};

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
    /// At least 8 characters and at most 72 bytes, without NUL.
    #[cfg_attr(feature = "openapi", schema(example = "password123", min_length = 8, max_length = 72, pattern = "^[^\\u0000]*$", format = Password))]
    pub password: String,
    /// Your IANA time zone, such as `Europe/Paris`; default `UTC`.
    #[serde(
        default,
        deserialize_with = "super::body::present",
        skip_serializing_if = "Option::is_none"
    )]
    #[cfg_attr(feature = "openapi", schema(value_type = crate::wire::rules::ZoneName))]
    pub timezone: Option<String>,
    /// The invite code, when this server registers by invite (see `GET
    /// /auth/registration`); ignored otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(example = "tdi_…", max_length = 100))]
    pub invite: Option<String>,
}

/// A live login session, as its user sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[non_exhaustive]
pub struct SessionInfo {
    /// The session's id.
    #[cfg_attr(feature = "openapi", schema(value_type = i64))]
    pub id: crate::types::SessionId,
    /// The client that logged in: the `client_name` it gave, or its
    /// `User-Agent` (up to 100 characters); empty when neither was sent.
    pub client: String,
    /// When it logged in (UTC).
    pub created_at: chrono::DateTime<chrono::Utc>,
    /// Its last login or refresh (UTC).
    pub last_used_at: chrono::DateTime<chrono::Utc>,
    /// Whether this is the session asking.
    pub current: bool,
}

/// Wire type: the answer of `GET /auth/registration`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RegistrationInfo {
    /// How this server takes new accounts.
    pub mode: RegistrationMode,
}

/// How a server takes new accounts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum RegistrationMode {
    /// Anyone may register.
    Open,
    /// Only with an invite code from the administrator.
    Invite,
    /// Nobody may register; the administrator adds accounts.
    Closed,
}

/// Wire type: body of `PATCH /auth/me`; only the fields present change.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UserUpdate {
    /// Your IANA time zone, such as `Europe/Paris`. Due dates, `today` and
    /// `overdue` are evaluated in it.
    #[serde(
        default,
        deserialize_with = "super::body::present",
        skip_serializing_if = "Option::is_none"
    )]
    #[cfg_attr(feature = "openapi", schema(value_type = crate::wire::rules::ZoneName))]
    pub timezone: Option<String>,
}

impl Body for UserUpdate {
    type Checked = Valid<Self>;

    fn check(mut self, checks: &mut Checks) -> Option<Valid<Self>> {
        if let Some(zone) = &self.timezone
            && let Some(zone) = checks.field("timezone", Zone::parse(zone))
        {
            self.timezone = Some(zone.name().to_owned());
        }
        Some(Valid(self))
    }
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
    /// What is logging in, as the list of sessions names it (1 to 100
    /// characters, no control characters); without it, the `User-Agent`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(
        feature = "openapi",
        schema(
            min_length = 1,
            max_length = 100,
            pattern = "^[^\\u0000-\\u001F\\u007F-\\u009F]*$",
            example = "taskctl on laptop"
        )
    )]
    pub client_name: Option<String>,
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
    /// What is logging in, as the list of sessions names it (1 to 100
    /// characters, no control characters); without it, the `User-Agent`.
    #[cfg_attr(
        feature = "openapi",
        schema(
            min_length = 1,
            max_length = 100,
            pattern = "^[^\\u0000-\\u001F\\u007F-\\u009F]*$",
            example = "taskctl on laptop"
        )
    )]
    pub client_name: Option<String>,
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
    /// The new password: at least 8 characters and at most 72 bytes, without NUL, not the current one.
    #[cfg_attr(feature = "openapi", schema(min_length = 8, max_length = 72, pattern = "^[^\\u0000]*$", format = Password))]
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

impl Body for UserCreate {
    type Checked = NewUser;

    fn check(self, checks: &mut Checks) -> Option<NewUser> {
        let email = checks.field("email", Email::parse(&self.email));
        let password = checks.field("password", Password::parse(&self.password));
        let zone = match &self.timezone {
            Some(zone) => checks.field("timezone", Zone::parse(zone)),
            None => Some(Zone::default()),
        };
        // Read only where registration is by invite, but refused alike
        // everywhere when it breaks its documented rule.
        if let Some(code) = &self.invite
            && code.chars().count() > 100
        {
            checks.field(
                "invite",
                Err::<(), _>(Invalid::new(
                    "string_too_long",
                    "String should have at most 100 characters",
                )),
            );
        }
        Some(NewUser {
            email: email?,
            password: password?,
            zone: zone?,
        })
    }
}

impl NewUser {
    /// A registration for `email` with `password`, checked.
    pub fn new(email: &str, password: &str) -> Result<Self> {
        UserCreate {
            email: email.to_owned(),
            password: password.to_owned(),
            timezone: None,
            invite: None,
        }
        .validate()
    }
}

/// A login as JSON: email and password are matched as sent (no rules apply:
/// a wrong one simply does not log in).
impl Body for LoginRequest {
    type Checked = Valid<Self>;

    fn check(self, checks: &mut Checks) -> Option<Valid<Self>> {
        if let Some(client) = &self.client_name {
            checks.field("client_name", check_client_name(client))?;
        }
        Some(Valid(self))
    }
}

impl Body for LoginForm {
    type Checked = Valid<Self>;

    fn check(self, checks: &mut Checks) -> Option<Valid<Self>> {
        if let Some(grant_type) = &self.grant_type {
            checks.field("grant_type", check_grant_type(grant_type));
        }
        if let Some(client) = &self.client_name {
            checks.field("client_name", check_client_name(client))?;
        }
        Some(Valid(self))
    }
}

/// A session's name as a client gives it: 1 to 100 characters, none of
/// them a control character.
fn check_client_name(client: &str) -> Result<(), Invalid> {
    let length = client.chars().count();
    if length == 0 {
        return Err(Invalid::new(
            "string_too_short",
            "String should have at least 1 character",
        ));
    }
    if length > 100 {
        return Err(Invalid::new(
            "string_too_long",
            "String should have at most 100 characters",
        ));
    }
    if client.chars().any(char::is_control) {
        return Err(Invalid::new(
            "string_pattern_mismatch",
            "A client name holds no control characters",
        ));
    }
    Ok(())
}

fn check_grant_type(grant_type: &str) -> Result<(), Invalid> {
    if grant_type == "password" {
        Ok(())
    } else {
        Err(Invalid::new(
            "string_pattern_mismatch",
            "String should match pattern '^password$'",
        ))
    }
}

impl LoginForm {
    /// Reads the decoded pairs of a form body as FastAPI does: the last value
    /// of a repeated name wins, and an empty value is no value.
    ///
    /// The grant type is the form's first field, so a wrong one is reported
    /// first, as FastAPI does.
    pub fn from_pairs(pairs: &[(String, String)]) -> Result<Valid<Self>> {
        let mut object = Map::new();
        for (name, value) in pairs {
            if value.is_empty() {
                object.remove(name);
            } else {
                object.insert(name.clone(), Value::String(value.clone()));
            }
        }
        let mut errors = ValidationErrors::new();
        if let Some(Value::String(grant_type)) = object.get("grant_type")
            && let Err(invalid) = check_grant_type(grant_type)
        {
            errors.add(Source::Body, "grant_type", invalid.kind, invalid.msg);
            object.remove("grant_type");
        }
        match Self::from_json(&Value::Object(object)) {
            Ok(form) if errors.is_empty() => Ok(form),
            Ok(_) => Err(errors.into()),
            Err(Error::Validation(rest)) => {
                errors.extend(rest);
                Err(errors.into())
            }
            Err(other) => Err(other),
        }
    }
}

impl Body for RefreshRequest {
    type Checked = Valid<Self>;

    fn check(self, _checks: &mut Checks) -> Option<Valid<Self>> {
        Some(Valid(self))
    }
}

impl Body for PasswordChangeRequest {
    type Checked = PasswordChange;

    fn check(self, checks: &mut Checks) -> Option<PasswordChange> {
        let new_password = checks.field("new_password", Password::parse(&self.new_password));
        Some(PasswordChange {
            current_password: self.current_password,
            new_password: new_password?,
        })
    }
}

impl Body for AccountDelete {
    type Checked = Valid<Self>;

    fn check(self, _checks: &mut Checks) -> Option<Valid<Self>> {
        Some(Valid(self))
    }
}
