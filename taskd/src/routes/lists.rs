//! `/lists`: one owner's lists. Every task is in one of them; one is the
//! default, where a task goes when none is named.

use std::hash::{Hash, Hasher};

use serde_json::Value;
use taskcore::routes::{self, LIST, LISTS};
use taskcore::{Body, Error, ListCreate, ListId, ListUpdate, Store, TaskList};
use warp::filters::BoxedFilter;
use warp::http::{HeaderValue, StatusCode, header};
use warp::reply::Response;
use warp::{Filter, Reply};

use super::responses::{JsonBodyRefused, Unauthorized};
use super::tasks::{IfMatch, IfNoneMatch, expectation};
use super::wiring::{as_bearer, method_not_allowed, path, path_with_id};
use crate::bearer::{Access, Bearer};
use crate::conditional;
use crate::etag::etag;
use crate::filters::{bearer, header_list, parsed_body};
use crate::problem::{ApiError, ErrorDetail, ValidationDetail};
use crate::state::AppState;

pub fn routes(state: AppState) -> BoxedFilter<(Response,)> {
    let auth = || bearer(state.clone());
    let body = || parsed_body(state.body_read_timeout);
    let collection = || path(LISTS);
    let all = as_bearer!(
        collection()
            .and(warp::get())
            .and(auth())
            .and(header_list("if-none-match")),
        state,
        (),
        (if_none_match),
        list_lists
    );
    let create = as_bearer!(
        collection().and(warp::post()).and(auth()).and(body()),
        state,
        (),
        (body),
        create_list
    );
    let collection_fallback = collection().and(method_not_allowed(LISTS.allow));
    let item = || path_with_id(LIST);
    let get = as_bearer!(
        item().and(warp::get()).and(auth()),
        state,
        (id),
        (),
        get_list
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
        update_list
    );
    let delete = as_bearer!(
        item()
            .and(warp::delete())
            .and(auth())
            .and(header_list("if-match"))
            .and(warp::query::<Vec<(String, String)>>()),
        state,
        (id),
        (if_match, pairs),
        delete_list
    );
    let item_fallback = item()
        .and(method_not_allowed(LIST.allow))
        .map(|_id: i64, response: Response| response);
    all.or(create)
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

/// The ETag of the whole collection: it changes with any list, or any
/// list's counts.
fn collection_etag(lists: &[TaskList]) -> String {
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    for list in lists {
        (
            list.id.0,
            list.version,
            list.open,
            list.total,
            list.position,
        )
            .hash(&mut hasher);
    }
    format!("l{:016x}", hasher.finish())
}

/// A list as the body, with its ETag.
fn with_etag(list: &TaskList) -> Response {
    let mut response = warp::reply::json(list).into_response();
    response
        .headers_mut()
        .insert(header::ETAG, etag(list.version));
    response
}

/// Your lists, by position then id, each with its open and total tasks.
///
/// The answer's ETag stands for the whole collection (lists and counts):
/// with `If-None-Match` naming it, the answer is 304 without a body.
#[utoipa::path(
    get, path = routes::LISTS.path, tag = "lists",
    params(IfNoneMatch),
    security(("OAuth2PasswordBearer" = []), ("bearerAuth" = [])),
    responses(
        (status = 200, description = "Your lists", body = [TaskList], headers(
            ("ETag" = String, description = "The collection's entity tag"),
        )),
        (status = 304, description = "The collection is as you hold it"),
        Unauthorized,
    )
)]
pub async fn list_lists(
    bearer: Bearer,
    if_none_match: Option<String>,
    state: AppState,
) -> Result<Response, ApiError> {
    let lists = state
        .read(bearer, |store, user| store.lists(user).all())
        .await?;
    let tag = collection_etag(&lists);
    let value = HeaderValue::from_str(&format!("\"{tag}\"")).ok();
    if conditional::none_match_opaque(if_none_match.as_deref(), &tag) {
        let mut response = Response::new(Default::default());
        *response.status_mut() = StatusCode::NOT_MODIFIED;
        if let Some(value) = value {
            response.headers_mut().insert(header::ETAG, value);
        }
        return Ok(response);
    }
    let mut response = warp::reply::json(&lists).into_response();
    if let Some(value) = value {
        response.headers_mut().insert(header::ETAG, value);
    }
    Ok(response)
}

/// Make a list (after the last, unless `position` is given).
#[utoipa::path(
    post, path = routes::LISTS.path, tag = "lists",
    request_body = ListCreate,
    security(("OAuth2PasswordBearer" = []), ("bearerAuth" = [])),
    responses(
        (status = 201, description = "The new list", body = TaskList, headers(
            ("Location" = String, description = "The list's URL"),
            ("ETag" = String, description = "The list's version in quotes"),
        )),
        Unauthorized,
        (status = 409, description = "You have a list of that name (ignoring case)", body = ErrorDetail),
        JsonBodyRefused,
        (status = 422, description = "Invalid fields", body = ValidationDetail),
    )
)]
pub async fn create_list(
    bearer: Bearer,
    body: Result<Value, ApiError>,
    state: AppState,
) -> Result<Response, ApiError> {
    let new_list = match body.and_then(|body| Ok(ListCreate::from_json(&body)?)) {
        Ok(new_list) => new_list,
        Err(error) => return state.refuse(bearer, Access::Write, error).await,
    };
    let list = state
        .write(bearer, move |store, user| {
            store.lists(user).create(&new_list)
        })
        .await?;
    let mut response = with_etag(&list);
    *response.status_mut() = StatusCode::CREATED;
    let location = format!("{}{}", state.api_prefix, LIST.with_id(list.id));
    if let Ok(value) = HeaderValue::from_str(&location) {
        response.headers_mut().insert(header::LOCATION, value);
    }
    Ok(response)
}

