//! Request ids, request logs without secrets, metrics and the health check command.

use serde_json::{Value, json};
use taskd_tests::{SECRET_KEY, Server, ServerOptions, client, taskd_command};

taskd_tests::on_both_backends! {
async fn every_response_carries_a_request_id() {
    let server = Server::start();
    let responses = [
        client()
            .get(format!("{}/health", server.base))
            .send()
            .await
            .expect("request"),
        client()
            .get(format!("{}/tasks", server.api))
            .send()
            .await
            .expect("request"),
        client()
            .get(format!("{}/nowhere", server.base))
            .send()
            .await
            .expect("request"),
        client()
            .request(reqwest::Method::OPTIONS, format!("{}/tasks", server.api))
            .header("origin", "http://localhost:3000")
            .header("access-control-request-method", "GET")
            .send()
            .await
            .expect("request"),
    ];
    let mut seen = std::collections::HashSet::new();
    for response in responses {
        let id = response.headers()["x-request-id"]
            .to_str()
            .expect("ASCII")
            .to_owned();
        assert_eq!(id.len(), 32, "{id}");
        assert!(seen.insert(id), "request ids are unique");
    }

    let echoed = client()
        .get(format!("{}/health", server.base))
        .header("x-request-id", "trace-42.a:b_c")
        .send()
        .await
        .expect("request");
    assert_eq!(echoed.headers()["x-request-id"], "trace-42.a:b_c");
    let replaced = client()
        .get(format!("{}/health", server.base))
        .header("x-request-id", "<script>alert(1)</script>")
        .send()
        .await
        .expect("request");
    assert_ne!(
        replaced.headers()["x-request-id"],
        "<script>alert(1)</script>"
    );
}
}

taskd_tests::on_both_backends! {
async fn request_log_lines_name_the_route_and_user_but_never_a_secret() {
    let mut server = Server::start_with(ServerOptions::default().env("LOG_FORMAT", "json"));
    let account = server.account("logs").await;
    let task: Value = server
        .create_task(&account, json!({"title": "logged"}))
        .await
        .json()
        .await
        .expect("JSON");
    let response = client()
        .get(format!("{}/tasks/{}", server.api, task["id"]))
        .header("authorization", account.bearer())
        .send()
        .await
        .expect("request");
    let request_id = response.headers()["x-request-id"]
        .to_str()
        .expect("ASCII")
        .to_owned();
    // A failed login with a password that must not show up either.
    server.login(&account.email, "wrong-password-xyz").await;

    let line = server.wait_for_log(&request_id);
    let entry: Value = serde_json::from_str(&line).expect("JSON log line");
    assert_eq!(entry["target"], "taskd::request");
    assert_eq!(entry["method"], "GET");
    assert_eq!(entry["route"], "/api/v1/tasks/{id}");
    assert_eq!(entry["status"], 200);
    assert_eq!(entry["user_id"], account.id);
    assert!(entry["latency_ms"].as_f64().expect("latency") >= 0.0);

    let failed_login = server.wait_for_log("\"status\":401");
    assert!(
        failed_login.contains("/api/v1/auth/login"),
        "{failed_login}"
    );
    let logs = server.logs().join("\n");
    for secret in [
        account.password.as_str(),
        "wrong-password-xyz",
        account.token.as_str(),
        SECRET_KEY,
        "$2b$",
    ] {
        assert!(
            !logs.contains(secret),
            "a secret reached the logs: {secret}"
        );
    }
}
}

