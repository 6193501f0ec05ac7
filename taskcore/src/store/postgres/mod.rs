//! PostgreSQL storage through an r2d2 connection pool, for several taskd
//! processes sharing one database.

use std::time::Duration;

use chrono::{DateTime, NaiveDate, Utc};
use postgres::error::SqlState;
use postgres::types::ToSql;
use postgres::{Config, Row};
use r2d2::{Pool, PooledConnection};
use r2d2_postgres::PostgresConnectionManager;
use tokio_postgres_rustls::MakeRustlsConnect;

mod limits;
pub(crate) mod tls;

use self::tls::{TlsOptions, split_tls_options};
use super::backend::{AccountWork, Backend, Mode, SharedLimits, TaskWork};
use super::options::{PoolStatus, StoreOptions};
use super::sql;
use super::sql::dialect::{Dialect, plain_sort_expression};
use super::sql::owner::OwnerUnit;
use super::sql::unit::Unit;
use super::sql::value::{RowValues, SqlError, SqlValue};
use super::url::redact;
use crate::error::{Error, Result};
use crate::query::SortKey;
use crate::types::UserId;

mod embedded {
    refinery::embed_migrations!("migrations/postgres");
}

/// The advisory lock held while migrating: an arbitrary key of taskd's.
const MIGRATION_LOCK: i64 = 0x7461_736b_645f_6d69; // "taskd_mi"

/// A PostgreSQL result as taskcore's: the one way a driver error becomes
/// an [`Error`] (a public `From` would put postgres's version in the API).
pub(crate) trait PostgresResult<T> {
    /// The value, or the error as [`Error::Storage`].
    fn db(self) -> Result<T>;
}

impl<T> PostgresResult<T> for std::result::Result<T, postgres::Error> {
    fn db(self) -> Result<T> {
        self.map_err(postgres_error)
    }
}

/// The driver's error and its causes as one source. Only the text is kept:
/// a server error's detail, which can quote a row's values, is left out.
#[derive(Debug)]
struct DriverText(String);

impl std::fmt::Display for DriverText {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for DriverText {}

pub(crate) fn postgres_error(error: postgres::Error) -> Error {
    Error::storage_caused("PostgreSQL", DriverText(with_causes(&error)))
}

/// An error and what caused it: the driver's own text is often only
/// "db error" or "error performing TLS handshake". Of a server error, only
/// its message: its detail can quote a row's values.
fn with_causes(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut cause = error.source();
    while let Some(current) = cause {
        let more = match current.downcast_ref::<postgres::error::DbError>() {
            Some(db) => format!("{} ({})", db.message(), db.code().code()),
            None => current.to_string(),
        };
        if !text.contains(&more) {
            text.push_str(": ");
            text.push_str(&more);
        }
        cause = current.source();
    }
    text
}

pub(crate) struct PostgresStore {
    pool: Pool<PostgresConnectionManager<MakeRustlsConnect>>,
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
    pub(crate) fn open(url: &str, options: &StoreOptions) -> Result<Self> {
        let (url, tls) = split_tls_options(url)?;
        let config: Config = url.parse().map_err(|error| {
            Error::DatabaseUrl(format!(
                "DATABASE_URL {} is not a valid PostgreSQL URL: {error}",
                redact(&url)
            ))
        })?;
        Self::open_config(config, &tls, options)
    }

    pub(crate) fn open_config(
        mut config: Config,
        tls: &TlsOptions,
        options: &StoreOptions,
    ) -> Result<Self> {
        config.ssl_mode(tls.ssl_mode());
        let connector = tls.connector()?;
        config.connect_timeout(options.connect_timeout);
        // A hung server, a stuck lock or an abandoned transaction must not
        // hold a pool slot for ever: the server cancels or ends them, and TCP
        // keepalives notice a peer that is gone.
        let limits = format!(
            "-c statement_timeout={} -c lock_timeout={} -c idle_in_transaction_session_timeout={}",
            options.statement_timeout.as_millis(),
            options.lock_timeout.as_millis(),
            options.idle_in_transaction_timeout.as_millis(),
        );
        let combined = match config.get_options() {
            Some(given) if !given.trim().is_empty() => format!("{given} {limits}"),
            _ => limits,
        };
        config.options(&combined);
        config.keepalives(true);
        config.keepalives_idle(Duration::from_secs(60));
        if config.get_application_name().is_none() {
            config.application_name("taskd");
        }
        let server = describe_server(&config);
        // Connect once before building the pool: an unreachable server or a
        // refused login is reported at once, in one line, without the password.
        let mut client = config.connect(connector.clone()).map_err(|error| {
            Error::storage(format!(
                "cannot connect to PostgreSQL at {server}: {}",
                with_causes(&error)
            ))
        })?;
        // Instances starting together would race to create the schema (and
        // refinery's history table): one migrates while the others wait on
        // a session-level advisory lock, then find nothing left to do.
        client
            .execute("SELECT pg_advisory_lock($1)", &[&MIGRATION_LOCK])
            .map_err(|error| {
                Error::storage(format!(
                    "waiting to migrate the PostgreSQL database at {server}: {error}"
                ))
            })?;
        let migrated = embedded::migrations::runner()
            .run(&mut client)
            .map(drop)
            .map_err(|error| {
                Error::storage(format!(
                    "migrating the PostgreSQL database at {server}: {error}"
                ))
            });
        // Closing the connection releases the lock too; unlocking first
        // lets the next instance go on without waiting for the close.
        let _ = client.execute("SELECT pg_advisory_unlock($1)", &[&MIGRATION_LOCK]);
        migrated?;
        drop(client);
        let pool = Pool::builder()
            .max_size(options.pool_size.max(1))
            .min_idle(Some(1))
            .connection_timeout(options.connect_timeout.max(Duration::from_secs(1)) * 2)
            .build_unchecked(PostgresConnectionManager::new(config, connector));
        Ok(Self { pool, server })
    }

