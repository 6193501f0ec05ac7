//! Task CRUD, pagination and ownership isolation.

use serde_json::{Value, json};
use taskd_tests::{Account, Server};

async fn send(
    server: &Server,
    account: &Account,
    method: reqwest::Method,
    path: &str,
    body: Option<Value>,
) -> reqwest::Response {
    server.send(account, method, path, body).await
}

async fn get(server: &Server, account: &Account, path: &str) -> reqwest::Response {
    send(server, account, reqwest::Method::GET, path, None).await
}

async fn patch(server: &Server, account: &Account, id: i64, body: Value) -> reqwest::Response {
    send(
        server,
        account,
        reqwest::Method::PATCH,
        &format!("/tasks/{id}"),
        Some(body),
    )
    .await
}

async fn delete(server: &Server, account: &Account, id: i64) -> reqwest::Response {
    send(
        server,
        account,
        reqwest::Method::DELETE,
        &format!("/tasks/{id}"),
        None,
    )
    .await
}

async fn created(server: &Server, account: &Account, title: &str) -> Value {
    let response = server.create_task(account, json!({"title": title})).await;
    assert_eq!(response.status(), 201);
    response.json().await.expect("JSON")
}

fn field_errors(body: &Value) -> Vec<(String, String)> {
    body["detail"]
        .as_array()
        .expect("detail list")
        .iter()
        .map(|error| {
            let loc: Vec<&str> = error["loc"]
                .as_array()
                .expect("loc")
                .iter()
                .map(|p| p.as_str().expect("str"))
                .collect();
            (
                loc.join("."),
                error["type"].as_str().expect("type").to_owned(),
            )
        })
        .collect()
}

taskd_tests::on_both_backends! {
async fn create_returns_201_with_location_defaults_and_trimmed_title() {
    let server = Server::start();
    let account = server.account("create").await;
    let response = server
        .create_task(&account, json!({"title": "  Buy milk  "}))
        .await;
    assert_eq!(response.status(), 201);
    let location = response.headers()["location"]
        .to_str()
        .expect("location")
        .to_owned();
    let task: Value = response.json().await.expect("JSON");
    assert_eq!(location, format!("/api/v1/tasks/{}", task["id"]));
    assert_eq!(task["title"], "Buy milk");
    assert_eq!(task["description"], Value::Null);
    assert_eq!(task["completed"], false);
    assert_eq!(task["owner_id"], account.id);
    assert_eq!(task["created_at"], task["updated_at"]);
    let fetched: Value = get(&server, &account, &location["/api/v1".len()..])
        .await
        .json()
        .await
        .expect("JSON");
    assert_eq!(fetched, task);
}
}

taskd_tests::on_both_backends! {
async fn clients_cannot_set_id_owner_or_timestamps() {
    let server = Server::start();
    let account = server.account("forge").await;
    let other = server.account("victim").await;
    let body = json!({
        "title": "mine", "id": 999, "owner_id": other.id,
        "created_at": "2000-01-01T00:00:00Z", "updated_at": "2000-01-01T00:00:00Z"
    });
    let task: Value = server
        .create_task(&account, body)
        .await
        .json()
        .await
        .expect("JSON");
    assert_ne!(task["id"], 999);
    assert_eq!(task["owner_id"], account.id);
    assert_ne!(task["created_at"], "2000-01-01T00:00:00Z");

    let patched: Value = patch(
        &server,
        &account,
        task["id"].as_i64().expect("id"),
        json!({"owner_id": other.id, "id": 5}),
    )
    .await
    .json()
    .await
    .expect("JSON");
    assert_eq!(patched["owner_id"], account.id);
    assert_eq!(patched["id"], task["id"]);
}
}

