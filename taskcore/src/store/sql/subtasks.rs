//! Subtasks in one owner's work: a task's descendants, how deep it sits,
//! and whether a task may become another's subtask.

use super::dialect::Dialect;
use super::owner::OwnerUnit;
use super::statements::Statements;
use super::value::{Connection, SqlResult, SqlValue, numbered};
use crate::error::{Error, Result, Source, ValidationErrors};
use crate::model::{Expect, Task, TaskPatch};
use crate::store::backend::{Context, TaskWork};
use crate::types::{ListId, TaskId};

use SqlValue::Int;

/// The most levels a tree of tasks has, the top task counted.
pub const MAX_DEPTH: usize = 5;

/// A refusal of a `parent_id`, at that field.
pub(crate) fn bad_parent(message: &str) -> Error {
    Error::Validation(ValidationErrors::single(
        Source::Body,
        "parent_id",
        "value_error",
        message,
    ))
}

impl<C: Connection> OwnerUnit<C> {
    /// The refusal of a `list_id` that would take a subtask out of its
    /// parent's list.
    pub(super) fn subtask_list() -> Error {
        Error::Validation(ValidationErrors::single(
            Source::Body,
            "list_id",
            "value_error",
            "A subtask is in its parent's list: move the parent, or make it a top-level task \
             (parent_id null)",
        ))
    }

    /// The refusal of a `list_id` that is not one of the owner's lists.
    pub(super) fn unknown_list() -> Error {
        Error::Validation(ValidationErrors::single(
            Source::Body,
            "list_id",
            "value_error",
            "No list of yours has this id",
        ))
    }

    /// Erases one trashed task; the change feed keeps its deletion.
    pub(super) fn erase_one(&mut self, id: TaskId) -> Result<()> {
        let erased = self.unit.execute(
            &format!(
                "INSERT INTO erased_tasks (id, owner_id, deleted_at, change_seq, source)
                 SELECT id, owner_id, deleted_at, change_seq, source FROM trashed_tasks
                 WHERE id = ?1 AND owner_id = ?2{}",
                C::Dialect::LOCK_FOR_UPDATE
            ),
            &[Int(id.0), Int(self.owner.0)],
        )?;
        if erased == 0 {
            return Err(Error::TaskNotFound);
        }
        // Its chain of occurrences starts at the trashed row: first them.
        self.forget_completions(id)?;
        self.forget_object(id)?;
        let statement = Statements::<C::Dialect>::untrash(self.owner, id);
        self.unit.execute(&statement.sql, &statement.values)?;
        Ok(())
    }

    /// After task `id` changed from `before` to `task` by `patch`: its
    /// subtasks follow it to another list, and are done when it is.
    pub(super) fn follow(
        &mut self,
        id: TaskId,
        task: &Task,
        before: &Task,
        patch: &TaskPatch,
        context: Context,
    ) -> Result<()> {
        let moved = task.list_id != before.list_id;
        let done = patch.completed == Some(true) && !before.completed;
        if moved || done {
            for (descendant, _) in self.descendants(id)? {
                let follow = TaskPatch {
                    list: moved.then_some(task.list_id),
                    completed: done.then_some(true),
                    ..TaskPatch::default()
                };
                let open = match self.get(descendant)? {
                    Some(child) => !child.completed,
                    None => continue,
                };
                if moved || open {
                    let follow = TaskPatch {
                        completed: follow.completed.filter(|_| open),
                        ..follow
                    };
                    self.task(&Statements::<C::Dialect>::update(
                        self.owner,
                        descendant,
                        &follow,
                        context,
                        &Expect::Any,
                    ))?;
                }
            }
        }
        Ok(())
    }

