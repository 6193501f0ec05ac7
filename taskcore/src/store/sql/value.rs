//! What a statement is made of, in terms both backends bind and read: the
//! values, a row's values, a statement with its parameters, and the
//! connection a backend supplies to run one.

use std::borrow::Cow;

use chrono::{DateTime, NaiveDate, Utc};

use super::dialect::Dialect;
use crate::error::{Error, Result};

/// A value bound to a statement, in terms both backends bind.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum SqlValue<'a> {
    Int(i64),
    MaybeInt(Option<i64>),
    Text(Option<&'a str>),
    Bool(bool),
    Time(DateTime<Utc>),
    MaybeTime(Option<DateTime<Utc>>),
    MaybeDate(Option<NaiveDate>),
    /// Text made for the statement.
    OwnedText(String),
    /// A sorted list of tags.
    Tags(&'a [String]),
}

/// How one backend reads the values of a result row, by position.
pub(crate) trait RowValues {
    fn int(&self, index: usize) -> Result<i64>;
    fn optional_int(&self, index: usize) -> Result<Option<i64>>;
    fn text(&self, index: usize) -> Result<String>;
    fn optional_text(&self, index: usize) -> Result<Option<String>>;
    fn flag(&self, index: usize) -> Result<bool>;
    fn time(&self, index: usize) -> Result<DateTime<Utc>>;
    fn optional_time(&self, index: usize) -> Result<Option<DateTime<Utc>>>;
    fn optional_date(&self, index: usize) -> Result<Option<NaiveDate>>;
    fn tags(&self, index: usize) -> Result<Vec<String>>;
}

/// A statement and its parameters.
#[derive(Debug)]
pub(crate) struct Statement<'a> {
    pub sql: String,
    pub values: Vec<SqlValue<'a>>,
}

impl<'a> Statement<'a> {
    pub(super) fn new() -> Self {
        Self {
            sql: String::new(),
            values: Vec::new(),
        }
    }

    /// Appends a parameter and returns its placeholder.
    pub(super) fn bind<D: Dialect>(&mut self, value: SqlValue<'a>) -> String {
        self.values.push(value);
        D::placeholder(self.values.len())
    }
}

/// Why a statement failed.
#[derive(Debug)]
pub(crate) enum SqlError {
    /// A unique index refused the row.
    UniqueViolation,
    /// The owner's UID index refused the row: another of the owner's live
    /// tasks has that UID.
    UidTaken,
    /// A task would carry more tags than allowed (the `tags_limit` check).
    TooManyTags,
    /// Anything else.
    Other(Error),
}

/// Statement results as taskcore's (a `From` would show a private type in
/// the public `Error`'s conversions).
pub(crate) trait SqlResult<T> {
    /// The value, or the statement's error as an [`Error`].
    fn sql(self) -> Result<T>;
}

impl<T> SqlResult<T> for Result<T, SqlError> {
    fn sql(self) -> Result<T> {
        self.map_err(SqlError::into_error)
    }
}

impl SqlError {
    /// The error callers see.
    pub(crate) fn into_error(self) -> Error {
        match self {
            SqlError::UniqueViolation => Error::storage("a unique index refused a row".to_owned()),
            SqlError::UidTaken => {
                Error::Conflict("Another of your tasks has this task's UID".to_owned())
            }
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

    /// Runs one statement without parameters (BEGIN, COMMIT, ROLLBACK).
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
pub(super) fn numbered<D: Dialect>(sql: &str) -> Cow<'_, str> {
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

#[cfg(test)]
mod tests {
    use super::super::dialect::Numbered;
    use super::*;

    #[test]
    fn only_numbered_question_marks_become_placeholders() {
        assert_eq!(
            numbered::<Numbered>("SELECT '?', data ? 'key' FROM t WHERE a = ?1 AND b = ?12"),
            "SELECT '?', data ? 'key' FROM t WHERE a = $1 AND b = $12"
        );
    }
}
