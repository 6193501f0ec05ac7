//! `/openapi.json`, `/docs` (Swagger UI) and `/redoc` (ReDoc), every byte
//! from the binary. The pages run on the origin where Swagger UI keeps the
//! bearer token, so they load nothing from elsewhere, say so in a
//! Content-Security-Policy, and refuse to be framed.

use std::sync::Arc;

use utoipa_swagger_ui::Config;
use warp::filters::BoxedFilter;
use warp::http::{HeaderValue, StatusCode, Uri, header};
use warp::path::{FullPath, Tail};
use warp::reply::Response;
use warp::{Filter, Reply};

use super::wiring::method_not_allowed;

/// ReDoc's standalone bundle, vendored with its licences in `assets/redoc/`.
const REDOC_SCRIPT: &[u8] = include_bytes!("../../assets/redoc/redoc.standalone.js");

/// What the documentation pages may load: only from this origin. Both UIs
/// set inline styles; ReDoc runs its search in a worker made from a blob.
const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; \
    style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; \
    connect-src 'self'; worker-src 'self' blob:; base-uri 'none'; form-action 'self'; \
    frame-ancestors 'none'";

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
        let redoc_html = redoc_page(&openapi.info.title);
        let swagger = Config::new(["/openapi.json"])
            .try_it_out_enabled(true)
            .persist_authorization(true)
            // The default asks an online validator about the spec.
            .validator_url("none");
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
    let redoc_script = warp::path!("redoc" / "redoc.standalone.js").and(
        warp::get()
            .map(|| {
                let mut response =
                    with_type(REDOC_SCRIPT.to_vec(), "text/javascript; charset=utf-8");
                response
                    .headers_mut()
                    .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
                response
            })
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
    spec.or(redoc)
        .unify()
        .or(redoc_script)
        .unify()
        .or(swagger)
        .unify()
        .map(locked_down)
        .boxed()
}

/// The page that shows the spec with ReDoc, from the vendored bundle.
fn redoc_page(title: &str) -> String {
    let title = title
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;");
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{title} – ReDoc</title>\n</head>\n<body>\n\
         <redoc spec-url=\"/openapi.json\"></redoc>\n\
         <script src=\"/redoc/redoc.standalone.js\"></script>\n</body>\n</html>\n"
    )
}

/// Every documentation response: its content policy, and never in a frame.
pub(super) fn locked_down(mut response: Response) -> Response {
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CONTENT_SECURITY_POLICY),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    response
}

pub(super) fn with_type(body: impl Reply, content_type: &'static str) -> Response {
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
