//! What an export reads of a task's history: its completed occurrences
//! (the completion log's chain from the task's newest) and where its
//! series stands, a page at a time.

use super::owner::OwnerUnit;
use super::repeating::Stored;
use super::statements::Statements;
use super::table::{task_from_row, trailing};
use super::value::{Connection, RowValues, SqlResult, SqlValue, numbered};
use crate::error::Result;
use crate::export::ExportedTask;
use crate::import::{EXPORTED_COMPLETIONS, PAGE_COMPLETIONS};
use crate::model::{Completion, Due};
use crate::types::TaskId;

use SqlValue::Int;

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
