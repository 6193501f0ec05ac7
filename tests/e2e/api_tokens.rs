//! Personal API tokens: made by a login session, shown once, used as a
//! bearer within their scopes, revoked everywhere at once.

use serde_json::{Value, json};
use taskd_tests::{Account, Server, ServerOptions, client};

/// POST /auth/tokens as `account`.
async fn make_token(server: &Server, account: &Account, body: Value) -> reqwest::Response {
    client()
        .post(format!("{}/auth/tokens", server.api))
        .header("Authorization", account.bearer())
        .json(&body)
        .send()
        .await
        .expect("token request")
}

/// A token's secret, made with `scopes`.
async fn secret(server: &Server, account: &Account, scopes: &[&str]) -> String {
    let made = make_token(server, account, json!({"name": "test", "scopes": scopes})).await;
    assert_eq!(made.status(), 201);
    let body: Value = made.json().await.expect("JSON");
    body["token"].as_str().expect("token").to_owned()
}

/// `method` `path` with `Authorization: Bearer secret`.
async fn with_token(
    server: &Server,
    secret: &str,
    method: &str,
    path: &str,
    body: Option<Value>,
) -> reqwest::Response {
    let method = reqwest::Method::from_bytes(method.as_bytes()).expect("method");
    let mut request = client()
        .request(method, format!("{}{path}", server.api))
        .header("Authorization", format!("Bearer {secret}"));
    if let Some(body) = body {
        request = request.json(&body);
    }
    request.send().await.expect("request")
}

/// The `last_used_at` of the account's only token, as listed.
async fn listed_last_use(server: &Server, account: &Account) -> Value {
    let tokens: Value = client()
        .get(format!("{}/auth/tokens", server.api))
        .header("Authorization", account.bearer())
        .send()
        .await
        .expect("list")
        .json()
        .await
        .expect("JSON");
    tokens[0]["last_used_at"].clone()
}

async fn detail(response: reqwest::Response) -> String {
    let body: Value = response.json().await.expect("JSON");
    body["detail"].as_str().unwrap_or_default().to_owned()
}

taskd_tests::on_both_backends! {
async fn a_token_is_shown_once_listed_without_its_secret_and_works_as_a_bearer() {
    let server = Server::start();
    let account = server.account("api-token").await;
    let made = make_token(
        &server,
        &account,
        json!({"name": "  backup script ", "scopes": ["tasks:read"], "expires_in_days": 90}),
    )
    .await;
    assert_eq!(made.status(), 201);
    assert_eq!(made.headers()["cache-control"], "no-store");
    let body: Value = made.json().await.expect("JSON");
    let token = body["token"].as_str().expect("the secret").to_owned();
    assert!(token.starts_with("tdp_") && token.len() == 40, "{token}");
    assert_eq!(body["name"], "backup script");
    assert_eq!(body["scopes"], json!(["tasks:read"]));
    assert!(body["expires_at"].is_string() && body["created_at"].is_string());
    assert_eq!(body["last_used_at"], Value::Null);

    // The secret is the bearer; its first use is recorded.
    let listed = with_token(&server, &token, "GET", "/tasks", None).await;
    assert_eq!(listed.status(), 200);
    let tokens = client()
        .get(format!("{}/auth/tokens", server.api))
        .header("Authorization", account.bearer())
        .send()
        .await
        .expect("list");
    assert_eq!(tokens.status(), 200);
    let text = tokens.text().await.expect("text");
    assert!(!text.contains(&token), "a listing shows no secret");
    let tokens: Value = serde_json::from_str(&text).expect("JSON");
    assert_eq!(tokens.as_array().map(Vec::len), Some(1));
    assert_eq!(tokens[0]["id"], body["id"]);
    assert!(tokens[0]["last_used_at"].is_string(), "{tokens}");
    assert!(tokens[0].get("token").is_none());
    let first_use = tokens[0]["last_used_at"].clone();
    // Within the minute, another use changes nothing (no write per request)…
    let again = with_token(&server, &token, "GET", "/tasks", None).await;
    assert_eq!(again.status(), 200);
    assert_eq!(listed_last_use(&server, &account).await, first_use);
    // …and once the last recorded use is older than a minute, it is recorded.
    let long_ago = "2020-01-01T00:00:00.000000Z";
    server.execute(&format!(
        "UPDATE api_tokens SET last_used_at = '{long_ago}' WHERE id = {}",
        body["id"]
    ));
    let moved = listed_last_use(&server, &account).await;
    assert!(moved.as_str().is_some_and(|at| at.starts_with("2020-01-01T00:00:00")), "{moved}");
    let later = with_token(&server, &token, "GET", "/tasks", None).await;
    assert_eq!(later.status(), 200);
    let recorded = listed_last_use(&server, &account).await;
    assert!(
        recorded.as_str().is_some_and(|at| at > "2020-01-02"),
        "{recorded}"
    );
    // Only its hash is stored.
    assert_eq!(
        server.count(&format!("SELECT COUNT(*) FROM api_tokens WHERE token_hash = '{token}'")),
        0
    );
}
}

