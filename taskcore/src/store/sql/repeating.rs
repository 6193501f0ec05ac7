//! Repeating tasks in one owner's work: an occurrence done moves the due
//! and is recorded, one skipped only moves it; and the rule that a repeat
//! or a lead before the due needs a due.

use std::sync::LazyLock;

use super::owner::OwnerUnit;
use super::statements::{Series, Statements, Step};
use super::table::{read_columns_text, task_from_row, trailing};
use super::value::{Connection, RowValues, SqlResult, SqlValue, numbered};
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

    /// Records that task `id`'s occurrence due at `due` was done at `at`,
    /// its series at `series` until then: at the end of the completion log,
    /// chained to the task's previous occurrence, and the task's newest.
    /// The log has no index by task, so a batch of completions of different
    /// tasks writes the log's last page rather than a leaf per task.
    pub(super) fn record_completion(
        &mut self,
        id: TaskId,
        due: Due,
        at: chrono::DateTime<chrono::Utc>,
        series: Series,
    ) -> Result<()> {
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
        if before.repeat.is_none() {
            return Err(Error::Conflict(format!(
                "Task {} does not repeat: it has no completed occurrence to take back \
                 (reopen it with completed: false)",
                id.0
            )));
        }
        let newest = self
            .unit
            .row(
                "SELECT c.id, c.previous_id, c.due_date, c.due_at,
                        c.anchor_date, c.anchor_at, c.repeat_done
                 FROM tasks t JOIN task_completions c ON c.id = t.last_completion
                 WHERE t.owner_id = ?1 AND t.id = ?2",
                &[Int(self.owner.0), Int(id.0)],
                |row| {
                    let due = match (row.optional_date(2)?, row.optional_time(3)?) {
                        (Some(day), _) => Some(Due::Date(day)),
                        (None, Some(at)) => Some(Due::At(at)),
                        (None, None) => None,
                    };
                    let kept = match row.optional_int(6)? {
                        Some(_) => Some(Stored::from_row(row, 4)?),
                        None => None,
                    };
                    Ok((row.int(0)?, row.optional_int(1)?, due, kept))
                },
            )
            .sql()?;
        let Some((completion, previous, Some(due), kept)) = newest else {
            return Err(Error::Conflict(format!(
                "Task {} has no completed occurrence to take back",
                id.0
            )));
        };
        let series = match kept {
            Some(kept) => kept.series(due),
            None => derived_before(stored, before.completed, due),
        };
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
                newest: Some(previous),
            }),
        );
        let Some(task) = self.task(&statement)? else {
            return Ok(None);
        };
        self.unit.execute(
            "DELETE FROM task_completions WHERE owner_id = ?1 AND id = ?2",
            &[Int(self.owner.0), Int(completion)],
        )?;
        Ok(Some(task))
    }

    /// Forgets the completed occurrences of trashed task `id` (about to be
    /// erased for good): its chain in the completion log, from the newest.
    pub(super) fn forget_completions(&mut self, id: TaskId) -> Result<()> {
        self.unit.execute(
            &format!(
                "{CHAINS} DELETE FROM task_completions WHERE id IN (SELECT id FROM chain)",
                CHAINS = chains("trashed_tasks", "owner_id = ?1 AND id = ?2", "1 = 1")
            ),
            &[Int(self.owner.0), Int(id.0)],
        )?;
        Ok(())
    }
}

/// The ids of the completion log's chains whose newest occurrences are the
/// `last_completion` of the rows of `table` that `which` selects, as the
/// table `chain (id, depth)`, newest first (depth 0), walked back while
/// `deeper` holds.
pub(super) fn chains(table: &str, which: &str, deeper: &str) -> String {
    format!(
        "WITH RECURSIVE chain (id, depth) AS (
             SELECT last_completion, 0 FROM {table}
             WHERE {which} AND last_completion IS NOT NULL
             UNION ALL
             SELECT c.previous_id, chain.depth + 1 FROM task_completions c
             JOIN chain ON c.id = chain.id
             WHERE c.previous_id IS NOT NULL AND {deeper})"
    )
}

