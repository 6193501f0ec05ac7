//! A unit of work on one connection, and the statements on accounts and
//! sessions it runs.

use std::sync::LazyLock;

use chrono::{DateTime, Utc};

use super::dialect::Dialect;
use super::table::{due_key_from_row, task_from_row, user_columns, user_from_row, user_trailing};
use super::value::{Connection, RowValues, SqlError, SqlResult, SqlValue, Statement, numbered};
use crate::error::{Error, Result};
use crate::model::{Task, User};
use crate::session::{RevokeReason, StoredRefreshToken};
use crate::store::backend::{AccountWork, Mode};
use crate::types::{SessionId, UserId};
use crate::wire::SessionInfo;

/// A unit of work on one connection: a transaction, unless the work is one
/// statement. Dropped before [`Unit::finish`], it rolls back.
pub(crate) struct Unit<C: Connection> {
    pub(super) connection: C,
    /// What is open until the unit finishes.
    open: Open,
    pub(super) mode: Mode,
}

/// What a unit of work opened, and must end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Open {
    /// Nothing: one statement, atomic on its own.
    Nothing,
    /// A transaction of its own.
    Transaction,
    /// A savepoint inside someone else's transaction.
    #[cfg_attr(not(feature = "sqlite"), allow(dead_code))] // SQLite's writer nests work.
    Savepoint,
}

impl<C: Connection> Unit<C> {
    pub fn begin(mut connection: C, mode: Mode) -> Result<Self> {
        let begin = C::Dialect::begin(mode);
        if let Some(begin) = begin {
            connection.batch(begin)?;
        }
        Ok(Self {
            connection,
            open: if begin.is_some() {
                Open::Transaction
            } else {
                Open::Nothing
            },
            mode,
        })
    }

    /// Work inside a transaction someone else owns (the single writer's),
    /// atomic as it would be on its own: write work in a savepoint, other
    /// work as it comes. Only write work pays for a savepoint: SQLite's
    /// full-text index writes its pending entries out at every one.
    #[cfg_attr(not(feature = "sqlite"), allow(dead_code))] // SQLite's writer nests work.
    pub fn within(mut connection: C, mode: Mode) -> Result<Self> {
        let open = if mode == Mode::Write {
            connection.batch("SAVEPOINT unit")?;
            Open::Savepoint
        } else {
            Open::Nothing
        };
        Ok(Self {
            connection,
            open,
            mode,
        })
    }

    pub(super) fn finish(&mut self) -> Result<()> {
        match self.open {
            Open::Nothing => {}
            Open::Transaction => self.connection.batch("COMMIT")?,
            Open::Savepoint => self.connection.batch("RELEASE unit")?,
        }
        self.open = Open::Nothing;
        Ok(())
    }

