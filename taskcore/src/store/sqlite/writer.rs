//! The single writer of a SQLite file: one connection, one thread, and the
//! checkpointer beside it.

use std::path::Path;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::mpsc::SyncSender;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use rusqlite::Connection;

use super::connection::Held;
use super::connection::SqliteResult;
use super::settings::{ConnectionSettings, open_file};
use crate::error::{Error, Result};
use crate::store::backend::{AccountWork, Backend, Mode, TaskWork};
use crate::store::database::Store;
use crate::store::options::PoolStatus;
use crate::store::sql::owner::OwnerUnit;
use crate::store::sql::unit::Unit;
use crate::store::sql::value::Connection as _;
use crate::store::writer::{self as queue, Transactions, WriteQueue};
use crate::types::UserId;

/// Opens the connection that alone writes to the file, and starts the
/// thread that runs every write on it.
pub(super) fn start_writer(path: &Path, settings: &ConnectionSettings) -> Result<WriteQueue> {
    let connection = open_file(path, settings)?;
    // Checkpoints copy the log into the database file and sync it: slow
    // enough to hold up every queued write. A thread of their own runs
    // them beside the writer; the writer's own checkpoint is a safety net
    // for a log that grows far past the usual size.
    connection
        .pragma_update(None, "wal_autocheckpoint", WAL_SAFETY_CHECKPOINT)
        .db()?;
    let checkpoints = start_checkpointer(path, settings)?;
    let backend = Arc::new(WriterBackend {
        connection: Mutex::new(connection),
        checkpoints,
        commits: AtomicU32::new(0),
    });
    let store = Store::new(backend.clone());
    queue::start(store, backend)
        .map_err(|error| Error::storage(format!("cannot start the SQLite writer: {error}")))
}

/// The writer's connection, as the jobs it runs see it: a backend whose
/// units of work run inside the writer's transaction. Only the writer
/// thread uses it; the mutex makes it shareable, and is never contended.
#[derive(Debug)]
struct WriterBackend {
    connection: Mutex<Connection>,
    /// Asks the checkpointer for a checkpoint.
    checkpoints: SyncSender<()>,
    /// Commits since the last request for a checkpoint.
    commits: AtomicU32,
}

/// Commits between two checkpoints: a commit adds a few pages to the log,
/// so the log stays around a few MiB.
const COMMITS_PER_CHECKPOINT: u32 = 64;

/// Log pages past which the writer checkpoints itself (about 40 MiB), in
/// case the checkpointer falls behind.
const WAL_SAFETY_CHECKPOINT: u32 = 10_000;

/// Starts the thread that checkpoints the log when the writer asks, on a
/// connection of its own. A passive checkpoint never waits for the writer
/// nor holds it up.
fn start_checkpointer(path: &Path, settings: &ConnectionSettings) -> Result<SyncSender<()>> {
    let connection = open_file(path, settings)?;
    // One request waiting is enough: more would ask for the same checkpoint.
    let (requests, received) = std::sync::mpsc::sync_channel::<()>(1);
    std::thread::Builder::new()
        .name("sqlite-checkpoint".to_owned())
        .spawn(move || {
            while received.recv().is_ok() {
                // A checkpoint that fails (busy, full disk) is retried at
                // the next request; the log only grows meanwhile.
                let _ = connection.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()));
            }
        })
        .map_err(|error| {
            Error::storage(format!("cannot start the SQLite checkpointer: {error}"))
        })?;
    Ok(requests)
}

impl WriterBackend {
    fn lock(&self) -> MutexGuard<'_, Connection> {
        // A job that panicked left the connection as usable as before: the
        // writer rolls its savepoint back.
        self.connection
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }
}

impl Backend for WriterBackend {
    fn pool_status(&self) -> PoolStatus {
        PoolStatus { in_use: 1, idle: 0 }
    }

    fn ping(&self) -> Result<()> {
        self.lock()
            .query_row("SELECT 1", [], |row| row.get::<_, i64>(0))
            .db()?;
        Ok(())
    }

    fn accounts(&self, mode: Mode) -> Result<Box<dyn AccountWork + '_>> {
        Ok(Box::new(Unit::within(Held(self.lock()), mode)?))
    }

    fn tasks(&self, owner: UserId, mode: Mode) -> Result<Box<dyn TaskWork + '_>> {
        Ok(Box::new(OwnerUnit::within(Held(self.lock()), owner, mode)?))
    }
}

impl Transactions for WriterBackend {
    fn execute(&self, sql: &str) -> Result<()> {
        // As every unit of work runs its own (kept prepared).
        Held(self.lock()).batch(sql)
    }

    fn in_transaction(&self) -> bool {
        !self.lock().is_autocommit()
    }

    fn committed(&self) {
        if self.commits.fetch_add(1, Ordering::Relaxed) + 1 >= COMMITS_PER_CHECKPOINT {
            self.commits.store(0, Ordering::Relaxed);
            // Full: a checkpoint is already asked for.
            let _ = self.checkpoints.try_send(());
        }
    }
}
