//! The process: start-up checks, graceful shutdown, restarts, migrations, concurrency.

use std::io::{Read, Write};
use std::net::TcpStream;

use serde_json::{Value, json};
use taskd_tests::{Server, ServerOptions, client, taskd_command, unique_email};

fn read_head(stream: &mut TcpStream) -> String {
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        let read = stream.read(&mut byte).expect("read response");
        assert!(
            read > 0,
            "connection closed after {:?}",
            String::from_utf8_lossy(&head)
        );
        head.push(byte[0]);
    }
    String::from_utf8_lossy(&head).into_owned()
}

#[test]
fn sigterm_lets_the_request_in_flight_finish_then_exits_0() {
    let mut server = Server::start();
    let address = server.base.trim_start_matches("http://").to_owned();
    let body = json!({"email": unique_email("inflight"), "password": "password123"}).to_string();

    let mut stream = TcpStream::connect(&address).expect("connect");
    write!(
        stream,
        "POST /api/v1/auth/register HTTP/1.1\r\nHost: {address}\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\nExpect: 100-continue\r\n\r\n",
        body.len()
    )
    .expect("send head");
    // hyper answers 100 Continue only once the handler reads the body: the request is in flight.
    let interim = read_head(&mut stream);
    assert!(interim.starts_with("HTTP/1.1 100"), "{interim}");

    server.terminate();
    server.wait_for_log("shutting down");

    stream.write_all(body.as_bytes()).expect("send body");
    let response = read_head(&mut stream);
    assert!(response.starts_with("HTTP/1.1 201"), "{response}");
    let status = server.wait();
    assert_eq!(
        status.code(),
        Some(0),
        "logs:\n{}",
        server.logs().join("\n")
    );
    assert!(
        TcpStream::connect(&address).is_err(),
        "no longer accepting connections"
    );
}

taskd_tests::on_both_backends! {
async fn data_and_tokens_survive_a_restart() {
    let mut server = Server::start();
    let account = server.account("restart").await;
    server
        .create_task(&account, json!({"title": "persisted"}))
        .await;
    assert_eq!(server.stop().code(), Some(0));
    let restarted = server.restart(ServerOptions::default());
    let tasks: Vec<Value> = client()
        .get(format!("{}/tasks", restarted.api))
        .header("authorization", account.bearer())
        .send()
        .await
        .expect("request")
        .json()
        .await
        .expect("JSON");
    assert_eq!(tasks.len(), 1);
    assert_eq!(tasks[0]["title"], "persisted");
    assert_eq!(
        restarted
            .login(&account.email, &account.password)
            .await
            .status(),
        200
    );
}
}

#[test]
fn migrate_applies_the_schema_and_is_a_no_op_the_second_time() {
    let directory = tempfile::tempdir().expect("tempdir");
    let database = directory.path().join("fresh.db");
    for round in 0..2 {
        let output = taskd_command(directory.path())
            .arg("migrate")
            .env("DATABASE_URL", format!("sqlite:///{}", database.display()))
            .output()
            .expect("run taskd migrate");
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert!(
            output.status.success(),
            "round {round}: {stdout}{}",
            String::from_utf8_lossy(&output.stderr)
        );
        assert!(
            stdout.contains("database schema is up to date"),
            "round {round}: {stdout}"
        );
    }
    assert!(database.exists());
}

