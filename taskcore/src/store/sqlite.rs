//! SQLite storage through an r2d2 connection pool.

use std::path::Path;
use std::time::Duration;

use chrono::{DateTime, SecondsFormat, Utc};
use r2d2::{CustomizeConnection, Pool, PooledConnection};
use r2d2_sqlite::SqliteConnectionManager;
use rusqlite::types::ToSqlOutput;
use rusqlite::{Connection, Row, ToSql, params, params_from_iter};

use super::backend::{AccountWork, Backend, Mode, TaskWork};
use super::columns::{
    Dialect, RowValues, SqlValue, Statement, Statements, USER_COLUMNS, task_from_row, user_from_row,
};
use super::query::{SortKey, TaskQuery};
use super::url::SqliteLocation;
use super::{PoolStatus, StoreOptions};
use crate::error::{Error, Result};
use crate::model::{Task, User};
use crate::session::{RevokeReason, StoredRefreshToken};
use crate::types::{SessionId, TaskId, UserId};
use crate::wire::{TaskCreate, TaskUpdate};

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
        Ok(())
    }
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
    pool: Pool<SqliteConnectionManager>,
}

impl SqliteStore {
    pub(super) fn open(location: &SqliteLocation, options: &StoreOptions) -> Result<Self> {
        let settings = ConnectionSettings {
            synchronous: options.synchronous,
            busy_timeout: options.busy_timeout,
        };
        let builder = Pool::builder().connection_timeout(Duration::from_secs(10));
        let pool = match location {
            SqliteLocation::File(path) => {
                // Prepare the file before the pool opens a connection to it, so
                // every pooled connection starts out in WAL mode and on the
                // current schema. Errors here come in SQLite's own words, at once.
                check_parent_exists(path)?;
                let mut connection = Connection::open(path).map_err(|error| {
                    Error::Storage(format!(
                        "cannot open the SQLite database {}: {error}",
                        path.display()
                    ))
                })?;
                settings.apply(&connection)?;
                enable_wal(&connection)?;
                migrate(&mut connection)?;
                drop(connection);
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
        Ok(Self { pool })
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
        Ok(Box::new(Work::begin(&self.pool, mode)?))
    }

    fn tasks(&self, owner: UserId, mode: Mode) -> Result<Box<dyn TaskWork + '_>> {
        Ok(Box::new(OwnerWork {
            work: Work::begin(&self.pool, mode)?,
            owner,
        }))
    }
}

/// A pooled connection inside a unit of work: a transaction, unless the
/// work is one statement. Dropped before `commit`, it rolls back.
struct Work {
    connection: PooledConnection<SqliteConnectionManager>,
    in_transaction: bool,
}

impl Work {
    fn begin(pool: &Pool<SqliteConnectionManager>, mode: Mode) -> Result<Self> {
        let connection = pool.get()?;
        let begin = match mode {
            Mode::Statement => None,
            // A read transaction sees one snapshot from its first read on.
            Mode::Snapshot => Some("BEGIN DEFERRED"),
            // Takes the write lock at BEGIN, so the work waits (busy_timeout)
            // for other writers instead of failing with SQLITE_BUSY when a
            // read inside it would upgrade to a write.
            Mode::Write => Some("BEGIN IMMEDIATE"),
        };
        if let Some(begin) = begin {
            connection.execute_batch(begin)?;
        }
        Ok(Self {
            connection,
            in_transaction: begin.is_some(),
        })
    }

    fn finish(&mut self) -> Result<()> {
        if self.in_transaction {
            self.connection.execute_batch("COMMIT")?;
            self.in_transaction = false;
        }
        Ok(())
    }

