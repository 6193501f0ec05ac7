//! Task bodies: a new task and a partial update, as clients send them.
//!
//! Priority, due and tags travel as JSON strings and lists; the checks turn
//! a body into the model's [`NewTask`] or [`TaskPatch`], reporting a faulty
//! field with every other error of the body.

use serde::{Deserialize, Serialize};

use super::body::{Body, Checks, nullable, nullable_whole, present, present_whole, whole};
use super::repeating::{ReminderBody, check_reminders, check_repeat, check_repeat_from, needs_due};
use crate::model::{Due, DueChange, NewTask, TagChange, Task, TaskPatch};
use crate::planning::{Priority, parse_date, parse_instant, parse_tags};
use crate::types::{Description, Invalid, ListId, TaskId, Title, Uid};

/// Schema of a tag in the OpenAPI document: format `tag`.
#[cfg(feature = "openapi")]
#[derive(Debug, utoipa::ToSchema)]
#[schema(format = "tag", example = "home", min_length = 1)]
#[allow(dead_code)] // Describes a string; never built.
pub struct Tag(String);

/// Wire type: body of `POST /tasks`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TaskCreate {
    /// The task's UID (its identity in iCalendar and CalDAV): 1 to 255
    /// characters, no control characters, unique among your tasks (409 when
    /// another has it). Absent: a UUID is made.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(
        feature = "openapi",
        schema(
            min_length = 1,
            max_length = 255,
            pattern = "^[^\\u0000-\\u001F\\u007F-\\u009F]+$"
        )
    )]
    pub uid: Option<String>,
    /// Title: at most 255 characters, at least one of them not white space
    /// (Unicode White_Space, as the pattern lists), no NUL; stored trimmed.
    #[cfg_attr(
        feature = "openapi",
        schema(
            example = "Buy milk",
            min_length = 1,
            max_length = 255,
            pattern = "^[^\\u0000]*[^\\u0000\\t\\n\\u000B\\u000C\\r \\u0085\\u00A0\\u1680\\u2000-\\u200A\\u2028\\u2029\\u202F\\u205F\\u3000][^\\u0000]*$"
        )
    )]
    pub title: String,
    /// Optional description, at most 2,000 characters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(
        feature = "openapi",
        schema(max_length = 2000, pattern = "^[^\\u0000]*$")
    )]
    pub description: Option<String>,
    /// Whether the task starts out done; default false.
    #[serde(default)]
    pub completed: bool,
    /// `low`, `medium`, `high`, or `null` (the default) for none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Priority>))]
    pub priority: Option<String>,
    /// An all-day due date, `YYYY-MM-DD` (years 0002 to 9998), a day in your
    /// time zone. (The pattern spells out the calendar, leap years included.)
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = Date, pattern = "^(?:(?:000[2-9]|00[1-9][0-9]|0[1-9][0-9]{2}|[1-8][0-9]{3}|9[0-8][0-9]{2}|99[0-8][0-9]|999[0-8])-(?:(?:0[13578]|1[02])-(?:0[1-9]|[12][0-9]|3[01])|(?:0[469]|11)-(?:0[1-9]|[12][0-9]|30)|02-(?:0[1-9]|1[0-9]|2[0-8]))|(?:[0-9]{2}(?:0[48]|[2468][048]|[13579][26])|(?:0[48]|[2468][048]|[13579][26])00)-02-29)$", example = "2025-01-31"))]
    pub due_date: Option<String>,
    /// A due instant, RFC 3339 with an offset; stored and returned in UTC.
    /// At most one of `due_date` and `due_at` may be set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = DateTime, pattern = "^(?:(?:000[2-9]|00[1-9][0-9]|0[1-9][0-9]{2}|[1-8][0-9]{3}|9[0-8][0-9]{2}|99[0-8][0-9]|999[0-8])-(?:(?:0[13578]|1[02])-(?:0[1-9]|[12][0-9]|3[01])|(?:0[469]|11)-(?:0[1-9]|[12][0-9]|30)|02-(?:0[1-9]|1[0-9]|2[0-8]))|(?:[0-9]{2}(?:0[48]|[2468][048]|[13579][26])|(?:0[48]|[2468][048]|[13579][26])00)-02-29)T(?:[01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](?:\\.[0-9]{1,9})?(?:Z|[+-](?:[01][0-9]|2[0-3]):[0-5][0-9])$"))]
    pub due_at: Option<String>,
    /// Tags: each 1 to 64 letters (any script), digits or `-_.:/` once
    /// trimmed, stored lower-cased; no repeats (ignoring case); at most 32.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<Tag>, max_items = 32, example = json!(["home", "money"])))]
    pub tags: Vec<String>,
    /// The list to put it in, one of yours; absent or `null`: your default list.
    #[serde(
        default,
        deserialize_with = "whole",
        skip_serializing_if = "Option::is_none"
    )]
    #[cfg_attr(feature = "openapi", schema(minimum = 1))]
    pub list_id: Option<i64>,
    /// The task to make it a subtask of: one of yours, live, at most four
    /// levels deep; the subtask goes in its parent's list.
    #[serde(
        default,
        deserialize_with = "whole",
        skip_serializing_if = "Option::is_none"
    )]
    #[cfg_attr(feature = "openapi", schema(minimum = 1))]
    pub parent_id: Option<i64>,
    /// How the task repeats (it needs a due): an RFC 5545 RRULE value with
    /// `FREQ` (DAILY, WEEKLY, MONTHLY, YEARLY), and optionally `INTERVAL`
    /// (1–999), `BYDAY`, `BYMONTHDAY`, `BYMONTH`, and one of `COUNT` or
    /// `UNTIL`; returned in normal form.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(
        feature = "openapi",
        schema(max_length = 300, example = "FREQ=WEEKLY;BYDAY=MO")
    )]
    pub repeat: Option<String>,
    /// Where the next occurrence counts from: `due` (the default) or
    /// `completion`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<crate::repeat::RepeatFrom>))]
    pub repeat_from: Option<String>,
    /// Reminders, at most 10 once duplicates are dropped.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[cfg_attr(feature = "openapi", schema(max_items = 10))]
    pub reminders: Vec<ReminderBody>,
}

