//! CalDAV against a real taskd: discovery, Basic with an app password,
//! objects written, read and deleted with ETags and conditions, reports,
//! refusals as DAV errors, and another user's resources never found.

use base64::Engine;
use reqwest::Method;
use serde_json::{Value, json};
use taskd_tests::{Account, Server, client};

/// An app password: a token with the `caldav` scope (or `scopes`).
pub(crate) async fn token(server: &Server, account: &Account, scopes: &[&str]) -> String {
    let made: Value = client()
        .post(format!("{}/auth/tokens", server.api))
        .header("Authorization", account.bearer())
        .json(&json!({"name": "phone", "scopes": scopes}))
        .send()
        .await
        .expect("token request")
        .json()
        .await
        .expect("JSON");
    made["token"].as_str().expect("a token").to_owned()
}

pub(crate) fn basic(email: &str, secret: &str) -> String {
    let pair = format!("{email}:{secret}");
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(pair)
    )
}

pub(crate) struct Answer {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub text: String,
}

pub(crate) async fn dav(
    server: &Server,
    auth: Option<&str>,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> Answer {
    dav_bytes(server, auth, method, path, headers, body.as_bytes()).await
}

/// [`dav`] with a body that need not be text.
pub(crate) async fn dav_bytes(
    server: &Server,
    auth: Option<&str>,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> Answer {
    let mut request = client()
        .request(
            Method::from_bytes(method.as_bytes()).expect("method"),
            format!("{}{path}", server.base),
        )
        .body(body.to_owned());
    if let Some(auth) = auth {
        request = request.header("Authorization", auth);
    }
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let response = request.send().await.expect("request");
    Answer {
        status: response.status().as_u16(),
        headers: response.headers().clone(),
        text: response.text().await.expect("body"),
    }
}

/// An account and its app password's Basic header.
pub(crate) async fn phone(server: &Server, label: &str) -> (Account, String) {
    let account = server.account(label).await;
    let secret = token(server, &account, &["caldav"]).await;
    let auth = basic(&account.email, &secret);
    (account, auth)
}

pub(crate) async fn default_list(server: &Server, account: &Account) -> i64 {
    let (_, lists) = server.call(account, Method::GET, "/lists", None).await;
    lists
        .as_array()
        .expect("lists")
        .iter()
        .find(|list| list["is_default"] == true)
        .expect("default")["id"]
        .as_i64()
        .expect("id")
}

pub(crate) fn todo(uid: &str, lines: &[&str]) -> String {
    let mut text = format!(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Test//EN\r\nBEGIN:VTODO\r\nUID:{uid}\r\n"
    );
    for line in lines {
        text.push_str(line);
        text.push_str("\r\n");
    }
    text.push_str("END:VTODO\r\nEND:VCALENDAR\r\n");
    text
}

const PROPFIND_HOME: &str = r#"<?xml version="1.0"?><d:propfind xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav"><d:prop><d:current-user-principal/><c:calendar-home-set/></d:prop></d:propfind>"#;

taskd_tests::on_both_backends! {
async fn discovery_finds_the_principal_the_home_and_a_calendar_per_list() {
    let server = Server::start();
    let (account, auth) = phone(&server, "discovery").await;
    let (status, _) = server.call(&account, Method::POST, "/lists", Some(json!({"name": "Groceries", "color": "#00aa00"}))).await;
    assert_eq!(status, 201);

    let redirect = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().expect("client")
        .get(format!("{}/.well-known/caldav", server.base)).send().await.expect("request");
    assert_eq!(redirect.status().as_u16(), 301);
    assert_eq!(redirect.headers()["location"], "/dav/");

    let options = dav(&server, None, "OPTIONS", "/dav/", &[], "").await;
    assert_eq!(options.status, 200);
    let compliance = options.headers["dav"].to_str().expect("DAV");
    assert!(compliance.contains("calendar-access"), "{compliance}");
    assert!(options.headers["allow"].to_str().expect("Allow").contains("PROPFIND"));

    let root = dav(&server, Some(&auth), "PROPFIND", "/dav/", &[("Depth", "0")], PROPFIND_HOME).await;
    assert_eq!(root.status, 207, "{}", root.text);
    let principal = format!("/dav/principals/{}/", account.id);
    let home = format!("/dav/calendars/{}/", account.id);
    assert!(root.text.contains(&format!("<d:current-user-principal><d:href>{principal}</d:href>")), "{}", root.text);
    assert!(root.text.contains(&format!("<c:calendar-home-set><d:href>{home}</d:href>")), "{}", root.text);

    let calendars = dav(&server, Some(&auth), "PROPFIND", &home, &[("Depth", "1")], "").await;
    assert_eq!(calendars.status, 207, "{}", calendars.text);
    let list = default_list(&server, &account).await;
    assert!(calendars.text.contains(&format!("<d:href>{home}{list}/</d:href>")), "{}", calendars.text);
    assert!(calendars.text.contains("<d:displayname>Groceries</d:displayname>"), "{}", calendars.text);
    assert!(calendars.text.contains("<ic:calendar-color>#00AA00</ic:calendar-color>"), "{}", calendars.text);
    assert!(calendars.text.contains("<c:comp name=\"VTODO\"/>"), "{}", calendars.text);
    assert!(calendars.text.contains("<d:collection/><c:calendar/>"), "{}", calendars.text);
    assert!(calendars.text.contains("<cs:getctag>"), "{}", calendars.text);
    // DAVx5 syncs by sync-collection only when the calendar lists it.
    for report in ["c:calendar-multiget", "c:calendar-query", "d:sync-collection"] {
        let listed = format!("<d:report><{report}/></d:report>");
        assert!(calendars.text.contains(&listed), "{report}: {}", calendars.text);
    }
}
}

taskd_tests::on_both_backends! {
async fn only_an_app_password_with_its_accounts_email_lets_a_client_in() {
    let server = Server::start();
    let (account, auth) = phone(&server, "basic").await;
    let ask = |auth: Option<String>| {
        let server = &server;
        async move { dav(server, auth.as_deref(), "PROPFIND", "/dav/", &[("Depth", "0")], "").await }
    };
    assert_eq!(ask(Some(auth.clone())).await.status, 207, "the control");
    let none = ask(None).await;
    assert_eq!(none.status, 401);
    assert_eq!(none.headers["www-authenticate"].to_str().expect("header"), "Basic realm=\"taskd\", charset=\"UTF-8\"");
    assert_eq!(ask(Some(basic(&account.email, &account.password))).await.status, 401, "the account password");
    let reader = token(&server, &account, &["tasks:read"]).await;
    assert_eq!(ask(Some(basic(&account.email, &reader))).await.status, 401, "a token without caldav");
    let secret = auth.clone();
    let decoded = String::from_utf8(base64::engine::general_purpose::STANDARD.decode(secret.trim_start_matches("Basic ")).expect("base64")).expect("text");
    let (_, app_password) = decoded.split_once(':').expect("pair");
    assert_eq!(ask(Some(basic("someone@example.com", app_password))).await.status, 401, "another email");
    assert_eq!(ask(Some(basic(&account.email.to_uppercase(), app_password))).await.status, 207, "the email in any case");
}
}

taskd_tests::on_both_backends! {
async fn objects_are_written_read_and_deleted_with_etags_and_conditions() {
    let server = Server::start();
    let (account, auth) = phone(&server, "objects").await;
    let list = default_list(&server, &account).await;
    let path = format!("/dav/calendars/{}/{list}/walk%201.ics", account.id);
    let text = todo("walk-1", &["SUMMARY:Walk", "X-APPLE-SORT-ORDER:12", "DUE;VALUE=DATE:20301201"]);
    let created = dav(&server, Some(&auth), "PUT", &path, &[("If-None-Match", "*"), ("Content-Type", "text/calendar")], &text).await;
    assert_eq!(created.status, 201, "{}", created.text);
    assert!(created.headers.get("etag").is_none(), "taskd serves its own form: the client reads it back");
    let again = dav(&server, Some(&auth), "PUT", &path, &[("If-None-Match", "*")], &text).await;
    assert_eq!(again.status, 412);

    let got = dav(&server, Some(&auth), "GET", &path, &[], "").await;
    assert_eq!(got.status, 200);
    assert_eq!(got.headers["etag"], "\"1\"");
    assert!(got.headers["content-type"].to_str().expect("type").starts_with("text/calendar"));
    assert!(got.text.contains("X-APPLE-SORT-ORDER:12"), "{}", got.text);

    // The same task over REST.
    let (_, tasks) = server.call(&account, Method::GET, "/tasks", None).await;
    let task = tasks.as_array().expect("tasks").iter().find(|task| task["uid"] == "walk-1").expect("the task").clone();
    assert_eq!((task["title"].clone(), task["due_date"].clone()), (json!("Walk"), json!("2030-12-01")));

    let listing = dav(&server, Some(&auth), "PROPFIND", &format!("/dav/calendars/{}/{list}/", account.id), &[("Depth", "1")],
        r#"<d:propfind xmlns:d="DAV:"><d:prop><d:getetag/></d:prop></d:propfind>"#).await;
    assert!(listing.text.contains(&format!("<d:href>{path}</d:href><d:propstat><d:prop><d:getetag>&quot;1&quot;</d:getetag>")), "{}", listing.text);

    let changed = todo("walk-1", &["SUMMARY:Walk the dog", "X-APPLE-SORT-ORDER:12", "DUE;VALUE=DATE:20301201"]);
    let stale = dav(&server, Some(&auth), "PUT", &path, &[("If-Match", "\"9\"")], &changed).await;
    assert_eq!(stale.status, 412);
    let weak = dav(&server, Some(&auth), "PUT", &path, &[("If-Match", "W/\"1\"")], &changed).await;
    assert_eq!(weak.status, 412, "If-Match compares strongly");
    let put = dav(&server, Some(&auth), "PUT", &path, &[("If-Match", "\"1\"")], &changed).await;
    assert_eq!(put.status, 204, "{}", put.text);
    assert_eq!(dav(&server, Some(&auth), "GET", &path, &[], "").await.headers["etag"], "\"2\"");
    let (_, task) = server.call(&account, Method::GET, &format!("/tasks/{}", task["id"]), None).await;
    assert_eq!(task["title"], "Walk the dog");

    let stale = dav(&server, Some(&auth), "DELETE", &path, &[("If-Match", "\"1\"")], "").await;
    assert_eq!(stale.status, 412);
    // `If-None-Match: *` holds only where nothing is: never for a delete.
    let only_if_absent = dav(&server, Some(&auth), "DELETE", &path, &[("If-None-Match", "*")], "").await;
    assert_eq!(only_if_absent.status, 412, "{}", only_if_absent.text);
    let deleted = dav(&server, Some(&auth), "DELETE", &path, &[("If-Match", "\"2\"")], "").await;
    assert_eq!(deleted.status, 204);
    assert_eq!(dav(&server, Some(&auth), "GET", &path, &[], "").await.status, 404);
    let (_, trash) = server.call(&account, Method::GET, "/trash", None).await;
    assert_eq!(trash[0]["uid"], "walk-1", "deleted over CalDAV, it is in the trash: {trash}");
    // Its name is free for a new object while it waits there.
    let reused = dav(&server, Some(&auth), "PUT", &path, &[("If-None-Match", "*")], &todo("walk-2", &["SUMMARY:Walk again"])).await;
    assert_eq!(reused.status, 201, "{}", reused.text);
}
}

taskd_tests::on_both_backends! {
async fn what_taskd_does_not_take_is_refused_with_a_dav_error() {
    let server = Server::start();
    let (account, auth) = phone(&server, "refusals").await;
    let list = default_list(&server, &account).await;
    let calendar = format!("/dav/calendars/{}/{list}/", account.id);
    let control = dav(&server, Some(&auth), "PUT", &format!("{calendar}one.ics"), &[], &todo("one", &["SUMMARY:One"])).await;
    assert_eq!(control.status, 201);

    let event = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:e\r\nDTSTART:20301201T090000Z\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";
    let refused = dav(&server, Some(&auth), "PUT", &format!("{calendar}event.ics"), &[], event).await;
    assert_eq!(refused.status, 403);
    assert!(refused.text.contains("<c:supported-calendar-component/>"), "{}", refused.text);
    let same_uid = dav(&server, Some(&auth), "PUT", &format!("{calendar}two.ics"), &[], &todo("one", &["SUMMARY:Two"])).await;
    assert_eq!(same_uid.status, 403);
    assert!(same_uid.text.contains("<c:no-uid-conflict/>"), "{}", same_uid.text);
    let long = format!("SUMMARY:{}", "x".repeat(300));
    let too_long = dav(&server, Some(&auth), "PUT", &format!("{calendar}long.ics"), &[], &todo("long", &[&long])).await;
    assert_eq!(too_long.status, 403);
    assert!(too_long.text.contains("<c:valid-calendar-data/>") && too_long.text.contains("SUMMARY"), "{}", too_long.text);
    let own_parent = dav(&server, Some(&auth), "PUT", &format!("{calendar}one.ics"), &[], &todo("one", &["SUMMARY:One", "RELATED-TO:one"])).await;
    assert_eq!(own_parent.status, 403, "a task its own parent: {}", own_parent.text);
    assert!(own_parent.text.contains("<c:valid-calendar-data/>") && own_parent.text.contains("RELATED-TO"), "{}", own_parent.text);
    let garbage = dav(&server, Some(&auth), "PUT", &format!("{calendar}garbage.ics"), &[], "this is not iCalendar").await;
    assert_eq!(garbage.status, 403);
    assert!(garbage.text.contains("<c:valid-calendar-data/>"), "{}", garbage.text);

    let infinite = dav(&server, Some(&auth), "PROPFIND", &calendar, &[("Depth", "infinity")], "").await;
    assert_eq!(infinite.status, 403);
    assert!(infinite.text.contains("<d:propfind-finite-depth/>"), "{}", infinite.text);
    let dtd = r#"<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x "y">]><d:propfind xmlns:d="DAV:"><d:allprop/></d:propfind>"#;
    assert_eq!(dav(&server, Some(&auth), "PROPFIND", &calendar, &[("Depth", "0")], dtd).await.status, 400);
    let free_busy = r#"<c:free-busy-query xmlns:c="urn:ietf:params:xml:ns:caldav"><c:time-range start="20300101T000000Z" end="20300102T000000Z"/></c:free-busy-query>"#;
    let report = dav(&server, Some(&auth), "REPORT", &calendar, &[("Depth", "1")], free_busy).await;
    assert_eq!(report.status, 403);
    assert!(report.text.contains("<d:supported-report/>"), "{}", report.text);
    let names = dav(&server, Some(&auth), "PROPFIND", &calendar, &[("Depth", "1")], r#"<d:propfind xmlns:d="DAV:"><d:prop><d:getetag/></d:prop></d:propfind>"#).await;
    assert_eq!(names.text.matches("<d:response>").count(), 2, "the calendar and one object: {}", names.text);
}
}

taskd_tests::on_both_backends! {
async fn another_users_calendars_and_objects_are_never_found() {
    let server = Server::start();
    let (alice, alice_auth) = phone(&server, "alice").await;
    let (_, bob_auth) = phone(&server, "bob").await;
    let list = default_list(&server, &alice).await;
    let object = format!("/dav/calendars/{}/{list}/one.ics", alice.id);
    assert_eq!(dav(&server, Some(&alice_auth), "PUT", &object, &[], &todo("one", &["SUMMARY:One"])).await.status, 201);
    assert_eq!(dav(&server, Some(&alice_auth), "GET", &object, &[], "").await.status, 200, "the control");
    for (method, path) in [
        ("PROPFIND", format!("/dav/principals/{}/", alice.id)),
        ("PROPFIND", format!("/dav/calendars/{}/", alice.id)),
        ("PROPFIND", format!("/dav/calendars/{}/{list}/", alice.id)),
        ("GET", object.clone()),
        ("PUT", object.clone()),
        ("DELETE", object.clone()),
    ] {
        let answer = dav(&server, Some(&bob_auth), method, &path, &[("Depth", "0")], &todo("one", &["SUMMARY:Mine"])).await;
        assert_eq!(answer.status, 404, "{method} {path}: {}", answer.text);
    }
    let got = dav(&server, Some(&alice_auth), "GET", &object, &[], "").await;
    assert!(got.text.contains("SUMMARY:One"), "{}", got.text);
}
}

taskd_tests::on_both_backends! {
async fn reports_fetch_objects_by_href_and_open_tasks_by_query() {
    let server = Server::start();
    let (account, auth) = phone(&server, "reports").await;
    let list = default_list(&server, &account).await;
    let calendar = format!("/dav/calendars/{}/{list}/", account.id);
    dav(&server, Some(&auth), "PUT", &format!("{calendar}open.ics"), &[], &todo("open", &["SUMMARY:Open one"])).await;
    dav(&server, Some(&auth), "PUT", &format!("{calendar}done.ics"), &[], &todo("done", &["SUMMARY:Done one", "STATUS:COMPLETED", "COMPLETED:20301201T100000Z"])).await;
    server.created(&account, json!({"title": "Made over REST"})).await;

    let multiget = format!(r#"<c:calendar-multiget xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav">
        <d:prop><d:getetag/><c:calendar-data/></d:prop>
        <d:href>{calendar}open.ics</d:href><d:href>{calendar}missing.ics</d:href></c:calendar-multiget>"#);
    let got = dav(&server, Some(&auth), "REPORT", &calendar, &[("Depth", "1")], &multiget).await;
    assert_eq!(got.status, 207, "{}", got.text);
    assert!(got.text.contains("SUMMARY:Open one"), "{}", got.text);
    assert!(!got.text.contains("Done one"), "{}", got.text);
    assert!(got.text.contains(&format!("<d:href>{calendar}missing.ics</d:href><d:status>HTTP/1.1 404 Not Found</d:status>")), "{}", got.text);

    let everything = r#"<c:calendar-query xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav"><d:prop><d:getetag/><c:calendar-data/></d:prop>
        <c:filter><c:comp-filter name="VCALENDAR"><c:comp-filter name="VTODO"/></c:comp-filter></c:filter></c:calendar-query>"#;
    let all = dav(&server, Some(&auth), "REPORT", &calendar, &[("Depth", "1")], everything).await;
    assert_eq!(all.text.matches("<d:response>").count(), 3, "{}", all.text);
    assert!(all.text.contains("SUMMARY:Made over REST"), "{}", all.text);
    let open = r#"<c:calendar-query xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav"><d:prop><d:getetag/></d:prop>
        <c:filter><c:comp-filter name="VCALENDAR"><c:comp-filter name="VTODO"><c:prop-filter name="COMPLETED"><c:is-not-defined/></c:prop-filter>
        </c:comp-filter></c:comp-filter></c:filter></c:calendar-query>"#;
    let open = dav(&server, Some(&auth), "REPORT", &calendar, &[("Depth", "1")], open).await;
    assert_eq!(open.text.matches("<d:response>").count(), 2, "{}", open.text);
    assert!(!open.text.contains("done.ics"), "{}", open.text);
}
}

taskd_tests::on_both_backends! {
async fn a_query_with_a_time_range_finds_the_tasks_that_happen_in_it() {
    let server = Server::start();
    let (account, auth) = phone(&server, "time-range").await;
    let list = default_list(&server, &account).await;
    let calendar = format!("/dav/calendars/{}/{list}/", account.id);
    for (name, lines) in [
        ("meeting", &["SUMMARY:Meeting", "DUE:20300610T170000Z"][..]),
        ("later", &["SUMMARY:Later", "DUE:20300617T090000Z"]),
        ("done", &["SUMMARY:Done", "STATUS:COMPLETED", "COMPLETED:20300601T100000Z"]),
        ("span", &["SUMMARY:Span", "DTSTART:20300601T090000Z", "DUE:20300620T090000Z"]),
    ] {
        let put = dav(&server, Some(&auth), "PUT", &format!("{calendar}{name}.ics"), &[], &todo(name, lines)).await;
        assert_eq!(put.status, 201, "{name}: {}", put.text);
    }
    server.created(&account, json!({"title": "Timed", "due_at": "2030-06-10T08:00:00Z"})).await;
    server.created(&account, json!({"title": "Daily", "due_at": "2030-06-01T09:00:00Z", "repeat": "FREQ=DAILY"})).await;
    server.created(&account, json!({"title": "Weekly", "due_at": "2030-06-04T09:00:00Z", "repeat": "FREQ=WEEKLY"})).await;

    let query = |range: &str| format!(r#"<c:calendar-query xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav"><d:prop><c:calendar-data/></d:prop>
        <c:filter><c:comp-filter name="VCALENDAR"><c:comp-filter name="VTODO">{range}</c:comp-filter></c:comp-filter></c:filter></c:calendar-query>"#);
    let found = dav(&server, Some(&auth), "REPORT", &calendar, &[("Depth", "1")],
        &query(r#"<c:time-range start="20300610T000000Z" end="20300611T000000Z"/>"#)).await;
    assert_eq!(found.status, 207, "{}", found.text);
    let mut titles: Vec<&str> = found.text.split("SUMMARY:").skip(1).filter_map(|rest| rest.split("\r\n").next()).collect();
    titles.sort_unstable();
    // June 10th, 2030 (a Monday): the weekly task falls on Tuesdays.
    assert_eq!(titles, ["Daily", "Meeting", "Span", "Timed"], "{}", found.text);

    let refused = dav(&server, Some(&auth), "REPORT", &calendar, &[("Depth", "1")],
        &query(r#"<c:time-range start="June 10th"/>"#)).await;
    assert_eq!(refused.status, 403, "{}", refused.text);
    assert!(refused.text.contains("time-range bound"), "{}", refused.text);
}
}

taskd_tests::on_both_backends! {
async fn a_report_returns_only_the_parts_of_each_object_its_calendar_data_selects() {
    let server = Server::start();
    let (account, auth) = phone(&server, "selection").await;
    let list = default_list(&server, &account).await;
    let calendar = format!("/dav/calendars/{}/{list}/", account.id);
    let written = todo("walk", &["SUMMARY:Walk", "LOCATION:Park", "DUE:20301201T090000Z", "BEGIN:VALARM", "ACTION:DISPLAY", "TRIGGER:-PT15M", "END:VALARM"]);
    assert_eq!(dav(&server, Some(&auth), "PUT", &format!("{calendar}walk.ics"), &[], &written).await.status, 201);
    let multiget = |data: &str| format!(r#"<c:calendar-multiget xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav">
        <d:prop><d:getetag/>{data}</d:prop><d:href>{calendar}walk.ics</d:href></c:calendar-multiget>"#);

    let chosen = multiget(r#"<c:calendar-data><c:comp name="VCALENDAR"><c:prop name="VERSION"/>
        <c:comp name="VTODO"><c:prop name="UID"/><c:prop name="SUMMARY"/></c:comp></c:comp></c:calendar-data>"#);
    let got = dav(&server, Some(&auth), "REPORT", &calendar, &[("Depth", "1")], &chosen).await;
    assert_eq!(got.status, 207, "{}", got.text);
    assert!(got.text.contains("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VTODO\r\nUID:walk\r\nSUMMARY:Walk\r\nEND:VTODO\r\nEND:VCALENDAR"), "{}", got.text);
    for left_out in ["LOCATION", "DUE", "VALARM", "PRODID"] {
        assert!(!got.text.contains(left_out), "{left_out}: {}", got.text);
    }
    // The control: a plain calendar-data is the whole object.
    let whole = dav(&server, Some(&auth), "REPORT", &calendar, &[("Depth", "1")], &multiget("<c:calendar-data/>")).await;
    for kept in ["LOCATION:Park", "DUE:20301201T090000Z", "BEGIN:VALARM", "PRODID"] {
        assert!(whole.text.contains(kept), "{kept}: {}", whole.text);
    }
    let json = multiget(r#"<c:calendar-data content-type="application/calendar+json"/>"#);
    let refused = dav(&server, Some(&auth), "REPORT", &calendar, &[("Depth", "1")], &json).await;
    assert_eq!(refused.status, 403, "{}", refused.text);
    assert!(refused.text.contains("c:supported-calendar-data"), "{}", refused.text);
}
}

/// A sync-collection REPORT from `token` (empty: a first sync): the
/// answer, and the token it gives.
async fn sync(server: &Server, auth: &str, calendar: &str, token: &str) -> (Answer, String) {
    let body = format!(
        r#"<d:sync-collection xmlns:d="DAV:"><d:sync-token>{token}</d:sync-token><d:sync-level>1</d:sync-level><d:prop><d:getetag/></d:prop></d:sync-collection>"#
    );
    let answer = dav(server, Some(auth), "REPORT", calendar, &[], &body).await;
    let token = answer
        .text
        .split("<d:sync-token>")
        .nth(1)
        .and_then(|rest| rest.split("</d:sync-token>").next())
        .unwrap_or_default()
        .to_owned();
    (answer, token)
}

taskd_tests::on_both_backends! {
async fn a_sync_collection_reports_what_changed_since_its_token() {
    let server = Server::start();
    let (account, auth) = phone(&server, "sync").await;
    let list = default_list(&server, &account).await;
    let calendar = format!("/dav/calendars/{}/{list}/", account.id);
    dav(&server, Some(&auth), "PUT", &format!("{calendar}a.ics"), &[], &todo("a", &["SUMMARY:A"])).await;
    dav(&server, Some(&auth), "PUT", &format!("{calendar}b.ics"), &[], &todo("b", &["SUMMARY:B"])).await;

    let (first, token) = sync(&server, &auth, &calendar, "").await;
    assert_eq!(first.status, 207, "{}", first.text);
    assert_eq!(first.text.matches("<d:response>").count(), 2, "{}", first.text);
    assert!(token.starts_with("urn:taskd:sync:"), "{}", first.text);
    let (nothing, same) = sync(&server, &auth, &calendar, &token).await;
    assert_eq!(nothing.text.matches("<d:response>").count(), 0, "{}", nothing.text);
    assert_eq!(same, token);
    let listed = dav(&server, Some(&auth), "PROPFIND", &calendar, &[("Depth", "0")], r#"<d:propfind xmlns:d="DAV:"><d:prop><d:sync-token/></d:prop></d:propfind>"#).await;
    assert!(listed.text.contains(&format!("<d:sync-token>{token}</d:sync-token>")), "{}", listed.text);

    // A change over REST, a deletion over CalDAV, a task made over REST.
    let (_, tasks) = server.call(&account, Method::GET, "/tasks", None).await;
    let a = tasks.as_array().expect("tasks").iter().find(|task| task["uid"] == "a").expect("a").clone();
    server.call(&account, Method::PATCH, &format!("/tasks/{}", a["id"]), Some(json!({"title": "A changed"}))).await;
    assert_eq!(dav(&server, Some(&auth), "DELETE", &format!("{calendar}b.ics"), &[], "").await.status, 204);
    let made = server.created(&account, json!({"title": "C"})).await;
    let (changed, next) = sync(&server, &auth, &calendar, &token).await;
    assert_eq!(changed.status, 207, "{}", changed.text);
    assert!(changed.text.contains(&format!("<d:href>{calendar}a.ics</d:href><d:propstat><d:prop><d:getetag>&quot;2&quot;</d:getetag>")), "{}", changed.text);
    assert!(changed.text.contains(&format!("<d:href>{calendar}b.ics</d:href><d:status>HTTP/1.1 404 Not Found</d:status>")), "{}", changed.text);
    assert!(changed.text.contains(&format!("<d:href>{calendar}{}.ics</d:href>", made["uid"].as_str().expect("uid"))), "{}", changed.text);
    assert_eq!(changed.text.matches("<d:response>").count(), 3, "{}", changed.text);
    assert_ne!(next, token);

    // A token taskd did not give, or from its future: start over.
    for bad in ["urn:taskd:sync:999999", "http://example.com/sync/1", "garbage"] {
        let (refused, _) = sync(&server, &auth, &calendar, bad).await;
        assert_eq!(refused.status, 403, "{bad}");
        assert!(refused.text.contains("<d:valid-sync-token/>"), "{}", refused.text);
    }
}
}

taskd_tests::on_both_backends! {
async fn a_calendar_is_renamed_recoloured_and_deleted_as_its_list() {
    let server = Server::start();
    let (account, auth) = phone(&server, "calendars").await;
    let (_, errands) = server.call(&account, Method::POST, "/lists", Some(json!({"name": "Errands"}))).await;
    let calendar = format!("/dav/calendars/{}/{}/", account.id, errands["id"]);
    let patch = r##"<d:propertyupdate xmlns:d="DAV:" xmlns:ic="http://apple.com/ns/ical/"><d:set><d:prop>
        <d:displayname>Shopping</d:displayname><ic:calendar-color>#FF8800FF</ic:calendar-color><ic:calendar-order>7</ic:calendar-order>
        </d:prop></d:set></d:propertyupdate>"##;
    let patched = dav(&server, Some(&auth), "PROPPATCH", &calendar, &[], patch).await;
    assert_eq!(patched.status, 207, "{}", patched.text);
    assert_eq!(patched.text.matches("HTTP/1.1 200 OK").count(), 3, "{}", patched.text);
    let (_, list) = server.call(&account, Method::GET, &format!("/lists/{}", errands["id"]), None).await;
    assert_eq!((list["name"].clone(), list["color"].clone(), list["position"].clone()), (json!("Shopping"), json!("#FF8800"), json!(7)));

    // All or nothing: a property taskd cannot set fails the others.
    let mixed = r#"<d:propertyupdate xmlns:d="DAV:"><d:set><d:prop><d:displayname>Other</d:displayname><d:getetag>x</d:getetag></d:prop></d:set></d:propertyupdate>"#;
    let refused = dav(&server, Some(&auth), "PROPPATCH", &calendar, &[], mixed).await;
    assert_eq!(refused.status, 207);
    assert!(refused.text.contains("HTTP/1.1 403 Forbidden") && refused.text.contains("HTTP/1.1 424 Failed Dependency"), "{}", refused.text);
    let (_, list) = server.call(&account, Method::GET, &format!("/lists/{}", errands["id"]), None).await;
    assert_eq!(list["name"], "Shopping");
    let taken = r#"<d:propertyupdate xmlns:d="DAV:"><d:set><d:prop><d:displayname>tasks</d:displayname></d:prop></d:set></d:propertyupdate>"#;
    let clash = dav(&server, Some(&auth), "PROPPATCH", &calendar, &[], taken).await;
    assert!(clash.text.contains("HTTP/1.1 409 Conflict"), "a name another list has: {}", clash.text);

    // Deleted: the list goes, its tasks to the trash; not the default one.
    let put = dav(&server, Some(&auth), "PUT", &format!("{calendar}milk.ics"), &[], &todo("milk", &["SUMMARY:Milk"])).await;
    assert_eq!(put.status, 201);
    assert_eq!(dav(&server, Some(&auth), "DELETE", &calendar, &[], "").await.status, 204);
    assert_eq!(dav(&server, Some(&auth), "PROPFIND", &calendar, &[("Depth", "0")], "").await.status, 404);
    let (_, trash) = server.call(&account, Method::GET, "/trash", None).await;
    assert_eq!(trash[0]["uid"], "milk", "{trash}");
    let default = format!("/dav/calendars/{}/{}/", account.id, default_list(&server, &account).await);
    let kept = dav(&server, Some(&auth), "DELETE", &default, &[], "").await;
    assert_eq!(kept.status, 403);
    assert!(kept.text.contains("default list"), "{}", kept.text);
}
}

/// The REST view of the task a CalDAV client wrote with UID `uid`.
async fn task_with_uid(server: &Server, account: &Account, uid: &str) -> Value {
    let (_, tasks) = server
        .call(account, Method::GET, "/tasks?limit=100", None)
        .await;
    tasks
        .as_array()
        .expect("tasks")
        .iter()
        .find(|task| task["uid"] == uid)
        .expect("the task")
        .clone()
}

fn completed_at(task: &Value) -> chrono::DateTime<chrono::Utc> {
    task["completed_at"]
        .as_str()
        .expect("completed_at")
        .parse()
        .expect("a time")
}

taskd_tests::on_both_backends! {
async fn a_completion_time_a_client_sends_is_kept_and_one_still_to_come_is_now() {
    use chrono::{Duration, Utc};
    let server = Server::start();
    let (account, auth) = phone(&server, "completed-at").await;
    let calendar = format!("/dav/calendars/{}/{}/", account.id, default_list(&server, &account).await);
    let put = |name: &'static str, lines: Vec<String>| {
        let (server, auth, calendar) = (&server, &auth, &calendar);
        async move {
            let lines: Vec<&str> = lines.iter().map(String::as_str).collect();
            let answer = dav(server, Some(auth), "PUT", &format!("{calendar}{name}.ics"), &[], &todo(name, &lines)).await;
            assert!(answer.status == 201 || answer.status == 204, "{name}: {} {}", answer.status, answer.text);
        }
    };
    let now = Utc::now();
    let stamp = |at: chrono::DateTime<Utc>| at.format("%Y%m%dT%H%M%SZ").to_string();
    let done_offline = (now - Duration::hours(30)).with_nanosecond(0).expect("a time");
    use chrono::Timelike;

    // Done on the phone a day ago, synced now: the phone's time is kept, on
    // a task the server never saw (made no later than it was done) and on
    // one it had open.
    let done = |at: chrono::DateTime<Utc>| vec!["STATUS:COMPLETED".to_owned(), format!("COMPLETED:{}", stamp(at))];
    put("letter", [vec!["SUMMARY:Post the letter".to_owned()], done(done_offline)].concat()).await;
    assert_eq!(completed_at(&task_with_uid(&server, &account, "letter").await), done_offline);
    put("plants", [vec!["SUMMARY:Water the plants".to_owned()], done(done_offline - Duration::hours(18))].concat()).await;
    put("plants", vec!["SUMMARY:Water the plants".into()]).await;
    assert_eq!(task_with_uid(&server, &account, "plants").await["completed"], false);
    put("plants", [vec!["SUMMARY:Water the plants".to_owned()], done(done_offline)].concat()).await;
    assert_eq!(completed_at(&task_with_uid(&server, &account, "plants").await), done_offline);

    // Made no later than it was done.
    let letter = task_with_uid(&server, &account, "letter").await;
    assert_eq!(letter["created_at"].as_str().expect("created_at").parse::<chrono::DateTime<Utc>>().expect("a time"), done_offline, "{letter}");
    // Never done before it was made, nor in a year taskd does not keep.
    put("early", vec!["SUMMARY:Early".into()]).await;
    put("early", vec!["SUMMARY:Early".into(), "STATUS:COMPLETED".into(), "COMPLETED:20000101T000000Z".into()]).await;
    let early = task_with_uid(&server, &account, "early").await;
    assert_eq!(early["completed_at"], early["created_at"], "{early}");
    let before = Utc::now();
    put("ancient", vec!["SUMMARY:Ancient".into(), "STATUS:COMPLETED".into(), "COMPLETED:00010101T000000Z".into()]).await;
    let ancient = completed_at(&task_with_uid(&server, &account, "ancient").await);
    assert!(ancient >= before - Duration::seconds(1), "{ancient}");

    // The control: a time still to come (a clock ahead) is taken as now.
    let before = Utc::now();
    put("ahead", vec!["SUMMARY:Ahead".into(), "STATUS:COMPLETED".into(), "COMPLETED:20991231T000000Z".into()]).await;
    let ahead = completed_at(&task_with_uid(&server, &account, "ahead").await);
    assert!(ahead >= before - Duration::seconds(1) && ahead <= Utc::now(), "{ahead}");

    // A daily task due three days ago, done two days ago: the next due is
    // the day after it was done, and the occurrence records that time.
    let today = now.date_naive();
    let due = today - Duration::days(3);
    let done_at = (today - Duration::days(2)).and_hms_opt(12, 0, 0).expect("noon").and_utc();
    let daily = || vec!["SUMMARY:Stretch".to_owned(), format!("DUE;VALUE=DATE:{}", due.format("%Y%m%d")), "RRULE:FREQ=DAILY".to_owned()];
    // Made three days ago (done once then, before it repeated).
    put("stretch", [vec!["SUMMARY:Stretch".to_owned()], done(due.and_hms_opt(8, 0, 0).expect("8:00").and_utc())].concat()).await;
    put("stretch", daily()).await;
    put("stretch", [daily(), done(done_at)].concat()).await;
    let stretch = task_with_uid(&server, &account, "stretch").await;
    assert_eq!(stretch["completed"], false, "{stretch}");
    assert_eq!(stretch["due_date"], (today - Duration::days(1)).to_string(), "{stretch}");
    let (_, occurrences) = server.call(&account, Method::GET, &format!("/tasks/{}/completions", stretch["id"]), None).await;
    assert_eq!(occurrences[0]["due"], due.to_string(), "{occurrences}");
    assert_eq!(occurrences[0]["completed_at"].as_str().expect("a time").parse::<chrono::DateTime<Utc>>().expect("a time"), done_at);
}
}
