//! Lists over HTTP: the default list every account has, names unique
//! ignoring case, colours, positions, versions and ETags, moving tasks,
//! deleting a list (refused, or with its tasks to the trash), restores into
//! the default list, another user's lists never seen, and export/import by
//! name (Taskwarrior's project too). On both backends.

use reqwest::Method;
use serde_json::{Value, json};
use taskd_tests::{Account, Server, error_locations};

async fn make_list(server: &Server, account: &Account, body: Value) -> Value {
    let (status, list) = server
        .call(account, Method::POST, "/lists", Some(body))
        .await;
    assert_eq!(status, 201, "{list}");
    list
}

async fn lists(server: &Server, account: &Account) -> Vec<Value> {
    let (status, lists) = server.call(account, Method::GET, "/lists", None).await;
    assert_eq!(status, 200);
    lists.as_array().expect("lists").clone()
}

taskd_tests::on_both_backends! {
async fn every_account_starts_with_a_default_list_and_names_are_unique_ignoring_case() {
    let server = Server::start();
    let account = server.account("lists").await;
    let first = lists(&server, &account).await;
    assert_eq!(first.len(), 1);
    assert_eq!((first[0]["name"].clone(), first[0]["is_default"].clone()), (json!("Tasks"), json!(true)));
    let default_id = first[0]["id"].clone();

    let response = server.send(&account, Method::POST, "/lists", Some(json!({"name": "  Groceries ", "color": "#1e90ff"}))).await;
    assert_eq!(response.status(), 201);
    let location = response.headers()["location"].to_str().expect("ASCII").to_owned();
    assert_eq!(response.headers()["etag"], "\"1\"");
    let groceries: Value = response.json().await.expect("JSON");
    assert_eq!(location, format!("/api/v1/lists/{}", groceries["id"]));
    assert_eq!((groceries["name"].clone(), groceries["color"].clone()), (json!("Groceries"), json!("#1E90FF")));
    assert_eq!(groceries["position"], 2, "after the last");
    assert_eq!((groceries["open"].clone(), groceries["total"].clone()), (json!(0), json!(0)));

    let (status, _) = server.call(&account, Method::POST, "/lists", Some(json!({"name": "GROCERIES"}))).await;
    assert_eq!(status, 409);
    let (status, refused) = server.call(&account, Method::POST, "/lists", Some(json!({"name": " ", "color": "blue", "position": -1}))).await;
    assert_eq!(status, 422);
    assert_eq!(error_locations(&refused), ["body.name", "body.color", "body.position"]);
    let (status, _) = server.call(&account, Method::POST, "/lists", Some(json!({"name": "x".repeat(101)}))).await;
    assert_eq!(status, 422);
    // Counted as sent, as the schema counts it.
    let (status, _) = server.call(&account, Method::POST, "/lists", Some(json!({"name": format!("{}{}", " ".repeat(20), "x".repeat(90))}))).await;
    assert_eq!(status, 422);

    // Tasks go to the default list unless they name one.
    let plain: Value = server.create_task(&account, json!({"title": "Plain"})).await.json().await.expect("JSON");
    assert_eq!(plain["list_id"], default_id);
    let milk: Value = server.create_task(&account, json!({"title": "Milk", "list_id": groceries["id"]})).await.json().await.expect("JSON");
    assert_eq!(milk["list_id"], groceries["id"]);
    let (status, _) = server.call(&account, Method::PATCH, &format!("/tasks/{}", milk["id"]), Some(json!({"completed": true}))).await;
    assert_eq!(status, 200);
    server.create_task(&account, json!({"title": "Bread", "list_id": groceries["id"]})).await;
    let now = lists(&server, &account).await;
    assert_eq!((now[1]["open"].clone(), now[1]["total"].clone()), (json!(1), json!(2)));
    let (status, filtered) = server.call(&account, Method::GET, &format!("/tasks?list_id={}&sort=title", groceries["id"]), None).await;
    assert_eq!(status, 200);
    let titles: Vec<&str> = filtered.as_array().expect("tasks").iter().filter_map(|task| task["title"].as_str()).collect();
    assert_eq!(titles, ["Bread", "Milk"]);
    let (status, refused) = server.call(&account, Method::GET, "/tasks?list_id=zero", None).await;
    assert_eq!(status, 422);
    assert_eq!(error_locations(&refused), ["query.list_id"]);

    // Moving a task, and refusing a list that is not one of yours.
    let (status, moved) = server.call(&account, Method::PATCH, &format!("/tasks/{}", plain["id"]), Some(json!({"list_id": groceries["id"]}))).await;
    assert_eq!((status, moved["list_id"].clone(), moved["version"].clone()), (200, groceries["id"].clone(), json!(2)));
    let stranger = server.account("stranger").await;
    let theirs = lists(&server, &stranger).await[0]["id"].clone();
    for (method, path, body) in [
        (Method::POST, "/tasks".to_owned(), json!({"title": "x", "list_id": theirs})),
        (Method::PATCH, format!("/tasks/{}", plain["id"]), json!({"list_id": theirs})),
        (Method::PATCH, format!("/tasks/{}", plain["id"]), json!({"list_id": null})),
    ] {
        let (status, refused) = server.call(&account, method, &path, Some(body)).await;
        assert_eq!(status, 422, "{path}: {refused}");
        assert_eq!(error_locations(&refused), ["body.list_id"]);
    }
    // Another user's list is not found, and never counted.
    for method in [Method::GET, Method::PATCH, Method::DELETE] {
        let body = (method == Method::PATCH).then(|| json!({"name": "Mine now"}));
        let (status, _) = server.call(&account, method, &format!("/lists/{theirs}"), body).await;
        assert_eq!(status, 404);
    }
    let (_, none) = server.call(&account, Method::GET, &format!("/tasks?list_id={theirs}"), None).await;
    assert_eq!(none, json!([]));
    assert_eq!(lists(&server, &stranger).await[0]["total"], 0);
}
}

