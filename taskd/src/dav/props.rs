//! PROPFIND: what each resource says of itself, and of its members at
//! Depth 1.

use taskcore::model::{ObjectEntry, TaskList};
use taskcore::{AsyncStore, ListId, User};
use warp::http::StatusCode;
use warp::reply::Response as Reply;

use super::answer;
use super::paths::Resource;
use super::xml::{self, APPLE, CALDAV, CALENDARSERVER, DAV, Name, PropFind};
use super::{Request, dav_error, status, xml_answer};

/// Everything a PROPFIND may need of one user's calendars, read at once.
struct Known {
    /// Every list, with its calendar's path segment.
    calendars: Vec<(TaskList, String)>,
    /// The owner's sync point.
    point: i64,
    /// Each listed calendar's resources, by segment (only the calendars
    /// Depth asks about).
    entries: Vec<(String, Vec<ObjectEntry>)>,
}

pub(super) async fn propfind(request: &Request<'_>, resource: &Resource) -> Reply {
    let Some(depth) = request.depth() else {
        return dav_error(
            StatusCode::FORBIDDEN,
            "d:propfind-finite-depth",
            "Depth: infinity is not supported; ask with Depth 0 or 1",
        );
    };
    let asked = match xml::propfind(request.body) {
        Ok(asked) => asked,
        Err(unreadable) => return dav_error(StatusCode::BAD_REQUEST, "d:propfind", &unreadable.0),
    };
    let user = request.user.clone();
    let target = resource.clone();
    let known = AsyncStore::new(request.state.store.clone())
        .run(move |store| {
            let calendars = store.lists(user.id).calendars()?;
            let point = store.tasks(user.id).sync_point()?;
            let mut entries = Vec::new();
            let listed: Vec<(ListId, String)> = match target.calendar() {
                Some(segment) => calendars
                    .iter()
                    .filter(|(_, at)| at == segment)
                    .map(|(list, at)| (list.id, at.clone()))
                    .collect(),
                None if matches!(target, Resource::Home(_)) && depth == 1 => calendars
                    .iter()
                    .map(|(list, at)| (list.id, at.clone()))
                    .collect(),
                None => Vec::new(),
            };
            for (list, segment) in listed {
                match store.tasks(user.id).calendar(list) {
                    Ok(found) => entries.push((segment, found)),
                    Err(taskcore::Error::ListNotFound) => {}
                    Err(error) => return Err(error),
                }
            }
            Ok(Known {
                calendars,
                point,
                entries,
            })
        })
        .await;
    let Ok(known) = known else {
        return status(StatusCode::SERVICE_UNAVAILABLE);
    };
    // Each member, with its version when it is an object.
    let mut members: Vec<(Resource, Option<i64>)> = vec![(resource.clone(), None)];
    match resource {
        Resource::Calendar(owner, list) => {
            let Some((_, entries)) = known.entries.iter().find(|(id, _)| id == list) else {
                return status(StatusCode::NOT_FOUND);
            };
            if depth == 1 {
                members.extend(entries.iter().map(|entry| {
                    let member = Resource::Object(*owner, list.clone(), entry.name.clone());
                    (member, Some(entry.version))
                }));
            }
        }
        Resource::Object(_, list, name) => {
            let found = known
                .entries
                .iter()
                .find(|(id, _)| id == list)
                .and_then(|(_, entries)| entries.iter().find(|entry| &entry.name == name));
            let Some(entry) = found else {
                return status(StatusCode::NOT_FOUND);
            };
            members[0].1 = Some(entry.version);
        }
        Resource::Home(owner) if depth == 1 => {
            members.extend(
                known
                    .calendars
                    .iter()
                    .map(|(_, segment)| (Resource::Calendar(*owner, segment.clone()), None)),
            );
        }
        _ => {}
    }
    let mut body = String::from(answer::MULTISTATUS_START);
    for (member, version) in &members {
        let names = match &asked {
            PropFind::All | PropFind::Names => every_property(member),
            PropFind::Props(names) => names.clone(),
        };
        let values: Vec<(Name, Option<String>)> = names
            .into_iter()
            .map(|name| {
                let value = if asked == PropFind::Names {
                    Some(String::new())
                } else {
                    value(member, *version, &name, request.user, &known)
                };
                (name, value)
            })
            .collect();
        answer::response(&mut body, &member.href(), &values);
    }
    body.push_str(answer::MULTISTATUS_END);
    xml_answer(StatusCode::MULTI_STATUS, body)
}

fn name(namespace: &str, local: &str) -> Name {
    Name {
        namespace: namespace.to_owned(),
        local: local.to_owned(),
    }
}