    fn row<T>(
        &self,
        sql: &str,
        params: impl rusqlite::Params,
        read: impl FnOnce(&Values<'_>) -> Result<T>,
    ) -> Result<Option<T>> {
        let mut statement = self.connection.prepare_cached(sql)?;
        let mut rows = statement.query(params)?;
        match rows.next()? {
            Some(row) => read(&Values(row)).map(Some),
            None => Ok(None),
        }
    }

    fn execute(&self, sql: &str, params: impl rusqlite::Params) -> Result<u64> {
        let changed = self.connection.prepare_cached(sql)?.execute(params)?;
        Ok(changed as u64)
    }
}

impl Drop for Work {
    fn drop(&mut self) {
        if self.in_transaction {
            // Nothing to report to: the work already failed or was abandoned.
            let _ = self.connection.execute_batch("ROLLBACK");
        }
    }
}

impl AccountWork for Work {
    fn insert_user(
        &mut self,
        email: &str,
        hashed_password: &str,
        created_at: DateTime<Utc>,
    ) -> Result<User> {
        let sql = format!(
            "INSERT INTO users (email, hashed_password, created_at) VALUES (?1, ?2, ?3)
             RETURNING {USER_COLUMNS}"
        );
        let mut statement = self.connection.prepare_cached(&sql)?;
        let mut rows = statement.query(params![email, hashed_password, timestamp(created_at)])?;
        match rows.next() {
            Ok(Some(row)) => user_from_row(&Values(row)),
            Ok(None) => Err(Error::Storage("INSERT returned no row".to_owned())),
            Err(rusqlite::Error::SqliteFailure(error, _))
                if error.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE =>
            {
                Err(Error::EmailTaken)
            }
            Err(error) => Err(error.into()),
        }
    }

    fn user_credentials(&mut self, email: &str) -> Result<Option<(User, String)>> {
        self.row(
            &format!("SELECT {USER_COLUMNS}, hashed_password FROM users WHERE email = ?1"),
            params![email],
            |row| Ok((user_from_row(row)?, row.text(3)?)),
        )
    }

    fn user(&mut self, id: UserId) -> Result<Option<User>> {
        self.row(
            &format!("SELECT {USER_COLUMNS} FROM users WHERE id = ?1"),
            params![id.0],
            |row| user_from_row(row),
        )
    }

    fn password_hash(&mut self, user: UserId) -> Result<Option<String>> {
        self.row(
            "SELECT hashed_password FROM users WHERE id = ?1",
            params![user.0],
            |row| row.text(0),
        )
    }

    fn set_password_hash(&mut self, user: UserId, hashed_password: &str) -> Result<bool> {
        let changed = self.execute(
            "UPDATE users SET hashed_password = ?1 WHERE id = ?2",
            params![hashed_password, user.0],
        )?;
        Ok(changed > 0)
    }

    fn delete_user(&mut self, user: UserId) -> Result<bool> {
        Ok(self.execute("DELETE FROM users WHERE id = ?1", params![user.0])? > 0)
    }

    fn insert_session(
        &mut self,
        user: UserId,
        verified_hash: &str,
        now: DateTime<Utc>,
        expires_at: DateTime<Utc>,
    ) -> Result<Option<SessionId>> {
        // Inside write work: the lock taken at BEGIN orders this after or
        // before any password change, never between its check and its
        // revocations.
        self.row(
            "INSERT INTO sessions (user_id, created_at, expires_at)
             SELECT id, ?2, ?3 FROM users WHERE id = ?1 AND hashed_password = ?4
             RETURNING id",
            params![user.0, timestamp(now), timestamp(expires_at), verified_hash],
            |row| Ok(SessionId(row.int(0)?)),
        )
    }

    fn insert_refresh_token(
        &mut self,
        session: SessionId,
        token_hash: &str,
        now: DateTime<Utc>,
        expires_at: DateTime<Utc>,
    ) -> Result<()> {
        self.execute(
            "INSERT INTO refresh_tokens (session_id, token_hash, created_at, expires_at)
             VALUES (?1, ?2, ?3, ?4)",
            params![session.0, token_hash, timestamp(now), timestamp(expires_at)],
        )
        .map(drop)
    }