/// One of your lists.
///
/// Its ETag is its version (for `If-Match`); its counts change without
/// it, so there is no 304 here (the collection's ETag covers counts).
#[utoipa::path(
    get, path = routes::LIST.path, tag = "lists",
    params(("id" = i64, Path, description = "List id")),
    security(("OAuth2PasswordBearer" = []), ("bearerAuth" = [])),
    responses(
        (status = 200, description = "The list", body = TaskList, headers(
            ("ETag" = String, description = "The list's version in quotes"),
        )),
        Unauthorized,
        (status = 404, description = "No such list among yours", body = ErrorDetail),
    )
)]
pub async fn get_list(id: i64, bearer: Bearer, state: AppState) -> Result<Response, ApiError> {
    let list = state
        .read(bearer, move |store, user| store.lists(user).get(ListId(id)))
        .await?;
    Ok(with_etag(&list))
}

/// Rename, recolour or move one of your lists, or make it the default.
///
/// Only the fields present change. With `If-Match`, only if the list is
/// still at a version it names (412 otherwise, and nothing changes).
#[utoipa::path(
    patch, path = routes::LIST.path, tag = "lists",
    params(("id" = i64, Path, description = "List id"), IfMatch),
    request_body = ListUpdate,
    security(("OAuth2PasswordBearer" = []), ("bearerAuth" = [])),
    responses(
        (status = 200, description = "The list as it is now", body = TaskList, headers(
            ("ETag" = String, description = "The list's new version in quotes"),
        )),
        (status = 400, description = "If-Match is not a list of entity tags", body = ErrorDetail),
        Unauthorized,
        (status = 404, description = "No such list among yours", body = ErrorDetail),
        (status = 409, description = "You have another list of that name", body = ErrorDetail),
        (status = 412, description = "The list is at another version; nothing changed", body = ErrorDetail),
        JsonBodyRefused,
        (status = 422, description = "Invalid fields", body = ValidationDetail),
        (status = 428, description = "The server requires If-Match", body = ErrorDetail),
    )
)]
pub async fn update_list(
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
    let patch = match body.and_then(|body| Ok(ListUpdate::from_json(&body)?)) {
        Ok(patch) => patch,
        Err(error) => {
            let version = move |store: &Store, user| match store.lists(user).get(ListId(id)) {
                Ok(list) => Ok(Some(list.version)),
                Err(Error::ListNotFound) => Ok(None),
                Err(error) => Err(error),
            };
            return state.refuse_content(bearer, expect, version, error).await;
        }
    };
    let list = state
        .write(bearer, move |store, user| {
            store
                .lists(user)
                .update_expecting(ListId(id), &patch, &expect)
        })
        .await?;
    Ok(with_etag(&list))
}

/// What becomes of a deleted list's tasks.
#[derive(utoipa::ToSchema)]
#[allow(dead_code)] // Documents the query string.
enum DeleteTasks {
    #[schema(rename = "trash")]
    Trash,
}

#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)] // Documents the query string.
struct DeleteQuery {
    /// `trash`: move the list's tasks (and so its subtasks) to the trash
    /// with it; without it, a list that still has tasks is refused (409).
    #[param(inline)]
    tasks: Option<DeleteTasks>,
}

/// Delete one of your lists.
///
/// Not your default list (409). A list that still has tasks is refused
/// (409, saying how many) unless `?tasks=trash`, which moves them to the
/// trash in the same step; a trashed task whose list is gone is restored
/// into the default list.
#[utoipa::path(
    delete, path = routes::LIST.path, tag = "lists",
    params(("id" = i64, Path, description = "List id"), IfMatch, DeleteQuery),
    security(("OAuth2PasswordBearer" = []), ("bearerAuth" = [])),
    responses(
        (status = 204, description = "Deleted"),
        (status = 400, description = "If-Match is not a list of entity tags", body = ErrorDetail),
        Unauthorized,
        (status = 404, description = "No such list among yours", body = ErrorDetail),
        (status = 409, description = "The default list, or a list with tasks", body = ErrorDetail),
        (status = 412, description = "The list is at another version; nothing changed", body = ErrorDetail),
        (status = 422, description = "`tasks` is not `trash`", body = ValidationDetail),
        (status = 428, description = "The server requires If-Match", body = ErrorDetail),
    )
)]
pub async fn delete_list(
    id: i64,
    bearer: Bearer,
    if_match: Option<String>,
    pairs: Vec<(String, String)>,
    state: AppState,
) -> Result<Response, ApiError> {
    let trash_tasks = match pairs.iter().rev().find(|(name, _)| name == "tasks") {
        None => Ok(false),
        Some((_, value)) if value == "trash" => Ok(true),
        Some(_) => Err(ApiError::from(taskcore::ValidationErrors::single(
            taskcore::Source::Query,
            "tasks",
            "enum",
            "Input should be 'trash'",
        ))),
    };
    let checked =
        trash_tasks.and_then(|trash| Ok((trash, expectation(&state, if_match.as_deref())?)));
    let (trash_tasks, expect) = match checked {
        Ok(checked) => checked,
        Err(error) => return state.refuse(bearer, Access::Write, error).await,
    };
    state
        .write(bearer, move |store, user| {
            store
                .lists(user)
                .delete_expecting(ListId(id), &expect, trash_tasks)
        })
        .await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
