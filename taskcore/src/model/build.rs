//! Typed construction: a new task and a change to one built from Rust
//! values (`Priority`, `NaiveDate`, `DateTime<Utc>`, tags), checked by the
//! very rules a request body is checked by (every broken rule at once, each
//! naming its field), and read back field by field.
//!
//! ```
//! use chrono::NaiveDate;
//! use taskcore::{Due, NewTask, Priority, TaskCreate, TaskPatch};
//!
//! # fn main() -> Result<(), taskcore::Error> {
//! let day = NaiveDate::from_ymd_opt(2026, 12, 24).expect("a day");
//! let task = NewTask::builder("Wrap presents")
//!     .priority(Priority::High)
//!     .due_date(day)
//!     .tags(["Home", "family"])
//!     .build()?;
//! assert_eq!(task.title(), "Wrap presents");
//! assert_eq!(task.due(), Some(Due::Date(day)));
//! assert_eq!(task.tags(), ["family", "home"]);
//!
//! // What an HTTP client sends for it.
//! let body = TaskCreate::from(&task);
//! assert_eq!(body.due_date.as_deref(), Some("2026-12-24"));
//!
//! // A change names only what it changes.
//! let done = TaskPatch::builder().completed(true).add_tags(["early"]).build()?;
//! assert_eq!(done.completed(), Some(true));
//!
//! // Every broken rule at once, each naming its field.
//! let refused = NewTask::builder("   ").tags(["no spaces"]).build().unwrap_err();
//! let fields: Vec<_> = refused.field_errors().iter().map(|error| error.loc[1].as_str()).collect();
//! assert_eq!(fields, ["title", "tags"]);
//! # Ok(())
//! # }
//! ```

use chrono::{DateTime, NaiveDate, Utc};

use super::input::{Due, DueChange, NewTask, TagChange, TaskPatch};
use super::reminders::Reminder;
use crate::error::Result;
use crate::planning::Priority;
use crate::repeat::{RepeatFrom, RepeatRule};
use crate::types::{Description, ListId, TaskId};
use crate::wire::{Body, ReminderBody, TaskCreate, TaskUpdate};

/// The text of a due date as the API writes it.
fn day_text(day: NaiveDate) -> String {
    day.format("%Y-%m-%d").to_string()
}

/// The text of a due instant as the API writes it.
fn instant_text(instant: DateTime<Utc>) -> String {
    instant.to_rfc3339()
}

fn strings<I>(values: I) -> Vec<String>
where
    I: IntoIterator,
    I::Item: AsRef<str>,
{
    values
        .into_iter()
        .map(|value| value.as_ref().to_owned())
        .collect()
}

/// A new task being put together; [`NewTaskBuilder::build`] checks it.
#[derive(Debug, Clone)]
#[must_use = "a builder does nothing until built"]
pub struct NewTaskBuilder(TaskCreate);

impl NewTask {
    /// A task with this title (trimmed; 1 to 255 characters), open, with
    /// nothing else set.
    pub fn new(title: &str) -> Result<Self> {
        Self::builder(title).build()
    }

    /// Starts a task with this title; set the rest, then
    /// [`build`](NewTaskBuilder::build).
    pub fn builder(title: impl Into<String>) -> NewTaskBuilder {
        NewTaskBuilder(TaskCreate {
            title: title.into(),
            ..TaskCreate::default()
        })
    }
}

impl NewTaskBuilder {
    /// With this UID (1 to 255 characters, no control characters), unique
    /// among the owner's tasks; otherwise storage makes one.
    pub fn uid(mut self, uid: impl Into<String>) -> Self {
        self.0.uid = Some(uid.into());
        self
    }

    /// A subtask of this live task of the owner's (it goes in its list).
    pub fn parent(mut self, parent: TaskId) -> Self {
        self.0.parent_id = Some(parent.0);
        self
    }

    /// Repeating by this rule (the task needs a due).
    pub fn repeat(mut self, rule: &RepeatRule) -> Self {
        self.0.repeat = Some(rule.to_string());
        self
    }

    /// Its next occurrence counted from the due (the default) or the
    /// completion.
    pub fn repeat_from(mut self, from: RepeatFrom) -> Self {
        self.0.repeat_from = Some(from.as_str().to_owned());
        self
    }

