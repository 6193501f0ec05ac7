//! Every route, assembled: `{API_V1_PREFIX}/…`, `/health`, the docs, and `/`
//! for a browser.
//!
//! Filters run in a fixed order: path, method, auth, body, shared state.
//! Handlers are attached with `.then` so their errors become responses
//! directly; each path ends in a fallback that rejects with the methods it
//! allows, so a wrong method answers 405 with `Allow` and an unknown path 404.

pub(crate) mod auth;
mod docs;
pub(crate) mod health;
mod home;
pub(crate) mod lists;
pub(crate) mod portability;
pub(crate) mod repeating;
mod responses;
pub(crate) mod sessions;
pub(crate) mod sync;
pub(crate) mod tasks;
pub(crate) mod tokens;
mod wiring;

use std::time::Instant;

use metrics_exporter_prometheus::PrometheusHandle;

use warp::Filter;
use warp::filters::BoxedFilter;
use warp::http::{HeaderValue, header};
use warp::reply::Response;

pub use self::docs::Docs;
use self::wiring::no_store;
use crate::cors::Cors;
use crate::problem;
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
                .or(sessions::routes(state.clone()))
                .unify()
                .or(tokens::routes(state.clone()))
                .unify()
                .or(tasks::routes(state.clone()))
                .unify()
                .or(repeating::routes(state.clone()))
                .unify()
                .or(lists::routes(state.clone()))
                .unify()
                .or(sync::routes(state.clone()))
                .unify()
                .or(portability::routes(state.clone()))
                .unify()
                .or(health::route(state.clone()))
                .unify(),
        )
        .map(no_store);
    let state_for_dav = state.clone();
    let routes = api
        .or(health::route(state.clone()).map(no_store))
        .unify()
        .or(health::metrics_route(state, metrics))
        .unify()
        .or(docs::routes(docs))
        .unify()
        .or(crate::dav::routes(state_for_dav))
        .unify()
        .or(home::routes())
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
