//! SQLite storage through an r2d2 connection pool.

use std::ops::DerefMut;
use std::path::Path;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::mpsc::SyncSender;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};
use r2d2::{CustomizeConnection, Pool, PooledConnection};
use r2d2_sqlite::SqliteConnectionManager;
use rusqlite::types::ToSqlOutput;
use rusqlite::{Connection, Row, ToSql, params_from_iter};

use super::backend::{AccountWork, Backend, Mode, TaskWork};
use super::columns::{Dialect, RowValues, SqlValue, plain_sort_expression};
use super::query::{SortKey, words_of};
use super::sql::{self, OwnerUnit, SqlError, Unit};
use super::url::SqliteLocation;
use super::writer::{self, WriteQueue};
use super::{PoolStatus, StoreOptions};
use crate::error::{Error, Result};
use crate::types::UserId;

mod embedded {
    refinery::embed_migrations!("migrations/sqlite");
}

/// How hard SQLite works to make each commit durable.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Synchronous {
    /// Survives a crash of the process; the last commits may be lost on power loss.
    #[default]
    Normal,
    /// Survives power loss, at the cost of an fsync per commit.
    Full,
}

impl std::str::FromStr for Synchronous {
    type Err = String;

    fn from_str(input: &str) -> Result<Self, Self::Err> {
        match input.trim().to_ascii_lowercase().as_str() {
            "normal" => Ok(Self::Normal),
            "full" => Ok(Self::Full),
            _ => Err(format!(
                "'{input}' is not a synchronous mode: use normal or full"
            )),
        }
    }
}

/// Applied to every connection the pool opens: these settings are per connection,
/// and `foreign_keys` is off by default (then ON DELETE CASCADE silently does nothing).
/// WAL is not among them: it is a property of the database file, set once at
/// open, and switching to it takes an exclusive lock that a busy pool may not get.
#[derive(Debug)]
struct ConnectionSettings {
    synchronous: Synchronous,
    busy_timeout: Duration,
}

impl ConnectionSettings {
    fn apply(&self, connection: &Connection) -> rusqlite::Result<()> {
        connection.busy_timeout(self.busy_timeout)?;
        connection.pragma_update(None, "foreign_keys", "ON")?;
        let synchronous = match self.synchronous {
            Synchronous::Normal => "NORMAL",
            Synchronous::Full => "FULL",
        };
        connection.pragma_update(None, "synchronous", synchronous)?;
        register_search_terms(connection)
    }
}

/// `search_terms(owner_id, title, description)`: a task's words as the
/// search index keeps them (V5__owner_search.sql), each prefixed with its
/// owner, so a search reads its owner's entries only. The index's triggers
/// call it: every connection that writes tasks needs it.
fn register_search_terms(connection: &Connection) -> rusqlite::Result<()> {
    use rusqlite::functions::FunctionFlags;
    connection.create_scalar_function(
        "search_terms",
        3,
        FunctionFlags::SQLITE_UTF8
            | FunctionFlags::SQLITE_DETERMINISTIC
            | FunctionFlags::SQLITE_INNOCUOUS,
        |context| {
            let owner = UserId(context.get::<i64>(0)?);
            let title = context.get::<Option<String>>(1)?.unwrap_or_default();
            let description = context.get::<Option<String>>(2)?.unwrap_or_default();
            Ok(search_terms(owner, &title, &description))
        },
    )
}

/// One owner's words of a text, as `search_terms` indexes them.
fn search_terms(owner: UserId, title: &str, description: &str) -> String {
    let mut terms = String::new();
    for word in words_of(title).chain(words_of(description)) {
        if !terms.is_empty() {
            terms.push(' ');
        }
        terms.push_str(&owner_term(owner, &word));
    }
    terms
}

/// A word as one owner's search term: `<owner>_<word>`. A word holds no
/// `_` (it is letters and digits), so no owner's terms can be another's.
fn owner_term(owner: UserId, word: &str) -> String {
    format!("{}_{word}", owner.0)
}

/// Brings the schema up to date; a no-op when it already is.
fn migrate(connection: &mut Connection) -> Result<()> {
    embedded::migrations::runner()
        .run(connection)
        .map(drop)
        .map_err(|error| Error::Storage(format!("migrating the SQLite database: {error}")))
}

