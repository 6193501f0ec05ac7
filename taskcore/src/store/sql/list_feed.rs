//! Lists in one owner's change feed: those made or changed after a change
//! number, and those deleted since.

use super::lists::{LIST_COLUMNS, list_from_row};
use super::owner::OwnerUnit;
use super::value::{Connection, SqlResult, SqlValue, numbered};
use crate::error::Result;
use crate::model::Change;
use crate::types::ListId;

use SqlValue::{Bool, Int};

impl<C: Connection> OwnerUnit<C> {
    /// At most `rows` list changes after change `since`, each with its
    /// number, in number order; deletions too when `deletions`.
    pub(super) fn list_changes(
        &mut self,
        since: i64,
        rows: i64,
        deletions: bool,
    ) -> Result<Vec<(i64, Change)>> {
        let mut changes = Vec::new();
        let sql = numbered::<C::Dialect>(&format!(
            "SELECT {LIST_COLUMNS}, l.change_seq FROM lists l
             WHERE l.owner_id = ?1 AND l.change_seq > ?3 ORDER BY l.change_seq LIMIT ?4"
        ))
        .into_owned();
        self.unit
            .connection
            .rows(
                &sql,
                &[Int(self.owner.0), Bool(false), Int(since), Int(rows)],
                &mut |row| {
                    changes.push((
                        row.int(10)?,
                        Change::ListUpsert {
                            list: list_from_row(row)?,
                        },
                    ));
                    Ok(())
                },
            )
            .sql()?;
        if deletions {
            let sql = numbered::<C::Dialect>(
                "SELECT change_seq, id, deleted_at FROM deleted_lists
                 WHERE owner_id = ?1 AND change_seq > ?2 ORDER BY change_seq LIMIT ?3",
            )
            .into_owned();
            self.unit
                .connection
                .rows(
                    &sql,
                    &[Int(self.owner.0), Int(since), Int(rows)],
                    &mut |row| {
                        changes.push((
                            row.int(0)?,
                            Change::ListDelete {
                                id: ListId(row.int(1)?),
                                deleted_at: row.time(2)?,
                            },
                        ));
                        Ok(())
                    },
                )
                .sql()?;
        }
        Ok(changes)
    }
}
