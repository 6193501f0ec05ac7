//! `/openapi.json`, `/docs` (Swagger UI, embedded) and `/redoc`.

use std::sync::Arc;

use utoipa_swagger_ui::Config;
use warp::filters::BoxedFilter;
use warp::http::{HeaderValue, StatusCode, Uri, header};
use warp::path::{FullPath, Tail};
use warp::reply::Response;
use warp::{Filter, Reply};

use super::method_not_allowed;

/// Pre-rendered documentation, built once at start-up.
#[derive(Clone)]
pub struct Docs {
    openapi_json: Arc<str>,
    redoc_html: Arc<str>,
    swagger: Arc<Config<'static>>,
}

impl std::fmt::Debug for Docs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Docs").finish_non_exhaustive()
    }
}

impl Docs {
    pub fn new(openapi: &utoipa::openapi::OpenApi) -> Result<Self, serde_json::Error> {
        let openapi_json: Arc<str> = openapi.to_json()?.into();
        let redoc_html = utoipa_redoc::Redoc::new(serde_json::to_value(openapi)?).to_html();
        let swagger = Config::new(["/openapi.json"])
            .try_it_out_enabled(true)
            .persist_authorization(true);
        Ok(Self {
            openapi_json,
            redoc_html: redoc_html.into(),
            swagger: Arc::new(swagger),
        })
    }
}

pub fn routes(docs: Docs) -> BoxedFilter<(Response,)> {
    let openapi_json = docs.openapi_json.clone();
    let spec = warp::path!("openapi.json").and(
        warp::get()
            .map(move || with_type(openapi_json.to_string(), "application/json"))
            .or(method_not_allowed("GET"))
            .unify(),
    );
    let redoc_html = docs.redoc_html.clone();
    let redoc = warp::path!("redoc").and(
        warp::get()
            .map(move || with_type(redoc_html.to_string(), "text/html; charset=utf-8"))
            .or(method_not_allowed("GET"))
            .unify(),
    );
    let swagger_config = docs.swagger.clone();
    let swagger = warp::path("docs").and(
        warp::get()
            .and(warp::path::full())
            .and(warp::path::tail())
            .map(move |full: FullPath, tail: Tail| {
                swagger_file(full.as_str(), tail.as_str(), &swagger_config)
            })
            .or(method_not_allowed("GET"))
            .unify(),
    );
    spec.or(redoc).unify().or(swagger).unify().boxed()
}

fn with_type(body: String, content_type: &'static str) -> Response {
    let mut response = body.into_response();
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    response
}

fn swagger_file(full_path: &str, tail: &str, config: &Arc<Config<'static>>) -> Response {
    // The UI loads its assets by relative URL: it must be served from `/docs/`.
    if full_path == "/docs" {
        return warp::redirect::see_other(Uri::from_static("/docs/")).into_response();
    }
    match utoipa_swagger_ui::serve(tail, config.clone()) {
        Ok(Some(file)) => {
            let mut response = file.bytes.to_vec().into_response();
            let headers = response.headers_mut();
            if let Ok(value) = HeaderValue::from_str(&file.content_type) {
                headers.insert(header::CONTENT_TYPE, value);
            }
            headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
            if file.gzpipped {
                headers.insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
            }
            response
        }
        Ok(None) => not_found(),
        Err(error) => {
            tracing::error!(%error, "serving Swagger UI");
            warp::reply::with_status("Swagger UI unavailable", StatusCode::INTERNAL_SERVER_ERROR)
                .into_response()
        }
    }
}

fn not_found() -> Response {
    let body = serde_json::json!({"detail": "Not Found"});
    warp::reply::with_status(warp::reply::json(&body), StatusCode::NOT_FOUND).into_response()
}
