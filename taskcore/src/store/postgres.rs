//! PostgreSQL storage through an r2d2 connection pool, for several taskd
//! processes sharing one database.

use std::time::Duration;

use chrono::{DateTime, Utc};
use postgres::error::SqlState;
use postgres::{Config, IsolationLevel, NoTls, Row};
use r2d2::Pool;
use r2d2_postgres::PostgresConnectionManager;

use super::url::redact;
use super::{Backend, PoolStatus, StoreOptions};
use crate::error::{Error, Result};
use crate::model::{NewTask, Task, TaskPage, TaskPatch, User};
use crate::session::{RevokeReason, Rotation, StoredRefreshToken, Verdict};
use crate::types::{Email, Page, SessionId, TaskId, UserId};

mod embedded {
    refinery::embed_migrations!("migrations/postgres");
}

const TASK_COLUMNS: &str = "id, title, description, completed, owner_id, created_at, updated_at";

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
        let mut config: Config = url.parse().map_err(|error| {
            Error::Internal(format!(
                "DATABASE_URL {} is not a valid PostgreSQL URL: {error}",
                redact(url)
            ))
        })?;
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

    fn client(&self) -> Result<r2d2::PooledConnection<PostgresConnectionManager<NoTls>>> {
        self.pool
            .get()
            .map_err(|error| Error::Storage(format!("PostgreSQL at {}: {error}", self.server)))
    }
}

impl Backend for PostgresStore {
    fn ping(&self) -> Result<()> {
        self.client()?.simple_query("SELECT 1")?;
        Ok(())
    }

    fn pool_status(&self) -> PoolStatus {
        self.pool.state().into()
    }

    fn insert_user(
        &self,
        email: &Email,
        hashed_password: &str,
        created_at: DateTime<Utc>,
    ) -> Result<User> {
        let inserted = self.client()?.query_one(
            "INSERT INTO users (email, hashed_password, created_at) VALUES ($1, $2, $3)
             RETURNING id, email, created_at",
            &[&email.as_str(), &hashed_password, &created_at],
        );
        match inserted {
            Ok(row) => user_from_row(&row),
            Err(error) if error.code() == Some(&SqlState::UNIQUE_VIOLATION) => {
                Err(Error::EmailTaken)
            }
            Err(error) => Err(error.into()),
        }
    }

    fn user_credentials(&self, email: &Email) -> Result<Option<(User, String)>> {
        let row = self.client()?.query_opt(
            "SELECT id, email, created_at, hashed_password FROM users WHERE email = $1",
            &[&email.as_str()],
        )?;
        row.map(|row| Ok((user_from_row(&row)?, row.try_get(3)?)))
            .transpose()
    }

    fn user_by_id(&self, id: UserId) -> Result<Option<User>> {
        let row = self.client()?.query_opt(
            "SELECT id, email, created_at FROM users WHERE id = $1",
            &[&id.0],
        )?;
        row.map(|row| user_from_row(&row)).transpose()
    }

    fn insert_task(&self, owner: UserId, task: &NewTask, now: DateTime<Utc>) -> Result<Task> {
        let row = self.client()?.query_one(
            &format!(
                "INSERT INTO tasks (title, description, completed, owner_id, created_at, updated_at)
                 VALUES ($1, $2, $3, $4, $5, $5) RETURNING {TASK_COLUMNS}"
            ),
            &[
                &task.title.as_str(),
                &task.description.as_ref().map(|d| d.as_str()),
                &task.completed,
                &owner.0,
                &now,
            ],
        )?;
        task_from_row(&row)
    }

    fn list_tasks(&self, owner: UserId, page: Page) -> Result<TaskPage> {
        let mut client = self.client()?;
        // One snapshot: the count and the page agree.
        let mut transaction = client
            .build_transaction()
            .isolation_level(IsolationLevel::RepeatableRead)
            .read_only(true)
            .start()?;
        let total: i64 = transaction
            .query_one(
                "SELECT COUNT(*) FROM tasks WHERE owner_id = $1",
                &[&owner.0],
            )?
            .try_get(0)?;
        let skip = i64::try_from(page.skip()).unwrap_or(i64::MAX);
        let rows = transaction.query(
            &format!("SELECT {TASK_COLUMNS} FROM tasks WHERE owner_id = $1 ORDER BY id LIMIT $2 OFFSET $3"),
            &[&owner.0, &i64::from(page.limit()), &skip],
        )?;
        transaction.commit()?;
        Ok(TaskPage {
            tasks: rows.iter().map(task_from_row).collect::<Result<_>>()?,
            total: u64::try_from(total).unwrap_or_default(),
        })
    }

