//! Logs and metrics: one log line and one set of metrics per request.
//!
//! A request's line carries its method, route template (never raw ids or
//! query strings), status, latency, request id and, once known, the user id.
//! Tokens, passwords and hashes never reach a log line: nothing here reads
//! headers other than `X-Request-Id`, or bodies.

use std::io::IsTerminal;
use std::time::Instant;

use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use taskcore::routes::Route;
use warp::http::{HeaderMap, HeaderValue, Method};
use warp::reply::Response;

use crate::settings::LogFormat;

/// Response header that carries the request id.
pub const REQUEST_ID_HEADER: &str = "x-request-id";
/// Longest request id taken from a client.
const REQUEST_ID_MAX_LEN: usize = 128;
/// Latency histogram buckets, in seconds.
const LATENCY_BUCKETS: [f64; 12] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0,
];

pub const REQUESTS_TOTAL: &str = "taskd_http_requests_total";
pub const REQUEST_DURATION: &str = "taskd_http_request_duration_seconds";
pub const LOGIN_FAILURES_TOTAL: &str = "taskd_login_failures_total";
pub const REFRESH_TOKEN_REUSE_TOTAL: &str = "taskd_refresh_token_reuse_total";
pub const RATE_LIMITED_TOTAL: &str = "taskd_rate_limited_total";
pub const POOL_CONNECTIONS: &str = "taskd_db_pool_connections";
pub const PASSWORD_QUEUE_FULL_TOTAL: &str = "taskd_password_queue_full_total";

/// Libraries that log what they are given at debug or below: tokio-postgres
/// logs every query's parameters (emails, password hashes, token hashes).
/// They stay at info whatever `RUST_LOG` says, so no level shows a secret.
const QUIET_TARGETS: [&str; 2] = ["tokio_postgres=info", "postgres=info"];

/// Sets up logging to stdout, as text for people or JSON for collectors.
pub fn init_logging(format: LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let filter = QUIET_TARGETS
        .iter()
        .fold(filter, |filter, directive| match directive.parse() {
            Ok(directive) => filter.add_directive(directive),
            Err(_) => filter,
        });
    // Colour only for people at a terminal, and never when NO_COLOR is set.
    let colour = std::io::stdout().is_terminal()
        && std::env::var_os("NO_COLOR").is_none_or(|value| value.is_empty());
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(colour);
    match format {
        LogFormat::Text => builder.init(),
        LogFormat::Json => builder.json().flatten_event(true).init(),
    }
}

/// Installs the process-wide metrics recorder and describes the metrics.
pub fn init_metrics() -> Result<PrometheusHandle, String> {
    let handle = PrometheusBuilder::new()
        .set_buckets_for_metric(Matcher::Full(REQUEST_DURATION.to_owned()), &LATENCY_BUCKETS)
        .map_err(|error| format!("configuring metrics: {error}"))?
        .install_recorder()
        .map_err(|error| format!("installing the metrics recorder: {error}"))?;
    metrics::describe_counter!(
        REQUESTS_TOTAL,
        "HTTP requests by method, route template and status"
    );
    metrics::describe_histogram!(
        REQUEST_DURATION,
        metrics::Unit::Seconds,
        "HTTP request latency by method and route template"
    );
    metrics::describe_counter!(
        LOGIN_FAILURES_TOTAL,
        "Logins refused for a wrong email or password"
    );
    metrics::describe_counter!(
        REFRESH_TOKEN_REUSE_TOTAL,
        "Spent refresh tokens presented again; each revoked its session"
    );
    metrics::describe_counter!(
        RATE_LIMITED_TOTAL,
        "Requests refused with 429 by a brute-force limit"
    );
    metrics::describe_gauge!(
        POOL_CONNECTIONS,
        "Database pool connections by state (in_use, idle)"
    );
    Ok(handle)
}

/// The client's `X-Request-Id` when it is sane (1 to 128 characters of
/// letters, digits and `-_.:`), otherwise a fresh random one.
pub fn request_id(headers: &HeaderMap) -> HeaderValue {
    let given = headers
        .get(REQUEST_ID_HEADER)
        .and_then(|value| value.to_str().ok())
        .filter(|id| {
            !id.is_empty()
                && id.len() <= REQUEST_ID_MAX_LEN
                && id
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b':'))
        });
    match given.and_then(|id| HeaderValue::from_str(id).ok()) {
        Some(value) => value,
        None => HeaderValue::from_str(&format!("{:032x}", rand::random::<u128>()))
            .unwrap_or(HeaderValue::from_static("unknown")),
    }
}

/// The user a response was made for, set by authenticated handlers.
#[derive(Debug, Clone, Copy)]
pub struct ResponseUser(pub i64);