taskd_tests::on_both_backends! {
async fn lists_change_by_version_and_the_default_moves() {
    let server = Server::start();
    let account = server.account("versions").await;
    let work = make_list(&server, &account, json!({"name": "Work", "position": 10})).await;
    let path = format!("/lists/{}", work["id"]);

    // The collection's ETag: 304 while nothing changes.
    let response = server.send(&account, Method::GET, "/lists", None).await;
    let tag = response.headers()["etag"].to_str().expect("ASCII").to_owned();
    let again = server.send_with(&account, Method::GET, "/lists", &[("if-none-match", tag.as_str())], None).await;
    assert_eq!(again.status(), 304);
    server.create_task(&account, json!({"title": "Report", "list_id": work["id"]})).await;
    let changed = server.send_with(&account, Method::GET, "/lists", &[("if-none-match", tag.as_str())], None).await;
    assert_eq!(changed.status(), 200, "a count changed");

    let stale = server.send_with(&account, Method::PATCH, &path, &[("if-match", "\"7\"")], Some(json!({"name": "Job"}))).await;
    assert_eq!(stale.status(), 412);
    let renamed = server.send_with(&account, Method::PATCH, &path, &[("if-match", "\"1\"")], Some(json!({"name": "Job", "color": "#00ff00"}))).await;
    assert_eq!(renamed.status(), 200);
    assert_eq!(renamed.headers()["etag"], "\"2\"");
    let renamed: Value = renamed.json().await.expect("JSON");
    assert_eq!((renamed["name"].clone(), renamed["color"].clone(), renamed["version"].clone()), (json!("Job"), json!("#00FF00"), json!(2)));
    let (_, cleared) = server.call(&account, Method::PATCH, &path, Some(json!({"color": null}))).await;
    assert_eq!(cleared["color"], Value::Null);
    let (status, _) = server.call(&account, Method::GET, &path, None).await;
    assert_eq!(status, 200);
    // An empty change changes nothing, not even the version.
    let (status, same) = server.call(&account, Method::PATCH, &path, Some(json!({}))).await;
    assert_eq!((status, same["version"].clone()), (200, cleared["version"].clone()));

    let (status, made) = server.call(&account, Method::PATCH, &path, Some(json!({"is_default": true}))).await;
    assert_eq!((status, made["is_default"].clone()), (200, json!(true)));
    let (_, again) = server.call(&account, Method::PATCH, &path, Some(json!({"is_default": true}))).await;
    assert_eq!(again["version"], made["version"], "already the default: nothing changes");
    let all = lists(&server, &account).await;
    let defaults: Vec<&str> = all.iter().filter(|list| list["is_default"] == true).filter_map(|list| list["name"].as_str()).collect();
    assert_eq!(defaults, ["Job"]);
    assert_eq!(all[0]["name"], "Tasks", "by position");
    assert_eq!(all[0]["version"], 2, "the old default changed too");
    let (status, _) = server.call(&account, Method::PATCH, &path, Some(json!({"is_default": false}))).await;
    assert_eq!(status, 409, "the default stays until another becomes it");
    let tasks_path = format!("/lists/{}", all[0]["id"]);
    let (status, unchanged) = server.call(&account, Method::PATCH, &tasks_path, Some(json!({"is_default": false}))).await;
    assert_eq!((status, unchanged["version"].clone()), (200, json!(2)), "already not the default");
    // New tasks now go to the new default.
    let task: Value = server.create_task(&account, json!({"title": "Elsewhere"})).await.json().await.expect("JSON");
    assert_eq!(task["list_id"], work["id"]);
}
}

