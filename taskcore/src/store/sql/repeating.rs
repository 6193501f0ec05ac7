//! Repeating tasks in one owner's work: an occurrence done moves the due
//! and is recorded, one skipped only moves it; and the rule that a repeat
//! or a lead before the due needs a due.

use std::sync::LazyLock;

use super::owner::OwnerUnit;
use super::statements::{Series, Statements, Step};
use super::table::{read_columns_text, task_from_row, trailing};
use super::value::{Connection, RowValues, SqlResult, SqlValue};
use crate::error::{Error, Result, Source, ValidationErrors};
use crate::model::{Completion, Due, DueChange, Expect, Task, TaskPatch};
use crate::repeat::Occurrence;
use crate::store::backend::{Context, RepeatWork, TaskWork};
use crate::types::{Page, TaskId};

use SqlValue::{Int, MaybeDate, MaybeTime, Time};

impl<C: Connection> OwnerUnit<C> {
    /// A task as a change would leave it has a due when its repeat rule or a
    /// lead before the due needs one; a 422 at that field otherwise.
    pub(super) fn check_needs_due(task: &Task) -> Result<()> {
        if task.due_date.is_some() || task.due_at.is_some() {
            return Ok(());
        }
        let field = if task.repeat.is_some() {
            ("repeat", "A repeating task")
        } else if task.reminders.iter().any(|reminder| reminder.is_relative()) {
            ("reminders", "A reminder before the due")
        } else {
            return Ok(());
        };
        Err(Error::Validation(ValidationErrors::single(
            Source::Body,
            field.0,
            "value_error",
            format!("{} needs a due: set due_date or due_at", field.1),
        )))
    }
}

/// Where a task's series starts and how many of its occurrences are done,
/// as its row keeps them.
#[derive(Debug, Clone, Copy)]
pub(super) struct Stored {
    anchor: Option<Due>,
    done: u32,
}

impl Stored {
    /// As the row keeps it from column `first` on: `anchor_date`,
    /// `anchor_at`, `repeat_done`.
    pub(super) fn from_row(row: &dyn RowValues, first: usize) -> Result<Self> {
        let anchor = match (row.optional_date(first)?, row.optional_time(first + 1)?) {
            (Some(day), _) => Some(Due::Date(day)),
            (None, Some(at)) => Some(Due::At(at)),
            (None, None) => None,
        };
        Ok(Self {
            anchor,
            done: u32::try_from(row.int(first + 2)?).unwrap_or(u32::MAX),
        })
    }

    /// The series an export keeps for `task`: none for a task that does
    /// not repeat or whose series starts at its due with nothing done.
    pub(super) fn exported(self, task: &Task) -> Option<Series> {
        let due = Due::of(task)?;
        task.repeat.as_ref()?;
        let series = self.series(due);
        (series != Series::new(due, 0)).then_some(series)
    }

    /// The series of a task due at `due` once `patch` is made, before an
    /// occurrence is done: a change of due or rule in the same patch starts
    /// it at the due.
    pub(super) fn patched(self, patch: &TaskPatch, due: Due) -> Series {
        if patch.due.is_some() || patch.repeat.is_some() {
            Series::new(due, 0)
        } else {
            self.series(due)
        }
    }

    /// The series of a task now due at `due`: it starts at `due` when the
    /// row kept no anchor, or one of the other kind (the due went from a
    /// day to an instant by a change that kept the series).
    fn series(self, due: Due) -> Series {
        let anchor = match (self.anchor, due) {
            (Some(anchor @ Due::Date(_)), Due::Date(_))
            | (Some(anchor @ Due::At(_)), Due::At(_)) => anchor,
            _ => due,
        };
        Series::new(anchor, self.done)
    }
}

/// The occurrence due at `due` of `series` being done (or skipped) now, and
/// how many of the series' occurrences that makes.
fn occurrence(series: Series, due: Due, context: Context) -> (Occurrence, u32) {
    let done = series.done.saturating_add(1);
    let occurrence = Occurrence {
        anchor: series.anchor,
        due,
        at: context.completion_time(),
        done,
        zone: context.zone,
    };
    (occurrence, done)
}

/// A task's newest completed occurrence, as the completion log keeps it.
struct Newest {
    id: i64,
    /// The occurrence before it, if any.
    previous: Option<i64>,
    due: Due,
    completed_at: chrono::DateTime<chrono::Utc>,
    /// Where the series stood before it was done; none for one recorded
    /// before the log kept it (migration 21), or imported.
    series: Option<Stored>,
}