    fn client(&self) -> Result<Client> {
        self.pool
            .get()
            .map_err(|error| Error::storage(format!("PostgreSQL at {}: {error}", self.server)))
    }
}

type Client = PooledConnection<PostgresConnectionManager<MakeRustlsConnect>>;

impl Backend for PostgresStore {
    fn ping(&self) -> Result<()> {
        self.client()?.simple_query("SELECT 1").db()?;
        Ok(())
    }

    fn pool_status(&self) -> PoolStatus {
        PoolStatus::of(&self.pool.state())
    }

    fn accounts(&self, mode: Mode) -> Result<Box<dyn AccountWork + '_>> {
        Ok(Box::new(Unit::begin(Pooled(self.client()?), mode)?))
    }

    fn tasks(&self, owner: UserId, mode: Mode) -> Result<Box<dyn TaskWork + '_>> {
        Ok(Box::new(OwnerUnit::begin(
            Pooled(self.client()?),
            owner,
            mode,
        )?))
    }

    fn shared_limits(&self) -> Option<&dyn SharedLimits> {
        Some(self)
    }
}

impl SharedLimits for PostgresStore {
    fn take(
        &self,
        key: &str,
        now: DateTime<Utc>,
        interval_micros: i64,
        tolerance_micros: i64,
    ) -> Result<Option<DateTime<Utc>>> {
        self.limit_take(key, now, interval_micros, tolerance_micros)
    }

    fn give_back(&self, key: &str, now: DateTime<Utc>, interval_micros: i64) -> Result<()> {
        self.limit_give_back(key, now, interval_micros)
    }

    fn forget(&self, key: &str) -> Result<()> {
        self.limit_forget(key)
    }

    fn purge(&self, now: DateTime<Utc>) -> Result<u64> {
        self.limit_purge(now)
    }
}

/// A pooled connection, running the shared statements.
struct Pooled(Client);

impl sql::value::Connection for Pooled {
    type Dialect = Postgres;

    fn batch(&mut self, sql: &str) -> Result<()> {
        self.0.batch_execute(sql).db()
    }

