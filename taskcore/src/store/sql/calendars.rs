//! The path segments CalDAV clients chose for the calendars they made, in
//! the work bound to one owner. A list no client named is at its id.

use super::owner::OwnerUnit;
use super::value::{Connection, SqlError, SqlResult, SqlValue, numbered};
use crate::error::{Error, Result};
use crate::store::backend::CalendarWork;
use crate::types::ListId;

use SqlValue::{Int, Text};

impl<C: Connection> CalendarWork for OwnerUnit<C> {
    fn calendar_names(&mut self) -> Result<Vec<(ListId, String)>> {
        let sql =
            numbered::<C::Dialect>("SELECT list_id, name FROM calendar_names WHERE owner_id = ?1")
                .into_owned();
        let mut names = Vec::new();
        self.unit
            .connection
            .rows(&sql, &[Int(self.owner.0)], &mut |row| {
                names.push((ListId(row.int(0)?), row.text(1)?));
                Ok(())
            })
            .sql()?;
        Ok(names)
    }

    fn list_at(&mut self, segment: &str) -> Result<Option<ListId>> {
        // A number is a list's id (never a chosen name): -1 is no list.
        let id = segment
            .bytes()
            .all(|byte| byte.is_ascii_digit())
            .then(|| segment.parse::<i64>().ok())
            .flatten()
            .unwrap_or(-1);
        Ok(self
            .unit
            .row(
                "SELECT list_id FROM calendar_names WHERE owner_id = ?1 AND name = ?2
                 UNION ALL
                 SELECT l.id FROM lists l WHERE l.owner_id = ?1 AND l.id = ?3
                 AND NOT EXISTS (SELECT 1 FROM calendar_names c
                                 WHERE c.owner_id = l.owner_id AND c.list_id = l.id)",
                &[Int(self.owner.0), Text(Some(segment)), Int(id)],
                |row| row.int(0),
            )
            .sql()?
            .map(ListId))
    }

    fn name_calendar(&mut self, list: ListId, name: &str) -> Result<()> {
        let sql = numbered::<C::Dialect>(
            "INSERT INTO calendar_names (owner_id, list_id, name) VALUES (?1, ?2, ?3)",
        )
        .into_owned();
        match self
            .unit
            .connection
            .execute(&sql, &[Int(self.owner.0), Int(list.0), Text(Some(name))])
        {
            Ok(_) => Ok(()),
            Err(SqlError::UniqueViolation) => Err(Error::Conflict(format!(
                "Another of your calendars is at {name}"
            ))),
            Err(other) => Err(other.into_error()),
        }
    }
}