/// Wire type: body of `PATCH /tasks/{id}`; only the fields present change.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TaskUpdate {
    /// New title; trimmed, 1 to 255 characters; `null` is refused.
    #[serde(
        default,
        deserialize_with = "present",
        skip_serializing_if = "Option::is_none"
    )]
    #[cfg_attr(feature = "openapi", schema(value_type = String, min_length = 1, max_length = 255, pattern = "^[^\\u0000]*[^\\u0000\\t\\n\\u000B\\u000C\\r \\u0085\\u00A0\\u1680\\u2000-\\u200A\\u2028\\u2029\\u202F\\u205F\\u3000][^\\u0000]*$"))]
    pub title: Option<String>,
    /// New description; `null` clears it.
    #[serde(
        default,
        deserialize_with = "nullable",
        skip_serializing_if = "Option::is_none"
    )]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, max_length = 2000, pattern = "^[^\\u0000]*$"))]
    pub description: Option<Option<String>>,
    /// New completion state; `null` is refused.
    #[serde(
        default,
        deserialize_with = "present",
        skip_serializing_if = "Option::is_none"
    )]
    #[cfg_attr(feature = "openapi", schema(value_type = bool))]
    pub completed: Option<bool>,
    /// New priority: `low`, `medium`, `high`; `null` clears it.
    #[serde(
        default,
        deserialize_with = "nullable",
        skip_serializing_if = "Option::is_none"
    )]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Priority>))]
    pub priority: Option<Option<String>>,
    /// New all-day due date (clears `due_at`); `null` clears it.
    #[serde(
        default,
        deserialize_with = "nullable",
        skip_serializing_if = "Option::is_none"
    )]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = Date, pattern = "^(?:(?:000[2-9]|00[1-9][0-9]|0[1-9][0-9]{2}|[1-8][0-9]{3}|9[0-8][0-9]{2}|99[0-8][0-9]|999[0-8])-(?:(?:0[13578]|1[02])-(?:0[1-9]|[12][0-9]|3[01])|(?:0[469]|11)-(?:0[1-9]|[12][0-9]|30)|02-(?:0[1-9]|1[0-9]|2[0-8]))|(?:[0-9]{2}(?:0[48]|[2468][048]|[13579][26])|(?:0[48]|[2468][048]|[13579][26])00)-02-29)$"))]
    pub due_date: Option<Option<String>>,
    /// New due instant (clears `due_date`); `null` clears it.
    #[serde(
        default,
        deserialize_with = "nullable",
        skip_serializing_if = "Option::is_none"
    )]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = DateTime, pattern = "^(?:(?:000[2-9]|00[1-9][0-9]|0[1-9][0-9]{2}|[1-8][0-9]{3}|9[0-8][0-9]{2}|99[0-8][0-9]|999[0-8])-(?:(?:0[13578]|1[02])-(?:0[1-9]|[12][0-9]|3[01])|(?:0[469]|11)-(?:0[1-9]|[12][0-9]|30)|02-(?:0[1-9]|1[0-9]|2[0-8]))|(?:[0-9]{2}(?:0[48]|[2468][048]|[13579][26])|(?:0[48]|[2468][048]|[13579][26])00)-02-29)T(?:[01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](?:\\.[0-9]{1,9})?(?:Z|[+-](?:[01][0-9]|2[0-3]):[0-5][0-9])$"))]
    pub due_at: Option<Option<String>>,
    /// Replaces the tags; not with `add_tags` or `remove_tags`.
    #[serde(
        default,
        deserialize_with = "present",
        skip_serializing_if = "Option::is_none"
    )]
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<Tag>, max_items = 32))]
    pub tags: Option<Vec<String>>,
    /// Tags to add to those the task has (at the time of the change: two
    /// clients adding different tags both win).
    #[serde(
        default,
        deserialize_with = "present",
        skip_serializing_if = "Option::is_none"
    )]
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<Tag>, max_items = 32))]
    pub add_tags: Option<Vec<String>>,
    /// Tags to remove; one the task does not have is ignored.
    #[serde(
        default,
        deserialize_with = "present",
        skip_serializing_if = "Option::is_none"
    )]
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<Tag>, max_items = 32))]
    pub remove_tags: Option<Vec<String>>,
    /// Another of your lists to move the task to; `null` is refused.
    #[serde(
        default,
        deserialize_with = "present_whole",
        skip_serializing_if = "Option::is_none"
    )]
    #[cfg_attr(feature = "openapi", schema(value_type = i64, minimum = 1))]
    pub list_id: Option<i64>,
    /// A new parent (the task and its subtasks move to its list); `null`
    /// makes it a top-level task.
    #[serde(
        default,
        deserialize_with = "nullable_whole",
        skip_serializing_if = "Option::is_none"
    )]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<i64>, minimum = 1))]
    pub parent_id: Option<Option<i64>>,
    /// A new repeat rule (the task needs a due); `null`: it no longer
    /// repeats. Setting it (or the due) starts the series at the due.
    #[serde(
        default,
        deserialize_with = "nullable",
        skip_serializing_if = "Option::is_none"
    )]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, max_length = 300))]
    pub repeat: Option<Option<String>>,
    /// `due` or `completion`; `null` is refused.
    #[serde(
        default,
        deserialize_with = "present",
        skip_serializing_if = "Option::is_none"
    )]
    #[cfg_attr(feature = "openapi", schema(value_type = crate::repeat::RepeatFrom))]
    pub repeat_from: Option<String>,
    /// Replaces the reminders; `[]` removes them all, `null` is refused.
    #[serde(
        default,
        deserialize_with = "present",
        skip_serializing_if = "Option::is_none"
    )]
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<ReminderBody>, max_items = 10))]
    pub reminders: Option<Vec<ReminderBody>>,
}

