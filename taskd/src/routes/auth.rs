//! `/auth`: accounts and sessions: register, log in, refresh, log out,
//! change the password, who am I, delete the account.

use std::net::IpAddr;

use bytes::Bytes;
use serde_json::Value;
use taskcore::{
    AccountDelete, Body, Error, LoginForm, LoginRequest, PasswordChangeRequest, PasswordHasher,
    Refresh, RefreshRequest, RefreshToken, SessionEnd, SessionId, Store, Token, User, UserCreate,
    UserId,
};
use warp::filters::BoxedFilter;
use warp::http::{HeaderValue, StatusCode, header};
use warp::reply::Response;
use warp::{Filter, Reply};

use taskcore::routes::{self, LOGIN, LOGOUT, ME, PASSWORD, REFRESH, REGISTER, REGISTRATION};
use taskcore::wire::RegistrationInfo;

use super::responses::{JsonBodyRefused, Unauthorized};
use super::wiring::{method_not_allowed, path};
use crate::bearer::Access;
use crate::client_address::client_address;
use crate::filters::{
    Caller, authenticated, body, caller, is_json, json_body, parse_json, with_state,
};
use crate::limits::RetryAfter;
use crate::problem::{ApiError, ErrorDetail, ValidationDetail, respond, respond_as};
use crate::settings::Registration;
use crate::state::{AppState, blocking};
use crate::telemetry::{
    LOGIN_FAILURES_TOTAL, RATE_LIMITED_TOTAL, REFRESH_TOKEN_REUSE_TOTAL, ResponseUser,
};

pub fn routes(state: AppState) -> BoxedFilter<(Response,)> {
    let register = path(REGISTER).and(
        warp::post()
            .and(client_address(state.trusted_proxies.clone()))
            .and(json_body(state.body_read_timeout))
            .and(with_state(state.clone()))
            .then(register)
            .map(respond)
            .or(method_not_allowed(REGISTER.allow))
            .unify(),
    );
    let registration = path(REGISTRATION).and(
        warp::get()
            .and(with_state(state.clone()))
            .then(registration)
            .map(respond)
            .or(method_not_allowed(REGISTRATION.allow))
            .unify(),
    );
    let login = path(LOGIN).and(
        warp::post()
            .and(client_address(state.trusted_proxies.clone()))
            .and(user_agent())
            .and(body(state.body_read_timeout))
            .and(with_state(state.clone()))
            .then(login)
            .map(respond)
            .or(method_not_allowed(LOGIN.allow))
            .unify(),
    );
    let refresh = path(REFRESH).and(
        warp::post()
            .and(client_address(state.trusted_proxies.clone()))
            .and(json_body(state.body_read_timeout))
            .and(with_state(state.clone()))
            .then(refresh)
            .map(respond)
            .or(method_not_allowed(REFRESH.allow))
            .unify(),
    );
    let logout = path(LOGOUT).and(
        warp::post()
            .and(caller(state.clone()))
            .and(with_state(state.clone()))
            .then(|caller: Caller, state| async move {
                respond_as(caller.user.id, logout(caller, state).await)
            })
            .or(method_not_allowed(LOGOUT.allow))
            .unify(),
    );
    let password = path(PASSWORD).and(
        warp::post()
            .and(client_address(state.trusted_proxies.clone()))
            .and(caller(state.clone()))
            .and(json_body(state.body_read_timeout))
            .and(with_state(state.clone()))
            .then(|address, caller: Caller, body, state| async move {
                let user = caller.user.id;
                respond_as(user, change_password(address, caller, body, state).await)
            })
            .or(method_not_allowed(PASSWORD.allow))
            .unify(),
    );
    let me = path(ME).and(
        warp::get()
            .and(authenticated(state.clone(), Access::Read))
            .then(|user: User| async move { respond_as(user.id, me(user).await) })
            .or(warp::patch()
                .and(authenticated(state.clone(), Access::Session))
                .and(json_body(state.body_read_timeout))
                .and(with_state(state.clone()))
                .then(|user: User, body, state| async move {
                    respond_as(user.id, update_me(user, body, state).await)
                }))
            .unify()
            .or(warp::delete()
                .and(client_address(state.trusted_proxies.clone()))
                .and(caller(state.clone()))
                .and(json_body(state.body_read_timeout))
                .and(with_state(state))
                .then(|address, caller: Caller, body, state| async move {
                    let user = caller.user.id;
                    respond_as(user, delete_me(address, caller, body, state).await)
                }))
            .unify()
            .or(method_not_allowed(ME.allow))
            .unify(),
    );
    register
        .or(registration)
        .unify()
        .or(login)
        .unify()
        .or(refresh)
        .unify()
        .or(logout)
        .unify()
        .or(password)
        .unify()
        .or(me)
        .unify()
        .boxed()
}