    fn task(&self, owner: UserId, id: TaskId) -> Result<Option<Task>> {
        let row = self.client()?.query_opt(
            &format!("SELECT {TASK_COLUMNS} FROM tasks WHERE id = $1 AND owner_id = $2"),
            &[&id.0, &owner.0],
        )?;
        row.map(|row| task_from_row(&row)).transpose()
    }

    fn update_task(
        &self,
        owner: UserId,
        id: TaskId,
        patch: &TaskPatch,
        now: DateTime<Utc>,
    ) -> Result<Option<Task>> {
        let description = patch.description_text();
        let row = self.client()?.query_opt(
            &format!(
                "UPDATE tasks SET
                    title = CASE WHEN $1 THEN $2 ELSE title END,
                    description = CASE WHEN $3 THEN $4 ELSE description END,
                    completed = CASE WHEN $5 THEN $6 ELSE completed END,
                    updated_at = $7
                 WHERE id = $8 AND owner_id = $9
                 RETURNING {TASK_COLUMNS}"
            ),
            &[
                &patch.title.is_some(),
                &patch.title.as_ref().map(|t| t.as_str()),
                &description.is_some(),
                &description.flatten(),
                &patch.completed.is_some(),
                &patch.completed.unwrap_or_default(),
                &now,
                &id.0,
                &owner.0,
            ],
        )?;
        row.map(|row| task_from_row(&row)).transpose()
    }

    fn delete_task(&self, owner: UserId, id: TaskId) -> Result<bool> {
        let deleted = self.client()?.execute(
            "DELETE FROM tasks WHERE id = $1 AND owner_id = $2",
            &[&id.0, &owner.0],
        )?;
        Ok(deleted > 0)
    }

    fn password_hash(&self, user: UserId) -> Result<Option<String>> {
        let row = self.client()?.query_opt(
            "SELECT hashed_password FROM users WHERE id = $1",
            &[&user.0],
        )?;
        row.map(|row| Ok(row.try_get(0)?)).transpose()
    }

    fn set_password(
        &self,
        user: UserId,
        hashed_password: &str,
        keep: SessionId,
        now: DateTime<Utc>,
    ) -> Result<u64> {
        let mut client = self.client()?;
        let mut transaction = client.transaction()?;
        transaction.execute(
            "UPDATE users SET hashed_password = $1 WHERE id = $2",
            &[&hashed_password, &user.0],
        )?;
        let revoked = transaction.execute(
            "UPDATE sessions SET revoked_at = $1, revoked_reason = $2
             WHERE user_id = $3 AND id <> $4 AND revoked_at IS NULL",
            &[
                &now,
                &RevokeReason::PasswordChanged.as_str(),
                &user.0,
                &keep.0,
            ],
        )?;
        transaction.commit()?;
        Ok(revoked)
    }

    fn delete_user(&self, user: UserId) -> Result<bool> {
        let deleted = self
            .client()?
            .execute("DELETE FROM users WHERE id = $1", &[&user.0])?;
        Ok(deleted > 0)
    }