impl Body for TaskCreate {
    type Checked = NewTask;

    fn check(self, checks: &mut Checks) -> Option<NewTask> {
        let Self {
            uid,
            title,
            description,
            completed,
            priority,
            due_date,
            due_at,
            tags,
            list_id,
            parent_id,
            repeat,
            repeat_from,
            reminders,
        } = self;
        let uid = match uid {
            Some(uid) => checks.field("uid", Uid::parse(&uid)).map(Some),
            None => Some(None),
        };
        let title = checks.field("title", Title::parse(&title));
        let has_due = due_date.is_some() || due_at.is_some();
        let repeat = match repeat {
            Some(rule) => check_repeat(checks, &rule).map(Some),
            None => Some(None),
        };
        if matches!(repeat, Some(Some(_))) && !has_due {
            checks.field("repeat", Err::<(), _>(needs_due("A repeating task")));
        }
        let repeat_from = match repeat_from {
            Some(from) => check_repeat_from(checks, &from),
            None => Some(crate::repeat::RepeatFrom::Due),
        };
        let reminders = check_reminders(checks, &reminders);
        if !has_due
            && reminders
                .iter()
                .flatten()
                .any(|reminder| reminder.is_relative())
        {
            checks.field(
                "reminders",
                Err::<(), _>(needs_due("A reminder before the due")),
            );
        }
        let parent = match parent_id {
            Some(id) => checks.field("parent_id", task_id_of(id)).map(Some),
            None => Some(None),
        };
        let list = match list_id {
            Some(id) => checks.field("list_id", list_id_of(id)).map(Some),
            None => Some(None),
        };
        let description = match description {
            Some(text) => checks
                .field("description", Description::parse(&text))
                .map(Some),
            None => Some(None),
        };
        let priority = match priority {
            Some(name) => checks.field("priority", Priority::parse(&name)).map(Some),
            None => Some(None),
        };
        // Both sent is refused whether or not each reads as a date.
        let both = due_date.is_some() && due_at.is_some();
        let day = match due_date {
            Some(day) => checks.field("due_date", parse_date(&day)).map(Some),
            None => Some(None),
        };
        let instant = match due_at {
            Some(instant) => checks.field("due_at", parse_instant(&instant)).map(Some),
            None => Some(None),
        };
        if both {
            checks.field("", Err::<(), _>(both_dues()));
        }
        let due = match (day, instant) {
            _ if both => None,
            (Some(Some(day)), Some(None)) => Some(Some(Due::Date(day))),
            (Some(None), Some(Some(instant))) => Some(Some(Due::At(instant))),
            (Some(None), Some(None)) => Some(None),
            // One of them was refused.
            _ => None,
        };
        let tags = checks.field("tags", parse_tags(&tags));
        Some(NewTask {
            uid: uid?,
            title: title?,
            description: description?,
            completed,
            priority: priority?,
            due: due?,
            tags: tags?,
            list: list?,
            parent: parent?,
            repeat: repeat?,
            repeat_from: repeat_from?,
            reminders: reminders?,
        })
    }
}

