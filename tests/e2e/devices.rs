//! Several devices over HTTP: versions and conditional requests, idempotent
//! creates, the trash and the change feed.

use std::collections::BTreeMap;

use reqwest::Method;
use serde_json::{Value, json};
use taskd_tests::{Account, Server, ServerOptions, error_locations};

pub(crate) fn etag(response: &reqwest::Response) -> Option<String> {
    response
        .headers()
        .get("etag")
        .map(|value| value.to_str().expect("ASCII").to_owned())
}

async fn create(server: &Server, account: &Account, title: &str) -> Value {
    let response = server.create_task(account, json!({"title": title})).await;
    assert_eq!(response.status(), 201);
    response.json().await.expect("JSON")
}

/// Every live task, by id, read page by page from `/tasks`.
async fn every_task(server: &Server, account: &Account) -> BTreeMap<i64, Value> {
    let mut tasks = BTreeMap::new();
    let mut skip = 0;
    loop {
        let path = format!("/tasks?skip={skip}&limit=200");
        let response = server
            .send_with(account, Method::GET, &path, &[], None)
            .await;
        assert_eq!(response.status(), 200);
        let page: Vec<Value> = response.json().await.expect("JSON");
        if page.is_empty() {
            return tasks;
        }
        skip += page.len();
        for task in page {
            tasks.insert(task["id"].as_i64().expect("id"), task);
        }
    }
}

/// Follows the change feed from `since` until `has_more` is false, applying
/// each change to `replica`; returns the last cursor.
async fn sync(
    server: &Server,
    account: &Account,
    since: Option<String>,
    replica: &mut BTreeMap<i64, Value>,
) -> String {
    let mut since = since;
    loop {
        let path = match &since {
            Some(cursor) => format!("/changes?since={cursor}&limit=7"),
            None => "/changes?limit=7".to_owned(),
        };
        let response = server
            .send_with(account, Method::GET, &path, &[], None)
            .await;
        assert_eq!(response.status(), 200, "{path}");
        let page: Value = response.json().await.expect("JSON");
        for change in page["changes"].as_array().expect("changes") {
            match change["op"].as_str() {
                Some("upsert") => {
                    let task = &change["task"];
                    replica.insert(task["id"].as_i64().expect("id"), task.clone());
                }
                Some("delete") => {
                    assert!(change["deleted_at"].is_string(), "{change}");
                    replica.remove(&change["id"].as_i64().expect("id"));
                }
                other => panic!("unknown op {other:?}"),
            }
        }
        since = Some(page["cursor"].as_str().expect("cursor").to_owned());
        if page["has_more"] == false {
            return since.expect("cursor");
        }
    }
}

taskd_tests::on_both_backends! {
async fn a_task_carries_its_version_as_etag_and_conditional_requests_check_it() {
    let server = Server::start();
    let account = server.account("etag").await;
    let response = server.create_task(&account, json!({"title": "Draft"})).await;
    assert_eq!(etag(&response).as_deref(), Some("\"1\""));
    let task: Value = response.json().await.expect("JSON");
    assert_eq!(task["version"], 1);
    let path = format!("/tasks/{}", task["id"]);

    let response = server.send_with(&account, Method::GET, &path, &[], None).await;
    assert_eq!(etag(&response).as_deref(), Some("\"1\""));
    let response = server.send_with(&account, Method::GET, &path, &[("if-none-match", "\"1\"")], None).await;
    assert_eq!(response.status(), 304);
    assert_eq!(etag(&response).as_deref(), Some("\"1\""));
    assert!(response.bytes().await.expect("body").is_empty());
    let response = server.send_with(&account, Method::GET, &path, &[("if-none-match", "\"0\"")], None).await;
    assert_eq!(response.status(), 200, "another version is sent whole");

    let edit = |version: &'static str, title: &'static str| {
        let (server, account, path) = (&server, &account, path.clone());
        async move {
            server.send_with(account, Method::PATCH, &path, &[("if-match", version)], Some(json!({"title": title}))).await
        }
    };
    let response = edit("\"1\"", "Laptop's edit").await;
    assert_eq!(response.status(), 200);
    assert_eq!(etag(&response).as_deref(), Some("\"2\""));
    // The phone still holds version 1: its edit is refused, nothing changes.
    let response = edit("\"1\"", "Phone's edit").await;
    assert_eq!(response.status(), 412);
    assert_eq!(etag(&response).as_deref(), Some("\"2\""));
    let body: Value = response.json().await.expect("JSON");
    assert!(body["detail"].as_str().expect("detail").contains("version 2"), "{body}");
    let current: Value = server.send_with(&account, Method::GET, &path, &[], None).await.json().await.expect("JSON");
    assert_eq!((current["title"].as_str(), current["version"].as_i64()), (Some("Laptop's edit"), Some(2)));

    // A weak tag never matches If-Match; "*" matches any version.
    assert_eq!(edit("W/\"2\"", "weak").await.status(), 412);
    assert_eq!(edit("*", "Any version").await.status(), 200);
    assert_eq!(edit("not-a-tag", "malformed").await.status(), 400);
    // Without If-Match, as before.
    let response = server.send_with(&account, Method::PATCH, &path, &[], Some(json!({"completed": true}))).await;
    assert_eq!(etag(&response).as_deref(), Some("\"4\""));

    let response = server.send_with(&account, Method::DELETE, &path, &[("if-match", "\"3\"")], None).await;
    assert_eq!(response.status(), 412);
    assert_eq!(etag(&response).as_deref(), Some("\"4\""));
    let response = server.send_with(&account, Method::DELETE, &path, &[("if-match", "\"4\"")], None).await;
    assert_eq!(response.status(), 204);
    let response = server.send_with(&account, Method::PATCH, &path, &[("if-match", "\"4\"")], Some(json!({"title": "gone"}))).await;
    assert_eq!(response.status(), 404);
}
}

