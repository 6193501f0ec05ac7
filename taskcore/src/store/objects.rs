//! One owner's tasks as CalDAV resources: each list a calendar, each task
//! an iCalendar object in it, named as its client named it. What a client
//! wrote is kept whole; the task's fields are written over it when it is
//! served (see [`crate::ical`]).

use std::collections::HashMap;
use std::sync::Arc;

use chrono::Datelike;

use super::backend::{Context, Mode};
use super::served::ServedKey;
use super::tasks::OwnerTasks;
use crate::error::{CalendarRefusal, Error, Result};
use crate::ical::{self, Todo};
use crate::model::{
    CalendarChanges, Change, Due, Expect, NewTask, ObjectEntry, PutCondition, PutOutcome,
    StoredObject, Task, TaskObject, TaskPatch,
};
use crate::planning::YEARS;
use crate::types::{ListId, TaskId};

/// Most changes one calendar sync reads; past it the client starts over.
pub const SYNC_CHANGES_MAX: i64 = 10_000;

impl OwnerTasks<'_> {
    /// The live tasks of list `list` as resources (name and version), by
    /// id; [`Error::ListNotFound`] when the owner has no such list.
    pub fn calendar(&self, list: ListId) -> Result<Vec<ObjectEntry>> {
        let mut work = self.backend().tasks(self.owner(), Mode::Snapshot)?;
        if work.one_list(list)?.is_none() {
            return Err(Error::ListNotFound);
        }
        let entries = work.calendar(list)?;
        work.commit()?;
        Ok(entries)
    }

    /// The owner's sync point now: the change feed's number.
    pub fn sync_point(&self) -> Result<i64> {
        let mut work = self.backend().tasks(self.owner(), Mode::Statement)?;
        let (counter, _) = work.change_counter()?;
        work.commit()?;
        Ok(counter)
    }

    /// What changed in list `list`'s calendar since sync point `since`
    /// (every task, for `None`). [`Error::CursorExpired`] when the point is
    /// not one of the feed's, is before deletions it has forgotten, or is
    /// so far back that a full sync is cheaper (more than
    /// [`SYNC_CHANGES_MAX`] changes): the client starts over.
    pub fn calendar_changes(&self, list: ListId, since: Option<i64>) -> Result<CalendarChanges> {
        let mut work = self.backend().tasks(self.owner(), Mode::Snapshot)?;
        if work.one_list(list)?.is_none() {
            return Err(Error::ListNotFound);
        }
        let (counter, forgotten) = work.change_counter()?;
        let Some(since) = since else {
            let changed = work.calendar(list)?;
            work.commit()?;
            return Ok(CalendarChanges {
                token: counter,
                changed,
                gone: Vec::new(),
            });
        };
        if since < forgotten || since > counter || since < 0 {
            return Err(Error::CursorExpired);
        }
        let changes = work.changes(since, SYNC_CHANGES_MAX + 1, true, false)?;
        if changes.len() > SYNC_CHANGES_MAX as usize {
            return Err(Error::CursorExpired);
        }
        let mut here = std::collections::HashSet::new();
        let mut gone = Vec::new();
        for (_, change) in changes {
            let (id, in_list) = match change {
                Change::Upsert { task } => (task.id, task.list_id == list),
                Change::Delete { id, .. } => (id, false),
                _ => continue,
            };
            if in_list {
                here.insert(id);
            } else if let Some(name) = work.name_of(id)? {
                gone.push(name);
            }
        }
        let changed = work
            .calendar(list)?
            .into_iter()
            .filter(|entry| here.contains(&entry.id))
            .collect();
        work.commit()?;
        Ok(CalendarChanges {
            token: counter,
            changed,
            gone,
        })
    }

    /// The tasks of list `list` named `names`, as CalDAV serves them, in
    /// that order; `None` for a name no task of that list has.
    pub fn objects(&self, list: ListId, names: &[String]) -> Result<Vec<Option<TaskObject>>> {
        let mut work = self.backend().tasks(self.owner(), Mode::Snapshot)?;
        let zone = work.zone()?;
        let mut ids = Vec::with_capacity(names.len());
        for name in names {
            ids.push(work.object_named(list, name)?);
        }
        let known: Vec<TaskId> = ids.iter().flatten().copied().collect();
        let mut found = HashMap::with_capacity(known.len());
        for served in work.served(list, &known)? {
            let key = ServedKey::new(&served.task, served.parent_uid.as_deref(), zone);
            // What a client wrote is read only for an object not remembered.
            let text = match self.served_objects().get(&key) {
                Some(text) => Text::Remembered(text),
                None if served.written => Text::Unwritten(work.written_object(served.task.id)?),
                None => Text::Unwritten(None),
            };
            found.insert(served.task.id, (served, key, text));
        }
        work.commit()?;
        // Written once the snapshot is given back: the objects are read.
        // A name may come twice (a client's repeated href).
        Ok(names
            .iter()
            .zip(ids)
            .map(|(name, id)| {
                let (served, key, text) = found.get(&id?)?;
                let ical = match text {
                    Text::Remembered(text) => text.clone(),
                    Text::Unwritten(kept) => match self.served_objects().get(key) {
                        Some(text) => text,
                        None => {
                            let text = ical::write(
                                &served.task,
                                served.parent_uid.as_deref(),
                                kept.as_deref(),
                                zone.tz(),
                            );
                            self.served_objects().remember(key.clone(), text)
                        }
                    },
                };
                Some(TaskObject {
                    task: served.task.clone(),
                    name: name.clone(),
                    ical: ical.to_string(),
                })
            })
            .collect())
    }

    /// The task of list `list` named `name`, as CalDAV serves it.
    pub fn object(&self, list: ListId, name: &str) -> Result<TaskObject> {
        self.objects(list, &[name.to_owned()])?
            .pop()
            .flatten()
            .ok_or(Error::TaskNotFound)
    }

    /// Whether `condition` holds for the object named `name` in list `list`
    /// as it is now; [`Error::VersionMismatch`] when it does not. A PUT is
    /// judged by its condition before its data (RFC 9110, 13.2.2): this
    /// answers first for data that cannot even be read as text.
    pub fn check_object_condition(
        &self,
        list: ListId,
        name: &str,
        condition: &PutCondition,
    ) -> Result<()> {
        let version = match self.object(list, name) {
            Ok(found) => Some(found.task.version),
            Err(Error::TaskNotFound) => None,
            Err(other) => return Err(other),
        };
        check(condition, version)
    }

    /// Writes the iCalendar object `text` as the task named `name` in list
    /// `list`, as a CalDAV PUT does, if `condition` holds (else
    /// [`Error::VersionMismatch`], whatever the text): creates the task, or changes the
    /// mapped fields that differ and keeps the object whole. A parent named
    /// by a UID no task has yet is linked when that task comes.
    pub fn put_object(
        &self,
        list: ListId,
        name: &str,
        text: &str,
        condition: &PutCondition,
    ) -> Result<PutOutcome> {
        let (name, text, condition) = (name.to_owned(), text.to_owned(), condition.clone());
        self.write(move |tasks| {
            let (mut work, context) = tasks.begin(true)?;
            if !work.holds_list(list)? {
                return Err(Error::ListNotFound);
            }
            // The condition is judged before the data (RFC 9110, 13.2.2).
            let existing = match work.object_named(list, &name)? {
                Some(id) => work.get(id)?.filter(|task| task.list_id == list),
                None => None,
            };
            check(&condition, existing.as_ref().map(|task| task.version))?;
            let todo = ical::read(&text, context.zone.tz())?;
            // A task done on the client when it was offline keeps the time
            // it was done (COMPLETED): a repeating one's next due counts from
            // it. A time outside the years taskd keeps counts as now.
            let context = Context {
                done_at: todo
                    .completed_at
                    .filter(|at| todo.completed && YEARS.contains(&at.year())),
                ..context
            };
            if let Some(uid) = &todo.parent_uid
                && crate::types::Uid::parse(uid).is_err()
            {
                return Err(Error::CalendarObject {
                    refusal: CalendarRefusal::InvalidData,
                    message: "RELATED-TO: a UID is 1 to 255 characters, without control characters"
                        .to_owned(),
                });
            }
            let parent = match &todo.parent_uid {
                Some(uid) => work.live_with_uid(uid)?,
                None => None,
            };
            let outcome = match existing {
                Some(task) => {
                    if task.uid != todo.uid {
                        return Err(uid_conflict(format!(
                            "{name} holds the task with UID {}; an object keeps its UID",
                            task.uid
                        )));
                    }
                    let patch = changes(&task, &todo, parent)?;
                    let expect = Expect::OneOf(vec![task.version]);
                    // Not done before it was made.
                    let context = Context {
                        done_at: context.done_at.map(|at| at.max(task.created_at)),
                        ..context
                    };
                    let task = work
                        .update(task.id, &patch, context, &expect)
                        .map_err(refused)?;
                    PutOutcome {
                        task,
                        created: false,
                    }
                }
                None => {
                    if work.live_with_uid(&todo.uid)?.is_some() {
                        return Err(uid_conflict(format!(
                            "Another of your tasks has the UID {}",
                            todo.uid
                        )));
                    }
                    let task = work
                        .insert(&new_task(&todo, list, parent)?, context, None)
                        .map_err(refused)?;
                    PutOutcome {
                        task,
                        created: true,
                    }
                }
            };
            let waiting = todo.parent_uid.clone().filter(|_| parent.is_none());
            work.store_object(
                outcome.task.id,
                &StoredObject::new(name.clone(), todo.kept.clone(), waiting),
            )?;
            // Subtasks that came before it are linked now.
            for child in work.waiting_for(&todo.uid)? {
                let patch = TaskPatch::builder().parent(Some(outcome.task.id)).build()?;
                if work.update(child, &patch, context, &Expect::Any).is_ok() {
                    work.stop_waiting(child)?;
                }
            }
            let task = work.get(outcome.task.id)?.ok_or(Error::TaskNotFound)?;
            work.commit()?;
            Ok(PutOutcome { task, ..outcome })
        })
    }
}

