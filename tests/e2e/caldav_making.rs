//! Calendars a CalDAV client makes (MKCALENDAR, extended MKCOL): a list at
//! the path the client chose, and the refusals as DAV errors.

use reqwest::Method;
use serde_json::Value;
use taskd_tests::Server;

use super::caldav::{dav, phone, todo};

const MKCALENDAR: &str = r##"<?xml version="1.0" encoding="UTF-8"?>
<C:mkcalendar xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav" xmlns:I="http://apple.com/ns/ical/">
  <D:set><D:prop>
    <D:displayname>Errands</D:displayname>
    <I:calendar-color>#FF8800FF</I:calendar-color>
    <I:calendar-order>3</I:calendar-order>
    <C:supported-calendar-component-set><C:comp name="VTODO"/></C:supported-calendar-component-set>
    <C:calendar-timezone>BEGIN:VCALENDAR
END:VCALENDAR</C:calendar-timezone>
  </D:prop></D:set>
</C:mkcalendar>"##;

const MKCOL: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<D:mkcol xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">
  <D:set><D:prop>
    <D:resourcetype><D:collection/><C:calendar/></D:resourcetype>
    <C:supported-calendar-component-set><C:comp name="VTODO"/></C:supported-calendar-component-set>
  </D:prop></D:set>
</D:mkcol>"#;

fn mkcalendar_with(props: &str) -> String {
    format!(
        r#"<C:mkcalendar xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav"><D:set><D:prop>{props}</D:prop></D:set></C:mkcalendar>"#
    )
}

async fn lists(server: &Server, account: &taskd_tests::Account) -> Vec<Value> {
    let (_, lists) = server.call(account, Method::GET, "/lists", None).await;
    lists.as_array().expect("lists").clone()
}

taskd_tests::on_both_backends! {
async fn a_client_makes_a_calendar_at_the_path_it_chose() {
    let server = Server::start();
    let (account, auth) = phone(&server, "mkcalendar").await;
    let home = format!("/dav/calendars/{}/", account.id);
    let calendar = format!("{home}A1B2-C3D4/");

    let made = dav(&server, Some(&auth), "MKCALENDAR", &calendar, &[], MKCALENDAR).await;
    assert_eq!(made.status, 201, "{}", made.text);
    let errands = lists(&server, &account).await.into_iter().find(|list| list["name"] == "Errands").expect("a list");
    assert_eq!((errands["color"].clone(), errands["position"].clone()), (serde_json::json!("#FF8800"), serde_json::json!(3)));

    // Found where the client made it, and there only.
    let found = dav(&server, Some(&auth), "PROPFIND", &home, &[("Depth", "1")], "").await;
    assert!(found.text.contains(&format!("<d:href>{calendar}</d:href>")), "{}", found.text);
    assert!(!found.text.contains(&format!("<d:href>{home}{}/</d:href>", errands["id"])), "{}", found.text);
    let by_id = dav(&server, Some(&auth), "PROPFIND", &format!("{home}{}/", errands["id"]), &[("Depth", "0")], "").await;
    assert_eq!(by_id.status, 404);

    // Its tasks are in the list.
    let put = dav(&server, Some(&auth), "PUT", &format!("{calendar}stamps.ics"), &[], &todo("stamps", &["SUMMARY:Buy stamps"])).await;
    assert_eq!(put.status, 201, "{}", put.text);
    let (_, task) = server.call(&account, Method::GET, &format!("/tasks?list_id={}", errands["id"]), None).await;
    assert_eq!(task[0]["title"], "Buy stamps", "{task}");
    let read = dav(&server, Some(&auth), "GET", &format!("{calendar}stamps.ics"), &[], "").await;
    assert!(read.text.contains("SUMMARY:Buy stamps"), "{}", read.text);

    // Something is there now.
    let again = dav(&server, Some(&auth), "MKCALENDAR", &calendar, &[], "").await;
    assert_eq!(again.status, 405, "{}", again.text);
    assert!(again.text.contains("resource-must-be-null"), "{}", again.text);

    // Extended MKCOL (DAVx5); no displayname: named by its path.
    let davx5 = dav(&server, Some(&auth), "MKCOL", &format!("{home}from%20phone/"), &[], MKCOL).await;
    assert_eq!(davx5.status, 201, "{}", davx5.text);
    assert!(lists(&server, &account).await.iter().any(|list| list["name"] == "from phone"));

    // Deleted, the path is free again.
    assert_eq!(dav(&server, Some(&auth), "DELETE", &calendar, &[], "").await.status, 204);
    let remade = dav(&server, Some(&auth), "MKCALENDAR", &calendar, &[], "").await;
    assert_eq!(remade.status, 201, "{}", remade.text);
    assert!(lists(&server, &account).await.iter().any(|list| list["name"] == "A1B2-C3D4"));
}
}

