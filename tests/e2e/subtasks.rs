//! Subtasks over HTTP: parent_id and its refusals (itself, a descendant, a
//! trashed task, another user's, a sixth level), the parent's list for the
//! whole tree, completion going down, the trash taking and giving back the
//! subtree, and an export keeping the tree. On both backends.

use reqwest::Method;
use serde_json::{Value, json};
use taskd_tests::{Account, Server, error_locations};

async fn get(server: &Server, account: &Account, id: &Value) -> Value {
    let (status, task) = server
        .call(account, Method::GET, &format!("/tasks/{id}"), None)
        .await;
    assert_eq!(status, 200, "{task}");
    task
}

taskd_tests::on_both_backends! {
async fn a_subtask_lives_in_its_parents_list_and_the_tree_has_at_most_five_levels() {
    let server = Server::start();
    let account = server.account("subtasks").await;
    let (_, work) = server.call(&account, Method::POST, "/lists", Some(json!({"name": "Work"}))).await;
    let report = server.created(&account, json!({"title": "Report", "list_id": work["id"]})).await;
    let draft = server.created(&account, json!({"title": "Draft", "parent_id": report["id"]})).await;
    assert_eq!((draft["parent_id"].clone(), draft["list_id"].clone()), (report["id"].clone(), work["id"].clone()));

    // Refusals, each at its field.
    let (_, lists) = server.call(&account, Method::GET, "/lists", None).await;
    let default_id = lists[0]["id"].clone();
    let (status, refused) = server.call(&account, Method::POST, "/tasks", Some(json!({"title": "x", "parent_id": report["id"], "list_id": default_id}))).await;
    assert_eq!((status, error_locations(&refused)), (422, vec!["body.list_id".to_owned()]));
    let draft_path = format!("/tasks/{}", draft["id"]);
    let report_path = format!("/tasks/{}", report["id"]);
    for (path, body) in [
        (report_path.clone(), json!({"parent_id": report["id"]})),
        (report_path.clone(), json!({"parent_id": draft["id"]})),
        (draft_path.clone(), json!({"parent_id": 0})),
    ] {
        let (status, refused) = server.call(&account, Method::PATCH, &path, Some(body.clone())).await;
        assert_eq!(status, 422, "{body}: {refused}");
        assert_eq!(error_locations(&refused), ["body.parent_id"], "{body}");
    }
    let (status, refused) = server.call(&account, Method::PATCH, &draft_path, Some(json!({"list_id": default_id}))).await;
    assert_eq!((status, error_locations(&refused)), (422, vec!["body.list_id".to_owned()]));
    let stranger = server.account("stranger").await;
    let theirs = server.created(&stranger, json!({"title": "Theirs"})).await;
    let (status, refused) = server.call(&account, Method::POST, "/tasks", Some(json!({"title": "x", "parent_id": theirs["id"]}))).await;
    assert_eq!((status, error_locations(&refused)), (422, vec!["body.parent_id".to_owned()]));
    let gone = server.created(&account, json!({"title": "Gone"})).await;
    server.call(&account, Method::DELETE, &format!("/tasks/{}", gone["id"]), None).await;
    let (status, refused) = server.call(&account, Method::POST, "/tasks", Some(json!({"title": "x", "parent_id": gone["id"]}))).await;
    assert_eq!((status, error_locations(&refused)), (422, vec!["body.parent_id".to_owned()]));

    // Five levels, the top counted; not six.
    let mut level = draft.clone();
    let mut levels = vec![report.clone(), draft.clone()];
    for depth in 3..=5 {
        level = server.created(&account, json!({"title": format!("Level {depth}"), "parent_id": level["id"]})).await;
        levels.push(level.clone());
    }
    let (status, refused) = server.call(&account, Method::POST, "/tasks", Some(json!({"title": "Level 6", "parent_id": level["id"]}))).await;
    assert_eq!((status, error_locations(&refused)), (422, vec!["body.parent_id".to_owned()]));
    // Nor by moving a tree of two under the fourth level (the third is fine).
    let other = server.created(&account, json!({"title": "Other"})).await;
    server.created(&account, json!({"title": "Other's child", "parent_id": other["id"]})).await;
    let other_path = format!("/tasks/{}", other["id"]);
    let (status, refused) = server.call(&account, Method::PATCH, &other_path, Some(json!({"parent_id": levels[3]["id"]}))).await;
    assert_eq!((status, error_locations(&refused)), (422, vec!["body.parent_id".to_owned()]), "{refused}");
    let (status, placed) = server.call(&account, Method::PATCH, &other_path, Some(json!({"parent_id": levels[2]["id"]}))).await;
    assert_eq!(status, 200, "{placed}");
    let (status, _) = server.call(&account, Method::PATCH, &other_path, Some(json!({"parent_id": null}))).await;
    assert_eq!(status, 200);

    // Listing children, and top-level tasks only.
    let (_, children) = server.call(&account, Method::GET, &format!("/tasks?parent_id={}", report["id"]), None).await;
    let titles: Vec<&str> = children.as_array().expect("tasks").iter().filter_map(|task| task["title"].as_str()).collect();
    assert_eq!(titles, ["Draft"]);
    let (_, top) = server.call(&account, Method::GET, "/tasks?parent_id=none&sort=title", None).await;
    let titles: Vec<&str> = top.as_array().expect("tasks").iter().filter_map(|task| task["title"].as_str()).collect();
    assert_eq!(titles, ["Other", "Report"]);

    // Moving the top task moves the tree.
    let (status, moved) = server.call(&account, Method::PATCH, &report_path, Some(json!({"list_id": default_id}))).await;
    assert_eq!((status, moved["list_id"].clone()), (200, default_id.clone()));
    assert_eq!(get(&server, &account, &level["id"]).await["list_id"], default_id);
    // A subtask set free can move on its own.
    let (status, freed) = server.call(&account, Method::PATCH, &draft_path, Some(json!({"parent_id": null, "list_id": work["id"]}))).await;
    assert_eq!((status, freed["parent_id"].clone(), freed["list_id"].clone()), (200, Value::Null, work["id"].clone()), "{freed}");
    assert_eq!(get(&server, &account, &level["id"]).await["list_id"], work["id"], "its own subtasks follow it");
}
}

