//! A calendar's objects: GET, PUT and DELETE of one, and the REPORTs that
//! read several (calendar-multiget, calendar-query).

use taskcore::ical::TimeRange;
use taskcore::model::{Expect, PutCondition, TaskObject};
use taskcore::{AsyncStore, CalendarRefusal, Error};
use warp::http::{Response, StatusCode, header};
use warp::reply::Response as Reply;

use super::answer;
use super::calendar_data::select;
use super::paths::{Resource, from_href, list_at};
use super::xml::{self, CALDAV, DAV, Name, PropFilter, Report, Selection};
use super::{Request, dav_error, status, xml_answer};

/// Most hrefs one calendar-multiget may name.
const MULTIGET_MAX: usize = 1_000;
/// Most bytes one report answers with; past it the client is asked to
/// narrow its request.
const REPORT_MAX_BYTES: usize = 32 * 1024 * 1024;

/// An error of the store, as CalDAV answers it.
fn answer_error(error: Error) -> Reply {
    match error {
        Error::CalendarObject { refusal, message } => {
            let element = match refusal {
                CalendarRefusal::Component => "c:supported-calendar-component",
                CalendarRefusal::UidConflict => "c:no-uid-conflict",
                _ => "c:valid-calendar-data",
            };
            dav_error(StatusCode::FORBIDDEN, element, &message)
        }
        Error::VersionMismatch { .. } => status(StatusCode::PRECONDITION_FAILED),
        Error::TaskNotFound => status(StatusCode::NOT_FOUND),
        Error::ListNotFound => status(StatusCode::CONFLICT),
        Error::Conflict(message) => Response::builder()
            .status(StatusCode::CONFLICT)
            .header(header::CONTENT_TYPE, "text/plain; charset=utf-8")
            .body(message.into())
            .unwrap_or_default(),
        Error::Storage(failure) => {
            tracing::error!(error = %failure.with_causes(), "database failure");
            status(StatusCode::SERVICE_UNAVAILABLE)
        }
        other => {
            tracing::error!(error = %other, "CalDAV request failed");
            status(StatusCode::INTERNAL_SERVER_ERROR)
        }
    }
}

/// A missing calendar, for a resource in it: the resource is not found.
fn not_found(error: Error) -> Error {
    match error {
        Error::ListNotFound => Error::TaskNotFound,
        other => other,
    }
}

pub(super) async fn get(request: &Request<'_>, resource: &Resource, head: bool) -> Reply {
    let Resource::Object(_, list, name) = resource else {
        return status(StatusCode::METHOD_NOT_ALLOWED);
    };
    let (user, calendar, name) = (request.user.id, list.clone(), name.clone());
    let found = AsyncStore::new(request.state.store.clone())
        .run(move |store| {
            let list = list_at(store, user, &calendar).map_err(not_found)?;
            store.tasks(user).object(list, &name)
        })
        .await;
    match found {
        Ok(object) => Response::builder()
            .status(StatusCode::OK)
            .header(header::CONTENT_TYPE, "text/calendar; charset=utf-8")
            .header(header::ETAG, format!("\"{}\"", object.task.version))
            .body(if head {
                Default::default()
            } else {
                object.ical.into()
            })
            .unwrap_or_default(),
        Err(error) => answer_error(error),
    }
}

/// The condition of a write: `If-None-Match: *`, or the versions
/// `If-Match` names (none it can read: a condition nothing meets).
fn condition(request: &Request<'_>) -> PutCondition {
    let header = |name| {
        request
            .headers
            .get(name)
            .and_then(|value| value.to_str().ok())
    };
    if header(header::IF_NONE_MATCH).is_some_and(|value| value.trim() == "*") {
        return PutCondition::Absent;
    }
    match header(header::IF_MATCH) {
        None => PutCondition::Any,
        Some(value) if value.trim() == "*" => PutCondition::Any,
        Some(value) => PutCondition::Match(
            value
                .split(',')
                // Strong comparison (RFC 9110, 13.1.1): a weak tag matches
                // nothing.
                .filter_map(|tag| {
                    tag.trim()
                        .strip_prefix('"')?
                        .strip_suffix('"')?
                        .parse()
                        .ok()
                })
                .collect(),
        ),
    }
}