/// Where the series of a task stood before the occurrence due at `due`
/// was done, for an occurrence recorded without it (before the log kept it,
/// or brought by an import), from where it stands now: an open task moved
/// on and counted the occurrence; one done ended its series with it, which
/// did not count it. A series moved on starts at its latest due (the same
/// occurrences from there), so one that starts after `due` starts at `due`.
fn derived_before(stored: Stored, completed: bool, due: Due) -> Series {
    let now = stored.series(due);
    let later = match (now.anchor, due) {
        (Due::Date(anchor), Due::Date(day)) => anchor > day,
        (Due::At(anchor), Due::At(at)) => anchor > at,
        _ => false,
    };
    let anchor = if later { due } else { now.anchor };
    let done = if completed {
        now.done
    } else {
        now.done.saturating_sub(1)
    };
    Series::new(anchor, done)
}

/// The change that moves a task's due to `next`, and nothing else.
fn moved_to(next: Due) -> TaskPatch {
    TaskPatch {
        due: Some(match next {
            Due::Date(day) => DueChange::Date(day),
            Due::At(at) => DueChange::At(at),
        }),
        ..TaskPatch::default()
    }
}

impl<C: Connection> OwnerUnit<C> {
    /// Live task `id` and where its series stands, in one read.
    pub(super) fn get_with_series(&mut self, id: TaskId) -> Result<Option<(Task, Stored)>> {
        static SQL: LazyLock<String> = LazyLock::new(|| {
            format!(
                "SELECT {}, anchor_date, anchor_at, repeat_done FROM tasks
                 WHERE id = ?1 AND owner_id = ?2",
                read_columns_text()
            )
        });
        self.unit
            .row(&SQL, &[Int(id.0), Int(self.owner.0)], |row| {
                let stored = Stored::from_row(row, const { trailing(0) })?;
                Ok((task_from_row(row)?, stored))
            })
            .sql()
    }

    /// Completing repeating task `id` (as `patch` leaves it: `after`), at
    /// the version `pinned` names, while its series goes on: the occurrence
    /// is recorded, the due moves to the next, the task stays open and its
    /// done subtasks open again. `Some(None)` when the series has no
    /// further occurrence (the completion closes the task as any other);
    /// `None` when the task is no longer at that version.
    pub(super) fn complete_occurrence(
        &mut self,
        id: TaskId,
        (after, stored): (&Task, Stored),
        patch: &TaskPatch,
        context: Context,
        pinned: &Expect,
    ) -> Result<Option<Option<Task>>> {
        let (Some(rule), Some(due)) = (after.repeat.as_ref(), Due::of(after)) else {
            return Ok(Some(None));
        };
        let series = stored.patched(patch, due);
        let (occurrence, done) = occurrence(series, due, context);
        let Some(next) = rule.next_due(after.repeat_from, &occurrence) else {
            return Ok(Some(None));
        };
        let moved = TaskPatch {
            completed: None,
            ..patch.clone()
        };
        let moved = TaskPatch {
            due: moved_to(next).due,
            ..moved
        };
        // Recorded first, so that the task's own update names it as the
        // newest: one write of the task row.
        let recorded = self.insert_completion(id, due, context.completion_time(), series)?;
        let statement = Statements::<C::Dialect>::update_series(
            self.owner,
            id,
            &moved,
            context,
            pinned,
            Some(Step {
                series: Series::new(
                    rule.anchor_after(after.repeat_from, &occurrence, next),
                    done,
                ),
                newest: Some(Some(recorded)),
            }),
        );
        let Some(task) = self.task(&statement)? else {
            // Changed meanwhile (PostgreSQL): the caller reads it again.
            self.unit.execute(
                "DELETE FROM task_completions WHERE owner_id = ?1 AND id = ?2",
                &[Int(self.owner.0), Int(recorded)],
            )?;
            return Ok(None);
        };
        // The next occurrence starts with its subtasks to do.
        let reopen = TaskPatch {
            completed: Some(false),
            ..TaskPatch::default()
        };
        for (descendant, _) in self.descendants(id)? {
            if self.get(descendant)?.is_some_and(|child| child.completed) {
                self.task(&Statements::<C::Dialect>::update(
                    self.owner,
                    descendant,
                    &reopen,
                    context,
                    &Expect::Any,
                ))?;
            }
        }
        Ok(Some(Some(task)))
    }

