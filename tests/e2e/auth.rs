//! Registration, login and `/auth/me`.

use serde_json::{Value, json};
use taskd_tests::{Server, client, error_locations, unique_email};

taskd_tests::on_both_backends! {
async fn register_returns_the_user_with_a_normalised_email_and_no_hash() {
    let server = Server::start();
    let response = server
        .register("  Jane.Doe@Example.COM ", "password123")
        .await;
    assert_eq!(response.status(), 201);
    let user: Value = response.json().await.expect("JSON");
    assert_eq!(user["email"], "jane.doe@example.com");
    assert!(user["id"].as_i64().expect("id") > 0);
    assert!(
        user["created_at"]
            .as_str()
            .expect("created_at")
            .ends_with('Z')
    );
    let mut keys: Vec<_> = user.as_object().expect("object").keys().cloned().collect();
    keys.sort();
    assert_eq!(
        keys,
        ["created_at", "email", "id", "timezone"],
        "no password hash or other field"
    );
}
}

taskd_tests::on_both_backends! {
async fn duplicate_email_is_409_whatever_the_case() {
    let server = Server::start();
    let email = unique_email("dup");
    assert_eq!(server.register(&email, "password123").await.status(), 201);
    let again = server
        .register(&email.to_uppercase(), "different-password")
        .await;
    assert_eq!(again.status(), 409);
    let body: Value = again.json().await.expect("JSON");
    assert_eq!(body, json!({"detail": "Email already registered"}));
}
}

taskd_tests::on_both_backends! {
async fn invalid_email_weak_and_overlong_passwords_are_422_with_locations() {
    let server = Server::start();
    let invalid = server.register("not-an-email", "password123").await;
    assert_eq!(invalid.status(), 422);
    assert_eq!(
        error_locations(&invalid.json().await.expect("JSON")),
        ["body.email"]
    );

    let weak = server.register(&unique_email("weak"), "short").await;
    assert_eq!(weak.status(), 422);
    let body: Value = weak.json().await.expect("JSON");
    assert_eq!(error_locations(&body), ["body.password"]);
    assert_eq!(body["detail"][0]["type"], "string_too_short");

    // 73 bytes is refused outright, never silently truncated to 72.
    let overlong = server
        .register(&unique_email("long"), &"a".repeat(73))
        .await;
    assert_eq!(overlong.status(), 422);
    let body: Value = overlong.json().await.expect("JSON");
    assert_eq!(body["detail"][0]["type"], "string_too_long");
    assert_eq!(
        server
            .register(&unique_email("max"), &"a".repeat(72))
            .await
            .status(),
        201
    );
}
}

taskd_tests::on_both_backends! {
async fn every_registration_error_is_reported_at_once() {
    let server = Server::start();
    let both = server.register("nope", "short").await;
    assert_eq!(both.status(), 422);
    assert_eq!(
        error_locations(&both.json().await.expect("JSON")),
        ["body.email", "body.password"]
    );

    let missing = client()
        .post(format!("{}/auth/register", server.api))
        .json(&json!({}))
        .send()
        .await
        .expect("request");
    assert_eq!(missing.status(), 422);
    let body: Value = missing.json().await.expect("JSON");
    assert_eq!(error_locations(&body), ["body.email", "body.password"]);
    assert_eq!(body["detail"][0]["type"], "missing");
}
}

taskd_tests::on_both_backends! {
async fn login_with_the_oauth2_form_returns_an_uncached_bearer_token() {
    let server = Server::start();
    let email = unique_email("form");
    server.register(&email, "password123").await;
    let response = server.login(&email.to_uppercase(), "password123").await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["cache-control"], "no-store");
    let token: Value = response.json().await.expect("JSON");
    assert_eq!(token["token_type"], "bearer");
    assert_eq!(token["expires_in"], 3600);
    assert_eq!(
        token["access_token"]
            .as_str()
            .expect("token")
            .split('.')
            .count(),
        3
    );
}
}