taskd_tests::on_both_backends! {
async fn of_two_patches_sent_at_once_with_one_if_match_exactly_one_wins() {
    let server = Server::start();
    let account = server.account("race").await;
    for round in 0..10 {
        let task = create(&server, &account, &format!("task {round}")).await;
        let path = format!("/tasks/{}", task["id"]);
        let patch = |title: &'static str| {
            server.send_with(&account, Method::PATCH, &path, &[("if-match", "\"1\"")], Some(json!({"title": title})))
        };
        let (left, right) = tokio::join!(patch("left"), patch("right"));
        let mut statuses = [left.status().as_u16(), right.status().as_u16()];
        statuses.sort_unstable();
        assert_eq!(statuses, [200, 412], "round {round}");
        let current: Value = server.send_with(&account, Method::GET, &path, &[], None).await.json().await.expect("JSON");
        assert_eq!(current["version"], 2);
    }
}
}

taskd_tests::on_both_backends! {
async fn with_if_match_required_a_change_without_one_is_refused_with_428() {
    let server = Server::start_with(ServerOptions::default().env("REQUIRE_IF_MATCH", "true"));
    let account = server.account("strict").await;
    let task = create(&server, &account, "Strict").await;
    let path = format!("/tasks/{}", task["id"]);
    let response = server.send_with(&account, Method::PATCH, &path, &[], Some(json!({"title": "x"}))).await;
    assert_eq!(response.status(), 428);
    let response = server.send_with(&account, Method::DELETE, &path, &[], None).await;
    assert_eq!(response.status(), 428);
    let unchanged: Value = server.send_with(&account, Method::GET, &path, &[], None).await.json().await.expect("JSON");
    assert_eq!(unchanged["version"], 1);
    // The control: the same change with If-Match goes through.
    let response = server.send_with(&account, Method::PATCH, &path, &[("if-match", "\"1\"")], Some(json!({"title": "x"}))).await;
    assert_eq!(response.status(), 200);
    let response = server.send_with(&account, Method::DELETE, &path, &[("if-match", "\"2\"")], None).await;
    assert_eq!(response.status(), 204);
}
}