    /// Records that task `id`'s occurrence due at `due`, the last of its
    /// series, was done at `at`, its series at `series` until then: at the
    /// end of the completion log, chained to the task's previous
    /// occurrence, and the task's newest. Once only: a task its series
    /// ended, reopened and done again, keeps the one record. (The log has
    /// no index by task, so a batch of completions of different tasks
    /// writes the log's last page rather than a leaf per task.)
    pub(super) fn record_last_completion(
        &mut self,
        id: TaskId,
        due: Due,
        at: chrono::DateTime<chrono::Utc>,
        series: Series,
    ) -> Result<()> {
        // The same occurrence closed again: the same due, and the series
        // where it stood when that was recorded.
        if self.newest_completion(id)?.is_some_and(|newest| {
            newest.due == due && newest.series.map(|kept| kept.series(due)) == Some(series)
        }) {
            return Ok(());
        }
        let recorded = self.insert_completion(id, due, at, series)?;
        self.unit.execute(
            "UPDATE tasks SET last_completion = ?3 WHERE owner_id = ?1 AND id = ?2",
            &[Int(self.owner.0), Int(id.0), Int(recorded)],
        )?;
        Ok(())
    }

    /// Adds task `id`'s occurrence due at `due`, done at `at`, to the end
    /// of the completion log, chained to the task's newest, with where the
    /// series stood before it (what taking it back puts back), and returns
    /// its id; the task does not name it yet.
    fn insert_completion(
        &mut self,
        id: TaskId,
        due: Due,
        at: chrono::DateTime<chrono::Utc>,
        series: Series,
    ) -> Result<i64> {
        self.unit
            .row(
                "INSERT INTO task_completions
                     (owner_id, task_id, previous_id, ordinal, due_date, due_at, completed_at,
                      anchor_date, anchor_at, repeat_done)
                 SELECT t.owner_id, t.id, t.last_completion, COALESCE(c.ordinal, 0) + 1, ?3, ?4, ?5,
                        ?6, ?7, ?8
                 FROM tasks t LEFT JOIN task_completions c ON c.id = t.last_completion
                 WHERE t.owner_id = ?1 AND t.id = ?2
                 RETURNING id",
                &[
                    Int(self.owner.0),
                    Int(id.0),
                    MaybeDate(due.date()),
                    MaybeTime(due.at()),
                    Time(at),
                    MaybeDate(series.anchor.date()),
                    MaybeTime(series.anchor.at()),
                    Int(i64::from(series.done)),
                ],
                |row| row.int(0),
            )
            .sql()?
            .ok_or(Error::TaskNotFound)
    }

    /// One attempt at a skip, pinned to the version it read: `None` when
    /// the task changed meanwhile.
    fn skip_once(&mut self, id: TaskId, expect: &Expect, context: Context) -> Result<Option<Task>> {
        let (before, stored) = self.get_with_series(id)?.ok_or(Error::TaskNotFound)?;
        if !expect.admits(before.version) {
            return Err(Error::VersionMismatch {
                current: before.version,
            });
        }
        let (Some(rule), Some(due)) = (before.repeat.as_ref(), Due::of(&before)) else {
            return Err(Error::Conflict(format!(
                "Task {} does not repeat: there is no occurrence to skip",
                id.0
            )));
        };
        if before.completed {
            return Err(Error::Conflict(format!(
                "Task {} is done: its series has ended (reopen it to go on)",
                id.0
            )));
        }
        let (occurrence, done) = occurrence(stored.series(due), due, context);
        let Some(next) = rule.skipped_due(before.repeat_from, &occurrence) else {
            return Err(Error::Conflict(format!(
                "Task {}'s series has no further occurrence: complete it or change its rule",
                id.0
            )));
        };
        let moved = moved_to(next);
        let statement = Statements::<C::Dialect>::update_series(
            self.owner,
            id,
            &moved,
            context,
            &Expect::OneOf(vec![before.version]),
            Some(Step {
                series: Series::new(
                    rule.anchor_after(before.repeat_from, &occurrence, next),
                    done,
                ),
                newest: None,
            }),
        );
        self.task(&statement)
    }

