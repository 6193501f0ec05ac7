//! `/tasks/{id}/completions` and `/tasks/{id}/skip`: the occurrences of a
//! repeating task.

use taskcore::routes::{self, COMPLETIONS, SKIP};
use taskcore::{Completion, Page, TaskId};
use warp::filters::BoxedFilter;
use warp::http::HeaderValue;
use warp::reply::Response;
use warp::{Filter, Reply};

use super::responses::Unauthorized;
use super::tasks::{IfMatch, expectation, with_etag};
use super::wiring::{as_bearer, method_not_allowed, path_with_id};
use crate::bearer::{Access, Bearer};
use crate::filters::{bearer, header_list};
use crate::problem::{ApiError, ErrorDetail, ValidationDetail};
use crate::state::AppState;

pub fn routes(state: AppState) -> BoxedFilter<(Response,)> {
    let auth = || bearer(state.clone());
    let pairs = || warp::query::<Vec<(String, String)>>();

    let completions = as_bearer!(
        path_with_id(COMPLETIONS)
            .and(warp::get())
            .and(auth())
            .and(pairs()),
        state,
        (id),
        (pairs),
        list_completions
    )
    .or(path_with_id(COMPLETIONS)
        .and(method_not_allowed(COMPLETIONS.allow))
        .map(|_id: i64, response: Response| response))
    .unify();
    let skip = as_bearer!(
        path_with_id(SKIP)
            .and(warp::post())
            .and(auth())
            .and(header_list("if-match")),
        state,
        (id),
        (if_match),
        skip_occurrence
    )
    .or(path_with_id(SKIP)
        .and(method_not_allowed(SKIP.allow))
        .map(|_id: i64, response: Response| response))
    .unify();
    completions.or(skip).unify().boxed()
}

#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)] // Documents the query string; parsing is in `Page::from_pairs`.
struct CompletionsQuery {
    /// Occurrences to skip.
    #[param(minimum = 0, default = 0)]
    skip: Option<i64>,
    /// Occurrences to return, 1 to 200.
    #[param(minimum = 1, maximum = 200, default = 100)]
    limit: Option<i64>,
}

/// List a task's completed occurrences, newest first.
///
/// Completing a repeating task records the occurrence done (its `due`, and
/// when it was done) and moves the task to the next one. `X-Total-Count`
/// gives how many there are.
#[utoipa::path(
    get, path = routes::COMPLETIONS.path, tag = "tasks",
    params(("id" = i64, Path, description = "Task id"), CompletionsQuery),
    security(("OAuth2PasswordBearer" = []), ("bearerAuth" = [])),
    responses(
        (status = 200, description = "One page of completed occurrences", body = [Completion], headers(
            ("X-Total-Count" = u64, description = "How many occurrences were completed"),
        )),
        Unauthorized,
        (status = 404, description = "No such task among yours", body = ErrorDetail),
        (status = 422, description = "A parameter out of range", body = ValidationDetail),
    )
)]
pub async fn list_completions(
    id: i64,
    bearer: Bearer,
    pairs: Vec<(String, String)>,
    state: AppState,
) -> Result<Response, ApiError> {
    let page = match Page::from_pairs(&pairs) {
        Ok(page) => page,
        Err(errors) => return state.refuse(bearer, Access::Read, errors.into()).await,
    };
    let found = state
        .read(bearer, move |store, user| {
            store.tasks(user).completions(TaskId(id), page)
        })
        .await?;
    let mut response = warp::reply::json(&found.completions).into_response();
    response
        .headers_mut()
        .insert("x-total-count", HeaderValue::from(found.total));
    Ok(response)
}

/// Skip a repeating task's current occurrence.
///
/// The due moves to the next occurrence of the series; no completion is
/// recorded. With `If-Match`, only if the task is still at a version it
/// names (412 otherwise, and nothing changes).
#[utoipa::path(
    post, path = routes::SKIP.path, tag = "tasks",
    params(("id" = i64, Path, description = "Task id"), IfMatch),
    security(("OAuth2PasswordBearer" = []), ("bearerAuth" = [])),
    responses(
        (status = 200, description = "The task at its next occurrence", body = taskcore::Task, headers(
            ("ETag" = String, description = "The task's version in quotes"),
        )),
        (status = 400, description = "If-Match is not a list of entity tags", body = ErrorDetail),
        Unauthorized,
        (status = 404, description = "No such task among yours", body = ErrorDetail),
        (status = 409, description = "The task does not repeat, is done, or its series has ended", body = ErrorDetail),
        (status = 412, description = "The task is at another version; nothing changed", body = ErrorDetail, headers(
            ("ETag" = String, description = "The task's current version in quotes"),
        )),
        (status = 428, description = "The server requires If-Match", body = ErrorDetail),
    )
)]
pub async fn skip_occurrence(
    id: i64,
    bearer: Bearer,
    if_match: Option<String>,
    state: AppState,
) -> Result<Response, ApiError> {
    let expect = match expectation(&state, if_match.as_deref()) {
        Ok(expect) => expect,
        Err(error) => return state.refuse(bearer, Access::Write, error).await,
    };
    let task = state
        .write(bearer, move |store, user| {
            store.tasks(user).skip(TaskId(id), &expect)
        })
        .await?;
    Ok(with_etag(&task))
}