taskd_tests::on_both_backends! {
async fn a_create_retried_with_its_idempotency_key_makes_one_task() {
    let server = Server::start();
    let account = server.account("retry").await;
    let post = |key: &'static str, body: Value| {
        let (server, account) = (&server, &account);
        async move {
            let headers = [("idempotency-key", key)];
            server.send_with(account, Method::POST, "/tasks", &headers, Some(body)).await
        }
    };
    let first = post("k-1", json!({"title": "Buy milk"})).await;
    assert_eq!(first.status(), 201);
    assert!(first.headers().get("idempotent-replayed").is_none());
    let location = first.headers()["location"].clone();
    let first: Value = first.json().await.expect("JSON");

    let again = post("k-1", json!({"title": "Buy milk"})).await;
    assert_eq!(again.status(), 201);
    assert_eq!(again.headers()["idempotent-replayed"], "true");
    assert_eq!(again.headers()["location"], location);
    assert_eq!(again.json::<Value>().await.expect("JSON"), first);

    let other = post("k-1", json!({"title": "Buy bread"})).await;
    assert_eq!(other.status(), 422);
    assert_eq!(error_locations(&other.json().await.expect("JSON")), ["header.Idempotency-Key"]);
    let bad = post("a key", json!({"title": "Buy bread"})).await;
    assert_eq!(bad.status(), 422);
    assert_eq!(every_task(&server, &account).await.len(), 1);

    // Eight devices retrying one create at once: one task, one id.
    let racers = (0..8).map(|_| post("k-2", json!({"title": "Once"})));
    let answers = futures_util::future::join_all(racers).await;
    let mut ids = Vec::new();
    for answer in answers {
        match answer.status().as_u16() {
            201 => ids.push(answer.json::<Value>().await.expect("JSON")["id"].clone()),
            409 => {}
            status => panic!("unexpected {status}"),
        }
    }
    assert!(!ids.is_empty());
    assert!(ids.iter().all(|id| *id == ids[0]), "{ids:?}");
    assert_eq!(every_task(&server, &account).await.len(), 2);

    // Keys are per user.
    let bob = server.account("bob").await;
    let response = server.send_with(&bob, Method::POST, "/tasks", &[("idempotency-key", "k-1")], Some(json!({"title": "Buy milk"}))).await;
    assert_eq!(response.status(), 201);
    assert!(response.headers().get("idempotent-replayed").is_none());
}
}

taskd_tests::on_both_backends! {
async fn a_deleted_task_waits_in_the_trash_to_be_restored_or_erased() {
    let server = Server::start();
    let account = server.account("trash").await;
    let other = server.account("other").await;
    let task = create(&server, &account, "Renew passport").await;
    let id = task["id"].as_i64().expect("id");
    let path = format!("/tasks/{id}");
    assert_eq!(server.send_with(&account, Method::DELETE, &path, &[], None).await.status(), 204);
    assert_eq!(server.send_with(&account, Method::GET, &path, &[], None).await.status(), 404);
    assert!(every_task(&server, &account).await.is_empty());

    let response = server.send_with(&account, Method::GET, "/trash", &[], None).await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["x-total-count"], "1");
    let trash: Vec<Value> = response.json().await.expect("JSON");
    assert_eq!(trash[0]["id"], id);
    assert_eq!(trash[0]["title"], "Renew passport");
    assert!(trash[0]["deleted_at"].is_string());
    let theirs: Vec<Value> = server.send_with(&other, Method::GET, "/trash", &[], None).await.json().await.expect("JSON");
    assert!(theirs.is_empty());
    let restore = format!("/trash/{id}/restore");
    assert_eq!(server.send_with(&other, Method::POST, &restore, &[], None).await.status(), 404);
    assert_eq!(server.send_with(&account, Method::GET, "/trash?limit=0", &[], None).await.status(), 422);
    assert_eq!(server.send_with(&account, Method::GET, &restore, &[], None).await.status(), 405);

    let response = server.send_with(&account, Method::POST, &restore, &[], None).await;
    assert_eq!(response.status(), 200);
    assert_eq!(etag(&response).as_deref(), Some("\"2\""));
    let restored: Value = response.json().await.expect("JSON");
    assert_eq!((restored["id"].as_i64(), restored["version"].as_i64()), (Some(id), Some(2)));
    assert_eq!(server.send_with(&account, Method::GET, &path, &[], None).await.status(), 200);
    assert_eq!(server.send_with(&account, Method::POST, &restore, &[], None).await.status(), 404);

    assert_eq!(server.send_with(&account, Method::DELETE, &path, &[], None).await.status(), 204);
    let erase = format!("/trash/{id}");
    assert_eq!(server.send_with(&other, Method::DELETE, &erase, &[], None).await.status(), 404);
    assert_eq!(server.send_with(&account, Method::DELETE, &erase, &[], None).await.status(), 204);
    assert_eq!(server.send_with(&account, Method::POST, &restore, &[], None).await.status(), 404);
    let trash: Vec<Value> = server.send_with(&account, Method::GET, "/trash", &[], None).await.json().await.expect("JSON");
    assert!(trash.is_empty());
}
}