taskd_tests::on_both_backends! {
async fn invalid_tasks_are_422_with_every_field_error() {
    let server = Server::start();
    let account = server.account("invalid").await;
    let cases = [
        (json!({}), vec![("body.title", "missing")]),
        (
            json!({"title": "   "}),
            vec![("body.title", "string_too_short")],
        ),
        (
            json!({"title": "x".repeat(256)}),
            vec![("body.title", "string_too_long")],
        ),
        (json!({"title": 5}), vec![("body.title", "string_type")]),
        (
            json!({"title": "", "description": "d".repeat(2001), "completed": "yes"}),
            vec![
                ("body.completed", "bool_type"),
                ("body.title", "string_too_short"),
                ("body.description", "string_too_long"),
            ],
        ),
        (json!([1, 2]), vec![("body", "model_attributes_type")]),
    ];
    for (body, expected) in cases {
        let response = server.create_task(&account, body.clone()).await;
        assert_eq!(response.status(), 422, "{body}");
        let errors = field_errors(&response.json().await.expect("JSON"));
        let expected: Vec<_> = expected
            .iter()
            .map(|(l, t)| (l.to_string(), t.to_string()))
            .collect();
        assert_eq!(errors, expected, "{body}");
    }
    // Boundaries that are accepted.
    let body =
        json!({"title": "é".repeat(255), "description": "d".repeat(2000), "completed": true});
    assert_eq!(server.create_task(&account, body).await.status(), 201);
}
}

taskd_tests::on_both_backends! {
async fn list_is_oldest_first_with_total_count_and_links() {
    let server = Server::start();
    let account = server.account("list").await;
    for n in 0..5 {
        created(&server, &account, &format!("task {n}")).await;
    }
    let response = get(&server, &account, "/tasks?skip=1&limit=2").await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["x-total-count"], "5");
    let link = response.headers()["link"].to_str().expect("text").to_owned();
    let (next, prev) = link.split_once(", ").expect("next and prev");
    assert!(
        next.starts_with("</api/v1/tasks?limit=2&cursor=") && next.ends_with(">; rel=\"next\""),
        "{link}"
    );
    assert_eq!(prev, "</api/v1/tasks?skip=0&limit=2>; rel=\"prev\"");
    let next = next
        .trim_start_matches("</api/v1")
        .trim_end_matches(">; rel=\"next\"");
    let following: Vec<Value> = get(&server, &account, next).await.json().await.expect("JSON");
    let titles: Vec<_> = following
        .iter()
        .map(|t| t["title"].as_str().expect("title"))
        .collect();
    assert_eq!(titles, ["task 3", "task 4"], "the next page starts after this one");
    let tasks: Vec<Value> = response.json().await.expect("JSON array");
    let titles: Vec<_> = tasks
        .iter()
        .map(|t| t["title"].as_str().expect("title"))
        .collect();
    assert_eq!(titles, ["task 1", "task 2"]);

    let all: Vec<Value> = get(&server, &account, "/tasks")
        .await
        .json()
        .await
        .expect("JSON");
    assert_eq!(all.len(), 5);
    let past_end = get(&server, &account, "/tasks?skip=10").await;
    assert_eq!(past_end.status(), 200);
    assert_eq!(
        past_end.json::<Vec<Value>>().await.expect("JSON"),
        Vec::<Value>::new()
    );
}
}

taskd_tests::on_both_backends! {
async fn pagination_out_of_bounds_is_422_naming_the_query_field() {
    let server = Server::start();
    let account = server.account("bounds").await;
    let cases = [
        ("limit=0", "query.limit"),
        ("limit=201", "query.limit"),
        ("limit=abc", "query.limit"),
        ("skip=-1", "query.skip"),
        ("skip=1.5", "query.skip"),
        ("skip=99999999999999999999999", "query.skip"),
    ];
    for (query, field) in cases {
        let response = get(&server, &account, &format!("/tasks?{query}")).await;
        assert_eq!(response.status(), 422, "{query}");
        let errors = field_errors(&response.json().await.expect("JSON"));
        assert_eq!(errors.len(), 1, "{query}");
        assert_eq!(errors[0].0, field, "{query}");
    }
    for query in ["limit=1", "limit=200", "skip=0"] {
        assert_eq!(
            get(&server, &account, &format!("/tasks?{query}"))
                .await
                .status(),
            200,
            "{query}"
        );
    }
}
}