/// Create an account.
///
/// The email is trimmed, lower-cased and must be unique; the password must be
/// 8 characters to 72 bytes (longer passwords are refused, never truncated).
/// Registrations are limited per client address (`REGISTER_LIMIT_PER_ADDRESS`);
/// invalid ones do not count.
#[utoipa::path(
    post, path = routes::REGISTER.path, tag = "auth",
    request_body = taskcore::UserCreate,
    responses(
        (status = 201, description = "Account created", body = User),
        (status = 409, description = "Email already registered", body = ErrorDetail),
        JsonBodyRefused,
        (status = 422, description = "Invalid email or password", body = ValidationDetail),
        (status = 429, description = "Too many registrations from this address; see Retry-After",
         body = ErrorDetail, headers(("Retry-After" = u64, description = "Seconds to wait"))),
        (status = 503, description = "Too many password checks at once; see Retry-After",
         body = ErrorDetail, headers(("Retry-After" = u64, description = "Seconds to wait"))),
    )
)]
pub async fn register(
    address: Option<IpAddr>,
    body: Value,
    state: AppState,
) -> Result<impl Reply, ApiError> {
    if state.registration == Registration::Closed {
        return Err(Error::Forbidden("Registration is closed on this server".to_owned()).into());
    }
    let new_user = UserCreate::from_json(&body)?;
    let invite = match state.registration {
        Registration::Invite => Some(invite_code(&body)?),
        _ => None,
    };
    let registration = limited(state.limits.registration(address).await)?;
    let (store, hasher, passwords) = (
        state.store.clone(),
        state.hasher.clone(),
        state.passwords.clone(),
    );
    let user = match passwords
        .run(move || match &invite {
            Some(code) => store.register_user_invited(&new_user, &hasher, code),
            None => store.register_user(&new_user, &hasher),
        })
        .await
    {
        Ok(user) => {
            registration.counted();
            user
        }
        Err(error) => {
            // Probing for taken emails or invite codes counts; a database
            // failure does not.
            if matches!(
                error,
                ApiError::Domain(Error::EmailTaken | Error::Forbidden(_))
            ) {
                registration.counted();
            } else {
                registration.cancelled();
            }
            return Err(error);
        }
    };
    Ok(warp::reply::with_status(
        warp::reply::json(&user),
        StatusCode::CREATED,
    ))
}

/// Log in: get an access token and a refresh token.
///
/// Accepts the OAuth2 password form (`username` is the email) or a JSON body
/// `{"email", "password"}`. Wrong password and unknown email answer alike.
/// Each login opens a session; the access token (a short-lived JWT) names it,
/// and the refresh token renews it through `POST /auth/refresh`. Failed
/// logins are limited per email and per client address; a successful login
/// clears the email's count.
#[utoipa::path(
    post, path = routes::LOGIN.path, tag = "auth",
    request_body(content(
        (taskcore::LoginForm = "application/x-www-form-urlencoded"),
        (taskcore::LoginRequest = "application/json"),
    )),
    responses(
        (status = 200, description = "Access and refresh tokens", body = Token),
        (status = 401, description = "Incorrect email or password", body = ErrorDetail),
        (status = 413, description = "Body larger than 1 MiB", body = ErrorDetail),
        (status = 415, description = "Body is neither a form nor JSON", body = ErrorDetail),
        (status = 422, description = "Missing or malformed fields", body = ValidationDetail),
        (status = 429, description = "Too many failed logins for this email or from this address; see Retry-After",
         body = ErrorDetail, headers(("Retry-After" = u64, description = "Seconds to wait"))),
        (status = 503, description = "Too many password checks at once; see Retry-After",
         body = ErrorDetail, headers(("Retry-After" = u64, description = "Seconds to wait"))),
    )
)]
pub async fn login(
    address: Option<IpAddr>,
    user_agent: Option<String>,
    media_type: Option<String>,
    bytes: Bytes,
    state: AppState,
) -> Result<Response, ApiError> {
    let (email, password, client_name) = credentials(media_type.as_deref(), &bytes)?;
    // The session's name: the client's own, or its User-Agent.
    let client = client_name.or(user_agent).unwrap_or_default();
    let attempt = limited(state.limits.password_attempt(&email, address).await)?;
    let (store, hasher, refresh_lifetime) = (
        state.store.clone(),
        state.hasher.clone(),
        state.refresh_lifetime,
    );
    let passwords = &state.passwords;
    let outcome = passwords
        .run(move || store.log_in(&email, &password, &hasher, refresh_lifetime, &client))
        .await;
    let login = match outcome {
        Ok(opened) => {
            attempt.succeeded();
            opened
        }
        Err(error) => {
            if matches!(error, ApiError::Domain(Error::InvalidCredentials)) {
                metrics::counter!(LOGIN_FAILURES_TOTAL).increment(1);
                attempt.failed();
            } else {
                attempt.cancelled();
            }
            return Err(error);
        }
    };
    token_response(&state, login.user.id, login.session, &login.refresh_token)
}

