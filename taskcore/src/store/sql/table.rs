//! The task table, described once for both backends: the columns a client
//! writes (with how a new task and a patch write them), those the server
//! sets or derives, and how a row reads back. Row positions come from this
//! table: a column is read by name, and a name the table does not hold is
//! a compile error.
//!
//! Adding a task field (counted on a scratch branch; the README's
//! architecture section has the table): a migration per backend (on `tasks`
//! and `trashed_tasks`; the column test compares them with this table), the
//! field in `Task`, `NewTask` and `TaskPatch` (model) and in `TaskCreate`
//! and `TaskUpdate` (wire), one `EDITABLE` entry and one line in
//! `task_from_row` here. The compiler names every other place.

use std::sync::LazyLock;

use chrono::{DateTime, Utc};

use super::value::{RowValues, SqlValue};
use crate::error::Result;
use crate::model::{DueChange, NewTask, Reminder, TagChange, Task, TaskPatch, User};
use crate::planning::Priority;
use crate::repeat::{RepeatFrom, RepeatRule};
use crate::types::{ListId, TaskId, UserId};

/// A column a client writes.
pub(crate) struct Editable {
    pub name: &'static str,
    /// Its value in a new task.
    pub create: for<'a> fn(&'a NewTask) -> SqlValue<'a>,
    /// Its new value, when the patch sets it.
    pub update: for<'a> fn(&'a TaskPatch) -> Option<SqlValue<'a>>,
}

/// The columns clients write, in the order rows read them after [`FIXED`].
pub(crate) const EDITABLE: &[Editable] = &[
    Editable {
        name: "uid",
        // Given at creation or made then; never changed.
        create: |task| match &task.uid {
            Some(uid) => SqlValue::Text(Some(uid.as_str())),
            None => SqlValue::OwnedText(new_uid()),
        },
        update: |_| None,
    },
    Editable {
        name: "title",
        create: |task| SqlValue::Text(Some(task.title.as_str())),
        update: |patch| {
            patch
                .title
                .as_ref()
                .map(|title| SqlValue::Text(Some(title.as_str())))
        },
    },
    Editable {
        name: "description",
        create: |task| SqlValue::Text(task.description.as_ref().map(|text| text.as_str())),
        update: |patch| {
            patch
                .description
                .as_ref()
                .map(|description| SqlValue::Text(description.as_ref().map(|text| text.as_str())))
        },
    },
    Editable {
        name: "completed",
        create: |task| SqlValue::Bool(task.completed),
        update: |patch| patch.completed.map(SqlValue::Bool),
    },
    Editable {
        name: "priority",
        create: |task| SqlValue::Int(Priority::rank(task.priority)),
        update: |patch| {
            patch
                .priority
                .map(|priority| SqlValue::Int(Priority::rank(priority)))
        },
    },
    Editable {
        name: "due_date",
        create: |task| SqlValue::MaybeDate(task.due.and_then(|due| due.date())),
        update: |patch| match patch.due? {
            DueChange::Date(day) => Some(SqlValue::MaybeDate(Some(day))),
            DueChange::At(_) | DueChange::ClearDate | DueChange::ClearBoth => {
                Some(SqlValue::MaybeDate(None))
            }
            DueChange::ClearAt => None,
        },
    },
    Editable {
        name: "due_at",
        create: |task| SqlValue::MaybeTime(task.due.and_then(|due| due.at())),
        update: |patch| match patch.due? {
            DueChange::At(instant) => Some(SqlValue::MaybeTime(Some(instant))),
            DueChange::Date(_) | DueChange::ClearAt | DueChange::ClearBoth => {
                Some(SqlValue::MaybeTime(None))
            }
            DueChange::ClearDate => None,
        },
    },
    Editable {
        name: "list_id",
        // Storage names the default list before it writes one left unnamed.
        create: |task| SqlValue::Int(task.list.map_or(0, |list| list.0)),
        update: |patch| patch.list.map(|list| SqlValue::Int(list.0)),
    },
    Editable {
        name: "parent_id",
        create: |task| SqlValue::MaybeInt(task.parent.map(|parent| parent.0)),
        update: |patch| {
            patch
                .parent
                .map(|parent| SqlValue::MaybeInt(parent.map(|parent| parent.0)))
        },
    },
    Editable {
        name: "repeat",
        create: |task| match &task.repeat {
            Some(rule) => SqlValue::OwnedText(rule.to_string()),
            None => SqlValue::Text(None),
        },
        update: |patch| {
            patch.repeat.as_ref().map(|repeat| match repeat {
                Some(rule) => SqlValue::OwnedText(rule.to_string()),
                None => SqlValue::Text(None),
            })
        },
    },
    Editable {
        name: "repeat_from",
        create: |task| SqlValue::Text(Some(task.repeat_from.as_str())),
        update: |patch| {
            patch
                .repeat_from
                .map(|from| SqlValue::Text(Some(from.as_str())))
        },
    },
    Editable {
        name: "reminders",
        create: |task| SqlValue::OwnedText(reminders_text(&task.reminders)),
        update: |patch| {
            patch
                .reminders
                .as_ref()
                .map(|reminders| SqlValue::OwnedText(reminders_text(reminders)))
        },
    },
    Editable {
        name: "tags",
        create: |task| SqlValue::Tags(&task.tags),
        update: |patch| match &patch.tags {
            Some(TagChange::Replace(tags)) => Some(SqlValue::Tags(tags)),
            // Written relative to the stored set: see `Statements::update`.
            Some(TagChange::Delta { .. }) | None => None,
        },
    },
];