/// Puts a database file in WAL mode (persistent: every later connection uses it).
fn enable_wal(connection: &Connection) -> Result<()> {
    let mode: String =
        connection.pragma_update_and_check(None, "journal_mode", "WAL", |row| row.get(0))?;
    if mode.eq_ignore_ascii_case("wal") {
        Ok(())
    } else {
        Err(Error::Storage(format!(
            "the SQLite database refused WAL mode (it is in {mode} mode)"
        )))
    }
}

impl CustomizeConnection<Connection, rusqlite::Error> for ConnectionSettings {
    fn on_acquire(&self, connection: &mut Connection) -> rusqlite::Result<()> {
        self.apply(connection)
    }
}

#[derive(Clone, Debug)]
pub(super) struct SqliteStore {
    /// Connections for reads (and for every statement of an in-memory database).
    pool: Pool<SqliteConnectionManager>,
    /// The single writer of a database file.
    writer: Option<WriteQueue>,
}

impl SqliteStore {
    pub(super) fn open(location: &SqliteLocation, options: &StoreOptions) -> Result<Self> {
        let settings = ConnectionSettings {
            synchronous: options.synchronous,
            busy_timeout: options.busy_timeout,
        };
        let builder = Pool::builder().connection_timeout(Duration::from_secs(10));
        let mut writer = None;
        let pool = match location {
            SqliteLocation::File(path) => {
                // Prepare the file before the pool opens a connection to it, so
                // every pooled connection starts out in WAL mode and on the
                // current schema. Errors here come in SQLite's own words, at once.
                check_parent_exists(path)?;
                // Processes opening one file together would race to create
                // the schema; they take turns on a lock file beside it.
                let _migrating = lock_for_migration(path)?;
                let mut connection = open_file(path, &settings)?;
                enable_wal(&connection)?;
                migrate(&mut connection)?;
                drop(connection);
                writer = Some(start_writer(path, &settings)?);
                builder
                    .max_size(options.pool_size.max(1))
                    .min_idle(Some(1))
                    .connection_customizer(Box::new(settings))
                    .build_unchecked(SqliteConnectionManager::file(path))
            }
            SqliteLocation::Memory => {
                // Each in-memory connection is a database of its own: keep exactly one, forever.
                let pool = builder
                    .max_size(1)
                    .min_idle(Some(1))
                    .idle_timeout(None)
                    .max_lifetime(None)
                    .connection_customizer(Box::new(settings))
                    .build_unchecked(SqliteConnectionManager::memory());
                migrate(&mut *pool.get()?)?;
                pool
            }
        };
        Ok(Self { pool, writer })
    }
}

impl Backend for SqliteStore {
    fn pool_status(&self) -> PoolStatus {
        self.pool.state().into()
    }

    fn ping(&self) -> Result<()> {
        let connection = self.pool.get()?;
        connection.query_row("SELECT 1", [], |row| row.get::<_, i64>(0))?;
        Ok(())
    }

    fn accounts(&self, mode: Mode) -> Result<Box<dyn AccountWork + '_>> {
        Ok(Box::new(Unit::begin(self.connection()?, mode)?))
    }

    fn tasks(&self, owner: UserId, mode: Mode) -> Result<Box<dyn TaskWork + '_>> {
        Ok(Box::new(OwnerUnit::begin(self.connection()?, owner, mode)?))
    }

    fn write_queue(&self) -> Option<&WriteQueue> {
        self.writer.as_ref()
    }
}

/// A connection of its own to the database file, set up as the pool's are.
fn open_file(path: &Path, settings: &ConnectionSettings) -> Result<Connection> {
    let connection = Connection::open(path).map_err(|error| {
        Error::Storage(format!(
            "cannot open the SQLite database {}: {error}",
            path.display()
        ))
    })?;
    settings.apply(&connection)?;
    Ok(connection)
}

