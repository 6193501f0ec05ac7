//! Small filters shared by the routes: state, authentication, bodies, paging.

use std::convert::Infallible;
use std::net::IpAddr;
use std::time::Duration;

use bytes::Bytes;
use taskcore::api_tokens::API_TOKEN_PREFIX;
use taskcore::{Error, SessionId, TaskQuery, User};
use warp::http::header::{AUTHORIZATION, CONTENT_LENGTH, CONTENT_TYPE};
use warp::http::{HeaderMap, HeaderValue};
use warp::{Filter, Rejection};

use crate::bearer::{Access, Bearer};
use crate::client_address::cheap_client_address;
use crate::problem::ApiError;
use crate::state::{AppState, blocking};

/// Largest request body read, in bytes.
pub const BODY_LIMIT: u64 = 1024 * 1024;

/// Hands the shared state to a handler.
pub fn with_state(
    state: AppState,
) -> impl Filter<Extract = (AppState,), Error = Infallible> + Clone {
    warp::any().map(move || state.clone())
}

/// Who a request comes from: the user and the login session of its bearer token.
#[derive(Debug, Clone)]
pub struct Caller {
    pub user: User,
    pub session: SessionId,
}

/// The user named by a valid bearer credential that may do `access`;
/// rejects with 401 (or 403 for a token without the scope) otherwise.
pub fn authenticated(
    state: AppState,
    access: Access,
) -> impl Filter<Extract = (User,), Error = Rejection> + Clone {
    bearer(state.clone()).and_then(move |bearer: Bearer| {
        let store = state.store.clone();
        async move {
            blocking(move || bearer.user(&store, access))
                .await
                .map_err(warp::reject::custom)
        }
    })
}

/// The user and login session of a live session's access token: for what
/// only a login session may do (an API token is refused with 403).
pub fn caller(state: AppState) -> impl Filter<Extract = (Caller,), Error = Rejection> + Clone {
    bearer(state.clone()).and_then(move |bearer: Bearer| {
        let store = state.store.clone();
        async move {
            let user = blocking(move || bearer.user(&store, Access::Session))
                .await
                .map_err(warp::reject::custom)?;
            let session = bearer
                .login_session()
                .ok_or_else(|| warp::reject::custom(ApiError::from(Error::InvalidToken)))?;
            Ok::<_, Rejection>(Caller { user, session })
        }
    })
}

/// The request's bearer credential; rejects with 401 when it is missing,
/// malformed, forged, expired or (an API token) unknown. An access token is
/// verified without the database; an API token (`tdp_…`) is looked up,
/// and each refused one counts against the client address's limit of
/// failed password checks (429 once over it; good tokens never count).
pub fn bearer(state: AppState) -> impl Filter<Extract = (Bearer,), Error = Rejection> + Clone {
    warp::header::value(AUTHORIZATION.as_str())
        .map(Some)
        .or(warp::any().map(|| None))
        .unify()
        .and(cheap_client_address(state.trusted_proxies.clone()))
        .and_then(move |value: Option<HeaderValue>, address: Option<IpAddr>| {
            let state = state.clone();
            async move {
                match presented(value.as_ref()) {
                    Ok(Presented::ApiToken(secret)) => api_token_bearer(&state, secret, address)
                        .await
                        .map_err(warp::reject::custom),
                    Ok(Presented::AccessToken(token)) => state
                        .keys
                        .verify(&token)
                        .map(|claims| Bearer::session(claims.user, claims.session))
                        .map_err(|error| warp::reject::custom(ApiError::from(error))),
                    Err(error) => Err(warp::reject::custom(error)),
                }
            }
        })
}

/// What the `Authorization` header holds.
enum Presented {
    AccessToken(String),
    ApiToken(String),
}

fn presented(value: Option<&HeaderValue>) -> Result<Presented, ApiError> {
    let Some(value) = value else {
        return Err(ApiError::NotAuthenticated);
    };
    let value = value.to_str().map_err(|_| Error::InvalidToken)?;
    let (scheme, token) = value.trim().split_once(' ').unwrap_or((value, ""));
    // As FastAPI's OAuth2PasswordBearer: another scheme counts as no credentials.
    if !scheme.eq_ignore_ascii_case("bearer") {
        return Err(ApiError::NotAuthenticated);
    }
    let token = token.trim();
    if token.starts_with(API_TOKEN_PREFIX) {
        Ok(Presented::ApiToken(token.to_owned()))
    } else {
        Ok(Presented::AccessToken(token.to_owned()))
    }
}

