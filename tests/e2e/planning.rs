//! Planning over HTTP: priority, due, tags, completion time, the user's time
//! zone, filters, search, sorting and cursor paging.

use std::collections::BTreeSet;

use serde_json::{Value, json};
use taskd_tests::{Account, Server, client, error_locations};

async fn call(
    server: &Server,
    account: &Account,
    method: reqwest::Method,
    path: &str,
    body: Option<Value>,
) -> reqwest::Response {
    server.send(account, method, path, body).await
}

async fn create(server: &Server, account: &Account, body: Value) -> Value {
    let response = server.create_task(account, body).await;
    assert_eq!(response.status(), 201);
    response.json().await.expect("JSON")
}

async fn patch(server: &Server, account: &Account, id: &Value, body: Value) -> reqwest::Response {
    let path = format!("/tasks/{id}");
    call(server, account, reqwest::Method::PATCH, &path, Some(body)).await
}

async fn titles(server: &Server, account: &Account, query: &str) -> Vec<String> {
    let response = call(
        server,
        account,
        reqwest::Method::GET,
        &format!("/tasks?{query}"),
        None,
    )
    .await;
    assert_eq!(response.status(), 200, "{query}");
    let tasks: Vec<Value> = response.json().await.expect("JSON");
    tasks
        .iter()
        .map(|task| task["title"].as_str().expect("title").to_owned())
        .collect()
}

/// Today's date in a zone, as the server will read it.
fn today_in(zone: &str) -> String {
    let zone = taskcore::Zone::parse(zone).expect("zone");
    zone.day_of(chrono::Utc::now()).to_string()
}

taskd_tests::on_both_backends! {
async fn a_seed_client_sees_what_it_saw_plus_the_new_fields_at_their_defaults() {
    let server = Server::start();
    let account = server.account("seed").await;
    let task = create(&server, &account, json!({"title": "Buy milk", "description": "2 l", "completed": false})).await;
    assert_eq!(task["title"], "Buy milk");
    assert_eq!(task["priority"], Value::Null);
    assert_eq!(task["due_date"], Value::Null);
    assert_eq!(task["due_at"], Value::Null);
    assert_eq!(task["tags"], json!([]));
    assert_eq!(task["completed_at"], Value::Null);
}
}

taskd_tests::on_both_backends! {
async fn planning_fields_are_normalised_and_every_broken_rule_is_reported() {
    let server = Server::start();
    let account = server.account("fields").await;
    let task = create(&server, &account, json!({
        "title": "Pay rent", "priority": "high", "due_at": "2025-03-01T18:30:00+02:00",
        "tags": [" Money ", "home", "été"]
    })).await;
    assert_eq!(task["priority"], "high");
    assert_eq!(task["due_at"], "2025-03-01T16:30:00Z");
    assert_eq!(task["tags"], json!(["home", "money", "été"]));

    let response = server.create_task(&account, json!({
        "title": "x", "priority": "urgent", "due_date": "2025-02-30", "due_at": "tomorrow",
        "tags": ["a b"]
    })).await;
    assert_eq!(response.status(), 422);
    let body: Value = response.json().await.expect("JSON");
    assert_eq!(
        error_locations(&body),
        ["body.priority", "body.due_date", "body.due_at", "body", "body.tags"]
    );
    // Both dues set is one error naming both.
    let response = server.create_task(&account, json!({"title": "x", "due_date": "2025-01-01", "due_at": "2025-01-01T10:00:00Z"})).await;
    let body: Value = response.json().await.expect("JSON");
    assert_eq!(error_locations(&body), ["body"]);
    let message = body["detail"][0]["msg"].as_str().expect("msg");
    assert!(message.contains("due_date") && message.contains("due_at"), "{message}");
    let many: Vec<String> = (0..33).map(|n| format!("t{n}")).collect();
    let response = server.create_task(&account, json!({"title": "x", "tags": many})).await;
    assert_eq!(response.status(), 422);
    let response = server.create_task(&account, json!({"title": "x", "tags": ["Home", "home"]})).await;
    assert_eq!(response.status(), 422);
}
}

