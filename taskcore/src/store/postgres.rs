//! PostgreSQL storage through an r2d2 connection pool, for several taskd
//! processes sharing one database.

use std::time::Duration;

use chrono::{DateTime, Utc};
use postgres::error::SqlState;
use postgres::types::ToSql;
use postgres::{Config, NoTls, Row};
use r2d2::{Pool, PooledConnection};
use r2d2_postgres::PostgresConnectionManager;

use super::backend::{AccountWork, Backend, Mode, TaskWork};
use super::columns::{
    Dialect, RowValues, SqlValue, Statement, Statements, USER_COLUMNS, task_from_row, user_from_row,
};
use super::query::{SortKey, TaskQuery};
use super::url::redact;
use super::{PoolStatus, StoreOptions};
use crate::error::{Error, Result};
use crate::model::{Task, User};
use crate::session::{RevokeReason, StoredRefreshToken};
use crate::types::{SessionId, TaskId, UserId};
use crate::wire::{TaskCreate, TaskUpdate};

mod embedded {
    refinery::embed_migrations!("migrations/postgres");
}

impl From<postgres::Error> for Error {
    fn from(error: postgres::Error) -> Self {
        Error::Storage(error.to_string())
    }
}

pub(super) struct PostgresStore {
    pool: Pool<PostgresConnectionManager<NoTls>>,
    /// `host:port`, for messages; never the credentials.
    server: String,
}

impl std::fmt::Debug for PostgresStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PostgresStore")
            .field("server", &self.server)
            .finish_non_exhaustive()
    }
}

impl PostgresStore {
    pub(super) fn open(url: &str, options: &StoreOptions) -> Result<Self> {
        let config: Config = url.parse().map_err(|error| {
            Error::Internal(format!(
                "DATABASE_URL {} is not a valid PostgreSQL URL: {error}",
                redact(url)
            ))
        })?;
        Self::open_config(config, options)
    }

    pub(super) fn open_config(mut config: Config, options: &StoreOptions) -> Result<Self> {
        config.connect_timeout(options.connect_timeout);
        if config.get_application_name().is_none() {
            config.application_name("taskd");
        }
        let server = describe_server(&config);
        // Connect once before building the pool: an unreachable server or a
        // refused login is reported at once, in one line, without the password.
        let mut client = config.connect(NoTls).map_err(|error| {
            Error::Storage(format!("cannot connect to PostgreSQL at {server}: {error}"))
        })?;
        embedded::migrations::runner()
            .run(&mut client)
            .map_err(|error| {
                Error::Storage(format!(
                    "migrating the PostgreSQL database at {server}: {error}"
                ))
            })?;
        drop(client);
        let pool = Pool::builder()
            .max_size(options.pool_size.max(1))
            .min_idle(Some(1))
            .connection_timeout(options.connect_timeout.max(Duration::from_secs(1)) * 2)
            .build_unchecked(PostgresConnectionManager::new(config, NoTls));
        Ok(Self { pool, server })
    }

    fn client(&self) -> Result<Client> {
        self.pool
            .get()
            .map_err(|error| Error::Storage(format!("PostgreSQL at {}: {error}", self.server)))
    }
}

type Client = PooledConnection<PostgresConnectionManager<NoTls>>;

impl Backend for PostgresStore {
    fn ping(&self) -> Result<()> {
        self.client()?.simple_query("SELECT 1")?;
        Ok(())
    }

    fn pool_status(&self) -> PoolStatus {
        self.pool.state().into()
    }

    fn accounts(&self, mode: Mode) -> Result<Box<dyn AccountWork + '_>> {
        Ok(Box::new(Work::begin(self.client()?, mode)?))
    }

    fn tasks(&self, owner: UserId, mode: Mode) -> Result<Box<dyn TaskWork + '_>> {
        Ok(Box::new(OwnerWork {
            work: Work::begin(self.client()?, mode)?,
            owner,
        }))
    }
}

/// A pooled connection inside a unit of work: a transaction, unless the
/// work is one statement. Dropped before `commit`, it rolls back.
struct Work {
    client: Client,
    in_transaction: bool,
}

impl Work {
    fn begin(mut client: Client, mode: Mode) -> Result<Self> {
        let begin = match mode {
            Mode::Statement => None,
            // One snapshot for every read: the count and the page agree.
            Mode::Snapshot => Some("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"),
            // Read committed; the statements lock what they read for change
            // (FOR UPDATE, FOR SHARE).
            Mode::Write => Some("BEGIN"),
        };
        if let Some(begin) = begin {
            client.batch_execute(begin)?;
        }
        Ok(Self {
            client,
            in_transaction: begin.is_some(),
        })
    }