/// The bearer of an API token, looked up in the database.
async fn api_token_bearer(
    state: &AppState,
    secret: String,
    address: Option<IpAddr>,
) -> Result<Bearer, ApiError> {
    let store = state.store.clone();
    match blocking(move || store.api_token_user(&secret)).await? {
        Some((user, scopes)) => Ok(Bearer::token(user.id, scopes)),
        None => {
            // Counted as a failed password check of the address: 401, or
            // 429 once the address is over its limit.
            state.limits.token_refused(address).await?;
            Err(Error::InvalidToken.into())
        }
    }
}

/// The raw body and its media type (lower-cased, without parameters), at most
/// [`BODY_LIMIT`] bytes. The limit is enforced while reading, so a body without
/// a `Content-Length` (chunked, or HTTP/2) cannot exceed it either.
///
/// The whole body must arrive within `deadline` (408 otherwise), so a client
/// cannot hold a request open by sending its body a byte at a time.
pub fn body(
    deadline: Duration,
) -> impl Filter<Extract = (Option<String>, Bytes), Error = Rejection> + Clone {
    body_up_to(deadline, BODY_LIMIT)
}

/// A JSON body read as [`body`] reads it, parsed; a body that is not JSON
/// is the handler's to refuse (after the bearer's session is checked).
pub fn parsed_body(
    deadline: Duration,
) -> impl Filter<Extract = (Result<serde_json::Value, ApiError>,), Error = Rejection> + Clone {
    body(deadline)
        .map(|media_type: Option<String>, bytes: Bytes| parse_json(media_type.as_deref(), &bytes))
}

/// Like [`body`], with a limit of `limit` bytes: for the one route that
/// takes large bodies (an import).
pub fn body_up_to(
    deadline: Duration,
    limit: u64,
) -> impl Filter<Extract = (Option<String>, Bytes), Error = Rejection> + Clone {
    warp::header::headers_cloned()
        .and_then(move |headers: HeaderMap| async move {
            check_length(&headers, limit).map_err(warp::reject::custom)
        })
        .and(warp::body::stream())
        .and_then(move |media_type: Option<String>, stream| async move {
            match tokio::time::timeout(deadline, read_limited(stream, limit)).await {
                Ok(read) => read
                    .map(|bytes| (media_type, bytes))
                    .map_err(warp::reject::custom),
                Err(_) => Err(warp::reject::custom(ApiError::RequestTimeout)),
            }
        })
        .untuple_one()
}

async fn read_limited<S, B>(stream: S, limit: u64) -> Result<Bytes, ApiError>
where
    S: futures_util::Stream<Item = Result<B, warp::Error>>,
    B: bytes::Buf,
{
    use futures_util::StreamExt;
    let mut stream = std::pin::pin!(stream);
    let mut body = bytes::BytesMut::new();
    while let Some(chunk) = stream.next().await {
        let mut chunk =
            chunk.map_err(|_| ApiError::BadRequest("The request body could not be read"))?;
        if (body.len() + chunk.remaining()) as u64 > limit {
            return Err(ApiError::PayloadTooLarge(limit));
        }
        while chunk.has_remaining() {
            let piece = chunk.chunk();
            let read = piece.len();
            body.extend_from_slice(piece);
            chunk.advance(read);
        }
    }
    Ok(body.freeze())
}

/// Refuses a declared length over the limit before reading anything, and
/// returns the media type.
fn check_length(headers: &HeaderMap, limit: u64) -> Result<Option<String>, ApiError> {
    if let Some(length) = headers.get(CONTENT_LENGTH) {
        let length: u64 = length
            .to_str()
            .ok()
            .and_then(|text| text.trim().parse().ok())
            .ok_or(ApiError::BadRequest("Content-Length is not a number"))?;
        if length > limit {
            return Err(ApiError::PayloadTooLarge(limit));
        }
    }
    Ok(headers.get(CONTENT_TYPE).map(|value| {
        let text = String::from_utf8_lossy(value.as_bytes());
        text.split(';')
            .next()
            .unwrap_or_default()
            .trim()
            .to_ascii_lowercase()
    }))
}