    /// With these reminders (a lead needs a due); at most 10.
    pub fn reminders<'r>(mut self, reminders: impl IntoIterator<Item = &'r Reminder>) -> Self {
        self.0.reminders = reminders.into_iter().map(ReminderBody::from).collect();
        self
    }

    /// In this list of the owner's (otherwise, the default list).
    pub fn list(mut self, list: ListId) -> Self {
        self.0.list_id = Some(list.0);
        self
    }

    /// With this description (at most 2,000 characters).
    pub fn description(mut self, text: impl Into<String>) -> Self {
        self.0.description = Some(text.into());
        self
    }

    /// Done (or not) from the start.
    pub fn completed(mut self, completed: bool) -> Self {
        self.0.completed = completed;
        self
    }

    /// With this priority (`None`: none).
    pub fn priority(mut self, priority: impl Into<Option<Priority>>) -> Self {
        self.0.priority = priority.into().map(|priority| priority.as_str().to_owned());
        self
    }

    /// Due all day on this day, in the owner's zone (years 0002 to 9998);
    /// replaces a due instant.
    pub fn due_date(mut self, day: NaiveDate) -> Self {
        self.0.due_date = Some(day_text(day));
        self.0.due_at = None;
        self
    }

    /// Due at this instant (kept to the microsecond); replaces a due date.
    pub fn due_at(mut self, instant: DateTime<Utc>) -> Self {
        self.0.due_at = Some(instant_text(instant));
        self.0.due_date = None;
        self
    }

    /// With these tags: each trimmed and lower-cased, 1 to 64 letters,
    /// digits or `-_.:/`, no repeats, at most 32.
    pub fn tags<I>(mut self, tags: I) -> Self
    where
        I: IntoIterator,
        I::Item: AsRef<str>,
    {
        self.0.tags = strings(tags);
        self
    }

    /// The task, once every rule holds; otherwise every broken rule.
    pub fn build(self) -> Result<NewTask> {
        self.0.validate()
    }
}

/// The body that creates this task over HTTP.
impl From<&NewTask> for TaskCreate {
    fn from(task: &NewTask) -> Self {
        let NewTask {
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
        } = task;
        Self {
            uid: uid.as_ref().map(|uid| uid.as_str().to_owned()),
            title: title.as_str().to_owned(),
            description: description.as_ref().map(|text| text.as_str().to_owned()),
            completed: *completed,
            priority: priority.map(|priority| priority.as_str().to_owned()),
            due_date: due.and_then(Due::date).map(day_text),
            due_at: due.and_then(Due::at).map(instant_text),
            tags: tags.clone(),
            list_id: list.map(|list| list.0),
            parent_id: parent.map(|parent| parent.0),
            repeat: repeat.as_ref().map(ToString::to_string),
            repeat_from: (*repeat_from != RepeatFrom::Due).then(|| repeat_from.as_str().to_owned()),
            reminders: reminders.iter().map(ReminderBody::from).collect(),
        }
    }
}

/// A change being put together; [`TaskPatchBuilder::build`] checks it.
#[derive(Debug, Clone, Default)]
#[must_use = "a builder does nothing until built"]
pub struct TaskPatchBuilder(TaskUpdate);

impl TaskPatch {
    /// Starts a change that changes nothing; set what it changes, then
    /// [`build`](TaskPatchBuilder::build).
    pub fn builder() -> TaskPatchBuilder {
        TaskPatchBuilder::default()
    }

    /// The new title, if it changes.
    pub fn title(&self) -> Option<&str> {
        self.title.as_ref().map(|title| title.as_str())
    }

    /// The new description, if it changes (`Some(None)`: cleared).
    pub fn description(&self) -> Option<Option<&str>> {
        self.description
            .as_ref()
            .map(|text| text.as_ref().map(Description::as_str))
    }

    /// The new completion state, if it changes.
    pub fn completed(&self) -> Option<bool> {
        self.completed
    }

    /// The new priority, if it changes (`Some(None)`: cleared).
    pub fn priority(&self) -> Option<Option<Priority>> {
        self.priority
    }

    /// How the due date or instant changes, if it does.
    pub fn due(&self) -> Option<DueChange> {
        self.due
    }

    /// The list the task moves to, if it moves.
    pub fn list(&self) -> Option<ListId> {
        self.list
    }

    /// How the tags change, if they do.
    pub fn tags(&self) -> Option<&TagChange> {
        self.tags.as_ref()
    }

    /// The new parent, if it changes (`Some(None)`: top level).
    pub fn parent(&self) -> Option<Option<TaskId>> {
        self.parent
    }

