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
use crate::types::{Email, Page, TaskId, UserId};

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
