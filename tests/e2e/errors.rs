//! Error statuses and the headers every response carries.

use serde_json::{Value, json};
use taskd_tests::{Server, client};

taskd_tests::on_both_backends! {
async fn unknown_path_is_json_404_and_wrong_method_is_405_with_allow() {
    let server = Server::start();
    for path in [
        "/api/v1/nope",
        "/api/v1/tasks/1/extra",
        "/nope",
        "/api/v2/tasks",
    ] {
        let response = client()
            .get(format!("{}{path}", server.base))
            .send()
            .await
            .expect("request");
        assert_eq!(response.status(), 404, "{path}");
        assert_eq!(
            response.json::<Value>().await.expect("JSON"),
            json!({"detail": "Not Found"})
        );
    }
    let cases = [
        ("PUT", "/api/v1/tasks/1", "GET, PATCH, DELETE"),
        ("DELETE", "/api/v1/tasks", "GET, POST"),
        ("GET", "/api/v1/auth/login", "POST"),
        ("GET", "/api/v1/auth/register", "POST"),
        ("POST", "/api/v1/auth/me", "GET, PATCH, DELETE"),
        ("GET", "/api/v1/auth/refresh", "POST"),
        ("GET", "/api/v1/auth/logout", "POST"),
        ("DELETE", "/api/v1/auth/password", "POST"),
        ("POST", "/health", "GET"),
        ("POST", "/api/v1/health", "GET"),
        ("DELETE", "/openapi.json", "GET"),
    ];
    for (method, path, allow) in cases {
        let method = reqwest::Method::from_bytes(method.as_bytes()).expect("method");
        let response = client()
            .request(method.clone(), format!("{}{path}", server.base))
            .send()
            .await
            .expect("request");
        assert_eq!(response.status(), 405, "{method} {path}");
        assert_eq!(response.headers()["allow"], allow, "{method} {path}");
        assert_eq!(
            response.json::<Value>().await.expect("JSON"),
            json!({"detail": "Method Not Allowed"})
        );
    }
}
}

taskd_tests::on_both_backends! {
async fn malformed_json_is_422_and_wrong_content_type_415() {
    let server = Server::start();
    let url = format!("{}/auth/register", server.api);
    let malformed = client()
        .post(&url)
        .header("content-type", "application/json")
        .body("{\"email\": ")
        .send()
        .await
        .expect("request");
    assert_eq!(malformed.status(), 422);
    let body: Value = malformed.json().await.expect("JSON");
    assert_eq!(body["detail"][0]["type"], "json_invalid");
    assert_eq!(body["detail"][0]["loc"], json!(["body"]));

    let empty = client()
        .post(&url)
        .header("content-type", "application/json")
        .send()
        .await
        .expect("request");
    assert_eq!(empty.status(), 422);
    let body: Value = empty.json().await.expect("JSON");
    assert_eq!(body["detail"][0]["type"], "missing");
    assert_eq!(body["detail"][0]["loc"], json!(["body"]));

    let text = client()
        .post(&url)
        .header("content-type", "text/plain")
        .body("{}")
        .send()
        .await
        .expect("request");
    assert_eq!(text.status(), 415);
    assert!(text.json::<Value>().await.expect("JSON")["detail"].is_string());

    let login_xml = client()
        .post(format!("{}/auth/login", server.api))
        .header("content-type", "application/xml")
        .body("<login/>")
        .send()
        .await
        .expect("request");
    assert_eq!(login_xml.status(), 415);
}
}

taskd_tests::on_both_backends! {
async fn bodies_over_one_mebibyte_are_413() {
    let server = Server::start();
    let account = server.account("big").await;
    let huge = json!({"title": "x", "description": "d".repeat(1024 * 1024)});
    let response = server.create_task(&account, huge).await;
    assert_eq!(response.status(), 413);
    assert!(response.json::<Value>().await.expect("JSON")["detail"].is_string());
}
}

taskd_tests::on_both_backends! {
async fn every_response_is_json_nosniff_no_store_and_has_no_server_banner() {
    let server = Server::start();
    let account = server.account("headers").await;
    let requests = [
        client()
            .get(format!("{}/tasks", server.api))
            .header("authorization", account.bearer()),
        client().get(format!("{}/tasks", server.api)),
        client()
            .get(format!("{}/tasks/424242", server.api))
            .header("authorization", account.bearer()),
        client().put(format!("{}/tasks", server.api)),
        client().get(format!("{}/nowhere", server.api)),
        client().get(format!("{}/health", server.base)),
        client()
            .post(format!("{}/auth/register", server.api))
            .json(&json!({})),
    ];
    for request in requests {
        let response = request.send().await.expect("request");
        let url = response.url().to_string();
        let headers = response.headers();
        assert_eq!(headers["content-type"], "application/json", "{url}");
        assert_eq!(headers["x-content-type-options"], "nosniff", "{url}");
        assert_eq!(headers["cache-control"], "no-store", "{url}");
        assert!(headers.get("server").is_none(), "{url}");
    }
}
}