taskd_tests::on_both_backends! {
async fn scopes_decide_what_a_token_may_do_on_every_route_group() {
    let server = Server::start();
    let account = server.account("api-scopes").await;
    let read = secret(&server, &account, &["tasks:read"]).await;
    let write = secret(&server, &account, &["tasks:write"]).await;
    let caldav = secret(&server, &account, &["caldav"]).await;
    let task = json!({"title": "From a script"});

    for path in ["/tasks", "/tags", "/trash", "/changes", "/export", "/auth/me"] {
        let answer = with_token(&server, &read, "GET", path, None).await;
        assert_eq!(answer.status(), 200, "tasks:read reads {path}");
    }
    let refused = with_token(&server, &read, "POST", "/tasks", Some(task.clone())).await;
    assert_eq!(refused.status(), 403);
    assert!(detail(refused).await.contains("tasks:write"));
    // Every other write is refused to tasks:read as well, before anything changes.
    let mine = server.create_task(&account, json!({"title": "Mine"})).await;
    let mine: Value = mine.json().await.expect("JSON");
    let mine = mine["id"].as_i64().expect("id");
    let writes: [(&str, String, Option<Value>); 4] = [
        ("PATCH", format!("/tasks/{mine}"), Some(json!({"completed": true}))),
        ("DELETE", format!("/tasks/{mine}"), None),
        ("POST", format!("/trash/{mine}/restore"), None),
        ("POST", "/import".to_owned(), Some(json!([]))),
    ];
    for (method, path, body) in writes {
        let answer = with_token(&server, &read, method, &path, body).await;
        assert_eq!(answer.status(), 403, "{method} {path} with tasks:read");
    }
    // A bad body does not change the answer: the scope is judged first
    // (403, not the 422 the body would earn with tasks:write).
    let bad_bodies: [(&str, String, Value); 3] = [
        ("POST", "/tasks".to_owned(), json!({"title": ""})),
        ("PATCH", format!("/tasks/{mine}"), json!({"priority": "urgent"})),
        ("POST", "/import".to_owned(), json!({"not": "a list"})),
    ];
    for (method, path, body) in &bad_bodies {
        let answer = with_token(&server, &read, method, path, Some(body.clone())).await;
        assert_eq!(answer.status(), 403, "{method} {path} with tasks:read and a bad body");
        let answer = with_token(&server, &write, method, path, Some(body.clone())).await;
        assert_eq!(answer.status(), 422, "{method} {path} with tasks:write and a bad body");
    }
    let still = with_token(&server, &read, "GET", &format!("/tasks/{mine}"), None).await;
    let still: Value = still.json().await.expect("JSON");
    assert_eq!(still["completed"], false, "nothing changed");
    // The control: the same request with tasks:write.
    let created = with_token(&server, &write, "POST", "/tasks", Some(task)).await;
    assert_eq!(created.status(), 201);
    let created: Value = created.json().await.expect("JSON");
    let id = created["id"].as_i64().expect("id");
    let patch = json!({"completed": true});
    let patched = with_token(&server, &write, "PATCH", &format!("/tasks/{id}"), Some(patch)).await;
    assert_eq!(patched.status(), 200);
    let imported = with_token(&server, &write, "POST", "/import", Some(json!([]))).await;
    assert_eq!(imported.status(), 200);
    let deleted = with_token(&server, &write, "DELETE", &format!("/tasks/{id}"), None).await;
    assert_eq!(deleted.status(), 204);
    let restored = with_token(&server, &write, "POST", &format!("/trash/{id}/restore"), None).await;
    assert_eq!(restored.status(), 200);

    // What only a login session may do, refused to every token.
    let session_only: [(&str, &str, Option<Value>); 7] = [
        ("POST", "/auth/password", Some(json!({"current_password": "password123", "new_password": "password456"}))),
        ("DELETE", "/auth/me", Some(json!({"password": "password123"}))),
        ("PATCH", "/auth/me", Some(json!({"timezone": "Europe/Berlin"}))),
        ("POST", "/auth/logout", None),
        ("GET", "/auth/tokens", None),
        ("POST", "/auth/tokens", Some(json!({"name": "more", "scopes": ["tasks:read"]}))),
        ("DELETE", "/auth/tokens/1", None),
    ];
    for (method, path, body) in session_only {
        let answer = with_token(&server, &write, method, path, body).await;
        assert_eq!(answer.status(), 403, "{method} {path} with a token");
        assert!(detail(answer).await.contains("login session"), "{method} {path}");
    }
    // A CalDAV token is for CalDAV only.
    let answer = with_token(&server, &caldav, "GET", "/tasks", None).await;
    assert_eq!(answer.status(), 403);
    assert!(detail(answer).await.contains("caldav"));
    // And the account is as it was: the password is unchanged.
    assert_eq!(server.login(&account.email, "password123").await.status(), 200);
}
}

