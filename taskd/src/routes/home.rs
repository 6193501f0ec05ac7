//! `/` for a browser: a small page saying what this server is and linking
//! to the API's documentation and to the README taskd was built with
//! (served at `/README.md`). A client that does not ask for HTML gets the
//! JSON 404 it always got.

use warp::Filter;
use warp::filters::BoxedFilter;
use warp::reply::Response;

use super::docs::{locked_down, with_type};

/// The README this binary was built with.
const README: &str = include_str!("../../../README.md");

const HOME_PAGE: &str = "<!DOCTYPE html>
<html lang=\"en\">
<head>
<meta charset=\"utf-8\">
<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">
<title>taskd</title>
</head>
<body>
<h1>taskd</h1>
<p>This is a taskd server: a personal task manager. Its JSON API is under
<code>/api/v1</code>; use it with <code>taskctl</code>, the terminal client,
or from your own programs.</p>
<ul>
<li><a href=\"/docs/\">The API, to try in the browser</a> (Swagger UI)</li>
<li><a href=\"/redoc\">The API, to read</a> (ReDoc)</li>
<li><a href=\"/openapi.json\">The OpenAPI document</a></li>
<li><a href=\"/README.md\">The README</a>: what taskd does and does not do, taskctl, configuration</li>
</ul>
</body>
</html>
";

pub fn routes() -> BoxedFilter<(Response,)> {
    let home = warp::path::end()
        .and(warp::get())
        .and(warp::header::optional::<String>("accept"))
        .and_then(|accept: Option<String>| async move {
            if accept.as_deref().is_some_and(wants_html) {
                Ok(with_type(HOME_PAGE, "text/html; charset=utf-8"))
            } else {
                // A JSON client: the 404 it always got.
                Err(warp::reject::not_found())
            }
        });
    let readme = warp::path!("README.md")
        .and(warp::get())
        .map(|| with_type(README, "text/plain; charset=utf-8"));
    home.or(readme).unify().map(locked_down).boxed()
}

/// Whether an `Accept` header asks for HTML (with a weight above zero).
fn wants_html(accept: &str) -> bool {
    accept.split(',').any(|range| {
        let mut parts = range.split(';').map(str::trim);
        let media = parts.next().unwrap_or_default();
        let refused = parts.any(|parameter| {
            parameter
                .strip_prefix("q=")
                .and_then(|weight| weight.parse::<f32>().ok())
                .is_some_and(|weight| weight <= 0.0)
        });
        media.eq_ignore_ascii_case("text/html") && !refused
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_client_asking_for_html_gets_the_page() {
        assert!(wants_html(
            "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
        ));
        assert!(wants_html("TEXT/HTML"));
        assert!(!wants_html("application/json"));
        assert!(!wants_html("*/*"));
        assert!(!wants_html("text/html;q=0"));
    }
}