/// Trade a refresh token for a new access token and the next refresh token.
///
/// The refresh token sent is spent. Sending a spent one again is taken as
/// theft (two parties hold the same chain): the whole session is revoked, its
/// access and refresh tokens stop working, and the answer is 401. Refused
/// tokens are limited per client address (`REFRESH_LIMIT_PER_ADDRESS`).
#[utoipa::path(
    post, path = routes::REFRESH.path, tag = "auth",
    request_body = taskcore::RefreshRequest,
    responses(
        (status = 200, description = "A new access token and the next refresh token", body = Token),
        (status = 401, description = "Refresh token unknown, expired, spent or revoked", body = ErrorDetail),
        JsonBodyRefused,
        (status = 422, description = "No refresh_token string", body = ValidationDetail),
        (status = 429, description = "Too many refused refresh tokens from this address; see Retry-After",
         body = ErrorDetail, headers(("Retry-After" = u64, description = "Seconds to wait"))),
    )
)]
pub async fn refresh(
    address: Option<IpAddr>,
    body: Value,
    state: AppState,
) -> Result<Response, ApiError> {
    let presented = RefreshRequest::from_json(&body)?.into_inner().refresh_token;
    let attempt = limited(state.limits.refresh_attempt(address).await)?;
    let (store, refresh_lifetime) = (state.store.clone(), state.refresh_lifetime);
    let outcome = blocking(move || store.refresh_session(&presented, refresh_lifetime)).await;
    let refresh = match outcome {
        Ok(Refresh::Rotated { .. }) => {
            attempt.succeeded();
            outcome?
        }
        Ok(_) => {
            attempt.failed();
            outcome?
        }
        Err(error) => {
            attempt.cancelled();
            return Err(error);
        }
    };
    match refresh {
        Refresh::Rotated {
            user,
            session,
            refresh_token,
        } => token_response(&state, user.id, session, &refresh_token),
        Refresh::Reused { user, session } => {
            metrics::counter!(REFRESH_TOKEN_REUSE_TOTAL).increment(1);
            tracing::warn!(
                user = user.0,
                session = session.0,
                "a spent refresh token was presented again: session revoked"
            );
            Err(Error::SessionEnded(SessionEnd::RefreshTokenReused).into())
        }
        Refresh::Ended(end) => Err(Error::SessionEnded(end).into()),
        Refresh::Refused => Err(Error::InvalidRefreshToken.into()),
    }
}

