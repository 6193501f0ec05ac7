//! What a hostile client tries against taskd: passwords bcrypt would cut
//! short, bodies a cross-site page can send without a preflight, racing
//! password changes, floods of refresh tokens and logins, a lock held for
//! ever.

use serde_json::{Value, json};
use taskd_tests::{Server, client, error_locations, unique_email};

/// bcrypt reads a password up to its first NUL, so this one would hash like
/// "abcd" and "abcd" would log in.
const NUL_PASSWORD: &str = "abcd\u{0}abcd\u{0}abcd";

taskd_tests::on_both_backends! {
async fn passwords_with_nul_are_refused_at_registration() {
    let server = Server::start();
    let email = unique_email("nul");
    let refused = server.register(&email, NUL_PASSWORD).await;
    assert_eq!(refused.status(), 422);
    assert_eq!(error_locations(&refused.json().await.expect("JSON")), ["body.password"]);
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
    assert_eq!(error_locations(&refused.json().await.expect("JSON")), ["body.new_password"]);
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

#[tokio::test]
async fn refreshing_an_unknown_token_never_waits_for_the_writer() {
    let server = Server::start();
    let account = server.account("refresh-flood").await;
    // Another writer holds SQLite's write lock.
    let path = server
        .database_url()
        .strip_prefix("sqlite:///")
        .expect("a SQLite file")
        .to_owned();
    let writer = rusqlite::Connection::open(&path).expect("open");
    writer
        .execute_batch("BEGIN IMMEDIATE")
        .expect("take the write lock");
    // An unknown token is refused at once, from a read: it does not queue
    // behind the writer (before, it waited out the busy timeout: 503).
    let unknown = server.refresh("tdr_not-a-token-anyone-was-given").await;
    assert_eq!(unknown.status(), 401);
    writer.execute_batch("ROLLBACK").expect("release");
    // The control: a real token still rotates.
    assert_eq!(server.refresh(&account.refresh_token).await.status(), 200);
}

taskd_tests::on_both_backends! {
async fn failed_refreshes_are_limited_per_address() {
    let server = Server::start_with(
        taskd_tests::ServerOptions::default().env("REFRESH_LIMIT_PER_ADDRESS", "2/minute"),
    );
    let account = server.account("refresh-limit").await;
    // Successes do not count: three in a row, over a limit of two.
    let mut token = account.refresh_token.clone();
    for _ in 0..3 {
        let refreshed = server.refresh(&token).await;
        assert_eq!(refreshed.status(), 200);
        let body: Value = refreshed.json().await.expect("JSON");
        token = body["refresh_token"].as_str().expect("token").to_owned();
    }
    for _ in 0..2 {
        assert_eq!(server.refresh("tdr_guess").await.status(), 401);
    }
    let limited = server.refresh("tdr_guess").await;
    assert_eq!(limited.status(), 429);
    assert!(limited.headers().contains_key("retry-after"));
    // Over the limit, the address is refused before any lookup, real token or not.
    assert_eq!(server.refresh(&token).await.status(), 429);
}
}

#[tokio::test]
async fn a_stuck_lock_on_postgresql_frees_its_request_and_pool_slot() {
    if !taskd_tests::use_postgres() {
        return;
    }
    let server =
        Server::start_with(taskd_tests::ServerOptions::default().env("DATABASE_LOCK_TIMEOUT", "1"));
    let account = server.account("locked").await;
    // Another client takes the account's row lock and sits on it.
    let url = server.database_url().to_owned();
    let user = account.id;
    let (locked, is_locked) = std::sync::mpsc::channel();
    let (release, released) = std::sync::mpsc::channel::<()>();
    let holder = std::thread::spawn(move || {
        let mut client = postgres::Client::connect(&url, postgres::NoTls).expect("connect");
        let mut transaction = client.transaction().expect("begin");
        transaction
            .execute("SELECT id FROM users WHERE id = $1 FOR UPDATE", &[&user])
            .expect("lock the row");
        locked.send(()).expect("say so");
        let _ = released.recv();
    });
    is_locked.recv().expect("the row is locked");
    let change = || {
        client()
            .post(format!("{}/auth/password", server.api))
            .header("authorization", account.bearer())
            .json(&json!({"current_password": account.password, "new_password": "a new password"}))
            .timeout(std::time::Duration::from_secs(20))
            .send()
    };
    let stuck = change().await.expect("an answer, not a wait for ever");
    assert_eq!(stuck.status(), 503);
    release.send(()).expect("release");
    holder.join().expect("the lock holder");
    // The control: with the lock gone, the same change goes through.
    assert_eq!(change().await.expect("an answer").status(), 204);
}

#[tokio::test]
async fn a_login_flood_is_refused_at_once_past_the_password_queue() {
    let server = Server::start_with(
        taskd_tests::ServerOptions::default()
            .env("BCRYPT_COST", "12")
            .env("PASSWORD_HASH_THREADS", "1")
            .env("PASSWORD_HASH_QUEUE", "0")
            .env("LOGIN_LIMIT_PER_EMAIL", "off")
            .env("LOGIN_LIMIT_PER_ADDRESS", "off"),
    );
    let account = server.account("flood").await;
    // Eight logins at once against one worker and no queue: the worker takes
    // one, the rest are refused at once instead of waiting behind it.
    let mut logins = tokio::task::JoinSet::new();
    for _ in 0..8 {
        let (url, email, password) = (
            format!("{}/auth/login", server.api),
            account.email.clone(),
            account.password.clone(),
        );
        logins.spawn(async move {
            let answer = client()
                .post(url)
                .form(&[("username", email), ("password", password)])
                .send()
                .await
                .expect("login");
            let header = |name: &str| {
                answer
                    .headers()
                    .get(name)
                    .map(|value| value.to_str().expect("ASCII").to_owned())
            };
            let (retry_after, connection) = (header("retry-after"), header("connection"));
            (answer.status().as_u16(), retry_after, connection)
        });
    }
    let answers = logins.join_all().await;
    let statuses: Vec<u16> = answers.iter().map(|(status, ..)| *status).collect();
    assert!(statuses.contains(&200), "{statuses:?}");
    assert!(statuses.contains(&503), "{statuses:?}");
    for (status, retry_after, connection) in &answers {
        if *status == 503 {
            assert_eq!(retry_after.as_deref(), Some("1"));
            // A flooding client must connect again for its next attempt,
            // which slows it more than it costs the server.
            assert_eq!(connection.as_deref(), Some("close"));
        } else {
            assert_eq!(
                connection, &None,
                "a login that went through keeps its connection"
            );
        }
    }
    // Reads never wait for the password workers.
    assert_eq!(server.me(&account.token).await, 200);
}

/// bcrypt runs on threads under Linux's idle scheduling policy, which any
/// request thread preempts at once, so a login flood's hashing cannot delay
/// reads (bench/login-flood.sh measures the effect). The account's reads and
/// writes stay at normal priority, so no paused thread holds a connection.
#[cfg(target_os = "linux")]
#[tokio::test]
async fn only_bcrypt_runs_at_the_idle_priority() {
    const SCHED_OTHER: u32 = 0;
    const SCHED_IDLE: u32 = 5;
    let server = Server::start_with(taskd_tests::ServerOptions::default().env("BCRYPT_COST", "12"));
    // A registration and a login: two hashes of about a quarter second.
    server.account("priority").await;
    let (mut hashing, mut others) = (Vec::new(), Vec::new());
    let (mut workers, mut hashing_ticks, mut worker_ticks) = (0, 0, 0);
    let tasks = std::fs::read_dir(format!("/proc/{}/task", server.pid())).expect("threads");
    for task in tasks {
        let path = task.expect("thread").path();
        let name = std::fs::read_to_string(path.join("comm")).expect("comm");
        let stat = std::fs::read_to_string(path.join("stat")).expect("stat");
        // Field 41 is the policy; fields after the parenthesised name.
        let after_name = &stat[stat.rfind(')').expect("name") + 2..];
        let policy: u32 = after_name
            .split(' ')
            .nth(41 - 3)
            .expect("policy field")
            .parse()
            .expect("a number");
        // Field 14 is the CPU time spent in user mode, in clock ticks.
        let ticks: u64 = after_name
            .split(' ')
            .nth(14 - 3)
            .expect("utime field")
            .parse()
            .expect("a number");
        if name.starts_with("taskd-bcrypt") {
            hashing.push(policy);
            hashing_ticks += ticks;
        } else {
            if name.starts_with("taskd-password") {
                workers += 1;
                worker_ticks += ticks;
            }
            others.push(policy);
        }
    }
    assert!(!hashing.is_empty(), "no bcrypt threads found");
    assert!(
        hashing.iter().all(|policy| *policy == SCHED_IDLE),
        "{hashing:?}"
    );
    // The control: every other thread, the password workers among them,
    // keeps the normal policy.
    assert_eq!(workers, hashing.len(), "a worker per bcrypt thread");
    assert!(
        others.iter().all(|policy| *policy == SCHED_OTHER),
        "{others:?}"
    );
    // And the hashing did run there, not on the workers.
    assert!(
        hashing_ticks > worker_ticks,
        "bcrypt threads {hashing_ticks} ticks, workers {worker_ticks}"
    );
}