impl<C: Connection> RepeatWork for OwnerUnit<C> {
    fn skip(&mut self, id: TaskId, expect: &Expect, context: Context) -> Result<Task> {
        // Pinned to the version read; a change made meanwhile (PostgreSQL's
        // writers run at once) makes it read again.
        for _ in 0..4 {
            if let Some(task) = self.skip_once(id, expect, context)? {
                return Ok(task);
            }
        }
        Err(Error::Conflict(format!(
            "Task {} kept changing while it was skipped: send it again",
            id.0
        )))
    }

    fn uncomplete(&mut self, id: TaskId, expect: &Expect, context: Context) -> Result<Task> {
        for _ in 0..4 {
            if let Some(task) = self.uncomplete_once(id, expect, context)? {
                return Ok(task);
            }
        }
        Err(Error::Conflict(format!(
            "Task {} kept changing while its completion was taken back: send it again",
            id.0
        )))
    }

    fn completions(&mut self, id: TaskId, page: Page) -> Result<(u64, Vec<Completion>)> {
        if self.get(id)?.is_none() {
            return Err(Error::TaskNotFound);
        }
        // The newest occurrence counts them; the chain walks back from it
        // as far as the page reaches.
        let total = self
            .unit
            .row(
                "SELECT c.ordinal FROM tasks t JOIN task_completions c ON c.id = t.last_completion
                 WHERE t.owner_id = ?1 AND t.id = ?2",
                &[Int(self.owner.0), Int(id.0)],
                |row| row.int(0),
            )
            .sql()?
            .unwrap_or_default();
        let sql = numbered::<C::Dialect>(&format!(
            "{CHAINS}
             SELECT c.due_date, c.due_at, c.completed_at FROM chain
             JOIN task_completions c ON c.id = chain.id
             WHERE chain.depth >= ?4 ORDER BY chain.depth LIMIT ?3",
            CHAINS = chains(
                "tasks",
                "owner_id = ?1 AND id = ?2",
                "chain.depth + 1 < CAST(?3 AS BIGINT) + CAST(?4 AS BIGINT)"
            ),
        ))
        .into_owned();
        let completions = self.completions_read(
            &sql,
            &[
                Int(self.owner.0),
                Int(id.0),
                Int(i64::from(page.limit())),
                Int(i64::try_from(page.skip()).unwrap_or(i64::MAX)),
            ],
        )?;
        Ok((u64::try_from(total).unwrap_or_default(), completions))
    }

    fn restore_history(
        &mut self,
        id: TaskId,
        completions: &[Completion],
        series: Option<Series>,
    ) -> Result<()> {
        // Oldest first: each is chained to the one before, as if done here;
        // the task names the newest once all are in.
        let mut previous = None;
        for (ordinal, done) in (1..).zip(completions.iter().rev()) {
            let recorded = self
                .unit
                .row(
                    "INSERT INTO task_completions
                         (owner_id, task_id, previous_id, ordinal, due_date, due_at, completed_at)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
                     RETURNING id",
                    &[
                        Int(self.owner.0),
                        Int(id.0),
                        SqlValue::MaybeInt(previous),
                        Int(ordinal),
                        MaybeDate(done.due.date()),
                        MaybeTime(done.due.at()),
                        Time(done.completed_at),
                    ],
                    |row| row.int(0),
                )
                .sql()?;
            previous = recorded;
        }
        if let Some(newest) = previous {
            self.unit.execute(
                "UPDATE tasks SET last_completion = ?3 WHERE owner_id = ?1 AND id = ?2",
                &[Int(self.owner.0), Int(id.0), Int(newest)],
            )?;
        }
        if let Some(series) = series {
            self.unit.execute(
                "UPDATE tasks SET anchor_date = ?3, anchor_at = ?4, repeat_done = ?5
                 WHERE owner_id = ?1 AND id = ?2 AND repeat IS NOT NULL",
                &[
                    Int(self.owner.0),
                    Int(id.0),
                    MaybeDate(series.anchor.date()),
                    MaybeTime(series.anchor.at()),
                    Int(i64::from(series.done)),
                ],
            )?;
        }
        Ok(())
    }
}
