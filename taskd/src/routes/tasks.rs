//! `/tasks`: one owner's tasks. The owner always comes from the verified token.

use serde_json::Value;
use taskcore::{
    Body, Error, Expect, IdempotencyKey, Store, TagCount, Task, TaskCreate, TaskId, TaskUpdate,
};
use warp::filters::BoxedFilter;
use warp::http::{HeaderValue, StatusCode, header};
use warp::reply::Response;
use warp::{Filter, Reply};

use taskcore::routes::{self, TAGS, TASK, TASKS};

use super::responses::{JsonBodyRefused, Unauthorized};
use super::wiring::{as_bearer, method_not_allowed, path, path_with_id};
use crate::bearer::{Access, Bearer};
use crate::conditional;
use crate::etag::etag;
use crate::filters::{Listing, bearer, header_list, listing, parsed_body};
use crate::problem::{ApiError, ErrorDetail, ValidationDetail};
use crate::state::AppState;

pub fn routes(state: AppState) -> BoxedFilter<(Response,)> {
    let auth = || bearer(state.clone());
    let body = || parsed_body(state.body_read_timeout);

    let collection = || path(TASKS);
    let list = as_bearer!(
        collection().and(warp::get()).and(auth()).and(listing()),
        state,
        (),
        (listing),
        list_tasks
    );
    let create = as_bearer!(
        collection()
            .and(warp::post())
            .and(auth())
            .and(warp::header::optional::<String>(IDEMPOTENCY_KEY))
            .and(body()),
        state,
        (),
        (key, body),
        create_task
    );
    let collection_fallback = collection().and(method_not_allowed(TASKS.allow));

    let item = || path_with_id(TASK);
    let get = as_bearer!(
        item()
            .and(warp::get())
            .and(auth())
            .and(header_list("if-none-match")),
        state,
        (id),
        (if_none_match),
        get_task
    );
    let update = as_bearer!(
        item()
            .and(warp::patch())
            .and(auth())
            .and(header_list("if-match"))
            .and(body()),
        state,
        (id),
        (if_match, body),
        update_task
    );
    let delete = as_bearer!(
        item()
            .and(warp::delete())
            .and(auth())
            .and(header_list("if-match")),
        state,
        (id),
        (if_match),
        delete_task
    );
    let item_fallback = item()
        .and(method_not_allowed(TASK.allow))
        .map(|_id: i64, response: Response| response);

    let tags = path(TAGS).and(
        as_bearer!(warp::get().and(auth()), state, (), (), list_tags)
            .or(method_not_allowed(TAGS.allow))
            .unify(),
    );

    list.or(create)
        .unify()
        .or(tags)
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

/// List your tasks, filtered and sorted.
///
/// The body is a plain array; `X-Total-Count` gives how many tasks match the
/// filters and `Link` (RFC 8288) the `next` page (by keyset cursor, which
/// stays cheap however deep) and, for `skip` paging, the `prev` page.
#[utoipa::path(
    get, path = routes::TASKS.path, tag = "tasks",
    params(taskcore::TaskQuery),
    security(("OAuth2PasswordBearer" = []), ("bearerAuth" = [])),
    responses(
        (status = 200, description = "One page of tasks", body = [Task], headers(
            ("X-Total-Count" = u64, description = "How many tasks match the filters"),
            ("Link" = String, description = "URLs of the next and previous pages (RFC 8288)"),
        )),
        Unauthorized,
        (status = 422, description = "A parameter out of range or unknown value", body = ValidationDetail),
    )
)]
pub async fn list_tasks(
    bearer: Bearer,
    listing: Listing,
    state: AppState,
) -> Result<Response, ApiError> {
    let query = listing.query.clone();
    let listed = state
        .read(bearer, move |store, user| store.tasks(user).list(&query))
        .await?;
    let mut response = warp::reply::json(&listed.tasks).into_response();
    let headers = response.headers_mut();
    headers.insert("x-total-count", HeaderValue::from(listed.total));
    let link = page_links(
        &format!("{}{}", state.api_prefix, TASKS.path),
        &listing,
        listed.next.as_deref(),
        listed.total,
    );
    if let Some(link) = link
        && let Ok(value) = HeaderValue::from_str(&link)
    {
        headers.insert(header::LINK, value);
    }
    Ok(response)
}

