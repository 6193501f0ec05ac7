//! taskctl from several devices: changes guarded by the version last seen,
//! `undo`, the trash, export and import, and a create retried after its
//! answer was lost, against a real taskd.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use reqwest::Method;
use serde_json::{Value, json};
use taskd_tests::{Account, Server, Taskctl};

const PASSWORD: &str = "password123";

/// The same account as `email`, over HTTP: another device.
async fn elsewhere(server: &Server, email: &str) -> Account {
    let token: Value = server
        .login(email, PASSWORD)
        .await
        .json()
        .await
        .expect("JSON");
    Account {
        id: 0,
        email: email.to_owned(),
        password: PASSWORD.to_owned(),
        token: token["access_token"].as_str().expect("token").to_owned(),
        refresh_token: String::new(),
    }
}

fn added_id(taskctl: &Taskctl, title: &str) -> i64 {
    let run = taskctl.run(&["--json", "add", title], None).success();
    run.json()["id"].as_i64().expect("id")
}

async fn task(server: &Server, account: &Account, id: i64) -> reqwest::Response {
    server
        .send(account, Method::GET, &format!("/tasks/{id}"), None)
        .await
}

#[tokio::test]
async fn a_change_to_a_task_changed_elsewhere_is_refused_in_a_script_and_changes_nothing() {
    let server = Server::start();
    let (taskctl, email) = Taskctl::registered(&server, "guard", PASSWORD);
    let phone = elsewhere(&server, &email).await;
    let id = added_id(&taskctl, "Buy milk");
    let path = format!("/tasks/{id}");
    let response = server
        .send(
            &phone,
            Method::PATCH,
            &path,
            Some(json!({"title": "Buy oat milk"})),
        )
        .await;
    assert_eq!(response.status(), 200);

    for args in [
        vec!["edit", &*id.to_string(), "--title", "Buy milk and bread"],
        vec!["done", &*id.to_string()],
        vec!["rm", "--yes", &*id.to_string()],
    ] {
        let run = taskctl.run(&args, None);
        assert_eq!(run.code, Some(1), "{args:?}: {}", run.stderr);
        assert!(
            run.stderr
                .contains("changed elsewhere since you last saw it"),
            "{}",
            run.stderr
        );
        assert!(run.stderr.contains("nothing changed"), "{}", run.stderr);
    }
    let current: Value = task(&server, &phone, id).await.json().await.expect("JSON");
    assert_eq!(
        (current["title"].as_str(), current["completed"].as_bool()),
        (Some("Buy oat milk"), Some(false))
    );

    // The control: once taskctl has seen the new version, the same edit goes through.
    taskctl.run(&["show", &id.to_string()], None).success();
    taskctl
        .run(
            &["edit", &id.to_string(), "--title", "Buy milk and bread"],
            None,
        )
        .success();
    let current: Value = task(&server, &phone, id).await.json().await.expect("JSON");
    assert_eq!(current["title"], "Buy milk and bread");
}

#[tokio::test]
async fn undo_reverts_the_last_add_edit_done_and_rm_unless_changed_since() {
    let server = Server::start();
    let (taskctl, email) = Taskctl::registered(&server, "undo", PASSWORD);
    let phone = elsewhere(&server, &email).await;

    let added = added_id(&taskctl, "Mistake");
    taskctl.run(&["undo"], None).success();
    assert_eq!(
        task(&server, &phone, added).await.status(),
        404,
        "an undone add is in the trash"
    );
    assert_eq!(
        taskctl.run(&["undo"], None).code,
        Some(1),
        "nothing left to undo"
    );

    let id = added_id(&taskctl, "Call the bank");
    let id_text = id.to_string();
    taskctl
        .run(
            &[
                "edit",
                &id_text,
                "--title",
                "Call the plumber",
                "--priority",
                "high",
            ],
            None,
        )
        .success();
    taskctl.run(&["undo"], None).success();
    let current: Value = task(&server, &phone, id).await.json().await.expect("JSON");
    assert_eq!(
        (current["title"].as_str(), &current["priority"]),
        (Some("Call the bank"), &Value::Null)
    );

    taskctl.run(&["done", &id_text], None).success();
    // A command that changes nothing leaves the last change to undo.
    assert_eq!(
        taskctl.run(&["edit", "999999", "--title", "x"], None).code,
        Some(5)
    );
    taskctl.run(&["undo"], None).success();
    let current: Value = task(&server, &phone, id).await.json().await.expect("JSON");
    assert_eq!(current["completed"], false);

    taskctl.run(&["rm", "--yes", &id_text], None).success();
    assert_eq!(task(&server, &phone, id).await.status(), 404);
    let run = taskctl.run(&["undo"], None).success();
    assert!(run.stdout.contains("restored task"), "{}", run.stdout);
    assert_eq!(task(&server, &phone, id).await.status(), 200);

    // An edit changed elsewhere since is not undone.
    taskctl.run(&["show", &id_text], None).success();
    taskctl
        .run(&["edit", &id_text, "--title", "Mine"], None)
        .success();
    let path = format!("/tasks/{id}");
    server
        .send(
            &phone,
            Method::PATCH,
            &path,
            Some(json!({"title": "Theirs"})),
        )
        .await;
    let run = taskctl.run(&["undo"], None);
    assert_eq!(run.code, Some(1));
    assert!(
        run.stderr.contains("changed elsewhere since; not undone"),
        "{}",
        run.stderr
    );
    let current: Value = task(&server, &phone, id).await.json().await.expect("JSON");
    assert_eq!(current["title"], "Theirs");
}

