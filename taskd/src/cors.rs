//! CORS with an allow-list of origins.
//!
//! Browsers enforce CORS; the server only grants or withholds the headers.
//! warp's own `cors()` filter instead refuses (403) every request whose
//! `Origin` is not listed, including same-origin POSTs from the Swagger page
//! when it is opened under an address missing from the list. So listed
//! origins get `Access-Control-Allow-Origin`, other requests are served
//! without it, and only preflights from unlisted origins are refused.

use std::sync::Arc;

use warp::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use warp::reply::Response;
use warp::{Filter, Rejection, Reply};

use crate::settings::Origins;

const ALLOWED_METHODS: &str = "GET, POST, PATCH, DELETE, OPTIONS";
const ALLOWED_HEADERS: [&str; 8] = [
    "accept",
    "accept-language",
    "authorization",
    "content-type",
    "idempotency-key",
    "if-match",
    "if-none-match",
    "x-request-id",
];
const EXPOSED_HEADERS: &str =
    "ETag, Idempotent-Replayed, Link, Location, Retry-After, X-Request-Id, X-Total-Count";
const PREFLIGHT_MAX_AGE_SECONDS: &str = "600";

#[derive(Clone, Debug)]
pub struct Cors {
    origins: Arc<[HeaderValue]>,
}

impl Cors {
    pub fn new(origins: &Origins) -> Self {
        let origins = origins
            .0
            .iter()
            .filter_map(|origin| HeaderValue::from_str(origin).ok())
            .collect();
        Self { origins }
    }

    fn allows(&self, origin: &HeaderValue) -> bool {
        self.origins.iter().any(|allowed| allowed == origin)
    }

    /// Answers preflight requests (`OPTIONS` with `Origin` and
    /// `Access-Control-Request-Method`); rejects everything else untouched.
    pub fn preflight(self) -> impl Filter<Extract = (Response,), Error = Rejection> + Clone {
        warp::options()
            .and(warp::header::headers_cloned())
            .and_then(move |headers: HeaderMap| {
                let cors = self.clone();
                async move {
                    let origin = headers.get(header::ORIGIN);
                    let requested = headers.get(header::ACCESS_CONTROL_REQUEST_METHOD);
                    match (origin, requested) {
                        (Some(origin), Some(requested)) => {
                            Ok(cors.answer_preflight(origin, requested, &headers))
                        }
                        _ => Err(warp::reject::not_found()),
                    }
                }
            })
    }

    fn answer_preflight(
        &self,
        origin: &HeaderValue,
        requested: &HeaderValue,
        headers: &HeaderMap,
    ) -> Response {
        if !self.allows(origin) {
            return refuse("Disallowed CORS origin");
        }
        let method_allowed = requested
            .to_str()
            .ok()
            .and_then(|name| name.parse::<Method>().ok())
            .is_some_and(|method| {
                ALLOWED_METHODS
                    .split(", ")
                    .any(|allowed| allowed == method.as_str())
            });
        if !method_allowed {
            return refuse("Disallowed CORS method");
        }
        let requested_headers = headers
            .get(header::ACCESS_CONTROL_REQUEST_HEADERS)
            .map(|value| value.to_str().unwrap_or("\u{0}").to_ascii_lowercase())
            .unwrap_or_default();
        let headers_allowed = requested_headers
            .split(',')
            .map(str::trim)
            .filter(|name| !name.is_empty())
            .all(|name| ALLOWED_HEADERS.contains(&name));
        if !headers_allowed {
            return refuse("Disallowed CORS headers");
        }
        let mut response = StatusCode::NO_CONTENT.into_response();
        let headers = response.headers_mut();
        headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin.clone());
        headers.insert(
            header::ACCESS_CONTROL_ALLOW_METHODS,
            HeaderValue::from_static(ALLOWED_METHODS),
        );
        headers.insert(
            header::ACCESS_CONTROL_ALLOW_HEADERS,
            HeaderValue::from_str(&ALLOWED_HEADERS.join(", "))
                .unwrap_or(HeaderValue::from_static("authorization")),
        );
        headers.insert(
            header::ACCESS_CONTROL_MAX_AGE,
            HeaderValue::from_static(PREFLIGHT_MAX_AGE_SECONDS),
        );
        headers.insert(header::VARY, HeaderValue::from_static("Origin"));
        response
    }

    /// Adds the CORS headers of an actual (non-preflight) request.
    pub fn decorate(&self, origin: Option<&HeaderValue>, mut response: Response) -> Response {
        let headers = response.headers_mut();
        headers.insert(header::VARY, HeaderValue::from_static("Origin"));
        if let Some(origin) = origin.filter(|origin| self.allows(origin)) {
            headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin.clone());
            headers.insert(
                header::ACCESS_CONTROL_EXPOSE_HEADERS,
                HeaderValue::from_static(EXPOSED_HEADERS),
            );
        }
        response
    }
}

fn refuse(detail: &str) -> Response {
    let body = serde_json::json!({ "detail": detail });
    warp::reply::with_status(warp::reply::json(&body), StatusCode::BAD_REQUEST).into_response()
}