taskd_tests::on_both_backends! {
async fn health_reports_database_and_version_at_both_paths() {
    let server = Server::start();
    for url in [
        format!("{}/health", server.base),
        format!("{}/health", server.api),
    ] {
        let response = client().get(&url).send().await.expect("request");
        assert_eq!(response.status(), 200);
        let body: Value = response.json().await.expect("JSON");
        assert_eq!(body["status"], "ok");
        assert_eq!(body["database"], "ok");
        assert_eq!(body["version"], env!("CARGO_PKG_VERSION"));
    }
}
}

taskd_tests::on_both_backends! {
async fn docs_are_served_from_the_binary_and_the_schema_matches_the_routes() {
    let server = Server::start();
    let spec: Value = client()
        .get(format!("{}/openapi.json", server.base))
        .send()
        .await
        .expect("request")
        .json()
        .await
        .expect("JSON");
    assert!(
        spec["openapi"]
            .as_str()
            .expect("version")
            .starts_with("3.1")
    );
    let mut paths: Vec<_> = spec["paths"]
        .as_object()
        .expect("paths")
        .keys()
        .cloned()
        .collect();
    paths.sort();
    assert_eq!(
        paths,
        [
            "/api/v1/auth/login",
            "/api/v1/auth/logout",
            "/api/v1/auth/me",
            "/api/v1/auth/password",
            "/api/v1/auth/refresh",
            "/api/v1/auth/register",
            "/api/v1/auth/registration",
            "/api/v1/auth/sessions",
            "/api/v1/auth/sessions/{id}",
            "/api/v1/auth/tokens",
            "/api/v1/auth/tokens/{id}",
            "/api/v1/changes",
            "/api/v1/export",
            "/api/v1/health",
            "/api/v1/import",
            "/api/v1/lists",
            "/api/v1/lists/{id}",
            "/api/v1/tags",
            "/api/v1/tasks",
            "/api/v1/tasks/{id}",
            "/api/v1/tasks/{id}/completions",
            "/api/v1/tasks/{id}/skip",
            "/api/v1/tasks/{id}/uncomplete",
            "/api/v1/trash",
            "/api/v1/trash/{id}",
            "/api/v1/trash/{id}/restore"
        ]
    );
    assert_eq!(
        spec["components"]["securitySchemes"]["bearerAuth"]["scheme"],
        "bearer"
    );
    assert_eq!(
        spec["components"]["securitySchemes"]["OAuth2PasswordBearer"]["flows"]["password"]["tokenUrl"],
        "/api/v1/auth/login"
    );
    // The session model is documented: token fields, the new bodies, 429s.
    let schemas = &spec["components"]["schemas"];
    for field in ["refresh_token", "refresh_expires_in"] {
        assert!(schemas["Token"]["properties"][field].is_object(), "Token.{field}");
    }
    for schema in ["RefreshRequest", "PasswordChangeRequest", "AccountDelete", "Completion", "ReminderBody", "RepeatFrom"] {
        assert!(schemas[schema].is_object(), "{schema}");
    }
    let paths = &spec["paths"];
    for (path, method) in [
        ("/api/v1/auth/login", "post"),
        ("/api/v1/auth/register", "post"),
        ("/api/v1/auth/password", "post"),
        ("/api/v1/auth/me", "delete"),
    ] {
        let limited = &paths[path][method]["responses"]["429"];
        assert!(
            limited["headers"]["Retry-After"].is_object(),
            "{method} {path}: {limited}"
        );
    }
    assert!(paths["/api/v1/auth/logout"]["post"]["responses"]["204"].is_object());
    assert!(paths["/api/v1/auth/refresh"]["post"]["responses"]["401"].is_object());

    // Swagger UI: the page and its script come from the binary (no network here).
    let page = client()
        .get(format!("{}/docs/", server.base))
        .send()
        .await
        .expect("request");
    assert_eq!(page.status(), 200);
    assert!(page.text().await.expect("HTML").contains("swagger-ui"));
    let script = client()
        .get(format!("{}/docs/swagger-initializer.js", server.base))
        .send()
        .await
        .expect("request");
    assert!(script.text().await.expect("JS").contains("/openapi.json"));
    let bundle = client()
        .get(format!("{}/docs/swagger-ui-bundle.js", server.base))
        .send()
        .await
        .expect("request");
    assert_eq!(bundle.status(), 200);
    assert!(bundle.bytes().await.expect("JS").len() > 100_000);

    let redirect = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
        .get(format!("{}/docs", server.base))
        .send()
        .await
        .expect("request");
    assert_eq!(redirect.status(), 303);
    assert_eq!(redirect.headers()["location"], "/docs/");

    let redoc = client()
        .get(format!("{}/redoc", server.base))
        .send()
        .await
        .expect("request");
    assert_eq!(redoc.status(), 200);
    let html = redoc.text().await.expect("HTML");
    assert!(html.contains("<redoc spec-url=\"/openapi.json\">"), "{html}");
    // ReDoc's script comes from the binary too, not from a CDN.
    assert!(html.contains("<script src=\"/redoc/redoc.standalone.js\">"), "{html}");
    assert!(!html.contains("http://") && !html.contains("https://"), "{html}");
    let redoc_script = client()
        .get(format!("{}/redoc/redoc.standalone.js", server.base))
        .send()
        .await
        .expect("request");
    assert_eq!(redoc_script.status(), 200);
    assert!(redoc_script.bytes().await.expect("JS").len() > 500_000);
}
}