taskd_tests::on_both_backends! {
async fn completing_a_parent_completes_its_subtasks_and_the_trash_takes_and_gives_back_the_tree() {
    let server = Server::start();
    let account = server.account("tree").await;
    let trip = server.created(&account, json!({"title": "Trip"})).await;
    let pack = server.created(&account, json!({"title": "Pack", "parent_id": trip["id"]})).await;
    let socks = server.created(&account, json!({"title": "Socks", "parent_id": pack["id"]})).await;
    let (_, before) = server.call(&account, Method::GET, "/changes", None).await;
    let cursor = before["cursor"].as_str().expect("cursor").to_owned();

    let (status, _) = server.call(&account, Method::PATCH, &format!("/tasks/{}", trip["id"]), Some(json!({"completed": true}))).await;
    assert_eq!(status, 200);
    for id in [&pack["id"], &socks["id"]] {
        let done = get(&server, &account, id).await;
        assert_eq!((done["completed"].clone(), done["version"].clone()), (json!(true), json!(2)), "{done}");
        assert!(done["completed_at"].is_string());
    }
    let (_, feed) = server.call(&account, Method::GET, &format!("/changes?since={cursor}"), None).await;
    assert_eq!(feed["changes"].as_array().map(Vec::len), Some(3), "{feed}");
    // Reopening the parent leaves them as they are.
    server.call(&account, Method::PATCH, &format!("/tasks/{}", trip["id"]), Some(json!({"completed": false}))).await;
    assert_eq!(get(&server, &account, &pack["id"]).await["completed"], true);

    // The trash takes the tree and gives it back.
    let (status, _) = server.call(&account, Method::DELETE, &format!("/tasks/{}", trip["id"]), None).await;
    assert_eq!(status, 204);
    let (_, trash) = server.call(&account, Method::GET, "/trash", None).await;
    assert_eq!(trash.as_array().map(Vec::len), Some(3));
    let (status, back) = server.call(&account, Method::POST, &format!("/trash/{}/restore", trip["id"]), None).await;
    assert_eq!((status, back["title"].clone()), (200, json!("Trip")));
    assert_eq!(get(&server, &account, &socks["id"]).await["parent_id"], pack["id"]);
    let (_, trash) = server.call(&account, Method::GET, "/trash", None).await;
    assert_eq!(trash, json!([]));

    // A subtask restored while its parent is in the trash comes back at the top.
    server.call(&account, Method::DELETE, &format!("/tasks/{}", trip["id"]), None).await;
    let (status, alone) = server.call(&account, Method::POST, &format!("/trash/{}/restore", pack["id"]), None).await;
    assert_eq!((status, alone["parent_id"].clone()), (200, Value::Null), "{alone}");
    // Erasing the top task erases what went with it.
    let (status, _) = server.call(&account, Method::DELETE, &format!("/trash/{}", trip["id"]), None).await;
    assert_eq!(status, 204);
    let (_, trash) = server.call(&account, Method::GET, "/trash", None).await;
    assert_eq!(trash, json!([]), "socks went with the trip");
    let (status, _) = server.call(&account, Method::GET, &format!("/tasks/{}", socks["id"]), None).await;
    assert_eq!(status, 404);
}
}