    /// The first row of a statement, read by `read`.
    pub(super) fn row<T>(
        &mut self,
        sql: &str,
        values: &[SqlValue<'_>],
        read: impl Fn(&dyn RowValues) -> Result<T>,
    ) -> Result<Option<T>, SqlError> {
        let mut found = None;
        let sql = numbered::<C::Dialect>(sql);
        self.connection.rows(&sql, values, &mut |row| {
            if found.is_none() {
                found = Some(read(row)?);
            }
            Ok(())
        })?;
        Ok(found)
    }

    pub(super) fn execute(&mut self, sql: &str, values: &[SqlValue<'_>]) -> Result<u64> {
        let sql = numbered::<C::Dialect>(sql);
        self.connection.execute(&sql, values).sql()
    }

    pub(super) fn tasks(&mut self, statement: &Statement<'_>) -> Result<Vec<Task>> {
        Ok(self
            .keyed_tasks(statement)?
            .into_iter()
            .map(|(task, _)| task)
            .collect())
    }

    /// Tasks with their stored due keys.
    pub(super) fn keyed_tasks(
        &mut self,
        statement: &Statement<'_>,
    ) -> Result<Vec<(Task, Option<DateTime<Utc>>)>> {
        let mut tasks = Vec::new();
        self.connection
            .rows(&statement.sql, &statement.values, &mut |row| {
                tasks.push((task_from_row(row)?, due_key_from_row(row)?));
                Ok(())
            })
            .sql()?;
        Ok(tasks)
    }
}

impl<C: Connection> Drop for Unit<C> {
    fn drop(&mut self) {
        // Nothing to report to: the work already failed or was abandoned.
        match self.open {
            Open::Nothing => {}
            Open::Transaction => {
                let _ = self.connection.batch("ROLLBACK");
            }
            Open::Savepoint => {
                if self.connection.batch("ROLLBACK TO unit").is_ok() {
                    let _ = self.connection.batch("RELEASE unit");
                } else {
                    // What this work wrote cannot be taken back alone: the
                    // whole transaction goes, and its owner (the writer)
                    // tells every job in it that it failed.
                    let _ = self.connection.batch("ROLLBACK");
                }
            }
        }
    }
}

use SqlValue::{Int, Text, Time};

impl<C: Connection> AccountWork for Unit<C> {
    fn insert_user(
        &mut self,
        email: &str,
        hashed_password: &str,
        timezone: &str,
        created_at: DateTime<Utc>,
    ) -> Result<User> {
        let inserted = self.row(
            &format!(
                "INSERT INTO users (email, hashed_password, created_at, timezone)
                 VALUES (?1, ?2, ?3, ?4)
                 RETURNING {}",
                user_columns()
            ),
            &[
                Text(Some(email)),
                Text(Some(hashed_password)),
                Time(created_at),
                Text(Some(timezone)),
            ],
            user_from_row,
        );
        let user = match inserted {
            Ok(Some(user)) => user,
            Ok(None) => return Err(Error::storage("INSERT returned no row".to_owned())),
            Err(SqlError::UniqueViolation) => return Err(Error::EmailTaken),
            Err(error) => return Err(error.into_error()),
        };
        // Every account has a default list from the start.
        self.execute(
            &super::lists::insert_default_list::<C::Dialect>(),
            &super::lists::default_list_values(user.id, created_at),
        )?;
        Ok(user)
    }

    fn user_credentials(&mut self, email: &str) -> Result<Option<(User, String)>> {
        self.row(
            &format!(
                "SELECT {}, hashed_password FROM users WHERE email = ?1",
                user_columns()
            ),
            &[Text(Some(email))],
            |row| Ok((user_from_row(row)?, row.text(user_trailing(0))?)),
        )
        .sql()
    }

    fn is_disabled(&mut self, user: UserId) -> Result<bool> {
        let disabled = self
            .row(
                "SELECT disabled_at FROM users WHERE id = ?1",
                &[Int(user.0)],
                |row| row.optional_time(0),
            )
            .sql()?;
        Ok(matches!(disabled, Some(Some(_))))
    }

    fn user(&mut self, id: UserId) -> Result<Option<User>> {
        self.row(
            &format!(
                "SELECT {} FROM users WHERE id = ?1 AND disabled_at IS NULL",
                user_columns()
            ),
            &[Int(id.0)],
            user_from_row,
        )
        .sql()
    }

    fn password_hash(&mut self, user: UserId) -> Result<Option<String>> {
        self.row(
            "SELECT hashed_password FROM users WHERE id = ?1",
            &[Int(user.0)],
            |row| row.text(0),
        )
        .sql()
    }

    fn replace_password_hash(
        &mut self,
        user: UserId,
        session: SessionId,
        verified_hash: &str,
        hashed_password: &str,
    ) -> Result<bool> {
        // One statement checks and writes. A concurrent change that got there
        // first has changed the hash (and revoked this session): on
        // PostgreSQL this statement waits for its row lock, then re-checks
        // the row it finds; on SQLite the write lock orders the two.
        let changed = self.execute(
            "UPDATE users SET hashed_password = ?1
             WHERE id = ?2 AND hashed_password = ?3
               AND EXISTS (SELECT 1 FROM sessions
                           WHERE id = ?4 AND user_id = ?2 AND revoked_at IS NULL)",
            &[
                Text(Some(hashed_password)),
                Int(user.0),
                Text(Some(verified_hash)),
                Int(session.0),
            ],
        )?;
        Ok(changed > 0)
    }

    fn delete_user(&mut self, user: UserId) -> Result<bool> {
        Ok(self.execute("DELETE FROM users WHERE id = ?1", &[Int(user.0)])? > 0)
    }

    fn insert_session(
        &mut self,
        user: UserId,
        verified_hash: &str,
        client: &str,
        now: DateTime<Utc>,
        expires_at: DateTime<Utc>,
    ) -> Result<Option<SessionId>> {
        // In write work. SQLite's write lock, taken at BEGIN, orders this
        // after or before any password change. PostgreSQL's FOR SHARE holds
        // off a concurrent change until this work commits (its revocations
        // then see this session) or, if the change came first, re-reads the
        // row and finds the hash changed.
        self.row(
            &format!(
                "INSERT INTO sessions (user_id, created_at, expires_at, client, last_used_at)
                 SELECT id, ?2, ?3, ?5, ?2 FROM users WHERE id = ?1 AND hashed_password = ?4{}
                 RETURNING id",
                C::Dialect::LOCK_FOR_SHARE
            ),
            &[
                Int(user.0),
                Time(now),
                Time(expires_at),
                Text(Some(verified_hash)),
                Text(Some(client)),
            ],
            |row| Ok(SessionId(row.int(0)?)),
        )
        .sql()
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
            &[
                Int(session.0),
                Text(Some(token_hash)),
                Time(now),
                Time(expires_at),
            ],
        )
        .map(drop)
    }

    fn refresh_token_exists(&mut self, token_hash: &str) -> Result<bool> {
        let found = self
            .row(
                "SELECT id FROM refresh_tokens WHERE token_hash = ?1",
                &[Text(Some(token_hash))],
                |row| row.int(0),
            )
            .sql()?;
        Ok(found.is_some())
    }

    fn refresh_token(&mut self, token_hash: &str) -> Result<Option<StoredRefreshToken>> {
        // Locked for the rest of the work (SQLite: by the write lock taken at
        // BEGIN), so two refreshes with one token run one after the other and
        // the second sees it spent.
        self.row(
            &format!(
                "SELECT t.id, t.session_id, s.user_id, t.expires_at,
                        t.spent_at IS NOT NULL, s.revoked_at IS NOT NULL
                 FROM refresh_tokens t JOIN sessions s ON s.id = t.session_id
                 WHERE t.token_hash = ?1{}",
                C::Dialect::LOCK_FOR_UPDATE
            ),
            &[Text(Some(token_hash))],
            |row| {
                Ok(StoredRefreshToken {
                    token_id: row.int(0)?,
                    session: SessionId(row.int(1)?),
                    user: UserId(row.int(2)?),
                    expires_at: row.time(3)?,
                    spent: row.flag(4)?,
                    session_revoked: row.flag(5)?,
                })
            },
        )
        .sql()
    }

    fn spend_refresh_token(&mut self, token_id: i64, now: DateTime<Utc>) -> Result<()> {
        self.execute(
            "UPDATE refresh_tokens SET spent_at = ?1 WHERE id = ?2",
            &[Time(now), Int(token_id)],
        )
        .map(drop)
    }

    fn extend_session(
        &mut self,
        session: SessionId,
        expires_at: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<()> {
        self.execute(
            "UPDATE sessions SET expires_at = ?1, last_used_at = ?3 WHERE id = ?2",
            &[Time(expires_at), Int(session.0), Time(now)],
        )
        .map(drop)
    }

    fn live_sessions(&mut self, user: UserId, now: DateTime<Utc>) -> Result<Vec<SessionInfo>> {
        let mut sessions = Vec::new();
        let sql = numbered::<C::Dialect>(
            "SELECT id, client, created_at, COALESCE(last_used_at, created_at) FROM sessions
             WHERE user_id = ?1 AND revoked_at IS NULL AND expires_at > ?2
             ORDER BY id",
        );
        self.connection
            .rows(&sql, &[Int(user.0), Time(now)], &mut |row| {
                sessions.push(SessionInfo {
                    id: SessionId(row.int(0)?),
                    client: row.text(1)?,
                    created_at: row.time(2)?,
                    last_used_at: row.time(3)?,
                    current: false,
                });
                Ok(())
            })
            .sql()?;
        Ok(sessions)
    }

    fn session_user(&mut self, user: UserId, session: SessionId) -> Result<Option<User>> {
        // Every authenticated request runs this: its text is made once.
        static SQL: LazyLock<String> = LazyLock::new(|| {
            format!(
                "SELECT {} FROM users
                 WHERE id = ?2 AND disabled_at IS NULL AND EXISTS (
                     SELECT 1 FROM sessions
                     WHERE id = ?1 AND user_id = ?2 AND revoked_at IS NULL)",
                user_columns()
            )
        });
        self.row(&SQL, &[Int(session.0), Int(user.0)], user_from_row)
            .sql()
    }

    fn session_end(&mut self, user: UserId, session: SessionId) -> Result<Option<String>> {
        self.row(
            "SELECT revoked_reason FROM sessions
             WHERE id = ?1 AND user_id = ?2 AND revoked_at IS NOT NULL",
            &[Int(session.0), Int(user.0)],
            |row| row.optional_text(0),
        )
        .sql()
        .map(Option::flatten)
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
            &[
                Time(now),
                Text(Some(reason.as_str())),
                Int(session.0),
                Int(user.0),
            ],
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
            &[
                Time(now),
                Text(Some(reason.as_str())),
                Int(user.0),
                Int(keep.0),
            ],
        )
    }

    fn revoke_all_sessions(
        &mut self,
        user: UserId,
        reason: RevokeReason,
        now: DateTime<Utc>,
    ) -> Result<u64> {
        self.execute(
            "UPDATE sessions SET revoked_at = ?1, revoked_reason = ?2
             WHERE user_id = ?3 AND revoked_at IS NULL",
            &[Time(now), Text(Some(reason.as_str())), Int(user.0)],
        )
    }

    fn delete_expired_sessions(&mut self, now: DateTime<Utc>) -> Result<u64> {
        self.execute("DELETE FROM sessions WHERE expires_at < ?1", &[Time(now)])
    }

    fn delete_expired_refresh_tokens(&mut self, now: DateTime<Utc>) -> Result<u64> {
        self.execute(
            "DELETE FROM refresh_tokens WHERE expires_at < ?1",
            &[Time(now)],
        )
    }

    fn purge_deleted(
        &mut self,
        trashed_before: DateTime<Utc>,
        deleted_before: DateTime<Utc>,
    ) -> Result<(u64, u64)> {
        // The owners' change counters first, in owner order, as every
        // change of a trashed row takes its owner's first: a restore or an
        // erase of the same rows waits for this work, or this for it.
        self.connection
            .rows(
                &numbered::<C::Dialect>(&format!(
                    "SELECT owner_id FROM change_counters WHERE owner_id IN (
                     SELECT owner_id FROM trashed_tasks WHERE deleted_at < ?1
                     UNION SELECT owner_id FROM erased_tasks WHERE deleted_at < ?2
                     UNION SELECT owner_id FROM deleted_lists WHERE deleted_at < ?2)
                 ORDER BY owner_id{}",
                    C::Dialect::LOCK_FOR_UPDATE
                )),
                &[Time(trashed_before), Time(deleted_before)],
                &mut |_| Ok(()),
            )
            .sql()?;
        self.execute(
            "INSERT INTO erased_tasks (id, owner_id, deleted_at, change_seq, source)
             SELECT id, owner_id, deleted_at, change_seq, source FROM trashed_tasks
             WHERE deleted_at < ?1",
            &[Time(trashed_before)],
        )?;
        // Their completed occurrences go with them.
        self.execute(
            &format!(
                "{} DELETE FROM task_completions WHERE id IN (SELECT id FROM chain)",
                super::history::chains("trashed_tasks", "deleted_at < ?1", "1 = 1")
            ),
            &[Time(trashed_before)],
        )?;
        // And what CalDAV kept of them.
        self.execute(
            "DELETE FROM task_objects WHERE (owner_id, task_id) IN (
             SELECT owner_id, id FROM trashed_tasks WHERE deleted_at < ?1)",
            &[Time(trashed_before)],
        )?;
        let erased = self.execute(
            "DELETE FROM trashed_tasks WHERE deleted_at < ?1",
            &[Time(trashed_before)],
        )?;
        // A feed cursor from before a forgotten deletion has missed it.
        self.execute(
            "UPDATE change_counters SET forgotten = (
                 SELECT MAX(e.change_seq) FROM erased_tasks e
                 WHERE e.owner_id = change_counters.owner_id AND e.deleted_at < ?1)
             WHERE EXISTS (
                 SELECT 1 FROM erased_tasks e
                 WHERE e.owner_id = change_counters.owner_id AND e.deleted_at < ?1
                   AND e.change_seq > change_counters.forgotten)",
            &[Time(deleted_before)],
        )?;
        // And one from before a forgotten list deletion.
        self.execute(
            "UPDATE change_counters SET forgotten = (
                 SELECT MAX(d.change_seq) FROM deleted_lists d
                 WHERE d.owner_id = change_counters.owner_id AND d.deleted_at < ?1)
             WHERE EXISTS (
                 SELECT 1 FROM deleted_lists d
                 WHERE d.owner_id = change_counters.owner_id AND d.deleted_at < ?1
                   AND d.change_seq > change_counters.forgotten)",
            &[Time(deleted_before)],
        )?;
        self.execute(
            "DELETE FROM deleted_lists WHERE deleted_at < ?1",
            &[Time(deleted_before)],
        )?;
        let forgotten = self.execute(
            "DELETE FROM erased_tasks WHERE deleted_at < ?1",
            &[Time(deleted_before)],
        )?;
        Ok((erased, forgotten))
    }

    fn purge_idempotency_keys(&mut self, before: DateTime<Utc>) -> Result<u64> {
        self.execute(
            "DELETE FROM idempotency_keys WHERE created_at < ?1",
            &[Time(before)],
        )
    }

    fn commit(mut self: Box<Self>) -> Result<()> {
        self.finish()
    }
}