    fn refresh_token(&mut self, token_hash: &str) -> Result<Option<StoredRefreshToken>> {
        // The write lock taken at BEGIN keeps the row as read.
        self.row(
            "SELECT t.id, t.session_id, s.user_id, t.expires_at,
                    t.spent_at IS NOT NULL, s.revoked_at IS NOT NULL
             FROM refresh_tokens t JOIN sessions s ON s.id = t.session_id
             WHERE t.token_hash = ?1",
            params![token_hash],
            stored_refresh_token,
        )
    }

    fn spend_refresh_token(&mut self, token_id: i64, now: DateTime<Utc>) -> Result<()> {
        self.execute(
            "UPDATE refresh_tokens SET spent_at = ?1 WHERE id = ?2",
            params![timestamp(now), token_id],
        )
        .map(drop)
    }

    fn extend_session(&mut self, session: SessionId, expires_at: DateTime<Utc>) -> Result<()> {
        self.execute(
            "UPDATE sessions SET expires_at = ?1 WHERE id = ?2",
            params![timestamp(expires_at), session.0],
        )
        .map(drop)
    }

    fn session_user(&mut self, user: UserId, session: SessionId) -> Result<Option<User>> {
        // Every authenticated request runs this: it stays prepared.
        self.row(
            "SELECT u.id, u.email, u.created_at
             FROM sessions s JOIN users u ON u.id = s.user_id
             WHERE s.id = ?1 AND s.user_id = ?2 AND s.revoked_at IS NULL",
            params![session.0, user.0],
            |row| user_from_row(row),
        )
    }

    fn revoke_session(
        &mut self,
        user: UserId,
        session: SessionId,
        reason: RevokeReason,
        now: DateTime<Utc>,
    ) -> Result<bool> {
        let revoked = self.execute(
            "UPDATE sessions SET revoked_at = ?1, revoked_reason = ?2
             WHERE id = ?3 AND user_id = ?4 AND revoked_at IS NULL",
            params![timestamp(now), reason.as_str(), session.0, user.0],
        )?;
        Ok(revoked > 0)
    }

    fn revoke_other_sessions(
        &mut self,
        user: UserId,
        keep: SessionId,
        reason: RevokeReason,
        now: DateTime<Utc>,
    ) -> Result<u64> {
        self.execute(
            "UPDATE sessions SET revoked_at = ?1, revoked_reason = ?2
             WHERE user_id = ?3 AND id <> ?4 AND revoked_at IS NULL",
            params![timestamp(now), reason.as_str(), user.0, keep.0],
        )
    }

    fn delete_expired_sessions(&mut self, now: DateTime<Utc>) -> Result<u64> {
        self.execute(
            "DELETE FROM sessions WHERE expires_at < ?1",
            params![timestamp(now)],
        )
    }

    fn delete_expired_refresh_tokens(&mut self, now: DateTime<Utc>) -> Result<u64> {
        self.execute(
            "DELETE FROM refresh_tokens WHERE expires_at < ?1",
            params![timestamp(now)],
        )
    }

    fn commit(mut self: Box<Self>) -> Result<()> {
        self.finish()
    }
}

/// Task work bound to one owner.
struct OwnerWork {
    work: Work,
    owner: UserId,
}

impl OwnerWork {
    fn tasks(&self, statement: &Statement<'_>) -> Result<Vec<Task>> {
        let mut prepared = self.work.connection.prepare_cached(&statement.sql)?;
        let mut rows = prepared.query(params_from_iter(&statement.values))?;
        let mut tasks = Vec::new();
        while let Some(row) = rows.next()? {
            tasks.push(task_from_row(&Values(row))?);
        }
        Ok(tasks)
    }

