//! SQLite's single writer: every acknowledged write survives a crash, and a
//! write the disk refuses answers 503 without stopping the writes after it.

use std::process::Command;
use std::sync::{Arc, Mutex};

use serde_json::{Value, json};
use taskd_tests::{Server, ServerOptions};
use tokio::sync::watch;

/// Writers sending creates at once, and how many creates must be
/// acknowledged before the crash.
const WRITERS: usize = 8;
const ACKNOWLEDGED_BEFORE_CRASH: usize = 400;

#[tokio::test]
async fn every_acknowledged_create_survives_kill_9_under_load() {
    let mut server = Server::start();
    let account = server.account("crash").await;
    let acknowledged = Arc::new(Mutex::new(Vec::<i64>::new()));
    let (enough, mut enough_seen) = watch::channel(false);
    let enough = Arc::new(enough);
    let writers: Vec<_> = (0..WRITERS)
        .map(|writer| {
            let (url, bearer) = (format!("{}/tasks", server.api), account.bearer());
            let (acknowledged, enough) = (acknowledged.clone(), enough.clone());
            tokio::spawn(async move {
                let client = taskd_tests::client();
                for n in 0.. {
                    let sent = client
                        .post(&url)
                        .header("authorization", &bearer)
                        .json(&json!({"title": format!("writer {writer} task {n}")}))
                        .send()
                        .await;
                    // The crash ends every writer with a failed request.
                    let Ok(response) = sent else { break };
                    if response.status() != 201 {
                        break;
                    }
                    let Ok(task) = response.json::<Value>().await else {
                        break;
                    };
                    let id = task["id"].as_i64().expect("id");
                    let mut ids = acknowledged.lock().expect("ids");
                    ids.push(id);
                    if ids.len() >= ACKNOWLEDGED_BEFORE_CRASH {
                        enough.send_replace(true);
                    }
                }
            })
        })
        .collect();
    enough_seen
        .wait_for(|enough| *enough)
        .await
        .expect("writers acknowledged creates");
    // Writers are still sending: the crash comes mid-load.
    server.kill();
    for writer in writers {
        writer.await.expect("writer");
    }
    let acknowledged = acknowledged.lock().expect("ids").clone();
    assert!(acknowledged.len() >= ACKNOWLEDGED_BEFORE_CRASH);

    let restarted = server.restart(ServerOptions::default());
    let ids = acknowledged
        .iter()
        .map(i64::to_string)
        .collect::<Vec<_>>()
        .join(",");
    let kept = restarted.count(&format!("SELECT COUNT(*) FROM tasks WHERE id IN ({ids})"));
    assert_eq!(
        kept,
        acknowledged.len() as i64,
        "every create answered 201 before the crash is in the database"
    );
}

/// Sets taskd's soft file-size limit (`ulimit -f`, in bytes), as a full
/// disk looks to the writer: a write past it fails.
fn limit_file_size(server: &Server, limit: &str) {
    let status = Command::new("prlimit")
        .args([
            "--pid",
            &server.pid().to_string(),
            &format!("--fsize={limit}:"),
        ])
        .status()
        .expect("run prlimit (util-linux)");
    assert!(status.success(), "prlimit --fsize={limit}");
}

#[tokio::test]
async fn a_write_the_disk_refuses_answers_503_and_the_next_writes_go_on() {
    let server = Server::start();
    let account = server.account("full").await;
    let control = server
        .create_task(&account, json!({"title": "before the disk filled"}))
        .await;
    assert_eq!(control.status(), 201);
    let control: Value = control.json().await.expect("JSON");

    limit_file_size(&server, "1");
    let refused = server
        .create_task(&account, json!({"title": "while the disk is full"}))
        .await;
    assert_eq!(refused.status(), 503);
    let body: Value = refused.json().await.expect("JSON");
    assert!(body["detail"].is_string(), "{body}");
    // Reads go on meanwhile.
    let read = server
        .send(
            &account,
            reqwest::Method::GET,
            &format!("/tasks/{}", control["id"]),
            None,
        )
        .await;
    assert_eq!(read.status(), 200);

    limit_file_size(&server, "unlimited");
    let resumed = server
        .create_task(&account, json!({"title": "after the disk was freed"}))
        .await;
    assert_eq!(resumed.status(), 201);
    let titles: Vec<String> = server
        .send(&account, reqwest::Method::GET, "/tasks", None)
        .await
        .json::<Vec<Value>>()
        .await
        .expect("JSON")
        .iter()
        .map(|task| task["title"].as_str().expect("title").to_owned())
        .collect();
    assert_eq!(
        titles,
        ["before the disk filled", "after the disk was freed"],
        "the refused create left nothing behind"
    );
}