taskd_tests::on_both_backends! {
async fn a_list_with_tasks_is_deleted_only_with_them_and_they_come_back_to_the_default_list() {
    let server = Server::start();
    let account = server.account("delete").await;
    let default_id = lists(&server, &account).await[0]["id"].clone();
    let trip = make_list(&server, &account, json!({"name": "Trip"})).await;
    let path = format!("/lists/{}", trip["id"]);
    let mut ids = Vec::new();
    for title in ["Passport", "Tickets"] {
        let task: Value = server.create_task(&account, json!({"title": title, "list_id": trip["id"]})).await.json().await.expect("JSON");
        ids.push(task["id"].clone());
    }
    let (status, refused) = server.call(&account, Method::DELETE, &path, None).await;
    assert_eq!(status, 409);
    assert!(refused["detail"].as_str().is_some_and(|text| text.contains("2 tasks")), "{refused}");
    let (status, _) = server.call(&account, Method::DELETE, &format!("/lists/{default_id}"), None).await;
    assert_eq!(status, 409, "the default list stays");
    let (status, _) = server.call(&account, Method::DELETE, &format!("{path}?tasks=all"), None).await;
    assert_eq!(status, 422);
    let (_, before) = server.call(&account, Method::GET, "/changes", None).await;
    let cursor = before["cursor"].as_str().expect("a cursor").to_owned();
    let stale = server.send_with(&account, Method::DELETE, &format!("{path}?tasks=trash"), &[("if-match", "\"9\"")], None).await;
    assert_eq!(stale.status(), 412);
    let (status, _) = server.call(&account, Method::DELETE, &format!("{path}?tasks=trash"), None).await;
    assert_eq!(status, 204);
    let (status, _) = server.call(&account, Method::GET, &path, None).await;
    assert_eq!(status, 404);
    let (_, trash) = server.call(&account, Method::GET, "/trash", None).await;
    assert_eq!(trash.as_array().map(Vec::len), Some(2));
    // The change feed tells of both deletions.
    let (_, feed) = server.call(&account, Method::GET, &format!("/changes?since={cursor}"), None).await;
    let deleted: Vec<Value> = feed["changes"].as_array().expect("changes").iter().filter(|change| change["op"] == "delete").map(|change| change["id"].clone()).collect();
    assert_eq!(deleted, ids, "{feed}");
    let (status, restored) = server.call(&account, Method::POST, &format!("/trash/{}/restore", ids[0]), None).await;
    assert_eq!(status, 200, "{restored}");
    assert_eq!(restored["list_id"], default_id);
    // An empty list goes without ?tasks.
    let empty = make_list(&server, &account, json!({"name": "Empty"})).await;
    let (status, _) = server.call(&account, Method::DELETE, &format!("/lists/{}", empty["id"]), None).await;
    assert_eq!(status, 204);
}
}

