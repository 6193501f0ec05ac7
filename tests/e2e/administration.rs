//! What a self-hoster does: close registration or hand out invites, and
//! manage accounts with `taskd user` / `taskd invite` while taskd serves.

use std::io::Write;
use std::process::Stdio;

use serde_json::{Value, json};
use taskd_tests::{Server, ServerOptions, client, taskd_command, unique_email};

/// Runs `taskd ARGS…` on `server`'s database, with `stdin`; exit code,
/// stdout, stderr.
async fn taskd(server: &Server, args: &[&str], stdin: &str) -> (i32, String, String) {
    let url = server.database_url().to_owned();
    let args: Vec<String> = args.iter().map(|arg| (*arg).to_owned()).collect();
    let stdin = stdin.to_owned();
    tokio::task::spawn_blocking(move || {
        let directory = tempfile::tempdir().expect("working directory");
        let mut child = taskd_command(directory.path())
            .env("DATABASE_URL", &url)
            .env("BCRYPT_COST", "4")
            .args(&args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("run taskd");
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(stdin.as_bytes())
            .expect("write stdin");
        let output = child.wait_with_output().expect("taskd output");
        (
            output.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&output.stdout).into_owned(),
            String::from_utf8_lossy(&output.stderr).into_owned(),
        )
    })
    .await
    .expect("taskd thread")
}

async fn register(server: &Server, body: Value) -> reqwest::Response {
    client()
        .post(format!("{}/auth/register", server.api))
        .json(&body)
        .send()
        .await
        .expect("register")
}

async fn mode(server: &Server) -> Value {
    let answer = client()
        .get(format!("{}/auth/registration", server.api))
        .send()
        .await
        .expect("registration");
    assert_eq!(answer.status(), 200);
    answer.json().await.expect("JSON")
}

async fn detail(response: reqwest::Response) -> String {
    let body: Value = response.json().await.expect("JSON");
    body["detail"].as_str().unwrap_or_default().to_owned()
}

taskd_tests::on_both_backends! {
async fn closed_registration_refuses_everyone_and_says_so() {
    let open = Server::start();
    assert_eq!(mode(&open).await, json!({"mode": "open"}));
    let body = json!({"email": unique_email("open"), "password": "password123"});
    assert_eq!(register(&open, body).await.status(), 201);

    let closed = Server::start_with(ServerOptions::default().env("REGISTRATION", "closed"));
    assert_eq!(mode(&closed).await, json!({"mode": "closed"}));
    let refused = register(&closed, json!({"email": unique_email("closed"), "password": "password123"})).await;
    assert_eq!(refused.status(), 403);
    assert_eq!(detail(refused).await, "Registration is closed on this server");
    // The administrator still adds accounts.
    let email = unique_email("added");
    let (code, stdout, stderr) = taskd(&closed, &["user", "add", &email, "--password-stdin"], "password123\n").await;
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert_eq!(closed.login(&email, "password123").await.status(), 200);
}
}

taskd_tests::on_both_backends! {
async fn an_invite_is_taken_once_and_of_two_racing_registrations_one_wins() {
    let server = Server::start_with(ServerOptions::default().env("REGISTRATION", "invite"));
    assert_eq!(mode(&server).await, json!({"mode": "invite"}));
    let (code, stdout, stderr) = taskd(&server, &["invite", "create"], "").await;
    assert_eq!(code, 0, "{stderr}");
    let invite = stdout.lines().next().expect("the code").trim().to_owned();
    assert!(invite.starts_with("tdi_"), "{stdout}");

    let without = register(&server, json!({"email": unique_email("no-invite"), "password": "password123"})).await;
    assert_eq!(without.status(), 403);
    assert!(detail(without).await.contains("invite"));
    let wrong = register(&server, json!({"email": unique_email("wrong"), "password": "password123", "invite": "tdi_nope"})).await;
    assert_eq!(wrong.status(), 403);
    assert!(detail(wrong).await.contains("invite"));

    // Two registrations with the single-use code at once: exactly one wins.
    let first = register(&server, json!({"email": unique_email("racer"), "password": "password123", "invite": invite}));
    let second = register(&server, json!({"email": unique_email("racer"), "password": "password123", "invite": invite}));
    let (first, second) = tokio::join!(first, second);
    let mut statuses = [first.status().as_u16(), second.status().as_u16()];
    statuses.sort_unstable();
    assert_eq!(statuses, [201, 403]);
    let (_, listed, _) = taskd(&server, &["invite", "list"], "").await;
    assert!(listed.contains("used up"), "{listed}");

    // A revoked code is refused; a live one with uses left works.
    let (_, made, _) = taskd(&server, &["invite", "create", "--uses", "2", "--expires", "7d"], "").await;
    let revoked = made.lines().next().expect("code").trim().to_owned();
    // Revoked by the id the list shows (the code is shown only once).
    let (_, listed, _) = taskd(&server, &["invite", "list"], "").await;
    let id = listed
        .lines()
        .find(|line| line.contains(&revoked[..8]))
        .and_then(|line| line.split_whitespace().next())
        .expect("the new invite's row")
        .to_owned();
    let (code, _, stderr) = taskd(&server, &["invite", "revoke", &id], "").await;
    assert_eq!(code, 0, "{stderr}");
    let refused = register(&server, json!({"email": unique_email("revoked"), "password": "password123", "invite": revoked})).await;
    assert_eq!(refused.status(), 403);
    let (code, _, stderr) = taskd(&server, &["invite", "revoke", &revoked], "").await;
    assert_eq!(code, 1, "revoking twice: {stderr}");
}
}