    /// The live descendants of task `id` (not itself), each with its level
    /// below it (1: a child), parents before their children.
    pub(super) fn descendants(&mut self, id: TaskId) -> Result<Vec<(TaskId, usize)>> {
        // Most tasks have no subtasks: one index probe answers for them,
        // where the walk below would set up its queue and its sort.
        let has_children = self
            .unit
            .row(
                "SELECT id FROM tasks WHERE owner_id = ?1 AND parent_id = ?2 LIMIT 1",
                &[Int(self.owner.0), Int(id.0)],
                |row| row.int(0),
            )
            .sql()?
            .is_some();
        if !has_children {
            return Ok(Vec::new());
        }
        let sql = numbered::<C::Dialect>(
            "WITH RECURSIVE tree (id, level) AS (
                 SELECT id, CAST(1 AS BIGINT) FROM tasks WHERE owner_id = ?1 AND parent_id = ?2
                 UNION ALL
                 SELECT t.id, tree.level + 1 FROM tasks t JOIN tree ON t.parent_id = tree.id
                 WHERE t.owner_id = ?1 AND tree.level < 16)
             SELECT id, level FROM tree ORDER BY level, id",
        )
        .into_owned();
        let mut found = Vec::new();
        self.unit
            .connection
            .rows(&sql, &[Int(self.owner.0), Int(id.0)], &mut |row| {
                found.push((
                    TaskId(row.int(0)?),
                    usize::try_from(row.int(1)?).unwrap_or(usize::MAX),
                ));
                Ok(())
            })
            .sql()?;
        Ok(found)
    }

    /// The level of live task `id` (1: a top-level task), and its list;
    /// `None` when the owner has no such live task.
    fn level_of(&mut self, id: TaskId) -> Result<Option<(usize, ListId)>> {
        // Held until the work ends: it cannot go to the trash meanwhile.
        let held = self
            .unit
            .row(
                &format!(
                    "SELECT list_id FROM tasks WHERE owner_id = ?1 AND id = ?2{}",
                    C::Dialect::LOCK_FOR_SHARE
                ),
                &[Int(self.owner.0), Int(id.0)],
                |row| row.int(0),
            )
            .sql()?;
        let Some(list) = held else {
            return Ok(None);
        };
        let sql = numbered::<C::Dialect>(
            "WITH RECURSIVE up (id, parent_id, level) AS (
                 SELECT id, parent_id, CAST(1 AS BIGINT) FROM tasks WHERE owner_id = ?1 AND id = ?2
                 UNION ALL
                 SELECT t.id, t.parent_id, up.level + 1 FROM tasks t JOIN up ON t.id = up.parent_id
                 WHERE t.owner_id = ?1 AND up.level < 16)
             SELECT MAX(level) FROM up",
        )
        .into_owned();
        let mut level = 1;
        self.unit
            .connection
            .rows(&sql, &[Int(self.owner.0), Int(id.0)], &mut |row| {
                if let Some(found) = row.optional_int(0)? {
                    level = usize::try_from(found).unwrap_or(usize::MAX);
                }
                Ok(())
            })
            .sql()?;
        Ok(Some((level, ListId(list))))
    }

    /// Whether task `task` (a new one when `None`) may become a subtask of
    /// `parent`: a live task of the owner's, not the task itself or one of
    /// its descendants, the tree no deeper than [`MAX_DEPTH`]. The parent's
    /// list: where the subtask goes.
    pub(super) fn check_parent(&mut self, task: Option<TaskId>, parent: TaskId) -> Result<ListId> {
        if task == Some(parent) {
            return Err(bad_parent("A task cannot be its own subtask"));
        }
        let (height, below) = match task {
            Some(task) => {
                let below = self.descendants(task)?;
                let height = 1 + below.iter().map(|(_, level)| *level).max().unwrap_or(0);
                (height, below)
            }
            None => (1, Vec::new()),
        };
        if below.iter().any(|(id, _)| *id == parent) {
            return Err(bad_parent(
                "A task cannot become a subtask of one of its own subtasks",
            ));
        }
        let Some((level, list)) = self.level_of(parent)? else {
            return Err(bad_parent(
                "No live task of yours has this id (a task in the trash cannot be a parent)",
            ));
        };
        if level + height > MAX_DEPTH {
            return Err(bad_parent(&format!(
                "Tasks nest at most {MAX_DEPTH} levels deep, the top task counted; this \
                 would make {}",
                level + height
            )));
        }
        Ok(list)
    }

    /// The trashed tasks that went to the trash with task `id` (its own
    /// deletion), itself first.
    pub(super) fn trashed_with(&mut self, id: TaskId) -> Result<Vec<TaskId>> {
        let sql = numbered::<C::Dialect>(
            "SELECT id FROM trashed_tasks WHERE owner_id = ?1 AND trashed_with = ?2
             ORDER BY CASE WHEN id = ?2 THEN 0 ELSE 1 END, id",
        )
        .into_owned();
        let mut found = Vec::new();
        self.unit
            .connection
            .rows(&sql, &[Int(self.owner.0), Int(id.0)], &mut |row| {
                found.push(TaskId(row.int(0)?));
                Ok(())
            })
            .sql()?;
        Ok(found)
    }
}