    fn task(&self, statement: &Statement<'_>) -> Result<Option<Task>> {
        Ok(self.tasks(statement)?.pop())
    }
}

impl TaskWork for OwnerWork {
    fn insert(&mut self, task: &TaskCreate, now: DateTime<Utc>) -> Result<Task> {
        self.task(&Tasks::insert(self.owner, task, now))?
            .ok_or_else(|| Error::Storage("INSERT returned no row".to_owned()))
    }

    fn count(&mut self, query: &TaskQuery) -> Result<u64> {
        let statement = Tasks::count(self.owner, query);
        let mut prepared = self.work.connection.prepare_cached(&statement.sql)?;
        let total: i64 =
            prepared.query_row(params_from_iter(&statement.values), |row| row.get(0))?;
        Ok(u64::try_from(total).unwrap_or_default())
    }

    fn list(&mut self, query: &TaskQuery) -> Result<Vec<Task>> {
        self.tasks(&Tasks::list(self.owner, query))
    }

    fn get(&mut self, id: TaskId) -> Result<Option<Task>> {
        self.task(&Tasks::get(self.owner, id))
    }

    fn update(
        &mut self,
        id: TaskId,
        patch: &TaskUpdate,
        now: DateTime<Utc>,
    ) -> Result<Option<Task>> {
        self.task(&Tasks::update(self.owner, id, patch, now))
    }

    fn delete(&mut self, id: TaskId) -> Result<bool> {
        let statement = Tasks::delete(self.owner, id);
        let deleted = self
            .work
            .connection
            .prepare_cached(&statement.sql)?
            .execute(params_from_iter(&statement.values))?;
        Ok(deleted > 0)
    }

    fn commit(mut self: Box<Self>) -> Result<()> {
        self.work.finish()
    }
}

/// SQLite's SQL: numbered `?N` placeholders; text sorts by code point.
struct Sqlite;

impl Dialect for Sqlite {
    fn placeholder(number: usize) -> String {
        format!("?{number}")
    }

    fn sort_expression(key: SortKey) -> &'static str {
        key.column()
    }
}

type Tasks = Statements<Sqlite>;

impl ToSql for SqlValue<'_> {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(match self {
            SqlValue::Int(value) => ToSqlOutput::from(*value),
            SqlValue::Text(Some(text)) => ToSqlOutput::from(*text),
            SqlValue::Text(None) => ToSqlOutput::from(rusqlite::types::Null),
            SqlValue::Bool(flag) => ToSqlOutput::from(*flag),
            SqlValue::Time(time) => ToSqlOutput::from(timestamp(*time)),
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
}

fn stored_refresh_token(row: &Values<'_>) -> Result<StoredRefreshToken> {
    Ok(StoredRefreshToken {
        token_id: row.int(0)?,
        session: SessionId(row.int(1)?),
        user: UserId(row.int(2)?),
        expires_at: row.time(3)?,
        spent: row.flag(4)?,
        session_revoked: row.flag(5)?,
    })
}

impl From<rusqlite::Error> for Error {
    fn from(error: rusqlite::Error) -> Self {
        Error::Storage(error.to_string())
    }
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
        assert_eq!(applied, 2);
    }

    #[test]
    fn deleting_a_user_cascades_to_tasks() {
        let store =
            SqliteStore::open(&SqliteLocation::Memory, &StoreOptions::default()).expect("open");
        let mut accounts = store.accounts(Mode::Statement).expect("work");
        let user = accounts
            .insert_user("jane@example.com", "hash", chrono::Utc::now())
            .expect("user");
        accounts.commit().expect("commit");
        let mut tasks = store.tasks(user.id, Mode::Statement).expect("work");
        tasks
            .insert(
                &crate::wire::NewTask::new("t").expect("valid"),
                chrono::Utc::now(),
            )
            .expect("task");
        tasks.commit().expect("commit");
        let connection = store.pool.get().expect("connection");
        connection
            .execute("DELETE FROM users WHERE id = ?1", params![user.id.0])
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