/// Opens the connection that alone writes to the file, and starts the
/// thread that runs every write on it.
fn start_writer(path: &Path, settings: &ConnectionSettings) -> Result<WriteQueue> {
    let connection = open_file(path, settings)?;
    // Checkpoints copy the log into the database file and sync it: slow
    // enough to hold up every queued write. A thread of their own runs
    // them beside the writer; the writer's own checkpoint is a safety net
    // for a log that grows far past the usual size.
    connection.pragma_update(None, "wal_autocheckpoint", WAL_SAFETY_CHECKPOINT)?;
    let checkpoints = start_checkpointer(path, settings)?;
    let backend = Arc::new(WriterBackend {
        connection: Mutex::new(connection),
        checkpoints,
        commits: AtomicU32::new(0),
    });
    let store = super::Store::with_backend(backend.clone());
    writer::start(store, backend)
        .map_err(|error| Error::Storage(format!("cannot start the SQLite writer: {error}")))
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
            Error::Storage(format!("cannot start the SQLite checkpointer: {error}"))
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
            .query_row("SELECT 1", [], |row| row.get::<_, i64>(0))?;
        Ok(())
    }

    fn accounts(&self, mode: Mode) -> Result<Box<dyn AccountWork + '_>> {
        Ok(Box::new(Unit::within(Held(self.lock()), mode)?))
    }

    fn tasks(&self, owner: UserId, mode: Mode) -> Result<Box<dyn TaskWork + '_>> {
        Ok(Box::new(OwnerUnit::within(Held(self.lock()), owner, mode)?))
    }
}