/// The RFC 8288 `Link` value for the pages around this one, if there are
/// any: `next` by cursor, `prev` by offset (for offset paging only). Both
/// keep the request's filters and sort.
fn page_links(url: &str, listing: &Listing, next: Option<&str>, total: u64) -> Option<String> {
    let page = listing.query.page();
    let limit = u64::from(page.limit());
    let kept: Vec<(&str, &str)> = listing
        .pairs
        .iter()
        .filter(|(key, _)| !matches!(key.as_str(), "skip" | "limit" | "cursor"))
        .map(|(key, value)| (key.as_str(), value.as_str()))
        .collect();
    let link = |extra: &[(&str, &str)], rel: &str| {
        let mut pairs = kept.clone();
        pairs.extend_from_slice(extra);
        let query = serde_urlencoded::to_string(&pairs).unwrap_or_default();
        format!("<{url}?{query}>; rel=\"{rel}\"")
    };
    let limit_text = limit.to_string();
    let mut links = Vec::new();
    if let Some(cursor) = next {
        links.push(link(&[("limit", &limit_text), ("cursor", cursor)], "next"));
    }
    let skip = page.skip();
    if skip > 0 && listing.query.after().is_none() {
        let previous = skip
            .saturating_sub(limit)
            .min(total.saturating_sub(1) / limit * limit)
            .to_string();
        links.push(link(&[("skip", &previous), ("limit", &limit_text)], "prev"));
    }
    (!links.is_empty()).then(|| links.join(", "))
}

/// Your tags, by name, with how many open tasks and how many tasks in all
/// carry each.
#[utoipa::path(
    get, path = routes::TAGS.path, tag = "tasks",
    security(("OAuth2PasswordBearer" = []), ("bearerAuth" = [])),
    responses(
        (status = 200, description = "Your tags", body = [TagCount]),
        Unauthorized,
    )
)]
pub async fn list_tags(bearer: Bearer, state: AppState) -> Result<impl Reply, ApiError> {
    let tags = state
        .read(bearer, |store, user| store.tasks(user).tags())
        .await?;
    Ok(warp::reply::json(&tags))
}

#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Header)]
#[allow(dead_code)] // Documents a header; read by the route's filter.
struct IdempotencyKeyHeader {
    /// 1 to 255 visible ASCII characters, new for each task you mean to
    /// create; send the same one when you retry that create.
    #[param(rename = "Idempotency-Key", value_type = String, required = false, min_length = 1, max_length = 255, pattern = "^[!-~]{1,255}$")]
    idempotency_key: Option<String>,
}

#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Header)]
#[allow(dead_code)] // Documents a header; read by `conditional::if_match`.
pub(super) struct IfMatch {
    /// The ETag of the task as you last read it (or a list of them, or
    /// `*`): the change is made only if the task is still at that version.
    #[param(rename = "If-Match", value_type = String, required = false, pattern = r#"^ *(\*|(W/)?"[!#-~]*"( *, *(W/)?"[!#-~]*")*) *$"#)]
    if_match: Option<String>,
}

#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Header)]
#[allow(dead_code)] // Documents a header; read by `conditional::none_match`.
pub(super) struct IfNoneMatch {
    /// The ETags you hold, or `*`: when one is current, the answer is 304.
    /// A value that is not a list of entity tags is ignored.
    #[param(rename = "If-None-Match", value_type = String, required = false)]
    if_none_match: Option<String>,
}

/// The header that makes a create safe to retry.
const IDEMPOTENCY_KEY: &str = "idempotency-key";

