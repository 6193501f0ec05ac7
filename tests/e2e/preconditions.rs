//! A precondition is judged before the content it guards (RFC 9110,
//! 13.2.2): a stale `If-Match` is 412 even when the body would be refused,
//! so a device that holds an old version learns that first. With the
//! version current, the same body is refused as before.

use reqwest::Method;
use serde_json::{Value, json};
use taskd_tests::Server;

use crate::caldav::{dav, dav_bytes, default_list, phone, todo};
use crate::devices::etag;

taskd_tests::on_both_backends! {
async fn a_stale_if_match_on_a_task_is_412_before_its_body_is_judged() {
    let server = Server::start();
    let account = server.account("stale-task").await;
    let task: Value = server.create_task(&account, json!({"title": "Draft"})).await.json().await.expect("JSON");
    let path = format!("/tasks/{}", task["id"]);
    let edited = server.send_with(&account, Method::PATCH, &path, &[], Some(json!({"title": "Edited"}))).await;
    assert_eq!(edited.status(), 200);

    let refused = json!({"title": ""});
    let stale = server.send_with(&account, Method::PATCH, &path, &[("if-match", "\"1\"")], Some(refused.clone())).await;
    assert_eq!(stale.status(), 412);
    assert_eq!(etag(&stale).as_deref(), Some("\"2\""));
    // Current: the body is judged, and refused.
    let current = server.send_with(&account, Method::PATCH, &path, &[("if-match", "\"2\"")], Some(refused.clone())).await;
    assert_eq!(current.status(), 422);
    let body: Value = current.json().await.expect("JSON");
    assert_eq!(body["detail"][0]["loc"], json!(["body", "title"]), "{body}");
    // An If-Match that is no list of tags is the request's fault first.
    let malformed = server.send_with(&account, Method::PATCH, &path, &[("if-match", "not-a-tag")], Some(refused.clone())).await;
    assert_eq!(malformed.status(), 400);
    // A task that is not there: the body is judged as without If-Match.
    let missing = server.send_with(&account, Method::PATCH, "/tasks/999999", &[("if-match", "\"1\"")], Some(refused)).await;
    assert_eq!(missing.status(), 422);

    let (_, after) = server.call(&account, Method::GET, &path, None).await;
    assert_eq!((after["title"].as_str(), after["version"].as_i64()), (Some("Edited"), Some(2)));
}
}

taskd_tests::on_both_backends! {
async fn a_stale_if_match_on_a_list_is_412_before_its_body_is_judged() {
    let server = Server::start();
    let account = server.account("stale-list").await;
    let (status, list) = server.call(&account, Method::POST, "/lists", Some(json!({"name": "Home"}))).await;
    assert_eq!(status, 201, "{list}");
    let path = format!("/lists/{}", list["id"]);
    let (status, _) = server.call(&account, Method::PATCH, &path, Some(json!({"name": "House"}))).await;
    assert_eq!(status, 200);

    let refused = json!({"name": "   "});
    let stale = server.send_with(&account, Method::PATCH, &path, &[("if-match", "\"1\"")], Some(refused.clone())).await;
    assert_eq!(stale.status(), 412);
    assert_eq!(etag(&stale).as_deref(), Some("\"2\""));
    let current = server.send_with(&account, Method::PATCH, &path, &[("if-match", "\"2\"")], Some(refused)).await;
    assert_eq!(current.status(), 422);
}
}

taskd_tests::on_both_backends! {
async fn a_caldav_put_with_a_failed_condition_is_412_before_its_calendar_data_is_judged() {
    let server = Server::start();
    let (account, auth) = phone(&server, "stale-object").await;
    let list = default_list(&server, &account).await;
    let path = format!("/dav/calendars/{}/{list}/walk.ics", account.id);
    let made = dav(&server, Some(&auth), "PUT", &path, &[("If-None-Match", "*")], &todo("walk", &["SUMMARY:Walk"])).await;
    assert_eq!(made.status, 201, "{}", made.text);

    let unreadable = "BEGIN:VCALENDAR\r\nthis is no task\r\nEND:VCALENDAR\r\n";
    let stale = dav(&server, Some(&auth), "PUT", &path, &[("If-Match", "\"9\"")], unreadable).await;
    assert_eq!(stale.status, 412, "{}", stale.text);
    let taken = dav(&server, Some(&auth), "PUT", &path, &[("If-None-Match", "*")], unreadable).await;
    assert_eq!(taken.status, 412, "{}", taken.text);
    // The condition holds: the data is judged, and refused.
    let current = dav(&server, Some(&auth), "PUT", &path, &[("If-Match", "\"1\"")], unreadable).await;
    assert_eq!(current.status, 403, "{}", current.text);
    assert!(current.text.contains("<d:error"), "a DAV precondition names why: {}", current.text);

    // Data that is not even text: the condition still comes first.
    let binary = b"BEGIN:VCALENDAR\r\n\xff\xfe\r\nEND:VCALENDAR\r\n";
    let stale = dav_bytes(&server, Some(&auth), "PUT", &path, &[("If-Match", "\"9\"")], binary).await;
    assert_eq!(stale.status, 412, "{}", stale.text);
    let current = dav_bytes(&server, Some(&auth), "PUT", &path, &[("If-Match", "\"1\"")], binary).await;
    assert_eq!(current.status, 403, "{}", current.text);
    assert!(current.text.contains("not UTF-8"), "{}", current.text);
}
}
