//! The units of work of both backends, written once over a connection that
//! runs one statement. A backend supplies the connection (how to bind and
//! read values, which error is a unique violation) and its dialect
//! (placeholders, how work begins, row locks); every statement is here.

use std::borrow::Cow;

use chrono::{DateTime, Utc};

use super::backend::{AccountWork, Mode, TaskWork};
use super::columns::{
    AFTER_COLUMNS, Context, Dialect, RowValues, SqlValue, Statement, Statements, USER_COLUMNS,
    due_key_from_row, task_from_row, user_from_row,
};
use super::query::TaskQuery;
use crate::error::{Error, Result};
use crate::model::{Change, Expect, NewTask, Origin, TagCount, Task, TaskPatch, TrashedTask, User};
use crate::planning::{Zone, due_key};
use crate::session::{RevokeReason, StoredRefreshToken};
use crate::types::{SessionId, TaskId, UserId};

/// Why a statement failed.
#[derive(Debug)]
pub(crate) enum SqlError {
    /// A unique index refused the row.
    UniqueViolation,
    /// A task would carry more tags than allowed (the `tags_limit` check).
    TooManyTags,
    /// Anything else.
    Other(Error),
}

impl From<SqlError> for Error {
    fn from(error: SqlError) -> Self {
        match error {
            SqlError::UniqueViolation => Error::Storage("a unique index refused a row".to_owned()),
            SqlError::TooManyTags => Error::Validation(crate::ValidationErrors::single(
                crate::Source::Body,
                "add_tags",
                "too_long",
                format!(
                    "A task has at most {} tags; these would make more",
                    crate::planning::TAGS_MAX
                ),
            )),
            SqlError::Other(error) => error,
        }
    }
}

impl From<Error> for SqlError {
    fn from(error: Error) -> Self {
        SqlError::Other(error)
    }
}

/// One pooled connection of a backend: runs a statement with bound values.
pub(crate) trait Connection {
    type Dialect: Dialect;