/// Create a task.
///
/// With an `Idempotency-Key`, the create is safe to retry: the same key
/// with the same body within 24 hours answers as the first time (the same
/// task, never a second one) with `Idempotent-Replayed: true`.
#[utoipa::path(
    post, path = routes::TASKS.path, tag = "tasks",
    params(IdempotencyKeyHeader),
    request_body = taskcore::TaskCreate,
    security(("OAuth2PasswordBearer" = []), ("bearerAuth" = [])),
    responses(
        (status = 201, description = "Task created (or, with a key used before, the first answer replayed)", body = Task, headers(
            ("Location" = String, description = "URL of the new task"),
            ("ETag" = String, description = "The task's version in quotes"),
            ("Idempotent-Replayed" = bool, description = "`true` when this answer is a replay"),
        )),
        (status = 400, description = "A header cannot be read", body = ErrorDetail),
        Unauthorized,
        (status = 409, description = "Another of your tasks has the UID given, or the key's first request is still in progress", body = ErrorDetail),
        JsonBodyRefused,
        (status = 422, description = "Invalid task, or a key used for another body", body = ValidationDetail),
    )
)]
pub async fn create_task(
    bearer: Bearer,
    key: Option<String>,
    body: Result<Value, ApiError>,
    state: AppState,
) -> Result<Response, ApiError> {
    let checked = body.and_then(|body| {
        let key = key
            .as_deref()
            .map(IdempotencyKey::parse)
            .transpose()
            .map_err(ApiError::from);
        let task = TaskCreate::from_json(&body).map_err(ApiError::from);
        match (task, key) {
            (Ok(task), Ok(key)) => Ok((task, key)),
            // Every broken rule at once: the body's, then the header's.
            (
                Err(ApiError::Domain(Error::Validation(mut errors))),
                Err(ApiError::Domain(Error::Validation(more))),
            ) => {
                errors.extend(more);
                Err(ApiError::from(errors))
            }
            (Err(error), _) | (_, Err(error)) => Err(error),
        }
    });
    let (new_task, key) = match checked {
        Ok(checked) => checked,
        Err(error) => return state.refuse(bearer, Access::Write, error).await,
    };
    let (id, version, mut response, replayed) = match key {
        None => {
            let task = state
                .write(bearer, move |store, user| {
                    store.tasks(user).create(&new_task)
                })
                .await?;
            let response = warp::reply::json(&task).into_response();
            (task.id, task.version, response, false)
        }
        Some(key) => {
            let replay = state
                .write(bearer, move |store, user| {
                    store.tasks(user).create_once(&new_task, &key)
                })
                .await?;
            let version = serde_json::from_str::<Task>(&replay.body).map_or(1, |task| task.version);
            let mut response = Response::new(replay.body.into());
            response.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            );
            (replay.id, version, response, replay.replayed)
        }
    };
    *response.status_mut() = StatusCode::CREATED;
    let headers = response.headers_mut();
    let location = format!("{}{}", state.api_prefix, TASK.with_id(id));
    if let Ok(value) = HeaderValue::from_str(&location) {
        headers.insert(header::LOCATION, value);
    }
    headers.insert(header::ETAG, etag(version));
    if replayed {
        headers.insert("idempotent-replayed", HeaderValue::from_static("true"));
    }
    Ok(response)
}

/// Get one of your tasks.
///
/// With `If-None-Match` naming its current ETag, the answer is 304 without
/// a body.
#[utoipa::path(
    get, path = routes::TASK.path, tag = "tasks",
    params(
        ("id" = i64, Path, description = "Task id"),
        IfNoneMatch,
    ),
    security(("OAuth2PasswordBearer" = []), ("bearerAuth" = [])),
    responses(
        (status = 200, description = "The task", body = Task, headers(
            ("ETag" = String, description = "The task's version in quotes"),
        )),
        (status = 304, description = "The task is still at the version you hold", headers(
            ("ETag" = String, description = "The task's version in quotes"),
        )),
        Unauthorized,
        (status = 404, description = "No such task among yours", body = ErrorDetail),
    )
)]
pub async fn get_task(
    id: i64,
    bearer: Bearer,
    if_none_match: Option<String>,
    state: AppState,
) -> Result<Response, ApiError> {
    let task = state
        .read(bearer, move |store, user| store.tasks(user).get(TaskId(id)))
        .await?;
    if conditional::none_match(if_none_match.as_deref(), task.version) {
        let mut response = Response::new(Default::default());
        *response.status_mut() = StatusCode::NOT_MODIFIED;
        response
            .headers_mut()
            .insert(header::ETAG, etag(task.version));
        return Ok(response);
    }
    Ok(with_etag(&task))
}

/// A task as the body, with its ETag.
pub(super) fn with_etag(task: &Task) -> Response {
    let mut response = warp::reply::json(task).into_response();
    response
        .headers_mut()
        .insert(header::ETAG, etag(task.version));
    response
}

/// What a change's `If-Match` expects; 428 without one where the server
/// requires it.
pub(super) fn expectation(state: &AppState, if_match: Option<&str>) -> Result<Expect, ApiError> {
    match conditional::if_match(if_match)? {
        Some(expect) => Ok(expect),
        None if state.require_if_match => Err(ApiError::PreconditionRequired),
        None => Ok(Expect::Any),
    }
}