pub(super) async fn put(request: &Request<'_>, resource: &Resource) -> Reply {
    let Resource::Object(_, list, name) = resource else {
        return status(StatusCode::METHOD_NOT_ALLOWED);
    };
    let Ok(text) = std::str::from_utf8(request.body) else {
        // The condition is judged before the data (RFC 9110, 13.2.2).
        let (user, calendar, name) = (request.user.id, list.clone(), name.clone());
        let condition = condition(request);
        let judged = AsyncStore::new(request.state.store.clone())
            .run(move |store| {
                let list = list_at(store, user, &calendar)?;
                store
                    .tasks(user)
                    .check_object_condition(list, &name, &condition)
            })
            .await;
        return match judged {
            Ok(()) => dav_error(
                StatusCode::FORBIDDEN,
                "c:valid-calendar-data",
                "The object is not UTF-8",
            ),
            Err(error) => answer_error(error),
        };
    };
    let (user, calendar) = (request.user.id, list.clone());
    let (name, text) = (name.clone(), text.to_owned());
    let condition = condition(request);
    let written = AsyncStore::new(request.state.store.clone())
        .write(move |store| {
            // No calendar there: 409 (RFC 4918, 9.7.1).
            let list = list_at(store, user, &calendar)?;
            store.tasks(user).put_object(list, &name, &text, &condition)
        })
        .await;
    match written {
        // No ETag: what taskd serves is not byte for byte what the client
        // sent (its stamps, the server's advance of a repeating task), so
        // the client must read it back (RFC 4791, 5.3.4).
        Ok(outcome) => status(if outcome.created {
            StatusCode::CREATED
        } else {
            StatusCode::NO_CONTENT
        }),
        Err(error) => answer_error(error),
    }
}

pub(super) async fn delete(request: &Request<'_>, resource: &Resource) -> Reply {
    let Resource::Object(_, list, name) = resource else {
        return dav_error(
            StatusCode::FORBIDDEN,
            "d:need-privileges",
            "Only calendars and tasks are deleted",
        );
    };
    let expect = match condition(request) {
        PutCondition::Match(versions) => Expect::OneOf(versions),
        // `If-None-Match: *` holds only where nothing is, and a delete needs
        // something there: 412 for an object, 404 without one.
        PutCondition::Absent => Expect::OneOf(Vec::new()),
        _ => Expect::Any,
    };
    let (user, calendar, name) = (request.user.id, list.clone(), name.clone());
    let deleted = AsyncStore::new(request.state.store.clone())
        .write(move |store| {
            let list = list_at(store, user, &calendar).map_err(not_found)?;
            let tasks = store.tasks(user);
            let found = tasks.object(list, &name)?;
            tasks.delete_expecting(found.task.id, &expect)
        })
        .await;
    match deleted {
        Ok(()) => status(StatusCode::NO_CONTENT),
        Err(error) => answer_error(error),
    }
}