/// Log out: end this token's session.
///
/// The session's refresh token and every access token it issued, this one
/// included, stop working at once. Other sessions of the user go on.
#[utoipa::path(
    post, path = routes::LOGOUT.path, tag = "auth",
    security(("OAuth2PasswordBearer" = []), ("bearerAuth" = [])),
    responses(
        (status = 204, description = "Logged out"),
        Unauthorized,
    )
)]
pub async fn logout(caller: Caller, state: AppState) -> Result<impl Reply, ApiError> {
    let store = state.store.clone();
    blocking(move || store.close_session(caller.user.id, caller.session)).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Change your password.
///
/// Every other session of the account is revoked (their access and refresh
/// tokens stop working); the session making the change goes on with its
/// current tokens. A wrong current password answers 403 and counts as a
/// failed login for the account.
#[utoipa::path(
    post, path = routes::PASSWORD.path, tag = "auth",
    request_body = taskcore::PasswordChangeRequest,
    security(("OAuth2PasswordBearer" = []), ("bearerAuth" = [])),
    responses(
        (status = 204, description = "Password changed; other sessions logged out"),
        Unauthorized,
        (status = 403, description = "Incorrect current password", body = ErrorDetail),
        (status = 409, description = "The password was changed meanwhile by this session", body = ErrorDetail),
        JsonBodyRefused,
        (status = 422, description = "Missing fields, or an unacceptable new password", body = ValidationDetail),
        (status = 429, description = "Too many failed password checks; see Retry-After",
         body = ErrorDetail, headers(("Retry-After" = u64, description = "Seconds to wait"))),
        (status = 503, description = "Too many password checks at once; see Retry-After",
         body = ErrorDetail, headers(("Retry-After" = u64, description = "Seconds to wait"))),
    )
)]
pub async fn change_password(
    address: Option<IpAddr>,
    caller: Caller,
    body: Value,
    state: AppState,
) -> Result<impl Reply, ApiError> {
    let change = PasswordChangeRequest::from_json(&body)?;
    let (user, session) = (caller.user.id, caller.session);
    let revoked = password_confirmed(&state, &caller, address, move |store, hasher| {
        store.change_password(user, session, &change, hasher)
    })
    .await?;
    tracing::info!(
        user = user.0,
        revoked_sessions = revoked,
        "password changed"
    );
    Ok(StatusCode::NO_CONTENT)
}

/// Delete your account.
///
/// Asks for the password again. The account, all its tasks and all its
/// sessions are deleted at once; its tokens answer 401 from then on.
#[utoipa::path(
    delete, path = routes::ME.path, tag = "auth",
    request_body = taskcore::AccountDelete,
    security(("OAuth2PasswordBearer" = []), ("bearerAuth" = [])),
    responses(
        (status = 204, description = "Account and tasks deleted"),
        Unauthorized,
        (status = 403, description = "Incorrect password", body = ErrorDetail),
        JsonBodyRefused,
        (status = 422, description = "No password string", body = ValidationDetail),
        (status = 429, description = "Too many failed password checks; see Retry-After",
         body = ErrorDetail, headers(("Retry-After" = u64, description = "Seconds to wait"))),
        (status = 503, description = "Too many password checks at once; see Retry-After",
         body = ErrorDetail, headers(("Retry-After" = u64, description = "Seconds to wait"))),
    )
)]
pub async fn delete_me(
    address: Option<IpAddr>,
    caller: Caller,
    body: Value,
    state: AppState,
) -> Result<impl Reply, ApiError> {
    let password = AccountDelete::from_json(&body)?.into_inner().password;
    let user = caller.user.id;
    password_confirmed(&state, &caller, address, move |store, hasher| {
        store.delete_account(user, &password, hasher)
    })
    .await?;
    tracing::info!(user = user.0, "account deleted");
    Ok(StatusCode::NO_CONTENT)
}

/// Runs `work`, which checks the caller's password, on the blocking pool,
/// within the caller's brute-force limits: a wrong password counts as a
/// failed login for the account, a right one clears the count.
async fn password_confirmed<T: Send + 'static>(
    state: &AppState,
    caller: &Caller,
    address: Option<IpAddr>,
    work: impl FnOnce(&Store, &PasswordHasher) -> taskcore::Result<T> + Send + 'static,
) -> Result<T, ApiError> {
    let attempt = limited(
        state
            .limits
            .password_attempt(&caller.user.email, address)
            .await,
    )?;
    let (store, hasher) = (state.store.clone(), state.hasher.clone());
    let outcome = state.passwords.run(move || work(&store, &hasher)).await;
    match &outcome {
        Ok(_) => attempt.succeeded(),
        Err(ApiError::Domain(Error::WrongPassword)) => attempt.failed(),
        Err(_) => attempt.cancelled(),
    }
    outcome
}

/// A limit's verdict as a request error, counted.
fn limited<T>(verdict: Result<T, RetryAfter>) -> Result<T, ApiError> {
    verdict.map_err(|wait| {
        metrics::counter!(RATE_LIMITED_TOTAL).increment(1);
        ApiError::from(wait)
    })
}

/// The token response of a login or refresh: a new access token for the
/// session and its newest refresh token. Never cached.
fn token_response(
    state: &AppState,
    user: UserId,
    session: SessionId,
    refresh_token: &RefreshToken,
) -> Result<Response, ApiError> {
    let issued = state.keys.issue(user, session)?;
    let token = Token {
        access_token: issued.token,
        token_type: "bearer".to_owned(),
        expires_in: issued.expires_in,
        refresh_token: refresh_token.expose().to_owned(),
        refresh_expires_in: state.refresh_lifetime.as_secs(),
    };
    let mut response = warp::reply::json(&token).into_response();
    // RFC 6749 §5.1: token responses must not be cached.
    response
        .headers_mut()
        .insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
    response.extensions_mut().insert(ResponseUser(user.0));
    Ok(response)
}

