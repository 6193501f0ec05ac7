//! Sessions: refresh-token rotation and theft detection, logout, password
//! change, account deletion, key rotation and brute-force limits.

use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Value, json};
use taskd_tests::{Account, SECRET_KEY, Server, ServerOptions, client, unique_email};

const REFRESH_REFUSED: &str = "Invalid, expired or revoked refresh token";

/// The JSON of one part (0 header, 1 claims) of a JWT.
fn jwt_part(token: &str, index: usize) -> Value {
    let part = token.split('.').nth(index).expect("a JWT part");
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(part).expect("base64url")).expect("JSON")
}

async fn post_as(
    server: &Server,
    path: &str,
    token: &str,
    body: Option<Value>,
) -> reqwest::Response {
    let mut request = client()
        .post(format!("{}{path}", server.api))
        .bearer_auth(token);
    if let Some(body) = body {
        request = request.json(&body);
    }
    request.send().await.expect("request")
}

async fn delete_me(server: &Server, token: &str, password: &str) -> reqwest::Response {
    client()
        .delete(format!("{}/auth/me", server.api))
        .bearer_auth(token)
        .json(&json!({ "password": password }))
        .send()
        .await
        .expect("delete request")
}

/// The `Retry-After` of a 429, in seconds.
fn retry_after(response: &reqwest::Response) -> u64 {
    response.headers()["retry-after"]
        .to_str()
        .expect("ASCII")
        .parse()
        .expect("seconds")
}

async fn detail(response: reqwest::Response) -> Value {
    response.json::<Value>().await.expect("JSON")["detail"].clone()
}

/// Refreshes and returns the account with the new pair of tokens.
async fn refreshed(server: &Server, account: &Account) -> Account {
    let response = server.refresh(&account.refresh_token).await;
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.expect("JSON");
    Account {
        token: body["access_token"].as_str().expect("access").to_owned(),
        refresh_token: body["refresh_token"].as_str().expect("refresh").to_owned(),
        ..account.clone()
    }
}

taskd_tests::on_both_backends! {
async fn login_hands_out_a_refresh_token_and_refresh_rotates_it() {
    let server = Server::start();
    let email = unique_email("rotate");
    assert_eq!(server.register(&email, "password123").await.status(), 201);
    let login = server.login(&email, "password123").await;
    assert_eq!(login.status(), 200);
    assert_eq!(login.headers()["cache-control"], "no-store");
    assert_eq!(login.headers()["pragma"], "no-cache");
    let body: Value = login.json().await.expect("JSON");
    assert_eq!(body["token_type"], "bearer");
    assert_eq!(body["expires_in"], 3600);
    assert_eq!(body["refresh_expires_in"], 30 * 24 * 3600);
    let first_refresh = body["refresh_token"].as_str().expect("refresh_token").to_owned();
    assert!(first_refresh.starts_with("tdr_") && first_refresh.len() >= 47, "{first_refresh}");
    let first_access = body["access_token"].as_str().expect("access_token").to_owned();
    let header = jwt_part(&first_access, 0);
    let claims = jwt_part(&first_access, 1);
    assert!(header["kid"].is_string(), "{header}");
    assert!(claims["jti"].is_string() && claims["sid"].is_i64(), "{claims}");

    let response = server.refresh(&first_refresh).await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["pragma"], "no-cache");
    let next: Value = response.json().await.expect("JSON");
    let next_access = next["access_token"].as_str().expect("access_token");
    let next_refresh = next["refresh_token"].as_str().expect("refresh_token");
    assert_ne!(next_access, first_access);
    assert_ne!(next_refresh, first_refresh);
    assert_eq!(jwt_part(next_access, 1)["sid"], claims["sid"], "same session");
    assert_ne!(jwt_part(next_access, 1)["jti"], claims["jti"]);
    assert_eq!(server.me(next_access).await, 200);
    assert_eq!(server.me(&first_access).await, 200, "the session is still live");

    // Only hashes are stored.
    assert_eq!(server.count("SELECT COUNT(*) FROM refresh_tokens"), 2);
    assert_eq!(
        server.count("SELECT COUNT(*) FROM refresh_tokens WHERE token_hash LIKE 'tdr_%'"),
        0
    );
    assert_eq!(
        server.count("SELECT COUNT(*) FROM refresh_tokens WHERE spent_at IS NOT NULL"),
        1
    );

    for (body, status) in [
        (json!({"refresh_token": "tdr_not-a-real-token"}), 401),
        (json!({"refresh_token": 42}), 422),
        (json!({}), 422),
    ] {
        let response = client()
            .post(format!("{}/auth/refresh", server.api))
            .json(&body)
            .send()
            .await
            .expect("request");
        assert_eq!(response.status(), status, "{body}");
    }
}
}

