//! Several taskd processes on one PostgreSQL database.

use std::collections::HashSet;

use serde_json::{Value, json};
use taskd_tests::{Server, ServerOptions, client, taskd_command};

#[tokio::test]
async fn two_instances_on_one_postgresql_database_serve_any_user() {
    if !taskd_tests::use_postgres() {
        return;
    }
    let first = Server::start();
    let second = first.restart(ServerOptions::default());
    assert_ne!(first.base, second.base);

    // Register and log in on the first, create on the second, list on the first.
    let account = first.account("scale").await;
    let created = second
        .create_task(&account, json!({"title": "made on the second"}))
        .await;
    assert_eq!(created.status(), 201);
    let listed: Vec<Value> = client()
        .get(format!("{}/tasks", first.api))
        .bearer_auth(&account.token)
        .send()
        .await
        .expect("list")
        .json()
        .await
        .expect("JSON");
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0]["title"], "made on the second");

    // Concurrent creates, split across both instances.
    const WRITERS: usize = 8;
    const PER_WRITER: usize = 15;
    let mut writers = tokio::task::JoinSet::new();
    for writer in 0..WRITERS {
        let apis = [first.api.clone(), second.api.clone()];
        let token = account.token.clone();
        writers.spawn(async move {
            let client = client();
            let mut ids = Vec::new();
            for n in 0..PER_WRITER {
                let api = &apis[(writer + n) % 2];
                let response = client
                    .post(format!("{api}/tasks"))
                    .bearer_auth(&token)
                    .json(&json!({"title": format!("writer {writer} task {n}")}))
                    .send()
                    .await
                    .expect("create");
                assert_eq!(response.status(), 201);
                let task: Value = response.json().await.expect("JSON");
                ids.push(task["id"].as_i64().expect("id"));
            }
            ids
        });
    }
    let ids: Vec<i64> = writers.join_all().await.into_iter().flatten().collect();
    let unique: HashSet<_> = ids.iter().collect();
    assert_eq!(unique.len(), WRITERS * PER_WRITER, "no id handed out twice");

    for server in [&first, &second] {
        let response = client()
            .get(format!("{}/tasks?limit=200", server.api))
            .bearer_auth(&account.token)
            .send()
            .await
            .expect("list");
        assert_eq!(
            response.headers()["x-total-count"],
            (1 + WRITERS * PER_WRITER).to_string()
        );
        let tasks: Vec<Value> = response.json().await.expect("JSON");
        let titles: HashSet<_> = tasks
            .iter()
            .map(|task| task["title"].as_str().expect("title").to_owned())
            .collect();
        assert_eq!(
            titles.len(),
            1 + WRITERS * PER_WRITER,
            "no row lost or duplicated"
        );
        let ordered: Vec<i64> = tasks
            .iter()
            .map(|task| task["id"].as_i64().expect("id"))
            .collect();
        assert!(
            ordered.windows(2).all(|pair| pair[0] < pair[1]),
            "oldest first"
        );
    }
}

#[tokio::test]
async fn health_is_503_when_the_database_is_gone() {
    if !taskd_tests::use_postgres() {
        return;
    }
    // A short connect timeout keeps the pool's wait for a connection short.
    let server = Server::start_with(ServerOptions::default().env("DATABASE_CONNECT_TIMEOUT", "1"));
    let healthy = client()
        .get(format!("{}/health", server.base))
        .send()
        .await
        .expect("request");
    assert_eq!(healthy.status(), 200);
    server.drop_postgres_database();
    let response = client()
        .get(format!("{}/health", server.base))
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 503);
    let body: Value = response.json().await.expect("JSON");
    assert_eq!(body["status"], "unavailable");
    assert_eq!(body["database"], "unavailable");
    // The API answers 503 too, as JSON, never 500.
    let api = server.register("late@example.com", "password123").await;
    assert_eq!(api.status(), 503);
    assert!(api.json::<Value>().await.expect("JSON")["detail"].is_string());
}

#[test]
fn unreachable_postgresql_is_one_clear_line_without_the_password() {
    let closed = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = closed.local_addr().expect("address").port();
    drop(closed);
    let directory = tempfile::tempdir().expect("tempdir");
    let output = taskd_command(directory.path())
        .env("PORT", "0")
        .env(
            "DATABASE_URL",
            format!("postgresql://taskd:hunter2@127.0.0.1:{port}/tasks"),
        )
        .env("DATABASE_CONNECT_TIMEOUT", "2")
        .output()
        .expect("run taskd");
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stderr.contains(&format!("cannot connect to PostgreSQL at 127.0.0.1:{port}")),
        "{stderr}"
    );
    assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
    assert!(
        !stderr.contains("hunter2") && !stdout.contains("hunter2"),
        "{stderr}{stdout}"
    );
}