/// The invite code a registration sends, when registration is by invite:
/// a missing one is refused (403) as an unknown one would be.
fn invite_code(body: &Value) -> Result<String, ApiError> {
    // The body passed `UserCreate`'s checks: `invite`, if there, is a string
    // of at most 100 characters.
    match body.get("invite").and_then(Value::as_str) {
        Some(code) if !code.trim().is_empty() => Ok(code.to_owned()),
        _ => Err(Error::Forbidden(
            "Registration on this server needs an invite: send its code as \"invite\"".to_owned(),
        )
        .into()),
    }
}

/// How this server takes new accounts: `open`, `invite` (send the code as
/// `invite` when registering) or `closed`.
#[utoipa::path(
    get, path = routes::REGISTRATION.path, tag = "auth",
    responses((status = 200, description = "The registration mode", body = RegistrationInfo))
)]
pub async fn registration(state: AppState) -> Result<Response, ApiError> {
    Ok(warp::reply::json(&RegistrationInfo {
        mode: state.registration.mode(),
    })
    .into_response())
}

/// The `User-Agent` header, if it is text: what names a session whose
/// login gave no `client_name` (control characters dropped; the store keeps
/// 100 characters).
fn user_agent() -> impl Filter<Extract = (Option<String>,), Error = std::convert::Infallible> + Clone
{
    warp::header::headers_cloned().map(|headers: warp::http::HeaderMap| {
        headers
            .get(warp::http::header::USER_AGENT)
            .and_then(|value| value.to_str().ok())
            .map(|text| text.chars().filter(|c| !c.is_control()).collect())
    })
}

/// The email, password and client name of a login body, from a form or
/// from JSON.
fn credentials(
    media_type: Option<&str>,
    bytes: &[u8],
) -> Result<(String, String, Option<String>), ApiError> {
    match media_type {
        Some("application/x-www-form-urlencoded") => {
            let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(bytes)
                .map_err(|_| ApiError::BadRequest("Form body cannot be read"))?;
            let form = LoginForm::from_pairs(&pairs)?.into_inner();
            Ok((form.username, form.password, form.client_name))
        }
        Some(json) if is_json(json) => {
            let login = LoginRequest::from_json(&parse_json(media_type, bytes)?)?.into_inner();
            Ok((login.email, login.password, login.client_name))
        }
        _ => Err(ApiError::UnsupportedMediaType(
            "application/x-www-form-urlencoded or application/json",
        )),
    }
}

/// The account the token belongs to.
#[utoipa::path(
    get, path = routes::ME.path, tag = "auth",
    security(("OAuth2PasswordBearer" = []), ("bearerAuth" = [])),
    responses(
        (status = 200, description = "The current user", body = User),
        Unauthorized,
    )
)]
pub async fn me(user: User) -> Result<impl Reply, ApiError> {
    Ok(warp::reply::json(&user))
}

/// Change your settings: your time zone.
///
/// `today`, `overdue` and the date filters of `/tasks` are evaluated in the
/// time zone; all-day due dates stay the same days.
#[utoipa::path(
    patch, path = routes::ME.path, tag = "auth",
    request_body = taskcore::UserUpdate,
    security(("OAuth2PasswordBearer" = []), ("bearerAuth" = [])),
    responses(
        (status = 200, description = "The user as it is now", body = User),
        Unauthorized,
        (status = 415, description = "Body is not JSON", body = ErrorDetail),
        (status = 422, description = "Unknown time zone", body = ValidationDetail),
    )
)]
pub async fn update_me(
    user: User,
    body: serde_json::Value,
    state: AppState,
) -> Result<Response, ApiError> {
    let update = taskcore::UserUpdate::from_json(&body)?;
    let Some(name) = update.timezone.clone() else {
        return Ok(warp::reply::json(&user).into_response());
    };
    let zone =
        taskcore::Zone::parse(&name).map_err(|invalid| taskcore::Error::Internal(invalid.msg))?;
    let store = state.store.clone();
    let user = blocking(move || store.tasks(user.id).set_zone(zone)).await?;
    Ok(warp::reply::json(&user).into_response())
}