#[tokio::test]
async fn trash_restore_export_and_import_round_trip_through_taskctl() {
    let server = Server::start();
    let (taskctl, _) = Taskctl::registered(&server, "port", PASSWORD);
    let keep = added_id(&taskctl, "Keep me");
    let gone = added_id(&taskctl, "Bin me");
    taskctl
        .run(&["rm", "--yes", &gone.to_string()], None)
        .success();
    let trash = taskctl.run(&["--json", "trash"], None).success().json();
    assert_eq!(trash.as_array().map(Vec::len), Some(1));
    assert_eq!(trash[0]["id"], gone);
    assert!(trash[0]["deleted_at"].is_string());
    taskctl.run(&["restore", &gone.to_string()], None).success();
    let listed = taskctl.run(&["--json", "list"], None).success().json();
    assert_eq!(listed.as_array().map(Vec::len), Some(2));
    taskctl
        .run(&["rm", "--yes", &keep.to_string()], None)
        .success();

    let export = taskctl.run(&["export"], None).success();
    let document: Value = serde_json::from_str(&export.stdout).expect("the export is JSON");
    assert_eq!(document["format"], "taskd-export");
    assert_eq!(document["tasks"].as_array().map(Vec::len), Some(2));
    let file = tempfile::NamedTempFile::new().expect("file");
    std::fs::write(file.path(), &export.stdout).expect("write");
    let file_name = file.path().to_str().expect("path");

    let (other, _) = Taskctl::registered(&server, "port-2", PASSWORD);
    let run = other
        .run(&["import", "--dry-run", file_name], None)
        .success();
    assert!(
        run.stdout.contains("would create 2 tasks"),
        "{}",
        run.stdout
    );
    let run = other.run(&["import", file_name], None).success();
    assert!(run.stdout.contains("created 2 tasks"), "{}", run.stdout);
    let run = other.run(&["import", file_name], None).success();
    assert!(
        run.stdout.contains("created 0 tasks; 2 already imported"),
        "{}",
        run.stdout
    );
    let listed = other.run(&["--json", "list"], None).success().json();
    assert_eq!(
        listed.as_array().map(Vec::len),
        Some(1),
        "the trashed one went to the trash"
    );

    let taskwarrior = tempfile::NamedTempFile::new().expect("file");
    std::fs::write(
        taskwarrior.path(),
        json!([{"uuid": "u-1", "description": "From Taskwarrior", "status": "pending", "tags": ["tw"]},
               {"uuid": "u-2", "description": "", "status": "pending"}])
        .to_string(),
    )
    .expect("write");
    let run = other.run(
        &["import", taskwarrior.path().to_str().expect("path")],
        None,
    );
    assert_eq!(run.code, Some(1), "one entry was refused");
    assert!(run.stdout.contains("created 1 task;"), "{}", run.stdout);
    assert!(
        run.stderr.contains("entry 1 not imported"),
        "{}",
        run.stderr
    );

    std::fs::write(file.path(), "not json").expect("write");
    assert_eq!(other.run(&["import", file_name], None).code, Some(2));
}

/// A proxy to `upstream` that forwards the first `POST …/tasks` but drops
/// the connection instead of sending its answer back, as a network that
/// fails at the worst moment does; everything else passes through.
fn lossy_proxy(upstream: String) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let address = format!("http://{}", listener.local_addr().expect("address"));
    let dropped = Arc::new(AtomicBool::new(false));
    std::thread::spawn(move || {
        for client in listener.incoming().flatten() {
            let (upstream, dropped) = (upstream.clone(), dropped.clone());
            std::thread::spawn(move || relay(client, &upstream, &dropped));
        }
    });
    address
}

