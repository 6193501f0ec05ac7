//! `/auth`: register, log in, who am I.

use bytes::Bytes;
use serde_json::Value;
use taskcore::{Error, NewUser, Source, Token, User, ValidationErrors};
use warp::filters::BoxedFilter;
use warp::http::{HeaderValue, StatusCode, header};
use warp::reply::Response;
use warp::{Filter, Reply};

use super::method_not_allowed;
use crate::filters::{authenticated, body, json_body, parse_json, with_state};
use crate::problem::{ApiError, ErrorDetail, ValidationDetail, respond, respond_as};
use crate::state::{AppState, blocking};
use crate::telemetry::{LOGIN_FAILURES_TOTAL, ResponseUser};

pub fn routes(state: AppState) -> BoxedFilter<(Response,)> {
    let register = warp::path!("auth" / "register").and(
        warp::post()
            .and(json_body())
            .and(with_state(state.clone()))
            .then(register)
            .map(respond)
            .or(method_not_allowed("POST"))
            .unify(),
    );
    let login = warp::path!("auth" / "login").and(
        warp::post()
            .and(body())
            .and(with_state(state.clone()))
            .then(login)
            .map(respond)
            .or(method_not_allowed("POST"))
            .unify(),
    );
    let me = warp::path!("auth" / "me").and(
        warp::get()
            .and(authenticated(state))
            .then(|user: User| async move { respond_as(user.id, me(user).await) })
            .or(method_not_allowed("GET"))
            .unify(),
    );
    register.or(login).unify().or(me).unify().boxed()
}

/// Create an account.
///
/// The email is trimmed, lower-cased and must be unique; the password must be
/// 8 characters to 72 bytes (longer passwords are refused, never truncated).
#[utoipa::path(
    post, path = "/auth/register", tag = "auth",
    request_body = taskcore::UserCreate,
    responses(
        (status = 201, description = "Account created", body = User),
        (status = 409, description = "Email already registered", body = ErrorDetail),
        (status = 413, description = "Body larger than 1 MiB", body = ErrorDetail),
        (status = 415, description = "Body is not JSON", body = ErrorDetail),
        (status = 422, description = "Invalid email or password", body = ValidationDetail),
    )
)]
pub async fn register(body: Value, state: AppState) -> Result<impl Reply, ApiError> {
    let new_user = NewUser::from_json(&body)?;
    let AppState { store, hasher, .. } = state;
    let user = blocking(move || store.register_user(&new_user, &hasher)).await?;
    Ok(warp::reply::with_status(
        warp::reply::json(&user),
        StatusCode::CREATED,
    ))
}

/// Log in and get a bearer token.
///
/// Accepts the OAuth2 password form (`username` is the email) or a JSON body
/// `{"email", "password"}`. Wrong password and unknown email answer alike.
#[utoipa::path(
    post, path = "/auth/login", tag = "auth",
    request_body(content(
        (taskcore::LoginForm = "application/x-www-form-urlencoded"),
        (taskcore::LoginRequest = "application/json"),
    )),
    responses(
        (status = 200, description = "Bearer token", body = Token),
        (status = 401, description = "Incorrect email or password", body = ErrorDetail),
        (status = 413, description = "Body larger than 1 MiB", body = ErrorDetail),
        (status = 415, description = "Body is neither a form nor JSON", body = ErrorDetail),
        (status = 422, description = "Missing or malformed fields", body = ValidationDetail),
    )
)]
pub async fn login(
    media_type: Option<String>,
    bytes: Bytes,
    state: AppState,
) -> Result<Response, ApiError> {
    let (email, password) = credentials(media_type.as_deref(), &bytes)?;
    let AppState {
        store,
        hasher,
        keys,
        ..
    } = state;
    let user = match blocking(move || store.authenticate(&email, &password, &hasher)).await {
        Ok(user) => user,
        Err(error) => {
            if matches!(error, ApiError::Domain(Error::InvalidCredentials)) {
                metrics::counter!(LOGIN_FAILURES_TOTAL).increment(1);
            }
            return Err(error);
        }
    };
    let issued = keys.issue(user.id)?;
    let token = Token {
        access_token: issued.token,
        token_type: "bearer".to_owned(),
        expires_in: issued.expires_in,
    };
    let mut response = warp::reply::json(&token).into_response();
    // RFC 6749 §5.1: token responses must not be cached.
    response
        .headers_mut()
        .insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
    response.extensions_mut().insert(ResponseUser(user.id.0));
    Ok(response)
}