    fn finish(&mut self) -> Result<()> {
        if self.in_transaction {
            self.client.batch_execute("COMMIT")?;
            self.in_transaction = false;
        }
        Ok(())
    }

    fn row<T>(
        &mut self,
        sql: &str,
        params: &[&(dyn ToSql + Sync)],
        read: impl FnOnce(&Values<'_>) -> Result<T>,
    ) -> Result<Option<T>> {
        match self.client.query_opt(sql, params)? {
            Some(row) => read(&Values(&row)).map(Some),
            None => Ok(None),
        }
    }

    fn execute(&mut self, sql: &str, params: &[&(dyn ToSql + Sync)]) -> Result<u64> {
        Ok(self.client.execute(sql, params)?)
    }
}

impl Drop for Work {
    fn drop(&mut self) {
        if self.in_transaction {
            // Nothing to report to: the work already failed or was abandoned.
            let _ = self.client.batch_execute("ROLLBACK");
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
        let inserted = self.client.query_one(
            &format!(
                "INSERT INTO users (email, hashed_password, created_at) VALUES ($1, $2, $3)
                 RETURNING {USER_COLUMNS}"
            ),
            &[&email, &hashed_password, &created_at],
        );
        match inserted {
            Ok(row) => user_from_row(&Values(&row)),
            Err(error) if error.code() == Some(&SqlState::UNIQUE_VIOLATION) => {
                Err(Error::EmailTaken)
            }
            Err(error) => Err(error.into()),
        }
    }

    fn user_credentials(&mut self, email: &str) -> Result<Option<(User, String)>> {
        self.row(
            &format!("SELECT {USER_COLUMNS}, hashed_password FROM users WHERE email = $1"),
            &[&email],
            |row| Ok((user_from_row(row)?, row.text(3)?)),
        )
    }

    fn user(&mut self, id: UserId) -> Result<Option<User>> {
        self.row(
            &format!("SELECT {USER_COLUMNS} FROM users WHERE id = $1"),
            &[&id.0],
            |row| user_from_row(row),
        )
    }

    fn password_hash(&mut self, user: UserId) -> Result<Option<String>> {
        self.row(
            "SELECT hashed_password FROM users WHERE id = $1",
            &[&user.0],
            |row| row.text(0),
        )
    }

    fn set_password_hash(&mut self, user: UserId, hashed_password: &str) -> Result<bool> {
        let changed = self.execute(
            "UPDATE users SET hashed_password = $1 WHERE id = $2",
            &[&hashed_password, &user.0],
        )?;
        Ok(changed > 0)
    }

    fn delete_user(&mut self, user: UserId) -> Result<bool> {
        Ok(self.execute("DELETE FROM users WHERE id = $1", &[&user.0])? > 0)
    }

    fn insert_session(
        &mut self,
        user: UserId,
        verified_hash: &str,
        now: DateTime<Utc>,
        expires_at: DateTime<Utc>,
    ) -> Result<Option<SessionId>> {
        // FOR SHARE holds off a concurrent password change until this work
        // commits (its revocations then see this session), or, if the change
        // came first, re-reads the row and finds the hash changed.
        self.row(
            "INSERT INTO sessions (user_id, created_at, expires_at)
             SELECT id, $2, $3 FROM users WHERE id = $1 AND hashed_password = $4 FOR SHARE
             RETURNING id",
            &[&user.0, &now, &expires_at, &verified_hash],
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
             VALUES ($1, $2, $3, $4)",
            &[&session.0, &token_hash, &now, &expires_at],
        )
        .map(drop)
    }

    fn refresh_token(&mut self, token_hash: &str) -> Result<Option<StoredRefreshToken>> {
        // FOR UPDATE: two refreshes with the same token run one after the
        // other, so the second sees the token spent.
        self.row(
            "SELECT t.id, t.session_id, s.user_id, t.expires_at,
                    t.spent_at IS NOT NULL, s.revoked_at IS NOT NULL
             FROM refresh_tokens t JOIN sessions s ON s.id = t.session_id
             WHERE t.token_hash = $1
             FOR UPDATE",
            &[&token_hash],
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
    }

    fn spend_refresh_token(&mut self, token_id: i64, now: DateTime<Utc>) -> Result<()> {
        self.execute(
            "UPDATE refresh_tokens SET spent_at = $1 WHERE id = $2",
            &[&now, &token_id],
        )
        .map(drop)
    }

    fn extend_session(&mut self, session: SessionId, expires_at: DateTime<Utc>) -> Result<()> {
        self.execute(
            "UPDATE sessions SET expires_at = $1 WHERE id = $2",
            &[&expires_at, &session.0],
        )
        .map(drop)
    }

    fn session_user(&mut self, user: UserId, session: SessionId) -> Result<Option<User>> {
        self.row(
            "SELECT u.id, u.email, u.created_at
             FROM sessions s JOIN users u ON u.id = s.user_id
             WHERE s.id = $1 AND s.user_id = $2 AND s.revoked_at IS NULL",
            &[&session.0, &user.0],
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
            "UPDATE sessions SET revoked_at = $1, revoked_reason = $2
             WHERE id = $3 AND user_id = $4 AND revoked_at IS NULL",
            &[&now, &reason.as_str(), &session.0, &user.0],
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
            "UPDATE sessions SET revoked_at = $1, revoked_reason = $2
             WHERE user_id = $3 AND id <> $4 AND revoked_at IS NULL",
            &[&now, &reason.as_str(), &user.0, &keep.0],
        )
    }

    fn delete_expired_sessions(&mut self, now: DateTime<Utc>) -> Result<u64> {
        self.execute("DELETE FROM sessions WHERE expires_at < $1", &[&now])
    }

    fn delete_expired_refresh_tokens(&mut self, now: DateTime<Utc>) -> Result<u64> {
        self.execute("DELETE FROM refresh_tokens WHERE expires_at < $1", &[&now])
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
    fn tasks(&mut self, statement: &Statement<'_>) -> Result<Vec<Task>> {
        let rows = self
            .work
            .client
            .query(&statement.sql, &parameters(statement))?;
        rows.iter().map(|row| task_from_row(&Values(row))).collect()
    }

    fn task(&mut self, statement: &Statement<'_>) -> Result<Option<Task>> {
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
        let row = self
            .work
            .client
            .query_one(&statement.sql, &parameters(&statement))?;
        Ok(u64::try_from(Values(&row).int(0)?).unwrap_or_default())
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
            .client
            .execute(&statement.sql, &parameters(&statement))?;
        Ok(deleted > 0)
    }

    fn commit(mut self: Box<Self>) -> Result<()> {
        self.work.finish()
    }
}

/// PostgreSQL's SQL: `$N` placeholders; titles sort by code point, as on
/// SQLite, whatever the database's collation.
struct Postgres;

impl Dialect for Postgres {
    fn placeholder(number: usize) -> String {
        format!("${number}")
    }

    fn sort_expression(key: SortKey) -> &'static str {
        match key {
            SortKey::Title => "title COLLATE \"C\"",
            other => other.column(),
        }
    }
}

type Tasks = Statements<Postgres>;

/// A statement's values as the driver binds them.
fn parameters<'a>(statement: &'a Statement<'_>) -> Vec<&'a (dyn ToSql + Sync)> {
    statement
        .values
        .iter()
        .map(|value| -> &(dyn ToSql + Sync) {
            match value {
                SqlValue::Int(number) => number,
                SqlValue::Text(text) => text,
                SqlValue::Bool(flag) => flag,
                SqlValue::Time(time) => time,
            }
        })
        .collect()
}

/// A result row, read through the shared row mappers.
struct Values<'r>(&'r Row);

impl RowValues for Values<'_> {
    fn int(&self, index: usize) -> Result<i64> {
        Ok(self.0.try_get(index)?)
    }

    fn text(&self, index: usize) -> Result<String> {
        Ok(self.0.try_get(index)?)
    }

    fn optional_text(&self, index: usize) -> Result<Option<String>> {
        Ok(self.0.try_get(index)?)
    }

    fn flag(&self, index: usize) -> Result<bool> {
        Ok(self.0.try_get(index)?)
    }

    fn time(&self, index: usize) -> Result<DateTime<Utc>> {
        Ok(self.0.try_get(index)?)
    }
}

/// `host:port` of the first server in the config, for messages.
fn describe_server(config: &Config) -> String {
    let host = match config.get_hosts().first() {
        Some(postgres::config::Host::Tcp(host)) => host.clone(),
        #[cfg(unix)]
        Some(postgres::config::Host::Unix(path)) => path.display().to_string(),
        None => "localhost".to_owned(),
    };
    let port = config.get_ports().first().copied().unwrap_or(5432);
    format!("{host}:{port}")
}
