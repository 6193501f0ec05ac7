//! One entry of taskd's own export, read back.

use chrono::{DateTime, Utc};
use serde_json::{Map, Value, json};

use super::entry::{Entry, Read, checked, in_stored_years, list_name};
use super::history;
use crate::wire::{TaskCreate, declared_fields};

/// Reads one entry of taskd's export: a task as the API shows it, its
/// list by name, its parent by the file's id, and its history.
pub(super) fn read(entry: &Value) -> Result<Read, Value> {
    let Some(object) = entry.as_object() else {
        return Err(json!("Not a task object"));
    };
    let id = object
        .get("id")
        .and_then(Value::as_i64)
        .ok_or_else(|| json!("A task without an id"))?;
    let instant = |name: &str| -> Result<Option<DateTime<Utc>>, Value> {
        match object.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(text)) => match DateTime::parse_from_rfc3339(text) {
                Ok(time) => in_stored_years(name, time.with_timezone(&Utc)).map(Some),
                Err(_) => Err(json!(format!("{name} is not an RFC 3339 date-time"))),
            },
            Some(_) => Err(json!(format!("{name} is not an RFC 3339 date-time"))),
        }
    };
    // Every field a new task takes, as the export wrote it (read from the
    // body's derive once, not per entry).
    static FIELDS: std::sync::LazyLock<&[&str]> =
        std::sync::LazyLock::new(declared_fields::<TaskCreate>);
    // A list id is the exporting account's: the list goes by its name.
    let body: Map<String, Value> = FIELDS
        .iter()
        .filter(|name| **name != "list_id" && **name != "parent_id")
        .filter_map(|name| {
            object
                .get(*name)
                .map(|value| ((*name).to_owned(), value.clone()))
        })
        .collect();
    let task = checked(&Value::Object(body))?;
    let (history, dropped) = history::read(object, &task)?;
    Ok(Read::Task(Box::new(Entry {
        task,
        list: list_name(object, "list")?,
        parent: object
            .get("parent_id")
            .and_then(Value::as_i64)
            .map(|parent| parent.to_string()),
        key: id.to_string(),
        created_at: instant("created_at")?,
        completed_at: instant("completed_at")?,
        deleted_at: instant("deleted_at")?,
        midnight_is_all_day: false,
        dropped,
        history,
    })))
}
