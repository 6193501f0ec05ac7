//! taskctl and sessions: transparent renewal, logout on the server,
//! password change and account deletion, with the real binaries.

use std::time::Duration;

use serde_json::Value;
use taskd_tests::{Server, ServerOptions, Taskctl};

const PASSWORD: &str = "correct horse battery";
const NEW_PASSWORD: &str = "staple battery horse";

fn registered(server: &Server) -> (Taskctl, String) {
    Taskctl::registered(server, "cli-session", PASSWORD)
}

fn logged_in(server: &Server, email: &str, password: &str) -> Taskctl {
    let taskctl = Taskctl::new(server);
    taskctl
        .run(
            &["login", "--email", email, "--password-stdin"],
            Some(password),
        )
        .success();
    taskctl
}

fn saved(taskctl: &Taskctl) -> Value {
    let text =
        std::fs::read_to_string(taskctl.config_dir().join("session.json")).expect("session file");
    serde_json::from_str(&text).expect("session JSON")
}

fn text(value: &Value, key: &str) -> String {
    value[key]
        .as_str()
        .unwrap_or_else(|| panic!("{key} in {value}"))
        .to_owned()
}

/// Waits until the saved access token has expired, for the client and for
/// the server (JWT times are whole seconds, so a second more).
fn until_expired(taskctl: &Taskctl) {
    let expires_at: chrono::DateTime<chrono::Utc> = text(&saved(taskctl), "expires_at")
        .parse()
        .expect("timestamp");
    let left = (expires_at - chrono::Utc::now())
        .to_std()
        .unwrap_or_default();
    // Expiry is the behaviour under test: let the token's lifetime pass.
    std::thread::sleep(left + Duration::from_millis(1100));
}

fn short_lived() -> Server {
    Server::start_with(ServerOptions::default().env("ACCESS_TOKEN_EXPIRE_SECONDS", "1"))
}

#[test]
fn taskctl_keeps_working_across_an_access_token_expiry() {
    let server = short_lived();
    let (taskctl, _) = registered(&server);
    let before = saved(&taskctl);
    taskctl.run(&["add", "before the expiry"], None).success();
    until_expired(&taskctl);

    // The server refuses the old access token now (a 1 s token gets no leeway)…
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    assert_eq!(runtime.block_on(server.me(&text(&before, "token"))), 401);
    // …and taskctl carries on regardless.
    let listed = taskctl.run(&["list"], None).success();
    assert!(
        listed.stdout.contains("before the expiry"),
        "{}",
        listed.stdout
    );
    let after = saved(&taskctl);
    assert_ne!(text(&after, "token"), text(&before, "token"), "renewed");
    assert_ne!(
        text(&after, "refresh_token"),
        text(&before, "refresh_token"),
        "rotated"
    );
    taskctl.run(&["add", "after the expiry"], None).success();

    // The refresh token taskctl spent, presented again, is theft: the
    // session ends, and taskctl says so.
    let reuse = runtime.block_on(server.refresh(&text(&before, "refresh_token")));
    assert_eq!(reuse.status(), 401);
    until_expired(&taskctl);
    let run = taskctl.run(&["list"], None);
    assert_eq!(run.code, Some(4), "{}", run.stderr);
    assert!(
        run.stderr.contains("has ended") && run.stderr.contains("taskctl login"),
        "{}",
        run.stderr
    );
}

#[test]
fn taskctl_renews_when_the_server_refuses_the_access_token() {
    let server = Server::start();
    let (taskctl, email) = registered(&server);
    let path = taskctl.config_dir().join("session.json");
    let mut session = saved(&taskctl);
    session["token"] = Value::from("a-token-the-server-refuses");
    std::fs::write(&path, session.to_string()).expect("write");
    let whoami = taskctl.run(&["whoami"], None).success();
    assert!(whoami.stdout.contains(&email), "{}", whoami.stdout);
    assert_ne!(
        text(&saved(&taskctl), "token"),
        "a-token-the-server-refuses"
    );
}

#[test]
fn concurrent_taskctl_runs_renew_once_and_stay_logged_in() {
    let server = short_lived();
    let (taskctl, _) = registered(&server);
    taskctl.run(&["add", "shared"], None).success();
    until_expired(&taskctl);
    // Several processes find the token expired at once; they must not spend
    // the same refresh token twice (that would end the session).
    let runs: Vec<_> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..4)
            .map(|_| scope.spawn(|| taskctl.run(&["list", "--json"], None)))
            .collect();
        handles
            .into_iter()
            .map(|handle| handle.join().expect("thread"))
            .collect()
    });
    for run in runs {
        let run = run.success();
        assert_eq!(run.json().as_array().expect("array").len(), 1);
    }
    taskctl.run(&["whoami"], None).success();
}