/// A served object's text: remembered, or to be written over what its
/// client wrote (none: a task made elsewhere).
enum Text {
    Remembered(Arc<str>),
    Unwritten(Option<String>),
}

/// Whether a write's condition holds over the task at `version` (none:
/// nothing there).
fn check(condition: &PutCondition, version: Option<i64>) -> Result<()> {
    let holds = match (condition, version) {
        (PutCondition::Any, _) => true,
        (PutCondition::Match(versions), Some(version)) => versions.contains(&version),
        (PutCondition::Absent, None) => true,
        _ => false,
    };
    if holds {
        return Ok(());
    }
    Err(Error::VersionMismatch {
        current: version.unwrap_or_default(),
    })
}

fn uid_conflict(message: String) -> Error {
    Error::CalendarObject {
        refusal: CalendarRefusal::UidConflict,
        message,
    }
}

/// A task's rules broken by an object, as CalDAV refuses them.
fn refused(error: Error) -> Error {
    match error {
        Error::Validation(errors) => Error::CalendarObject {
            refusal: CalendarRefusal::InvalidData,
            message: errors
                .errors()
                .iter()
                .map(|error| {
                    let field = error.loc.last().map(String::as_str).unwrap_or_default();
                    format!("{}: {}", property_of(field), error.msg)
                })
                .collect::<Vec<_>>()
                .join("; "),
        },
        other => other,
    }
}