impl writer::Transactions for WriterBackend {
    fn execute(&self, sql: &str) -> Result<()> {
        Ok(self.lock().execute_batch(sql)?)
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

impl SqliteStore {
    /// A pooled connection outside any transaction. Work that failed to roll
    /// back (rare: the ROLLBACK itself failed) may have returned its
    /// connection mid-transaction; it is rolled back here, before reuse.
    fn connection(&self) -> Result<Pooled> {
        let connection = self.pool.get()?;
        if !connection.is_autocommit() {
            connection.execute_batch("ROLLBACK")?;
        }
        Ok(Held(connection))
    }
}

/// A pooled connection, running the shared statements.
type Pooled = Held<PooledConnection<SqliteConnectionManager>>;

/// A connection held for one unit of work (pooled, or the writer's),
/// running the shared statements.
struct Held<C>(C);

impl<C: DerefMut<Target = Connection>> sql::Connection for Held<C> {
    type Dialect = Sqlite;

    fn batch(&mut self, sql: &str) -> Result<()> {
        Ok(self.0.execute_batch(sql)?)
    }

    fn rows(
        &mut self,
        sql: &str,
        values: &[SqlValue<'_>],
        each: &mut dyn FnMut(&dyn RowValues) -> Result<()>,
    ) -> Result<(), SqlError> {
        // Prepared once per connection and kept: the statements repeat.
        let mut statement = self.0.prepare_cached(sql).map_err(sql_error)?;
        let mut rows = statement
            .query(params_from_iter(values))
            .map_err(sql_error)?;
        while let Some(row) = rows.next().map_err(sql_error)? {
            each(&Values(row))?;
        }
        Ok(())
    }

    fn execute(&mut self, sql: &str, values: &[SqlValue<'_>]) -> Result<u64, SqlError> {
        let mut statement = self.0.prepare_cached(sql).map_err(sql_error)?;
        let changed = statement
            .execute(params_from_iter(values))
            .map_err(sql_error)?;
        Ok(changed as u64)
    }
}

fn sql_error(error: rusqlite::Error) -> SqlError {
    match &error {
        rusqlite::Error::SqliteFailure(failure, _)
            if failure.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE =>
        {
            SqlError::UniqueViolation
        }
        rusqlite::Error::SqliteFailure(failure, Some(message))
            if failure.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_CHECK
                && message.contains("tags_limit") =>
        {
            SqlError::TooManyTags
        }
        // Its text quotes the whole statement, which can be long and can
        // hold values: the message and where in the statement is enough.
        rusqlite::Error::SqlInputError {
            error, msg, offset, ..
        } => SqlError::Other(Error::Storage(format!(
            "{error}: {msg} (at offset {offset} of the statement)"
        ))),
        _ => SqlError::Other(error.into()),
    }
}

/// SQLite's SQL: numbered `?N` placeholders; text sorts by code point.
struct Sqlite;

impl Dialect for Sqlite {
    // Write work holds the database's write lock from BEGIN on: no row locks.
    const LOCK_FOR_UPDATE: &'static str = "";
    const LOCK_FOR_SHARE: &'static str = "";

    fn placeholder(number: usize) -> String {
        format!("?{number}")
    }

    fn sort_expression(key: SortKey, descending: bool) -> &'static str {
        // As the index ix_tasks_owner_due writes it, for the ascending order.
        match (key, descending) {
            (SortKey::Due, false) => "COALESCE(due_key, '9999-12-31T23:59:59.999999Z')",
            (SortKey::Due, true) => "COALESCE(due_key, '0001-01-01T00:00:00.000000Z')",
            (other, _) => plain_sort_expression(other),
        }
    }

    fn tags_delta(add: &str, remove: &str) -> String {
        format!(
            "(SELECT json_group_array(value ORDER BY value) FROM (
                SELECT value FROM json_each(tags) UNION SELECT value FROM json_each({add})
                EXCEPT SELECT value FROM json_each({remove})))"
        )
    }

    fn search_condition(placeholder: &str) -> String {
        format!("id IN (SELECT rowid FROM tasks_search WHERE tasks_search MATCH {placeholder})")
    }

    fn search_text(owner: UserId, words: &[String]) -> String {
        // Each word a quoted prefix query on the owner's terms (see
        // `search_terms`); FTS5 joins them with AND.
        words
            .iter()
            .map(|word| format!("\"{}\"*", owner_term(owner, word).replace('"', "\"\"")))
            .collect::<Vec<_>>()
            .join(" AND ")
    }

    fn search_first(
        text: &str,
        after: Option<&str>,
        descending: bool,
        rows: &str,
    ) -> Option<String> {
        // FTS5 yields matches in rowid order and stops at the limit.
        let (comparison, direction) = if descending {
            ("<", "DESC")
        } else {
            (">", "ASC")
        };
        let after = after
            .map(|after| format!(" AND rowid {comparison} {after}"))
            .unwrap_or_default();
        Some(format!(
            "SELECT rowid FROM tasks_search WHERE tasks_search MATCH {text}{after}
             ORDER BY rowid {direction} LIMIT {rows}"
        ))
    }

    fn search_count(owner: UserId, words: &[String]) -> Option<(String, String)> {
        // Every term names its owner: the index alone counts the matches.
        Some((
            "SELECT COUNT(*) FROM tasks_search WHERE tasks_search MATCH {search}".to_owned(),
            Self::search_text(owner, words),
        ))
    }

    fn begin(mode: Mode) -> Option<&'static str> {
        match mode {
            Mode::Statement => None,
            // A read transaction sees one snapshot from its first read on.
            Mode::Snapshot => Some("BEGIN DEFERRED"),
            // Takes the write lock at BEGIN, so the work waits (busy_timeout)
            // for other writers instead of failing with SQLITE_BUSY when a
            // read inside it would upgrade to a write.
            Mode::Write => Some("BEGIN IMMEDIATE"),
        }
    }

    fn next_change(owner: &str) -> String {
        // Stored back by the tables' triggers; the write lock, held from
        // the statement (or BEGIN IMMEDIATE) to the commit, orders writers.
        format!("(SELECT COALESCE(MAX(seq), 0) + 1 FROM change_counters WHERE owner_id = {owner})")
    }
}

impl ToSql for SqlValue<'_> {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(match self {
            SqlValue::Int(value) => ToSqlOutput::from(*value),
            SqlValue::Text(Some(text)) => ToSqlOutput::from(*text),
            SqlValue::Text(None) => ToSqlOutput::from(rusqlite::types::Null),
            SqlValue::Bool(flag) => ToSqlOutput::from(*flag),
            SqlValue::Time(time) => ToSqlOutput::from(timestamp(*time)),
            SqlValue::MaybeTime(Some(time)) => ToSqlOutput::from(timestamp(*time)),
            SqlValue::MaybeDate(Some(day)) => ToSqlOutput::from(day.format("%Y-%m-%d").to_string()),
            SqlValue::MaybeTime(None) | SqlValue::MaybeDate(None) => {
                ToSqlOutput::from(rusqlite::types::Null)
            }
            SqlValue::OwnedText(text) => ToSqlOutput::from(text.as_str()),
            SqlValue::Tags(tags) => ToSqlOutput::from(
                serde_json::to_string(tags)
                    .map_err(|error| rusqlite::Error::ToSqlConversionFailure(Box::new(error)))?,
            ),
        })
    }
}