taskd_tests::on_both_backends! {
async fn patch_changes_only_the_fields_present() {
    let server = Server::start();
    let account = server.account("patch").await;
    let response = server
        .create_task(
            &account,
            json!({"title": "write", "description": "the README"}),
        )
        .await;
    let task: Value = response.json().await.expect("JSON");
    let id = task["id"].as_i64().expect("id");

    let done = patch(&server, &account, id, json!({"completed": true})).await;
    assert_eq!(done.status(), 200);
    let done: Value = done.json().await.expect("JSON");
    assert_eq!(done["completed"], true);
    assert_eq!(done["title"], "write");
    assert_eq!(done["description"], "the README");
    assert_eq!(done["created_at"], task["created_at"]);
    assert!(
        done["updated_at"].as_str() > task["updated_at"].as_str(),
        "updated_at moves"
    );

    let cleared: Value = patch(
        &server,
        &account,
        id,
        json!({"description": null, "title": " rewrite "}),
    )
    .await
    .json()
    .await
    .expect("JSON");
    assert_eq!(cleared["description"], Value::Null);
    assert_eq!(cleared["title"], "rewrite");
    assert_eq!(cleared["completed"], true);

    let null_title = patch(&server, &account, id, json!({"title": null})).await;
    assert_eq!(null_title.status(), 422);
    assert_eq!(
        field_errors(&null_title.json().await.expect("JSON")),
        [("body.title".to_owned(), "string_type".to_owned())]
    );

    let unchanged: Value = patch(&server, &account, id, json!({}))
        .await
        .json()
        .await
        .expect("JSON");
    assert_eq!(
        unchanged, cleared,
        "an empty patch changes nothing, not even updated_at"
    );
}
}

taskd_tests::on_both_backends! {
async fn delete_answers_204_with_no_body_then_404() {
    let server = Server::start();
    let account = server.account("delete").await;
    let id = created(&server, &account, "gone soon").await["id"]
        .as_i64()
        .expect("id");
    let deleted = delete(&server, &account, id).await;
    assert_eq!(deleted.status(), 204);
    assert!(deleted.bytes().await.expect("body").is_empty());
    let again = delete(&server, &account, id).await;
    assert_eq!(again.status(), 404);
    assert_eq!(
        again.json::<Value>().await.expect("JSON"),
        json!({"detail": "Task not found"})
    );
    assert_eq!(
        get(&server, &account, &format!("/tasks/{id}"))
            .await
            .status(),
        404
    );
}
}

taskd_tests::on_both_backends! {
async fn another_users_task_is_404_never_403() {
    let server = Server::start();
    let owner = server.account("owner").await;
    let intruder = server.account("intruder").await;
    let task = created(&server, &owner, "private").await;
    let id = task["id"].as_i64().expect("id");

    let responses = [
        get(&server, &intruder, &format!("/tasks/{id}")).await,
        patch(&server, &intruder, id, json!({"completed": true})).await,
        delete(&server, &intruder, id).await,
    ];
    for response in responses {
        assert_eq!(response.status(), 404);
        assert_eq!(
            response.json::<Value>().await.expect("JSON"),
            json!({"detail": "Task not found"})
        );
    }
    let intruders: Vec<Value> = get(&server, &intruder, "/tasks")
        .await
        .json()
        .await
        .expect("JSON");
    assert!(intruders.is_empty());
    // Untouched for its owner.
    let still: Value = get(&server, &owner, &format!("/tasks/{id}"))
        .await
        .json()
        .await
        .expect("JSON");
    assert_eq!(still, task);
}
}

taskd_tests::on_both_backends! {
async fn ids_that_are_not_positive_64_bit_integers_are_404() {
    let server = Server::start();
    let account = server.account("ids").await;
    for id in ["abc", "0", "-1", "1.5", "99999999999999999999", "%00"] {
        let response = get(&server, &account, &format!("/tasks/{id}")).await;
        assert_eq!(response.status(), 404, "/tasks/{id}");
        assert_eq!(
            response.headers()["content-type"],
            "application/json",
            "/tasks/{id}"
        );
    }
}
}
