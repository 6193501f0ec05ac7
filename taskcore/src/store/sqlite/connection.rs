//! A SQLite connection running the shared statements: binding values,
//! reading rows, and SQLite's errors in the store's terms.

use std::ops::DerefMut;

use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};
use rusqlite::types::ToSqlOutput;
use rusqlite::{Connection, Row, ToSql, params_from_iter};

use super::dialect::Sqlite;
use crate::error::{Error, Result};
use crate::store::sql;
use crate::store::sql::value::{RowValues, SqlError, SqlValue};

/// A connection held for one unit of work (pooled, or the writer's),
/// running the shared statements.
pub(super) struct Held<C>(pub(super) C);

impl<C: DerefMut<Target = Connection>> sql::value::Connection for Held<C> {
    type Dialect = Sqlite;

    fn batch(&mut self, sql: &str) -> Result<()> {
        // One statement each time (BEGIN, SAVEPOINT, COMMIT…), on every
        // write: kept prepared as the others are.
        self.0
            .prepare_cached(sql)
            .and_then(|mut statement| statement.execute([]))
            .db()?;
        Ok(())
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
        rusqlite::Error::SqliteFailure(failure, Some(message))
            if failure.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE
                && message.contains("tasks.owner_id, tasks.uid") =>
        {
            SqlError::UidTaken
        }
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
        _ => SqlError::Other(sqlite_error(error)),
    }
}

impl ToSql for SqlValue<'_> {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(match self {
            SqlValue::Int(value) => ToSqlOutput::from(*value),
            SqlValue::MaybeInt(Some(value)) => ToSqlOutput::from(*value),
            SqlValue::MaybeInt(None) => ToSqlOutput::from(rusqlite::types::Null),
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
        self.0.get(index).db()
    }

    fn optional_int(&self, index: usize) -> Result<Option<i64>> {
        self.0.get(index).db()
    }

    fn text(&self, index: usize) -> Result<String> {
        self.0.get(index).db()
    }

    fn optional_text(&self, index: usize) -> Result<Option<String>> {
        self.0.get(index).db()
    }

    fn flag(&self, index: usize) -> Result<bool> {
        self.0.get(index).db()
    }

    fn time(&self, index: usize) -> Result<DateTime<Utc>> {
        let text: String = self.0.get(index).db()?;
        DateTime::parse_from_rfc3339(&text)
            .map(|time| time.with_timezone(&Utc))
            .map_err(|error| Error::storage(format!("column {index} is not a timestamp: {error}")))
    }

    fn optional_time(&self, index: usize) -> Result<Option<DateTime<Utc>>> {
        match self.0.get::<_, Option<String>>(index).db()? {
            Some(_) => self.time(index).map(Some),
            None => Ok(None),
        }
    }

    fn optional_date(&self, index: usize) -> Result<Option<NaiveDate>> {
        match self.0.get::<_, Option<String>>(index).db()? {
            Some(text) => NaiveDate::parse_from_str(&text, "%Y-%m-%d")
                .map(Some)
                .map_err(|error| Error::storage(format!("column {index} is not a date: {error}"))),
            None => Ok(None),
        }
    }

    fn tags(&self, index: usize) -> Result<Vec<String>> {
        let text: String = self.0.get(index).db()?;
        serde_json::from_str(&text)
            .map_err(|error| Error::storage(format!("column {index} is not a tag list: {error}")))
    }
}

/// A SQLite result as taskcore's: the one way a driver error becomes an
/// [`Error`] (a public `From` would put rusqlite's version in the API).
pub(crate) trait SqliteResult<T> {
    /// The value, or the error as [`Error::Storage`] with the driver's as its source.
    fn db(self) -> Result<T>;
}

impl<T> SqliteResult<T> for std::result::Result<T, rusqlite::Error> {
    fn db(self) -> Result<T> {
        self.map_err(sqlite_error)
    }
}

pub(crate) fn sqlite_error(error: rusqlite::Error) -> Error {
    match error {
        // Its text quotes the whole statement, which can be long and can
        // hold values: the message and where in the statement is enough.
        rusqlite::Error::SqlInputError {
            error, msg, offset, ..
        } => Error::storage(format!(
            "SQLite: {error}: {msg} (at offset {offset} of the statement)"
        )),
        other => Error::storage_caused("SQLite", other),
    }
}

pub(super) fn timestamp(time: DateTime<Utc>) -> String {
    time.to_rfc3339_opts(SecondsFormat::Micros, true)
}
