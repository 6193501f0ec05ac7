//! What a hostile client tries: passwords bcrypt would cut short, bodies a
//! cross-site page can send without a preflight.

use serde_json::{Value, json};
use taskd_tests::{Server, client, unique_email};

/// bcrypt reads a password up to its first NUL, so this one would hash like
/// "abcd" and "abcd" would log in.
const NUL_PASSWORD: &str = "abcd\u{0}abcd\u{0}abcd";

fn locations(body: &Value) -> Vec<String> {
    body["detail"]
        .as_array()
        .expect("a list of errors")
        .iter()
        .map(|error| {
            error["loc"]
                .as_array()
                .expect("loc")
                .iter()
                .map(|part| part.as_str().expect("text").to_owned())
                .collect::<Vec<_>>()
                .join(".")
        })
        .collect()
}

taskd_tests::on_both_backends! {
async fn passwords_with_nul_are_refused_at_registration() {
    let server = Server::start();
    let email = unique_email("nul");
    let refused = server.register(&email, NUL_PASSWORD).await;
    assert_eq!(refused.status(), 422);
    assert_eq!(locations(&refused.json().await.expect("JSON")), ["body.password"]);
    // Nothing was created: the short password does not log in.
    assert_eq!(server.login(&email, "abcd").await.status(), 401);
    // The control: the same email with an ordinary password registers.
    assert_eq!(server.register(&email, "abcdabcdabcd").await.status(), 201);
}
}

taskd_tests::on_both_backends! {
async fn passwords_with_nul_are_refused_at_password_change_and_login() {
    let server = Server::start();
    let account = server.account("nul-change").await;
    let change = |new_password: &str| {
        client()
            .post(format!("{}/auth/password", server.api))
            .header("authorization", account.bearer())
            .json(&json!({"current_password": account.password, "new_password": new_password}))
            .send()
    };
    let refused = change(NUL_PASSWORD).await.expect("request");
    assert_eq!(refused.status(), 422);
    assert_eq!(locations(&refused.json().await.expect("JSON")), ["body.new_password"]);
    assert_eq!(server.login(&account.email, "abcd").await.status(), 401);
    // The password in use, with a NUL and more after it, does not log in.
    let padded = format!("{}\u{0}anything", account.password);
    assert_eq!(server.login(&account.email, &padded).await.status(), 401);
    assert_eq!(server.login(&account.email, &account.password).await.status(), 200);
}
}

taskd_tests::on_both_backends! {
async fn json_endpoints_refuse_bodies_without_a_json_media_type() {
    let server = Server::start();
    let email = unique_email("no-cors");
    let body = json!({"email": email, "password": "password123"}).to_string();
    // What fetch(url, {mode: "no-cors", body: new Blob([json])}) sends: no
    // Content-Type at all, or text/plain; neither needs a CORS preflight.
    let no_type = client()
        .post(format!("{}/auth/register", server.api))
        .body(body.clone())
        .send()
        .await
        .expect("request");
    assert_eq!(no_type.status(), 415);
    let plain = client()
        .post(format!("{}/auth/register", server.api))
        .header("content-type", "text/plain")
        .body(body.clone())
        .send()
        .await
        .expect("request");
    assert_eq!(plain.status(), 415);
    assert_eq!(server.login(&email, "password123").await.status(), 401, "nothing registered");

    let login_without_type = client()
        .post(format!("{}/auth/login", server.api))
        .body(body.clone())
        .send()
        .await
        .expect("request");
    assert_eq!(login_without_type.status(), 415);

    // The controls: the same body as JSON registers; login takes JSON and forms.
    let json = client()
        .post(format!("{}/auth/register", server.api))
        .header("content-type", "application/json; charset=utf-8")
        .body(body.clone())
        .send()
        .await
        .expect("request");
    assert_eq!(json.status(), 201);
    let login_json = client()
        .post(format!("{}/auth/login", server.api))
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .expect("request");
    assert_eq!(login_json.status(), 200);
    assert_eq!(server.login(&email, "password123").await.status(), 200);
}
}

taskd_tests::on_both_backends! {
async fn of_two_password_changes_at_once_exactly_one_goes_through() {
    let server = Server::start();
    for round in 0..20 {
        let first = server.account(&format!("race-{round}")).await;
        let second = server.session(&first).await;
        let change = |account: &taskd_tests::Account, new_password: &str| {
            client()
                .post(format!("{}/auth/password", server.api))
                .header("authorization", account.bearer())
                .json(&json!({"current_password": account.password, "new_password": new_password}))
                .send()
        };
        let (one, two) = tokio::join!(
            change(&first, "first new password"),
            change(&second, "second new password")
        );
        let mut statuses = [
            one.expect("request").status().as_u16(),
            two.expect("request").status().as_u16(),
        ];
        statuses.sort_unstable();
        assert!(
            statuses == [204, 401] || statuses == [204, 409],
            "round {round}: {statuses:?}"
        );
        // Whichever won, its password is the one in force.
        let winner = if server.login(&first.email, "first new password").await.status() == 200 {
            "first"
        } else {
            "second"
        };
        assert_eq!(
            server.login(&first.email, &format!("{winner} new password")).await.status(),
            200,
            "round {round}"
        );
    }
}
}
