//! Opening a store: the backend the URL names, its schema brought up to date.

use std::sync::Arc;

use super::backend::Backend;
use super::database::Store;
use super::options::StoreOptions;
use super::postgres::PostgresStore;
use super::sqlite::SqliteStore;
use super::url::DatabaseUrl;
use crate::error::Result;

impl Store {
    /// Opens the database named by `database_url` with default options and
    /// brings its schema up to date: `sqlite:///./tasks.db` (a file),
    /// `sqlite://` (a private in-memory database) or
    /// `postgresql://user:password@host:5432/database`.
    pub fn open(database_url: &str) -> Result<Self> {
        Self::open_with(&DatabaseUrl::parse(database_url)?, &StoreOptions::default())
    }

    /// Opens a database with explicit options and brings its schema up to date.
    pub fn open_with(url: &DatabaseUrl, options: &StoreOptions) -> Result<Self> {
        let backend: Arc<dyn Backend> = match url {
            DatabaseUrl::Sqlite(location) => Arc::new(SqliteStore::open(location, options)?),
            DatabaseUrl::Postgres(url) => Arc::new(PostgresStore::open(url, options)?),
        };
        Ok(Self { backend })
    }
}
