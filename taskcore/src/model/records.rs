//! Users and tasks as the API shows them, and what a conditional change
//! expects or an import records.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::due::Due;
use super::lists::TaskList;
use super::reminders::Reminder;
use crate::planning::Priority;
use crate::repeat::{RepeatFrom, RepeatRule};
use crate::types::{ListId, TaskId, UserId};

/// A registered account, as shown to its owner. The password hash never leaves storage.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct User {
    /// Account id.
    #[cfg_attr(feature = "openapi", schema(value_type = i64, example = 1))]
    pub id: UserId,
    /// Normalised (lower-case) email address.
    #[cfg_attr(feature = "openapi", schema(example = "jane@example.com"))]
    pub email: String,
    /// When the account was created (UTC).
    pub created_at: DateTime<Utc>,
    /// The IANA time zone that `today`, `overdue` and due dates are
    /// evaluated in.
    #[serde(default = "utc")]
    #[cfg_attr(feature = "openapi", schema(example = "Europe/Paris"))]
    pub timezone: String,
}

fn utc() -> String {
    "UTC".to_owned()
}

/// A task, as stored and as returned by the API.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Task {
    /// Task id; never reused.
    #[cfg_attr(feature = "openapi", schema(value_type = i64, example = 1))]
    pub id: TaskId,
    /// The task's UID, its identity in iCalendar and CalDAV: given at
    /// creation or made then (a UUID), unique among the owner's tasks, and
    /// never changed.
    #[serde(default)]
    #[cfg_attr(
        feature = "openapi",
        schema(example = "0b6f8a52-3c1e-4d2a-9f5e-2d8c4b7a1e90")
    )]
    pub uid: String,
    /// Title, 1 to 255 characters.
    #[cfg_attr(feature = "openapi", schema(example = "Buy milk"))]
    pub title: String,
    /// Optional description, at most 2,000 characters.
    pub description: Option<String>,
    /// Whether the task is done.
    pub completed: bool,
    /// How important the task is; `null` when not set.
    #[serde(default)]
    pub priority: Option<Priority>,
    /// The calendar day the task is due (all day, in the owner's time zone).
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = Date, example = "2025-01-31"))]
    pub due_date: Option<NaiveDate>,
    /// The instant the task is due (UTC). At most one of `due_date` and
    /// `due_at` is set.
    #[serde(default)]
    pub due_at: Option<DateTime<Utc>>,
    /// Tags, lower-case and sorted.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(example = json!(["home", "money"])))]
    pub tags: Vec<String>,
    /// When the task was last completed (UTC); `null` while it is open.
    #[serde(default)]
    pub completed_at: Option<DateTime<Utc>>,
    /// The list the task is in (one of the owner's).
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = i64, example = 1))]
    pub list_id: ListId,
    /// The task this one is a subtask of; `null` for a top-level task.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<i64>))]
    pub parent_id: Option<TaskId>,
    /// How the task repeats: an RRULE value (`FREQ=WEEKLY;BYDAY=MO`), in
    /// normal form; `null` when it does not. Completing a repeating task
    /// moves its due to the next occurrence and leaves it open.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, example = "FREQ=WEEKLY;BYDAY=MO"))]
    pub repeat: Option<RepeatRule>,
    /// Where the next occurrence counts from: `due` (the series, as
    /// scheduled) or `completion` (the day it was done).
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "due"))]
    pub repeat_from: RepeatFrom,
    /// Reminders, leads (longest first) then instants (earliest first).
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<crate::wire::ReminderBody>))]
    pub reminders: Vec<Reminder>,
    /// The owner's account id.
    #[cfg_attr(feature = "openapi", schema(value_type = i64, example = 1))]
    pub owner_id: UserId,
    /// When the task was created (UTC); never changes.
    pub created_at: DateTime<Utc>,
    /// When the task last changed (UTC).
    pub updated_at: DateTime<Utc>,
    /// Starts at 1 and grows by one with every change; the task's ETag is
    /// this number in quotes.
    #[serde(default = "first_version")]
    #[cfg_attr(feature = "openapi", schema(example = 1, minimum = 1))]
    pub version: i64,
}

impl Due {
    /// The due of `task`, if it has one.
    pub fn of(task: &Task) -> Option<Self> {
        match (task.due_date, task.due_at) {
            (Some(day), _) => Some(Self::Date(day)),
            (None, Some(at)) => Some(Self::At(at)),
            (None, None) => None,
        }
    }
}

fn first_version() -> i64 {
    1
}