    fn rows(
        &mut self,
        sql: &str,
        values: &[SqlValue<'_>],
        each: &mut dyn FnMut(&dyn RowValues) -> Result<()>,
    ) -> Result<(), SqlError> {
        let rows = self.0.query(sql, &parameters(values)).map_err(sql_error)?;
        for row in &rows {
            each(&Values(row))?;
        }
        Ok(())
    }

    fn execute(&mut self, sql: &str, values: &[SqlValue<'_>]) -> Result<u64, SqlError> {
        self.0.execute(sql, &parameters(values)).map_err(sql_error)
    }
}

fn sql_error(error: postgres::Error) -> SqlError {
    let violated = |name: &str| {
        error
            .as_db_error()
            .and_then(|db| db.constraint())
            .is_some_and(|constraint| constraint == name)
    };
    if error.code() == Some(&SqlState::UNIQUE_VIOLATION) && violated("ux_tasks_owner_uid") {
        SqlError::UidTaken
    } else if error.code() == Some(&SqlState::UNIQUE_VIOLATION) {
        SqlError::UniqueViolation
    } else if error.code() == Some(&SqlState::CHECK_VIOLATION) && violated("tags_limit") {
        SqlError::TooManyTags
    } else {
        SqlError::Other(postgres_error(error))
    }
}

/// PostgreSQL's SQL: `$N` placeholders; titles sort by code point, as on
/// SQLite, whatever the database's collation.
struct Postgres;

impl Dialect for Postgres {
    const LOCK_FOR_UPDATE: &'static str = " FOR UPDATE";
    const LOCK_FOR_SHARE: &'static str = " FOR SHARE";

    fn placeholder(number: usize) -> String {
        crate::store::sql::dialect::placeholder('$', number)
    }

    fn begin(mode: Mode) -> Option<&'static str> {
        match mode {
            Mode::Statement => None,
            // One snapshot for every read: a count and a page agree.
            Mode::Snapshot => Some("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"),
            // Read committed; the statements lock the rows they read for
            // change (LOCK_FOR_UPDATE, LOCK_FOR_SHARE).
            Mode::Write => Some("BEGIN"),
        }
    }

    fn next_change(owner: &str) -> String {
        // Takes the counter's row lock until the transaction ends.
        format!("next_change({owner})")
    }

    fn sort_expression(key: SortKey, descending: bool) -> &'static str {
        match (key, descending) {
            (SortKey::Title, _) => "title COLLATE \"C\"",
            // As the index ix_tasks_owner_due writes it, for the ascending order.
            (SortKey::Due, false) => {
                "COALESCE(due_key, TIMESTAMPTZ '9999-12-31 23:59:59.999999+00')"
            }
            (SortKey::Due, true) => "COALESCE(due_key, TIMESTAMPTZ '0001-01-01 00:00:00+00')",
            (SortKey::CompletedAt, false) => {
                "COALESCE(completed_at, TIMESTAMPTZ '9999-12-31 23:59:59.999999+00')"
            }
            (SortKey::CompletedAt, true) => {
                "COALESCE(completed_at, TIMESTAMPTZ '0001-01-01 00:00:00+00')"
            }
            (other, _) => plain_sort_expression(other),
        }
    }

    fn tags_delta(add: &str, remove: &str) -> String {
        // Evaluated on the latest row: a concurrent delta that committed
        // first is kept.
        format!(
            "ARRAY(SELECT DISTINCT tag COLLATE \"C\" FROM unnest(tags || {add}::text[]) AS tag
                   WHERE tag <> ALL ({remove}::text[])
                   ORDER BY 1)"
        )
    }

    fn search_condition(placeholder: &str) -> String {
        format!("search @@ to_tsquery('simple', {placeholder})")
    }

    fn search_first(
        _text: &str,
        _after: Option<&str>,
        _descending: bool,
        _rows: &str,
    ) -> Option<String> {
        // GIN gives no order: a search page is filtered and sorted as any other.
        None
    }

    fn search_count(_owner: UserId, _words: &[String]) -> Option<(String, String)> {
        // The search column lives in the task row: counted as any filter.
        None
    }

    fn search_text(_owner: UserId, words: &[String]) -> String {
        // Each word a quoted prefix lexeme, all required.
        words
            .iter()
            .map(|word| format!("'{}':*", word.replace('\'', "''").replace('\\', "\\\\")))
            .collect::<Vec<_>>()
            .join(" & ")
    }
}

/// Values as the driver binds them.
fn parameters<'a>(values: &'a [SqlValue<'_>]) -> Vec<&'a (dyn ToSql + Sync)> {
    values
        .iter()
        .map(|value| -> &(dyn ToSql + Sync) {
            match value {
                SqlValue::Int(number) => number,
                SqlValue::MaybeInt(number) => number,
                SqlValue::Text(text) => text,
                SqlValue::Bool(flag) => flag,
                SqlValue::Time(time) => time,
                SqlValue::MaybeTime(time) => time,
                SqlValue::MaybeDate(day) => day,
                SqlValue::OwnedText(text) => text,
                SqlValue::Tags(tags) => tags,
            }
        })
        .collect()
}

/// A result row, read through the shared row mappers.
struct Values<'r>(&'r Row);

impl RowValues for Values<'_> {
    fn int(&self, index: usize) -> Result<i64> {
        self.0.try_get(index).db()
    }

    fn optional_int(&self, index: usize) -> Result<Option<i64>> {
        self.0.try_get(index).db()
    }

    fn optional_time(&self, index: usize) -> Result<Option<DateTime<Utc>>> {
        self.0.try_get(index).db()
    }

    fn optional_date(&self, index: usize) -> Result<Option<NaiveDate>> {
        self.0.try_get(index).db()
    }

    fn tags(&self, index: usize) -> Result<Vec<String>> {
        self.0.try_get(index).db()
    }

    fn text(&self, index: usize) -> Result<String> {
        self.0.try_get(index).db()
    }

    fn optional_text(&self, index: usize) -> Result<Option<String>> {
        self.0.try_get(index).db()
    }

    fn flag(&self, index: usize) -> Result<bool> {
        self.0.try_get(index).db()
    }

    fn time(&self, index: usize) -> Result<DateTime<Utc>> {
        self.0.try_get(index).db()
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
