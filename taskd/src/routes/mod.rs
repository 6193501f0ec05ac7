//! Every route, assembled: `{API_V1_PREFIX}/…`, `/health`, and the docs.
//!
//! Filters run in a fixed order: path, method, auth, body, shared state.
//! Handlers are attached with `.then` so their errors become responses
//! directly; each path ends in a fallback that rejects with the methods it
//! allows, so a wrong method answers 405 with `Allow` and an unknown path 404.

pub(crate) mod auth;
mod docs;
pub(crate) mod health;
pub(crate) mod portability;
pub(crate) mod sync;
pub(crate) mod tasks;

use std::time::Instant;

use metrics_exporter_prometheus::PrometheusHandle;

use taskcore::routes::Route;
use warp::filters::BoxedFilter;
use warp::http::{HeaderValue, header};
use warp::reply::Response;
use warp::{Filter, Rejection};

pub use self::docs::Docs;
use crate::cors::Cors;
use crate::problem::{self, MethodNotAllowed};
use crate::state::AppState;
use crate::telemetry::{self, REQUEST_ID_HEADER, RouteTemplates};

/// The whole application as one filter that always answers.
pub fn app(
    state: AppState,
    prefix_segments: &[String],
    docs: docs::Docs,
    cors: Cors,
    metrics: PrometheusHandle,
) -> BoxedFilter<(Response,)> {
    let templates = RouteTemplates::new(&state.api_prefix);
    let prefix = prefix_segments
        .iter()
        .fold(warp::any().boxed(), |prefix, segment| {
            prefix.and(warp::path(segment.clone())).boxed()
        });

    let api = prefix
        .and(
            auth::routes(state.clone())
                .or(tasks::routes(state.clone()))
                .unify()
                .or(sync::routes(state.clone()))
                .unify()
                .or(portability::routes(state.clone()))
                .unify()
                .or(health::route(state.clone()))
                .unify(),
        )
        .map(no_store);
    let routes = api
        .or(health::route(state.clone()).map(no_store))
        .unify()
        .or(health::metrics_route(state, metrics))
        .unify()
        .or(docs::routes(docs))
        .unify()
        .recover(problem::recover)
        .unify();

    // Every response, preflight or not, gets the CORS headers, a request id,
    // a log line, metrics and the security headers here.
    let handled = cors.clone().preflight().or(routes).unify();
    warp::any()
        .map(Instant::now)
        .and(warp::method())
        .and(warp::path::full())
        .and(warp::header::headers_cloned())
        .and(handled)
        .map(
            move |started: Instant,
                  method,
                  path: warp::path::FullPath,
                  headers: warp::http::HeaderMap,
                  response| {
                let mut response = cors.decorate(headers.get(header::ORIGIN), response);
                let request_id = telemetry::request_id(&headers);
                telemetry::record(
                    &method,
                    &templates.template(path.as_str()),
                    &response,
                    &request_id,
                    started,
                );
                response.headers_mut().insert(REQUEST_ID_HEADER, request_id);
                security_headers(response)
            },
        )
        .boxed()
}

/// The literal segments of a path template part, as one filter.
fn segments(part: &'static str) -> BoxedFilter<()> {
    part.split('/')
        .filter(|segment| !segment.is_empty())
        .fold(warp::any().boxed(), |filter, segment| {
            filter.and(warp::path(segment)).boxed()
        })
}

/// The path of a route of the table, exactly; the route has no `{id}`.
fn path(route: Route) -> BoxedFilter<()> {
    debug_assert!(!route.path.contains("{id}"), "{} has an id", route.path);
    segments(route.path).and(warp::path::end()).boxed()
}

/// The path of a route of the table with one `{id}`, which it extracts.
fn path_with_id(route: Route) -> BoxedFilter<(i64,)> {
    let (before, after) = route.path.split_once("{id}").unwrap_or((route.path, ""));
    segments(before)
        .and(warp::path::param::<i64>())
        .and(segments(after))
        .and(warp::path::end())
        .boxed()
}

/// The last route of a path: whatever method got here is not one the path has.
fn method_not_allowed(
    allow: &'static str,
) -> impl Filter<Extract = (Response,), Error = Rejection> + Clone {
    warp::any().and_then(move || async move {
        Err::<Response, _>(warp::reject::custom(MethodNotAllowed { allow }))
    })
}

/// Responses carrying a user's data or a token must not be cached.
fn no_store(mut response: Response) -> Response {
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

fn security_headers(mut response: Response) -> Response {
    let headers = response.headers_mut();
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers
        .entry(header::CACHE_CONTROL)
        .or_insert(HeaderValue::from_static("no-store"));
    response
}
