//! Every route, assembled: `{API_V1_PREFIX}/…`, `/health`, and the docs.
//!
//! Filters run in a fixed order: path, method, auth, body, shared state.
//! Handlers are attached with `.then` so their errors become responses
//! directly; each path ends in a fallback that rejects with the methods it
//! allows, so a wrong method answers 405 with `Allow` and an unknown path 404.

pub(crate) mod auth;
mod docs;
pub(crate) mod health;
pub(crate) mod tasks;

use std::convert::Infallible;
use std::time::Instant;

use warp::filters::BoxedFilter;
use warp::http::{HeaderValue, header};
use warp::reply::Response;
use warp::{Filter, Rejection};

pub use self::docs::Docs;
use crate::cors::Cors;
use crate::problem::{self, MethodNotAllowed};
use crate::state::AppState;

/// The whole application as one filter that always answers.
pub fn app(
    state: AppState,
    prefix_segments: &[String],
    docs: docs::Docs,
    cors: Cors,
) -> BoxedFilter<(Response,)> {
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
                .or(health::route(state.clone()))
                .unify(),
        )
        .map(no_store);
    let routes = api
        .or(health::route(state).map(no_store))
        .unify()
        .or(docs::routes(docs))
        .unify()
        .recover(problem::recover)
        .unify();

    let started = warp::any().map(Instant::now);
    let preflight = cors.clone().preflight();
    let served = started
        .and(warp::method())
        .and(warp::path::full())
        .and(origin())
        .and(routes)
        .map(
            move |started: Instant,
                  method,
                  path: warp::path::FullPath,
                  origin: Option<HeaderValue>,
                  response| {
                let response = cors.decorate(origin.as_ref(), response);
                log_request(&method, path.as_str(), &response, started);
                response
            },
        );
    preflight.or(served).unify().map(security_headers).boxed()
}

/// The request's `Origin`, if any, whatever bytes it holds.
fn origin() -> impl Filter<Extract = (Option<HeaderValue>,), Error = Infallible> + Clone {
    warp::header::value("origin")
        .map(Some)
        .or(warp::any().map(|| None))
        .unify()
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

fn log_request(method: &warp::http::Method, path: &str, response: &Response, started: Instant) {
    tracing::info!(
        target: "taskd::request",
        method = %method,
        path,
        status = response.status().as_u16(),
        latency_ms = started.elapsed().as_secs_f64() * 1000.0,
        "request"
    );
}
