//! A consistent copy of the database, taken while it serves.

use std::path::Path;

use super::database::Store;
use crate::error::{Error, Result};

/// What a backup wrote, counted in the copy itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct BackupReport {
    /// The copy's size, in bytes.
    pub bytes: u64,
    /// Accounts in the copy.
    pub users: u64,
    /// Tasks in the copy, live and trashed.
    pub tasks: u64,
}

impl Store {
    /// Writes a consistent copy of the database to `target` while it goes
    /// on serving, checks the copy (`PRAGMA integrity_check`) and counts
    /// what it holds. An existing `target` is refused unless `overwrite`;
    /// it is replaced only once the copy is whole and checked.
    ///
    /// SQLite files only: a PostgreSQL database is backed up with
    /// `pg_dump` ([`Error::Conflict`] says so), an in-memory one cannot be.
    pub fn backup(&self, target: &Path, overwrite: bool) -> Result<BackupReport> {
        if target.exists() && !overwrite {
            return Err(Error::Conflict(format!(
                "{} exists: choose another file, or replace it with --force",
                target.display()
            )));
        }
        self.backend.backup(target)
    }
}