/// A result row, read through the shared row mappers.
struct Values<'r>(&'r Row<'r>);

impl RowValues for Values<'_> {
    fn int(&self, index: usize) -> Result<i64> {
        Ok(self.0.get(index)?)
    }

    fn text(&self, index: usize) -> Result<String> {
        Ok(self.0.get(index)?)
    }

    fn optional_text(&self, index: usize) -> Result<Option<String>> {
        Ok(self.0.get(index)?)
    }

    fn flag(&self, index: usize) -> Result<bool> {
        Ok(self.0.get(index)?)
    }

    fn time(&self, index: usize) -> Result<DateTime<Utc>> {
        let text: String = self.0.get(index)?;
        DateTime::parse_from_rfc3339(&text)
            .map(|time| time.with_timezone(&Utc))
            .map_err(|error| Error::Storage(format!("column {index} is not a timestamp: {error}")))
    }

    fn optional_time(&self, index: usize) -> Result<Option<DateTime<Utc>>> {
        match self.0.get::<_, Option<String>>(index)? {
            Some(_) => self.time(index).map(Some),
            None => Ok(None),
        }
    }

    fn optional_date(&self, index: usize) -> Result<Option<NaiveDate>> {
        match self.0.get::<_, Option<String>>(index)? {
            Some(text) => NaiveDate::parse_from_str(&text, "%Y-%m-%d")
                .map(Some)
                .map_err(|error| Error::Storage(format!("column {index} is not a date: {error}"))),
            None => Ok(None),
        }
    }

    fn tags(&self, index: usize) -> Result<Vec<String>> {
        let text: String = self.0.get(index)?;
        serde_json::from_str(&text)
            .map_err(|error| Error::Storage(format!("column {index} is not a tag list: {error}")))
    }
}

impl From<rusqlite::Error> for Error {
    fn from(error: rusqlite::Error) -> Self {
        Error::Storage(error.to_string())
    }
}