#[test]
fn logout_ends_the_session_on_the_server() {
    let server = Server::start();
    let (taskctl, _) = registered(&server);
    let session = saved(&taskctl);
    let logout = taskctl.run(&["logout"], None).success();
    assert!(logout.stdout.contains("logged out of"), "{}", logout.stdout);
    assert!(!taskctl.config_dir().join("session.json").exists());
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    assert_eq!(runtime.block_on(server.me(&text(&session, "token"))), 401);
    let refresh = runtime.block_on(server.refresh(&text(&session, "refresh_token")));
    assert_eq!(refresh.status(), 401);
    let again = taskctl.run(&["logout"], None).success();
    assert!(again.stdout.contains("nothing to do"), "{}", again.stdout);
}

#[test]
fn passwd_changes_the_password_and_logs_out_other_sessions() {
    let server = Server::start();
    let (here, email) = registered(&server);
    let elsewhere = logged_in(&server, &email, PASSWORD);

    let wrong = here.run(
        &["passwd", "--password-stdin"],
        Some(&format!("not the password\n{NEW_PASSWORD}\n")),
    );
    assert_eq!(wrong.code, Some(1), "{}", wrong.stderr);
    assert!(
        wrong
            .stderr
            .contains("incorrect password; the password was not changed"),
        "{}",
        wrong.stderr
    );
    let one_line = here.run(&["passwd", "--password-stdin"], Some(PASSWORD));
    assert_eq!(one_line.code, Some(2), "{}", one_line.stderr);

    let changed = here
        .run(
            &["passwd", "--password-stdin"],
            Some(&format!("{PASSWORD}\n{NEW_PASSWORD}\n")),
        )
        .success();
    assert!(
        changed.stdout.contains("every other session"),
        "{}",
        changed.stdout
    );
    here.run(&["list"], None).success();
    let cut_off = elsewhere.run(&["list"], None);
    assert_eq!(cut_off.code, Some(4), "{}", cut_off.stderr);

    let old = Taskctl::new(&server).run(
        &["login", "--email", &email, "--password-stdin"],
        Some(PASSWORD),
    );
    assert_eq!(old.code, Some(1), "{}", old.stderr);
    logged_in(&server, &email, NEW_PASSWORD);
}

#[test]
fn account_delete_asks_for_the_password_and_the_email() {
    let server = Server::start();
    let (taskctl, email) = registered(&server);
    taskctl.run(&["add", "soon gone"], None).success();
    let user_id = taskctl.run(&["whoami", "--json"], None).success().json()["id"]
        .as_i64()
        .expect("id");

    let unconfirmed = taskctl.run(&["account", "delete", "--password-stdin"], Some(PASSWORD));
    assert_eq!(unconfirmed.code, Some(2), "{}", unconfirmed.stderr);
    assert!(
        unconfirmed.stderr.contains(&format!("--confirm {email}")),
        "{}",
        unconfirmed.stderr
    );
    let mistyped = taskctl.run(
        &[
            "account",
            "delete",
            "--password-stdin",
            "--confirm",
            "someone@else.test",
        ],
        Some(PASSWORD),
    );
    assert_eq!(mistyped.code, Some(2), "{}", mistyped.stderr);
    let wrong = taskctl.run(
        &["account", "delete", "--password-stdin", "--confirm", &email],
        Some("not the password"),
    );
    assert_eq!(wrong.code, Some(1), "{}", wrong.stderr);
    assert!(
        wrong.stderr.contains("nothing was deleted"),
        "{}",
        wrong.stderr
    );
    taskctl.run(&["whoami"], None).success();

    let deleted = taskctl
        .run(
            &[
                "account",
                "delete",
                "--password-stdin",
                "--confirm",
                &email.to_uppercase(),
            ],
            Some(PASSWORD),
        )
        .success();
    assert!(
        deleted.stdout.contains(&format!("deleted {email}")),
        "{}",
        deleted.stdout
    );
    assert_eq!(taskctl.run(&["whoami"], None).code, Some(4));
    assert_eq!(
        server.count(&format!(
            "SELECT COUNT(*) FROM tasks WHERE owner_id = {user_id}"
        )),
        0
    );
    assert_eq!(
        server.count(&format!("SELECT COUNT(*) FROM users WHERE id = {user_id}")),
        0
    );
}
