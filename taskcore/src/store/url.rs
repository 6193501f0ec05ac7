//! `DATABASE_URL` parsing, SQLAlchemy style.

use std::fmt;
use std::path::PathBuf;

use crate::error::{Error, Result};

/// Where the database lives, parsed from a URL.
#[derive(Clone, PartialEq, Eq)]
pub enum DatabaseUrl {
    /// An SQLite database.
    Sqlite(SqliteLocation),
}

/// An SQLite file, or a private in-memory database.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SqliteLocation {
    /// A file path (relative to the working directory, or absolute).
    File(PathBuf),
    /// A database that lives as long as the [`Store`](super::Store).
    Memory,
}

impl DatabaseUrl {
    /// Parses `sqlite:///relative/path.db`, `sqlite:////absolute/path.db`,
    /// `sqlite://` or `sqlite:///:memory:` (in-memory).
    pub fn parse(url: &str) -> Result<Self> {
        let url = url.trim();
        let Some((scheme, rest)) = url.split_once("://") else {
            // The value itself is not echoed: it may hold a password.
            return Err(Error::Internal(
                "DATABASE_URL is not a URL (scheme://...): use sqlite:///./tasks.db".to_owned(),
            ));
        };
        match scheme.to_ascii_lowercase().as_str() {
            "sqlite" => Self::parse_sqlite(rest),
            other => Err(Error::Internal(format!(
                "DATABASE_URL scheme '{other}' is not supported: use sqlite:///path/to/tasks.db"
            ))),
        }
    }

    fn parse_sqlite(rest: &str) -> Result<Self> {
        if rest.contains('?') || rest.contains('#') {
            return Err(Error::Internal(
                "DATABASE_URL for SQLite takes no query parameters: use sqlite:///path/to/tasks.db"
                    .to_owned(),
            ));
        }
        if rest.is_empty() || rest == "/:memory:" {
            return Ok(Self::Sqlite(SqliteLocation::Memory));
        }
        // After "sqlite://" comes an (empty) host, then "/" and the path:
        // "sqlite:///./tasks.db" is relative, "sqlite:////data/tasks.db" absolute.
        let Some(path) = rest.strip_prefix('/') else {
            return Err(Error::Internal(format!(
                "DATABASE_URL 'sqlite://{rest}' names a host; SQLite needs a path: \
                 sqlite:///relative.db or sqlite:////absolute/path.db"
            )));
        };
        if path.is_empty() || path.ends_with('/') {
            return Err(Error::Internal(
                "DATABASE_URL names a directory, not a database file: use sqlite:///./tasks.db"
                    .to_owned(),
            ));
        }
        Ok(Self::Sqlite(SqliteLocation::File(PathBuf::from(path))))
    }
}

impl fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl fmt::Display for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DatabaseUrl::Sqlite(SqliteLocation::Memory) => f.write_str("sqlite://"),
            DatabaseUrl::Sqlite(SqliteLocation::File(path)) => {
                write!(f, "sqlite:///{}", path.display())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(url: &str) -> PathBuf {
        match DatabaseUrl::parse(url).expect("valid") {
            DatabaseUrl::Sqlite(SqliteLocation::File(path)) => path,
            other => panic!("expected a file, got {other}"),
        }
    }

    #[test]
    fn three_slashes_are_relative_four_absolute() {
        assert_eq!(file("sqlite:///./tasks.db"), PathBuf::from("./tasks.db"));
        assert_eq!(
            file("sqlite:////data/tasks.db"),
            PathBuf::from("/data/tasks.db")
        );
    }

    #[test]
    fn memory_forms_are_recognised() {
        for url in ["sqlite://", "sqlite:///:memory:"] {
            assert_eq!(
                DatabaseUrl::parse(url).expect("valid"),
                DatabaseUrl::Sqlite(SqliteLocation::Memory)
            );
        }
    }

    #[test]
    fn unknown_scheme_is_one_clear_error_without_the_password() {
        let error = DatabaseUrl::parse("mysql://root:hunter2@db/tasks")
            .unwrap_err()
            .to_string();
        assert!(error.contains("'mysql' is not supported"), "{error}");
        assert!(!error.contains("hunter2"));
        let error = DatabaseUrl::parse("root:hunter2@db")
            .unwrap_err()
            .to_string();
        assert!(!error.contains("hunter2"), "{error}");
    }

    #[test]
    fn host_or_directory_is_refused() {
        assert!(DatabaseUrl::parse("sqlite://host/tasks.db").is_err());
        assert!(DatabaseUrl::parse("sqlite:////data/").is_err());
        assert!(DatabaseUrl::parse("sqlite:///tasks.db?mode=ro").is_err());
    }
}