taskd_tests::on_both_backends! {
async fn docs_pages_load_nothing_from_elsewhere_and_refuse_frames() {
    let server = Server::start();
    for path in ["/docs/", "/docs/swagger-initializer.js", "/redoc", "/openapi.json"] {
        let response = client()
            .get(format!("{}{path}", server.base))
            .send()
            .await
            .expect("request");
        assert_eq!(response.status(), 200, "{path}");
        let headers = response.headers();
        assert_eq!(headers["x-frame-options"], "DENY", "{path}");
        let policy = headers["content-security-policy"].to_str().expect("ASCII");
        for rule in ["default-src 'none'", "script-src 'self'", "frame-ancestors 'none'"] {
            assert!(policy.contains(rule), "{path}: {policy}");
        }
    }
    // Swagger UI does not send the spec to an online validator.
    let initializer = client()
        .get(format!("{}/docs/swagger-initializer.js", server.base))
        .send()
        .await
        .expect("request")
        .text()
        .await
        .expect("JS");
    assert!(initializer.contains("\"validatorUrl\": \"none\""), "{initializer}");
}
}

#[tokio::test]
async fn a_browser_at_the_root_gets_a_page_of_links_and_a_json_client_a_404() {
    let server = Server::start();
    let get = |accept: &'static str| {
        client()
            .get(format!("{}/", server.base))
            .header("accept", accept)
            .send()
    };
    let page = get("text/html,application/xhtml+xml,*/*;q=0.8")
        .await
        .expect("request");
    assert_eq!(page.status(), 200);
    let headers = page.headers().clone();
    assert_eq!(headers["content-type"], "text/html; charset=utf-8");
    assert_eq!(headers["x-frame-options"], "DENY");
    assert!(
        headers["content-security-policy"]
            .to_str()
            .expect("ASCII")
            .contains("default-src 'none'")
    );
    let html = page.text().await.expect("HTML");
    for link in ["href=\"/docs/\"", "href=\"/redoc\"", "href=\"/README.md\""] {
        assert!(html.contains(link), "{link}: {html}");
    }
    // Every link on the page answers.
    for path in ["/docs/", "/redoc", "/README.md", "/openapi.json"] {
        let linked = client()
            .get(format!("{}{path}", server.base))
            .send()
            .await
            .expect("request");
        assert_eq!(linked.status(), 200, "{path}");
    }
    let readme = client()
        .get(format!("{}/README.md", server.base))
        .send()
        .await
        .expect("request");
    assert!(
        readme
            .text()
            .await
            .expect("text")
            .contains("What taskd does not do")
    );

    for accept in ["application/json", "*/*"] {
        let json = get(accept).await.expect("request");
        assert_eq!(json.status(), 404, "{accept}");
        let body: serde_json::Value = json.json().await.expect("JSON");
        assert_eq!(body["detail"], "Not Found", "{accept}");
    }
}