pub(super) async fn report(request: &Request<'_>, resource: &Resource) -> Reply {
    let Resource::Calendar(owner, list) = resource else {
        return dav_error(
            StatusCode::FORBIDDEN,
            "d:supported-report",
            "Reports are made on a calendar",
        );
    };
    let report = match xml::report(request.body) {
        Ok(report) => report,
        Err(unreadable) => {
            return dav_error(StatusCode::FORBIDDEN, "c:supported-filter", &unreadable.0);
        }
    };
    let selection = match xml::calendar_data(request.body) {
        Ok(selection) => selection,
        Err(unreadable) => {
            return dav_error(
                StatusCode::FORBIDDEN,
                "c:supported-calendar-data",
                &unreadable.0,
            );
        }
    };
    let selection = selection.as_ref();
    let (user, calendar, owner) = (request.user.id, list.clone(), *owner);
    let (props, names, filters, range) = match report {
        Report::Multiget { props, hrefs } => {
            if hrefs.len() > MULTIGET_MAX {
                return dav_error(
                    StatusCode::FORBIDDEN,
                    "d:number-of-matches-within-limits",
                    &format!("A calendar-multiget names at most {MULTIGET_MAX} objects"),
                );
            }
            (props, Some(hrefs), Some(Vec::new()), None)
        }
        Report::Query {
            props,
            filters,
            range,
        } => (props, None, filters, range),
        Report::Sync { token, props } => {
            return sync(request, owner, calendar, token.as_deref(), props, selection).await;
        }
        Report::Other(name) => {
            return dav_error(
                StatusCode::FORBIDDEN,
                "d:supported-report",
                &format!("taskd does not implement the report {}", name.local),
            );
        }
    };
    let (asked, within) = (names.clone(), calendar.clone());
    let found = AsyncStore::new(request.state.store.clone())
        .run(move |store| {
            let list = list_at(store, user, &within).map_err(not_found)?;
            let tasks = store.tasks(user);
            let names: Vec<String> = match &asked {
                Some(hrefs) => hrefs
                    .iter()
                    .map(|href| match from_href(href) {
                        Some(Resource::Object(o, c, name)) if o == owner && c == within => name,
                        // Never a name: reported as not found.
                        _ => String::new(),
                    })
                    .collect(),
                None => tasks
                    .calendar(list)?
                    .into_iter()
                    .map(|entry| entry.name)
                    .collect(),
            };
            let objects = tasks.objects(list, &names)?;
            Ok(names.into_iter().zip(objects).collect::<Vec<_>>())
        })
        .await;
    let found = match found {
        Ok(found) => found,
        Err(error) => return answer_error(error),
    };
    // Dates and floating times are read in the owner's zone.
    let zone = taskcore::Zone::parse(&request.user.timezone).unwrap_or_default();
    let mut body = String::from(answer::MULTISTATUS_START);
    for (index, (name, object)) in found.into_iter().enumerate() {
        if body.len() > REPORT_MAX_BYTES {
            return dav_error(
                StatusCode::INSUFFICIENT_STORAGE,
                "d:number-of-matches-within-limits",
                "The answer would be too large: ask for fewer objects at a time",
            );
        }
        match object {
            Some(object) if passes(filters.as_deref(), range.as_ref(), zone, &object.ical) => {
                let href = Resource::Object(owner, calendar.clone(), name).href();
                let values = object_values(&props, &object, selection);
                answer::response(&mut body, &href, &values);
            }
            Some(_) => {}
            None => {
                let href = names
                    .as_ref()
                    .and_then(|hrefs| hrefs.get(index).cloned())
                    .unwrap_or_else(|| Resource::Object(owner, calendar.clone(), name).href());
                body.push_str(&format!(
                    "<d:response><d:href>{}</d:href><d:status>HTTP/1.1 404 Not Found</d:status></d:response>",
                    answer::escape(&href)
                ));
            }
        }
    }
    body.push_str(answer::MULTISTATUS_END);
    xml_answer(StatusCode::MULTI_STATUS, body)
}

/// The prefix of taskd's sync tokens; the feed's number follows.
const SYNC_TOKEN_PREFIX: &str = "urn:taskd:sync:";

/// A sync token as taskd writes it.
pub(super) fn sync_token(point: i64) -> String {
    format!("{SYNC_TOKEN_PREFIX}{point}")
}

/// A sync-collection: what changed in the calendar since the client's
/// token, on the change feed's numbers; a token taskd did not write, or
/// one the feed has forgotten, is refused so that the client starts over.
async fn sync(
    request: &Request<'_>,
    owner: taskcore::UserId,
    calendar: String,
    token: Option<&str>,
    props: Vec<Name>,
    selection: Option<&Selection>,
) -> Reply {
    let since = match token {
        None => None,
        Some(token) => match token
            .strip_prefix(SYNC_TOKEN_PREFIX)
            .and_then(|point| point.parse::<i64>().ok())
        {
            Some(point) => Some(point),
            None => return invalid_token(),
        },
    };
    let user = request.user.id;
    let with_data = props.iter().any(|name| name.is(CALDAV, "calendar-data"));
    let within = calendar.clone();
    let found = AsyncStore::new(request.state.store.clone())
        .run(move |store| {
            let list = list_at(store, user, &within).map_err(not_found)?;
            let tasks = store.tasks(user);
            let changes = tasks.calendar_changes(list, since)?;
            let objects = if with_data {
                let names: Vec<String> = changes
                    .changed
                    .iter()
                    .map(|entry| entry.name.clone())
                    .collect();
                tasks.objects(list, &names)?
            } else {
                Vec::new()
            };
            Ok((changes, objects))
        })
        .await;
    let (changes, objects) = match found {
        Ok(found) => found,
        Err(Error::CursorExpired) => return invalid_token(),
        Err(error) => return answer_error(error),
    };
    let mut body = String::from(answer::MULTISTATUS_START);
    for (index, entry) in changes.changed.iter().enumerate() {
        if body.len() > REPORT_MAX_BYTES {
            return dav_error(
                StatusCode::INSUFFICIENT_STORAGE,
                "d:number-of-matches-within-limits",
                "The answer would be too large: sync without calendar-data, then fetch",
            );
        }
        let href = Resource::Object(owner, calendar.clone(), entry.name.clone()).href();
        let values: Vec<(Name, Option<String>)> = match objects.get(index) {
            Some(Some(object)) => object_values(&props, object, selection),
            _ => props
                .iter()
                .map(|name| {
                    let value = name
                        .is(DAV, "getetag")
                        .then(|| answer::escape(&format!("\"{}\"", entry.version)));
                    (name.clone(), value)
                })
                .collect(),
        };
        answer::response(&mut body, &href, &values);
    }
    for name in &changes.gone {
        let href = Resource::Object(owner, calendar.clone(), name.clone()).href();
        body.push_str(&format!(
            "<d:response><d:href>{}</d:href><d:status>HTTP/1.1 404 Not Found</d:status></d:response>",
            answer::escape(&href)
        ));
    }
    body.push_str(&format!(
        "<d:sync-token>{}</d:sync-token>",
        answer::escape(&sync_token(changes.token))
    ));
    body.push_str(answer::MULTISTATUS_END);
    xml_answer(StatusCode::MULTI_STATUS, body)
}

