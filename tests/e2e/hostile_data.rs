//! Data a hostile client sends to hurt taskd: imports that would take its
//! memory or half-land, entity-tag lists that become one query parameter
//! each, values no cursor reads back.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use reqwest::Method;
use serde_json::{Value, json};
use taskd_tests::{Account, Server, error_locations, next_link};

/// `POST /import` of `document`: the status and the answer.
async fn import(server: &Server, account: &Account, document: &Value) -> (u16, Value) {
    let response = server
        .send_with(
            account,
            Method::POST,
            "/import",
            &[],
            Some(document.clone()),
        )
        .await;
    let status = response.status().as_u16();
    (status, response.json().await.expect("JSON"))
}

taskd_tests::on_both_backends! {
async fn an_import_whose_user_email_no_account_could_have_is_refused_whole() {
    let server = Server::start();
    let account = server.account("long-email").await;
    let document = |email: String| {
        json!({"format": "taskd-export", "version": 1, "user": {"email": email},
               "tasks": [{"id": 1, "title": "one"}, {"id": 2, "title": "two"}]})
    };
    // A long address registration takes (318 characters: a domain has at
    // most 253).
    let longest = format!(
        "{}@{}.{}.{}.{}.com",
        "a".repeat(64), "b".repeat(63), "c".repeat(63), "d".repeat(63), "e".repeat(57)
    );
    assert_eq!(server.register(&longest, "password123").await.status(), 201);
    // Past 320 characters, no account's; 4 MiB once took taskd to 1.6 GB.
    for email in [format!("{}@example.com", "a".repeat(309)), format!("{}@example.com", "a".repeat(4 << 20))] {
        let (status, body) = import(&server, &account, &document(email)).await;
        assert_eq!(status, 422, "{body}");
        assert_eq!(error_locations(&body), ["body.user"]);
    }
    let (status, body) = import(&server, &account, &document("nul\u{0}@example.com".to_owned())).await;
    assert_eq!(status, 422, "{body}");
    // The control: the long address imports.
    let (status, body) = import(&server, &account, &document(longest)).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["created"], 2);
}
}

taskd_tests::on_both_backends! {
async fn recognising_your_own_export_ignores_the_case_of_its_email() {
    let server = Server::start();
    let account = server.account("Case").await;
    for title in ["one", "two"] {
        assert_eq!(server.create_task(&account, json!({"title": title})).await.status(), 201);
    }
    let mut document: Value = server.send_with(&account, Method::GET, "/export", &[], None).await.json().await.expect("JSON");
    // The control: the export as written creates nothing.
    assert_eq!(import(&server, &account, &document).await.1["skipped"], 2);
    document["user"]["email"] = json!(account.email.to_uppercase());
    let (status, body) = import(&server, &account, &document).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!((body["created"].as_u64(), body["skipped"].as_u64()), (Some(0), Some(2)), "{body}");
}
}

taskd_tests::on_both_backends! {
async fn a_nul_in_one_imported_entry_refuses_that_entry_and_the_rest_lands() {
    let server = Server::start();
    let account = server.account("nul-import").await;
    let entries: Vec<Value> = (0..1000)
        .map(|n| {
            let uuid = if n == 700 { "bad\u{0}uuid".to_owned() } else { format!("uuid-{n}") };
            json!({"uuid": uuid, "description": format!("task {n}"), "status": "pending"})
        })
        .collect();
    let document = Value::Array(entries);
    let (status, body) = import(&server, &account, &document).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["created"], 999, "{body}");
    assert_eq!(body["errors"][0]["index"], 700, "{body}");
    // Sent again: nothing new, nothing failing.
    let (status, body) = import(&server, &account, &document).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!((body["created"].as_u64(), body["skipped"].as_u64()), (Some(0), Some(999)), "{body}");
}
}

taskd_tests::on_both_backends! {
async fn imported_times_outside_the_stored_years_are_refused_and_every_cursor_pages() {
    let server = Server::start();
    let account = server.account("year-zero").await;
    let document = json!({"format": "taskd-export", "version": 1, "tasks": [
        {"id": 1, "title": "one", "created_at": "2020-01-01T00:00:00Z"},
        {"id": 2, "title": "year zero", "created_at": "0000-01-01T00:00:00Z"},
        {"id": 3, "title": "three", "created_at": "0002-01-01T00:00:00Z"},
        {"id": 4, "title": "far", "completed": true, "completed_at": "9999-12-31T23:59:59Z"},
        {"id": 5, "title": "five", "created_at": "9998-12-31T23:59:59Z"},
    ]});
    let (status, body) = import(&server, &account, &document).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["created"], 3, "{body}");
    let refused: Vec<&Value> = body["errors"].as_array().expect("errors").iter().map(|error| &error["index"]).collect();
    assert_eq!(refused, [&json!(1), &json!(3)]);
    for sort in ["created_at", "-created_at", "updated_at", "title"] {
        let mut path = format!("/tasks?sort={sort}&limit=1");
        let mut seen = 0;
        loop {
            let response = server.send_with(&account, Method::GET, &path, &[], None).await;
            assert_eq!(response.status(), 200, "{path}");
            let next = next_link(&response);
            seen += response.json::<Vec<Value>>().await.expect("JSON").len();
            match next {
                Some(next) => path = next,
                None => break,
            }
        }
        assert_eq!(seen, 3, "sort={sort}");
    }
}
}