/// One HTTP/1.1 message from `reader`: its head and body (by Content-Length).
fn message(reader: &mut BufReader<TcpStream>) -> Option<(String, Vec<u8>)> {
    let mut head = String::new();
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).ok()? == 0 {
            return None;
        }
        head.push_str(&line);
        if line == "\r\n" {
            break;
        }
    }
    let length = head
        .lines()
        .find_map(|line| {
            let (name, value) = line.split_once(':')?;
            name.eq_ignore_ascii_case("content-length")
                .then(|| value.trim().parse().ok())?
        })
        .unwrap_or(0);
    let mut body = vec![0; length];
    reader.read_exact(&mut body).ok()?;
    Some((head, body))
}

fn relay(client: TcpStream, upstream: &str, dropped: &AtomicBool) {
    let address = upstream.trim_start_matches("http://");
    let mut requests = BufReader::new(client.try_clone().expect("clone"));
    let mut client = client;
    while let Some((head, body)) = message(&mut requests) {
        let server = TcpStream::connect(address).expect("upstream");
        let mut answers = BufReader::new(server.try_clone().expect("clone"));
        let mut server = server;
        server.write_all(head.as_bytes()).expect("forward");
        server.write_all(&body).expect("forward");
        let Some((answer_head, answer_body)) = message(&mut answers) else {
            return;
        };
        let is_create = head.starts_with("POST ")
            && head
                .lines()
                .next()
                .is_some_and(|line| line.contains("/tasks "));
        if is_create && !dropped.swap(true, Ordering::SeqCst) {
            // The task was made; its answer is lost on the way back.
            let _ = client.shutdown(std::net::Shutdown::Both);
            return;
        }
        if client.write_all(answer_head.as_bytes()).is_err()
            || client.write_all(&answer_body).is_err()
        {
            return;
        }
    }
}

#[tokio::test]
async fn add_sends_a_create_again_after_losing_its_answer_and_makes_one_task() {
    let server = Server::start();
    let proxy = lossy_proxy(server.base.clone());
    let taskctl = Taskctl::for_url(&proxy);
    let email = taskd_tests::unique_email("retry");
    taskctl
        .run(
            &["register", "--email", &email, "--password-stdin"],
            Some(&format!("{PASSWORD}\n")),
        )
        .success();
    let run = taskctl
        .run(&["--json", "add", "Exactly once"], None)
        .success();
    assert!(
        run.stderr.contains("sending the task again (1 of 2)"),
        "{}",
        run.stderr
    );
    let id = run.json()["id"].as_i64().expect("id");
    let phone = elsewhere(&server, &email).await;
    let tasks: Vec<Value> = server
        .send(&phone, Method::GET, "/tasks", None)
        .await
        .json()
        .await
        .expect("JSON");
    assert_eq!(tasks.len(), 1, "{tasks:?}");
    assert_eq!(tasks[0]["id"], id);
}

#[tokio::test]
async fn on_a_terminal_a_conflicting_edit_shows_theirs_and_keeps_the_side_chosen() {
    let server = Server::start();
    let (taskctl, email) = Taskctl::registered(&server, "conflict", PASSWORD);
    let phone = elsewhere(&server, &email).await;
    let id = added_id(&taskctl, "Plan trip");
    let path = format!("/tasks/{id}");
    server
        .send(
            &phone,
            Method::PATCH,
            &path,
            Some(json!({"title": "Plan the trip to Rome"})),
        )
        .await;

    // Theirs: nothing changes.
    let (code, screen) = taskctl.on_a_terminal(
        &server.base,
        &["edit", &id.to_string(), "--priority", "high"],
        "t\n",
    );
    assert_eq!(code, Some(0), "{screen}");
    assert!(
        screen.contains("Plan the trip to Rome"),
        "theirs is shown: {screen}"
    );
    let yours = screen
        .split("yours (theirs with your change):")
        .nth(1)
        .expect("yours is shown");
    assert!(
        yours.contains("high") && yours.contains("Plan the trip to Rome"),
        "{yours}"
    );
    assert!(screen.contains("kept theirs"), "{screen}");
    let current: Value = task(&server, &phone, id).await.json().await.expect("JSON");
    assert_eq!(
        (current["priority"].clone(), current["version"].as_i64()),
        (Value::Null, Some(2))
    );

    // Mine, after another change elsewhere: applied on theirs.
    server
        .send(
            &phone,
            Method::PATCH,
            &path,
            Some(json!({"description": "in May"})),
        )
        .await;
    let (code, screen) = taskctl.on_a_terminal(
        &server.base,
        &["edit", &id.to_string(), "--priority", "high"],
        "m\n",
    );
    assert_eq!(code, Some(0), "{screen}");
    let current: Value = task(&server, &phone, id).await.json().await.expect("JSON");
    assert_eq!(current["priority"], "high");
    assert_eq!(current["description"], "in May", "their change stays");
    assert_eq!(current["title"], "Plan the trip to Rome");
}
