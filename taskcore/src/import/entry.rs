//! One entry of an import document as read, whichever tool wrote it, and
//! the checks every reader shares.

use chrono::{DateTime, Datelike, Utc};
use serde_json::{Map, Value, json};

use crate::error::Error;
use crate::model::NewTask;
use crate::wire::{Body, TaskCreate};

/// An entry read: the task, its key in the file and its times.
pub(super) struct Entry {
    pub task: NewTask,
    /// The list's name (taskd's `list`, Taskwarrior's `project`).
    pub list: Option<String>,
    /// The file's key of the task it is a subtask of.
    pub parent: Option<String>,
    pub key: String,
    pub created_at: Option<DateTime<Utc>>,
    pub completed_at: Option<DateTime<Utc>>,
    pub deleted_at: Option<DateTime<Utc>>,
    /// Whether a due instant at midnight in the owner's zone is an all-day
    /// due (Taskwarrior writes all-day dues so).
    pub midnight_is_all_day: bool,
    /// The entry's fields taskd has no place for, by name.
    pub dropped: Vec<String>,
    /// What taskd's export kept of its history.
    pub history: super::history::History,
}

/// What reading one entry gave.
pub(super) enum Read {
    /// A task to import.
    Task(Box<Entry>),
    /// A Taskwarrior occurrence of a recurring task imported as one
    /// repeating task: left out.
    Occurrence,
    /// A Taskwarrior recurring template whose `recur` maps onto no rule:
    /// left out (its occurrences come in as tasks), its `recur` reported.
    UnmappedTemplate,
}

/// The checked task of a body, or its field errors.
pub(super) fn checked(body: &Value) -> Result<NewTask, Value> {
    TaskCreate::from_json(body).map_err(|error| match error {
        Error::Validation(errors) => json!(errors.errors()),
        other => json!(other.to_string()),
    })
}

/// The list an entry names under `field`, checked as a list name is; a
/// name no list could have (empty, too long) leaves the task in the
/// default list rather than refusing it.
pub(super) fn list_name(object: &Map<String, Value>, field: &str) -> Result<Option<String>, Value> {
    match object.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(name)) => Ok(crate::model::parse_list_name(name).ok()),
        Some(_) => Err(json!(format!("{field} is not a string"))),
    }
}

/// An instant of the years every backend stores and every cursor reads
/// back (0002 to 9998), or why not.
pub(super) fn in_stored_years(name: &str, time: DateTime<Utc>) -> Result<DateTime<Utc>, Value> {
    if crate::planning::YEARS.contains(&time.year()) {
        Ok(time)
    } else {
        Err(json!(format!("{name} is outside the years 0002 to 9998")))
    }
}
