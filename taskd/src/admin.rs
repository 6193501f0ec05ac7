//! What taskd does for its administrator from the command line, on the
//! database directly (no HTTP), with the settings it serves with, while a
//! taskd may serve the same database.

use std::process::ExitCode;

use taskcore::store::SqliteLocation;
use taskcore::{DatabaseUrl, Store};

use crate::settings::{BackupArgs, Settings};

/// `taskd backup FILE`: a checked copy of the SQLite file.
pub fn backup(settings: &Settings, args: &BackupArgs) -> ExitCode {
    match &settings.database_url {
        DatabaseUrl::Postgres(_) => {
            eprintln!(
                "taskd backup: DATABASE_URL is PostgreSQL; back it up with pg_dump, such as: \
                 pg_dump --format=custom \"$DATABASE_URL\" > tasks.dump"
            );
            return ExitCode::from(2);
        }
        DatabaseUrl::Sqlite(SqliteLocation::Memory) => {
            eprintln!(
                "taskd backup: DATABASE_URL is an in-memory database: there is no file to copy"
            );
            return ExitCode::from(2);
        }
        _ => {}
    }
    let store = match Store::open_with(&settings.database_url, &settings.store) {
        Ok(store) => store,
        Err(error) => {
            eprintln!(
                "taskd backup: {error} (DATABASE_URL={})",
                settings.database_url
            );
            return ExitCode::FAILURE;
        }
    };
    match store.backup(&args.file, args.force) {
        Ok(report) => {
            println!(
                "backed up to {}: {} bytes, {} users, {} tasks",
                args.file.display(),
                report.bytes,
                report.users,
                report.tasks
            );
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("taskd backup: {error}");
            ExitCode::FAILURE
        }
    }
}