taskd_tests::on_both_backends! {
async fn a_revoked_token_is_refused_at_its_next_use_on_every_instance() {
    let first = Server::start();
    let second = first.restart(ServerOptions::default());
    let account = first.account("api-revoke").await;
    let other = first.account("api-revoke-other").await;
    let made = make_token(&first, &account, json!({"name": "phone", "scopes": ["tasks:write"]})).await;
    let made: Value = made.json().await.expect("JSON");
    let token = made["token"].as_str().expect("secret").to_owned();
    let id = made["id"].as_i64().expect("id");
    assert_eq!(with_token(&second, &token, "GET", "/tasks", None).await.status(), 200);

    // Another user cannot see or revoke it.
    let foreign = client()
        .delete(format!("{}/auth/tokens/{id}", first.api))
        .header("Authorization", other.bearer())
        .send()
        .await
        .expect("delete");
    assert_eq!(foreign.status(), 404);
    assert_eq!(with_token(&second, &token, "GET", "/tasks", None).await.status(), 200);

    let revoked = client()
        .delete(format!("{}/auth/tokens/{id}", first.api))
        .header("Authorization", account.bearer())
        .send()
        .await
        .expect("delete");
    assert_eq!(revoked.status(), 204);
    let refused = with_token(&second, &token, "GET", "/tasks", None).await;
    assert_eq!(refused.status(), 401);
    assert_eq!(refused.headers()["www-authenticate"], "Bearer");
}
}

taskd_tests::on_both_backends! {
async fn an_expired_token_is_refused_and_a_live_one_is_not() {
    let server = Server::start();
    let account = server.account("api-expiry").await;
    let old = secret(&server, &account, &["tasks:read"]).await;
    let live = secret(&server, &account, &["tasks:read"]).await;
    let moved = server.execute(&format!(
        "UPDATE api_tokens SET expires_at = created_at WHERE id = \
         (SELECT MIN(id) FROM api_tokens WHERE user_id = {})",
        account.id
    ));
    assert_eq!(moved, 1);
    assert_eq!(with_token(&server, &old, "GET", "/tasks", None).await.status(), 401);
    assert_eq!(with_token(&server, &live, "GET", "/tasks", None).await.status(), 200);
}
}

