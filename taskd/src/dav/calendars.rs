//! A calendar itself: MKCALENDAR (or an extended MKCOL) makes a list at
//! the path its client chose; PROPPATCH renames, recolours or reorders it;
//! DELETE deletes the list, its tasks going to the trash (the default list
//! cannot be deleted, as over the API).

use serde_json::{Map, Value};
use taskcore::model::Expect;
use taskcore::wire::{Body, ListCreate, ListUpdate};
use taskcore::{AsyncStore, Error};
use warp::http::{Response, StatusCode, header};
use warp::reply::Response as Reply;

use super::answer;
use super::paths::Resource;
use super::paths::list_at;
use super::xml::{self, APPLE, CALDAV, DAV, Name};
use super::{Request, dav_error, status, xml_answer};

/// The list change a PROPPATCH makes: `Err` with the properties taskd
/// cannot set.
fn list_change(changes: &[(Name, Option<String>)]) -> Result<Map<String, Value>, Vec<Name>> {
    let mut body = Map::new();
    let mut refused = Vec::new();
    for (name, value) in changes {
        match (name.namespace.as_str(), name.local.as_str(), value) {
            (DAV, "displayname", Some(text)) => {
                body.insert("name".into(), Value::String(text.clone()));
            }
            (APPLE, "calendar-color", Some(text)) => {
                body.insert("color".into(), Value::String(list_color(text)));
            }
            (APPLE, "calendar-color", None) => {
                body.insert("color".into(), Value::Null);
            }
            (APPLE, "calendar-order", Some(text)) => match text.trim().parse::<i64>() {
                Ok(position) => {
                    body.insert("position".into(), Value::from(position));
                }
                Err(_) => refused.push(name.clone()),
            },
            _ => refused.push(name.clone()),
        }
    }
    if refused.is_empty() {
        Ok(body)
    } else {
        Err(refused)
    }
}

/// A calendar colour as a list's: Apple's `#RRGGBBAA` and any CSS colour
/// (`blue`, `rgb(0 0 255)`) as `#RRGGBB`, its alpha dropped; anything else
/// as it came, for the list's rules to refuse.
fn list_color(text: &str) -> String {
    let text = text.trim();
    match csscolorparser::parse(text) {
        Ok(color) => {
            let [red, green, blue, _] = color.to_rgba8();
            format!("#{red:02X}{green:02X}{blue:02X}")
        }
        Err(_) => text.to_owned(),
    }
}

pub(super) async fn proppatch(request: &Request<'_>, segment: &str, href: &str) -> Reply {
    let changes = match xml::proppatch(request.body) {
        Ok(changes) => changes,
        Err(unreadable) => {
            return dav_error(StatusCode::BAD_REQUEST, "d:propertyupdate", &unreadable.0);
        }
    };
    // All or nothing (RFC 4918, 9.2): one property taskd cannot set fails
    // the others too.
    let body = match list_change(&changes) {
        Ok(body) => body,
        Err(refused) => {
            let statuses: Vec<_> = changes
                .iter()
                .map(|(name, _)| {
                    let code = if refused.contains(name) {
                        "403 Forbidden"
                    } else {
                        "424 Failed Dependency"
                    };
                    (name.clone(), code)
                })
                .collect();
            return xml_answer(StatusCode::MULTI_STATUS, statuses_answer(href, &statuses));
        }
    };
    let user = request.user.id;
    let segment = segment.to_owned();
    let changed = AsyncStore::new(request.state.store.clone())
        .write(move |store| {
            let list = list_at(store, user, &segment)?;
            let patch = ListUpdate::from_json(&Value::Object(body))?;
            store
                .lists(user)
                .update_expecting(list, &patch, &Expect::Any)
        })
        .await;
    let code = match changed {
        Ok(_) => "200 OK",
        Err(Error::ListNotFound) => return status(StatusCode::NOT_FOUND),
        Err(Error::Conflict(_)) => "409 Conflict",
        Err(Error::Validation(_)) => "422 Unprocessable Entity",
        Err(Error::Storage(_)) => return status(StatusCode::SERVICE_UNAVAILABLE),
        Err(other) => {
            tracing::error!(error = %other, "PROPPATCH failed");
            return status(StatusCode::INTERNAL_SERVER_ERROR);
        }
    };
    let statuses: Vec<_> = changes.into_iter().map(|(name, _)| (name, code)).collect();
    xml_answer(StatusCode::MULTI_STATUS, statuses_answer(href, &statuses))
}

/// A multistatus giving each property its status.
fn statuses_answer(href: &str, statuses: &[(Name, &str)]) -> String {
    let mut body = String::from(answer::MULTISTATUS_START);
    body.push_str(&format!(
        "<d:response><d:href>{}</d:href>",
        answer::escape(href)
    ));
    for (name, code) in statuses {
        body.push_str(&format!(
            "<d:propstat><d:prop>{}</d:prop><d:status>HTTP/1.1 {code}</d:status></d:propstat>",
            answer::empty_element(name)
        ));
    }
    body.push_str("</d:response>");
    body.push_str(answer::MULTISTATUS_END);
    body
}

