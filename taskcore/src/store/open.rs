//! Opening a store: the backend the URL names, its schema brought up to date.

use std::sync::Arc;

use super::backend::Backend;
use super::database::Store;
use super::options::StoreOptions;
#[cfg(feature = "postgres")]
use super::postgres::PostgresStore;
#[cfg(feature = "sqlite")]
use super::sqlite::SqliteStore;
use super::url::DatabaseUrl;
use crate::error::Result;

impl Store {
    /// Opens the database named by `database_url` with default options and
    /// brings its schema up to date:
    ///
    /// - `sqlite:///tasks.db` or `sqlite:///./data/tasks.db`: a file under
    ///   the working directory (three slashes, then a relative path);
    /// - `sqlite:////var/lib/taskd/tasks.db`: an absolute path (four
    ///   slashes: `sqlite:///tmp/x.db` is `tmp/x.db` under the working
    ///   directory, and fails when there is no `tmp` there);
    /// - `sqlite://` or `sqlite:///:memory:`: a private in-memory database;
    /// - `postgresql://user:password@host:5432/database`, with `sslmode`
    ///   and `sslrootcert` as libpq reads them.
    ///
    /// A URL that cannot be used is [`Error::DatabaseUrl`](crate::Error::DatabaseUrl);
    /// a database that cannot be reached is [`Error::Storage`](crate::Error::Storage).
    pub fn open(database_url: &str) -> Result<Self> {
        Self::open_with(&DatabaseUrl::parse(database_url)?, &StoreOptions::default())
    }

    /// Opens a database with explicit options and brings its schema up to date.
    pub fn open_with(url: &DatabaseUrl, options: &StoreOptions) -> Result<Self> {
        let backend: Arc<dyn Backend> = match url {
            #[cfg(feature = "sqlite")]
            DatabaseUrl::Sqlite(location) => Arc::new(SqliteStore::open(location, options)?),
            #[cfg(feature = "postgres")]
            DatabaseUrl::Postgres(url) => Arc::new(PostgresStore::open(url, options)?),
            #[allow(unreachable_patterns)] // Reached in builds without a backend.
            other => return Err(missing_backend(other)),
        };
        Ok(Self::new(backend))
    }
}

/// A URL of a backend this build leaves out.
#[cfg_attr(all(feature = "sqlite", feature = "postgres"), allow(dead_code))]
fn missing_backend(url: &DatabaseUrl) -> crate::Error {
    let (name, feature) = match url {
        DatabaseUrl::Sqlite(_) => ("SQLite", "sqlite"),
        DatabaseUrl::Postgres(_) => ("PostgreSQL", "postgres"),
    };
    crate::Error::DatabaseUrl(format!(
        "this build of taskcore has no {name} support: enable its `{feature}` feature"
    ))
}

#[cfg(all(test, feature = "sqlite"))]
mod tests {
    use std::error::Error as _;

    use super::*;
    use crate::Error;

    #[test]
    fn a_missing_directory_is_a_database_url_error_that_shows_the_absolute_form() {
        let refused = Store::open("sqlite:///no-such-directory-here/tasks.db")
            .expect_err("the directory does not exist");
        let Error::DatabaseUrl(message) = &refused else {
            panic!("not a DatabaseUrl error: {refused:?}");
        };
        assert!(
            message.contains("sqlite:////no-such-directory-here/tasks.db"),
            "{message}"
        );
        assert_eq!(refused.http_status(), 500);
        // The control: the same directory, existing, opens.
        let directory = tempfile::tempdir().expect("temporary directory");
        let url = format!("sqlite:///{}", directory.path().join("tasks.db").display());
        Store::open(&url).expect("an existing directory opens");
    }

    #[test]
    fn a_file_that_is_not_a_database_is_a_storage_error_with_the_driver_as_source() {
        let directory = tempfile::tempdir().expect("temporary directory");
        let path = directory.path().join("tasks.db");
        std::fs::write(&path, vec![b'x'; 8192]).expect("write");
        let refused =
            Store::open(&format!("sqlite:///{}", path.display())).expect_err("not a database");
        assert!(refused.is_storage(), "{refused:?}");
        let Error::Storage(failure) = &refused else {
            unreachable!()
        };
        let source = refused.source().expect("the driver's error is kept");
        assert!(
            source.downcast_ref::<rusqlite::Error>().is_some(),
            "{source:?}"
        );
        // What a program prints with `{}` says what went wrong, too.
        assert!(refused.to_string().contains("not a database"), "{refused}");
        assert!(
            failure.with_causes().contains("not a database"),
            "{}",
            failure.with_causes()
        );
    }
}
