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

pub use super::due::Due;
use super::records::Task;
use super::reminders::Reminder;
use crate::planning::{Priority, Zone};
use crate::repeat::{RepeatFrom, RepeatRule};
use crate::types::{Description, Email, ListId, Password, TaskId, Title, Uid};

/// A task to create, checked: every value it holds passed its rules.
///
/// Made by [`NewTask::new`] or [`NewTask::builder`], or by checking a
/// [`TaskCreate`](crate::TaskCreate) body. The fields are read through methods of the same names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewTask {
    /// Its UID; `None`: storage makes one (a UUID).
    pub(crate) uid: Option<Uid>,
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
    /// How it repeats (it then has a due).
    pub(crate) repeat: Option<RepeatRule>,
    /// Where its next occurrence counts from.
    pub(crate) repeat_from: RepeatFrom,
    /// Its reminders, normalised (leads only with a due).
    pub(crate) reminders: Vec<Reminder>,
}

impl NewTask {
    /// The task as one line of JSON, the same for the same task however its
    /// body was spelled (a due instant in UTC, written `+00:00` as taskctl
    /// sends it): what an idempotency key remembers of the request that
    /// used it.
    pub fn fingerprint(&self) -> String {
        #[derive(Serialize)]
        struct Shape<'a> {
            #[serde(skip_serializing_if = "Option::is_none")]
            uid: Option<&'a str>,
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
            #[serde(skip_serializing_if = "Option::is_none")]
            repeat: Option<&'a RepeatRule>,
            #[serde(skip_serializing_if = "Option::is_none")]
            repeat_from: Option<RepeatFrom>,
            #[serde(skip_serializing_if = "<[Reminder]>::is_empty")]
            reminders: &'a [Reminder],
        }
        let Self {
            uid,
            title,
            description,
            completed,
            priority,
            due,
            tags,
            list,
            parent,
            repeat,
            repeat_from,
            reminders,
        } = self;
        let shape = Shape {
            uid: uid.as_ref().map(Uid::as_str),
            title: title.as_str(),
            description: description.as_ref().map(Description::as_str),
            completed: *completed,
            priority: *priority,
            due_date: due.and_then(Due::date),
            due_at: due.and_then(Due::at).map(|instant| instant.to_rfc3339()),
            tags,
            list_id: *list,
            parent_id: *parent,
            repeat: repeat.as_ref(),
            repeat_from: (*repeat_from != RepeatFrom::Due).then_some(*repeat_from),
            reminders,
        };
        serde_json::to_string(&shape).unwrap_or_default()
    }
}

impl NewTask {
    // The fields, read (the builders are in `build`).
    /// Its UID, when one was given (otherwise storage makes one).
    pub fn uid(&self) -> Option<&str> {
        self.uid.as_ref().map(Uid::as_str)
    }

    /// The title, trimmed.
    pub fn title(&self) -> &str {
        self.title.as_str()
    }

    /// The description, if any.
    pub fn description(&self) -> Option<&str> {
        self.description.as_ref().map(Description::as_str)
    }

    /// Whether it starts out done.
    pub fn completed(&self) -> bool {
        self.completed
    }

    /// Its priority, if any.
    pub fn priority(&self) -> Option<Priority> {
        self.priority
    }

    /// When it is due, if ever.
    pub fn due(&self) -> Option<Due> {
        self.due
    }

    /// Its tags, normalised and sorted.
    pub fn tags(&self) -> &[String] {
        &self.tags
    }

    /// The list it goes in (`None`: the owner's default list).
    pub fn list(&self) -> Option<ListId> {
        self.list
    }

    /// The task it is a subtask of, if any.
    pub fn parent(&self) -> Option<TaskId> {
        self.parent
    }

    /// How it repeats, if it does.
    pub fn repeat(&self) -> Option<&RepeatRule> {
        self.repeat.as_ref()
    }

    /// Where its next occurrence counts from.
    pub fn repeat_from(&self) -> RepeatFrom {
        self.repeat_from
    }

    /// Its reminders, normalised.
    pub fn reminders(&self) -> &[Reminder] {
        &self.reminders
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
    /// A new repeat rule (`Some(None)`: no longer repeats).
    pub(crate) repeat: Option<Option<RepeatRule>>,
    /// Where the next occurrence counts from, from now on.
    pub(crate) repeat_from: Option<RepeatFrom>,
    /// New reminders, normalised (replacing the set).
    pub(crate) reminders: Option<Vec<Reminder>>,
}

impl TaskPatch {
    /// True when the patch would change nothing.
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }

    /// Whether storage reads the task before applying the patch: a change
    /// of place or completion, of repeat or reminders (which need a due),
    /// or one clearing a due.
    #[cfg_attr(not(feature = "store"), allow(dead_code))]
    pub(crate) fn reads_task(&self) -> bool {
        self.parent.is_some()
            || self.list.is_some()
            || self.completed == Some(true)
            || self.repeat.is_some()
            || self.reminders.is_some()
            || matches!(
                self.due,
                Some(DueChange::ClearDate | DueChange::ClearAt | DueChange::ClearBoth)
            )
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
            repeat,
            repeat_from,
            reminders,
        } = self;
        let mut task = task.clone();
        if let Some(repeat) = repeat {
            task.repeat.clone_from(repeat);
        }
        if let Some(repeat_from) = repeat_from {
            task.repeat_from = *repeat_from;
        }
        if let Some(reminders) = reminders {
            task.reminders.clone_from(reminders);
        }
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
