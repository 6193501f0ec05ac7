//! Task bodies: a new task and a partial update.
//!
//! Priority, due and tags travel as JSON strings and lists; the checks turn
//! them into typed values (kept beside the body, never sent) so a faulty one
//! is reported with every other error of the body.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::{Body, Checks, Valid, nullable, present};
use crate::error::Result;
use crate::planning::{Priority, parse_date, parse_instant, parse_tags};
use crate::types::{Description, Invalid, Title};

/// The planning fields of a new task, as checked.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Planned {
    /// The priority.
    pub priority: Option<Priority>,
    /// The all-day due date.
    pub due_date: Option<NaiveDate>,
    /// The due instant.
    pub due_at: Option<DateTime<Utc>>,
}

/// How a patch changes when a task is due.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DueChange {
    /// Due on this day (clears `due_at`).
    Date(NaiveDate),
    /// Due at this instant (clears `due_date`).
    At(DateTime<Utc>),
    /// Clears `due_date`; `due_at` stays.
    ClearDate,
    /// Clears `due_at`; `due_date` stays.
    ClearAt,
    /// Clears both.
    ClearBoth,
}

/// How a patch changes the tags.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TagChange {
    /// Replaces the set.
    Replace(Vec<String>),
    /// Adds and removes these (normalised), leaving the others.
    Delta {
        /// Tags to add.
        add: Vec<String>,
        /// Tags to remove.
        remove: Vec<String>,
    },
}

/// The planning changes of a patch, as checked.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PlannedChange {
    /// A new priority (`Some(None)` clears it).
    pub priority: Option<Option<Priority>>,
    /// A change of due.
    pub due: Option<DueChange>,
    /// A change of tags.
    pub tags: Option<TagChange>,
}

/// Schema of a tag in the OpenAPI document: format `tag`.
#[cfg(feature = "openapi")]
#[derive(Debug, utoipa::ToSchema)]
#[schema(format = "tag", example = "home")]
#[allow(dead_code)] // Describes a string; never built.
pub struct Tag(String);

const PRIORITY_PATTERN: &str = "Input should be 'low', 'medium' or 'high'";

/// Wire type: body of `POST /tasks`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TaskCreate {
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
    /// The planning fields as checked; filled by the checks, never sent.
    #[serde(skip)]
    #[cfg_attr(feature = "openapi", schema(ignore))]
    pub planned: Planned,
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
    /// The planning changes as checked; filled by the checks, never sent.
    #[serde(skip)]
    #[cfg_attr(feature = "openapi", schema(ignore))]
    pub planned: PlannedChange,
}

impl Body for TaskCreate {
    fn check(mut self, checks: &mut Checks) -> Self {
        if let Some(title) = checks.field("title", Title::parse(&self.title)) {
            self.title = title.into_string();
        }
        if let Some(description) = &self.description {
            checks.field("description", Description::parse(description));
        }
        if let Some(priority) = &self.priority {
            self.planned.priority = checks.field("priority", parse_priority(priority));
        }
        if let Some(day) = &self.due_date {
            self.planned.due_date = checks.field("due_date", parse_date(day));
        }
        if let Some(instant) = &self.due_at {
            self.planned.due_at = checks.field("due_at", parse_instant(instant));
        }
        if self.due_date.is_some() && self.due_at.is_some() {
            checks.field("", Err::<(), _>(both_dues()));
        }
        if let Some(tags) = checks.field("tags", parse_tags(&self.tags)) {
            self.tags = tags;
        }
        self
    }
}

fn parse_priority(text: &str) -> Result<Priority, Invalid> {
    // Exact names only: the schema lists them.
    match text {
        "low" | "medium" | "high" => Priority::parse(text),
        _ => Err(Invalid::new("enum", PRIORITY_PATTERN)),
    }
}

fn both_dues() -> Invalid {
    Invalid::new(
        "value_error",
        "Set at most one of due_date and due_at: a task is due on a day or at an instant",
    )
}

impl Valid<TaskCreate> {
    /// A task with this title, no description, not completed.
    pub fn new(title: &str) -> Result<Self> {
        TaskCreate {
            title: title.to_owned(),
            ..TaskCreate::default()
        }
        .validate()
    }
}

impl Body for TaskUpdate {
    fn check(mut self, checks: &mut Checks) -> Self {
        if let Some(title) = &self.title
            && let Some(title) = checks.field("title", Title::parse(title))
        {
            self.title = Some(title.into_string());
        }
        if let Some(Some(description)) = &self.description {
            checks.field("description", Description::parse(description));
        }
        match &self.priority {
            Some(Some(priority)) => {
                if let Some(priority) = checks.field("priority", parse_priority(priority)) {
                    self.planned.priority = Some(Some(priority));
                }
            }
            Some(None) => self.planned.priority = Some(None),
            None => {}
        }
        let day = match &self.due_date {
            Some(Some(day)) => checks.field("due_date", parse_date(day)).map(Some),
            Some(None) => Some(None),
            None => None,
        };
        let instant = match &self.due_at {
            Some(Some(instant)) => checks.field("due_at", parse_instant(instant)).map(Some),
            Some(None) => Some(None),
            None => None,
        };
        self.planned.due = match (day, instant) {
            (Some(Some(_)), Some(Some(_))) => {
                checks.field("", Err::<(), _>(both_dues()));
                None
            }
            (Some(Some(day)), _) => Some(DueChange::Date(day)),
            (_, Some(Some(instant))) => Some(DueChange::At(instant)),
            (Some(None), Some(None)) => Some(DueChange::ClearBoth),
            (Some(None), None) => Some(DueChange::ClearDate),
            (None, Some(None)) => Some(DueChange::ClearAt),
            (None, None) => None,
        };
        if self.tags.is_some() && (self.add_tags.is_some() || self.remove_tags.is_some()) {
            checks.field(
                "",
                Err::<(), _>(Invalid::new(
                    "value_error",
                    "Send either tags (the whole set) or add_tags and remove_tags (changes), not both",
                )),
            );
        } else if let Some(tags) = &self.tags {
            if let Some(tags) = checks.field("tags", parse_tags(tags)) {
                self.planned.tags = Some(TagChange::Replace(tags.clone()));
                self.tags = Some(tags);
            }
        } else if self.add_tags.is_some() || self.remove_tags.is_some() {
            let add = self.add_tags.as_deref().unwrap_or_default();
            let remove = self.remove_tags.as_deref().unwrap_or_default();
            let add = checks.field("add_tags", parse_tags(add));
            let remove = checks.field("remove_tags", parse_tags(remove));
            if let (Some(add), Some(remove)) = (add, remove) {
                if let Some(both) = add.iter().find(|tag| remove.contains(tag)) {
                    checks.field(
                        "",
                        Err::<(), _>(Invalid::new(
                            "value_error",
                            format!("'{both}' is both added and removed"),
                        )),
                    );
                } else {
                    self.planned.tags = Some(TagChange::Delta { add, remove });
                }
            }
        }
        self
    }
}

impl TaskUpdate {
    /// True when the update would change nothing.
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }
}