    /// Runs statements without parameters (BEGIN, COMMIT, ROLLBACK).
    fn batch(&mut self, sql: &str) -> Result<()>;
    /// Runs a statement and hands each row it returns to `each`.
    fn rows(
        &mut self,
        sql: &str,
        values: &[SqlValue<'_>],
        each: &mut dyn FnMut(&dyn RowValues) -> Result<()>,
    ) -> Result<(), SqlError>;
    /// Runs a statement; returns how many rows it changed.
    fn execute(&mut self, sql: &str, values: &[SqlValue<'_>]) -> Result<u64, SqlError>;
}

/// Shared SQL is written with `?N` placeholders: as the dialect writes them.
/// Only a `?` followed by a digit is a placeholder.
fn numbered<D: Dialect>(sql: &str) -> Cow<'_, str> {
    if D::placeholder(1) == "?1" {
        return Cow::Borrowed(sql);
    }
    let mut rewritten = String::with_capacity(sql.len());
    let mut characters = sql.chars().peekable();
    while let Some(character) = characters.next() {
        if character == '?' && characters.peek().is_some_and(char::is_ascii_digit) {
            let number: String =
                std::iter::from_fn(|| characters.next_if(char::is_ascii_digit)).collect();
            rewritten.push_str(&D::placeholder(number.parse().unwrap_or(0)));
        } else {
            rewritten.push(character);
        }
    }
    Cow::Owned(rewritten)
}

/// A unit of work on one connection: a transaction, unless the work is one
/// statement. Dropped before [`Unit::finish`], it rolls back.
pub(crate) struct Unit<C: Connection> {
    connection: C,
    /// What is open until the unit finishes.
    open: Open,
    mode: Mode,
}

/// What a unit of work opened, and must end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Open {
    /// Nothing: one statement, atomic on its own.
    Nothing,
    /// A transaction of its own.
    Transaction,
    /// A savepoint inside someone else's transaction.
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

    fn finish(&mut self) -> Result<()> {
        match self.open {
            Open::Nothing => {}
            Open::Transaction => self.connection.batch("COMMIT")?,
            Open::Savepoint => self.connection.batch("RELEASE unit")?,
        }
        self.open = Open::Nothing;
        Ok(())
    }

    /// The first row of a statement, read by `read`.
    fn row<T>(
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

    fn execute(&mut self, sql: &str, values: &[SqlValue<'_>]) -> Result<u64> {
        let sql = numbered::<C::Dialect>(sql);
        Ok(self.connection.execute(&sql, values)?)
    }

    fn tasks(&mut self, statement: &Statement<'_>) -> Result<Vec<Task>> {
        Ok(self
            .keyed_tasks(statement)?
            .into_iter()
            .map(|(task, _)| task)
            .collect())
    }

    /// Tasks with their stored due keys.
    fn keyed_tasks(
        &mut self,
        statement: &Statement<'_>,
    ) -> Result<Vec<(Task, Option<DateTime<Utc>>)>> {
        let mut tasks = Vec::new();
        self.connection
            .rows(&statement.sql, &statement.values, &mut |row| {
                tasks.push((task_from_row(row)?, due_key_from_row(row)?));
                Ok(())
            })?;
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
                 RETURNING {USER_COLUMNS}"
            ),
            &[
                Text(Some(email)),
                Text(Some(hashed_password)),
                Time(created_at),
                Text(Some(timezone)),
            ],
            user_from_row,
        );
        match inserted {
            Ok(Some(user)) => Ok(user),
            Ok(None) => Err(Error::Storage("INSERT returned no row".to_owned())),
            Err(SqlError::UniqueViolation) => Err(Error::EmailTaken),
            Err(error) => Err(error.into()),
        }
    }

    fn user_credentials(&mut self, email: &str) -> Result<Option<(User, String)>> {
        Ok(self.row(
            &format!("SELECT {USER_COLUMNS}, hashed_password FROM users WHERE email = ?1"),
            &[Text(Some(email))],
            |row| Ok((user_from_row(row)?, row.text(4)?)),
        )?)
    }

    fn user(&mut self, id: UserId) -> Result<Option<User>> {
        Ok(self.row(
            &format!("SELECT {USER_COLUMNS} FROM users WHERE id = ?1"),
            &[Int(id.0)],
            user_from_row,
        )?)
    }

    fn password_hash(&mut self, user: UserId) -> Result<Option<String>> {
        Ok(self.row(
            "SELECT hashed_password FROM users WHERE id = ?1",
            &[Int(user.0)],
            |row| row.text(0),
        )?)
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
        now: DateTime<Utc>,
        expires_at: DateTime<Utc>,
    ) -> Result<Option<SessionId>> {
        // In write work. SQLite's write lock, taken at BEGIN, orders this
        // after or before any password change. PostgreSQL's FOR SHARE holds
        // off a concurrent change until this work commits (its revocations
        // then see this session) or, if the change came first, re-reads the
        // row and finds the hash changed.
        Ok(self.row(
            &format!(
                "INSERT INTO sessions (user_id, created_at, expires_at)
                 SELECT id, ?2, ?3 FROM users WHERE id = ?1 AND hashed_password = ?4{}
                 RETURNING id",
                C::Dialect::LOCK_FOR_SHARE
            ),
            &[
                Int(user.0),
                Time(now),
                Time(expires_at),
                Text(Some(verified_hash)),
            ],
            |row| Ok(SessionId(row.int(0)?)),
        )?)
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
        let found = self.row(
            "SELECT id FROM refresh_tokens WHERE token_hash = ?1",
            &[Text(Some(token_hash))],
            |row| row.int(0),
        )?;
        Ok(found.is_some())
    }

    fn refresh_token(&mut self, token_hash: &str) -> Result<Option<StoredRefreshToken>> {
        // Locked for the rest of the work (SQLite: by the write lock taken at
        // BEGIN), so two refreshes with one token run one after the other and
        // the second sees it spent.
        Ok(self.row(
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
        )?)
    }

    fn spend_refresh_token(&mut self, token_id: i64, now: DateTime<Utc>) -> Result<()> {
        self.execute(
            "UPDATE refresh_tokens SET spent_at = ?1 WHERE id = ?2",
            &[Time(now), Int(token_id)],
        )
        .map(drop)
    }

    fn extend_session(&mut self, session: SessionId, expires_at: DateTime<Utc>) -> Result<()> {
        self.execute(
            "UPDATE sessions SET expires_at = ?1 WHERE id = ?2",
            &[Time(expires_at), Int(session.0)],
        )
        .map(drop)
    }

    fn session_user(&mut self, user: UserId, session: SessionId) -> Result<Option<User>> {
        // Every authenticated request runs this.
        Ok(self.row(
            "SELECT u.id, u.email, u.created_at, u.timezone
             FROM sessions s JOIN users u ON u.id = s.user_id
             WHERE s.id = ?1 AND s.user_id = ?2 AND s.revoked_at IS NULL",
            &[Int(session.0), Int(user.0)],
            user_from_row,
        )?)
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
        self.connection.rows(
            &numbered::<C::Dialect>(&format!(
                "SELECT owner_id FROM change_counters WHERE owner_id IN (
                     SELECT owner_id FROM trashed_tasks WHERE deleted_at < ?1
                     UNION SELECT owner_id FROM erased_tasks WHERE deleted_at < ?2)
                 ORDER BY owner_id{}",
                C::Dialect::LOCK_FOR_UPDATE
            )),
            &[Time(trashed_before), Time(deleted_before)],
            &mut |_| Ok(()),
        )?;
        self.execute(
            "INSERT INTO erased_tasks (id, owner_id, deleted_at, change_seq, source)
             SELECT id, owner_id, deleted_at, change_seq, source FROM trashed_tasks
             WHERE deleted_at < ?1",
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

/// Task work bound to one owner: every statement is built with its filter.
pub(crate) struct OwnerUnit<C: Connection> {
    unit: Unit<C>,
    owner: UserId,
}

impl<C: Connection> OwnerUnit<C> {
    pub fn begin(connection: C, owner: UserId, mode: Mode) -> Result<Self> {
        Ok(Self {
            unit: Unit::begin(connection, mode)?,
            owner,
        })
    }

    /// Owner work inside a transaction someone else owns; see [`Unit::within`].
    pub fn within(connection: C, owner: UserId, mode: Mode) -> Result<Self> {
        Ok(Self {
            unit: Unit::within(connection, mode)?,
            owner,
        })
    }

    fn task(&mut self, statement: &Statement<'_>) -> Result<Option<Task>> {
        Ok(self.unit.tasks(statement)?.pop())
    }

    /// Takes the owner's next change number, holding the owner's change
    /// counter until the work ends. Work that takes one before locking a
    /// task's row locks in the same order as a single UPDATE does.
    fn next_change(&mut self) -> Result<i64> {
        let owner = C::Dialect::placeholder(1);
        self.unit
            .row(
                &format!("SELECT {}", C::Dialect::next_change(&owner)),
                &[Int(self.owner.0)],
                |row| row.int(0),
            )?
            .ok_or_else(|| Error::Storage("no change number".to_owned()))
    }

    /// Holds the owner's change counter until the work ends, without
    /// taking a number.
    fn lock_counter(&mut self) -> Result<()> {
        self.unit.row(
            &format!(
                "SELECT seq FROM change_counters WHERE owner_id = ?1{}",
                C::Dialect::LOCK_FOR_UPDATE
            ),
            &[Int(self.owner.0)],
            |row| row.int(0),
        )?;
        Ok(())
    }

    /// Why a change of task `id` that expected `expect` changed nothing:
    /// the task is not there, or is at another version.
    fn refusal(&mut self, id: TaskId, expect: &Expect) -> Result<Error> {
        Ok(match (self.get(id)?, expect) {
            (None, _) => Error::TaskNotFound,
            (Some(task), Expect::OneOf(_)) => Error::VersionMismatch {
                current: task.version,
            },
            // Not there when the change ran (in the trash, restored since).
            (Some(_), Expect::Any) => Error::TaskNotFound,
        })
    }
}

impl<C: Connection> TaskWork for OwnerUnit<C> {
    fn zone(&mut self) -> Result<Zone> {
        let lock = match self.unit.mode {
            Mode::Write => C::Dialect::LOCK_FOR_SHARE,
            Mode::Statement | Mode::Snapshot => "",
        };
        let name = self.unit.row(
            &format!("SELECT timezone FROM users WHERE id = ?1{lock}"),
            &[Int(self.owner.0)],
            |row| row.text(0),
        )?;
        // A name stored by an older zone database than this build's: read
        // as UTC rather than failing every request of the user.
        Ok(name
            .and_then(|name| Zone::parse(&name).ok())
            .unwrap_or_default())
    }

    fn set_zone(&mut self, zone: Zone) -> Result<User> {
        let user = self
            .unit
            .row(
                &format!("UPDATE users SET timezone = ?1 WHERE id = ?2 RETURNING {USER_COLUMNS}"),
                &[Text(Some(zone.name())), Int(self.owner.0)],
                user_from_row,
            )?
            .ok_or(Error::InvalidToken)?;
        // The due keys of all-day due dates depend on the zone: one update
        // per distinct day, each re-checking its rows (a concurrent change
        // of a task's due, which takes no lock on the user, is then left as
        // it made it).
        let mut days = Vec::new();
        self.unit.connection.rows(
            &numbered::<C::Dialect>(
                "SELECT due_date FROM tasks
                 WHERE owner_id = ?1 AND due_date IS NOT NULL AND due_at IS NULL
                 UNION SELECT due_date FROM trashed_tasks
                 WHERE owner_id = ?1 AND due_date IS NOT NULL AND due_at IS NULL",
            ),
            &[Int(self.owner.0)],
            &mut |row| {
                days.extend(row.optional_date(0)?);
                Ok(())
            },
        )?;
        // Trashed tasks too: a restore puts a task back as it is kept.
        for day in days {
            for table in ["tasks", "trashed_tasks"] {
                self.unit.execute(
                    &format!(
                        "UPDATE {table} SET due_key = ?1
                         WHERE owner_id = ?2 AND due_date = ?3 AND due_at IS NULL"
                    ),
                    &[
                        SqlValue::MaybeTime(due_key(Some(day), None, zone)),
                        Int(self.owner.0),
                        SqlValue::MaybeDate(Some(day)),
                    ],
                )?;
            }
        }
        Ok(user)
    }

    fn insert(
        &mut self,
        task: &NewTask,
        context: Context,
        origin: Option<&Origin>,
    ) -> Result<Task> {
        let statement = Statements::<C::Dialect>::insert(self.owner, task, context, origin);
        match self.unit.tasks(&statement) {
            Ok(mut tasks) => tasks
                .pop()
                .ok_or_else(|| Error::Storage("INSERT returned no row".to_owned())),
            Err(error) => Err(error),
        }
    }

    fn count(&mut self, query: &TaskQuery, context: Context) -> Result<u64> {
        let statement = Statements::<C::Dialect>::count(self.owner, query, context);
        let mut total = 0;
        self.unit
            .connection
            .rows(&statement.sql, &statement.values, &mut |row| {
                total = row.int(0)?;
                Ok(())
            })?;
        Ok(u64::try_from(total).unwrap_or_default())
    }

    fn list(
        &mut self,
        query: &TaskQuery,
        context: Context,
        many: bool,
    ) -> Result<Vec<(Task, Option<DateTime<Utc>>)>> {
        self.unit.keyed_tasks(&Statements::<C::Dialect>::list(
            self.owner, query, context, many,
        ))
    }

    fn get(&mut self, id: TaskId) -> Result<Option<Task>> {
        self.task(&Statements::<C::Dialect>::get(self.owner, id))
    }

    fn update(
        &mut self,
        id: TaskId,
        patch: &TaskPatch,
        context: Context,
        expect: &Expect,
    ) -> Result<Task> {
        match self.task(&Statements::<C::Dialect>::update(
            self.owner, id, patch, context, expect,
        ))? {
            Some(task) => Ok(task),
            None => Err(self.refusal(id, expect)?),
        }
    }

    fn tag_counts(&mut self) -> Result<Vec<TagCount>> {
        let statement = Statements::<C::Dialect>::tag_counts(self.owner);
        let mut counts = Vec::new();
        self.unit
            .connection
            .rows(&statement.sql, &statement.values, &mut |row| {
                counts.push(TagCount {
                    name: row.text(0)?,
                    open: u64::try_from(row.int(1)?).unwrap_or_default(),
                    total: u64::try_from(row.int(2)?).unwrap_or_default(),
                });
                Ok(())
            })?;
        // By code point, whatever the database's collation.
        counts.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(counts)
    }

    fn trash(&mut self, id: TaskId, expect: &Expect, now: DateTime<Utc>) -> Result<()> {
        let change = self.next_change()?;
        let statement = Statements::<C::Dialect>::trash(self.owner, id, expect, now, change);
        if self.unit.execute(&statement.sql, &statement.values)? == 0 {
            return Err(self.refusal(id, expect)?);
        }
        let statement = Statements::<C::Dialect>::remove(self.owner, id);
        self.unit.execute(&statement.sql, &statement.values)?;
        Ok(())
    }

    fn restore(&mut self, id: TaskId, now: DateTime<Utc>) -> Result<Task> {
        // Held against a change of zone, which rewrites the trashed task's
        // due key before this copies it, or after this commits.
        self.zone()?;
        let change = self.next_change()?;
        let task = self
            .task(&Statements::<C::Dialect>::restore(
                self.owner, id, now, change,
            ))?
            .ok_or(Error::TaskNotFound)?;
        let statement = Statements::<C::Dialect>::untrash(self.owner, id);
        self.unit.execute(&statement.sql, &statement.values)?;
        Ok(task)
    }

    fn erase(&mut self, id: TaskId) -> Result<()> {
        // The counter first, as every change of a trashed row takes it.
        self.lock_counter()?;
        let erased = self.unit.execute(
            &format!(
                "INSERT INTO erased_tasks (id, owner_id, deleted_at, change_seq, source)
                 SELECT id, owner_id, deleted_at, change_seq, source FROM trashed_tasks
                 WHERE id = ?1 AND owner_id = ?2{}",
                C::Dialect::LOCK_FOR_UPDATE
            ),
            &[Int(id.0), Int(self.owner.0)],
        )?;
        if erased == 0 {
            return Err(Error::TaskNotFound);
        }
        let statement = Statements::<C::Dialect>::untrash(self.owner, id);
        self.unit.execute(&statement.sql, &statement.values)?;
        Ok(())
    }

    fn trashed(&mut self, page: crate::types::Page) -> Result<(u64, Vec<TrashedTask>)> {
        let total = self
            .unit
            .row(
                "SELECT COUNT(*) FROM trashed_tasks WHERE owner_id = ?1",
                &[Int(self.owner.0)],
                |row| row.int(0),
            )?
            .unwrap_or_default();
        let statement = Statements::<C::Dialect>::trashed(self.owner, page);
        let mut tasks = Vec::new();
        self.unit
            .connection
            .rows(&statement.sql, &statement.values, &mut |row| {
                tasks.push(TrashedTask {
                    task: task_from_row(row)?,
                    deleted_at: row.time(AFTER_COLUMNS)?,
                });
                Ok(())
            })?;
        Ok((u64::try_from(total).unwrap_or_default(), tasks))
    }

    fn change_counter(&mut self) -> Result<(i64, i64)> {
        Ok(self
            .unit
            .row(
                "SELECT seq, forgotten FROM change_counters WHERE owner_id = ?1",
                &[Int(self.owner.0)],
                |row| Ok((row.int(0)?, row.int(1)?)),
            )?
            .unwrap_or_default())
    }

    fn changes(&mut self, since: i64, rows: i64, deletions: bool) -> Result<Vec<(i64, Change)>> {
        let mut changes = Vec::new();
        let statement = Statements::<C::Dialect>::changed(self.owner, since, rows);
        self.unit
            .connection
            .rows(&statement.sql, &statement.values, &mut |row| {
                changes.push((
                    row.int(AFTER_COLUMNS)?,
                    Change::Upsert {
                        task: task_from_row(row)?,
                    },
                ));
                Ok(())
            })?;
        if deletions {
            for table in ["trashed_tasks", "erased_tasks"] {
                self.unit.connection.rows(
                    &numbered::<C::Dialect>(&format!(
                        "SELECT change_seq, id, deleted_at FROM {table}
                         WHERE owner_id = ?1 AND change_seq > ?2
                         ORDER BY change_seq LIMIT ?3"
                    )),
                    &[Int(self.owner.0), Int(since), Int(rows)],
                    &mut |row| {
                        changes.push((
                            row.int(0)?,
                            Change::Delete {
                                id: TaskId(row.int(1)?),
                                deleted_at: row.time(2)?,
                            },
                        ));
                        Ok(())
                    },
                )?;
            }
        }
        changes.sort_by_key(|(change, _)| *change);
        changes.truncate(usize::try_from(rows).unwrap_or(usize::MAX));
        Ok(changes)
    }

    fn exported(&mut self, after: TaskId, rows: i64) -> Result<Vec<(Task, Option<DateTime<Utc>>)>> {
        let statement = Statements::<C::Dialect>::exported(self.owner, after.0, rows);
        let mut tasks = Vec::new();
        self.unit
            .connection
            .rows(&statement.sql, &statement.values, &mut |row| {
                tasks.push((task_from_row(row)?, row.optional_time(AFTER_COLUMNS)?));
                Ok(())
            })?;
        Ok(tasks)
    }

    fn source_known(&mut self, source: &str) -> Result<bool> {
        let found = self.unit.row(
            "SELECT id FROM tasks WHERE owner_id = ?1 AND source = ?2
             UNION ALL SELECT id FROM trashed_tasks WHERE owner_id = ?1 AND source = ?2
             UNION ALL SELECT id FROM erased_tasks WHERE owner_id = ?1 AND source = ?2",
            &[Int(self.owner.0), Text(Some(source))],
            |row| row.int(0),
        )?;
        Ok(found.is_some())
    }

    fn holds(&mut self, id: TaskId) -> Result<bool> {
        let found = self.unit.row(
            "SELECT id FROM tasks WHERE id = ?1 AND owner_id = ?2
             UNION ALL SELECT id FROM trashed_tasks WHERE id = ?1 AND owner_id = ?2",
            &[Int(id.0), Int(self.owner.0)],
            |row| row.int(0),
        )?;
        Ok(found.is_some())
    }

    fn owner_email(&mut self) -> Result<String> {
        self.unit
            .row(
                "SELECT email FROM users WHERE id = ?1",
                &[Int(self.owner.0)],
                |row| row.text(0),
            )?
            .ok_or(Error::InvalidToken)
    }

    fn remembered_create(
        &mut self,
        key: &str,
        since: DateTime<Utc>,
    ) -> Result<Option<(String, TaskId, String)>> {
        Ok(self.unit.row(
            "SELECT request, task_id, response FROM idempotency_keys
             WHERE owner_id = ?1 AND key = ?2 AND created_at >= ?3",
            &[Int(self.owner.0), Text(Some(key)), Time(since)],
            |row| Ok((row.text(0)?, TaskId(row.int(1)?), row.text(2)?)),
        )?)
    }

    fn remember_create(
        &mut self,
        key: &str,
        request: &str,
        task: &Task,
        response: &str,
        since: DateTime<Utc>,
    ) -> Result<bool> {
        // A key whose day is over is taken over; one still fresh is not.
        let remembered = self.unit.execute(
            "INSERT INTO idempotency_keys (owner_id, key, request, task_id, response, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)
             ON CONFLICT (owner_id, key) DO UPDATE
             SET request = excluded.request, task_id = excluded.task_id,
                 response = excluded.response, created_at = excluded.created_at
             WHERE idempotency_keys.created_at < ?7",
            &[
                Int(self.owner.0),
                Text(Some(key)),
                Text(Some(request)),
                Int(task.id.0),
                Text(Some(response)),
                Time(task.created_at),
                Time(since),
            ],
        );
        match remembered {
            Ok(rows) => Ok(rows > 0),
            Err(error) => Err(error),
        }
    }

    fn commit(mut self: Box<Self>) -> Result<()> {
        self.unit.finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::columns::Numbered;

    #[test]
    fn only_numbered_question_marks_become_placeholders() {
        assert_eq!(
            numbered::<Numbered>("SELECT '?', data ? 'key' FROM t WHERE a = ?1 AND b = ?12"),
            "SELECT '?', data ? 'key' FROM t WHERE a = $1 AND b = $12"
        );
    }
}