taskd_tests::on_both_backends! {
async fn the_admin_cli_manages_accounts_while_taskd_serves() {
    let server = Server::start();
    let account = server.account("admin-cli").await;
    let token = client()
        .post(format!("{}/auth/tokens", server.api))
        .header("Authorization", account.bearer())
        .json(&json!({"name": "script", "scopes": ["tasks:read"]}))
        .send()
        .await
        .expect("token");
    let token: Value = token.json().await.expect("JSON");
    let token = format!("Bearer {}", token["token"].as_str().expect("secret"));
    let tasks = |bearer: String| {
        let api = server.api.clone();
        async move {
            client()
                .get(format!("{api}/tasks"))
                .header("Authorization", bearer)
                .send()
                .await
                .expect("tasks")
                .status()
        }
    };
    server.create_task(&account, json!({"title": "one"})).await;

    let (code, stdout, _) = taskd(&server, &["user", "list", "--json"], "").await;
    assert_eq!(code, 0);
    let users: Value = serde_json::from_str(&stdout).expect("JSON list");
    let me = users.as_array().expect("list").iter().find(|user| user["email"] == account.email.as_str()).expect("listed");
    assert_eq!((me["tasks"].as_i64(), me["sessions"].as_i64(), me["tokens"].as_i64()), (Some(1), Some(1), Some(1)));
    assert_eq!(me["disabled"], false);

    // Disabled: the next request of the session and of the token is refused,
    // and a login with the right password says why.
    let (code, _, stderr) = taskd(&server, &["user", "disable", &account.email], "").await;
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(tasks(account.bearer()).await, 401);
    assert_eq!(tasks(token.clone()).await, 401);
    assert_eq!(server.refresh(&account.refresh_token).await.status(), 401, "no refresh either");
    let login = server.login(&account.email, "password123").await;
    assert_eq!(login.status(), 403);
    assert!(detail(login).await.contains("disabled"));
    assert_eq!(server.login(&account.email, "wrong-password").await.status(), 401);
    let (code, _, _) = taskd(&server, &["user", "enable", &account.email], "").await;
    assert_eq!(code, 0);
    // Disabling ended the sessions for good; the token works again, and so
    // does a new login.
    assert_eq!(tasks(account.bearer()).await, 401);
    assert_eq!(tasks(token.clone()).await, 200);
    let account = server.session(&account).await;
    assert_eq!(tasks(account.bearer()).await, 200);

    // A reset ends the sessions and the tokens; the new password works.
    let (code, _, stderr) = taskd(&server, &["user", "reset-password", &account.email, "--password-stdin"], "new-password-1\n").await;
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(tasks(account.bearer()).await, 401);
    assert_eq!(tasks(token).await, 401);
    assert_eq!(server.login(&account.email, "password123").await.status(), 401);
    assert_eq!(server.login(&account.email, "new-password-1").await.status(), 200);

    // Refusals: no such account (1), a bad address or password (2), no
    // confirmation off a terminal (2).
    let (code, _, stderr) = taskd(&server, &["user", "disable", "nobody@example.com"], "").await;
    assert_eq!(code, 1);
    assert!(stderr.contains("no account"), "{stderr}");
    let (code, _, _) = taskd(&server, &["user", "add", "not-an-email", "--password-stdin"], "password123\n").await;
    assert_eq!(code, 2);
    let (code, _, _) = taskd(&server, &["user", "add", &unique_email("short"), "--password-stdin"], "short\n").await;
    assert_eq!(code, 2);
    let (code, _, _) = taskd(&server, &["user", "delete", &account.email], "").await;
    assert_eq!(code, 2);
    assert_eq!(server.login(&account.email, "new-password-1").await.status(), 200);
    let (code, _, _) = taskd(&server, &["user", "delete", &account.email, "--yes"], "").await;
    assert_eq!(code, 0);
    assert_eq!(server.login(&account.email, "new-password-1").await.status(), 401);
}
}