taskd_tests::on_both_backends! {
async fn following_the_change_feed_while_eight_writers_work_reproduces_the_task_set() {
    let server = Server::start();
    let account = server.account("feed").await;
    for n in 0..20 {
        create(&server, &account, &format!("seed {n}")).await;
    }
    let mut replica = BTreeMap::new();
    let cursor = sync(&server, &account, None, &mut replica).await;
    assert_eq!(replica, every_task(&server, &account).await);

    let writer = |worker: usize| {
        let (server, account) = (&server, &account);
        async move {
            for step in 0..12 {
                let task = create(server, account, &format!("w{worker} s{step}")).await;
                let path = format!("/tasks/{}", task["id"]);
                let body = json!({"completed": true, "tags": [format!("w{worker}")]});
                assert_eq!(server.send_with(account, Method::PATCH, &path, &[], Some(body)).await.status(), 200);
                if step % 3 == 0 {
                    assert_eq!(server.send_with(account, Method::DELETE, &path, &[], None).await.status(), 204);
                }
                if step % 6 == 0 {
                    let restore = format!("/trash/{}/restore", task["id"]);
                    assert_eq!(server.send_with(account, Method::POST, &restore, &[], None).await.status(), 200);
                }
            }
        }
    };
    let reader = async {
        // Syncs over and over while the writers work.
        let mut cursor = cursor.clone();
        let mut partial = replica.clone();
        for _ in 0..15 {
            cursor = sync(&server, &account, Some(cursor), &mut partial).await;
        }
        (cursor, partial)
    };
    let writers = futures_util::future::join_all((0..8).map(writer));
    let ((cursor, mut partial), _) = tokio::join!(reader, writers);
    sync(&server, &account, Some(cursor), &mut partial).await;
    assert_eq!(partial, every_task(&server, &account).await);
}
}

taskd_tests::on_both_backends! {
async fn the_change_feed_refuses_what_it_did_not_give() {
    let server = Server::start();
    let account = server.account("cursor").await;
    let other = server.account("stranger").await;
    create(&server, &account, "mine").await;
    let page: Value = server.send_with(&account, Method::GET, "/changes", &[], None).await.json().await.expect("JSON");
    assert_eq!(page["changes"].as_array().map(Vec::len), Some(1));
    assert_eq!(page["has_more"], false);
    let cursor = page["cursor"].as_str().expect("cursor");
    // The control: the cursor works for its owner.
    let path = format!("/changes?since={cursor}");
    assert_eq!(server.send_with(&account, Method::GET, &path, &[], None).await.status(), 200);
    // Another user's cursor is no place in this feed: start over.
    let response = server.send_with(&other, Method::GET, &path, &[], None).await;
    assert_eq!(response.status(), 410);
    let body: Value = response.json().await.expect("JSON");
    assert!(body["detail"].as_str().expect("detail").contains("full sync"), "{body}");
    for (query, location) in [("since=nonsense", "query.since"), ("limit=0", "query.limit"), ("limit=1001", "query.limit")] {
        let response = server.send_with(&account, Method::GET, &format!("/changes?{query}"), &[], None).await;
        assert_eq!(response.status(), 422, "{query}");
        assert_eq!(error_locations(&response.json().await.expect("JSON")), [location]);
    }
}
}

/// The README's replica loop over HTTP, `limit` changes a page: follow the
/// cursors; on 410 start over without `since` from an empty copy. Returns
/// the last cursor and how many times it started over.
async fn replicate(
    server: &Server,
    account: &Account,
    mut since: Option<String>,
    limit: u32,
    replica: &mut BTreeMap<i64, Value>,
) -> (String, usize) {
    let mut restarts = 0;
    loop {
        let path = match &since {
            Some(cursor) => format!("/changes?since={cursor}&limit={limit}"),
            None => format!("/changes?limit={limit}"),
        };
        let response = server
            .send_with(account, Method::GET, &path, &[], None)
            .await;
        if response.status() == 410 {
            restarts += 1;
            assert!(restarts < 3, "the loop keeps starting over");
            since = None;
            continue;
        }
        assert_eq!(response.status(), 200, "{path}");
        if since.is_none() {
            replica.clear();
        }
        let page: Value = response.json().await.expect("JSON");
        for change in page["changes"].as_array().expect("changes") {
            match change["op"].as_str() {
                Some("upsert") => {
                    replica.insert(
                        change["task"]["id"].as_i64().expect("id"),
                        change["task"].clone(),
                    );
                }
                _ => {
                    replica.remove(&change["id"].as_i64().expect("id"));
                }
            }
        }
        since = Some(page["cursor"].as_str().expect("cursor").to_owned());
        if page["has_more"] == false {
            return (since.expect("cursor"), restarts);
        }
    }
}

