//! A change that reads the task first: one of place (list, parent),
//! completion, repeat or reminders, or one clearing a due. What it read
//! must still be the task when it writes, so the write is pinned to the
//! version read: a change made meanwhile (possible on PostgreSQL, whose
//! writers run at once) makes it read again, as if it had come after.

use super::owner::OwnerUnit;
use super::repeating::Stored;
use super::statements::Statements;
use super::value::Connection;
use crate::error::{Error, Result};
use crate::model::{Due, DueChange, Expect, Task, TaskPatch};
use crate::store::backend::{Context, ListWork};
use crate::types::TaskId;

/// How many times a change is read again when the task changed meanwhile.
const ATTEMPTS: usize = 4;

/// `patch` without what would leave `before` as it is: a due it already
/// has and a rule it already follows (an undo sends every field). Such
/// values would start a repeating task's series again.
fn without_restated(patch: &TaskPatch, before: &Task) -> TaskPatch {
    let mut patch = patch.clone();
    let due_kept = match patch.due {
        Some(DueChange::Date(day)) => before.due_date == Some(day) && before.due_at.is_none(),
        Some(DueChange::At(at)) => before.due_at == Some(at),
        _ => false,
    };
    if due_kept {
        patch.due = None;
    }
    if patch.repeat.as_ref() == Some(&before.repeat) {
        patch.repeat = None;
    }
    patch
}

impl<C: Connection> OwnerUnit<C> {
    /// Applies `patch` to task `id` after reading it; see the module.
    pub(super) fn update_read(
        &mut self,
        id: TaskId,
        patch: &TaskPatch,
        context: Context,
        expect: &Expect,
    ) -> Result<Task> {
        for _ in 1..ATTEMPTS {
            let Some((before, stored)) = self.get_with_series(id)? else {
                return Err(Error::TaskNotFound);
            };
            if !expect.admits(before.version) {
                return Err(Error::VersionMismatch {
                    current: before.version,
                });
            }
            match self.update_from(id, patch, context, (&before, stored))? {
                Some(task) => return Ok(task),
                // Changed meanwhile: read it again.
                None => continue,
            }
        }
        Err(Error::Conflict(format!(
            "Task {} kept changing while this change was made: send it again",
            id.0
        )))
    }

    /// [`OwnerUnit::update_read`] once, from `before`; `None` when the task
    /// is no longer at `before`'s version.
    fn update_from(
        &mut self,
        id: TaskId,
        patch: &TaskPatch,
        context: Context,
        (before, stored): (&Task, Stored),
    ) -> Result<Option<Task>> {
        let pinned = Expect::OneOf(vec![before.version]);
        let mut patch = without_restated(patch, before);
        match (patch.parent, patch.list) {
            (Some(Some(parent)), list) => {
                let parents = self.check_parent(Some(id), parent)?;
                if list.is_some_and(|list| list != parents) {
                    return Err(Self::subtask_list());
                }
                self.holds_list(parents)?;
                patch.list = (parents != before.list_id).then_some(parents);
            }
            (parent, Some(list)) => {
                // Staying a subtask, it stays in its parent's list.
                if before.parent_id.is_some() && parent.is_none() && list != before.list_id {
                    return Err(Self::subtask_list());
                }
                if !self.holds_list(list)? {
                    return Err(Self::unknown_list());
                }
            }
            (_, None) => {}
        }
        let after = patch.applied_to(before);
        Self::check_needs_due(&after)?;
        let completes = patch.completed == Some(true) && !before.completed;
        if completes && after.repeat.is_some() {
            match self.complete_occurrence(id, (&after, stored), &patch, context, &pinned)? {
                Some(Some(task)) => {
                    let moved = TaskPatch {
                        completed: None,
                        ..patch
                    };
                    self.follow(id, &task, before, &moved, context)?;
                    return Ok(Some(task));
                }
                Some(None) => {}
                None => return Ok(None),
            }
        }
        let Some(task) = self.task(&Statements::<C::Dialect>::update(
            self.owner, id, &patch, context, &pinned,
        ))?
        else {
            return Ok(None);
        };
        // The last occurrence of a series that ends is recorded too.
        if completes
            && after.repeat.is_some()
            && let Some(due) = Due::of(&after)
        {
            let series = stored.patched(&patch, due);
            self.record_last_completion(id, due, context.completion_time(), series)?;
        }
        self.follow(id, &task, before, &patch, context)?;
        Ok(Some(task))
    }
}