/// A JSON body, parsed but not yet checked against any shape.
pub fn json_body(
    deadline: Duration,
) -> impl Filter<Extract = (serde_json::Value,), Error = Rejection> + Clone {
    body(deadline).and_then(|media_type: Option<String>, bytes: Bytes| async move {
        parse_json(media_type.as_deref(), &bytes).map_err(warp::reject::custom)
    })
}

/// Whether a media type (lower-cased, without parameters) is JSON:
/// `application/json` or a `+json` type.
pub fn is_json(media_type: &str) -> bool {
    media_type == "application/json"
        || media_type
            .strip_prefix("application/")
            .is_some_and(|subtype| subtype.ends_with("+json"))
}

/// Parses a body that must be JSON and say so. A body without a JSON media
/// type is refused: a cross-site page can send one (plain text, or no type
/// at all) without a CORS preflight. A request with neither a type nor a
/// body is missing its body (422).
pub fn parse_json(media_type: Option<&str>, bytes: &[u8]) -> Result<serde_json::Value, ApiError> {
    check_json_body(media_type, bytes)?;
    serde_json::from_slice(bytes)
        .map_err(|error| ApiError::InvalidJson(format!("JSON decode error: {error}")))
}

/// What [`parse_json`] checks before parsing: a JSON media type and a body.
pub fn check_json_body(media_type: Option<&str>, bytes: &[u8]) -> Result<(), ApiError> {
    let empty = bytes.iter().all(u8::is_ascii_whitespace);
    match media_type {
        Some(media_type) if is_json(media_type) => {}
        // No type and no body: the body is simply missing.
        None if empty => return Err(ApiError::EmptyBody),
        _ => return Err(ApiError::UnsupportedMediaType("application/json")),
    }
    if empty {
        return Err(ApiError::EmptyBody);
    }
    Ok(())
}

/// A task listing as the query string asks for it, and the query string's
/// pairs (the page links repeat them).
#[derive(Debug, Clone)]
pub struct Listing {
    pub query: TaskQuery,
    pub pairs: Vec<(String, String)>,
}

/// The listing parameters of the query string, every problem reported at once.
pub fn listing() -> impl Filter<Extract = (Listing,), Error = Rejection> + Clone {
    warp::query::<Vec<(String, String)>>().and_then(|pairs: Vec<(String, String)>| async move {
        match TaskQuery::from_pairs(&pairs) {
            Ok(query) => Ok(Listing { query, pairs }),
            Err(errors) => Err(warp::reject::custom(ApiError::from(errors))),
        }
    })
}

/// A header that is a comma-separated list (`If-Match`, `If-None-Match`),
/// its lines joined into one value as RFC 9110 (section 5.3) reads them;
/// `None` without one. A line that is not text joins with replacement
/// characters, so the list reads as malformed, or names a tag that is no
/// version.
pub fn header_list(
    name: &'static str,
) -> impl Filter<Extract = (Option<String>,), Error = Infallible> + Clone {
    warp::header::headers_cloned().map(move |headers: HeaderMap| {
        let lines: Vec<String> = headers
            .get_all(name)
            .iter()
            .map(|line| String::from_utf8_lossy(line.as_bytes()).into_owned())
            .collect();
        (!lines.is_empty()).then(|| lines.join(", "))
    })
}

#[cfg(test)]
mod tests {
    use taskcore::Page;

    use super::*;

    fn pairs(query: &str) -> Vec<(String, String)> {
        serde_urlencoded::from_str(query).expect("query")
    }

    #[test]
    fn page_defaults_and_bounds() {
        let read = |query: &str| TaskQuery::from_pairs(&pairs(query));
        assert_eq!(read("").expect("valid").page(), Page::default());
        assert_eq!(
            read("skip=3&limit=200").expect("valid").page(),
            Page::new(3, 200).expect("page")
        );
        let errors = read("skip=-1&limit=0").unwrap_err();
        let fields: Vec<_> = errors.errors().iter().map(|e| e.loc.join(".")).collect();
        assert_eq!(fields, ["query.skip", "query.limit"]);
    }
}
