//! One owner's tasks.

use chrono::{DateTime, Utc};

use super::backend::{Backend, Mode, TaskWork};
use super::columns::{Context, key_value, order};
use super::query::{Cursor, TaskQuery};
use super::{Store, now};
use crate::error::{Error, Result};
use crate::model::{TagCount, Task, TaskPage, User};
use crate::planning::Zone;
use crate::types::{TaskId, UserId};
use crate::wire::{DueChange, NewTask, TaskPatch};

/// From how many selected tasks a listing walks its order's index, checking
/// tags task by task, rather than looking the tagged tasks up and sorting them.
const MANY_TASKS: u64 = 1000;

/// One owner's tasks. No method takes an owner: it is fixed when the handle
/// is made, and the backend's task work is bound to it.
///
/// Writes go the way the store writes (see [`Store::write`]): each method
/// that writes hands itself, whole, to the single writer when there is one.
#[derive(Debug, Clone, Copy)]
pub struct OwnerTasks<'a> {
    store: &'a Store,
    owner: UserId,
}

impl<'a> OwnerTasks<'a> {
    pub(super) fn new(store: &'a Store, owner: UserId) -> Self {
        Self { store, owner }
    }

    fn backend(&self) -> &'a dyn Backend {
        self.store.backend.as_ref()
    }

    /// The owner these tasks belong to.
    pub fn owner(&self) -> UserId {
        self.owner
    }

    /// Work that needs the owner's zone reads it inside the work, held
    /// against a concurrent change of zone (whose rewrite of due keys then
    /// sees this work's rows); other work runs as one statement.
    fn begin(&self, needs_zone: bool) -> Result<(Box<dyn TaskWork + 'a>, Context)> {
        let mode = if needs_zone {
            Mode::Write
        } else {
            Mode::Statement
        };
        let mut work = self.backend().tasks(self.owner, mode)?;
        let zone = if needs_zone {
            work.zone()?
        } else {
            Zone::default()
        };
        Ok((work, Context { now: now(), zone }))
    }

    /// Creates a task.
    pub fn create(&self, task: &NewTask) -> Result<Task> {
        if self.store.queues_writes() {
            let (owner, task) = (self.owner, task.clone());
            return self
                .store
                .write(move |store| store.tasks(owner).create(&task));
        }
        let (mut work, context) = self.begin(task.planned.due_date.is_some())?;
        let task = work.insert(task, context)?;
        work.commit()?;
        Ok(task)
    }

    /// One page of the tasks the query selects, in its order, with how many
    /// it selects in all and the cursor of the next page; from one snapshot.
    pub fn list(&self, query: &TaskQuery) -> Result<TaskPage> {
        let mut work = self.backend().tasks(self.owner, Mode::Snapshot)?;
        let zone = if query.needs_zone() {
            work.zone()?
        } else {
            Zone::default()
        };
        let context = Context { now: now(), zone };
        let total = work.count(query, context)?;
        let many = total >= MANY_TASKS;
        let mut keyed = work.list(query, context, many)?;
        work.commit()?;
        let limit = query.page.limit() as usize;
        let more = keyed.len() > limit;
        keyed.truncate(limit);
        let next = match keyed.last() {
            Some((last, due_key)) if more => Some(next_cursor(query, last, *due_key).encode()),
            _ => None,
        };
        let tasks = keyed.into_iter().map(|(task, _)| task).collect();
        Ok(TaskPage { tasks, total, next })
    }

    /// One task.
    pub fn get(&self, id: TaskId) -> Result<Task> {
        let mut work = self.backend().tasks(self.owner, Mode::Statement)?;
        let task = work.get(id)?;
        work.commit()?;
        task.ok_or(Error::TaskNotFound)
    }

    /// Applies a partial update and returns the task as it is now.
    /// An empty patch changes nothing, not even `updated_at`.
    pub fn update(&self, id: TaskId, patch: &TaskPatch) -> Result<Task> {
        if patch.is_empty() {
            return self.get(id);
        }
        if self.store.queues_writes() {
            let (owner, patch) = (self.owner, patch.clone());
            return self
                .store
                .write(move |store| store.tasks(owner).update(id, &patch));
        }
        let needs_zone = matches!(patch.planned.due, Some(DueChange::Date(_)));
        let (mut work, context) = self.begin(needs_zone)?;
        let task = work.update(id, patch, context)?;
        work.commit()?;
        task.ok_or(Error::TaskNotFound)
    }

    /// Deletes a task.
    pub fn delete(&self, id: TaskId) -> Result<()> {
        if self.store.queues_writes() {
            let owner = self.owner;
            return self.store.write(move |store| store.tasks(owner).delete(id));
        }
        let mut work = self.backend().tasks(self.owner, Mode::Statement)?;
        let deleted = work.delete(id)?;
        work.commit()?;
        if deleted {
            Ok(())
        } else {
            Err(Error::TaskNotFound)
        }
    }

    /// The owner's tags, by name, with how many open tasks and how many
    /// tasks in all carry each.
    pub fn tags(&self) -> Result<Vec<TagCount>> {
        let mut work = self.backend().tasks(self.owner, Mode::Snapshot)?;
        let counts = work.tag_counts()?;
        work.commit()?;
        Ok(counts)
    }

    /// Changes the owner's time zone. All-day due dates stay the same days;
    /// the instants they are due by move with the zone.
    pub fn set_zone(&self, zone: Zone) -> Result<User> {
        if self.store.queues_writes() {
            let owner = self.owner;
            return self
                .store
                .write(move |store| store.tasks(owner).set_zone(zone));
        }
        let mut work = self.backend().tasks(self.owner, Mode::Write)?;
        let user = work.set_zone(zone)?;
        work.commit()?;
        Ok(user)
    }
}

/// The cursor that continues a listing after `last`, whose stored due key
/// is `due_key`.
fn next_cursor(query: &TaskQuery, last: &Task, due_key: Option<DateTime<Utc>>) -> Cursor {
    let values = order(query)
        .iter()
        .filter(|(key, _)| *key != super::query::SortKey::Id)
        .map(|(key, descending)| key_value(last, due_key, *key, *descending))
        .collect();
    Cursor {
        sort: query.sort_text(),
        values,
        id: last.id.0,
    }
}
