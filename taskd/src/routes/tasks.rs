//! `/tasks`: one owner's tasks. The owner always comes from the verified token.

use serde_json::Value;
use taskcore::{Body, Page, Task, TaskCreate, TaskId, TaskQuery, TaskUpdate, User};
use warp::filters::BoxedFilter;
use warp::http::{HeaderValue, StatusCode, header};
use warp::reply::Response;
use warp::{Filter, Reply};

use taskcore::routes::{self, TASK, TASKS};

use super::{method_not_allowed, path, path_with_id};
use crate::filters::{authenticated, json_body, page, with_state};
use crate::problem::{ApiError, ErrorDetail, ValidationDetail, respond_as};
use crate::state::{AppState, blocking};

pub fn routes(state: AppState) -> BoxedFilter<(Response,)> {
    let auth = || authenticated(state.clone());
    let shared = || with_state(state.clone());

    let collection = || path(TASKS);
    let list = collection()
        .and(warp::get())
        .and(auth())
        .and(page())
        .and(shared())
        .then(|user: User, page, state| async move {
            respond_as(user.id, list_tasks(user, page, state).await)
        });
    let create = collection()
        .and(warp::post())
        .and(auth())
        .and(json_body(state.body_read_timeout))
        .and(shared())
        .then(|user: User, body, state| async move {
            respond_as(user.id, create_task(user, body, state).await)
        });
    let collection_fallback = collection().and(method_not_allowed(TASKS.allow));

    let item = || path_with_id(TASK);
    let get = item().and(warp::get()).and(auth()).and(shared()).then(
        |id, user: User, state| async move { respond_as(user.id, get_task(id, user, state).await) },
    );
    let update = item()
        .and(warp::patch())
        .and(auth())
        .and(json_body(state.body_read_timeout))
        .and(shared())
        .then(|id, user: User, body, state| async move {
            respond_as(user.id, update_task(id, user, body, state).await)
        });
    let delete =
        item().and(warp::delete()).and(auth()).and(shared()).then(
            |id, user: User, state| async move {
                respond_as(user.id, delete_task(id, user, state).await)
            },
        );
    let item_fallback = item()
        .and(method_not_allowed(TASK.allow))
        .map(|_id: i64, response: Response| response);

    list.or(create)
        .unify()
        .or(collection_fallback)
        .unify()
        .or(get)
        .unify()
        .or(update)
        .unify()
        .or(delete)
        .unify()
        .or(item_fallback)
        .unify()
        .boxed()
}

#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)] // Documents the query string; parsing is in `filters::page`.
struct PageQuery {
    /// Tasks to skip.
    #[param(minimum = 0, default = 0)]
    skip: Option<i64>,
    /// Tasks to return, 1 to 200.
    #[param(minimum = 1, maximum = 200, default = 100)]
    limit: Option<i64>,
}

/// List your tasks, oldest first.
///
/// The body is a plain array; `X-Total-Count` gives the total and `Link`
/// (RFC 8288) the `next` and `prev` pages.
#[utoipa::path(
    get, path = routes::TASKS.path, tag = "tasks",
    params(PageQuery),
    security(("OAuth2PasswordBearer" = []), ("bearerAuth" = [])),
    responses(
        (status = 200, description = "One page of tasks", body = [Task], headers(
            ("X-Total-Count" = u64, description = "How many tasks you have in all"),
            ("Link" = String, description = "URLs of the next and previous pages (RFC 8288)"),
        )),
        (status = 401, description = "Missing, invalid, expired or revoked token", body = ErrorDetail),
        (status = 422, description = "skip or limit out of range", body = ValidationDetail),
    )
)]
pub async fn list_tasks(user: User, page: Page, state: AppState) -> Result<Response, ApiError> {
    let store = state.store.clone();
    let query = TaskQuery::page(page);
    let listed = blocking(move || store.tasks(user.id).list(&query)).await?;
    let mut response = warp::reply::json(&listed.tasks).into_response();
    let headers = response.headers_mut();
    headers.insert("x-total-count", HeaderValue::from(listed.total));
    if let Some(link) = page_links(&state.api_prefix, page, listed.total)
        && let Ok(value) = HeaderValue::from_str(&link)
    {
        headers.insert(header::LINK, value);
    }
    Ok(response)
}

/// The RFC 8288 `Link` value for the pages around `page`, if there are any.
fn page_links(prefix: &str, page: Page, total: u64) -> Option<String> {
    let (skip, limit) = (page.skip(), u64::from(page.limit()));
    let mut links = Vec::new();
    if skip.saturating_add(limit) < total {
        links.push(format!(
            "<{prefix}{}?skip={}&limit={limit}>; rel=\"next\"",
            TASKS.path,
            skip + limit
        ));
    }
    if skip > 0 {
        let previous = skip
            .saturating_sub(limit)
            .min(total.saturating_sub(1) / limit * limit);
        links.push(format!(
            "<{prefix}{}?skip={previous}&limit={limit}>; rel=\"prev\"",
            TASKS.path
        ));
    }
    (!links.is_empty()).then(|| links.join(", "))
}