taskd_tests::on_both_backends! {
async fn a_calendar_taskd_cannot_make_is_refused_with_a_dav_error_and_nothing_made() {
    let server = Server::start();
    let (account, auth) = phone(&server, "mkcalendar-refused").await;
    let (other, _) = phone(&server, "mkcalendar-other").await;
    let home = format!("/dav/calendars/{}/", account.id);
    let before = lists(&server, &account).await.len();
    let refusals = [
        // Events only.
        ("MKCALENDAR", "events/", mkcalendar_with(r#"<C:supported-calendar-component-set><C:comp name="VEVENT"/></C:supported-calendar-component-set>"#), 403, "c:supported-calendar-component"),
        // A plain collection.
        ("MKCOL", "folder/", r#"<D:mkcol xmlns:D="DAV:"><D:set><D:prop><D:resourcetype><D:collection/></D:resourcetype></D:prop></D:set></D:mkcol>"#.to_owned(), 403, "d:valid-resourcetype"),
        ("MKCOL", "folder/", String::new(), 403, "d:valid-resourcetype"),
        // A number is a list's id, never a chosen path.
        ("MKCALENDAR", "12345/", String::new(), 403, "c:calendar-collection-location-ok"),
        // A property taskd does not keep fails the others (RFC 4791, 5.3.1).
        ("MKCALENDAR", "described/", mkcalendar_with("<D:displayname>Described</D:displayname><C:calendar-description>Mine</C:calendar-description>"), 403, "HTTP/1.1 424 Failed Dependency"),
        // The default list's name, ignoring case.
        ("MKCALENDAR", "clash/", mkcalendar_with("<D:displayname>tasks</D:displayname>"), 403, "HTTP/1.1 409 Conflict"),
        ("MKCALENDAR", "long/", mkcalendar_with(&format!("<D:displayname>{}</D:displayname>", "x".repeat(101))), 403, "c:mkcalendar-response"),
        ("MKCALENDAR", "broken/", "<C:mkcalendar".to_owned(), 400, "d:mkcalendar"),
    ];
    for (method, path, body, status, element) in refusals {
        let answer = dav(&server, Some(&auth), method, &format!("{home}{path}"), &[], &body).await;
        assert_eq!(answer.status, status, "{method} {path}: {}", answer.text);
        assert!(answer.text.contains(element), "{method} {path}: {}", answer.text);
    }
    // Inside a calendar, or in another user's home.
    let list = lists(&server, &account).await[0]["id"].clone();
    let inside = dav(&server, Some(&auth), "MKCALENDAR", &format!("{home}{list}/nested"), &[], "").await;
    assert_eq!(inside.status, 403, "{}", inside.text);
    let theirs = dav(&server, Some(&auth), "MKCALENDAR", &format!("/dav/calendars/{}/mine/", other.id), &[], "").await;
    assert_eq!(theirs.status, 404);
    assert_eq!(lists(&server, &account).await.len(), before, "nothing made");
    assert_eq!(lists(&server, &other).await.len(), 1, "nothing made");

    let options = dav(&server, None, "OPTIONS", "/dav/", &[], "").await;
    let allow = options.headers["allow"].to_str().expect("Allow");
    assert!(allow.contains("MKCALENDAR") && allow.contains("MKCOL"), "{allow}");
    assert!(options.headers["dav"].to_str().expect("DAV").contains("extended-mkcol"));
}
}