    fn insert_session(
        &self,
        user: UserId,
        verified_hash: &str,
        refresh_hash: &str,
        now: DateTime<Utc>,
        expires_at: DateTime<Utc>,
    ) -> Result<Option<SessionId>> {
        // One statement: the session and its first token, or neither. FOR
        // SHARE holds off a concurrent password change until this commits
        // (its revocations then see this session), or, if the change came
        // first, re-reads the row and finds the hash changed.
        let row = self.client()?.query_opt(
            "WITH session AS (
                 INSERT INTO sessions (user_id, created_at, expires_at)
                 SELECT id, $2, $3 FROM users WHERE id = $1 AND hashed_password = $5 FOR SHARE
                 RETURNING id
             )
             INSERT INTO refresh_tokens (session_id, token_hash, created_at, expires_at)
             SELECT id, $4, $2, $3 FROM session
             RETURNING session_id",
            &[&user.0, &now, &expires_at, &refresh_hash, &verified_hash],
        )?;
        row.map(|row| Ok(SessionId(row.try_get(0)?))).transpose()
    }

    fn rotate_refresh_token(
        &self,
        presented: &str,
        next: &str,
        now: DateTime<Utc>,
        expires_at: DateTime<Utc>,
    ) -> Result<Rotation> {
        let mut client = self.client()?;
        let mut transaction = client.transaction()?;
        // FOR UPDATE: two refreshes with the same token run one after the
        // other, so the second sees the token spent.
        let row = transaction.query_opt(
            "SELECT t.id, t.session_id, s.user_id, t.expires_at,
                    t.spent_at IS NOT NULL, s.revoked_at IS NOT NULL
             FROM refresh_tokens t JOIN sessions s ON s.id = t.session_id
             WHERE t.token_hash = $1
             FOR UPDATE",
            &[&presented],
        )?;
        let Some(row) = row else {
            return Ok(Rotation::Refused);
        };
        let stored = StoredRefreshToken {
            token_id: row.try_get(0)?,
            session: SessionId(row.try_get(1)?),
            user: UserId(row.try_get(2)?),
            expires_at: row.try_get(3)?,
            spent: row.try_get(4)?,
            session_revoked: row.try_get(5)?,
        };
        let rotation = match stored.verdict(now) {
            Verdict::Refuse => Rotation::Refused,
            Verdict::RevokeChain => {
                transaction.execute(
                    "UPDATE sessions SET revoked_at = $1, revoked_reason = $2 WHERE id = $3",
                    &[
                        &now,
                        &RevokeReason::RefreshTokenReuse.as_str(),
                        &stored.session.0,
                    ],
                )?;
                Rotation::Reused {
                    user: stored.user,
                    session: stored.session,
                }
            }
            Verdict::Rotate => {
                transaction.execute(
                    "UPDATE refresh_tokens SET spent_at = $1 WHERE id = $2",
                    &[&now, &stored.token_id],
                )?;
                transaction.execute(
                    "INSERT INTO refresh_tokens (session_id, token_hash, created_at, expires_at)
                     VALUES ($1, $2, $3, $4)",
                    &[&stored.session.0, &next, &now, &expires_at],
                )?;
                let row = transaction.query_one(
                    "WITH extended AS (
                         UPDATE sessions SET expires_at = $1 WHERE id = $2 RETURNING user_id
                     )
                     SELECT u.id, u.email, u.created_at FROM users u JOIN extended e ON e.user_id = u.id",
                    &[&expires_at, &stored.session.0],
                )?;
                Rotation::Rotated {
                    user: user_from_row(&row)?,
                    session: stored.session,
                }
            }
        };
        transaction.commit()?;
        Ok(rotation)
    }

    fn session_user(&self, user: UserId, session: SessionId) -> Result<Option<User>> {
        let row = self.client()?.query_opt(
            "SELECT u.id, u.email, u.created_at
             FROM sessions s JOIN users u ON u.id = s.user_id
             WHERE s.id = $1 AND s.user_id = $2 AND s.revoked_at IS NULL",
            &[&session.0, &user.0],
        )?;
        row.map(|row| user_from_row(&row)).transpose()
    }

    fn revoke_session(
        &self,
        user: UserId,
        session: SessionId,
        reason: RevokeReason,
        now: DateTime<Utc>,
    ) -> Result<bool> {
        let revoked = self.client()?.execute(
            "UPDATE sessions SET revoked_at = $1, revoked_reason = $2
             WHERE id = $3 AND user_id = $4 AND revoked_at IS NULL",
            &[&now, &reason.as_str(), &session.0, &user.0],
        )?;
        Ok(revoked > 0)
    }

    fn purge_sessions(&self, now: DateTime<Utc>) -> Result<u64> {
        let mut client = self.client()?;
        let purged = client.execute("DELETE FROM sessions WHERE expires_at < $1", &[&now])?;
        // Spent tokens are kept to recognise their reuse, but an expired one
        // is refused before that matters.
        client.execute("DELETE FROM refresh_tokens WHERE expires_at < $1", &[&now])?;
        Ok(purged)
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

fn user_from_row(row: &Row) -> Result<User> {
    Ok(User {
        id: UserId(row.try_get(0)?),
        email: row.try_get(1)?,
        created_at: row.try_get(2)?,
    })
}

fn task_from_row(row: &Row) -> Result<Task> {
    Ok(Task {
        id: TaskId(row.try_get(0)?),
        title: row.try_get(1)?,
        description: row.try_get(2)?,
        completed: row.try_get(3)?,
        owner_id: UserId(row.try_get(4)?),
        created_at: row.try_get(5)?,
        updated_at: row.try_get(6)?,
    })
}
