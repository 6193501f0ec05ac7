//! Task UIDs over HTTP (the identity CalDAV clients know a task by): made
//! for every new task or taken as given, unique among an owner's tasks but
//! not across owners, never changed by an edit, kept by the trash, an
//! export and a Taskwarrior import. On both backends.

use std::collections::HashSet;

use reqwest::Method;
use serde_json::{Value, json};
use taskd_tests::{Server, error_locations};

/// Whether `text` is a UUID of `version` (4: random, as migration 14 gave
/// existing tasks; 7: time-ordered, as taskd makes them), lower-case.
fn is_uuid(text: &str, version: char) -> bool {
    let parts: Vec<&str> = text.split('-').collect();
    let lengths: Vec<usize> = parts.iter().map(|part| part.len()).collect();
    lengths == [8, 4, 4, 4, 12]
        && text
            .chars()
            .all(|c| c == '-' || c.is_ascii_hexdigit() && !c.is_ascii_uppercase())
        && parts[2].starts_with(version)
        && parts[3].starts_with(['8', '9', 'a', 'b'])
}

taskd_tests::on_both_backends! {
async fn every_task_gets_a_uid_or_keeps_the_one_given_and_a_duplicate_is_refused() {
    let server = Server::start();
    let account = server.account("uids").await;
    let mut made = HashSet::new();
    for n in 0..5 {
        let task = server.created(&account, json!({"title": format!("task {n}")})).await;
        let uid = task["uid"].as_str().expect("a uid").to_owned();
        assert!(is_uuid(&uid, '7'), "{uid}");
        made.insert(uid);
    }
    assert_eq!(made.len(), 5, "each task its own");

    // A client's own UID (Apple's clients write upper-case UUIDs) is kept as written.
    let given = server.created(&account, json!({"title": "From a phone", "uid": "A1B2C3D4-0000-4000-8000-ABCDEF012345"})).await;
    assert_eq!(given["uid"], "A1B2C3D4-0000-4000-8000-ABCDEF012345");
    let (_, fetched) = server.call(&account, Method::GET, &format!("/tasks/{}", given["id"]), None).await;
    assert_eq!(fetched["uid"], given["uid"]);

    let (status, refused) = server.call(&account, Method::POST, "/tasks", Some(json!({"title": "Again", "uid": "A1B2C3D4-0000-4000-8000-ABCDEF012345"}))).await;
    assert_eq!(status, 409, "{refused}");
    assert!(refused["detail"].as_str().expect("detail").contains("UID"), "{refused}");
    // Compared as written: another case is another UID.
    let (status, _) = server.call(&account, Method::POST, "/tasks", Some(json!({"title": "Other case", "uid": "a1b2c3d4-0000-4000-8000-abcdef012345"}))).await;
    assert_eq!(status, 201);
    // Another account may use the same UID.
    let stranger = server.account("stranger").await;
    let (status, _) = server.call(&stranger, Method::POST, "/tasks", Some(json!({"title": "Theirs", "uid": "A1B2C3D4-0000-4000-8000-ABCDEF012345"}))).await;
    assert_eq!(status, 201);

    for (uid, why) in [(json!(""), "empty"), (json!("a\nb"), "a line break"), (json!("x".repeat(256)), "too long"), (json!(7), "not a string")] {
        let (status, body) = server.call(&account, Method::POST, "/tasks", Some(json!({"title": "Bad", "uid": uid}))).await;
        assert_eq!(status, 422, "{why}: {body}");
        assert_eq!(error_locations(&body), ["body.uid"], "{why}");
    }
    let (status, _) = server.call(&account, Method::POST, "/tasks", Some(json!({"title": "Longest", "uid": "x".repeat(255)}))).await;
    assert_eq!(status, 201, "255 characters are allowed");
}
}

