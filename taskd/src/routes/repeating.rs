//! `/tasks/{id}/completions`, `/tasks/{id}/skip` and
//! `/tasks/{id}/uncomplete`: the occurrences of a repeating task.

use taskcore::routes::{self, COMPLETIONS, SKIP, UNCOMPLETE};
use taskcore::{Completion, Expect, OwnerTasks, Page, Task, TaskId};
use warp::filters::BoxedFilter;
use warp::http::HeaderValue;
use warp::reply::Response;
use warp::{Filter, Reply};

use super::responses::{IfMatchRefused, Unauthorized};
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
    let uncomplete = as_bearer!(
        path_with_id(UNCOMPLETE)
            .and(warp::post())
            .and(auth())
            .and(header_list("if-match")),
        state,
        (id),
        (if_match),
        uncomplete_occurrence
    )
    .or(path_with_id(UNCOMPLETE)
        .and(method_not_allowed(UNCOMPLETE.allow))
        .map(|_id: i64, response: Response| response))
    .unify();
    completions.or(skip).unify().or(uncomplete).unify().boxed()
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
        Unauthorized,
        IfMatchRefused,
        (status = 404, description = "No such task among yours", body = ErrorDetail),
        (status = 409, description = "The task does not repeat, is done, or its series has ended", body = ErrorDetail),
    )
)]
pub async fn skip_occurrence(
    id: i64,
    bearer: Bearer,
    if_match: Option<String>,
    state: AppState,
) -> Result<Response, ApiError> {
    step(TaskId(id), bearer, if_match, state, |tasks, id, expect| {
        tasks.skip(id, expect)
    })
    .await
}

/// A step along task `id`'s series (`step`), if `If-Match` admits the
/// version it finds; the task as the step leaves it.
async fn step(
    id: TaskId,
    bearer: Bearer,
    if_match: Option<String>,
    state: AppState,
    step: fn(&OwnerTasks<'_>, TaskId, &Expect) -> taskcore::Result<Task>,
) -> Result<Response, ApiError> {
    let expect = match expectation(&state, if_match.as_deref()) {
        Ok(expect) => expect,
        Err(error) => return state.refuse(bearer, Access::Write, error).await,
    };
    let task = state
        .write(bearer, move |store, user| {
            step(&store.tasks(user), id, &expect)
        })
        .await?;
    Ok(with_etag(&task))
}

/// Take back a repeating task's newest completed occurrence.
///
/// What undoing a completion means for a repeating task: the occurrence is
/// no longer recorded, the task is open again at its due, and `COUNT`
/// counts it no more (a task that occurrence closed is open again), while
/// the task stands where doing it left it. Its subtasks stay as they are. With
/// `If-Match`, only if the task is still at a version it names (412
/// otherwise, and nothing changes).
#[utoipa::path(
    post, path = routes::UNCOMPLETE.path, tag = "tasks",
    params(("id" = i64, Path, description = "Task id"), IfMatch),
    security(("OAuth2PasswordBearer" = []), ("bearerAuth" = [])),
    responses(
        (status = 200, description = "The task at the occurrence taken back", body = taskcore::Task, headers(
            ("ETag" = String, description = "The task's version in quotes"),
        )),
        Unauthorized,
        IfMatchRefused,
        (status = 404, description = "No such task among yours", body = ErrorDetail),
        (status = 409, description = "The task does not repeat, has no completed occurrence, or has moved on since it was done (a skip, a new due or rule)", body = ErrorDetail),
    )
)]
pub async fn uncomplete_occurrence(
    id: i64,
    bearer: Bearer,
    if_match: Option<String>,
    state: AppState,
) -> Result<Response, ApiError> {
    step(TaskId(id), bearer, if_match, state, |tasks, id, expect| {
        tasks.uncomplete(id, expect)
    })
    .await
}
