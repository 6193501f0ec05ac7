//! Task UIDs in one owner's work: whether one is taken.

use super::owner::OwnerUnit;
use super::value::{Connection, SqlResult, SqlValue};
use crate::error::Result;

use SqlValue::{Int, Text};

impl<C: Connection> OwnerUnit<C> {
    /// Whether one of the owner's live tasks has this UID.
    pub(super) fn uid_taken(&mut self, uid: &str) -> Result<bool> {
        Ok(self
            .unit
            .row(
                "SELECT id FROM tasks WHERE owner_id = ?1 AND uid = ?2",
                &[Int(self.owner.0), Text(Some(uid))],
                |row| row.int(0),
            )
            .sql()?
            .is_some())
    }
}
