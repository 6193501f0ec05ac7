//! What keeps several devices in step: the trash and the change feed.

use taskcore::routes::{self, CHANGES, RESTORE, TRASH, TRASHED};
use taskcore::{ChangePage, ChangeQuery, Page, TaskId, TrashedTask};
use warp::filters::BoxedFilter;
use warp::http::{HeaderValue, StatusCode, header};
use warp::reply::Response;
use warp::{Filter, Reply};

use super::responses::Unauthorized;
use super::wiring::{as_bearer, method_not_allowed, path, path_with_id};
use crate::bearer::{Access, Bearer};
use crate::etag::etag;
use crate::filters::bearer;
use crate::problem::{ApiError, ErrorDetail, ValidationDetail};
use crate::state::AppState;

pub fn routes(state: AppState) -> BoxedFilter<(Response,)> {
    let auth = || bearer(state.clone());
    let pairs = || warp::query::<Vec<(String, String)>>();

    let trash = path(TRASH).and(
        as_bearer!(
            warp::get().and(auth()).and(pairs()),
            state,
            (),
            (pairs),
            list_trash
        )
        .or(method_not_allowed(TRASH.allow))
        .unify(),
    );
    let erase = as_bearer!(
        path_with_id(TRASHED).and(warp::delete()).and(auth()),
        state,
        (id),
        (),
        erase_task
    )
    .or(path_with_id(TRASHED)
        .and(method_not_allowed(TRASHED.allow))
        .map(|_id: i64, response: Response| response))
    .unify();
    let restore = as_bearer!(
        path_with_id(RESTORE).and(warp::post()).and(auth()),
        state,
        (id),
        (),
        restore_task
    )
    .or(path_with_id(RESTORE)
        .and(method_not_allowed(RESTORE.allow))
        .map(|_id: i64, response: Response| response))
    .unify();
    let changes = path(CHANGES).and(
        as_bearer!(
            warp::get().and(auth()).and(pairs()),
            state,
            (),
            (pairs),
            list_changes
        )
        .or(method_not_allowed(CHANGES.allow))
        .unify(),
    );
    trash
        .or(erase)
        .unify()
        .or(restore)
        .unify()
        .or(changes)
        .unify()
        .boxed()
}

#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)] // Documents the query string; parsing is in `Page::from_pairs`.
struct TrashQuery {
    /// Tasks to skip.
    #[param(minimum = 0, default = 0)]
    skip: Option<i64>,
    /// Tasks to return, 1 to 200.
    #[param(minimum = 1, maximum = 200, default = 100)]
    limit: Option<i64>,
}

/// List your deleted tasks, newest deletion first.
///
/// `X-Total-Count` gives how many tasks the trash holds. Trashed tasks are
/// erased for good after the server's `TRASH_RETENTION_DAYS` (30 by default).
#[utoipa::path(
    get, path = routes::TRASH.path, tag = "trash",
    params(TrashQuery),
    security(("OAuth2PasswordBearer" = []), ("bearerAuth" = [])),
    responses(
        (status = 200, description = "One page of the trash", body = [TrashedTask], headers(
            ("X-Total-Count" = u64, description = "How many tasks the trash holds"),
        )),
        Unauthorized,
        (status = 422, description = "A parameter out of range", body = ValidationDetail),
    )
)]
pub async fn list_trash(
    bearer: Bearer,
    pairs: Vec<(String, String)>,
    state: AppState,
) -> Result<Response, ApiError> {
    let page = match Page::from_pairs(&pairs) {
        Ok(page) => page,
        Err(errors) => return state.refuse(bearer, Access::Read, errors.into()).await,
    };
    let trash = state
        .read(bearer, move |store, user| store.tasks(user).trash(page))
        .await?;
    let mut response = warp::reply::json(&trash.tasks).into_response();
    response
        .headers_mut()
        .insert("x-total-count", HeaderValue::from(trash.total));
    Ok(response)
}

