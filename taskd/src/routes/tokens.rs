//! Personal API tokens: `/auth/tokens`. Only a login session manages them;
//! a token presented here is refused with 403.

use taskcore::api_tokens::{ApiToken, ApiTokenId, CreatedApiToken, TokenCreate};
use taskcore::routes::{self, TOKEN, TOKENS};
use taskcore::{AsyncStore, Body};
use warp::filters::BoxedFilter;
use warp::http::StatusCode;
use warp::reply::Response;
use warp::{Filter, Reply};

use super::responses::{JsonBodyRefused, Unauthorized};
use super::wiring::{method_not_allowed, path, path_with_id};
use crate::filters::{Caller, caller, json_body, with_state};
use crate::problem::{ApiError, ErrorDetail, ValidationDetail, respond_as};
use crate::state::AppState;

pub fn routes(state: AppState) -> BoxedFilter<(Response,)> {
    let tokens = path(TOKENS).and(
        warp::get()
            .and(caller(state.clone()))
            .and(with_state(state.clone()))
            .then(|caller: Caller, state| async move {
                respond_as(caller.user.id, list_tokens(caller, state).await)
            })
            .or(warp::post()
                .and(caller(state.clone()))
                .and(json_body(state.body_read_timeout))
                .and(with_state(state.clone()))
                .then(|caller: Caller, body, state| async move {
                    respond_as(caller.user.id, create_token(caller, body, state).await)
                }))
            .unify()
            .or(method_not_allowed(TOKENS.allow))
            .unify(),
    );
    let token = path_with_id(TOKEN)
        .and(warp::delete())
        .and(caller(state.clone()))
        .and(with_state(state))
        .then(|id: i64, caller: Caller, state| async move {
            respond_as(caller.user.id, delete_token(id, caller, state).await)
        })
        .or(path_with_id(TOKEN)
            .and(method_not_allowed(TOKEN.allow))
            .map(|_id: i64, response: Response| response))
        .unify();
    tokens.or(token).unify().boxed()
}

/// Make an API token.
///
/// For scripts and apps: send it as `Authorization: Bearer tdp_…`.
/// `tasks:read` reads tasks, tags, the trash, the change feed, the export
/// and `GET /auth/me`; `tasks:write` also changes them and imports;
/// `caldav` is for CalDAV apps only. The secret is in this answer only,
/// and stored only as a hash. An account holds at most 50 tokens. Only a
/// login session may make, list or revoke tokens.
#[utoipa::path(
    post, path = routes::TOKENS.path, tag = "auth",
    request_body = TokenCreate,
    security(("OAuth2PasswordBearer" = []), ("bearerAuth" = [])),
    responses(
        (status = 201, description = "The token, with its secret (shown once)", body = CreatedApiToken),
        Unauthorized,
        (status = 403, description = "An API token cannot manage tokens: log in", body = ErrorDetail),
        JsonBodyRefused,
        (status = 422, description = "A bad name, scope or lifetime, or 50 tokens already", body = ValidationDetail),
    )
)]
pub async fn create_token(
    caller: Caller,
    body: serde_json::Value,
    state: AppState,
) -> Result<Response, ApiError> {
    let token = TokenCreate::from_json(&body)?;
    let (user, session) = (caller.user.id, caller.session);
    let created = AsyncStore::new(state.store.clone())
        .run(move |store| store.create_api_token(user, &token, Some(session)))
        .await?;
    Ok(warp::reply::with_status(warp::reply::json(&created), StatusCode::CREATED).into_response())
}

/// Your API tokens, oldest first; never their secrets.
#[utoipa::path(
    get, path = routes::TOKENS.path, tag = "auth",
    security(("OAuth2PasswordBearer" = []), ("bearerAuth" = [])),
    responses(
        (status = 200, description = "Your tokens", body = Vec<ApiToken>),
        Unauthorized,
        (status = 403, description = "An API token cannot list tokens: log in", body = ErrorDetail),
    )
)]
pub async fn list_tokens(caller: Caller, state: AppState) -> Result<Response, ApiError> {
    let user = caller.user.id;
    let tokens = AsyncStore::new(state.store.clone())
        .run(move |store| store.api_tokens(user))
        .await?;
    Ok(warp::reply::json(&tokens).into_response())
}

/// Revoke one of your API tokens: it is refused (401) from its next use on,
/// on every instance.
#[utoipa::path(
    delete, path = routes::TOKEN.path, tag = "auth",
    params(("id" = i64, Path, description = "The token's id")),
    security(("OAuth2PasswordBearer" = []), ("bearerAuth" = [])),
    responses(
        (status = 204, description = "Revoked"),
        Unauthorized,
        (status = 403, description = "An API token cannot revoke tokens: log in", body = ErrorDetail),
        (status = 404, description = "No token of yours has this id", body = ErrorDetail),
    )
)]
pub async fn delete_token(id: i64, caller: Caller, state: AppState) -> Result<Response, ApiError> {
    let user = caller.user.id;
    AsyncStore::new(state.store.clone())
        .run(move |store| store.delete_api_token(user, ApiTokenId(id)))
        .await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