taskd_tests::on_both_backends! {
async fn an_export_carries_lists_by_name_and_an_import_makes_the_missing_ones() {
    let server = Server::start();
    let account = server.account("export-lists").await;
    let home = make_list(&server, &account, json!({"name": "Home", "color": "#AA0000"})).await;
    server.create_task(&account, json!({"title": "Paint", "list_id": home["id"]})).await;
    server.create_task(&account, json!({"title": "Loose"})).await;
    let export: Value = server.send(&account, Method::GET, "/export", None).await.json().await.expect("JSON");
    assert_eq!(export["lists"].as_array().map(Vec::len), Some(2));
    let paint = export["tasks"].as_array().expect("tasks").iter().find(|task| task["title"] == "Paint").expect("Paint").clone();
    assert_eq!(paint["list"], "Home");

    // Into an account that has a "home" list already (ignoring case), and none named Tasks… but its own default.
    let other = server.account("import-lists").await;
    let mine = make_list(&server, &other, json!({"name": "HOME"})).await;
    let (status, report) = server.call(&other, Method::POST, "/import", Some(export.clone())).await;
    assert_eq!((status, report["created"].clone()), (200, json!(2)), "{report}");
    let (_, tasks) = server.call(&other, Method::GET, "/tasks?sort=title", None).await;
    let placed: Vec<(String, Value)> = tasks.as_array().expect("tasks").iter().map(|task| (task["title"].as_str().unwrap_or_default().to_owned(), task["list_id"].clone())).collect();
    let other_default = lists(&server, &other).await.iter().find(|list| list["name"] == "Tasks").expect("Tasks")["id"].clone();
    assert_eq!(placed, [("Loose".to_owned(), other_default), ("Paint".to_owned(), mine["id"].clone())]);

    // Into a new account, the list is made with its colour and position.
    let fresh = server.account("import-fresh").await;
    let (status, _) = server.call(&fresh, Method::POST, "/import", Some(export.clone())).await;
    assert_eq!(status, 200);
    let made = lists(&server, &fresh).await.into_iter().find(|list| list["name"] == "Home").expect("made");
    assert_eq!((made["color"].clone(), made["position"].clone()), (home["color"].clone(), home["position"].clone()));

    // Taskwarrior's project becomes a list of that name.
    let taskwarrior = json!([
        {"uuid": "5f7a3c52-8d0e-4a8b-9c1d-000000000001", "description": "Fix bike", "status": "pending",
         "entry": "20240101T090000Z", "project": "Garage"},
        {"uuid": "5f7a3c52-8d0e-4a8b-9c1d-000000000002", "description": "Bad project", "status": "pending",
         "entry": "20240101T090000Z", "project": ""}
    ]);
    let (status, report) = server.call(&other, Method::POST, "/import", Some(taskwarrior)).await;
    assert_eq!((status, report["created"].clone()), (200, json!(2)), "{report}");
    assert_eq!(report["errors"], json!([]), "a project no list could be named stays in the default list");
    let garage = lists(&server, &other).await.into_iter().find(|list| list["name"] == "Garage").expect("made");
    assert_eq!(garage["total"], 1);
}
}

taskd_tests::on_both_backends! {
async fn the_change_feed_tells_of_lists_made_changed_and_deleted() {
    let server = Server::start();
    let account = server.account("list-feed").await;
    let (_, full) = server.call(&account, Method::GET, "/changes?lists=true", None).await;
    let ops: Vec<(Value, Value)> = full["changes"].as_array().expect("changes").iter().map(|change| (change["op"].clone(), change["list"]["name"].clone())).collect();
    assert_eq!(ops, [(json!("list_upsert"), json!("Tasks"))], "a full sync holds the default list");
    let cursor = full["cursor"].as_str().expect("cursor").to_owned();

    let (_, work) = server.call(&account, Method::POST, "/lists", Some(json!({"name": "Work"}))).await;
    let (_, old) = server.call(&account, Method::POST, "/lists", Some(json!({"name": "Old"}))).await;
    server.call(&account, Method::PATCH, &format!("/lists/{}", work["id"]), Some(json!({"name": "Office", "is_default": true}))).await;
    let (status, _) = server.call(&account, Method::DELETE, &format!("/lists/{}", old["id"]), None).await;
    assert_eq!(status, 204);
    // A task put in a list changes its counts, not the list.
    server.call(&account, Method::POST, "/tasks", Some(json!({"title": "Report"}))).await;

    // Without lists=true, only tasks' changes come (as before lists).
    let (_, tasks_only) = server.call(&account, Method::GET, &format!("/changes?since={cursor}"), None).await;
    let ops: Vec<&str> = tasks_only["changes"].as_array().expect("changes").iter().map(|change| change["op"].as_str().expect("op")).collect();
    assert_eq!(ops, ["upsert"]);
    let (_, since) = server.call(&account, Method::GET, &format!("/changes?since={cursor}&lists=true"), None).await;
    let seen: Vec<Value> = since["changes"].as_array().expect("changes").iter().map(|change| match change["op"].as_str() {
        Some("list_upsert") => json!(["list_upsert", change["list"]["name"], change["list"]["is_default"]]),
        Some("list_delete") => json!(["list_delete", change["id"]]),
        Some(op) => json!([op, change["task"]["title"]]),
        None => Value::Null,
    }).collect();
    assert_eq!(seen, [
        json!(["list_upsert", "Office", true]),
        json!(["list_upsert", "Tasks", false]),
        json!(["list_delete", old["id"]]),
        json!(["upsert", "Report"]),
    ], "each list once, in its latest state, in commit order");
    // Another user's feed tells of none of it.
    let stranger = server.account("stranger").await;
    let (_, theirs) = server.call(&stranger, Method::GET, "/changes?lists=true", None).await;
    assert_eq!(theirs["changes"].as_array().expect("changes").len(), 1);
}
}