/// The email and password of a login body, from a form or from JSON.
fn credentials(media_type: Option<&str>, bytes: &[u8]) -> Result<(String, String), ApiError> {
    let mut errors = ValidationErrors::new();
    let (email, password) = match media_type {
        Some("application/x-www-form-urlencoded") => {
            let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(bytes)
                .map_err(|_| ApiError::BadRequest("Form body cannot be read"))?;
            // As FastAPI reads forms: an empty value is no value.
            let field = |name: &str| {
                pairs
                    .iter()
                    .rev()
                    .find(|(key, _)| key == name)
                    .map(|(_, value)| value.clone())
                    .filter(|value| !value.is_empty())
            };
            if let Some(grant_type) = field("grant_type")
                && grant_type != "password"
            {
                errors.add(
                    Source::Body,
                    "grant_type",
                    "string_pattern_mismatch",
                    "String should match pattern '^password$'",
                );
            }
            (
                required(&mut errors, "username", field("username")),
                required(&mut errors, "password", field("password")),
            )
        }
        None | Some("application/json") => {
            let body = parse_json(media_type, bytes)?;
            let field = |name: &str| -> Result<Option<String>, ()> {
                match body.get(name) {
                    None => Ok(None),
                    Some(Value::String(text)) => Ok(Some(text.clone())),
                    Some(_) => Err(()),
                }
            };
            if !body.is_object() {
                errors.add(
                    Source::Body,
                    "",
                    "model_attributes_type",
                    "Input should be a valid dictionary or object to extract fields from",
                );
                (None, None)
            } else {
                let mut typed = |name: &str| match field(name) {
                    Ok(value) => required(&mut errors, name, value),
                    Err(()) => {
                        errors.add(
                            Source::Body,
                            name,
                            "string_type",
                            "Input should be a valid string",
                        );
                        None
                    }
                };
                let email = typed("email");
                let password = typed("password");
                let extra = body
                    .as_object()
                    .into_iter()
                    .flat_map(|object| object.keys())
                    .filter(|key| !matches!(key.as_str(), "email" | "password"));
                for key in extra {
                    errors.add(
                        Source::Body,
                        key,
                        "extra_forbidden",
                        "Extra inputs are not permitted",
                    );
                }
                (email, password)
            }
        }
        Some(_) => {
            return Err(ApiError::UnsupportedMediaType(
                "application/x-www-form-urlencoded or application/json",
            ));
        }
    };
    match (email, password) {
        (Some(email), Some(password)) if errors.is_empty() => Ok((email, password)),
        _ => Err(ApiError::Domain(Error::Validation(errors))),
    }
}

fn required(errors: &mut ValidationErrors, name: &str, value: Option<String>) -> Option<String> {
    if value.is_none() {
        errors.add(Source::Body, name, "missing", "Field required");
    }
    value
}

/// The account the token belongs to.
#[utoipa::path(
    get, path = "/auth/me", tag = "auth",
    security(("OAuth2PasswordBearer" = []), ("bearerAuth" = [])),
    responses(
        (status = 200, description = "The current user", body = User),
        (status = 401, description = "Missing, invalid or expired token", body = ErrorDetail),
    )
)]
pub async fn me(user: User) -> Result<impl Reply, ApiError> {
    Ok(warp::reply::json(&user))
}
