//! `taskd backup`: a checked copy of a SQLite database taken while it
//! serves, which another taskd can serve.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use serde_json::json;
use taskd_tests::{Backend, Server, ServerOptions, client, taskd_command, use_backend};

/// Runs `taskd backup ARGS…` on `database_url`; its exit code, stdout and stderr.
async fn backup(database_url: &str, args: &[&str]) -> (i32, String, String) {
    let (url, args): (String, Vec<String>) = (
        database_url.to_owned(),
        args.iter().map(|arg| (*arg).to_owned()).collect(),
    );
    tokio::task::spawn_blocking(move || {
        let directory = tempfile::tempdir().expect("working directory");
        let output = taskd_command(directory.path())
            .env("DATABASE_URL", &url)
            .arg("backup")
            .args(&args)
            .output()
            .expect("run taskd backup");
        (
            output.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&output.stdout).into_owned(),
            String::from_utf8_lossy(&output.stderr).into_owned(),
        )
    })
    .await
    .expect("backup thread")
}

/// The counts `taskd backup` printed: users, tasks.
fn counts(stdout: &str) -> (u64, u64) {
    let number = |word: &str| -> u64 {
        let words: Vec<&str> = stdout.split_whitespace().collect();
        let at = words
            .iter()
            .position(|w| w.trim_end_matches(',') == word)
            .unwrap_or_else(|| panic!("no {word} in {stdout:?}"));
        words[at - 1].parse().expect("a count")
    };
    (number("users"), number("tasks"))
}

#[tokio::test]
async fn a_backup_taken_during_writes_is_whole_and_serves_the_same_users_and_tasks() {
    use_backend(Backend::Sqlite);
    let server = Server::start();
    let account = server.account("backup").await;
    for n in 0..20 {
        let made = server
            .create_task(&account, json!({"title": format!("before {n}")}))
            .await;
        assert_eq!(made.status(), 201);
    }
    // Writes go on while the copy is taken.
    let stop = Arc::new(AtomicBool::new(false));
    let (started, writing) = tokio::sync::oneshot::channel();
    let writer = {
        let (stop, api, bearer) = (stop.clone(), server.api.clone(), account.bearer());
        tokio::spawn(async move {
            let mut started = Some(started);
            let mut written = 0u64;
            while !stop.load(Ordering::Relaxed) {
                let made = client()
                    .post(format!("{api}/tasks"))
                    .header("Authorization", &bearer)
                    .json(&json!({"title": "during"}))
                    .send()
                    .await
                    .expect("create");
                assert_eq!(made.status(), 201);
                written += 1;
                if written == 3
                    && let Some(started) = started.take()
                {
                    let _ = started.send(());
                }
            }
            written
        })
    };
    writing.await.expect("the writer is writing");
    let directory = tempfile::tempdir().expect("backup directory");
    let file = directory.path().join("copy.db");
    let (code, stdout, stderr) =
        backup(server.database_url(), &[file.to_str().expect("path")]).await;
    stop.store(true, Ordering::Relaxed);
    let written = writer.await.expect("writer");
    assert_eq!(code, 0, "{stdout}{stderr}");
    let (users, tasks) = counts(&stdout);
    assert_eq!(users, 1);
    assert!(
        (20..=20 + written).contains(&tasks),
        "{tasks} of 20 + {written}"
    );

    // An existing file is refused, and replaced only with --force.
    let (code, _, stderr) = backup(server.database_url(), &[file.to_str().expect("path")]).await;
    assert_eq!(code, 1);
    assert!(stderr.contains("--force"), "{stderr}");
    let (code, stdout, stderr) = backup(
        server.database_url(),
        &[file.to_str().expect("path"), "--force"],
    )
    .await;
    assert_eq!(code, 0, "{stderr}");
    let (_, tasks) = counts(&stdout);
    assert_eq!(tasks, 20 + written, "after the writes stopped, every task");
    assert_eq!(
        std::fs::read_dir(directory.path()).expect("list").count(),
        1,
        "no partial file left"
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&file).expect("copy").permissions().mode();
        assert_eq!(
            mode & 0o777,
            0o600,
            "the copy holds password hashes: owner only"
        );
    }

    // Another taskd serves the copy: the same account and tasks.
    let copy_url = format!("sqlite:///{}", file.display());
    let copy = Server::start_with(ServerOptions::default().env("DATABASE_URL", &copy_url));
    let login = copy.login(&account.email, &account.password).await;
    assert_eq!(login.status(), 200);
    let token: serde_json::Value = login.json().await.expect("JSON");
    let listed = client()
        .get(format!("{}/tasks?limit=1", copy.api))
        .header(
            "Authorization",
            format!("Bearer {}", token["access_token"].as_str().expect("token")),
        )
        .send()
        .await
        .expect("list");
    assert_eq!(
        listed.headers()["x-total-count"],
        (20 + written).to_string().as_str()
    );
}

#[tokio::test]
async fn a_backup_never_replaces_the_live_database_nor_makes_one() {
    use_backend(Backend::Sqlite);
    let server = Server::start();
    let account = server.account("backup-guard").await;
    let live = server
        .database_url()
        .strip_prefix("sqlite:///")
        .expect("a file URL")
        .to_owned();
    let (code, _, stderr) = backup(server.database_url(), &[&live, "--force"]).await;
    assert_eq!(code, 1);
    assert!(stderr.contains("database itself"), "{stderr}");
    assert_eq!(
        server
            .login(&account.email, &account.password)
            .await
            .status(),
        200
    );
    // A DATABASE_URL naming no file: refused, and no file made.
    let directory = tempfile::tempdir().expect("directory");
    let missing = directory.path().join("missing.db");
    let url = format!("sqlite:///{}", missing.display());
    let target = directory.path().join("copy.db");
    let (code, _, stderr) = backup(&url, &[target.to_str().expect("path")]).await;
    assert_eq!(code, 1);
    assert!(stderr.contains("no database"), "{stderr}");
    assert!(!missing.exists() && !target.exists());
}

#[tokio::test]
async fn a_postgresql_database_is_pointed_to_pg_dump() {
    if !taskd_tests::use_postgres() {
        return;
    }
    let server = Server::start();
    let directory = tempfile::tempdir().expect("directory");
    let file = directory.path().join("copy.db");
    let (code, _, stderr) = backup(server.database_url(), &[file.to_str().expect("path")]).await;
    assert_eq!(code, 2);
    assert!(stderr.contains("pg_dump"), "{stderr}");
    assert!(!file.exists());
}