/// The properties `allprop` and `propname` give for `resource`.
fn every_property(resource: &Resource) -> Vec<Name> {
    let mut names = vec![
        name(DAV, "resourcetype"),
        name(DAV, "current-user-principal"),
    ];
    match resource {
        Resource::Root | Resource::Principal(_) => {
            names.extend([
                name(DAV, "displayname"),
                name(DAV, "principal-URL"),
                name(CALDAV, "calendar-home-set"),
            ]);
        }
        Resource::Home(_) => names.push(name(DAV, "displayname")),
        Resource::Calendar(..) => names.extend([
            name(DAV, "displayname"),
            name(CALDAV, "supported-calendar-component-set"),
            name(CALENDARSERVER, "getctag"),
            name(DAV, "sync-token"),
            name(APPLE, "calendar-color"),
            name(APPLE, "calendar-order"),
            name(DAV, "current-user-privilege-set"),
            name(DAV, "supported-report-set"),
        ]),
        Resource::Object(..) => {
            names.extend([name(DAV, "getetag"), name(DAV, "getcontenttype")]);
        }
    }
    names
}

/// The XML inside property `name` of `resource` (an object's `version`
/// given); `None` when it has none.
fn value(
    resource: &Resource,
    version: Option<i64>,
    name: &Name,
    user: &User,
    known: &Known,
) -> Option<String> {
    let principal = Resource::Principal(user.id).href();
    let href = |href: String| format!("<d:href>{}</d:href>", answer::escape(&href));
    let list = |segment: &String| {
        known
            .calendars
            .iter()
            .find(|(_, at)| at == segment)
            .map(|(list, _)| list)
    };
    let entries = |segment: &String| {
        known
            .entries
            .iter()
            .find(|(at, _)| at == segment)
            .map(|(_, entries)| entries)
    };
    Some(
        match (name.namespace.as_str(), name.local.as_str(), resource) {
            (DAV, "resourcetype", Resource::Principal(_)) => "<d:collection/><d:principal/>".into(),
            (DAV, "resourcetype", Resource::Calendar(..)) => "<d:collection/><c:calendar/>".into(),
            (DAV, "resourcetype", Resource::Object(..)) => String::new(),
            (DAV, "resourcetype", _) => "<d:collection/>".into(),
            (DAV, "current-user-principal", _) => href(principal),
            (DAV, "principal-URL", Resource::Root | Resource::Principal(_)) => href(principal),
            (DAV, "owner", _) => href(principal),
            (CALDAV, "calendar-home-set", Resource::Root | Resource::Principal(_)) => {
                href(Resource::Home(user.id).href())
            }
            (CALDAV, "calendar-user-address-set", Resource::Principal(_)) => {
                href(format!("mailto:{}", user.email))
            }
            (DAV, "displayname", Resource::Root) => "taskd".into(),
            (DAV, "displayname", Resource::Principal(_)) => answer::escape(&user.email),
            (DAV, "displayname", Resource::Home(_)) => "Lists".into(),
            (DAV, "displayname", Resource::Calendar(_, id)) => answer::escape(&list(id)?.name),
            (CALDAV, "supported-calendar-component-set", Resource::Calendar(..)) => {
                "<c:comp name=\"VTODO\"/>".into()
            }
            (CALDAV, "supported-calendar-data", Resource::Calendar(..)) => {
                "<c:calendar-data content-type=\"text/calendar\" version=\"2.0\"/>".into()
            }
            (CALDAV, "max-resource-size", Resource::Calendar(..)) => {
                crate::filters::BODY_LIMIT.to_string()
            }
            (CALENDARSERVER, "getctag", Resource::Calendar(_, id)) => ctag(entries(id)?),
            (DAV, "sync-token", Resource::Calendar(..)) => {
                answer::escape(&super::objects::sync_token(known.point))
            }
            (APPLE, "calendar-color", Resource::Calendar(_, id)) => {
                answer::escape(list(id)?.color.as_deref()?)
            }
            (APPLE, "calendar-order", Resource::Calendar(_, id)) => list(id)?.position.to_string(),
            (DAV, "current-user-privilege-set", Resource::Calendar(..) | Resource::Object(..)) => {
                ["read", "write", "write-content", "bind", "unbind"]
                    .iter()
                    .map(|privilege| format!("<d:privilege><d:{privilege}/></d:privilege>"))
                    .collect()
            }
            (DAV, "current-user-privilege-set", _) => "<d:privilege><d:read/></d:privilege>".into(),
            (DAV, "supported-report-set", Resource::Calendar(..)) => [
                "c:calendar-multiget",
                "c:calendar-query",
                "d:sync-collection",
            ]
            .iter()
            .map(|report| {
                format!("<d:supported-report><d:report><{report}/></d:report></d:supported-report>")
            })
            .collect(),
            (DAV, "getetag", Resource::Object(..)) => format!("&quot;{}&quot;", version?),
            (DAV, "getcontenttype", Resource::Object(..)) => {
                "text/calendar; charset=utf-8; component=VTODO".into()
            }
            _ => return None,
        },
    )
}

/// A calendar's ctag: changes whenever one of its tasks is added, changed
/// or leaves it.
fn ctag(entries: &[ObjectEntry]) -> String {
    use std::hash::{Hash, Hasher};
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    for entry in entries {
        (entry.id.0, entry.version).hash(&mut hasher);
    }
    format!("{}-{:016x}", entries.len(), hasher.finish())
}