/// The VTODO property a task field comes from, to name it in a refusal.
fn property_of(field: &str) -> &str {
    match field {
        "uid" => "UID",
        "title" => "SUMMARY",
        "description" => "DESCRIPTION",
        "priority" => "PRIORITY",
        "due_date" | "due_at" => "DUE",
        "tags" => "CATEGORIES",
        "completed" => "STATUS",
        "parent_id" => "RELATED-TO",
        "repeat" | "repeat_from" => "RRULE",
        "reminders" => "VALARM",
        other => other,
    }
}

/// The task an object makes in list `list`.
fn new_task(todo: &Todo, list: ListId, parent: Option<TaskId>) -> Result<NewTask> {
    let mut task = NewTask::builder(todo.title.clone())
        .uid(todo.uid.clone())
        .list(list)
        .completed(todo.completed)
        .priority(todo.priority)
        .tags(&todo.tags)
        .repeat_from(todo.repeat_from)
        .reminders(&todo.reminders);
    if let Some(description) = &todo.description {
        task = task.description(description.clone());
    }
    task = match todo.due {
        Some(Due::Date(day)) => task.due_date(day),
        Some(Due::At(at)) => task.due_at(at),
        None => task,
    };
    if let Some(rule) = &todo.repeat {
        task = task.repeat(rule);
    }
    if let Some(parent) = parent {
        task = task.parent(parent);
    }
    task.build().map_err(refused)
}

/// The change an object makes to `task`: each mapped field that differs
/// (the title at least, so that the version moves when only what taskd
/// keeps changed).
fn changes(task: &Task, todo: &Todo, parent: Option<TaskId>) -> Result<TaskPatch> {
    let mut patch = TaskPatch::builder().title(todo.title.clone());
    if todo.description != task.description {
        patch = patch.description(todo.description.clone());
    }
    if todo.completed != task.completed {
        patch = patch.completed(todo.completed);
    }
    if todo.priority != task.priority {
        patch = patch.priority(todo.priority);
    }
    if todo.due != Due::of(task) {
        patch = match todo.due {
            Some(Due::Date(day)) => patch.due_date(Some(day)),
            Some(Due::At(at)) => patch.due_at(Some(at)),
            None => patch.due_date(None).due_at(None),
        };
    }
    if todo.tags != task.tags {
        patch = patch.tags(&todo.tags);
    }
    if todo.repeat != task.repeat {
        patch = patch.repeat(todo.repeat.as_ref());
    }
    if todo.repeat_from != task.repeat_from {
        patch = patch.repeat_from(todo.repeat_from);
    }
    if todo.reminders != task.reminders {
        patch = patch.reminders(&todo.reminders);
    }
    let parent = match (&todo.parent_uid, parent) {
        // A parent not known yet leaves the task where it is until it comes.
        (Some(_), None) => task.parent_id,
        (_, parent) => parent,
    };
    if parent != task.parent_id {
        patch = patch.parent(parent);
    }
    patch.build().map_err(refused)
}