    /// One attempt at taking back the newest completed occurrence, pinned
    /// to the version it read: `None` when the task changed meanwhile.
    fn uncomplete_once(
        &mut self,
        id: TaskId,
        expect: &Expect,
        context: Context,
    ) -> Result<Option<Task>> {
        let (before, stored) = self.get_with_series(id)?.ok_or(Error::TaskNotFound)?;
        if !expect.admits(before.version) {
            return Err(Error::VersionMismatch {
                current: before.version,
            });
        }
        let Some(rule) = before.repeat.as_ref() else {
            return Err(Error::Conflict(format!(
                "Task {} does not repeat: it has no completed occurrence to take back \
                 (reopen it with completed: false)",
                id.0
            )));
        };
        let Some(newest) = self.newest_completion(id)? else {
            return Err(Error::Conflict(format!(
                "Task {} has no completed occurrence to take back",
                id.0
            )));
        };
        let due = newest.due;
        let series = match newest.series {
            Some(kept) => kept.series(due),
            None => derived_before(stored, before.completed, due),
        };
        // Only while the task stands where doing that occurrence left it:
        // a skip since, or a change of its due, rule or zone, moved it on
        // from there, and taking the occurrence back would undo that too.
        let done = Occurrence {
            anchor: series.anchor,
            due,
            at: newest.completed_at,
            done: series.done.saturating_add(1),
            zone: context.zone,
        };
        let (left_at, left_series) = match rule.next_due(before.repeat_from, &done) {
            Some(next) => {
                let anchor = rule.anchor_after(before.repeat_from, &done, next);
                ((next, false), Series::new(anchor, done.done))
            }
            None => ((due, true), series),
        };
        let now = Due::of(&before).map(|at| (at, before.completed));
        // (A series derived from where it stands agrees with it.)
        let stands = now == Some(left_at)
            && (newest.series.is_none() || stored.series(left_at.0) == left_series);
        if !stands {
            return Err(Error::Conflict(format!(
                "Task {} has changed since its newest occurrence was done (skipped, or its \
                 due or rule changed): that occurrence is no longer taken back",
                id.0
            )));
        }
        let back = TaskPatch {
            completed: before.completed.then_some(false),
            ..moved_to(due)
        };
        let statement = Statements::<C::Dialect>::update_series(
            self.owner,
            id,
            &back,
            context,
            &Expect::OneOf(vec![before.version]),
            Some(Step {
                series,
                newest: Some(newest.previous),
            }),
        );
        let Some(task) = self.task(&statement)? else {
            return Ok(None);
        };
        self.unit.execute(
            "DELETE FROM task_completions WHERE owner_id = ?1 AND id = ?2",
            &[Int(self.owner.0), Int(newest.id)],
        )?;
        Ok(Some(task))
    }

    /// A step along task `id`'s series, each attempt pinned to the version
    /// it read: a change made meanwhile (PostgreSQL's writers run at once)
    /// makes it read again, and after four a conflict says `during` what.
    fn pinned(
        &mut self,
        id: TaskId,
        during: &str,
        mut attempt: impl FnMut(&mut Self) -> Result<Option<Task>>,
    ) -> Result<Task> {
        for _ in 0..4 {
            if let Some(task) = attempt(self)? {
                return Ok(task);
            }
        }
        Err(Error::Conflict(format!(
            "Task {} kept changing while {during}: send it again",
            id.0
        )))
    }

    /// Task `id`'s newest completed occurrence, if it has one with a due.
    fn newest_completion(&mut self, id: TaskId) -> Result<Option<Newest>> {
        let newest = self
            .unit
            .row(
                "SELECT c.id, c.previous_id, c.due_date, c.due_at, c.completed_at,
                        c.anchor_date, c.anchor_at, c.repeat_done
                 FROM tasks t JOIN task_completions c ON c.id = t.last_completion
                 WHERE t.owner_id = ?1 AND t.id = ?2",
                &[Int(self.owner.0), Int(id.0)],
                |row| {
                    let due = match (row.optional_date(2)?, row.optional_time(3)?) {
                        (Some(day), _) => Due::Date(day),
                        (None, Some(at)) => Due::At(at),
                        (None, None) => return Ok(None),
                    };
                    let series = match row.optional_int(7)? {
                        Some(_) => Some(Stored::from_row(row, 5)?),
                        None => None,
                    };
                    Ok(Some(Newest {
                        id: row.int(0)?,
                        previous: row.optional_int(1)?,
                        due,
                        completed_at: row.time(4)?,
                        series,
                    }))
                },
            )
            .sql()?;
        Ok(newest.flatten())
    }
}

impl<C: Connection> RepeatWork for OwnerUnit<C> {
    fn skip(&mut self, id: TaskId, expect: &Expect, context: Context) -> Result<Task> {
        self.pinned(id, "it was skipped", |unit| {
            unit.skip_once(id, expect, context)
        })
    }

    fn uncomplete(&mut self, id: TaskId, expect: &Expect, context: Context) -> Result<Task> {
        self.pinned(id, "its completion was taken back", |unit| {
            unit.uncomplete_once(id, expect, context)
        })
    }

    fn completions(&mut self, id: TaskId, page: Page) -> Result<(u64, Vec<Completion>)> {
        self.completions_page(id, page)
    }

    fn restore_history(
        &mut self,
        id: TaskId,
        completions: &[Completion],
        series: Option<Series>,
    ) -> Result<()> {
        self.restore_completions(id, completions, series)
    }
}
