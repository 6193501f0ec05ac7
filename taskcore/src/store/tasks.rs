//! One owner's tasks.

use super::backend::{Backend, Mode};
use super::now;
use super::query::TaskQuery;
use crate::error::{Error, Result};
use crate::model::{Task, TaskPage};
use crate::types::{TaskId, UserId};
use crate::wire::{NewTask, TaskPatch};

/// One owner's tasks. No method takes an owner: it is fixed when the handle
/// is made, and the backend's task work is bound to it.
#[derive(Debug, Clone, Copy)]
pub struct OwnerTasks<'a> {
    backend: &'a dyn Backend,
    owner: UserId,
}

impl<'a> OwnerTasks<'a> {
    pub(super) fn new(backend: &'a dyn Backend, owner: UserId) -> Self {
        Self { backend, owner }
    }

    /// The owner these tasks belong to.
    pub fn owner(&self) -> UserId {
        self.owner
    }

    /// Creates a task.
    pub fn create(&self, task: &NewTask) -> Result<Task> {
        let mut work = self.backend.tasks(self.owner, Mode::Statement)?;
        let task = work.insert(task, now())?;
        work.commit()?;
        Ok(task)
    }

    /// One page of the tasks the query selects, in its order, with how many
    /// it selects in all; both from one snapshot.
    pub fn list(&self, query: &TaskQuery) -> Result<TaskPage> {
        let mut work = self.backend.tasks(self.owner, Mode::Snapshot)?;
        let total = work.count(query)?;
        let tasks = work.list(query)?;
        work.commit()?;
        Ok(TaskPage { tasks, total })
    }

    /// One task.
    pub fn get(&self, id: TaskId) -> Result<Task> {
        let mut work = self.backend.tasks(self.owner, Mode::Statement)?;
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
        let mut work = self.backend.tasks(self.owner, Mode::Statement)?;
        let task = work.update(id, patch, now())?;
        work.commit()?;
        task.ok_or(Error::TaskNotFound)
    }

    /// Deletes a task.
    pub fn delete(&self, id: TaskId) -> Result<()> {
        let mut work = self.backend.tasks(self.owner, Mode::Statement)?;
        let deleted = work.delete(id)?;
        work.commit()?;
        if deleted {
            Ok(())
        } else {
            Err(Error::TaskNotFound)
        }
    }
}