/// An exclusive lock on `DATABASE.migrate-lock`, held until dropped. A lock
/// file of its own rather than the database file: closing any descriptor of
/// the database would drop SQLite's own locks on it.
fn lock_for_migration(path: &Path) -> Result<std::fs::File> {
    let mut lock_path = path.as_os_str().to_owned();
    lock_path.push(".migrate-lock");
    let failed = |error: std::io::Error| {
        Error::Storage(format!(
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

fn check_parent_exists(path: &Path) -> Result<()> {
    let parent = path
        .parent()
        .filter(|parent| !parent.as_os_str().is_empty());
    match parent {
        Some(parent) if !parent.is_dir() => Err(Error::Storage(format!(
            "cannot open the SQLite database {}: directory {} does not exist",
            path.display(),
            parent.display()
        ))),
        _ => Ok(()),
    }
}

fn timestamp(time: DateTime<Utc>) -> String {
    time.to_rfc3339_opts(SecondsFormat::Micros, true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_pooled_connection_has_foreign_keys_wal_and_normal_sync() {
        let directory = tempfile::tempdir().expect("tempdir");
        let location = SqliteLocation::File(directory.path().join("tasks.db"));
        let store = SqliteStore::open(&location, &StoreOptions::default()).expect("open");
        // Hold several connections at once so the pool must open new ones.
        let connections: Vec<_> = (0..4)
            .map(|_| store.pool.get().expect("connection"))
            .collect();
        for connection in &connections {
            let foreign_keys: i64 = connection
                .pragma_query_value(None, "foreign_keys", |r| r.get(0))
                .expect("pragma");
            let journal: String = connection
                .pragma_query_value(None, "journal_mode", |r| r.get(0))
                .expect("pragma");
            let synchronous: i64 = connection
                .pragma_query_value(None, "synchronous", |r| r.get(0))
                .expect("pragma");
            let busy: i64 = connection
                .pragma_query_value(None, "busy_timeout", |r| r.get(0))
                .expect("pragma");
            assert_eq!(foreign_keys, 1);
            assert_eq!(journal, "wal");
            assert_eq!(synchronous, 1, "NORMAL is 1");
            assert_eq!(busy, 5000);
        }
    }

    #[test]
    fn migrations_run_twice_are_a_no_op() {
        let directory = tempfile::tempdir().expect("tempdir");
        let location = SqliteLocation::File(directory.path().join("tasks.db"));
        SqliteStore::open(&location, &StoreOptions::default()).expect("first open");
        let store = SqliteStore::open(&location, &StoreOptions::default()).expect("second open");
        let applied: i64 = store
            .pool
            .get()
            .expect("connection")
            .query_row("SELECT COUNT(*) FROM refinery_schema_history", [], |r| {
                r.get(0)
            })
            .expect("history");
        assert_eq!(applied, 5);
    }

    #[test]
    fn tasks_written_before_the_owner_search_index_are_found_after_it() {
        let directory = tempfile::tempdir().expect("tempdir");
        let path = directory.path().join("tasks.db");
        {
            let mut connection = Connection::open(&path).expect("open");
            embedded::migrations::runner()
                .set_target(refinery::Target::Version(4))
                .run(&mut connection)
                .expect("migrate to V4");
            connection
                .execute_batch(
                    "INSERT INTO users (id, email, hashed_password, created_at)
                         VALUES (7, 'a@example.com', 'x', '2025-01-01T00:00:00Z');
                     INSERT INTO tasks (title, description, owner_id, created_at, updated_at)
                         VALUES ('Pay rent', 'by Friday', 7, '2025-01-01T00:00:00Z',
                                 '2025-01-01T00:00:00Z');",
                )
                .expect("a task of V4");
        }
        let location = SqliteLocation::File(path);
        let store = SqliteStore::open(&location, &StoreOptions::default()).expect("migrate");
        let found = |text: &str| -> i64 {
            store
                .pool
                .get()
                .expect("connection")
                .query_row(
                    "SELECT COUNT(*) FROM tasks_search WHERE tasks_search MATCH ?1",
                    [text],
                    |row| row.get(0),
                )
                .expect("search")
        };
        assert_eq!(found("\"7_frid\"*"), 1);
        assert_eq!(found("\"7_pay\"* AND \"7_rent\"*"), 1);
        // The control: another owner's terms find nothing.
        assert_eq!(found("\"8_pay\"*"), 0);
    }

    #[test]
    fn deleting_a_user_cascades_to_tasks() {
        let store =
            SqliteStore::open(&SqliteLocation::Memory, &StoreOptions::default()).expect("open");
        let mut accounts = store.accounts(Mode::Statement).expect("work");
        let user = accounts
            .insert_user("jane@example.com", "hash", "UTC", chrono::Utc::now())
            .expect("user");
        accounts.commit().expect("commit");
        let mut tasks = store.tasks(user.id, Mode::Statement).expect("work");
        tasks
            .insert(
                &crate::model::NewTask::new("t").expect("valid"),
                super::super::Context {
                    now: chrono::Utc::now(),
                    zone: crate::planning::Zone::default(),
                },
                None,
            )
            .expect("task");
        tasks.commit().expect("commit");
        let connection = store.pool.get().expect("connection");
        connection
            .execute(
                "DELETE FROM users WHERE id = ?1",
                rusqlite::params![user.id.0],
            )
            .expect("delete");
        let left: i64 = connection
            .query_row("SELECT COUNT(*) FROM tasks", [], |r| r.get(0))
            .expect("count");
        assert_eq!(left, 0);
    }

    #[test]
    fn missing_directory_is_reported_by_name() {
        let location = SqliteLocation::File("/nonexistent-dir/tasks.db".into());
        let error = SqliteStore::open(&location, &StoreOptions::default())
            .unwrap_err()
            .to_string();
        assert!(error.contains("/nonexistent-dir does not exist"), "{error}");
    }
}
