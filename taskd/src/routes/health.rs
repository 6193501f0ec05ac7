//! `/health`: liveness and database readiness, for probes.

use std::time::Duration;

use metrics_exporter_prometheus::PrometheusHandle;
use serde::Serialize;
use warp::filters::BoxedFilter;
use warp::http::{HeaderValue, StatusCode, header};
use warp::reply::Response;
use warp::{Filter, Reply};

use taskcore::routes::{self, HEALTH};

use super::{method_not_allowed, path};
use crate::filters::with_state;
use crate::state::{AppState, blocking};
use crate::telemetry::POOL_CONNECTIONS;

/// How long the database may take to answer a health check.
const DATABASE_TIMEOUT: Duration = Duration::from_secs(2);

pub fn route(state: AppState) -> BoxedFilter<(Response,)> {
    path(HEALTH)
        .and(
            warp::get()
                .and(with_state(state))
                .then(health)
                .or(method_not_allowed(HEALTH.allow))
                .unify(),
        )
        .boxed()
}

/// Health report.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct HealthReport {
    /// `ok`, or `unavailable` when the database does not answer.
    #[schema(example = "ok")]
    pub status: &'static str,
    /// `ok` or `unavailable`.
    #[schema(example = "ok")]
    pub database: &'static str,
    /// taskd's version.
    #[schema(example = "0.1.0")]
    pub version: &'static str,
}

/// Is the service up and its database answering? Also served at `/health`.
#[utoipa::path(
    get, path = routes::HEALTH.path, tag = "health",
    responses(
        (status = 200, description = "Up, database answering", body = HealthReport),
        (status = 503, description = "Database not answering", body = HealthReport),
    )
)]
pub async fn health(state: AppState) -> Response {
    let store = state.store.clone();
    let answered = tokio::time::timeout(DATABASE_TIMEOUT, blocking(move || store.ping())).await;
    let healthy = matches!(answered, Ok(Ok(())));
    if !healthy {
        tracing::warn!("health check: database not answering");
    }
    let (status, code) = if healthy {
        ("ok", StatusCode::OK)
    } else {
        ("unavailable", StatusCode::SERVICE_UNAVAILABLE)
    };
    let report = HealthReport {
        status,
        database: status,
        version: env!("CARGO_PKG_VERSION"),
    };
    warp::reply::with_status(warp::reply::json(&report), code).into_response()
}

/// `GET /metrics`: Prometheus text format.
pub fn metrics_route(state: AppState, handle: PrometheusHandle) -> BoxedFilter<(Response,)> {
    warp::path!("metrics")
        .and(
            warp::get()
                .map(move || {
                    let pool = state.store.pool_status();
                    metrics::gauge!(POOL_CONNECTIONS, "state" => "in_use")
                        .set(f64::from(pool.in_use));
                    metrics::gauge!(POOL_CONNECTIONS, "state" => "idle").set(f64::from(pool.idle));
                    let mut response = handle.render().into_response();
                    response.headers_mut().insert(
                        header::CONTENT_TYPE,
                        HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
                    );
                    response
                })
                .or(method_not_allowed("GET"))
                .unify(),
        )
        .boxed()
}