taskd_tests::on_both_backends! {
async fn cors_preflight_and_requests_honour_the_allow_list() {
    let server = Server::start();
    let url = format!("{}/tasks", server.api);
    let preflight = |origin: &str| {
        client()
            .request(reqwest::Method::OPTIONS, &url)
            .header("origin", origin)
            .header("access-control-request-method", "POST")
            .header(
                "access-control-request-headers",
                "authorization, content-type",
            )
    };
    let allowed = preflight("http://localhost:3000")
        .send()
        .await
        .expect("request");
    assert!(allowed.status().is_success());
    assert_eq!(
        allowed.headers()["access-control-allow-origin"],
        "http://localhost:3000"
    );
    let methods = allowed.headers()["access-control-allow-methods"]
        .to_str()
        .expect("methods");
    assert!(
        methods.contains("POST") && methods.contains("PATCH"),
        "{methods}"
    );
    assert!(
        allowed.headers()["access-control-allow-headers"]
            .to_str()
            .expect("headers")
            .contains("authorization")
    );

    let refused = preflight("https://evil.example")
        .send()
        .await
        .expect("request");
    assert_eq!(refused.status(), 400);
    assert!(
        refused
            .headers()
            .get("access-control-allow-origin")
            .is_none()
    );

    let listed = client()
        .get(&url)
        .header("origin", "http://localhost:8000")
        .send()
        .await
        .expect("request");
    assert_eq!(
        listed.headers()["access-control-allow-origin"],
        "http://localhost:8000"
    );
    // A page can read the paging headers and how long a 429 asks it to wait.
    let exposed = listed.headers()["access-control-expose-headers"]
        .to_str()
        .expect("ASCII");
    for header in ["Link", "X-Total-Count", "Retry-After"] {
        assert!(exposed.contains(header), "{exposed}");
    }
    // Unlisted origins are served, without the header: the browser keeps the response from the page.
    let unlisted = client()
        .get(&url)
        .header("origin", "https://evil.example")
        .send()
        .await
        .expect("request");
    assert_eq!(unlisted.status(), 401);
    assert!(
        unlisted
            .headers()
            .get("access-control-allow-origin")
            .is_none()
    );
}
}

/// Sends `body` in chunks without a Content-Length; returns the response's status line.
fn chunked_request(address: &str, path: &str, bearer: &str, body: &[u8]) -> String {
    use std::io::{BufRead, BufReader, Write};
    let mut stream = std::net::TcpStream::connect(address).expect("connect");
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: {address}\r\nAuthorization: {bearer}\r\n\
         Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
    );
    // The server may answer and close before the whole body is sent: write errors are expected then.
    let _ = stream.write_all(head.as_bytes());
    for chunk in body.chunks(64 * 1024) {
        if write!(stream, "{:x}\r\n", chunk.len()).is_err()
            || stream.write_all(chunk).is_err()
            || stream.write_all(b"\r\n").is_err()
        {
            break;
        }
    }
    let _ = stream.write_all(b"0\r\n\r\n");
    let mut status = String::new();
    BufReader::new(stream)
        .read_line(&mut status)
        .expect("status line");
    status
}

taskd_tests::on_both_backends! {
async fn the_body_limit_holds_without_a_content_length() {
    let server = Server::start();
    let account = server.account("chunked").await;
    let address = server.base.trim_start_matches("http://").to_owned();
    let bearer = account.bearer();
    let huge = json!({"title": "x", "description": "d".repeat(1024 * 1024 + 100)}).to_string();
    let small = json!({"title": "sent in chunks"}).to_string();
    let (too_large, created) = tokio::task::spawn_blocking(move || {
        (
            chunked_request(&address, "/api/v1/tasks", &bearer, huge.as_bytes()),
            chunked_request(&address, "/api/v1/tasks", &bearer, small.as_bytes()),
        )
    })
    .await
    .expect("requests");
    assert!(too_large.starts_with("HTTP/1.1 413"), "{too_large}");
    assert!(created.starts_with("HTTP/1.1 201"), "{created}");
}
}

taskd_tests::on_both_backends! {
async fn many_unknown_login_fields_make_a_short_answer() {
    let server = Server::start();
    let mut body = serde_json::Map::new();
    body.insert("email".into(), json!("jane@example.com"));
    body.insert("password".into(), json!("password123"));
    for n in 0..20_000 {
        body.insert(format!("unknown{n}"), json!(n));
    }
    let response = client()
        .post(format!("{}/auth/login", server.api))
        .json(&Value::Object(body))
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 422);
    let answer = response.bytes().await.expect("body");
    assert!(answer.len() < 2048, "{} bytes", answer.len());
    let detail: Value = serde_json::from_slice(&answer).expect("JSON");
    let errors = detail["detail"].as_array().expect("a list");
    assert_eq!(errors.len(), 6, "five named, the rest counted: {detail}");
    assert!(
        errors[5]["msg"]
            .as_str()
            .is_some_and(|msg| msg.ends_with("19995 more unknown fields")),
        "{detail}"
    );
}
}