taskd_tests::on_both_backends! {
async fn a_spent_refresh_token_presented_again_revokes_the_whole_chain() {
    let server = Server::start();
    let first = server.account("theft").await;
    let second = refreshed(&server, &first).await;
    let third = refreshed(&server, &second).await;
    let elsewhere = server.session(&first).await;

    // The first refresh token again: someone else holds the chain.
    let reuse = server.refresh(&first.refresh_token).await;
    assert_eq!(reuse.status(), 401);
    assert_eq!(reuse.headers()["www-authenticate"], "Bearer");
    // Refused, saying why: the same words for every token of that login.
    let ended = detail(reuse).await;
    assert!(
        ended
            .as_str()
            .is_some_and(|text| text.starts_with("Your session has ended: its refresh token was used twice")),
        "{ended}"
    );
    // Every token of that login is dead: the newest refresh token too.
    let newest = server.refresh(&third.refresh_token).await;
    assert_eq!(newest.status(), 401);
    assert_eq!(detail(newest).await, ended);
    for account in [&first, &second, &third] {
        let me = client()
            .get(format!("{}/auth/me", server.api))
            .header("authorization", account.bearer())
            .send()
            .await
            .expect("me");
        assert_eq!(me.status(), 401);
        assert_eq!(me.headers()["www-authenticate"], "Bearer");
        assert_eq!(detail(me).await, ended);
    }
    // Another login of the same user is untouched.
    assert_eq!(server.me(&elsewhere.token).await, 200);
    assert_eq!(server.refresh(&elsewhere.refresh_token).await.status(), 200);
    assert_eq!(
        server.count("SELECT COUNT(*) FROM sessions WHERE revoked_reason = 'refresh token reuse'"),
        1
    );
}
}

taskd_tests::on_both_backends! {
async fn two_refreshes_racing_with_one_token_end_the_session() {
    let server = Server::start();
    for _ in 0..3 {
        let account = server.session(&server.account("race").await).await;
        let (one, two) = tokio::join!(
            server.refresh(&account.refresh_token),
            server.refresh(&account.refresh_token)
        );
        let mut statuses = [one.status().as_u16(), two.status().as_u16()];
        statuses.sort_unstable();
        assert_eq!(statuses, [200, 401], "exactly one spends the token");
        let winner: Value = if one.status() == 200 { one } else { two }
            .json()
            .await
            .expect("JSON");
        // The loser presented a spent token: the session is over for both.
        let next = winner["refresh_token"].as_str().expect("refresh_token");
        assert_eq!(server.refresh(next).await.status(), 401);
        let access = winner["access_token"].as_str().expect("access_token");
        assert_eq!(server.me(access).await, 401);
    }
}
}

taskd_tests::on_both_backends! {
async fn logout_kills_the_access_and_the_refresh_token() {
    let server = Server::start();
    let account = server.account("logout").await;
    let other = server.session(&account).await;

    let response = post_as(&server, "/auth/logout", &account.token, None).await;
    assert_eq!(response.status(), 204);
    assert_eq!(server.me(&account.token).await, 401);
    assert_eq!(server.refresh(&account.refresh_token).await.status(), 401);
    let again = post_as(&server, "/auth/logout", &account.token, None).await;
    assert_eq!(again.status(), 401);
    assert_eq!(
        post_as(&server, "/auth/logout", "garbage", None).await.status(),
        401
    );
    // The user's other session goes on.
    assert_eq!(server.me(&other.token).await, 200);
}
}

