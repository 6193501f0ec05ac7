//! A task's history in the completion log: each task's occurrences done
//! are a chain from its newest, read a page at a time, kept by an export
//! with where its series stands, brought back by an import, and forgotten
//! when the task is erased.

use super::owner::OwnerUnit;
use super::repeating::Stored;
use super::statements::Statements;
use super::table::{task_from_row, trailing};
use super::value::{Connection, RowValues, SqlResult, SqlValue, numbered};
use crate::error::{Error, Result};
use crate::export::ExportedTask;
use crate::import::{EXPORTED_COMPLETIONS, PAGE_COMPLETIONS};
use crate::model::{Completion, Due, Series};
use crate::store::backend::TaskWork;
use crate::types::{Page, TaskId};

use SqlValue::{Int, MaybeDate, MaybeTime, Time};

/// A completed occurrence from a row's `due_date`, `due_at` and
/// `completed_at`; none for a row without a due.
pub(super) fn completion_from_row(row: &dyn RowValues) -> Result<Option<Completion>> {
    let due = match (row.optional_date(0)?, row.optional_time(1)?) {
        (Some(day), _) => Due::Date(day),
        (None, Some(at)) => Due::At(at),
        (None, None) => return Ok(None),
    };
    Ok(Some(Completion {
        due,
        completed_at: row.time(2)?,
    }))
}

impl<C: Connection> OwnerUnit<C> {
    /// A page of live task `id`'s completed occurrences, newest first, and
    /// how many it has.
    pub(super) fn completions_page(
        &mut self,
        id: TaskId,
        page: Page,
    ) -> Result<(u64, Vec<Completion>)> {
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

    /// Gives task `id`, just imported, the completed occurrences (newest
    /// first) and the series an export kept.
    pub(super) fn restore_completions(
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

impl<C: Connection> OwnerUnit<C> {
    /// Up to `rows` tasks, live and trashed, by id after `after`, each with
    /// its history: what an export reads.
    pub(super) fn exported_with_history(
        &mut self,
        after: TaskId,
        rows: i64,
    ) -> Result<Vec<ExportedTask>> {
        let statement = Statements::<C::Dialect>::exported(self.owner, after.0, rows);
        let mut tasks = Vec::new();
        self.unit
            .connection
            .rows(&statement.sql, &statement.values, &mut |row| {
                let task = task_from_row(row)?;
                let deleted_at = row.optional_time(const { trailing(0) })?;
                let stored = Stored::from_row(row, const { trailing(1) })?;
                let newest = row.optional_int(const { trailing(4) })?;
                tasks.push((ExportedTask::new(task, deleted_at), stored, newest));
                Ok(())
            })
            .sql()?;
        let mut page = Vec::with_capacity(tasks.len());
        let mut occurrences = 0;
        for (mut exported, stored, newest) in tasks {
            // A page of long histories ends early; the next starts after it.
            if occurrences >= PAGE_COMPLETIONS {
                break;
            }
            exported.series = stored.exported(&exported.task);
            if let Some(newest) = newest {
                exported.completions = self.completions_from(newest, EXPORTED_COMPLETIONS)?;
                occurrences += exported.completions.len();
            }
            page.push(exported);
        }
        Ok(page)
    }

    /// Up to `rows` completed occurrences of one task, newest first, from
    /// its newest, `newest`: what an export keeps of its history.
    pub(super) fn completions_from(&mut self, newest: i64, rows: u32) -> Result<Vec<Completion>> {
        let sql = numbered::<C::Dialect>(
            "WITH RECURSIVE chain (id, depth) AS (
                     SELECT id, 0 FROM task_completions WHERE owner_id = ?1 AND id = ?2
                     UNION ALL
                     SELECT c.previous_id, chain.depth + 1 FROM task_completions c
                     JOIN chain ON c.id = chain.id
                     WHERE c.previous_id IS NOT NULL AND chain.depth + 1 < CAST(?3 AS BIGINT))
                 SELECT c.due_date, c.due_at, c.completed_at FROM chain
                 JOIN task_completions c ON c.id = chain.id
                 ORDER BY chain.depth",
        )
        .into_owned();
        self.completions_read(
            &sql,
            &[Int(self.owner.0), Int(newest), Int(i64::from(rows))],
        )
    }

    /// The completed occurrences `sql` reads (`due_date`, `due_at`,
    /// `completed_at`), in its order.
    pub(super) fn completions_read(
        &mut self,
        sql: &str,
        values: &[SqlValue],
    ) -> Result<Vec<Completion>> {
        let mut completions = Vec::new();
        self.unit
            .connection
            .rows(sql, values, &mut |row| {
                completions.extend(completion_from_row(row)?);
                Ok(())
            })
            .sql()?;
        Ok(completions)
    }
}
