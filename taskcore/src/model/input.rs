//! What storage takes: a new task, a change to one, a new account and a
//! password change, every field checked and typed. The wire bodies
//! (`crate::wire`) are read into these; Rust programs can build them too.
//!
//! Code that must handle every field of a task destructures these types
//! (and [`Task`]) without `..`, so a new field is a compile error there
//! rather than a silent drop.

use std::fmt;

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;

use super::records::Task;
use crate::planning::{Priority, Zone};
use crate::types::{Description, Email, ListId, Password, TaskId, Title};

/// When a task is due: on a calendar day (all day, in the owner's zone) or
/// at an instant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Due {
    /// All day on this day, in the owner's time zone.
    Date(NaiveDate),
    /// At this instant.
    At(DateTime<Utc>),
}

impl Due {
    /// The day, if due on one.
    pub fn date(self) -> Option<NaiveDate> {
        match self {
            Self::Date(day) => Some(day),
            Self::At(_) => None,
        }
    }

    /// The instant, if due at one.
    pub fn at(self) -> Option<DateTime<Utc>> {
        match self {
            Self::At(instant) => Some(instant),
            Self::Date(_) => None,
        }
    }
}

/// A task to create, checked: every value it holds passed its rules.
///
/// Made by [`NewTask::new`] or [`NewTask::builder`], or by checking a
/// [`TaskCreate`](crate::TaskCreate) body. The fields are read through methods of the same names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewTask {
    /// The title, trimmed.
    pub(crate) title: Title,
    /// The description, as written.
    pub(crate) description: Option<Description>,
    /// Whether it starts out done.
    pub(crate) completed: bool,
    /// How important it is.
    pub(crate) priority: Option<Priority>,
    /// When it is due.
    pub(crate) due: Option<Due>,
    /// Its tags, normalised and sorted, as [`crate::planning::parse_tags`]
    /// returns them.
    pub(crate) tags: Vec<String>,
    /// The list it goes in; `None`: the owner's default list.
    pub(crate) list: Option<ListId>,
    /// The task it is a subtask of.
    pub(crate) parent: Option<TaskId>,
}

impl NewTask {
    /// The task as one line of JSON, the same for the same task however its
    /// body was spelled (a due instant in UTC, written `+00:00` as taskctl
    /// sends it): what an idempotency key remembers of the request that
    /// used it.
    pub fn fingerprint(&self) -> String {
        #[derive(Serialize)]
        struct Shape<'a> {
            title: &'a str,
            #[serde(skip_serializing_if = "Option::is_none")]
            description: Option<&'a str>,
            completed: bool,
            #[serde(skip_serializing_if = "Option::is_none")]
            priority: Option<Priority>,
            #[serde(skip_serializing_if = "Option::is_none")]
            due_date: Option<NaiveDate>,
            #[serde(skip_serializing_if = "Option::is_none")]
            due_at: Option<String>,
            #[serde(skip_serializing_if = "<[String]>::is_empty")]
            tags: &'a [String],
            #[serde(skip_serializing_if = "Option::is_none")]
            list_id: Option<ListId>,
            #[serde(skip_serializing_if = "Option::is_none")]
            parent_id: Option<TaskId>,
        }
        let Self {
            title,
            description,
            completed,
            priority,
            due,
            tags,
            list,
            parent,
        } = self;
        let shape = Shape {
            title: title.as_str(),
            description: description.as_ref().map(Description::as_str),
            completed: *completed,
            priority: *priority,
            due_date: due.and_then(Due::date),
            due_at: due.and_then(Due::at).map(|instant| instant.to_rfc3339()),
            tags,
            list_id: *list,
            parent_id: *parent,
        };
        serde_json::to_string(&shape).unwrap_or_default()
    }
}

/// How a change moves when a task is due.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
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

/// How a change changes the tags.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum TagChange {
    /// Replaces the set (normalised and sorted).
    Replace(Vec<String>),
    /// Adds and removes these (normalised), leaving the others: two clients
    /// adding different tags both win.
    Delta {
        /// Tags to add.
        add: Vec<String>,
        /// Tags to remove.
        remove: Vec<String>,
    },
}

/// A change to a task, checked; what it leaves `None` stays as it is.
///
/// Made by [`TaskPatch::builder`], or by checking a
/// [`TaskUpdate`](crate::TaskUpdate) body. The fields are read through
/// methods of the same names.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TaskPatch {
    /// A new title, trimmed.
    pub(crate) title: Option<Title>,
    /// A new description (`Some(None)` clears it).
    pub(crate) description: Option<Option<Description>>,
    /// A new completion state.
    pub(crate) completed: Option<bool>,
    /// A new priority (`Some(None)` clears it).
    pub(crate) priority: Option<Option<Priority>>,
    /// A change of when the task is due.
    pub(crate) due: Option<DueChange>,
    /// A change of tags.
    pub(crate) tags: Option<TagChange>,
    /// Another of the owner's lists to move the task to.
    pub(crate) list: Option<ListId>,
    /// A new parent (`Some(None)`: top level).
    pub(crate) parent: Option<Option<TaskId>>,
}

impl TaskPatch {
    /// True when the patch would change nothing.
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }

    /// `task` as it is once the patch is applied, as far as the patch
    /// decides it (the server also sets the times and the version).
    pub fn applied_to(&self, task: &Task) -> Task {
        let Self {
            title,
            description,
            completed,
            priority,
            due,
            tags,
            list,
            parent,
        } = self;
        let mut task = task.clone();
        if let Some(list) = list {
            task.list_id = *list;
        }
        if let Some(parent) = parent {
            task.parent_id = *parent;
        }
        if let Some(title) = title {
            task.title = title.as_str().to_owned();
        }
        if let Some(description) = description {
            task.description = description.as_ref().map(|text| text.as_str().to_owned());
        }
        if let Some(completed) = completed {
            task.completed = *completed;
            // Reopened: no completion time, as the server stores it.
            if !*completed {
                task.completed_at = None;
            }
        }
        if let Some(priority) = priority {
            task.priority = *priority;
        }
        match due {
            Some(DueChange::Date(day)) => (task.due_date, task.due_at) = (Some(*day), None),
            Some(DueChange::At(instant)) => (task.due_date, task.due_at) = (None, Some(*instant)),
            Some(DueChange::ClearDate) => task.due_date = None,
            Some(DueChange::ClearAt) => task.due_at = None,
            Some(DueChange::ClearBoth) => (task.due_date, task.due_at) = (None, None),
            None => {}
        }
        match tags {
            Some(TagChange::Replace(tags)) => task.tags.clone_from(tags),
            Some(TagChange::Delta { add, remove }) => {
                task.tags.extend(add.iter().cloned());
                task.tags.retain(|tag| !remove.contains(tag));
                task.tags.sort();
                task.tags.dedup();
            }
            None => {}
        }
        task
    }
}

/// An account to create, checked.
#[derive(Debug, Clone)]
pub struct NewUser {
    /// The email address, normalised.
    pub email: Email,
    /// The password.
    pub password: Password,
    /// The time zone due dates are evaluated in.
    pub zone: Zone,
}

/// A password change, checked: the new password is acceptable; the current
/// one is checked against the account by the store.
#[derive(Clone)]
pub struct PasswordChange {
    /// The password the account has now, as typed (no rules apply: a wrong
    /// one is refused when checked against the account).
    pub current_password: String,
    /// The new password.
    pub new_password: Password,
}

impl fmt::Debug for PasswordChange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PasswordChange")
            .field("current_password", &"<redacted>")
            .field("new_password", &self.new_password)
            .finish()
    }
}
