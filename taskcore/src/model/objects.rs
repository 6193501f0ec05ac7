//! Tasks as CalDAV resources: where each is in its calendar, and what taskd
//! keeps of the object its client last wrote.

use super::records::Task;
use crate::types::TaskId;

/// What taskd keeps of a task a CalDAV client wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct StoredObject {
    /// The resource's name in its calendar (`<name>.ics`), as the client
    /// chose it.
    pub name: String,
    /// The iCalendar object the client last wrote (see `taskcore::ical`).
    pub object: String,
    /// The parent's UID, while no task has it (a client may upload a
    /// subtask before its parent); linked when that UID comes.
    pub parent_uid: Option<String>,
}

impl StoredObject {
    /// What is kept of an object named `name`.
    pub fn new(name: String, object: String, parent_uid: Option<String>) -> Self {
        Self {
            name,
            object,
            parent_uid,
        }
    }
}

/// One resource of a calendar, as a listing of it needs: its name and
/// version (the ETag).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ObjectEntry {
    /// The task.
    pub id: TaskId,
    /// The resource's name in its calendar.
    pub name: String,
    /// The task's version.
    pub version: i64,
}

/// A task as a CalDAV resource: the task, its name, and the object to
/// serve (the client's, with the task's fields over it).
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct TaskObject {
    /// The task.
    pub task: Task,
    /// The resource's name in its calendar.
    pub name: String,
    /// The iCalendar object, as CalDAV serves it.
    pub ical: String,
}

/// What a write of an object did: created the task or changed it.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct PutOutcome {
    /// The task as it is now.
    pub task: Task,
    /// Whether the write made it (201) rather than changed it (204).
    pub created: bool,
}

/// A write of an object's condition (`If-Match`, `If-None-Match: *`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum PutCondition {
    /// Whatever is there.
    #[default]
    Any,
    /// Only over the task at one of these versions.
    Match(Vec<i64>),
    /// Only where nothing is.
    Absent,
}

/// What changed in a calendar since a sync point (RFC 6578's
/// sync-collection, built on the change feed's numbers).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct CalendarChanges {
    /// The sync point this answer brings the client to.
    pub token: i64,
    /// The calendar's tasks made or changed since (all of them, for a
    /// first sync).
    pub changed: Vec<ObjectEntry>,
    /// The names of resources that left it since: deleted, or moved to
    /// another calendar (a name the client never had is harmless).
    pub gone: Vec<String>,
}