taskd_tests::on_both_backends! {
async fn a_bad_token_body_is_refused_at_its_field_and_fifty_is_the_most() {
    let server = Server::start();
    let account = server.account("api-bodies").await;
    let cases = [
        (json!({"name": "", "scopes": ["tasks:read"]}), "body.name"),
        (json!({"name": "x".repeat(101), "scopes": ["tasks:read"]}), "body.name"),
        (json!({"name": "x", "scopes": []}), "body.scopes"),
        (json!({"name": "x", "scopes": ["tasks:delete"]}), "body.scopes"),
        (json!({"name": "x", "scopes": ["caldav", "caldav"]}), "body.scopes"),
        (json!({"name": "x", "scopes": ["tasks:read"], "expires_in_days": 0}), "body.expires_in_days"),
        (json!({"name": "x", "scopes": ["tasks:read"], "expires_in_days": 3651}), "body.expires_in_days"),
        (json!({"scopes": ["tasks:read"]}), "body.name"),
    ];
    for (body, location) in cases {
        let refused = make_token(&server, &account, body.clone()).await;
        assert_eq!(refused.status(), 422, "{body}");
        let answer: Value = refused.json().await.expect("JSON");
        assert_eq!(taskd_tests::error_locations(&answer), [location], "{body}");
    }
    let never = make_token(&server, &account, json!({"name": "x", "scopes": ["caldav"], "expires_in_days": null})).await;
    assert_eq!(never.status(), 201);
    let never: Value = never.json().await.expect("JSON");
    assert_eq!(never["expires_at"], Value::Null);
    for n in 1..50 {
        let made = make_token(&server, &account, json!({"name": format!("t{n}"), "scopes": ["tasks:read"]})).await;
        assert_eq!(made.status(), 201, "token {}", n + 1);
    }
    let refused = make_token(&server, &account, json!({"name": "one too many", "scopes": ["tasks:read"]})).await;
    assert_eq!(refused.status(), 422);
    assert!(refused.text().await.expect("text").contains("at most 50"));
}
}

taskd_tests::on_both_backends! {
async fn guessed_tokens_count_against_the_address_limit() {
    let server = Server::start_with(
        ServerOptions::default().env("LOGIN_LIMIT_PER_ADDRESS", "3/1h"),
    );
    let account = server.account("api-guess").await;
    let good = secret(&server, &account, &["tasks:read"]).await;
    // A well-formed token that is no longer good: revoked.
    let gone = secret(&server, &account, &["tasks:read"]).await;
    let revoked = client()
        .delete(format!("{}/auth/tokens/2", server.api))
        .header("Authorization", account.bearer())
        .send()
        .await
        .expect("revoke");
    assert_eq!(revoked.status(), 204);
    // Good tokens do not count.
    for _ in 0..4 {
        assert_eq!(with_token(&server, &good, "GET", "/tasks", None).await.status(), 200);
    }
    // A revoked token, a malformed one and a made-up one each count.
    let guesses = [gone.as_str(), "tdp_guess", "tdp_000000000000000000000000000000000000"];
    for guess in guesses {
        assert_eq!(with_token(&server, guess, "GET", "/tasks", None).await.status(), 401);
    }
    let limited = with_token(&server, "tdp_guess", "GET", "/tasks", None).await;
    assert_eq!(limited.status(), 429);
    assert!(limited.headers().contains_key("retry-after"));
    // Only refusals count: the good token still works from the same address.
    assert_eq!(with_token(&server, &good, "GET", "/tasks", None).await.status(), 200);
}
}

taskd_tests::on_both_backends! {
async fn a_password_change_keeps_tokens_and_deleting_the_account_removes_them() {
    let server = Server::start();
    let account = server.account("api-lifecycle").await;
    let token = secret(&server, &account, &["tasks:read"]).await;
    let changed = client()
        .post(format!("{}/auth/password", server.api))
        .header("Authorization", account.bearer())
        .json(&json!({"current_password": "password123", "new_password": "password456"}))
        .send()
        .await
        .expect("password");
    assert_eq!(changed.status(), 204);
    assert_eq!(with_token(&server, &token, "GET", "/tasks", None).await.status(), 200);
    let deleted = client()
        .delete(format!("{}/auth/me", server.api))
        .header("Authorization", account.bearer())
        .json(&json!({"password": "password456"}))
        .send()
        .await
        .expect("delete");
    assert_eq!(deleted.status(), 204);
    assert_eq!(with_token(&server, &token, "GET", "/tasks", None).await.status(), 401);
    assert_eq!(
        server.count(&format!("SELECT COUNT(*) FROM api_tokens WHERE user_id = {}", account.id)),
        0
    );
}
}
