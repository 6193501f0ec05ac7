//! The one place where errors and rejections become HTTP responses.
//!
//! Handlers return `Result<_, ApiError>` and are attached with `.then`, so
//! their errors never become rejections. Filters (auth, body, query) reject
//! with an [`ApiError`]; [`recover`] turns every rejection that reaches the
//! root into the same JSON shape, checking specific causes before "method not
//! allowed" and "not found" (warp ranks those above everything else).

use std::convert::Infallible;

use serde::Serialize;
use taskcore::{Error, ValidationErrors};
pub use taskcore::{ErrorDetail, ValidationDetail};
use warp::http::{HeaderValue, StatusCode, header};
use warp::reject::Reject;
use warp::reply::Response;
use warp::{Rejection, Reply};

use crate::limits::RetryAfter;

/// Every way a request can fail, each with exactly one status.
#[derive(Debug)]
pub enum ApiError {
    /// A rule of the domain refused the request (validation, conflict, not found, credentials).
    Domain(Error),
    /// No bearer token was sent.
    NotAuthenticated,
    /// The body is not JSON.
    InvalidJson(String),
    /// The route needs a body and none was sent.
    EmptyBody,
    /// The body's content type is not one the route reads.
    UnsupportedMediaType(&'static str),
    /// The body is larger than the limit.
    PayloadTooLarge(u64),
    /// The request body did not arrive in time.
    RequestTimeout,
    /// Too much password work queued: try again in a moment.
    Overloaded,
    /// A header or query string that cannot be read.
    BadRequest(&'static str),
    /// Over a brute-force limit; retry after this many seconds.
    TooManyRequests(RetryAfter),
    /// The server requires `If-Match` on this change and none was sent.
    PreconditionRequired,
    /// Too many imports or exports running (the message says whose): try
    /// again when one has finished.
    Busy(&'static str),
    /// An import stopped part-way (the database failed, the session
    /// ended), after `created` of its `entries` tasks were committed.
    ImportCutShort { created: u64, entries: usize },
}

impl From<RetryAfter> for ApiError {
    fn from(wait: RetryAfter) -> Self {
        ApiError::TooManyRequests(wait)
    }
}

impl Reject for ApiError {}

impl From<Error> for ApiError {
    fn from(error: Error) -> Self {
        ApiError::Domain(error)
    }
}

impl From<ValidationErrors> for ApiError {
    fn from(errors: ValidationErrors) -> Self {
        ApiError::Domain(Error::Validation(errors))
    }
}

/// The path exists but not with this method; `allow` lists the methods it has.
#[derive(Debug)]
pub struct MethodNotAllowed {
    pub allow: &'static str,
}

impl Reject for MethodNotAllowed {}

/// Like [`respond`], for a request made by `user` (named in its log line).
pub fn respond_as<T: Reply>(user: taskcore::UserId, result: Result<T, ApiError>) -> Response {
    let mut response = respond(result);
    response
        .extensions_mut()
        .insert(crate::telemetry::ResponseUser(user.0));
    response
}

/// Turns a handler's result into a response.
pub fn respond<T: Reply>(result: Result<T, ApiError>) -> Response {
    match result {
        Ok(reply) => reply.into_response(),
        Err(error) => error.into_response(),
    }
}

/// What a taskcore error tells the client.
fn domain_detail(error: &Error) -> String {
    match error {
        Error::TaskNotFound => "Task not found".into(),
        Error::ListNotFound => "List not found".into(),
        Error::UserNotFound => "User not found".into(),
        Error::TokenNotFound => "Token not found".into(),
        Error::SessionNotFound => "Session not found".into(),
        Error::InviteNotFound => "Invite not found".into(),
        Error::Forbidden(message) => message.clone(),
        Error::EmailTaken => "Email already registered".into(),
        Error::Conflict(message) => message.clone(),
        Error::VersionMismatch { current } => format!(
            "It has changed since the version you sent in If-Match: it is at \
             version {current} (ETag \"{current}\"). Read it again and reapply your change."
        ),
        Error::CursorExpired => "The change feed no longer holds every change since this \
                                 cursor; start a full sync by asking without 'since'"
            .into(),
        Error::InvalidCredentials => "Incorrect email or password".into(),
        Error::InvalidToken => "Could not validate credentials".into(),
        Error::SessionEnded(end) => {
            format!("Your session has ended: {}. Log in again", end.reason())
        }
        Error::InvalidRefreshToken => "Invalid, expired or revoked refresh token".into(),
        Error::WrongPassword => "Incorrect password".into(),
        Error::CalendarObject { message, .. } => message.clone(),
        Error::Validation(_) => "Validation failed".into(),
        Error::Storage(failure) => {
            tracing::error!(error = %failure.with_causes(), "database failure");
            "Database unavailable, try again later".into()
        }
        other => {
            tracing::error!(error = %other, "internal failure");
            "Internal server error".into()
        }
    }
}

impl ApiError {
    fn status_and_detail(&self) -> (StatusCode, String) {
        match self {
            // The status is taskcore's table (Error::http_status); the words are ours.
            ApiError::Domain(error) => (
                StatusCode::from_u16(error.http_status())
                    .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
                domain_detail(error),
            ),
            ApiError::Busy(message) => (StatusCode::SERVICE_UNAVAILABLE, (*message).into()),
            ApiError::ImportCutShort { created, entries } => (
                StatusCode::SERVICE_UNAVAILABLE,
                format!(
                    "The import stopped part-way: {created} of the file's {entries} tasks were \
                     imported. Send the same file again: those are skipped, the rest imported"
                ),
            ),
            ApiError::PreconditionRequired => (
                StatusCode::PRECONDITION_REQUIRED,
                "This server requires If-Match on task changes: send the ETag of the task \
                 as you last read it"
                    .into(),
            ),
            ApiError::NotAuthenticated => (StatusCode::UNAUTHORIZED, "Not authenticated".into()),
            ApiError::InvalidJson(message) => (StatusCode::UNPROCESSABLE_ENTITY, message.clone()),
            ApiError::EmptyBody => (StatusCode::UNPROCESSABLE_ENTITY, "Field required".into()),
            ApiError::UnsupportedMediaType(expected) => (
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                format!("Unsupported media type: send Content-Type: {expected}"),
            ),
            ApiError::PayloadTooLarge(limit) => (
                StatusCode::PAYLOAD_TOO_LARGE,
                format!("Request body is larger than {limit} bytes"),
            ),
            ApiError::BadRequest(message) => (StatusCode::BAD_REQUEST, (*message).into()),
            ApiError::Overloaded => (
                StatusCode::SERVICE_UNAVAILABLE,
                "Too many logins at once; try again in a second".into(),
            ),
            ApiError::RequestTimeout => (
                StatusCode::REQUEST_TIMEOUT,
                "The request body did not arrive in time".into(),
            ),
            ApiError::TooManyRequests(wait) => (
                StatusCode::TOO_MANY_REQUESTS,
                format!("Too many attempts; try again in {} seconds", wait.seconds()),
            ),
        }
    }
}

impl ApiError {
    /// The response for this error; rendered from a reference because
    /// rejections only hand out references to their causes.
    fn to_response(&self) -> Response {
        let (status, detail) = self.status_and_detail();
        let mut response = match self {
            ApiError::Domain(Error::Validation(errors)) => json(
                status,
                &ValidationDetail {
                    detail: errors.errors().to_vec(),
                },
            ),
            ApiError::InvalidJson(_) | ApiError::EmptyBody => {
                let kind = if matches!(self, ApiError::EmptyBody) {
                    "missing"
                } else {
                    "json_invalid"
                };
                let errors = ValidationErrors::single(taskcore::Source::Body, "", kind, detail);
                json(
                    status,
                    &ValidationDetail {
                        detail: errors.errors().to_vec(),
                    },
                )
            }
            _ => json(status, &ErrorDetail { detail }),
        };
        if status == StatusCode::UNAUTHORIZED {
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        if let ApiError::TooManyRequests(wait) = self {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(wait.seconds()));
        }
        if let ApiError::Domain(Error::VersionMismatch { current }) = self {
            response
                .headers_mut()
                .insert(header::ETAG, crate::etag::etag(*current));
        }
        if let ApiError::Busy(_) = self {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("5"));
            // An import refused before its body was read: the body is not
            // worth reading, so the connection ends with this answer.
            response
                .headers_mut()
                .insert(header::CONNECTION, HeaderValue::from_static("close"));
        }
        if let ApiError::Overloaded = self {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
            response
                .headers_mut()
                .insert(header::CONNECTION, HeaderValue::from_static("close"));
        }
        response
    }
}

impl Reply for ApiError {
    fn into_response(self) -> Response {
        self.to_response()
    }
}

fn json<T: Serialize>(status: StatusCode, body: &T) -> Response {
    warp::reply::with_status(warp::reply::json(body), status).into_response()
}

fn detail(status: StatusCode, detail: &str) -> Response {
    json(
        status,
        &ErrorDetail {
            detail: detail.to_owned(),
        },
    )
}

/// The root rejection handler.
pub async fn recover(rejection: Rejection) -> Result<Response, Infallible> {
    use warp::reject::{
        InvalidHeader, InvalidQuery, LengthRequired, MissingHeader, PayloadTooLarge,
        UnsupportedMediaType,
    };

    let response = if let Some(error) = rejection.find::<ApiError>() {
        error.to_response()
    } else if rejection.find::<PayloadTooLarge>().is_some() {
        detail(StatusCode::PAYLOAD_TOO_LARGE, "Request body is too large")
    } else if rejection.find::<LengthRequired>().is_some() {
        detail(
            StatusCode::LENGTH_REQUIRED,
            "Request body needs a Content-Length header",
        )
    } else if rejection.find::<UnsupportedMediaType>().is_some() {
        detail(StatusCode::UNSUPPORTED_MEDIA_TYPE, "Unsupported media type")
    } else if rejection.find::<InvalidQuery>().is_some() {
        detail(StatusCode::BAD_REQUEST, "Query string cannot be read")
    } else if rejection.find::<InvalidHeader>().is_some()
        || rejection.find::<MissingHeader>().is_some()
    {
        detail(StatusCode::BAD_REQUEST, "A request header cannot be read")
    } else if let Some(not_allowed) = rejection.find::<MethodNotAllowed>() {
        let mut response = detail(StatusCode::METHOD_NOT_ALLOWED, "Method Not Allowed");
        response
            .headers_mut()
            .insert(header::ALLOW, HeaderValue::from_static(not_allowed.allow));
        response
    } else if rejection.find::<warp::reject::MethodNotAllowed>().is_some()
        || rejection.is_not_found()
    {
        // Every route ends in a MethodNotAllowed fallback, so warp's own
        // method rejection only survives when no route's path matched.
        detail(StatusCode::NOT_FOUND, "Not Found")
    } else {
        tracing::error!(?rejection, "unhandled rejection");
        detail(StatusCode::INTERNAL_SERVER_ERROR, "Internal server error")
    };
    Ok(response)
}