taskd_tests::on_both_backends! {
async fn patch_moves_due_sets_completion_time_and_refuses_mixed_tag_changes() {
    let server = Server::start();
    let account = server.account("patch").await;
    let task = create(&server, &account, json!({"title": "t", "due_date": "2025-05-01", "tags": ["a"]})).await;
    let id = &task["id"];
    let moved: Value = patch(&server, &account, id, json!({"due_at": "2025-05-02T09:00:00Z"})).await.json().await.expect("JSON");
    assert_eq!((moved["due_date"].clone(), moved["due_at"].clone()), (Value::Null, json!("2025-05-02T09:00:00Z")));
    let done: Value = patch(&server, &account, id, json!({"completed": true})).await.json().await.expect("JSON");
    let completed_at = done["completed_at"].as_str().expect("set").to_owned();
    let edited: Value = patch(&server, &account, id, json!({"title": "renamed"})).await.json().await.expect("JSON");
    assert_eq!(edited["completed_at"], completed_at.as_str(), "other edits keep it");
    let reopened: Value = patch(&server, &account, id, json!({"completed": false, "due_at": null})).await.json().await.expect("JSON");
    assert_eq!(reopened["completed_at"], Value::Null);
    assert_eq!(reopened["due_at"], Value::Null);

    let mixed = patch(&server, &account, id, json!({"tags": ["x"], "add_tags": ["y"]})).await;
    assert_eq!(mixed.status(), 422);
    assert_eq!(error_locations(&mixed.json().await.expect("JSON")), ["body"]);
    let removed: Value = patch(&server, &account, id, json!({"remove_tags": ["not-there", "a"]})).await.json().await.expect("JSON");
    assert_eq!(removed["tags"], json!([]));
}
}

taskd_tests::on_both_backends! {
async fn two_clients_adding_different_tags_at_once_both_win() {
    let server = Server::start();
    let account = server.account("tags-race").await;
    let other = server.session(&account).await;
    let mut ids = Vec::new();
    for n in 0..12 {
        ids.push(create(&server, &account, json!({"title": format!("t{n}"), "tags": ["base"]})).await["id"].clone());
    }
    // Every request is in flight before any answer is read.
    let mut races = tokio::task::JoinSet::new();
    for id in &ids {
        for (caller, body) in [
            (&account, json!({"add_tags": ["from-laptop"]})),
            (&other, json!({"add_tags": ["from-phone"], "remove_tags": ["base"]})),
        ] {
            let request = client()
                .patch(format!("{}/tasks/{id}", server.api))
                .header("authorization", caller.bearer())
                .json(&body);
            races.spawn(request.send());
        }
    }
    while let Some(answer) = races.join_next().await {
        assert_eq!(answer.expect("joined").expect("answered").status(), 200);
    }
    for id in &ids {
        let task: Value = call(&server, &account, reqwest::Method::GET, &format!("/tasks/{id}"), None).await.json().await.expect("JSON");
        assert_eq!(task["tags"], json!(["from-laptop", "from-phone"]), "task {id}");
    }
}
}

taskd_tests::on_both_backends! {
async fn the_time_zone_decides_what_today_and_overdue_mean() {
    let server = Server::start();
    for zone in ["Pacific/Auckland", "America/Los_Angeles"] {
        let account = server.account(&format!("zone-{}", zone.replace('/', "-").to_lowercase())).await;
        let me: Value = call(&server, &account, reqwest::Method::GET, "/auth/me", None).await.json().await.expect("JSON");
        assert_eq!(me["timezone"], "UTC");
        let changed = call(&server, &account, reqwest::Method::PATCH, "/auth/me", Some(json!({"timezone": zone}))).await;
        assert_eq!(changed.status(), 200);
        assert_eq!(changed.json::<Value>().await.expect("JSON")["timezone"], zone);
        let today = today_in(zone);
        let yesterday = (chrono::NaiveDate::parse_from_str(&today, "%Y-%m-%d").expect("date") - chrono::Days::new(1)).to_string();
        let tomorrow = (chrono::NaiveDate::parse_from_str(&today, "%Y-%m-%d").expect("date") + chrono::Days::new(1)).to_string();
        create(&server, &account, json!({"title": "today", "due_date": today})).await;
        create(&server, &account, json!({"title": "yesterday", "due_date": yesterday})).await;
        create(&server, &account, json!({"title": "tomorrow", "due_date": tomorrow})).await;
        // Two days back is before yesterday began in any zone, whatever the
        // time of day (an hour back came after the end of yesterday in Los
        // Angeles for one hour each day, and the order flipped).
        create(&server, &account, json!({"title": "two days ago", "due_at": (chrono::Utc::now() - chrono::Duration::hours(48)).to_rfc3339()})).await;
        create(&server, &account, json!({"title": "done late", "due_date": yesterday, "completed": true})).await;
        let today_titles = titles(&server, &account, "due=today").await;
        assert!(today_titles.contains(&"today".to_owned()), "{zone}: {today_titles:?}");
        assert!(!today_titles.contains(&"yesterday".to_owned()) && !today_titles.contains(&"tomorrow".to_owned()), "{zone}: {today_titles:?}");
        assert_eq!(titles(&server, &account, "due=overdue&sort=due").await, ["two days ago", "yesterday"], "{zone}");
        assert_eq!(titles(&server, &account, &format!("due_after={tomorrow}")).await, ["tomorrow"], "{zone}");
        let task = &call(&server, &account, reqwest::Method::GET, "/tasks?due=today", None).await.json::<Vec<Value>>().await.expect("JSON")[0];
        assert_eq!(task["due_date"], today.as_str(), "a due date is never shifted");
    }
    let account = server.account("zone-unknown").await;
    let refused = call(&server, &account, reqwest::Method::PATCH, "/auth/me", Some(json!({"timezone": "Mars/Olympus"}))).await;
    assert_eq!(refused.status(), 422);
    assert_eq!(error_locations(&refused.json().await.expect("JSON")), ["body.timezone"]);
}
}

