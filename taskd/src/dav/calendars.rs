//! A calendar itself: PROPPATCH renames, recolours or reorders its list;
//! DELETE deletes the list, its tasks going to the trash (the default list
//! cannot be deleted, as over the API).

use serde_json::{Map, Value};
use taskcore::model::Expect;
use taskcore::wire::{Body, ListUpdate};
use taskcore::{AsyncStore, Error, ListId};
use warp::http::StatusCode;
use warp::reply::Response as Reply;

use super::answer;
use super::xml::{self, APPLE, DAV, Name};
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
                // Apple writes #RRGGBBAA; a list's colour is #RRGGBB.
                let text = text.trim();
                let color = if text.len() == 9 { &text[..7] } else { text };
                body.insert("color".into(), Value::String(color.to_owned()));
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

pub(super) async fn proppatch(request: &Request<'_>, list: ListId, href: &str) -> Reply {
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
    let changed = AsyncStore::new(request.state.store.clone())
        .write(move |store| {
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

pub(super) async fn delete(request: &Request<'_>, list: ListId) -> Reply {
    let user = request.user.id;
    let deleted = AsyncStore::new(request.state.store.clone())
        .write(move |store| store.lists(user).delete_expecting(list, &Expect::Any, true))
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