taskd_tests::on_both_backends! {
async fn a_password_change_logs_out_every_other_session() {
    let server = Server::start();
    let here = server.account("passwd").await;
    let there = server.session(&here).await;

    let wrong = post_as(
        &server,
        "/auth/password",
        &here.token,
        Some(json!({"current_password": "not it", "new_password": "a new password"})),
    )
    .await;
    assert_eq!(wrong.status(), 403);
    assert_eq!(detail(wrong).await, "Incorrect password");
    let short = post_as(
        &server,
        "/auth/password",
        &here.token,
        Some(json!({"current_password": here.password, "new_password": "short"})),
    )
    .await;
    assert_eq!(short.status(), 422);
    assert_eq!(detail(short).await[0]["loc"], json!(["body", "new_password"]));
    assert_eq!(server.me(&there.token).await, 200, "nothing changed yet");

    let changed = post_as(
        &server,
        "/auth/password",
        &here.token,
        Some(json!({"current_password": here.password, "new_password": "a new password"})),
    )
    .await;
    assert_eq!(changed.status(), 204);
    // The other session is cut off, both tokens.
    assert_eq!(server.me(&there.token).await, 401);
    assert_eq!(server.refresh(&there.refresh_token).await.status(), 401);
    // This one goes on with the tokens it has.
    assert_eq!(server.me(&here.token).await, 200);
    assert_eq!(server.refresh(&here.refresh_token).await.status(), 200);
    assert_eq!(server.login(&here.email, &here.password).await.status(), 401);
    assert_eq!(server.login(&here.email, "a new password").await.status(), 200);
}
}

taskd_tests::on_both_backends! {
async fn a_deleted_account_is_gone_with_its_tasks_and_tokens() {
    let server = Server::start();
    let leaving = server.account("leaving").await;
    let staying = server.account("staying").await;
    for title in ["one", "two", "three"] {
        let created = server.create_task(&leaving, json!({ "title": title })).await;
        assert_eq!(created.status(), 201);
    }
    assert_eq!(
        server.create_task(&staying, json!({"title": "mine"})).await.status(),
        201
    );
    let owned = format!("SELECT COUNT(*) FROM tasks WHERE owner_id = {}", leaving.id);
    assert_eq!(server.count(&owned), 3);

    let wrong = delete_me(&server, &leaving.token, "not the password").await;
    assert_eq!(wrong.status(), 403);
    assert_eq!(server.count(&owned), 3);
    let missing = client()
        .delete(format!("{}/auth/me", server.api))
        .bearer_auth(&leaving.token)
        .send()
        .await
        .expect("request");
    assert_eq!(missing.status(), 422, "the password is required");

    let deleted = delete_me(&server, &leaving.token, &leaving.password).await;
    assert_eq!(deleted.status(), 204);
    assert_eq!(server.count(&owned), 0);
    assert_eq!(
        server.count(&format!("SELECT COUNT(*) FROM users WHERE id = {}", leaving.id)),
        0
    );
    assert_eq!(
        server.count(&format!("SELECT COUNT(*) FROM sessions WHERE user_id = {}", leaving.id)),
        0
    );
    assert_eq!(server.me(&leaving.token).await, 401);
    assert_eq!(server.refresh(&leaving.refresh_token).await.status(), 401);
    assert_eq!(server.login(&leaving.email, &leaving.password).await.status(), 401);
    // Nobody else lost anything, and the email is free again.
    assert_eq!(server.me(&staying.token).await, 200);
    assert_eq!(
        server.count(&format!("SELECT COUNT(*) FROM tasks WHERE owner_id = {}", staying.id)),
        1
    );
    assert_eq!(server.register(&leaving.email, "password123").await.status(), 201);
}
}

taskd_tests::on_both_backends! {
async fn old_tokens_survive_a_key_rotation_until_the_old_key_is_dropped() {
    const NEW_KEY: &str = "the-new-secret-key-0123456789abcdef-0123456789";
    let mut server = Server::start();
    let account = server.account("rotation").await;
    let old_kid = jwt_part(&account.token, 0)["kid"].clone();
    assert!(server.stop().success());

    let mut rotated = server.restart(
        ServerOptions::default()
            .env("SECRET_KEY", NEW_KEY)
            .env("SECRET_KEY_PREVIOUS", SECRET_KEY),
    );
    assert_eq!(rotated.me(&account.token).await, 200, "signed with the previous key");
    let renewed = refreshed(&rotated, &account).await;
    assert_ne!(jwt_part(&renewed.token, 0)["kid"], old_kid, "signed with the new key");
    assert_eq!(rotated.me(&renewed.token).await, 200);
    assert!(rotated.stop().success());

    let settled = rotated.restart(ServerOptions::default().env("SECRET_KEY", NEW_KEY));
    assert_eq!(settled.me(&account.token).await, 401, "the old key is gone");
    assert_eq!(settled.me(&renewed.token).await, 200);
}
}