taskd_tests::on_both_backends! {
async fn filters_combine_and_the_total_counts_what_they_select() {
    let server = Server::start();
    let account = server.account("filters").await;
    let stranger = server.account("filters-stranger").await;
    create(&server, &account, json!({"title": "Pay rent", "priority": "high", "tags": ["money", "home"], "due_date": "2020-01-01"})).await;
    create(&server, &account, json!({"title": "Water the plants", "description": "balcony and kitchen", "tags": ["home"]})).await;
    create(&server, &account, json!({"title": "Read the paper", "priority": "low", "completed": true})).await;
    create(&server, &stranger, json!({"title": "Pay rent elsewhere", "tags": ["home"]})).await;
    let response = call(&server, &account, reqwest::Method::GET, "/tasks?tag=HOME&completed=false&limit=1", None).await;
    assert_eq!(response.headers()["x-total-count"], "2");
    assert_eq!(titles(&server, &account, "priority=high&priority=none").await, ["Pay rent", "Water the plants"]);
    assert_eq!(titles(&server, &account, "tag=home&tag=money").await, ["Pay rent"]);
    assert_eq!(titles(&server, &account, "q=kitch").await, ["Water the plants"]);
    assert_eq!(titles(&server, &account, "q=pay%20RENT").await, ["Pay rent"]);
    assert_eq!(titles(&server, &account, "due=any").await, ["Pay rent"]);
    assert_eq!(titles(&server, &account, "sort=-priority,title").await, ["Pay rent", "Read the paper", "Water the plants"]);
    let tags: Value = call(&server, &account, reqwest::Method::GET, "/tags", None).await.json().await.expect("JSON");
    assert_eq!(tags, json!([{"name": "home", "open": 2, "total": 2}, {"name": "money", "open": 1, "total": 1}]));

    let refused = call(&server, &account, reqwest::Method::GET, "/tasks?priority=urgent&due=soon&sort=size&completed=maybe&due_before=friday&q=%21%21&tag=a%20b&cursor=nope", None).await;
    assert_eq!(refused.status(), 422);
    assert_eq!(
        error_locations(&refused.json().await.expect("JSON")),
        ["query.completed", "query.priority", "query.tag", "query.due_before", "query.due", "query.q", "query.sort", "query.cursor"]
    );
}
}

taskd_tests::on_both_backends! {
async fn cursor_pages_neither_skip_nor_repeat_while_tasks_come_and_go() {
    let server = Server::start();
    let account = server.account("cursor").await;
    let priorities = [Value::Null, json!("low"), json!("medium"), json!("high")];
    let mut ids = Vec::new();
    for n in 0..40 {
        let mut body = json!({"title": format!("t{n:02}"), "priority": priorities[n % 4]});
        if n % 3 == 0 {
            body["due_date"] = json!(format!("2025-01-{:02}", 1 + n % 28));
        }
        ids.push(create(&server, &account, body).await["id"].as_i64().expect("id"));
    }
    for sort in ["-priority,due", "due", "title", "-id"] {
        let mut seen: Vec<i64> = Vec::new();
        let mut deleted = BTreeSet::new();
        let mut path = format!("/tasks?sort={sort}&limit=7");
        let mut round = 0;
        loop {
            let response = call(&server, &account, reqwest::Method::GET, &path, None).await;
            assert_eq!(response.status(), 200);
            let next = taskd_tests::next_link(&response);
            let page: Vec<Value> = response.json().await.expect("JSON");
            seen.extend(page.iter().map(|task| task["id"].as_i64().expect("id")));
            // Between pages, another client adds a task and deletes one not yet seen.
            round += 1;
            create(&server, &account, json!({"title": format!("new {sort} {round}"), "priority": "medium"})).await;
            if let Some(victim) = ids.iter().rev().find(|id| !seen.contains(id) && !deleted.contains(*id)) {
                let path = format!("/tasks/{victim}");
                assert_eq!(call(&server, &account, reqwest::Method::DELETE, &path, None).await.status(), 204);
                deleted.insert(*victim);
            }
            match next {
                Some(next) => path = next,
                None => break,
            }
        }
        let unique: BTreeSet<i64> = seen.iter().copied().collect();
        assert_eq!(unique.len(), seen.len(), "sort={sort}: a task was repeated");
        for id in &ids {
            if !deleted.contains(id) {
                assert!(unique.contains(id), "sort={sort}: task {id} was skipped");
            }
        }
        ids.retain(|id| !deleted.contains(id));
    }
}
}

