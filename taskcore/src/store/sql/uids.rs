//! Task UIDs in one owner's work: whether one is taken.

use super::owner::OwnerUnit;
use super::value::Connection;
use crate::error::Result;
use crate::store::backend::ObjectWork;

impl<C: Connection> OwnerUnit<C> {
    /// Whether one of the owner's live tasks has this UID.
    pub(super) fn uid_taken(&mut self, uid: &str) -> Result<bool> {
        Ok(self.live_with_uid(uid)?.is_some())
    }
}