/// One completed occurrence of a repeating task.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[non_exhaustive]
pub struct Completion {
    /// The due of the occurrence done: a day (`2026-12-07`) or an instant.
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "2026-12-07"))]
    pub due: Due,
    /// When it was done (UTC).
    pub completed_at: DateTime<Utc>,
}

/// Where a repeating task's series stands: the due its rule counts from
/// and how many of its occurrences were done or skipped since.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Series {
    /// The first occurrence of the series.
    pub anchor: Due,
    /// How many occurrences were done or skipped.
    pub done: u32,
}

impl Series {
    /// The series from `anchor`, `done` occurrences on.
    pub fn new(anchor: Due, done: u32) -> Self {
        Self { anchor, done }
    }
}

/// One page of a task's completed occurrences, newest first, and how many
/// there are in all.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct CompletionPage {
    /// The occurrences on this page.
    pub completions: Vec<Completion>,
    /// How many the task has.
    pub total: u64,
}

/// What a conditional change expects of a task's current version: HTTP's
/// `If-Match`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Expect {
    /// Any version (no condition, or `If-Match: *`): the task must only exist.
    #[default]
    Any,
    /// One of these versions; an empty list matches none.
    OneOf(Vec<i64>),
}

impl Expect {
    /// Whether a task at `version` meets the expectation.
    pub fn admits(&self, version: i64) -> bool {
        match self {
            Expect::Any => true,
            Expect::OneOf(versions) => versions.contains(&version),
        }
    }
}

/// Where an imported task came from, kept so that importing the same file
/// twice creates nothing the second time.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Origin {
    /// The task's identity in its source (its id in an export, its uuid in
    /// Taskwarrior), unique among the owner's imports.
    pub source: String,
    /// When the task was created there, if known.
    pub created_at: Option<DateTime<Utc>>,
    /// When it was completed there, if it is done and that is known.
    pub completed_at: Option<DateTime<Utc>>,
}

/// A task in the trash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TrashedTask {
    /// The task as it was when deleted.
    #[serde(flatten)]
    pub task: Task,
    /// When it was deleted (UTC).
    pub deleted_at: DateTime<Utc>,
}

/// One page of the trash and how many tasks it holds in all.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct TrashPage {
    /// The trashed tasks on this page, newest deletion first.
    pub tasks: Vec<TrashedTask>,
    /// How many tasks the trash holds.
    pub total: u64,
}

/// One entry of the change feed: a task's latest state, or its deletion.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "op", rename_all = "lowercase")]
#[non_exhaustive]
// Upserts are nearly every change a feed holds: boxing them would allocate
// once per change to save space only deletions use.
#[allow(clippy::large_enum_variant)]
pub enum Change {
    /// The task was created, changed or restored: here it is, whole.
    Upsert {
        /// The task as it is now.
        task: Task,
    },
    /// The task was deleted (to the trash or for good).
    Delete {
        /// The deleted task's id.
        #[cfg_attr(feature = "openapi", schema(value_type = i64))]
        id: TaskId,
        /// When it was deleted (UTC).
        deleted_at: DateTime<Utc>,
    },
    /// A list was made or changed: here it is, whole (its counts as they
    /// are now; a change of counts alone is not a change of the list).
    #[serde(rename = "list_upsert")]
    ListUpsert {
        /// The list as it is now.
        list: TaskList,
    },
    /// A list was deleted.
    #[serde(rename = "list_delete")]
    ListDelete {
        /// The deleted list's id.
        #[cfg_attr(feature = "openapi", schema(value_type = i64))]
        id: ListId,
        /// When it was deleted (UTC).
        deleted_at: DateTime<Utc>,
    },
}

/// A page of the change feed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[non_exhaustive]
pub struct ChangePage {
    /// The changes after the cursor given, in commit order; each task at
    /// most once, in its latest state.
    pub changes: Vec<Change>,
    /// Where to continue: pass it as `since` next time.
    pub cursor: String,
    /// Whether more changes follow at once: ask again with `cursor`.
    pub has_more: bool,
}

/// One page of a task listing and how many tasks the listing selects in all.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct TaskPage {
    /// The tasks on this page, in the listing's order.
    pub tasks: Vec<Task>,
    /// How many tasks match the listing's filters in all.
    pub total: u64,
    /// The cursor of the next page, when there is one.
    pub next: Option<String>,
}

/// One of a user's tags and how many tasks carry it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[non_exhaustive]
pub struct TagCount {
    /// The tag.
    #[cfg_attr(feature = "openapi", schema(example = "home"))]
    pub name: String,
    /// Open tasks with the tag.
    pub open: u64,
    /// All tasks with the tag.
    pub total: u64,
}
