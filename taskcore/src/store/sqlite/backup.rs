//! `VACUUM INTO`: a consistent copy of a SQLite file while it serves (the
//! copy reads one snapshot; writers go on), checked before it replaces
//! anything.

use std::path::Path;

use rusqlite::{Connection, OpenFlags};

use super::connection::SqliteResult;
use crate::error::{Error, Result};
use crate::store::backup::BackupReport;

/// Copies the database `connection` is on to `target` through a file
/// beside it, checks and counts the copy, then moves it into place.
pub(super) fn copy_checked(connection: &Connection, target: &Path) -> Result<BackupReport> {
    let partial = partial_path(target)?;
    // A leftover of an interrupted backup would make VACUUM INTO refuse.
    let _ = std::fs::remove_file(&partial);
    let text = partial
        .to_str()
        .ok_or_else(|| Error::Conflict(format!("{} is not a UTF-8 path", target.display())))?;
    let outcome = connection
        .execute("VACUUM INTO ?1", [text])
        .db()
        .and_then(|_| check(&partial));
    let report = match outcome.and_then(|report| owner_only(&partial).map(|()| report)) {
        Ok(report) => report,
        Err(error) => {
            let _ = std::fs::remove_file(&partial);
            return Err(error);
        }
    };
    std::fs::rename(&partial, target).map_err(|error| {
        let _ = std::fs::remove_file(&partial);
        Error::Conflict(format!(
            "cannot move the copy to {}: {error}",
            target.display()
        ))
    })?;
    Ok(report)
}

/// The copy holds password and token hashes: readable by its owner only.
fn owner_only(path: &Path) -> Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))
            .map_err(|error| Error::Conflict(format!("cannot restrict the copy: {error}")))?;
    }
    #[cfg(not(unix))]
    let _ = path;
    Ok(())
}

/// `target`'s sibling that the copy is written to first.
fn partial_path(target: &Path) -> Result<std::path::PathBuf> {
    let name = target
        .file_name()
        .ok_or_else(|| Error::Conflict(format!("{} names no file", target.display())))?;
    let mut partial = name.to_os_string();
    partial.push(format!(".partial-{}", std::process::id()));
    Ok(target.with_file_name(partial))
}

/// The copy passes SQLite's integrity check; what it holds.
fn check(copy: &Path) -> Result<BackupReport> {
    let connection = Connection::open_with_flags(copy, OpenFlags::SQLITE_OPEN_READ_ONLY).db()?;
    let verdict: String = connection
        .query_row("PRAGMA integrity_check", [], |row| row.get(0))
        .db()?;
    if verdict != "ok" {
        return Err(Error::Conflict(format!(
            "the copy failed SQLite's integrity check: {verdict}"
        )));
    }
    let count = |sql: &str| -> Result<u64> {
        let count: i64 = connection.query_row(sql, [], |row| row.get(0)).db()?;
        Ok(u64::try_from(count).unwrap_or_default())
    };
    let users = count("SELECT COUNT(*) FROM users")?;
    let tasks =
        count("SELECT (SELECT COUNT(*) FROM tasks) + (SELECT COUNT(*) FROM trashed_tasks)")?;
    drop(connection);
    let bytes = std::fs::metadata(copy)
        .map_err(|error| Error::Conflict(format!("cannot read the copy: {error}")))?
        .len();
    Ok(BackupReport {
        bytes,
        users,
        tasks,
    })
}
