//! The sessions a user can see and end: `/auth/sessions`. Only a login
//! session manages them; an API token is refused with 403.

use taskcore::routes::{self, SESSION, SESSIONS};
use taskcore::wire::SessionInfo;
use taskcore::{AsyncStore, SessionId};
use warp::filters::BoxedFilter;
use warp::http::StatusCode;
use warp::reply::Response;
use warp::{Filter, Reply};

use super::responses::Unauthorized;
use super::wiring::{method_not_allowed, path, path_with_id};
use crate::filters::{Caller, caller, with_state};
use crate::problem::{ApiError, ErrorDetail, respond_as};
use crate::state::AppState;

pub fn routes(state: AppState) -> BoxedFilter<(Response,)> {
    let sessions = path(SESSIONS).and(
        warp::get()
            .and(caller(state.clone()))
            .and(with_state(state.clone()))
            .then(|caller: Caller, state| async move {
                respond_as(caller.user.id, list_sessions(caller, state).await)
            })
            .or(warp::delete()
                .and(caller(state.clone()))
                .and(with_state(state.clone()))
                .then(|caller: Caller, state| async move {
                    respond_as(caller.user.id, end_other_sessions(caller, state).await)
                }))
            .unify()
            .or(method_not_allowed(SESSIONS.allow))
            .unify(),
    );
    let session = path_with_id(SESSION)
        .and(warp::delete())
        .and(caller(state.clone()))
        .and(with_state(state))
        .then(|id: i64, caller: Caller, state| async move {
            respond_as(caller.user.id, end_session(id, caller, state).await)
        })
        .or(path_with_id(SESSION)
            .and(method_not_allowed(SESSION.allow))
            .map(|_id: i64, response: Response| response))
        .unify();
    sessions.or(session).unify().boxed()
}

/// Your live sessions, oldest first: each login on a device or app, named
/// by the `client_name` it logged in with (or its `User-Agent`), with its
/// last login or refresh; `current` marks the one asking.
#[utoipa::path(
    get, path = routes::SESSIONS.path, tag = "auth",
    security(("OAuth2PasswordBearer" = []), ("bearerAuth" = [])),
    responses(
        (status = 200, description = "Your live sessions", body = Vec<SessionInfo>),
        Unauthorized,
        (status = 403, description = "An API token cannot list sessions: log in", body = ErrorDetail),
    )
)]
pub async fn list_sessions(caller: Caller, state: AppState) -> Result<Response, ApiError> {
    let (user, current) = (caller.user.id, caller.session);
    let sessions = AsyncStore::new(state.store.clone())
        .run(move |store| store.sessions(user, current))
        .await?;
    Ok(warp::reply::json(&sessions).into_response())
}

/// End every session of yours but this one: their access and refresh
/// tokens stop working at once. API tokens are not sessions: revoke them
/// at `/auth/tokens`.
#[utoipa::path(
    delete, path = routes::SESSIONS.path, tag = "auth",
    security(("OAuth2PasswordBearer" = []), ("bearerAuth" = [])),
    responses(
        (status = 204, description = "Every other session ended"),
        Unauthorized,
        (status = 403, description = "An API token cannot end sessions: log in", body = ErrorDetail),
    )
)]
pub async fn end_other_sessions(caller: Caller, state: AppState) -> Result<Response, ApiError> {
    let (user, keep) = (caller.user.id, caller.session);
    AsyncStore::new(state.store.clone())
        .run(move |store| store.end_other_sessions(user, keep))
        .await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// End one of your sessions, as logging out there would: its access and
/// refresh tokens stop working at once. Ending the current one is a logout.
#[utoipa::path(
    delete, path = routes::SESSION.path, tag = "auth",
    params(("id" = i64, Path, description = "The session's id")),
    security(("OAuth2PasswordBearer" = []), ("bearerAuth" = [])),
    responses(
        (status = 204, description = "Ended"),
        Unauthorized,
        (status = 403, description = "An API token cannot end sessions: log in", body = ErrorDetail),
        (status = 404, description = "No live session of yours has this id", body = ErrorDetail),
    )
)]
pub async fn end_session(id: i64, caller: Caller, state: AppState) -> Result<Response, ApiError> {
    let user = caller.user.id;
    AsyncStore::new(state.store.clone())
        .run(move |store| store.end_session(user, SessionId(id)))
        .await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