taskd_tests::on_both_backends! {
async fn login_accepts_a_json_body_and_a_password_grant_type() {
    let server = Server::start();
    let email = unique_email("json");
    server.register(&email, "password123").await;
    let json_login = client()
        .post(format!("{}/auth/login", server.api))
        .json(&json!({"email": email, "password": "password123"}))
        .send()
        .await
        .expect("request");
    assert_eq!(json_login.status(), 200);

    // JSON logins take exactly email and password: a form's field names are refused by name.
    let mixed = client()
        .post(format!("{}/auth/login", server.api))
        .json(&json!({"email": email, "password": "password123", "username": ""}))
        .send()
        .await
        .expect("request");
    assert_eq!(mixed.status(), 422);
    assert_eq!(error_locations(&mixed.json().await.expect("JSON")), ["body.username"]);

    let form = [
        ("grant_type", "password"),
        ("username", email.as_str()),
        ("password", "password123"),
    ];
    let granted = client()
        .post(format!("{}/auth/login", server.api))
        .form(&form)
        .send()
        .await
        .expect("request");
    assert_eq!(granted.status(), 200);

    // An empty optional field is no field, as FastAPI reads forms.
    let form = [
        ("grant_type", ""),
        ("username", email.as_str()),
        ("password", "password123"),
    ];
    let empty_grant = client()
        .post(format!("{}/auth/login", server.api))
        .form(&form)
        .send()
        .await
        .expect("request");
    assert_eq!(empty_grant.status(), 200);

    let form = [
        ("grant_type", "client_credentials"),
        ("username", email.as_str()),
        ("password", "password123"),
    ];
    let wrong_grant = client()
        .post(format!("{}/auth/login", server.api))
        .form(&form)
        .send()
        .await
        .expect("request");
    assert_eq!(wrong_grant.status(), 422);
    assert_eq!(
        error_locations(&wrong_grant.json().await.expect("JSON")),
        ["body.grant_type"]
    );
}
}

taskd_tests::on_both_backends! {
async fn wrong_password_and_unknown_email_answer_alike() {
    let server = Server::start();
    let email = unique_email("alike");
    server.register(&email, "password123").await;
    let wrong_password = server.login(&email, "password124").await;
    let unknown_email = server.login(&unique_email("nobody"), "password123").await;
    for response in [wrong_password, unknown_email] {
        assert_eq!(response.status(), 401);
        assert_eq!(response.headers()["www-authenticate"], "Bearer");
        let body: Value = response.json().await.expect("JSON");
        assert_eq!(body, json!({"detail": "Incorrect email or password"}));
    }
}
}

taskd_tests::on_both_backends! {
async fn a_password_longer_than_72_bytes_never_logs_in_by_its_prefix() {
    let server = Server::start();
    let email = unique_email("prefix");
    let password = "p".repeat(72);
    assert_eq!(server.register(&email, &password).await.status(), 201);
    assert_eq!(server.login(&email, &password).await.status(), 200);
    assert_eq!(
        server
            .login(&email, &format!("{password}extra"))
            .await
            .status(),
        401
    );
}
}

taskd_tests::on_both_backends! {
async fn login_form_with_missing_fields_is_422() {
    let server = Server::start();
    let response = client()
        .post(format!("{}/auth/login", server.api))
        .form(&[("scope", ""), ("username", ""), ("password", "")])
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 422);
    assert_eq!(
        error_locations(&response.json().await.expect("JSON")),
        ["body.username", "body.password"]
    );
}
}

taskd_tests::on_both_backends! {
async fn me_returns_the_token_owner() {
    let server = Server::start();
    let account = server.account("me").await;
    let response = client()
        .get(format!("{}/auth/me", server.api))
        .header("authorization", account.bearer())
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["cache-control"], "no-store");
    let user: Value = response.json().await.expect("JSON");
    assert_eq!(user["id"], account.id);
    assert_eq!(user["email"], account.email);
}
}