/// Change some fields of one of your tasks.
///
/// Only the fields present change; `"description": null` clears the
/// description; `"title": null` is refused. With `If-Match`, the change is
/// made only if the task is still at a version it names (412 otherwise,
/// and nothing changes).
#[utoipa::path(
    patch, path = routes::TASK.path, tag = "tasks",
    params(
        ("id" = i64, Path, description = "Task id"),
        IfMatch,
    ),
    request_body = taskcore::TaskUpdate,
    security(("OAuth2PasswordBearer" = []), ("bearerAuth" = [])),
    responses(
        (status = 200, description = "The updated task", body = Task, headers(
            ("ETag" = String, description = "The task's new version in quotes"),
        )),
        (status = 400, description = "If-Match is not a list of entity tags", body = ErrorDetail),
        Unauthorized,
        (status = 404, description = "No such task among yours", body = ErrorDetail),
        (status = 412, description = "The task is at another version; nothing changed", body = ErrorDetail, headers(
            ("ETag" = String, description = "The task's current version in quotes"),
        )),
        JsonBodyRefused,
        (status = 422, description = "Invalid fields", body = ValidationDetail),
        (status = 428, description = "The server requires If-Match", body = ErrorDetail),
    )
)]
pub async fn update_task(
    id: i64,
    bearer: Bearer,
    if_match: Option<String>,
    body: Result<Value, ApiError>,
    state: AppState,
) -> Result<Response, ApiError> {
    let expect = match expectation(&state, if_match.as_deref()) {
        Ok(expect) => expect,
        Err(error) => return state.refuse(bearer, Access::Write, error).await,
    };
    let patch = match body.and_then(|body| Ok(TaskUpdate::from_json(&body)?)) {
        Ok(patch) => patch,
        Err(error) => {
            let version = move |store: &Store, user| match store.tasks(user).get(TaskId(id)) {
                Ok(task) => Ok(Some(task.version)),
                Err(Error::TaskNotFound) => Ok(None),
                Err(error) => Err(error),
            };
            return state.refuse_content(bearer, expect, version, error).await;
        }
    };
    let task = state
        .write(bearer, move |store, user| {
            store
                .tasks(user)
                .update_expecting(TaskId(id), &patch, &expect)
        })
        .await?;
    Ok(with_etag(&task))
}

/// Delete one of your tasks: it moves to the trash.
///
/// With `If-Match`, only if the task is still at a version it names (412
/// otherwise, and nothing changes).
#[utoipa::path(
    delete, path = routes::TASK.path, tag = "tasks",
    params(
        ("id" = i64, Path, description = "Task id"),
        IfMatch,
    ),
    security(("OAuth2PasswordBearer" = []), ("bearerAuth" = [])),
    responses(
        (status = 204, description = "Moved to the trash"),
        (status = 400, description = "If-Match is not a list of entity tags", body = ErrorDetail),
        Unauthorized,
        (status = 404, description = "No such task among yours", body = ErrorDetail),
        (status = 412, description = "The task is at another version; nothing changed", body = ErrorDetail, headers(
            ("ETag" = String, description = "The task's current version in quotes"),
        )),
        (status = 428, description = "The server requires If-Match", body = ErrorDetail),
    )
)]
pub async fn delete_task(
    id: i64,
    bearer: Bearer,
    if_match: Option<String>,
    state: AppState,
) -> Result<Response, ApiError> {
    let expect = match expectation(&state, if_match.as_deref()) {
        Ok(expect) => expect,
        Err(error) => return state.refuse(bearer, Access::Write, error).await,
    };
    state
        .write(bearer, move |store, user| {
            store.tasks(user).delete_expecting(TaskId(id), &expect)
        })
        .await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

#[cfg(test)]
mod tests {
    use taskcore::TaskQuery;

    use super::*;

    fn listing(query: &str) -> Listing {
        let pairs: Vec<(String, String)> = serde_urlencoded::from_str(query).expect("query");
        Listing {
            query: TaskQuery::from_pairs(&pairs).expect("valid"),
            pairs,
        }
    }

    #[test]
    fn links_keep_the_filters_and_name_the_next_cursor_and_previous_offset() {
        let url = "/api/v1/tasks";
        assert_eq!(page_links(url, &listing(""), None, 50), None);
        assert_eq!(
            page_links(
                url,
                &listing("tag=home&limit=20&sort=-due"),
                Some("abc"),
                57
            )
            .as_deref(),
            Some("</api/v1/tasks?tag=home&sort=-due&limit=20&cursor=abc>; rel=\"next\"")
        );
        assert_eq!(
            page_links(url, &listing("skip=40&limit=20"), None, 57).as_deref(),
            Some("</api/v1/tasks?skip=20&limit=20>; rel=\"prev\"")
        );
        // Past the end, "prev" points at the last page that has tasks.
        assert_eq!(
            page_links(url, &listing("skip=500&limit=20"), None, 57).as_deref(),
            Some("</api/v1/tasks?skip=40&limit=20>; rel=\"prev\"")
        );
    }
}