/// The columns the server sets, first in every row read.
const FIXED: [&str; 5] = ["id", "owner_id", "created_at", "updated_at", "version"];
/// The columns the server derives from the others, last in every row read.
/// The due key is not part of a task as the API shows it; listings read it
/// for their cursors ([`due_key_from_row`]).
const DERIVED: [&str; 2] = ["completed_at", "due_key"];
/// Columns a task keeps that rows never read: where an imported task came
/// from, where a repeating task's series starts and how many of its
/// occurrences are done (read when one is: [`Statements::series`]), and its
/// newest recorded occurrence, the head of its chain in the completion log.
/// With the others, what a trashed task keeps.
///
/// [`Statements::series`]: super::statements::Statements::series
const KEPT: [&str; 5] = [
    "source",
    "anchor_date",
    "anchor_at",
    "repeat_done",
    "last_completion",
];

/// A new task's UID when its creator names none: a time-ordered UUID
/// (version 7), so that the owner's UID index takes new tasks at its end,
/// on the page the previous ones went to, rather than on a page at random
/// (a random UUID wrote one more page for nearly every task a batch of
/// writes created).
pub(crate) fn new_uid() -> String {
    uuid::Uuid::now_v7().to_string()
}

/// Reminders as the `reminders` column keeps them: JSON, as the API
/// writes them.
fn reminders_text(reminders: &[Reminder]) -> String {
    serde_json::to_string(reminders).unwrap_or_else(|_| "[]".to_owned())
}

/// The `reminders` column read back. One a later build wrote and this one
/// cannot read is left out rather than failing every listing that holds
/// the task (the column keeps it until the reminders are changed).
fn reminders_from_text(text: &str) -> Result<Vec<Reminder>> {
    let values: Vec<serde_json::Value> = serde_json::from_str(text).unwrap_or_default();
    Ok(values
        .into_iter()
        .filter_map(|value| serde_json::from_value(value).ok())
        .collect())
}

/// The `repeat` column read back; a rule this build cannot read reads as
/// none, as [`reminders_from_text`] does.
fn repeat_from_text(text: Option<String>) -> Result<Option<RepeatRule>> {
    Ok(text.and_then(|text| RepeatRule::parse(&text).ok()))
}

/// How many columns a task row reads: [`FIXED`], [`EDITABLE`], [`DERIVED`].
const READ: usize = FIXED.len() + EDITABLE.len() + DERIVED.len();

/// The columns a task row reads, in order: [`FIXED`], [`EDITABLE`],
/// [`DERIVED`].
pub(crate) fn read_columns() -> impl Iterator<Item = &'static str> {
    FIXED
        .into_iter()
        .chain(EDITABLE.iter().map(|column| column.name))
        .chain(DERIVED)
}

/// [`read_columns`] as a statement lists them; joined once.
pub(crate) fn read_columns_text() -> &'static str {
    static COLUMNS: LazyLock<String> =
        LazyLock::new(|| read_columns().collect::<Vec<_>>().join(", "));
    &COLUMNS
}

/// [`read_columns`] of the task table a statement calls `t` (where it
/// joins others); joined once.
pub(crate) fn read_columns_of_t() -> &'static str {
    static COLUMNS: LazyLock<String> = LazyLock::new(|| {
        read_columns()
            .map(|column| format!("t.{column}"))
            .collect::<Vec<_>>()
            .join(", ")
    });
    &COLUMNS
}