taskd_tests::on_both_backends! {
async fn a_full_sync_finishes_after_a_restart_has_forgotten_a_deletion() {
    let options = || {
        ServerOptions::default()
            .env("CHANGES_RETENTION_DAYS", "0")
            .env("TRASH_RETENTION_DAYS", "0")
    };
    let mut server = Server::start_with(options());
    let account = server.account("long-lived").await;
    for n in 1..=4 {
        create(&server, &account, &format!("task {n}")).await;
    }
    let mut replica = BTreeMap::new();
    let old = sync(&server, &account, None, &mut replica).await;
    let last = replica.keys().max().copied().expect("a task");
    let path = format!("/tasks/{last}");
    assert_eq!(server.send_with(&account, Method::DELETE, &path, &[], None).await.status(), 204);
    let path = format!("/trash/{last}");
    assert_eq!(server.send_with(&account, Method::DELETE, &path, &[], None).await.status(), 204);
    server.stop();
    // Housekeeping at start forgets the erased task's deletion.
    let mut server = server.restart(options());
    server.wait_for_log("forgot old deletions");

    // The control: the cursor kept from before is refused.
    let path = format!("/changes?since={old}&limit=1");
    assert_eq!(server.send_with(&account, Method::GET, &path, &[], None).await.status(), 410);
    // A full sync one task a page reaches its end with every live task.
    let mut fresh = BTreeMap::new();
    let (cursor, restarts) = replicate(&server, &account, None, 1, &mut fresh).await;
    assert_eq!(restarts, 0);
    assert_eq!(fresh, every_task(&server, &account).await);
    assert_eq!(fresh.len(), 3);
    // The old replica, following the README's loop, starts over once and ends.
    let (_, restarts) = replicate(&server, &account, Some(old), 1, &mut replica).await;
    assert_eq!(restarts, 1);
    assert_eq!(replica, fresh);
    // The full sync's last cursor sees what comes after it.
    let added = create(&server, &account, "after").await;
    let (_, restarts) = replicate(&server, &account, Some(cursor), 1, &mut fresh).await;
    assert_eq!(restarts, 0);
    assert_eq!(fresh.get(&added["id"].as_i64().expect("id")), Some(&added));
    assert_eq!(fresh, every_task(&server, &account).await);
}
}

async fn export(server: &Server, account: &Account) -> Value {
    let response = server
        .send_with(account, Method::GET, "/export", &[], None)
        .await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "application/json");
    response
        .json()
        .await
        .expect("the export is one JSON document")
}

async fn import(server: &Server, account: &Account, query: &str, document: &Value) -> Value {
    let path = format!("/import{query}");
    let response = server
        .send_with(account, Method::POST, &path, &[], Some(document.clone()))
        .await;
    let status = response.status();
    let body: Value = response.json().await.expect("JSON");
    assert_eq!(status, 200, "{path}: {body}");
    body
}

/// What an export says of each task, apart from what the importing server
/// makes its own: ids, owner, version, last change, when it went to the
/// trash.
fn portable(document: &Value) -> Vec<Value> {
    let mut tasks: Vec<Value> = document["tasks"]
        .as_array()
        .expect("tasks")
        .iter()
        .map(|task| {
            let mut task = task.clone();
            let object = task.as_object_mut().expect("a task");
            for server_owned in ["id", "owner_id", "version", "updated_at", "list_id"] {
                object.remove(server_owned);
            }
            // A trashed task is trashed by the import, at its time.
            let trashed = object.remove("deleted_at").is_some_and(|at| at.is_string());
            object.insert("trashed".into(), json!(trashed));
            task
        })
        .collect();
    tasks.sort_by_key(|task| task["title"].as_str().unwrap_or_default().to_owned());
    tasks
}