taskd_tests::on_both_backends! {
async fn done_tasks_are_listed_by_the_day_they_were_completed_in_the_owners_zone() {
    let server = Server::start();
    let account = server.account("review").await;
    let zone = call(&server, &account, reqwest::Method::PATCH, "/auth/me", Some(json!({"timezone": "Europe/Berlin"}))).await;
    assert_eq!(zone.status(), 200);
    // 23:30 UTC on 2 December is already 3 December in Berlin.
    let document = json!({"format": "taskd-export", "version": 1, "tasks": [
        {"id": 1, "title": "Sunday", "completed": true, "completed_at": "2026-11-29T10:00:00Z"},
        {"id": 2, "title": "Monday", "completed": true, "completed_at": "2026-11-30T08:00:00Z"},
        {"id": 3, "title": "Late Wednesday", "completed": true, "completed_at": "2026-12-02T23:30:00Z"},
        {"id": 4, "title": "Thursday", "completed": true, "completed_at": "2026-12-03T12:00:00Z"},
        {"id": 5, "title": "Still open"},
    ]});
    let imported = server.send_with(&account, reqwest::Method::POST, "/import", &[], Some(document)).await;
    assert_eq!(imported.status(), 200);

    assert_eq!(
        titles(&server, &account, "completed_after=2026-11-30&sort=completed_at").await,
        ["Monday", "Late Wednesday", "Thursday"]
    );
    assert_eq!(
        titles(&server, &account, "completed_after=2026-11-30&completed_before=2026-12-02&sort=completed_at").await,
        ["Monday"],
        "late Wednesday in UTC is Thursday in Berlin"
    );
    assert_eq!(
        titles(&server, &account, "completed_after=2026-12-03&completed_before=2026-12-03").await,
        ["Late Wednesday", "Thursday"]
    );
    // Newest first; open tasks come last both ways.
    assert_eq!(
        titles(&server, &account, "sort=-completed_at").await,
        ["Thursday", "Late Wednesday", "Monday", "Sunday", "Still open"]
    );
    assert_eq!(
        titles(&server, &account, "sort=completed_at").await,
        ["Sunday", "Monday", "Late Wednesday", "Thursday", "Still open"]
    );
    // A cursor continues the order.
    let first = call(&server, &account, reqwest::Method::GET, "/tasks?sort=-completed_at&limit=2", None).await;
    let next = taskd_tests::next_link(&first).expect("a next page");
    let rest = call(&server, &account, reqwest::Method::GET, &next, None).await;
    let rest: Value = rest.json().await.expect("JSON");
    let rest: Vec<Value> = rest.as_array().unwrap_or_else(|| panic!("{next}: {rest}")).clone();
    let rest: Vec<&str> = rest.iter().map(|task| task["title"].as_str().expect("title")).collect();
    assert_eq!(rest, ["Monday", "Sunday"]);
    // The count follows the filter.
    let counted = call(&server, &account, reqwest::Method::GET, "/tasks?completed_after=2026-12-01&limit=1", None).await;
    assert_eq!(counted.headers()["x-total-count"], "2");

    let refused = call(&server, &account, reqwest::Method::GET, "/tasks?completed_after=monday&completed_before=2026-02-30", None).await;
    assert_eq!(refused.status(), 422);
    assert_eq!(
        error_locations(&refused.json().await.expect("JSON")),
        ["query.completed_after", "query.completed_before"]
    );
}
}
