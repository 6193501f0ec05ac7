//! `/tasks`: one owner's tasks. The owner always comes from the verified token.

use serde_json::Value;
use taskcore::{Body, TagCount, Task, TaskCreate, TaskId, TaskUpdate};
use warp::filters::BoxedFilter;
use warp::http::{HeaderValue, StatusCode, header};
use warp::reply::Response;
use warp::{Filter, Reply};

use taskcore::routes::{self, TAGS, TASK, TASKS};

use super::{method_not_allowed, path, path_with_id};
use crate::filters::{Bearer, Listing, bearer, body, listing, parse_json, with_state};
use crate::problem::{ApiError, ErrorDetail, ValidationDetail, respond_as};
use crate::state::AppState;

pub fn routes(state: AppState) -> BoxedFilter<(Response,)> {
    let auth = || bearer(state.clone());
    let shared = || with_state(state.clone());
    let body = || body(state.body_read_timeout);

    let collection = || path(TASKS);
    let list = collection()
        .and(warp::get())
        .and(auth())
        .and(listing())
        .and(shared())
        .then(|bearer: Bearer, listing, state| async move {
            respond_as(
                bearer.claimed_user(),
                list_tasks(bearer, listing, state).await,
            )
        });
    let create = collection()
        .and(warp::post())
        .and(auth())
        .and(body())
        .and(shared())
        .then(
            |bearer: Bearer, media_type: Option<String>, bytes: bytes::Bytes, state| async move {
                let body = parse_json(media_type.as_deref(), &bytes);
                respond_as(
                    bearer.claimed_user(),
                    create_task(bearer, body, state).await,
                )
            },
        );
    let collection_fallback = collection().and(method_not_allowed(TASKS.allow));

    let item = || path_with_id(TASK);
    let get = item().and(warp::get()).and(auth()).and(shared()).then(
        |id, bearer: Bearer, state| async move {
            respond_as(bearer.claimed_user(), get_task(id, bearer, state).await)
        },
    );
    let update = item()
        .and(warp::patch())
        .and(auth())
        .and(body())
        .and(shared())
        .then(|id, bearer: Bearer, media_type: Option<String>, bytes: bytes::Bytes, state| async move {
            let body = parse_json(media_type.as_deref(), &bytes);
            respond_as(
                bearer.claimed_user(),
                update_task(id, bearer, body, state).await,
            )
        });
    let delete = item().and(warp::delete()).and(auth()).and(shared()).then(
        |id, bearer: Bearer, state| async move {
            respond_as(bearer.claimed_user(), delete_task(id, bearer, state).await)
        },
    );
    let item_fallback = item()
        .and(method_not_allowed(TASK.allow))
        .map(|_id: i64, response: Response| response);

    let tags = path(TAGS).and(
        warp::get()
            .and(auth())
            .and(shared())
            .then(|bearer: Bearer, state| async move {
                respond_as(bearer.claimed_user(), list_tags(bearer, state).await)
            })
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

/// A priority to filter by, or none.
#[derive(utoipa::ToSchema)]
#[schema(rename_all = "lowercase")]
#[allow(dead_code)] // Documents the query string.
enum PriorityFilter {
    None,
    Low,
    Medium,
    High,
}

/// Tasks by whether and when they are due.
#[derive(utoipa::ToSchema)]
#[schema(rename_all = "lowercase")]
#[allow(dead_code)] // Documents the query string.
enum DueFilter {
    None,
    Any,
    Today,
    Overdue,
}

#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)] // Documents the query string; parsing is in `TaskQuery::from_pairs`.
struct ListQuery {
    /// Only done (`true`) or only open (`false`) tasks.
    completed: Option<bool>,
    /// Tasks with this priority; repeat for any of several. `none`: no priority.
    #[param(inline, value_type = Option<Vec<PriorityFilter>>, style = Form, explode, max_items = 32)]
    priority: Option<Vec<String>>,
    /// Tasks carrying this tag (case-insensitive); repeat to require every one.
    #[param(value_type = Option<Vec<taskcore::wire::Tag>>, style = Form, explode, max_items = 32)]
    tag: Option<Vec<String>>,
    /// Tasks due on or before this day in your time zone (a `due_at` counts by its day).
    #[param(value_type = Option<String>, format = Date)]
    due_before: Option<String>,
    /// Tasks due on or after this day in your time zone.
    #[param(value_type = Option<String>, format = Date)]
    due_after: Option<String>,
    /// `none`: no due; `any`: some due; `today`: due today in your time zone;
    /// `overdue`: open and past due.
    #[param(inline, value_type = Option<DueFilter>)]
    due: Option<String>,
    /// Words that must each begin a word of the title or description
    /// (case-insensitive): at least one letter or digit, at most 16 words.
    #[param(max_length = 200, format = "search")]
    q: Option<String>,
    /// Comma-separated keys `id`, `created_at`, `updated_at`, `due`,
    /// `priority`, `title`, each optionally `-` for descending; the id breaks
    /// ties. Tasks without a due come last both ways. Default `id`.
    #[param(example = "-priority,due", format = "task-sort")]
    sort: Option<String>,
    /// Tasks to skip (after `cursor`, if given).
    #[param(minimum = 0, default = 0)]
    skip: Option<i64>,
    /// Tasks to return, 1 to 200.
    #[param(minimum = 1, maximum = 200, default = 100)]
    limit: Option<i64>,
    /// Where to continue: the cursor from the `Link` header's `next`; keep
    /// the other parameters as they were.
    cursor: Option<String>,
}

/// List your tasks, filtered and sorted.
///
/// The body is a plain array; `X-Total-Count` gives how many tasks match the
/// filters and `Link` (RFC 8288) the `next` page (by keyset cursor, which
/// stays cheap however deep) and, for `skip` paging, the `prev` page.
#[utoipa::path(
    get, path = routes::TASKS.path, tag = "tasks",
    params(ListQuery),
    security(("OAuth2PasswordBearer" = []), ("bearerAuth" = [])),
    responses(
        (status = 200, description = "One page of tasks", body = [Task], headers(
            ("X-Total-Count" = u64, description = "How many tasks match the filters"),
            ("Link" = String, description = "URLs of the next and previous pages (RFC 8288)"),
        )),
        (status = 401, description = "Missing, invalid, expired or revoked token", body = ErrorDetail),
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
    let page = listing.query.page;
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
    if skip > 0 && listing.query.after.is_none() {
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
        (status = 401, description = "Missing, invalid, expired or revoked token", body = ErrorDetail),
    )
)]
pub async fn list_tags(bearer: Bearer, state: AppState) -> Result<impl Reply, ApiError> {
    let tags = state
        .read(bearer, |store, user| store.tasks(user).tags())
        .await?;
    Ok(warp::reply::json(&tags))
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
pub async fn create_task(
    bearer: Bearer,
    body: Result<Value, ApiError>,
    state: AppState,
) -> Result<Response, ApiError> {
    let new_task = match body.and_then(|body| Ok(TaskCreate::from_json(&body)?)) {
        Ok(new_task) => new_task,
        Err(error) => return state.refuse(bearer, error).await,
    };
    let task = state
        .write(bearer, move |store, user| {
            store.tasks(user).create(&new_task)
        })
        .await?;
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
pub async fn get_task(id: i64, bearer: Bearer, state: AppState) -> Result<impl Reply, ApiError> {
    let task = state
        .read(bearer, move |store, user| store.tasks(user).get(TaskId(id)))
        .await?;
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
    bearer: Bearer,
    body: Result<Value, ApiError>,
    state: AppState,
) -> Result<impl Reply, ApiError> {
    let patch = match body.and_then(|body| Ok(TaskUpdate::from_json(&body)?)) {
        Ok(patch) => patch,
        Err(error) => return state.refuse(bearer, error).await,
    };
    let task = state
        .write(bearer, move |store, user| {
            store.tasks(user).update(TaskId(id), &patch)
        })
        .await?;
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
pub async fn delete_task(id: i64, bearer: Bearer, state: AppState) -> Result<impl Reply, ApiError> {
    state
        .write(bearer, move |store, user| {
            store.tasks(user).delete(TaskId(id))
        })
        .await?;
    Ok(StatusCode::NO_CONTENT)
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
