//! WebDAV's XML as taskd writes it: the multistatus, its responses and
//! properties, and DAV error bodies.

use super::xml::{APPLE, CALDAV, CALENDARSERVER, DAV, Name};

/// Text escaped for XML.
pub fn escape(text: &str) -> String {
    quick_xml::escape::escape(text).into_owned()
}

/// The opening of a multistatus answer, with the namespaces taskd uses.
pub const MULTISTATUS_START: &str = "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n\
<d:multistatus xmlns:d=\"DAV:\" xmlns:c=\"urn:ietf:params:xml:ns:caldav\" \
xmlns:cs=\"http://calendarserver.org/ns/\" xmlns:ic=\"http://apple.com/ns/ical/\">";
/// Its end.
pub const MULTISTATUS_END: &str = "</d:multistatus>\n";

/// The prefix taskd writes a namespace with.
pub fn prefix(namespace: &str) -> Option<&'static str> {
    match namespace {
        DAV => Some("d"),
        CALDAV => Some("c"),
        CALENDARSERVER => Some("cs"),
        APPLE => Some("ic"),
        _ => None,
    }
}

/// An empty element named `name`, with its namespace declared when taskd
/// has no prefix for it.
pub fn empty_element(name: &Name) -> String {
    match prefix(&name.namespace) {
        Some(prefix) => format!("<{prefix}:{}/>", name.local),
        None if name.namespace.is_empty() => format!("<{} xmlns=\"\"/>", name.local),
        None => format!(
            "<x:{} xmlns:x=\"{}\"/>",
            name.local,
            escape(&name.namespace)
        ),
    }
}

/// One `response` of a multistatus: the properties found (200) and those
/// not (404).
pub fn response(body: &mut String, href: &str, values: &[(Name, Option<String>)]) {
    body.push_str("<d:response><d:href>");
    // Escaped in place: most hrefs have nothing to escape.
    body.push_str(&quick_xml::escape::escape(href));
    body.push_str("</d:href>");
    let found = || {
        values
            .iter()
            .filter_map(|(name, value)| Some((name, value.as_deref()?)))
    };
    if found().next().is_some() {
        body.push_str("<d:propstat><d:prop>");
        for (name, value) in found() {
            match prefix(&name.namespace) {
                Some(prefix) if value.is_empty() => {
                    push_all(body, &["<", prefix, ":", &name.local, "/>"]);
                }
                Some(prefix) => push_all(
                    body,
                    &[
                        "<",
                        prefix,
                        ":",
                        &name.local,
                        ">",
                        value,
                        "</",
                        prefix,
                        ":",
                        &name.local,
                        ">",
                    ],
                ),
                None => body.push_str(&empty_element(name)),
            }
        }
        body.push_str("</d:prop><d:status>HTTP/1.1 200 OK</d:status></d:propstat>");
    }
    let mut missing = values
        .iter()
        .filter(|(_, value)| value.is_none())
        .peekable();
    if missing.peek().is_some() {
        body.push_str("<d:propstat><d:prop>");
        for (name, _) in missing {
            body.push_str(&empty_element(name));
        }
        body.push_str("</d:prop><d:status>HTTP/1.1 404 Not Found</d:status></d:propstat>");
    }
    body.push_str("</d:response>");
}

/// `parts` one after another.
fn push_all(body: &mut String, parts: &[&str]) {
    for part in parts {
        body.push_str(part);
    }
}

/// A DAV error body naming the precondition `element` (prefixed), with a
/// message for people.
pub fn error_body(element: &str, message: &str) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<d:error xmlns:d=\"DAV:\" \
         xmlns:c=\"urn:ietf:params:xml:ns:caldav\"><{element}/>\
         <d:responsedescription>{}</d:responsedescription></d:error>\n",
        escape(message)
    )
}