/// A list id as a body names it: positive (whether the list is one of the
/// owner's is for storage to say, at the same field).
fn list_id_of(id: i64) -> Result<ListId, Invalid> {
    if id >= 1 {
        Ok(ListId(id))
    } else {
        Err(Invalid::new("greater_than_equal", "A list id is 1 or more"))
    }
}

/// A task id as a body names it: positive (whether the task can be the
/// parent is for storage to say, at the same field).
fn task_id_of(id: i64) -> Result<TaskId, Invalid> {
    if id >= 1 {
        Ok(TaskId(id))
    } else {
        Err(Invalid::new("greater_than_equal", "A task id is 1 or more"))
    }
}

fn both_dues() -> Invalid {
    Invalid::new(
        "value_error",
        "Set at most one of due_date and due_at: a task is due on a day or at an instant",
    )
}

impl Body for TaskUpdate {
    type Checked = TaskPatch;

    fn check(self, checks: &mut Checks) -> Option<TaskPatch> {
        let Self {
            title,
            description,
            completed,
            priority,
            due_date,
            due_at,
            tags,
            add_tags,
            remove_tags,
            list_id,
            parent_id,
            repeat,
            repeat_from,
            reminders,
        } = self;
        let repeat = match repeat {
            Some(Some(rule)) => check_repeat(checks, &rule).map(|rule| Some(Some(rule))),
            Some(None) => Some(Some(None)),
            None => Some(None),
        };
        let repeat_from = match repeat_from {
            Some(from) => check_repeat_from(checks, &from).map(Some),
            None => Some(None),
        };
        let reminders = match reminders {
            Some(bodies) => check_reminders(checks, &bodies).map(Some),
            None => Some(None),
        };
        let parent = match parent_id {
            Some(Some(id)) => checks
                .field("parent_id", task_id_of(id))
                .map(|id| Some(Some(id))),
            Some(None) => Some(Some(None)),
            None => Some(None),
        };
        let list = match list_id {
            Some(id) => checks.field("list_id", list_id_of(id)).map(Some),
            None => Some(None),
        };
        let title = match title {
            Some(title) => checks.field("title", Title::parse(&title)).map(Some),
            None => Some(None),
        };
        let description = match description {
            Some(Some(text)) => checks
                .field("description", Description::parse(&text))
                .map(|text| Some(Some(text))),
            Some(None) => Some(Some(None)),
            None => Some(None),
        };
        let priority = match priority {
            Some(Some(name)) => checks
                .field("priority", Priority::parse(&name))
                .map(|priority| Some(Some(priority))),
            Some(None) => Some(Some(None)),
            None => Some(None),
        };
        let day = match &due_date {
            Some(Some(day)) => checks.field("due_date", parse_date(day)).map(Some),
            Some(None) => Some(None),
            None => None,
        };
        let instant = match &due_at {
            Some(Some(instant)) => checks.field("due_at", parse_instant(instant)).map(Some),
            Some(None) => Some(None),
            None => None,
        };
        // A refused day or instant reads as absent below; it was reported.
        let mut failed = matches!(due_date, Some(Some(_))) && day.is_none()
            || matches!(due_at, Some(Some(_))) && instant.is_none();
        let due = match (day, instant) {
            (Some(Some(_)), Some(Some(_))) => {
                checks.field("", Err::<(), _>(both_dues()));
                failed = true;
                None
            }
            (Some(Some(day)), _) => Some(DueChange::Date(day)),
            (_, Some(Some(instant))) => Some(DueChange::At(instant)),
            (Some(None), Some(None)) => Some(DueChange::ClearBoth),
            (Some(None), None) => Some(DueChange::ClearDate),
            (None, Some(None)) => Some(DueChange::ClearAt),
            (None, None) => None,
        };
        let tags = check_tags(checks, tags, add_tags, remove_tags);
        if failed {
            return None;
        }
        Some(TaskPatch {
            title: title?,
            description: description?,
            completed,
            priority: priority?,
            due,
            tags: tags?,
            list: list?,
            parent: parent?,
            repeat: repeat?,
            repeat_from: repeat_from?,
            reminders: reminders?,
        })
    }
}