taskd_tests::on_both_backends! {
async fn an_edit_keeps_the_uid_and_so_do_the_trash_and_a_restore() {
    let server = Server::start();
    let account = server.account("uid-kept").await;
    let task = server.created(&account, json!({"title": "Keep me", "uid": "keep-1"})).await;
    let path = format!("/tasks/{}", task["id"]);
    let (status, edited) = server.call(&account, Method::PATCH, &path, Some(json!({"title": "Kept", "uid": "changed"}))).await;
    assert_eq!(status, 200, "{edited}");
    assert_eq!(edited["uid"], "keep-1", "a UID never changes");

    let (status, _) = server.call(&account, Method::DELETE, &path, None).await;
    assert_eq!(status, 204);
    let (_, trash) = server.call(&account, Method::GET, "/trash", None).await;
    assert_eq!(trash[0]["uid"], "keep-1");
    let (status, back) = server.call(&account, Method::POST, &format!("/trash/{}/restore", task["id"]), None).await;
    assert_eq!(status, 200, "{back}");
    assert_eq!(back["uid"], "keep-1");

    // While it was in the trash another task took its UID: it comes back with a new one.
    let (status, _) = server.call(&account, Method::DELETE, &path, None).await;
    assert_eq!(status, 204);
    let taker = server.created(&account, json!({"title": "Taker", "uid": "keep-1"})).await;
    assert_eq!(taker["uid"], "keep-1");
    let (status, back) = server.call(&account, Method::POST, &format!("/trash/{}/restore", task["id"]), None).await;
    assert_eq!(status, 200, "{back}");
    let renamed = back["uid"].as_str().expect("a uid");
    assert!(is_uuid(renamed, '7'), "{renamed}");
}
}

taskd_tests::on_both_backends! {
async fn an_export_carries_uids_and_an_import_keeps_those_not_taken() {
    let server = Server::start();
    let account = server.account("uid-export").await;
    let first = server.created(&account, json!({"title": "One", "uid": "one@example.com"})).await;
    let second = server.created(&account, json!({"title": "Two"})).await;
    let export: Value = server.send(&account, Method::GET, "/export", None).await.json().await.expect("JSON");

    // Into another account: every UID as it was.
    let other = server.account("uid-import").await;
    let (status, report) = server.call(&other, Method::POST, "/import", Some(export.clone())).await;
    assert_eq!(status, 200, "{report}");
    let (_, tasks) = server.call(&other, Method::GET, "/tasks", None).await;
    let uids: HashSet<&str> = tasks.as_array().expect("tasks").iter().map(|task| task["uid"].as_str().expect("uid")).collect();
    let exported: HashSet<&str> = [&first, &second].iter().map(|task| task["uid"].as_str().expect("uid")).collect();
    assert_eq!(uids, exported);

    // Into an account where a task has one of them already: that one gets a new UID.
    let third = server.account("uid-taken").await;
    server.created(&third, json!({"title": "Mine", "uid": "one@example.com"})).await;
    let (status, report) = server.call(&third, Method::POST, "/import", Some(export)).await;
    assert_eq!(status, 200, "{report}");
    assert_eq!(report["created"], 2, "{report}");
    let (_, tasks) = server.call(&third, Method::GET, "/tasks", None).await;
    let by_title: std::collections::HashMap<&str, &str> = tasks.as_array().expect("tasks").iter()
        .map(|task| (task["title"].as_str().expect("title"), task["uid"].as_str().expect("uid")))
        .collect();
    assert_eq!(by_title["Mine"], "one@example.com");
    assert_eq!(by_title["Two"], second["uid"].as_str().expect("uid"), "not taken: kept");
    assert!(is_uuid(by_title["One"], '7'), "taken: a new one, {}", by_title["One"]);
}
}

taskd_tests::on_both_backends! {
async fn a_taskwarrior_uuid_becomes_the_uid() {
    let server = Server::start();
    let account = server.account("uid-taskwarrior").await;
    let export = json!([
        {"uuid": "6f1c2a7e-8d4b-4c3a-9e2f-1a2b3c4d5e6f", "description": "Water plants", "status": "pending"}
    ]);
    let (status, report) = server.call(&account, Method::POST, "/import", Some(export)).await;
    assert_eq!(status, 200, "{report}");
    let (_, tasks) = server.call(&account, Method::GET, "/tasks", None).await;
    assert_eq!(tasks[0]["uid"], "6f1c2a7e-8d4b-4c3a-9e2f-1a2b3c4d5e6f");
}
}
