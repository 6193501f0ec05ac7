//! `/health`: liveness and database readiness, for probes.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use tokio::sync::watch;

use metrics_exporter_prometheus::PrometheusHandle;
use serde::Serialize;
use warp::filters::BoxedFilter;
use warp::http::{HeaderValue, StatusCode, header};
use warp::reply::Response;
use warp::{Filter, Reply};

use taskcore::routes::{self, HEALTH};

use super::wiring::{method_not_allowed, path};
use crate::filters::with_state;
use crate::state::{AppState, blocking};
use crate::telemetry::POOL_CONNECTIONS;

/// How long the database may take to answer a health check.
const DATABASE_TIMEOUT: Duration = Duration::from_secs(2);

/// The database check in flight, if any. Probes that arrive while one runs
/// share its answer instead of each queueing a query of their own; a probe
/// that arrives after it ended runs a new one, so the answer is never
/// older than the probe's own request.
#[derive(Debug, Clone, Default)]
pub struct Checks(Arc<Mutex<Option<watch::Receiver<Option<bool>>>>>);

impl Checks {
    /// Whether the database answers a check that ran during this call.
    async fn database_answers(&self, state: &AppState) -> bool {
        loop {
            if let Some(healthy) = self.check_or_share(state).await {
                return healthy;
            }
        }
    }

    /// Runs a check, or shares the one running; `None` when the shared one
    /// was dropped unanswered (its probe hung up), so that a new one runs.
    async fn check_or_share(&self, state: &AppState) -> Option<bool> {
        let running = {
            let mut slot = self.0.lock().unwrap_or_else(PoisonError::into_inner);
            match slot.as_ref() {
                Some(running) => Err(running.clone()),
                None => {
                    let (done, running) = watch::channel(None);
                    *slot = Some(running);
                    Ok(done)
                }
            }
        };
        match running {
            Ok(done) => {
                // However this call ends (its probe may hang up), the next
                // probe finds no check in flight and runs its own.
                let _ends = Ends(&self.0);
                let store = state.store.clone();
                let answered =
                    tokio::time::timeout(DATABASE_TIMEOUT, blocking(move || store.ping())).await;
                let healthy = matches!(answered, Ok(Ok(())));
                let _ = done.send(Some(healthy));
                Some(healthy)
            }
            Err(mut running) => match running.wait_for(Option::is_some).await {
                Ok(answer) => *answer,
                Err(_) => None,
            },
        }
    }
}

/// Clears the check in flight when dropped.
struct Ends<'a>(&'a Mutex<Option<watch::Receiver<Option<bool>>>>);

impl Drop for Ends<'_> {
    fn drop(&mut self) {
        *self.0.lock().unwrap_or_else(PoisonError::into_inner) = None;
    }
}

pub fn route(state: AppState) -> BoxedFilter<(Response,)> {
    let checks = Checks::default();
    path(HEALTH)
        .and(
            warp::get()
                .and(with_state(state))
                .and(warp::any().map(move || checks.clone()))
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
///
/// Probes that arrive while a database check runs share its answer.
#[utoipa::path(
    get, path = routes::HEALTH.path, tag = "health",
    responses(
        (status = 200, description = "Up, database answering", body = HealthReport),
        (status = 503, description = "Database not answering", body = HealthReport),
    )
)]
pub async fn health(state: AppState, checks: Checks) -> Response {
    let healthy = checks.database_answers(&state).await;
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