/// Put a deleted task back, with the same id; its version is bumped.
#[utoipa::path(
    post, path = routes::RESTORE.path, tag = "trash",
    params(("id" = i64, Path, description = "Task id")),
    security(("OAuth2PasswordBearer" = []), ("bearerAuth" = [])),
    responses(
        (status = 200, description = "The task, back among your tasks", body = taskcore::Task, headers(
            ("ETag" = String, description = "The task's version in quotes"),
        )),
        Unauthorized,
        (status = 404, description = "No such task in your trash", body = ErrorDetail),
    )
)]
pub async fn restore_task(id: i64, bearer: Bearer, state: AppState) -> Result<Response, ApiError> {
    let task = state
        .write(bearer, move |store, user| {
            store.tasks(user).restore(TaskId(id))
        })
        .await?;
    let mut response = warp::reply::json(&task).into_response();
    response
        .headers_mut()
        .insert(header::ETAG, etag(task.version));
    Ok(response)
}

/// Erase a deleted task for good.
#[utoipa::path(
    delete, path = routes::TRASHED.path, tag = "trash",
    params(("id" = i64, Path, description = "Task id")),
    security(("OAuth2PasswordBearer" = []), ("bearerAuth" = [])),
    responses(
        (status = 204, description = "Erased"),
        Unauthorized,
        (status = 404, description = "No such task in your trash", body = ErrorDetail),
    )
)]
pub async fn erase_task(id: i64, bearer: Bearer, state: AppState) -> Result<Response, ApiError> {
    state
        .write(bearer, move |store, user| {
            store.tasks(user).erase(TaskId(id))
        })
        .await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)] // Documents the query string; parsing is in `ChangeQuery::from_pairs`.
struct ChangesQuery {
    /// The `cursor` of your last answer; leave it out to get every task (a
    /// full sync).
    #[param(max_length = 128, format = "change-cursor")]
    since: Option<String>,
    /// Changes to return, 1 to 1000.
    #[param(minimum = 1, maximum = 1000, default = 500)]
    limit: Option<i64>,
    /// Also tell of lists made, changed (`list_upsert`) and deleted
    /// (`list_delete`); without it, only tasks' changes come.
    #[param(default = false)]
    lists: Option<bool>,
}

/// What changed since a cursor, in commit order.
///
/// Each task changed since then appears once, in its latest state
/// (`upsert`), and each task deleted since then as a `delete`. Without
/// `since`: every task, as upserts. Follow `cursor` while `has_more`, apply
/// the changes, and keep the last `cursor` for next time. The cursors of a
/// full sync's pages stay valid until its last page, however old the
/// account. A 410 means the feed no longer holds everything since your
/// cursor (deletions are kept for the server's `CHANGES_RETENTION_DAYS`):
/// drop your copy and start again without `since`; that full sync ends.
#[utoipa::path(
    get, path = routes::CHANGES.path, tag = "sync",
    params(ChangesQuery),
    security(("OAuth2PasswordBearer" = []), ("bearerAuth" = [])),
    responses(
        (status = 200, description = "Changes, and where to continue", body = ChangePage),
        Unauthorized,
        (status = 410, description = "The cursor is too old: start a full sync", body = ErrorDetail),
        (status = 422, description = "A parameter out of range, or not a cursor", body = ValidationDetail),
    )
)]
pub async fn list_changes(
    bearer: Bearer,
    pairs: Vec<(String, String)>,
    state: AppState,
) -> Result<Response, ApiError> {
    let query = match ChangeQuery::from_pairs(&pairs) {
        Ok(query) => query,
        Err(errors) => return state.refuse(bearer, Access::Read, errors.into()).await,
    };
    let page: ChangePage = state
        .read(bearer, move |store, user| {
            store
                .tasks(user)
                .changes_of(query.since(), query.limit(), query.lists())
        })
        .await?;
    Ok(warp::reply::json(&page).into_response())
}