taskd_tests::on_both_backends! {
async fn an_export_imported_into_a_new_account_exports_the_same_tasks() {
    let server = Server::start();
    let account = server.account("export").await;
    for body in [
        json!({"title": "Plain"}),
        json!({"title": "Planned", "description": "with everything", "priority": "high",
               "due_date": "2031-02-03", "tags": ["home", "money"]}),
        json!({"title": "At a time", "due_at": "2031-02-03T09:30:00+01:00", "completed": true}),
        json!({"title": "Trashed", "priority": "low"}),
    ] {
        assert_eq!(server.create_task(&account, body).await.status(), 201);
    }
    let trashed = every_task(&server, &account).await.into_values().find(|task| task["title"] == "Trashed").expect("task");
    let path = format!("/tasks/{}", trashed["id"]);
    assert_eq!(server.send_with(&account, Method::DELETE, &path, &[], None).await.status(), 204);

    let first = export(&server, &account).await;
    assert_eq!(first["format"], "taskd-export");
    assert_eq!(first["version"], 1);
    assert_eq!(first["user"]["email"], account.email.as_str());
    assert!(first["exported_at"].is_string());
    let tasks = first["tasks"].as_array().expect("tasks");
    assert_eq!(tasks.len(), 4);
    let deleted: Vec<&Value> = tasks.iter().filter(|task| task["deleted_at"].is_string()).collect();
    assert_eq!(deleted.len(), 1);
    assert_eq!(deleted[0]["title"], "Trashed");

    // Its own export, imported back: every task is still here.
    let report = import(&server, &account, "", &first).await;
    assert_eq!((report["created"].as_u64(), report["skipped"].as_u64()), (Some(0), Some(4)), "{report}");

    // A dry run changes nothing.
    let elsewhere = server.account("elsewhere").await;
    let report = import(&server, &elsewhere, "?dry_run=true", &first).await;
    assert_eq!((report["created"].as_u64(), report["skipped"].as_u64()), (Some(4), Some(0)));
    assert!(export(&server, &elsewhere).await["tasks"].as_array().expect("tasks").is_empty());

    let report = import(&server, &elsewhere, "", &first).await;
    assert_eq!((report["created"].as_u64(), report["skipped"].as_u64()), (Some(4), Some(0)), "{report}");
    assert_eq!(report["errors"], json!([]));
    let again = import(&server, &elsewhere, "", &first).await;
    assert_eq!((again["created"].as_u64(), again["skipped"].as_u64()), (Some(0), Some(4)), "{again}");

    let second = export(&server, &elsewhere).await;
    assert_eq!(portable(&second), portable(&first));
    // The trashed task went to the trash, the others are live.
    assert_eq!(every_task(&server, &elsewhere).await.len(), 3);
    let trash: Vec<Value> = server.send_with(&elsewhere, Method::GET, "/trash", &[], None).await.json().await.expect("JSON");
    assert_eq!(trash.len(), 1);
}
}

taskd_tests::on_both_backends! {
async fn a_taskwarrior_export_of_more_than_a_mebibyte_imports_and_exports_page_by_page() {
    let server = Server::start();
    let account = server.account("taskwarrior").await;
    let note = "n".repeat(1200);
    let mut entries: Vec<Value> = (0..1200)
        .map(|n| json!({
            "uuid": format!("0000-{n:04}"), "description": format!("Task {n}"),
            "status": if n % 10 == 0 { "completed" } else { "pending" },
            "entry": "20240101T090000Z", "end": "20240102T090000Z",
            "priority": "M", "tags": ["imported"],
            "annotations": [{"entry": "20240101T090000Z", "description": note}],
        }))
        .collect();
    entries.push(json!({"uuid": "bad", "description": "", "status": "pending"}));
    entries.push(json!({"uuid": "0000-0001", "description": "Task 1 again", "status": "pending"}));
    let document = Value::Array(entries);
    assert!(document.to_string().len() > 1024 * 1024, "over the usual body limit");
    let report = import(&server, &account, "", &document).await;
    assert_eq!(report["created"], 1200, "{}", report["errors"]);
    assert_eq!(report["skipped"], 1, "a uuid the file names twice is imported once");
    assert_eq!(report["errors"].as_array().map(Vec::len), Some(1));
    assert_eq!(report["errors"][0]["index"], 1200);

    let exported = export(&server, &account).await;
    let tasks = exported["tasks"].as_array().expect("tasks");
    assert_eq!(tasks.len(), 1200);
    let ids: std::collections::BTreeSet<i64> = tasks.iter().map(|task| task["id"].as_i64().expect("id")).collect();
    assert_eq!(ids.len(), 1200, "each task once");
    let done = tasks.iter().find(|task| task["title"] == "Task 10").expect("task 10");
    assert_eq!(done["completed"], true);
    assert_eq!(done["completed_at"], "2024-01-02T09:00:00Z");
    assert_eq!(done["created_at"], "2024-01-01T09:00:00Z");
    assert_eq!(done["priority"], "medium");
    assert_eq!(done["description"].as_str().map(str::len), Some(1200));

    // Neither shape: refused whole.
    let response = server.send_with(&account, Method::POST, "/import", &[], Some(json!({"tasks": []}))).await;
    assert_eq!(response.status(), 422);
}
}