#[tokio::test]
async fn failed_logins_are_limited_per_email_and_recover_after_the_window() {
    let server = Server::start_with(ServerOptions::default().env("LOGIN_LIMIT_PER_EMAIL", "2/2s"));
    let account = server.account("limited").await;
    for _ in 0..2 {
        assert_eq!(
            server
                .login(&account.email, "wrong password")
                .await
                .status(),
            401
        );
    }
    let limited = server.login(&account.email, "wrong password").await;
    assert_eq!(limited.status(), 429);
    let retry_after = retry_after(&limited);
    assert!((1..=2).contains(&retry_after), "{retry_after}");
    assert!(
        detail(limited)
            .await
            .as_str()
            .expect("text")
            .starts_with("Too many attempts"),
    );
    // The right password does not get through the limit either: no guessing past it.
    assert_eq!(
        server
            .login(&account.email, &account.password)
            .await
            .status(),
        429
    );
    // Other accounts are not affected.
    let other = server.account("unaffected").await;
    assert_eq!(
        server.login(&other.email, "wrong password").await.status(),
        401
    );

    // The limit is the behaviour under test: wait out the window it announced.
    tokio::time::sleep(Duration::from_secs(retry_after)).await;
    assert_eq!(
        server
            .login(&account.email, &account.password)
            .await
            .status(),
        200
    );
    // A success clears the count: two more failures are allowed at once.
    for _ in 0..2 {
        assert_eq!(
            server
                .login(&account.email, "wrong password")
                .await
                .status(),
            401
        );
    }
    assert_eq!(
        server
            .login(&account.email, "wrong password")
            .await
            .status(),
        429
    );
}

#[tokio::test]
async fn failed_logins_are_limited_per_address_and_successes_do_not_count() {
    let server =
        Server::start_with(ServerOptions::default().env("LOGIN_LIMIT_PER_ADDRESS", "3/1h"));
    let account = server.account("address").await;
    for _ in 0..5 {
        assert_eq!(
            server
                .login(&account.email, &account.password)
                .await
                .status(),
            200
        );
    }
    for n in 0..3 {
        let email = unique_email(&format!("guess{n}"));
        assert_eq!(server.login(&email, "password123").await.status(), 401);
    }
    let limited = server.login(&account.email, &account.password).await;
    assert_eq!(limited.status(), 429);
    let retry_after = retry_after(&limited);
    assert!(
        (1..=1200).contains(&retry_after),
        "one of 3 per hour comes back in 20 minutes: {retry_after}"
    );
}

#[tokio::test]
async fn the_default_limit_is_five_failed_logins_per_email() {
    let server = Server::start_with(ServerOptions::default().unset("LOGIN_LIMIT_PER_EMAIL"));
    let account = server.account("default").await;
    for _ in 0..5 {
        assert_eq!(
            server
                .login(&account.email, "wrong password")
                .await
                .status(),
            401
        );
    }
    let limited = server.login(&account.email, "wrong password").await;
    assert_eq!(limited.status(), 429);
    let retry_after = retry_after(&limited);
    assert!((1..=60).contains(&retry_after), "{retry_after}");
}

#[tokio::test]
async fn registrations_are_limited_per_address_and_invalid_ones_do_not_count() {
    let server =
        Server::start_with(ServerOptions::default().env("REGISTER_LIMIT_PER_ADDRESS", "2/1h"));
    for _ in 0..3 {
        assert_eq!(
            server
                .register("not an email", "password123")
                .await
                .status(),
            422
        );
    }
    let email = unique_email("first");
    assert_eq!(server.register(&email, "password123").await.status(), 201);
    // Probing a taken email counts.
    assert_eq!(server.register(&email, "password123").await.status(), 409);
    let limited = server.register(&unique_email("third"), "password123").await;
    assert_eq!(limited.status(), 429);
    assert!(limited.headers().contains_key("retry-after"));
}

#[tokio::test]
async fn wrong_passwords_on_password_change_count_as_failed_logins() {
    let server = Server::start_with(ServerOptions::default().env("LOGIN_LIMIT_PER_EMAIL", "2/1h"));
    let account = server.account("confirm").await;
    let wrong = json!({"current_password": "not it", "new_password": "a new password"});
    for _ in 0..2 {
        let response = post_as(
            &server,
            "/auth/password",
            &account.token,
            Some(wrong.clone()),
        )
        .await;
        assert_eq!(response.status(), 403);
    }
    let limited = post_as(&server, "/auth/password", &account.token, Some(wrong)).await;
    assert_eq!(limited.status(), 429);
    assert_eq!(
        delete_me(&server, &account.token, &account.password)
            .await
            .status(),
        429
    );
    assert_eq!(
        server
            .login(&account.email, &account.password)
            .await
            .status(),
        429
    );
}

