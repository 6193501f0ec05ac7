//! SQLite storage through an r2d2 connection pool.

use std::path::Path;
use std::time::Duration;

use chrono::{DateTime, SecondsFormat, Utc};
use r2d2::{CustomizeConnection, Pool};
use r2d2_sqlite::SqliteConnectionManager;
use rusqlite::{Connection, OptionalExtension, Row, Transaction, TransactionBehavior, params};

use super::url::SqliteLocation;
use super::{Backend, PoolStatus, StoreOptions};
use crate::error::{Error, Result};
use crate::model::{NewTask, Task, TaskPage, TaskPatch, User};
use crate::session::{RevokeReason, Rotation, StoredRefreshToken, Verdict};
use crate::types::{Email, Page, SessionId, TaskId, UserId};

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

    fn read<T>(&self, work: impl FnOnce(&Transaction<'_>) -> Result<T>) -> Result<T> {
        let mut connection = self.pool.get()?;
        let transaction = connection.transaction_with_behavior(TransactionBehavior::Deferred)?;
        let value = work(&transaction)?;
        transaction.commit()?;
        Ok(value)
    }

    /// Runs `work` in a transaction that takes the write lock at BEGIN, so it
    /// waits (busy_timeout) for other writers instead of failing with SQLITE_BUSY
    /// when a read inside it tries to upgrade to a write.
    fn write<T>(&self, work: impl FnOnce(&Transaction<'_>) -> Result<T>) -> Result<T> {
        let mut connection = self.pool.get()?;
        let transaction = connection.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let value = work(&transaction)?;
        transaction.commit()?;
        Ok(value)
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

    fn insert_user(
        &self,
        email: &Email,
        hashed_password: &str,
        created_at: DateTime<Utc>,
    ) -> Result<User> {
        self.write(|transaction| {
            let inserted = transaction.query_row(
                "INSERT INTO users (email, hashed_password, created_at) VALUES (?1, ?2, ?3)
                     RETURNING id, email, created_at",
                params![email.as_str(), hashed_password, timestamp(created_at)],
                user_from_row,
            );
            match inserted {
                Err(rusqlite::Error::SqliteFailure(error, _))
                    if error.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE =>
                {
                    Err(Error::EmailTaken)
                }
                other => Ok(other?),
            }
        })
    }

    fn user_credentials(&self, email: &Email) -> Result<Option<(User, String)>> {
        self.read(|transaction| {
            Ok(transaction
                .query_row(
                    "SELECT id, email, created_at, hashed_password FROM users WHERE email = ?1",
                    params![email.as_str()],
                    |row| Ok((user_from_row(row)?, row.get::<_, String>(3)?)),
                )
                .optional()?)
        })
    }

    fn user_by_id(&self, id: UserId) -> Result<Option<User>> {
        self.read(|transaction| {
            Ok(transaction
                .query_row(
                    "SELECT id, email, created_at FROM users WHERE id = ?1",
                    params![id.0],
                    user_from_row,
                )
                .optional()?)
        })
    }

    fn insert_task(&self, owner: UserId, task: &NewTask, now: DateTime<Utc>) -> Result<Task> {
        let created_at = timestamp(now);
        self.write(|transaction| {
            Ok(transaction.query_row(
                "INSERT INTO tasks (title, description, completed, owner_id, created_at, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?5)
                 RETURNING id, title, description, completed, owner_id, created_at, updated_at",
                params![
                    task.title.as_str(),
                    task.description.as_ref().map(|d| d.as_str()),
                    task.completed,
                    owner.0,
                    created_at,
                ],
                task_from_row,
            )?)
        })
    }

    fn list_tasks(&self, owner: UserId, page: Page) -> Result<TaskPage> {
        // One read transaction: the count and the page come from the same snapshot.
        self.read(|transaction| {
            let total: i64 = transaction.query_row(
                "SELECT COUNT(*) FROM tasks WHERE owner_id = ?1",
                params![owner.0],
                |row| row.get(0),
            )?;
            let mut statement = transaction.prepare_cached(
                "SELECT id, title, description, completed, owner_id, created_at, updated_at
                 FROM tasks WHERE owner_id = ?1 ORDER BY id LIMIT ?2 OFFSET ?3",
            )?;
            let skip = i64::try_from(page.skip()).unwrap_or(i64::MAX);
            let tasks = statement
                .query_map(params![owner.0, page.limit(), skip], task_from_row)?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            Ok(TaskPage {
                tasks,
                total: u64::try_from(total).unwrap_or_default(),
            })
        })
    }

    fn task(&self, owner: UserId, id: TaskId) -> Result<Option<Task>> {
        self.read(|transaction| {
            Ok(transaction
                .query_row(
                    "SELECT id, title, description, completed, owner_id, created_at, updated_at
                     FROM tasks WHERE id = ?1 AND owner_id = ?2",
                    params![id.0, owner.0],
                    task_from_row,
                )
                .optional()?)
        })
    }

    fn update_task(
        &self,
        owner: UserId,
        id: TaskId,
        patch: &TaskPatch,
        now: DateTime<Utc>,
    ) -> Result<Option<Task>> {
        let description = patch.description_text();
        self.write(|transaction| {
            Ok(transaction
                .query_row(
                    "UPDATE tasks SET
                        title = CASE WHEN ?1 THEN ?2 ELSE title END,
                        description = CASE WHEN ?3 THEN ?4 ELSE description END,
                        completed = CASE WHEN ?5 THEN ?6 ELSE completed END,
                        updated_at = ?7
                     WHERE id = ?8 AND owner_id = ?9
                     RETURNING id, title, description, completed, owner_id, created_at, updated_at",
                    params![
                        patch.title.is_some(),
                        patch.title.as_ref().map(|t| t.as_str()),
                        description.is_some(),
                        description.flatten(),
                        patch.completed.is_some(),
                        patch.completed.unwrap_or_default(),
                        timestamp(now),
                        id.0,
                        owner.0,
                    ],
                    task_from_row,
                )
                .optional()?)
        })
    }

    fn delete_task(&self, owner: UserId, id: TaskId) -> Result<bool> {
        self.write(|transaction| {
            let deleted = transaction.execute(
                "DELETE FROM tasks WHERE id = ?1 AND owner_id = ?2",
                params![id.0, owner.0],
            )?;
            Ok(deleted > 0)
        })
    }

    fn password_hash(&self, user: UserId) -> Result<Option<String>> {
        self.read(|transaction| {
            Ok(transaction
                .query_row(
                    "SELECT hashed_password FROM users WHERE id = ?1",
                    params![user.0],
                    |row| row.get(0),
                )
                .optional()?)
        })
    }

    fn set_password(
        &self,
        user: UserId,
        hashed_password: &str,
        keep: SessionId,
        now: DateTime<Utc>,
    ) -> Result<u64> {
        self.write(|transaction| {
            transaction.execute(
                "UPDATE users SET hashed_password = ?1 WHERE id = ?2",
                params![hashed_password, user.0],
            )?;
            let revoked = transaction.execute(
                "UPDATE sessions SET revoked_at = ?1, revoked_reason = ?2
                 WHERE user_id = ?3 AND id <> ?4 AND revoked_at IS NULL",
                params![
                    timestamp(now),
                    RevokeReason::PasswordChanged.as_str(),
                    user.0,
                    keep.0
                ],
            )?;
            Ok(revoked as u64)
        })
    }

    fn delete_user(&self, user: UserId) -> Result<bool> {
        self.write(|transaction| {
            let deleted =
                transaction.execute("DELETE FROM users WHERE id = ?1", params![user.0])?;
            Ok(deleted > 0)
        })
    }

    fn insert_session(
        &self,
        user: UserId,
        verified_hash: &str,
        refresh_hash: &str,
        now: DateTime<Utc>,
        expires_at: DateTime<Utc>,
    ) -> Result<Option<SessionId>> {
        let (now, expires_at) = (timestamp(now), timestamp(expires_at));
        // The write lock, taken at BEGIN, orders this after or before any
        // password change: never between its check and its revocations.
        self.write(|transaction| {
            let session: Option<i64> = transaction
                .query_row(
                    "INSERT INTO sessions (user_id, created_at, expires_at)
                     SELECT id, ?2, ?3 FROM users WHERE id = ?1 AND hashed_password = ?4
                     RETURNING id",
                    params![user.0, now, expires_at, verified_hash],
                    |row| row.get(0),
                )
                .optional()?;
            let Some(session) = session else {
                return Ok(None);
            };
            transaction.execute(
                "INSERT INTO refresh_tokens (session_id, token_hash, created_at, expires_at)
                 VALUES (?1, ?2, ?3, ?4)",
                params![session, refresh_hash, now, expires_at],
            )?;
            Ok(Some(SessionId(session)))
        })
    }

    fn rotate_refresh_token(
        &self,
        presented: &str,
        next: &str,
        now: DateTime<Utc>,
        expires_at: DateTime<Utc>,
    ) -> Result<Rotation> {
        self.write(|transaction| {
            let stored = transaction
                .query_row(
                    "SELECT t.id, t.session_id, s.user_id, t.expires_at,
                            t.spent_at IS NOT NULL, s.revoked_at IS NOT NULL
                     FROM refresh_tokens t JOIN sessions s ON s.id = t.session_id
                     WHERE t.token_hash = ?1",
                    params![presented],
                    |row| {
                        Ok(StoredRefreshToken {
                            token_id: row.get(0)?,
                            session: SessionId(row.get(1)?),
                            user: UserId(row.get(2)?),
                            expires_at: parse_timestamp(row, 3)?,
                            spent: row.get(4)?,
                            session_revoked: row.get(5)?,
                        })
                    },
                )
                .optional()?;
            let Some(stored) = stored else {
                return Ok(Rotation::Refused);
            };
            let verdict = stored.verdict(now);
            let now = timestamp(now);
            match verdict {
                Verdict::Refuse => Ok(Rotation::Refused),
                Verdict::RevokeChain => {
                    transaction.execute(
                        "UPDATE sessions SET revoked_at = ?1, revoked_reason = ?2 WHERE id = ?3",
                        params![
                            now,
                            RevokeReason::RefreshTokenReuse.as_str(),
                            stored.session.0
                        ],
                    )?;
                    Ok(Rotation::Reused {
                        user: stored.user,
                        session: stored.session,
                    })
                }
                Verdict::Rotate => {
                    let expires_at = timestamp(expires_at);
                    transaction.execute(
                        "UPDATE refresh_tokens SET spent_at = ?1 WHERE id = ?2",
                        params![now, stored.token_id],
                    )?;
                    transaction.execute(
                        "INSERT INTO refresh_tokens (session_id, token_hash, created_at, expires_at)
                         VALUES (?1, ?2, ?3, ?4)",
                        params![stored.session.0, next, now, expires_at],
                    )?;
                    transaction.execute(
                        "UPDATE sessions SET expires_at = ?1 WHERE id = ?2",
                        params![expires_at, stored.session.0],
                    )?;
                    let user = transaction.query_row(
                        "SELECT id, email, created_at FROM users WHERE id = ?1",
                        params![stored.user.0],
                        user_from_row,
                    )?;
                    Ok(Rotation::Rotated {
                        user,
                        session: stored.session,
                    })
                }
            }
        })
    }

    fn session_user(&self, user: UserId, session: SessionId) -> Result<Option<User>> {
        // Every authenticated request runs this: keep it prepared.
        self.read(|transaction| {
            Ok(transaction
                .prepare_cached(
                    "SELECT u.id, u.email, u.created_at
                     FROM sessions s JOIN users u ON u.id = s.user_id
                     WHERE s.id = ?1 AND s.user_id = ?2 AND s.revoked_at IS NULL",
                )?
                .query_row(params![session.0, user.0], user_from_row)
                .optional()?)
        })
    }

    fn revoke_session(
        &self,
        user: UserId,
        session: SessionId,
        reason: RevokeReason,
        now: DateTime<Utc>,
    ) -> Result<bool> {
        self.write(|transaction| {
            let revoked = transaction.execute(
                "UPDATE sessions SET revoked_at = ?1, revoked_reason = ?2
                 WHERE id = ?3 AND user_id = ?4 AND revoked_at IS NULL",
                params![timestamp(now), reason.as_str(), session.0, user.0],
            )?;
            Ok(revoked > 0)
        })
    }

    fn purge_sessions(&self, now: DateTime<Utc>) -> Result<u64> {
        self.write(|transaction| {
            let now = timestamp(now);
            let purged =
                transaction.execute("DELETE FROM sessions WHERE expires_at < ?1", params![now])?;
            // Spent tokens are kept to recognise their reuse, but an expired
            // one is refused before that matters.
            transaction.execute(
                "DELETE FROM refresh_tokens WHERE expires_at < ?1",
                params![now],
            )?;
            Ok(purged as u64)
        })
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

fn parse_timestamp(row: &Row<'_>, index: usize) -> rusqlite::Result<DateTime<Utc>> {
    let text: String = row.get(index)?;
    DateTime::parse_from_rfc3339(&text)
        .map(|time| time.with_timezone(&Utc))
        .map_err(|error| {
            rusqlite::Error::FromSqlConversionFailure(
                index,
                rusqlite::types::Type::Text,
                Box::new(error),
            )
        })
}

fn user_from_row(row: &Row<'_>) -> rusqlite::Result<User> {
    Ok(User {
        id: UserId(row.get(0)?),
        email: row.get(1)?,
        created_at: parse_timestamp(row, 2)?,
    })
}

fn task_from_row(row: &Row<'_>) -> rusqlite::Result<Task> {
    Ok(Task {
        id: TaskId(row.get(0)?),
        title: row.get(1)?,
        description: row.get(2)?,
        completed: row.get(3)?,
        owner_id: UserId(row.get(4)?),
        created_at: parse_timestamp(row, 5)?,
        updated_at: parse_timestamp(row, 6)?,
    })
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
        let user = store
            .insert_user(
                &Email::parse("jane@example.com").expect("valid"),
                "hash",
                chrono::Utc::now(),
            )
            .expect("user");
        store
            .insert_task(
                user.id,
                &NewTask::new("t").expect("valid"),
                chrono::Utc::now(),
            )
            .expect("task");
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