/// Create a task.
#[utoipa::path(
    post, path = routes::TASKS.path, tag = "tasks",
    request_body = taskcore::TaskCreate,
    security(("OAuth2PasswordBearer" = []), ("bearerAuth" = [])),
    responses(
        (status = 201, description = "Task created", body = Task, headers(
            ("Location" = String, description = "URL of the new task"),
        )),
        (status = 401, description = "Missing, invalid, expired or revoked token", body = ErrorDetail),
        (status = 413, description = "Body larger than 1 MiB", body = ErrorDetail),
        (status = 415, description = "Body is not JSON", body = ErrorDetail),
        (status = 422, description = "Invalid task", body = ValidationDetail),
    )
)]
pub async fn create_task(user: User, body: Value, state: AppState) -> Result<Response, ApiError> {
    let new_task = TaskCreate::from_json(&body)?;
    let store = state.store.clone();
    let task = blocking(move || store.tasks(user.id).create(&new_task)).await?;
    let location = format!("{}{}", state.api_prefix, TASK.with_id(task.id));
    let mut response =
        warp::reply::with_status(warp::reply::json(&task), StatusCode::CREATED).into_response();
    if let Ok(value) = HeaderValue::from_str(&location) {
        response.headers_mut().insert(header::LOCATION, value);
    }
    Ok(response)
}

/// Get one of your tasks.
#[utoipa::path(
    get, path = routes::TASK.path, tag = "tasks",
    params(("id" = i64, Path, description = "Task id")),
    security(("OAuth2PasswordBearer" = []), ("bearerAuth" = [])),
    responses(
        (status = 200, description = "The task", body = Task),
        (status = 401, description = "Missing, invalid, expired or revoked token", body = ErrorDetail),
        (status = 404, description = "No such task among yours", body = ErrorDetail),
    )
)]
pub async fn get_task(id: i64, user: User, state: AppState) -> Result<impl Reply, ApiError> {
    let store = state.store.clone();
    let task = blocking(move || store.tasks(user.id).get(TaskId(id))).await?;
    Ok(warp::reply::json(&task))
}

/// Change some fields of one of your tasks.
///
/// Only the fields present change; `"description": null` clears the
/// description; `"title": null` is refused.
#[utoipa::path(
    patch, path = routes::TASK.path, tag = "tasks",
    params(("id" = i64, Path, description = "Task id")),
    request_body = taskcore::TaskUpdate,
    security(("OAuth2PasswordBearer" = []), ("bearerAuth" = [])),
    responses(
        (status = 200, description = "The updated task", body = Task),
        (status = 401, description = "Missing, invalid, expired or revoked token", body = ErrorDetail),
        (status = 404, description = "No such task among yours", body = ErrorDetail),
        (status = 413, description = "Body larger than 1 MiB", body = ErrorDetail),
        (status = 415, description = "Body is not JSON", body = ErrorDetail),
        (status = 422, description = "Invalid fields", body = ValidationDetail),
    )
)]
pub async fn update_task(
    id: i64,
    user: User,
    body: Value,
    state: AppState,
) -> Result<impl Reply, ApiError> {
    let patch = TaskUpdate::from_json(&body)?;
    let store = state.store.clone();
    let task = blocking(move || store.tasks(user.id).update(TaskId(id), &patch)).await?;
    Ok(warp::reply::json(&task))
}

/// Delete one of your tasks.
#[utoipa::path(
    delete, path = routes::TASK.path, tag = "tasks",
    params(("id" = i64, Path, description = "Task id")),
    security(("OAuth2PasswordBearer" = []), ("bearerAuth" = [])),
    responses(
        (status = 204, description = "Deleted"),
        (status = 401, description = "Missing, invalid, expired or revoked token", body = ErrorDetail),
        (status = 404, description = "No such task among yours", body = ErrorDetail),
    )
)]
pub async fn delete_task(id: i64, user: User, state: AppState) -> Result<impl Reply, ApiError> {
    let store = state.store.clone();
    blocking(move || store.tasks(user.id).delete(TaskId(id))).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_name_next_and_previous_pages() {
        let page = |skip, limit| Page::new(skip, limit).expect("page");
        assert_eq!(page_links("/api/v1", page(0, 100), 50), None);
        assert_eq!(
            page_links("/api/v1", page(0, 20), 57).as_deref(),
            Some("</api/v1/tasks?skip=20&limit=20>; rel=\"next\"")
        );
        assert_eq!(
            page_links("/api/v1", page(40, 20), 57).as_deref(),
            Some("</api/v1/tasks?skip=20&limit=20>; rel=\"prev\"")
        );
        // Past the end, "prev" points at the last page that has tasks.
        assert_eq!(
            page_links("/api/v1", page(500, 20), 57).as_deref(),
            Some("</api/v1/tasks?skip=40&limit=20>; rel=\"prev\"")
        );
    }
}