    /// The new repeat rule, if it changes (`Some(None)`: no longer repeats).
    pub fn repeat(&self) -> Option<Option<&RepeatRule>> {
        self.repeat.as_ref().map(Option::as_ref)
    }

    /// Where occurrences count from, if that changes.
    pub fn repeat_from(&self) -> Option<RepeatFrom> {
        self.repeat_from
    }

    /// The new reminders, if they change.
    pub fn reminders(&self) -> Option<&[Reminder]> {
        self.reminders.as_deref()
    }
}

impl TaskPatchBuilder {
    /// A new title (trimmed; 1 to 255 characters).
    pub fn title(mut self, title: impl Into<String>) -> Self {
        self.0.title = Some(title.into());
        self
    }

    /// A new description; `None` clears it.
    pub fn description(mut self, text: Option<String>) -> Self {
        self.0.description = Some(text);
        self
    }

    /// Done or open.
    pub fn completed(mut self, completed: bool) -> Self {
        self.0.completed = Some(completed);
        self
    }

    /// A new priority; `None` clears it.
    pub fn priority(mut self, priority: impl Into<Option<Priority>>) -> Self {
        self.0.priority = Some(priority.into().map(|priority| priority.as_str().to_owned()));
        self
    }

    /// Due all day on this day (clears a due instant); `None` clears the date.
    pub fn due_date(mut self, day: Option<NaiveDate>) -> Self {
        self.0.due_date = Some(day.map(day_text));
        if day.is_some() {
            self.0.due_at = None;
        }
        self
    }

    /// Due at this instant (clears a due date); `None` clears the instant.
    pub fn due_at(mut self, instant: Option<DateTime<Utc>>) -> Self {
        self.0.due_at = Some(instant.map(instant_text));
        if instant.is_some() {
            self.0.due_date = None;
        }
        self
    }

    /// Replaces the tags with these (and forgets tags added or removed
    /// before: the last call decides).
    pub fn tags<I>(mut self, tags: I) -> Self
    where
        I: IntoIterator,
        I::Item: AsRef<str>,
    {
        self.0.tags = Some(strings(tags));
        self.0.add_tags = None;
        self.0.remove_tags = None;
        self
    }

    /// Adds these tags to those the task has when the change lands (and
    /// forgets a whole set given before: the last call decides).
    pub fn add_tags<I>(mut self, tags: I) -> Self
    where
        I: IntoIterator,
        I::Item: AsRef<str>,
    {
        self.0.add_tags = Some(strings(tags));
        self.0.tags = None;
        self
    }

    /// Removes these tags (one the task does not have is ignored; a whole
    /// set given before is forgotten).
    pub fn remove_tags<I>(mut self, tags: I) -> Self
    where
        I: IntoIterator,
        I::Item: AsRef<str>,
    {
        self.0.remove_tags = Some(strings(tags));
        self.0.tags = None;
        self
    }

    /// Moves the task to this list of the owner's.
    pub fn list(mut self, list: ListId) -> Self {
        self.0.list_id = Some(list.0);
        self
    }

    /// Makes it a subtask of this task (`None`: a top-level task).
    pub fn parent(mut self, parent: Option<TaskId>) -> Self {
        self.0.parent_id = Some(parent.map(|parent| parent.0));
        self
    }

    /// Repeats by this rule from the due (`None`: no longer repeats).
    pub fn repeat(mut self, rule: Option<&RepeatRule>) -> Self {
        self.0.repeat = Some(rule.map(ToString::to_string));
        self
    }

    /// Counts occurrences from the due or from the completion.
    pub fn repeat_from(mut self, from: RepeatFrom) -> Self {
        self.0.repeat_from = Some(from.as_str().to_owned());
        self
    }

    /// Replaces the reminders (none: removes them all).
    pub fn reminders<'r>(mut self, reminders: impl IntoIterator<Item = &'r Reminder>) -> Self {
        self.0.reminders = Some(reminders.into_iter().map(ReminderBody::from).collect());
        self
    }

    /// The change, once every rule holds; otherwise every broken rule.
    pub fn build(self) -> Result<TaskPatch> {
        self.0.validate()
    }
}