pub(super) async fn delete(request: &Request<'_>, segment: &str) -> Reply {
    let user = request.user.id;
    let segment = segment.to_owned();
    let deleted = AsyncStore::new(request.state.store.clone())
        .write(move |store| {
            let list = list_at(store, user, &segment)?;
            store.lists(user).delete_expecting(list, &Expect::Any, true)
        })
        .await;
    match deleted {
        Ok(_) => status(StatusCode::NO_CONTENT),
        Err(Error::ListNotFound) => status(StatusCode::NOT_FOUND),
        // The default list.
        Err(Error::Conflict(message)) => {
            dav_error(StatusCode::FORBIDDEN, "d:need-privileges", &message)
        }
        Err(Error::Storage(_)) => status(StatusCode::SERVICE_UNAVAILABLE),
        Err(other) => {
            tracing::error!(error = %other, "deleting a calendar failed");
            status(StatusCode::INTERNAL_SERVER_ERROR)
        }
    }
}

/// The properties a new calendar may be given that taskd takes without
/// keeping: it reads floating times in the account's zone, and tasks take
/// no part in free-busy.
fn taken_as_is(name: &Name) -> bool {
    name.is(CALDAV, "calendar-timezone") || name.is(CALDAV, "schedule-calendar-transp")
}

/// MKCALENDAR, or an extended MKCOL (`extended`, RFC 5689) asking for a
/// calendar: a new list at the path the client chose, named by its
/// `displayname` (else by the path), with its colour and order.
pub(super) async fn make(request: &Request<'_>, resource: &Resource, extended: bool) -> Reply {
    let (root, answer_root) = if extended {
        (xml_name(DAV, "mkcol"), "d:mkcol-response")
    } else {
        (xml_name(CALDAV, "mkcalendar"), "c:mkcalendar-response")
    };
    let segment = match resource {
        Resource::Calendar(_, segment) => segment.clone(),
        Resource::Object(..) => {
            return dav_error(
                StatusCode::FORBIDDEN,
                "c:calendar-collection-location-ok",
                "A calendar cannot be made inside another calendar; make it in the calendar home",
            );
        }
        _ => return exists(),
    };
    let asked = match xml::new_calendar(request.body, &root) {
        Ok(asked) => asked,
        Err(unreadable) => {
            return dav_error(
                StatusCode::BAD_REQUEST,
                &format!("d:{}", root.local),
                &unreadable.0,
            );
        }
    };
    if extended
        && !asked.resourcetype.as_ref().is_some_and(|kinds| {
            kinds.iter().any(|kind| kind.is(CALDAV, "calendar"))
                && kinds
                    .iter()
                    .all(|kind| kind.is(CALDAV, "calendar") || kind.is(DAV, "collection"))
        })
    {
        return dav_error(
            StatusCode::FORBIDDEN,
            "d:valid-resourcetype",
            "Only calendars can be made here: set resourcetype to collection and calendar",
        );
    }
    if asked
        .components
        .as_ref()
        .is_some_and(|components| !components.iter().any(|component| component == "VTODO"))
    {
        return dav_error(
            StatusCode::FORBIDDEN,
            "c:supported-calendar-component",
            "taskd's calendars hold tasks (VTODO) only",
        );
    }
    let settable: Vec<(Name, Option<String>)> = asked
        .props
        .iter()
        .filter(|(name, _)| !taken_as_is(name))
        .map(|(name, text)| (name.clone(), Some(text.clone())))
        .collect();
    let mut body = match list_change(&settable) {
        Ok(body) => body,
        Err(refused) => {
            let statuses = failed(&asked.props, |name| {
                refused
                    .contains(name)
                    .then_some(("403 Forbidden", "taskd cannot set this property"))
            });
            return xml_answer(
                StatusCode::FORBIDDEN,
                property_failure(answer_root, &statuses),
            );
        }
    };
    let named = body.contains_key("name");
    body.entry("name")
        .or_insert_with(|| Value::String(segment.clone()));
    let new_list = match ListCreate::from_json(&Value::Object(body)) {
        Ok(new_list) => new_list,
        Err(Error::Validation(errors)) if named => {
            let message = errors.to_string();
            let statuses = failed(&asked.props, |name| {
                let field = property_field(name)?;
                errors
                    .errors()
                    .iter()
                    .any(|error| error.loc.get(1).is_some_and(|loc| loc == field))
                    .then_some(("403 Forbidden", message.as_str()))
            });
            return xml_answer(
                StatusCode::FORBIDDEN,
                property_failure(answer_root, &statuses),
            );
        }
        Err(error) => return location_refused(&error.to_string()),
    };
    let user = request.user.id;
    let at = segment.clone();
    let made = AsyncStore::new(request.state.store.clone())
        .write(move |store| {
            let lists = store.lists(user);
            if lists.at_calendar(&at)?.is_some() {
                return Ok(None);
            }
            lists.create_calendar(&at, &new_list).map(Some)
        })
        .await;
    match made {
        Ok(None) => exists(),
        Ok(Some(_)) => Response::builder()
            .status(StatusCode::CREATED)
            .header(header::LOCATION, resource.href())
            .body(Default::default())
            .unwrap_or_default(),
        Err(Error::Validation(errors)) => location_refused(&errors.to_string()),
        Err(Error::Conflict(message)) if named => {
            let statuses = failed(&asked.props, |name| {
                name.is(DAV, "displayname")
                    .then_some(("409 Conflict", message.as_str()))
            });
            xml_answer(
                StatusCode::FORBIDDEN,
                property_failure(answer_root, &statuses),
            )
        }
        Err(Error::Conflict(message)) => {
            dav_error(StatusCode::CONFLICT, "d:resource-must-be-null", &message)
        }
        Err(Error::Storage(_)) => status(StatusCode::SERVICE_UNAVAILABLE),
        Err(other) => {
            tracing::error!(error = %other, "making a calendar failed");
            status(StatusCode::INTERNAL_SERVER_ERROR)
        }
    }
}