/// Every column of the task table: those rows read, then [`KEPT`]. What
/// `tasks` and `trashed_tasks` hold besides their bookkeeping.
pub(crate) fn task_columns() -> impl Iterator<Item = &'static str> {
    read_columns().chain(KEPT)
}

/// The position of column `name` in a task row. Evaluated at compile time
/// where it is used (`const { position("…") }`), so a name the table does
/// not hold fails the build.
pub(super) const fn position(name: &str) -> usize {
    let mut index = 0;
    while index < FIXED.len() {
        if same(FIXED[index], name) {
            return index;
        }
        index += 1;
    }
    let mut index = 0;
    while index < EDITABLE.len() {
        if same(EDITABLE[index].name, name) {
            return FIXED.len() + index;
        }
        index += 1;
    }
    let mut index = 0;
    while index < DERIVED.len() {
        if same(DERIVED[index], name) {
            return FIXED.len() + EDITABLE.len() + index;
        }
        index += 1;
    }
    panic!("not a column that task rows read")
}

/// The position of the `n`th column (from 0) a statement reads after a
/// task's columns.
pub(crate) const fn trailing(n: usize) -> usize {
    READ + n
}

const fn same(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let mut index = 0;
    while index < a.len() {
        if a[index] != b[index] {
            return false;
        }
        index += 1;
    }
    true
}

/// A task row (the columns [`task_columns`] reads first) as a task. Every
/// field of [`Task`] is set here: a new one is a compile error until it is.
pub(crate) fn task_from_row(row: &dyn RowValues) -> Result<Task> {
    Ok(Task {
        id: TaskId(row.int(const { position("id") })?),
        owner_id: UserId(row.int(const { position("owner_id") })?),
        created_at: row.time(const { position("created_at") })?,
        updated_at: row.time(const { position("updated_at") })?,
        version: row.int(const { position("version") })?,
        uid: row.text(const { position("uid") })?,
        title: row.text(const { position("title") })?,
        description: row.optional_text(const { position("description") })?,
        completed: row.flag(const { position("completed") })?,
        priority: Priority::from_rank(row.int(const { position("priority") })?),
        due_date: row.optional_date(const { position("due_date") })?,
        due_at: row.optional_time(const { position("due_at") })?,
        tags: row.tags(const { position("tags") })?,
        completed_at: row.optional_time(const { position("completed_at") })?,
        list_id: ListId(row.int(const { position("list_id") })?),
        parent_id: row
            .optional_int(const { position("parent_id") })?
            .map(TaskId),
        repeat: repeat_from_text(row.optional_text(const { position("repeat") })?)?,
        // A value an older or newer build wrote reads as the default.
        repeat_from: RepeatFrom::parse(&row.text(const { position("repeat_from") })?)
            .unwrap_or_default(),
        reminders: reminders_from_text(&row.text(const { position("reminders") })?)?,
    })
}

/// The stored due key of a task row.
pub(crate) fn due_key_from_row(row: &dyn RowValues) -> Result<Option<DateTime<Utc>>> {
    row.optional_time(const { position("due_key") })
}

/// The columns every user query reads, in [`user_from_row`]'s order.
const USER: [&str; 4] = ["id", "email", "created_at", "timezone"];

/// [`USER`] as a statement lists them; joined once.
pub(crate) fn user_columns() -> &'static str {
    static COLUMNS: LazyLock<String> = LazyLock::new(|| USER.join(", "));
    &COLUMNS
}

/// The position of the `n`th column (from 0) a statement reads after a
/// user's columns.
pub(crate) const fn user_trailing(n: usize) -> usize {
    USER.len() + n
}

/// The position of a column in a user row, at compile time.
const fn user_position(name: &str) -> usize {
    let mut index = 0;
    while index < USER.len() {
        if same(USER[index], name) {
            return index;
        }
        index += 1;
    }
    panic!("not a column that user rows read")
}

/// A row of [`user_columns`] as a user.
pub(crate) fn user_from_row(row: &dyn RowValues) -> Result<User> {
    Ok(User {
        id: UserId(row.int(const { user_position("id") })?),
        email: row.text(const { user_position("email") })?,
        created_at: row.time(const { user_position("created_at") })?,
        timezone: row.text(const { user_position("timezone") })?,
    })
}