fn invalid_token() -> Reply {
    dav_error(
        StatusCode::FORBIDDEN,
        "d:valid-sync-token",
        "This sync token is not one taskd gave, or is too old: sync again without one",
    )
}

/// Whether an object passes a query's filters (`None`: a query for
/// another component, which no task passes) and its time range.
fn passes(
    filters: Option<&[PropFilter]>,
    range: Option<&TimeRange>,
    zone: taskcore::Zone,
    ical: &str,
) -> bool {
    let Some(filters) = filters else {
        return false;
    };
    filters
        .iter()
        .all(|filter| filter.passes(&todo_values(ical, &filter.property)))
        && range.is_none_or(|range| taskcore::ical::overlaps(ical, zone, range))
}

/// The values of property `property` of the VTODO in `ical` (unfolded;
/// each of a list property's values on its own).
fn todo_values(ical: &str, property: &str) -> Vec<String> {
    let unfolded = ical.replace("\r\n ", "").replace("\r\n\t", "");
    let mut values = Vec::new();
    let mut depth_in_todo = 0usize;
    for line in unfolded.lines() {
        match line {
            "BEGIN:VTODO" => depth_in_todo = 1,
            "END:VTODO" => depth_in_todo = 0,
            _ if depth_in_todo > 0 && line.starts_with("BEGIN:") => depth_in_todo += 1,
            _ if depth_in_todo > 1 && line.starts_with("END:") => depth_in_todo -= 1,
            _ if depth_in_todo == 1 => {
                let Some((head, value)) = split_line(line) else {
                    continue;
                };
                let name = head.split(';').next().unwrap_or_default();
                if name.eq_ignore_ascii_case(property) {
                    if property == "CATEGORIES" {
                        values.extend(value.split(',').map(|item| item.replace("\\,", ",")));
                    } else {
                        values.push(value.replace("\\,", ",").replace("\\;", ";"));
                    }
                }
            }
            _ => {}
        }
    }
    values
}

/// A content line's name with its parameters, and its value: split at the
/// first colon outside a quoted parameter value.
fn split_line(line: &str) -> Option<(&str, &str)> {
    let mut quoted = false;
    for (index, character) in line.char_indices() {
        match character {
            '"' => quoted = !quoted,
            ':' if !quoted => return Some((&line[..index], &line[index + 1..])),
            _ => {}
        }
    }
    None
}

/// The properties `props` of `object` (its ETag and whole object when
/// none are named), its calendar-data cut to `selection`.
fn object_values(
    props: &[Name],
    object: &TaskObject,
    selection: Option<&Selection>,
) -> Vec<(Name, Option<String>)> {
    let props = if props.is_empty() {
        vec![
            Name {
                namespace: DAV.into(),
                local: "getetag".into(),
            },
            Name {
                namespace: CALDAV.into(),
                local: "calendar-data".into(),
            },
        ]
    } else {
        props.to_vec()
    };
    props
        .into_iter()
        .map(|name| {
            let value = if name.is(DAV, "getetag") {
                Some(answer::escape(&format!("\"{}\"", object.task.version)))
            } else if name.is(CALDAV, "calendar-data") {
                Some(answer::escape(&match selection {
                    Some(selection) => select(&object.ical, selection),
                    None => object.ical.clone(),
                }))
            } else if name.is(DAV, "getcontenttype") {
                Some("text/calendar; charset=utf-8; component=VTODO".into())
            } else {
                None
            };
            (name, value)
        })
        .collect()
}