/// Maps a request path to the template of the route that serves it, so logs
/// and metrics never fan out by id.
#[derive(Debug, Clone)]
pub struct RouteTemplates {
    prefix: String,
}

impl RouteTemplates {
    pub fn new(api_prefix: &str) -> Self {
        Self {
            prefix: api_prefix.to_owned(),
        }
    }

    pub fn template(&self, path: &str) -> String {
        if let Some(rest) = path.strip_prefix(self.prefix.as_str())
            && let Some(route) = Route::find(rest)
        {
            return format!("{}{}", self.prefix, route.path);
        }
        match path {
            "/health"
            | "/metrics"
            | "/openapi.json"
            | "/redoc"
            | "/redoc/redoc.standalone.js"
            | "/docs" => path.to_owned(),
            _ if path.starts_with("/docs/") => "/docs/{file}".to_owned(),
            "/.well-known/caldav" => path.to_owned(),
            _ if path.starts_with("/dav/") => dav_template(path),
            _ => "unmatched".to_owned(),
        }
    }
}

/// A CalDAV path as a route: the resource kind, never a user's ids or a
/// task's name.
fn dav_template(path: &str) -> String {
    let segments: Vec<&str> = path.trim_end_matches('/').split('/').collect();
    match segments.as_slice() {
        ["", "dav"] => "/dav/",
        ["", "dav", "principals", _] => "/dav/principals/{user}/",
        ["", "dav", "calendars", _] => "/dav/calendars/{user}/",
        ["", "dav", "calendars", _, _] => "/dav/calendars/{user}/{list}/",
        ["", "dav", "calendars", _, _, _] => "/dav/calendars/{user}/{list}/{object}",
        _ => "/dav/unmatched",
    }
    .to_owned()
}

/// Logs the request's line and records its metrics.
pub fn record(
    method: &Method,
    route: &str,
    response: &Response,
    request_id: &HeaderValue,
    started: Instant,
) {
    let elapsed = started.elapsed();
    let status = response.status().as_u16();
    let user_id = response
        .extensions()
        .get::<ResponseUser>()
        .map(|user| user.0);
    tracing::info!(
        target: "taskd::request",
        method = %method,
        route,
        status,
        latency_ms = elapsed.as_secs_f64() * 1000.0,
        request_id = request_id.to_str().unwrap_or_default(),
        user_id,
        "request"
    );
    // Clients may send any method name: only the standard ones become labels.
    let method_label = match *method {
        Method::GET
        | Method::POST
        | Method::PATCH
        | Method::DELETE
        | Method::PUT
        | Method::HEAD
        | Method::OPTIONS => method.as_str(),
        _ => "OTHER",
    };
    let labels = [
        ("method", method_label.to_owned()),
        ("route", route.to_owned()),
        ("status", status.to_string()),
    ];
    metrics::counter!(REQUESTS_TOTAL, &labels).increment(1);
    metrics::histogram!(REQUEST_DURATION, &labels[..2]).record(elapsed.as_secs_f64());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_map_to_bounded_templates() {
        let routes = RouteTemplates::new("/api/v1");
        assert_eq!(routes.template("/api/v1/tasks/42"), "/api/v1/tasks/{id}");
        assert_eq!(routes.template("/api/v1/tasks"), "/api/v1/tasks");
        for auth in ["register", "login", "refresh", "logout", "password", "me"] {
            let path = format!("/api/v1/auth/{auth}");
            assert_eq!(routes.template(&path), path);
        }
        assert_eq!(routes.template("/api/v1/tasks/42/x"), "unmatched");
        assert_eq!(routes.template("/docs/swagger-ui.css"), "/docs/{file}");
        assert_eq!(routes.template("/health"), "/health");
        assert_eq!(routes.template("/wp-admin"), "unmatched");
    }

    #[test]
    fn sane_request_ids_are_kept_and_others_replaced() {
        let mut headers = HeaderMap::new();
        headers.insert(REQUEST_ID_HEADER, HeaderValue::from_static("abc-123.x:y_z"));
        assert_eq!(request_id(&headers), "abc-123.x:y_z");
        headers.insert(
            REQUEST_ID_HEADER,
            HeaderValue::from_static("bad id\"<script>"),
        );
        let replaced = request_id(&headers);
        assert_eq!(replaced.len(), 32);
        headers.insert(
            REQUEST_ID_HEADER,
            HeaderValue::from_str(&"a".repeat(129)).expect("header"),
        );
        assert_eq!(request_id(&headers).len(), 32);
        assert_eq!(request_id(&HeaderMap::new()).len(), 32);
    }
}