/// The body that makes this change over HTTP.
impl From<&TaskPatch> for TaskUpdate {
    fn from(patch: &TaskPatch) -> Self {
        let TaskPatch {
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
        } = patch;
        let (due_date, due_at) = match due {
            Some(DueChange::Date(day)) => (Some(Some(day_text(*day))), None),
            Some(DueChange::At(instant)) => (None, Some(Some(instant_text(*instant)))),
            Some(DueChange::ClearDate) => (Some(None), None),
            Some(DueChange::ClearAt) => (None, Some(None)),
            Some(DueChange::ClearBoth) => (Some(None), Some(None)),
            None => (None, None),
        };
        let (tags, add_tags, remove_tags) = match tags {
            Some(TagChange::Replace(tags)) => (Some(tags.clone()), None, None),
            Some(TagChange::Delta { add, remove }) => {
                (None, Some(add.clone()), Some(remove.clone()))
            }
            None => (None, None, None),
        };
        Self {
            title: title.as_ref().map(|title| title.as_str().to_owned()),
            description: description
                .as_ref()
                .map(|text| text.as_ref().map(|text| text.as_str().to_owned())),
            completed: *completed,
            priority: priority
                .map(|priority| priority.map(|priority| priority.as_str().to_owned())),
            due_date,
            due_at,
            tags,
            add_tags,
            remove_tags,
            list_id: list.map(|list| list.0),
            parent_id: parent.map(|parent| parent.map(|parent| parent.0)),
            repeat: repeat
                .as_ref()
                .map(|rule| rule.as_ref().map(ToString::to_string)),
            repeat_from: repeat_from.map(|from| from.as_str().to_owned()),
            reminders: reminders
                .as_ref()
                .map(|reminders| reminders.iter().map(ReminderBody::from).collect()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_built_task_and_its_body_check_to_the_same_task() {
        let task = NewTask::builder("  Call mum ")
            .description("Sunday")
            .completed(true)
            .priority(Priority::Low)
            .due_at("2026-12-24T17:00:00+01:00".parse().expect("instant"))
            .tags(["Family", "phone"])
            .build()
            .expect("valid");
        assert_eq!(task.title(), "Call mum");
        assert_eq!(TaskCreate::from(&task).validate().expect("valid"), task);
    }

    #[test]
    fn a_built_change_and_its_body_check_to_the_same_change() {
        let day = NaiveDate::from_ymd_opt(2027, 1, 2).expect("day");
        let patch = TaskPatch::builder()
            .title("Renamed")
            .description(None)
            .priority(Priority::High)
            .due_date(Some(day))
            .add_tags(["a"])
            .remove_tags(["b"])
            .build()
            .expect("valid");
        assert_eq!(patch.due(), Some(DueChange::Date(day)));
        assert_eq!(patch.description(), Some(None));
        assert_eq!(TaskUpdate::from(&patch).validate().expect("valid"), patch);
        let cleared = TaskPatch::builder()
            .due_date(None)
            .due_at(None)
            .build()
            .expect("valid");
        assert_eq!(cleared.due(), Some(DueChange::ClearBoth));
        assert_eq!(
            TaskUpdate::from(&cleared).validate().expect("valid"),
            cleared
        );
    }

    #[test]
    fn the_last_tag_call_decides_between_a_whole_set_and_changes() {
        let set = TaskPatch::builder()
            .add_tags(["a"])
            .tags(["b"])
            .build()
            .expect("valid");
        assert_eq!(set.tags(), Some(&TagChange::Replace(vec!["b".to_owned()])));
        let delta = TaskPatch::builder()
            .tags(["b"])
            .remove_tags(["c"])
            .build()
            .expect("valid");
        assert_eq!(
            delta.tags(),
            Some(&TagChange::Delta {
                add: Vec::new(),
                remove: vec!["c".to_owned()]
            })
        );
        let cleared = TaskPatch::builder()
            .priority(Priority::Low)
            .priority(None)
            .build()
            .expect("valid");
        assert_eq!(cleared.priority(), Some(None));
    }

    #[test]
    fn a_due_date_outside_the_years_stored_is_refused_at_its_field() {
        let far = NaiveDate::from_ymd_opt(9999, 6, 1).expect("day");
        let refused = NewTask::builder("Far")
            .due_date(far)
            .build()
            .expect_err("out of range");
        assert_eq!(refused.field_errors()[0].loc, ["body", "due_date"]);
        let near = NaiveDate::from_ymd_opt(9998, 6, 1).expect("day");
        NewTask::builder("Near")
            .due_date(near)
            .build()
            .expect("the control is in range");
    }
}