taskd_tests::on_both_backends! {
async fn an_export_keeps_the_tree_when_imported_elsewhere() {
    let server = Server::start();
    let account = server.account("tree-export").await;
    let trip = server.created(&account, json!({"title": "Trip"})).await;
    server.created(&account, json!({"title": "Pack", "parent_id": trip["id"]})).await;
    let export: Value = server.send(&account, Method::GET, "/export", None).await.json().await.expect("JSON");
    let other = server.account("tree-import").await;
    let (status, report) = server.call(&other, Method::POST, "/import", Some(export)).await;
    assert_eq!((status, report["created"].clone()), (200, json!(2)), "{report}");
    let (_, tasks) = server.call(&other, Method::GET, "/tasks?sort=title", None).await;
    let tasks = tasks.as_array().expect("tasks").clone();
    let (pack, trip) = (&tasks[0], &tasks[1]);
    assert_eq!(pack["parent_id"], trip["id"]);
    assert_ne!(trip["id"], Value::Null);
}
}

taskd_tests::on_both_backends! {
async fn a_repeating_subtask_closes_with_its_parent_and_a_repeating_parent_closes_none() {
    let server = Server::start();
    let account = server.account("repeating-subtasks").await;
    let move_house = server.created(&account, json!({"title": "Move house"})).await;
    let water = server.created(&account, json!({"title": "Water the plants", "parent_id": move_house["id"], "due_date": "2030-01-07", "repeat": "FREQ=DAILY"})).await;
    let (status, _) = server.call(&account, Method::PATCH, &format!("/tasks/{}", move_house["id"]), Some(json!({"completed": true}))).await;
    assert_eq!(status, 200);
    let closed = get(&server, &account, &water["id"]).await;
    assert_eq!((closed["completed"].clone(), closed["due_date"].clone()), (json!(true), json!("2030-01-07")), "{closed}");
    let (_, occurrences) = server.call(&account, Method::GET, &format!("/tasks/{}/completions", water["id"]), None).await;
    assert_eq!(occurrences, json!([]), "closed with its parent, not an occurrence done");

    // The control: a repeating parent moves on, and its subtask stays open.
    let review = server.created(&account, json!({"title": "Weekly review", "due_date": "2030-01-07", "repeat": "FREQ=WEEKLY"})).await;
    let inbox = server.created(&account, json!({"title": "Empty the inbox", "parent_id": review["id"], "due_date": "2030-01-07", "repeat": "FREQ=DAILY"})).await;
    let (_, moved) = server.call(&account, Method::PATCH, &format!("/tasks/{}", review["id"]), Some(json!({"completed": true}))).await;
    assert_eq!((moved["completed"].clone(), moved["due_date"].clone()), (json!(false), json!("2030-01-14")), "{moved}");
    let open = get(&server, &account, &inbox["id"]).await;
    assert_eq!((open["completed"].clone(), open["due_date"].clone()), (json!(false), json!("2030-01-07")), "{open}");
}
}