fn xml_name(namespace: &str, local: &str) -> Name {
    Name {
        namespace: namespace.to_owned(),
        local: local.to_owned(),
    }
}

/// The list field a calendar property sets.
fn property_field(name: &Name) -> Option<&'static str> {
    match (name.namespace.as_str(), name.local.as_str()) {
        (DAV, "displayname") => Some("name"),
        (APPLE, "calendar-color") => Some("color"),
        (APPLE, "calendar-order") => Some("position"),
        _ => None,
    }
}

/// A resource is there already (RFC 4918, 9.3.1).
fn exists() -> Reply {
    let mut answer = dav_error(
        StatusCode::METHOD_NOT_ALLOWED,
        "d:resource-must-be-null",
        "Something is at this path already",
    );
    if let Ok(allow) = header::HeaderValue::from_str(super::ALLOW) {
        answer.headers_mut().insert(header::ALLOW, allow);
    }
    answer
}

/// A path no calendar can be made at.
fn location_refused(message: &str) -> Reply {
    dav_error(
        StatusCode::FORBIDDEN,
        "c:calendar-collection-location-ok",
        message,
    )
}

/// Each property asked for with its status: the failing ones as `failing`
/// says (with a reason), the others failed with them (424).
fn failed<'a>(
    props: &[(Name, String)],
    failing: impl Fn(&Name) -> Option<(&'a str, &'a str)>,
) -> Vec<(Name, &'a str, Option<&'a str>)> {
    props
        .iter()
        .map(|(name, _)| match failing(name) {
            Some((code, reason)) => (name.clone(), code, Some(reason)),
            None => (name.clone(), "424 Failed Dependency", None),
        })
        .collect()
}

/// The body of a MKCALENDAR or MKCOL that failed on its properties (RFC
/// 4791, 5.3.1; RFC 5689, 3): each property's status.
fn property_failure(root: &str, statuses: &[(Name, &str, Option<&str>)]) -> String {
    let mut body = format!(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<{root} xmlns:d=\"DAV:\" \
         xmlns:c=\"urn:ietf:params:xml:ns:caldav\" xmlns:ic=\"http://apple.com/ns/ical/\">"
    );
    for (name, code, reason) in statuses {
        body.push_str(&format!(
            "<d:propstat><d:prop>{}</d:prop><d:status>HTTP/1.1 {code}</d:status>",
            answer::empty_element(name)
        ));
        if let Some(reason) = reason {
            body.push_str(&format!(
                "<d:responsedescription>{}</d:responsedescription>",
                answer::escape(reason)
            ));
        }
        body.push_str("</d:propstat>");
    }
    body.push_str(&format!("</{root}>\n"));
    body
}

#[cfg(test)]
mod tests {
    use super::list_color;

    #[test]
    fn a_calendar_colour_becomes_a_lists_hex_colour() {
        assert_eq!(list_color("#FF8800FF"), "#FF8800", "Apple's, alpha dropped");
        assert_eq!(list_color(" #ff8800 "), "#FF8800");
        assert_eq!(list_color("blue"), "#0000FF", "a CSS name");
        assert_eq!(list_color("rgb(0 128 0)"), "#008000");
        assert_eq!(
            list_color("not a colour"),
            "not a colour",
            "left for the rules to refuse"
        );
    }
}