/// The tag change of a patch: the whole set, or additions and removals.
fn check_tags(
    checks: &mut Checks,
    tags: Option<Vec<String>>,
    add_tags: Option<Vec<String>>,
    remove_tags: Option<Vec<String>>,
) -> Option<Option<TagChange>> {
    match (tags, add_tags, remove_tags) {
        (Some(_), Some(_), _) | (Some(_), _, Some(_)) => {
            checks.field(
                "",
                Err::<(), _>(Invalid::new(
                    "value_error",
                    "Send either tags (the whole set) or add_tags and remove_tags (changes), not both",
                )),
            );
            None
        }
        (Some(tags), None, None) => checks
            .field("tags", parse_tags(&tags))
            .map(|tags| Some(TagChange::Replace(tags))),
        (None, None, None) => Some(None),
        (None, add, remove) => {
            let add = checks.field("add_tags", parse_tags(add.as_deref().unwrap_or_default()));
            let remove = checks.field(
                "remove_tags",
                parse_tags(remove.as_deref().unwrap_or_default()),
            );
            let (add, remove) = (add?, remove?);
            if let Some(both) = add.iter().find(|tag| remove.contains(tag)) {
                checks.field(
                    "",
                    Err::<(), _>(Invalid::new(
                        "value_error",
                        format!("'{both}' is both added and removed"),
                    )),
                );
                return None;
            }
            Some(Some(TagChange::Delta { add, remove }))
        }
    }
}

impl TaskUpdate {
    /// True when the update would change nothing.
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }

    /// The body that puts a task back as `task` has it: every field a
    /// client writes, and nothing else.
    pub fn restoring(task: &Task) -> Self {
        let Task {
            id: _,
            // Given once, at creation: a change never carries it.
            uid: _,
            owner_id: _,
            created_at: _,
            updated_at: _,
            version: _,
            completed_at: _,
            list_id,
            parent_id,
            title,
            description,
            completed,
            priority,
            due_date,
            due_at,
            tags,
            repeat,
            repeat_from,
            reminders,
        } = task;
        let (due_date, due_at) = match (due_date, due_at) {
            (Some(day), _) => (Some(Some(day.to_string())), None),
            (None, Some(instant)) => (None, Some(Some(instant.to_rfc3339()))),
            (None, None) => (Some(None), Some(None)),
        };
        Self {
            title: Some(title.clone()),
            description: Some(description.clone()),
            completed: Some(*completed),
            priority: Some(priority.map(|priority| priority.as_str().to_owned())),
            due_date,
            due_at,
            tags: Some(tags.clone()),
            add_tags: None,
            remove_tags: None,
            // A task read from a server before lists has none to go back to.
            list_id: (list_id.0 > 0).then_some(list_id.0),
            parent_id: Some(parent_id.map(|parent| parent.0)),
            repeat: Some(repeat.as_ref().map(ToString::to_string)),
            repeat_from: Some(repeat_from.as_str().to_owned()),
            reminders: Some(reminders.iter().map(ReminderBody::from).collect()),
        }
    }
}