taskd_tests::on_both_backends! {
async fn even_trace_logging_shows_no_password_hash_token_or_email() {
    let mut server = Server::start_with(
        ServerOptions::default()
            .env("LOG_FORMAT", "json")
            .env("RUST_LOG", "trace,tokio_postgres=trace"),
    );
    let account = server.account("trace").await;
    let refreshed = server.refresh(&account.refresh_token).await;
    assert_eq!(refreshed.status(), 200);
    server.login(&account.email, "wrong-password-xyz").await;
    // The failed login's request line comes after its queries.
    server.wait_for_log("\"status\":401");
    let logs = server.logs().join("\n");
    assert!(logs.contains("TRACE") || logs.contains("\"level\":\"TRACE\""), "trace is on");
    for secret in [
        account.password.as_str(),
        "wrong-password-xyz",
        account.token.as_str(),
        account.refresh_token.as_str(),
        account.email.as_str(),
        SECRET_KEY,
        "$2b$",
    ] {
        assert!(
            !logs.contains(secret),
            "a secret reached the logs at trace: {secret}"
        );
    }
}
}

fn metric(text: &str, series: &str) -> f64 {
    text.lines()
        .find_map(|line| {
            line.strip_prefix(series)
                .and_then(|rest| rest.trim().parse().ok())
        })
        .unwrap_or(0.0)
}

taskd_tests::on_both_backends! {
async fn metrics_count_requests_logins_and_pool_use() {
    let server = Server::start();
    let scrape = || async {
        let response = client()
            .get(format!("{}/metrics", server.base))
            .send()
            .await
            .expect("request");
        assert_eq!(response.status(), 200);
        assert!(
            response.headers()["content-type"]
                .to_str()
                .expect("type")
                .starts_with("text/plain")
        );
        response.text().await.expect("text")
    };
    let health = r#"taskd_http_requests_total{method="GET",route="/health",status="200"}"#;
    let before = metric(&scrape().await, health);
    client()
        .get(format!("{}/health", server.base))
        .send()
        .await
        .expect("request");
    client()
        .get(format!("{}/health", server.base))
        .send()
        .await
        .expect("request");
    server.login("nobody@example.com", "password123").await;
    let text = scrape().await;
    assert_eq!(metric(&text, health), before + 2.0, "{text}");
    assert_eq!(metric(&text, "taskd_login_failures_total"), 1.0, "{text}");
    assert!(
        text.contains("taskd_http_request_duration_seconds_bucket{"),
        "{text}"
    );
    assert!(
        text.contains(r#"taskd_db_pool_connections{state="idle"}"#),
        "{text}"
    );
    // Ids never become labels.
    client()
        .get(format!("{}/tasks/12345", server.api))
        .send()
        .await
        .expect("request");
    let text = scrape().await;
    assert!(!text.contains("12345"), "{text}");
    assert!(text.contains(r#"route="/api/v1/tasks/{id}""#), "{text}");
}
}

fn healthcheck(host: &str, port: u16) -> (Option<i32>, String) {
    let directory = tempfile::tempdir().expect("tempdir");
    let output = taskd_command(directory.path())
        .arg("healthcheck")
        .env("HOST", host)
        .env("PORT", port.to_string())
        .output()
        .expect("run taskd healthcheck");
    (
        output.status.code(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn healthcheck_command_runs_the_way_the_container_does() {
    // As in the image: every interface, an absolute /data-style SQLite path, production.
    let data = tempfile::tempdir().expect("tempdir");
    let url = format!(
        "sqlite:///{}",
        data.path().join("data").join("tasks.db").display()
    );
    std::fs::create_dir(data.path().join("data")).expect("data directory");
    let options = ServerOptions::default()
        .env("HOST", "0.0.0.0")
        .env("ENVIRONMENT", "production")
        .env("DATABASE_URL", &url);
    let mut server = Server::start_with(options);
    assert!(url.starts_with("sqlite:////"), "{url}");
    assert!(data.path().join("data").join("tasks.db").exists());

    let (code, stderr) = healthcheck("0.0.0.0", server.port());
    assert_eq!(code, Some(0), "{stderr}");
    assert_eq!(server.stop().code(), Some(0));
    let (code, stderr) = healthcheck("0.0.0.0", server.port());
    assert_eq!(code, Some(1));
    assert!(stderr.contains("/health"), "{stderr}");
}