#[tokio::test]
async fn logout_on_one_instance_is_seen_by_another() {
    if !taskd_tests::use_postgres() {
        return;
    }
    let first = Server::start();
    let second = first.restart(ServerOptions::default());
    let account = first.account("shared").await;
    assert_eq!(second.me(&account.token).await, 200);
    let response = post_as(&first, "/auth/logout", &account.token, None).await;
    assert_eq!(response.status(), 204);
    assert_eq!(second.me(&account.token).await, 401);
    assert_eq!(second.refresh(&account.refresh_token).await.status(), 401);
}

/// A failed login sent with `X-Forwarded-For: forwarded`.
async fn failed_login_from(server: &Server, forwarded: &str) -> reqwest::StatusCode {
    client()
        .post(format!("{}/auth/login", server.api))
        .header("x-forwarded-for", forwarded)
        .form(&[
            ("username", unique_email("nobody").as_str()),
            ("password", "wrong password"),
        ])
        .send()
        .await
        .expect("login request")
        .status()
}

#[tokio::test]
async fn behind_a_trusted_proxy_each_forwarded_client_is_limited_on_its_own() {
    let server = Server::start_with(
        ServerOptions::default()
            .env("LOGIN_LIMIT_PER_ADDRESS", "2/1h")
            .env("FORWARDED_ALLOW_IPS", "127.0.0.1"),
    );
    for _ in 0..2 {
        assert_eq!(failed_login_from(&server, "203.0.113.5").await, 401);
    }
    assert_eq!(failed_login_from(&server, "203.0.113.5").await, 429);
    // Another client behind the same proxy is not affected…
    assert_eq!(failed_login_from(&server, "203.0.113.6").await, 401);
    // …and a client cannot escape by writing its own entry first: the proxy
    // appends the address it saw, and that one counts.
    assert_eq!(
        failed_login_from(&server, "198.51.100.77, 203.0.113.5").await,
        429
    );
}

#[tokio::test]
async fn without_trusted_proxies_x_forwarded_for_is_ignored() {
    let server =
        Server::start_with(ServerOptions::default().env("LOGIN_LIMIT_PER_ADDRESS", "2/1h"));
    assert_eq!(failed_login_from(&server, "203.0.113.5").await, 401);
    assert_eq!(failed_login_from(&server, "203.0.113.6").await, 401);
    assert_eq!(failed_login_from(&server, "203.0.113.7").await, 429);
}

taskd_tests::on_both_backends! {
async fn a_refused_token_of_an_ended_session_says_why() {
    let server = Server::start();
    let account = server.account("ended").await;
    let other = server.session(&account).await;
    let me = |token: String| {
        let api = server.api.clone();
        async move {
            let response = client()
                .get(format!("{api}/auth/me"))
                .bearer_auth(token)
                .send()
                .await
                .expect("me");
            let status = response.status().as_u16();
            let detail = detail(response).await;
            (status, detail.as_str().unwrap_or_default().to_owned())
        }
    };
    // The control: a live session's token is taken.
    assert_eq!(me(other.token.clone()).await.0, 200);

    // A password changed from another session ends this one, and says so.
    let changed = client()
        .post(format!("{}/auth/password", server.api))
        .bearer_auth(&account.token)
        .json(&json!({"current_password": account.password, "new_password": "password456"}))
        .send()
        .await
        .expect("password");
    assert_eq!(changed.status(), 204);
    let (status, why) = me(other.token.clone()).await;
    assert_eq!(status, 401);
    assert!(why.contains("password was changed from another session"), "{why}");
    let refused = server.refresh(&other.refresh_token).await;
    assert_eq!(refused.status(), 401);
    assert_eq!(detail(refused).await, why);

    // A logout says so too.
    let logout = client()
        .post(format!("{}/auth/logout", server.api))
        .bearer_auth(&account.token)
        .send()
        .await
        .expect("logout");
    assert_eq!(logout.status(), 204);
    let (status, why) = me(account.token.clone()).await;
    assert_eq!(status, 401);
    assert!(why.contains("it was logged out"), "{why}");

    // A token of no session at all still says only that it is not valid.
    let (status, unknown) = me("not.a.token".to_owned()).await;
    assert_eq!(status, 401);
    assert_eq!(unknown, "Could not validate credentials");
    let unknown = server.refresh("tdr_not-a-real-token").await;
    assert_eq!(unknown.status(), 401);
    assert_eq!(detail(unknown).await, REFRESH_REFUSED);
}
}