#[test]
fn the_example_settings_file_is_read_as_a_dotenv_file() {
    // README: `cp .env.example .env`, then start taskd in that directory.
    let directory = tempfile::tempdir().expect("tempdir");
    let example = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../.env.example");
    std::fs::copy(&example, directory.path().join(".env")).expect("copy .env.example");
    let output = taskd_command(directory.path())
        .arg("migrate")
        .output()
        .expect("run taskd migrate");
    assert!(
        output.status.success(),
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    // Its DATABASE_URL, sqlite:///./tasks.db, was used.
    assert!(directory.path().join("tasks.db").exists());
}

fn failed_start(env: &[(&str, &str)]) -> (Option<i32>, String) {
    let directory = tempfile::tempdir().expect("tempdir");
    let mut command = taskd_command(directory.path());
    command.env("PORT", "0");
    for (key, value) in env {
        command.env(key, value);
    }
    let output = command.output().expect("run taskd");
    (
        output.status.code(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn production_without_a_strong_secret_refuses_to_start_in_one_line() {
    let (code, stderr) = failed_start(&[("ENVIRONMENT", "production")]);
    assert_eq!(code, Some(2));
    assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
    assert!(stderr.contains("SECRET_KEY is required"), "{stderr}");

    let (code, stderr) =
        failed_start(&[("ENVIRONMENT", "production"), ("SECRET_KEY", "too-short")]);
    assert_eq!(code, Some(2));
    assert!(stderr.contains("at least 32"), "{stderr}");
    assert!(
        !stderr.contains("too-short"),
        "the key is never echoed: {stderr}"
    );
}

#[test]
fn bad_settings_are_refused_naming_the_setting() {
    let cases = [
        (
            ("DATABASE_URL", "mysql://root:hunter2@db/tasks"),
            "'mysql' is not supported",
        ),
        (("PORT", "eighty"), "--port"),
        (("ALGORITHM", "RS256"), "HS256, HS384 or HS512"),
        (("BACKEND_CORS_ORIGINS", "*"), "wildcard"),
        (("BCRYPT_COST", "2"), "--bcrypt-cost"),
    ];
    for ((key, value), expected) in cases {
        let (code, stderr) = failed_start(&[(key, value)]);
        assert_eq!(code, Some(2), "{key}={value}: {stderr}");
        assert!(stderr.contains(expected), "{key}={value}: {stderr}");
        assert!(!stderr.contains("hunter2"), "{stderr}");
    }
    let (code, stderr) = failed_start(&[("DATABASE_URL", "sqlite:////no/such/directory/tasks.db")]);
    assert_eq!(code, Some(1));
    assert!(
        stderr.contains("/no/such/directory does not exist"),
        "{stderr}"
    );
}

taskd_tests::on_both_backends! {
async fn sixteen_concurrent_writers_lose_nothing() {
    let server = Server::start();
    let mut registrations = tokio::task::JoinSet::new();
    for n in 0..16 {
        let api = server.api.clone();
        registrations.spawn(async move {
            let email = unique_email(&format!("writer{n}"));
            let response = client()
                .post(format!("{api}/auth/register"))
                .json(&json!({"email": email, "password": "password123"}))
                .send()
                .await
                .expect("register");
            assert_eq!(response.status(), 201);
            email
        });
    }
    let emails = registrations.join_all().await;
    let mut accounts = Vec::new();
    for email in &emails {
        let token: Value = server
            .login(email, "password123")
            .await
            .json()
            .await
            .expect("token");
        accounts.push(token["access_token"].as_str().expect("token").to_owned());
    }

    const PER_WRITER: usize = 20;
    let mut writers = tokio::task::JoinSet::new();
    for writer in 0..16 {
        let api = server.api.clone();
        // Two writers per account, so writes to one owner's rows also interleave.
        let token = accounts[writer / 2].clone();
        writers.spawn(async move {
            let client = client();
            for n in 0..PER_WRITER {
                let response = client
                    .post(format!("{api}/tasks"))
                    .bearer_auth(&token)
                    .json(&json!({"title": format!("writer {writer} task {n}")}))
                    .send()
                    .await
                    .expect("create");
                assert_eq!(response.status(), 201, "writer {writer} task {n}");
                let task: Value = response.json().await.expect("JSON");
                let done = client
                    .patch(format!("{api}/tasks/{}", task["id"]))
                    .bearer_auth(&token)
                    .json(&json!({"completed": true}))
                    .send()
                    .await
                    .expect("patch");
                assert_eq!(done.status(), 200);
            }
        });
    }
    writers.join_all().await;

    let mut total = 0;
    for token in accounts.iter().take(8) {
        let response = client()
            .get(format!("{}/tasks?limit=200", server.api))
            .bearer_auth(token)
            .send()
            .await
            .expect("list");
        assert_eq!(
            response.headers()["x-total-count"],
            (2 * PER_WRITER).to_string()
        );
        let tasks: Vec<Value> = response.json().await.expect("JSON");
        assert!(tasks.iter().all(|task| task["completed"] == true));
        total += tasks.len();
    }
    assert_eq!(total, 16 * PER_WRITER);
    let errors: Vec<_> = server
        .logs()
        .into_iter()
        .filter(|line| line.contains("ERROR"))
        .collect();
    assert!(errors.is_empty(), "{errors:?}");
}
}

taskd_tests::on_both_backends! {
fn instances_started_together_on_an_empty_database_all_come_up() {
    // Each migrates the schema at start; they must not trip over each other.
    let servers = Server::start_together(4);
    assert_eq!(servers.len(), 4);
}
}
