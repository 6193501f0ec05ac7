//! Bringing a SQLite file's schema up to date, one process at a time, and
//! the file settings made once (WAL).

use std::path::Path;

use rusqlite::Connection;

use super::connection::SqliteResult;
use crate::error::{Error, Result};

pub(super) mod embedded {
    refinery::embed_migrations!("migrations/sqlite");
}

/// Brings the schema up to date; a no-op when it already is.
pub(super) fn migrate(connection: &mut Connection) -> Result<()> {
    embedded::migrations::runner()
        .run(connection)
        .map(drop)
        .map_err(|error| Error::storage(format!("migrating the SQLite database: {error}")))
}

/// Puts a database file in WAL mode (persistent: every later connection uses it).
pub(super) fn enable_wal(connection: &Connection) -> Result<()> {
    let mode: String = connection
        .pragma_update_and_check(None, "journal_mode", "WAL", |row| row.get(0))
        .db()?;
    if mode.eq_ignore_ascii_case("wal") {
        Ok(())
    } else {
        Err(Error::storage(format!(
            "the SQLite database refused WAL mode (it is in {mode} mode)"
        )))
    }
}

/// An exclusive lock on `DATABASE.migrate-lock`, held until dropped. A lock
/// file of its own rather than the database file: closing any descriptor of
/// the database would drop SQLite's own locks on it.
pub(super) fn lock_for_migration(path: &Path) -> Result<std::fs::File> {
    let mut lock_path = path.as_os_str().to_owned();
    lock_path.push(".migrate-lock");
    let failed = |error: std::io::Error| {
        Error::storage(format!(
            "cannot lock {} to migrate the SQLite database: {error}",
            Path::new(&lock_path).display()
        ))
    };
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&lock_path)
        .map_err(failed)?;
    file.lock().map_err(failed)?;
    Ok(file)
}

pub(super) fn check_parent_exists(path: &Path) -> Result<()> {
    let parent = path
        .parent()
        .filter(|parent| !parent.as_os_str().is_empty());
    match parent {
        Some(parent) if !parent.is_dir() => {
            // sqlite:///tmp/x.db is tmp/x.db under the working directory:
            // perhaps /tmp/x.db was meant. A path written ./… or ../… is
            // plainly relative.
            let plainly_relative = path.starts_with(".") || path.starts_with("..");
            let absolute = if path.is_relative() && !plainly_relative {
                format!(
                    " (sqlite:///{0} is relative to the working directory; \
                     sqlite:////{0} is the absolute path)",
                    path.display()
                )
            } else {
                String::new()
            };
            Err(Error::DatabaseUrl(format!(
                "cannot open the SQLite database {}: directory {} does not exist{absolute}",
                path.display(),
                parent.display()
            )))
        }
        _ => Ok(()),
    }
}