taskd_tests::on_both_backends! {
async fn a_listing_cursor_with_nul_in_its_title_is_not_one_of_ours() {
    let server = Server::start();
    let account = server.account("nul-cursor").await;
    for title in ["a", "b"] {
        assert_eq!(server.create_task(&account, json!({"title": title})).await.status(), 201);
    }
    let first = server.send_with(&account, Method::GET, "/tasks?sort=title&limit=1", &[], None).await;
    let next = next_link(&first).expect("a next page");
    // The control: the cursor as given works.
    assert_eq!(server.send_with(&account, Method::GET, &next, &[], None).await.status(), 200);
    let (path, cursor) = next.split_once("cursor=").expect("a cursor");
    let cursor = cursor.split('&').next().expect("cursor");
    let mut decoded: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(cursor).expect("base64")).expect("JSON");
    decoded["v"][0] = json!("a\u{0}");
    let forged = URL_SAFE_NO_PAD.encode(decoded.to_string());
    let response = server.send_with(&account, Method::GET, &format!("{path}cursor={forged}"), &[], None).await;
    assert_eq!(response.status(), 422);
    assert_eq!(error_locations(&response.json().await.expect("JSON")), ["query.cursor"]);
}
}

taskd_tests::on_both_backends! {
async fn if_match_lists_are_read_across_header_lines_and_capped() {
    let server = Server::start();
    let account = server.account("if-match").await;
    let created: Value = server.create_task(&account, json!({"title": "t"})).await.json().await.expect("JSON");
    let path = format!("/tasks/{}", created["id"]);
    let patch = |headers: Vec<(&'static str, String)>, title: &'static str| {
        let (server, account, path) = (&server, &account, &path);
        async move {
            let headers: Vec<(&str, &str)> = headers.iter().map(|(name, value)| (*name, value.as_str())).collect();
            server.send_with(account, Method::PATCH, path, &headers, Some(json!({"title": title}))).await.status()
        }
    };
    // Two lines are one list: a stale version, then the current one.
    assert_eq!(patch(vec![("if-match", "\"999\"".into())], "stale").await, 412);
    assert_eq!(patch(vec![("if-match", "\"999\"".into()), ("if-match", "\"1\"".into())], "joined").await, 200);
    // 64 tags, repeats and all, are read; a 65th is refused before any query.
    let most = vec!["\"2\""; 64].join(", ");
    assert_eq!(patch(vec![("if-match", most.clone())], "most").await, 200);
    let too_many = format!("{most}, \"3\"");
    assert_eq!(patch(vec![("if-match", too_many)], "too many").await, 400);
    let huge = (0..40_000).map(|n| format!("\"{n}\"")).collect::<Vec<_>>().join(",");
    assert_eq!(patch(vec![("if-match", huge)], "huge").await, 400);
    let task: Value = server.send_with(&account, Method::GET, &path, &[], None).await.json().await.expect("JSON");
    assert_eq!(task["title"], "most");
    assert!(server.logs().iter().all(|line| !line.contains("UPDATE")), "a statement was logged");
}
}

taskd_tests::on_both_backends! {
async fn a_tag_lower_cased_into_a_combining_mark_is_kept() {
    let server = Server::start();
    let account = server.account("istanbul").await;
    let response = server.create_task(&account, json!({"title": "trip", "tags": ["İstanbul"]})).await;
    assert_eq!(response.status(), 201);
    let task: Value = response.json().await.expect("JSON");
    assert_eq!(task["tags"], json!(["i\u{307}stanbul"]));
    // The refusal of a tag names a character that was typed.
    let response = server.create_task(&account, json!({"title": "trip", "tags": ["İst anbul"]})).await;
    assert_eq!(response.status(), 422);
    let body: Value = response.json().await.expect("JSON");
    assert!(body.to_string().contains("not ' '"), "{body}");
}
}
