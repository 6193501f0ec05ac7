//! `DATABASE_URL` parsing, SQLAlchemy style.

use std::fmt;
use std::path::PathBuf;

use crate::error::{Error, Result};

/// Where the database lives, parsed from a URL. `Display` and `Debug` never
/// show a password.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum DatabaseUrl {
    /// An SQLite database.
    Sqlite(SqliteLocation),
    /// A PostgreSQL database: the URL as given (`postgres://` or `postgresql://`).
    Postgres(String),
}

/// An SQLite file, or a private in-memory database.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
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
            return Err(Error::DatabaseUrl(
                "DATABASE_URL is not a URL (scheme://...): use sqlite:///./tasks.db".to_owned(),
            ));
        };
        match scheme.to_ascii_lowercase().as_str() {
            "sqlite" => Self::parse_sqlite(rest),
            "postgres" | "postgresql" => Self::parse_postgres(url),
            other => Err(Error::DatabaseUrl(format!(
                "DATABASE_URL scheme '{other}' is not supported: use sqlite:///path/to/tasks.db \
                 or postgresql://user:password@host:5432/database"
            ))),
        }
    }

    #[cfg(not(feature = "postgres"))]
    fn parse_postgres(url: &str) -> Result<Self> {
        // Checked when opened: this build cannot open it anyway.
        Ok(Self::Postgres(url.to_owned()))
    }

    #[cfg(feature = "postgres")]
    fn parse_postgres(url: &str) -> Result<Self> {
        // The TLS options are ours (the driver knows fewer sslmodes); the
        // driver's own parser decides the rest. Errors never repeat the URL.
        let (rest, _tls) = super::postgres::tls::split_tls_options(url)?;
        rest.parse::<postgres::Config>().map_err(|error| {
            Error::DatabaseUrl(format!(
                "DATABASE_URL {} is not a valid PostgreSQL URL: {error}",
                redact(url)
            ))
        })?;
        Ok(Self::Postgres(url.to_owned()))
    }

    fn parse_sqlite(rest: &str) -> Result<Self> {
        if rest.contains('?') || rest.contains('#') {
            return Err(Error::DatabaseUrl(
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
            return Err(Error::DatabaseUrl(format!(
                "DATABASE_URL 'sqlite://{rest}' names a host; SQLite needs a path: \
                 sqlite:///relative.db or sqlite:////absolute/path.db"
            )));
        };
        if path.is_empty() || path.ends_with('/') {
            return Err(Error::DatabaseUrl(
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
            DatabaseUrl::Postgres(url) => f.write_str(&redact(url)),
        }
    }
}

/// Without the PostgreSQL driver nothing parses the URL: none of it is shown.
#[cfg(not(feature = "postgres"))]
pub(crate) fn redact(_url: &str) -> String {
    "postgresql://***".to_owned()
}

/// The URL rebuilt from what the driver parsed, without the password:
/// `postgresql://user:***@host:port/database`. Built from the parsed fields,
/// never from the text, so no spelling of the URL can slip a password through.
#[cfg(feature = "postgres")]
pub(crate) fn redact(url: &str) -> String {
    // The TLS options are not secret, but the driver cannot parse them all.
    let rest = super::postgres::tls::split_tls_options(url)
        .map(|(rest, _)| rest)
        .unwrap_or_else(|_| url.to_owned());
    let Ok(config) = rest.parse::<postgres::Config>() else {
        return "<a PostgreSQL URL that could not be parsed>".to_owned();
    };
    let user = config.get_user().unwrap_or("");
    let password = if config.get_password().is_some() {
        ":***"
    } else {
        ""
    };
    let at = if user.is_empty() && password.is_empty() {
        ""
    } else {
        "@"
    };
    let hosts: Vec<String> = config
        .get_hosts()
        .iter()
        .enumerate()
        .map(|(index, host)| {
            let name = match host {
                postgres::config::Host::Tcp(name) => name.clone(),
                #[cfg(unix)]
                postgres::config::Host::Unix(path) => path.display().to_string(),
            };
            match config.get_ports().get(index).or(config.get_ports().first()) {
                Some(port) => format!("{name}:{port}"),
                None => name,
            }
        })
        .collect();
    let database = config.get_dbname().unwrap_or("");
    format!(
        "postgresql://{user}{password}{at}{}/{database}",
        hosts.join(",")
    )
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
    fn postgres_urls_are_accepted_and_never_show_the_password() {
        for url in [
            "postgres://taskd:hunter2@db.internal:5432/tasks",
            "postgresql://taskd:hunter2@db.internal/tasks?sslmode=disable",
            "postgresql://taskd@db.internal/tasks?password=hunter2",
            "postgresql://taskd:hun/ter2@db.internal/tasks",
            "postgresql://taskd:hunter2?x@db.internal/tasks",
        ] {
            let parsed = DatabaseUrl::parse(url).expect("valid");
            assert!(matches!(parsed, DatabaseUrl::Postgres(_)));
            for shown in [parsed.to_string(), format!("{parsed:?}")] {
                assert!(
                    !shown.contains("hunter2")
                        && !shown.contains("hun/ter2")
                        && !shown.contains("ter2"),
                    "{shown}"
                );
                assert!(shown.contains("db.internal"), "{shown}");
            }
        }
        let error = DatabaseUrl::parse("postgres://taskd:hunter2@db:notaport/tasks")
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
