//! The sessions a user can see and end: one per login, named by the
//! client, the current one marked.

use serde_json::{Value, json};
use taskd_tests::{Account, Server, client, error_locations};

async fn sessions(server: &Server, account: &Account) -> Value {
    let listed = client()
        .get(format!("{}/auth/sessions", server.api))
        .header("Authorization", account.bearer())
        .send()
        .await
        .expect("sessions");
    assert_eq!(listed.status(), 200);
    listed.json().await.expect("JSON")
}

/// A JSON login with a client name; its access token.
async fn login_as(server: &Server, account: &Account, body: Value, agent: &str) -> Value {
    let mut body = body;
    body["email"] = json!(account.email);
    body["password"] = json!(account.password);
    let login = client()
        .post(format!("{}/auth/login", server.api))
        .header("User-Agent", agent)
        .json(&body)
        .send()
        .await
        .expect("login");
    assert_eq!(login.status(), 200, "{body}");
    login.json().await.expect("JSON")
}

fn as_account(account: &Account, token: &Value) -> Account {
    Account {
        token: token["access_token"].as_str().expect("token").to_owned(),
        refresh_token: token["refresh_token"].as_str().expect("refresh").to_owned(),
        ..account.clone()
    }
}

taskd_tests::on_both_backends! {
async fn sessions_are_listed_by_client_with_the_current_one_marked() {
    let server = Server::start();
    let account = server.account("visible").await;
    let phone = as_account(&account, &login_as(&server, &account, json!({"client_name": "Tasks on phone"}), "okhttp/4").await);
    let long_agent = format!("TaskApp/1.0 {}", "x".repeat(200));
    let laptop = as_account(&account, &login_as(&server, &account, json!({}), &long_agent).await);

    let listed = sessions(&server, &phone).await;
    let listed = listed.as_array().expect("a list");
    assert_eq!(listed.len(), 3, "{listed:?}");
    let clients: Vec<&str> = listed.iter().map(|s| s["client"].as_str().unwrap_or("?")).collect();
    assert_eq!(clients[1], "Tasks on phone", "a given name wins over the User-Agent");
    assert_eq!(clients[2].chars().count(), 100, "the User-Agent, cut to 100");
    assert!(clients[2].starts_with("TaskApp/1.0"));
    let current: Vec<bool> = listed.iter().map(|s| s["current"].as_bool().unwrap_or(false)).collect();
    assert_eq!(current, [false, true, false]);
    for session in listed {
        assert!(session["created_at"].is_string() && session["last_used_at"].is_string());
    }

    // A refresh is the session's latest use.
    let before = listed[2]["last_used_at"].as_str().expect("time").to_owned();
    let refreshed = server.refresh(&laptop.refresh_token).await;
    assert_eq!(refreshed.status(), 200);
    let after = sessions(&server, &phone).await;
    let after = after[2]["last_used_at"].as_str().expect("time").to_owned();
    let parse = |text: &str| chrono::DateTime::parse_from_rfc3339(text).expect("RFC 3339");
    assert!(parse(&after) > parse(&before), "{before} then {after}");
}
}

taskd_tests::on_both_backends! {
async fn ending_a_session_stops_its_tokens_at_once_and_no_one_else_can() {
    let server = Server::start();
    let account = server.account("end-sessions").await;
    let other = server.account("end-sessions-other").await;
    let second = server.session(&account).await;
    let third = server.session(&account).await;
    let listed = sessions(&server, &account).await;
    let ids: Vec<i64> = listed.as_array().expect("list").iter().map(|s| s["id"].as_i64().expect("id")).collect();

    // Another user's session cannot be ended: 404, and it goes on.
    let foreign = client()
        .delete(format!("{}/auth/sessions/{}", server.api, ids[1]))
        .header("Authorization", other.bearer())
        .send()
        .await
        .expect("delete");
    assert_eq!(foreign.status(), 404);
    assert_eq!(server.me(&second.token).await, 200);

    let ended = client()
        .delete(format!("{}/auth/sessions/{}", server.api, ids[1]))
        .header("Authorization", account.bearer())
        .send()
        .await
        .expect("delete");
    assert_eq!(ended.status(), 204);
    assert_eq!(server.me(&second.token).await, 401);
    assert_eq!(server.refresh(&second.refresh_token).await.status(), 401);
    assert_eq!(server.me(&third.token).await, 200, "the others go on");

    // Every other session at once; this one stays.
    let rest = client()
        .delete(format!("{}/auth/sessions", server.api))
        .header("Authorization", account.bearer())
        .send()
        .await
        .expect("delete all");
    assert_eq!(rest.status(), 204);
    assert_eq!(server.me(&third.token).await, 401);
    assert_eq!(server.me(&account.token).await, 200);
    assert_eq!(sessions(&server, &account).await.as_array().map(Vec::len), Some(1));
    assert_eq!(server.me(&other.token).await, 200, "another user's sessions are untouched");
}
}

taskd_tests::on_both_backends! {
async fn a_bad_client_name_is_refused_at_its_field() {
    let server = Server::start();
    let account = server.account("client-names").await;
    for name in [json!(""), json!("x".repeat(101)), json!("line\nbreak")] {
        let refused = client()
            .post(format!("{}/auth/login", server.api))
            .json(&json!({"email": account.email, "password": account.password, "client_name": name}))
            .send()
            .await
            .expect("login");
        assert_eq!(refused.status(), 422, "{name}");
        let body: Value = refused.json().await.expect("JSON");
        assert_eq!(error_locations(&body), ["body.client_name"], "{name}");
    }
    // The form takes it too.
    let form = client()
        .post(format!("{}/auth/login", server.api))
        .form(&[("username", account.email.as_str()), ("password", "password123"), ("client_name", "a form")])
        .send()
        .await
        .expect("login");
    assert_eq!(form.status(), 200);
    let listed = sessions(&server, &account).await;
    assert_eq!(listed[1]["client"], "a form");
}
}