/// `X-Total-Count` of a listing, and how many tasks it lists (all of them:
/// every listing here holds fewer than a page).
async fn total_and_listed(server: &Server, account: &Account, query: &str) -> (u64, usize) {
    let response = server
        .send(
            account,
            Method::GET,
            &format!("/tasks?limit=200&{query}"),
            None,
        )
        .await;
    let total = response.headers()["x-total-count"]
        .to_str()
        .expect("header")
        .parse()
        .expect("count");
    let tasks: Value = response.json().await.expect("JSON");
    (total, tasks.as_array().expect("tasks").len())
}

taskd_tests::on_both_backends! {
async fn a_lists_and_the_top_levels_totals_follow_every_change_of_place_and_completion() {
    let server = Server::start();
    let account = server.account("kept-counts").await;
    let work = make_list(&server, &account, json!({"name": "Work"})).await;
    let home = make_list(&server, &account, json!({"name": "Home"})).await;
    let report = server.created(&account, json!({"title": "Report", "list_id": work["id"]})).await;
    let draft = server.created(&account, json!({"title": "Draft", "parent_id": report["id"]})).await;
    server.created(&account, json!({"title": "Review", "parent_id": draft["id"]})).await;
    let paint = server.created(&account, json!({"title": "Paint", "list_id": home["id"]})).await;
    server.created(&account, json!({"title": "Loose"})).await;
    let moved = server.created(&account, json!({"title": "Moved", "list_id": home["id"]})).await;
    let path = |task: &Value| format!("/tasks/{}", task["id"]);
    // Completing cascades, moving takes a tree, a parent makes a subtask,
    // the trash takes and gives back a subtree.
    server.call(&account, Method::PATCH, &path(&report), Some(json!({"completed": true}))).await;
    server.call(&account, Method::PATCH, &path(&draft), Some(json!({"completed": false, "parent_id": null}))).await;
    server.call(&account, Method::PATCH, &path(&draft), Some(json!({"list_id": home["id"]}))).await;
    server.call(&account, Method::PATCH, &path(&moved), Some(json!({"parent_id": paint["id"]}))).await;
    server.call(&account, Method::DELETE, &path(&paint), None).await;
    server.call(&account, Method::POST, &format!("/trash/{}/restore", paint["id"]), None).await;
    server.call(&account, Method::DELETE, &path(&draft), None).await;
    let gone = make_list(&server, &account, json!({"name": "Gone"})).await;
    server.created(&account, json!({"title": "In gone", "list_id": gone["id"]})).await;
    server.call(&account, Method::DELETE, &format!("/lists/{}?tasks=trash", gone["id"]), None).await;
    server.call(&account, Method::POST, "/tasks", Some(json!({"title": "Done", "completed": true, "list_id": work["id"]}))).await;

    for list in [&work, &home] {
        for filter in ["", "&completed=false", "&completed=true"] {
            let query = format!("list_id={}{filter}", list["id"]);
            let (total, listed) = total_and_listed(&server, &account, &query).await;
            assert_eq!(total, listed as u64, "{query}");
        }
    }
    for filter in ["", "&completed=false", "&completed=true"] {
        let query = format!("parent_id=none{filter}");
        let (total, listed) = total_and_listed(&server, &account, &query).await;
        assert_eq!(total, listed as u64, "{query}");
    }
    let (total, _) = total_and_listed(&server, &account, "parent_id=none").await;
    assert_eq!(total, 4, "Report, Paint, Loose and Done (In gone is in the trash)");
}
}
