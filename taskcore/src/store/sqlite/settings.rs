//! How every SQLite connection is set up: durability, the busy timeout,
//! foreign keys and the search function.

use std::path::Path;
use std::time::Duration;

use r2d2::CustomizeConnection;
use rusqlite::Connection;

use super::connection::SqliteResult;
use super::search::register_search_terms;
use crate::error::{Error, Result};
use crate::store::options::Synchronous;

/// Applied to every connection the pool opens: these settings are per connection,
/// and `foreign_keys` is off by default (then ON DELETE CASCADE silently does nothing).
/// WAL is not among them: it is a property of the database file, set once at
/// open, and switching to it takes an exclusive lock that a busy pool may not get.
#[derive(Debug)]
pub(super) struct ConnectionSettings {
    pub(super) synchronous: Synchronous,
    pub(super) busy_timeout: Duration,
}

/// Prepared statements each connection keeps. The writer alone runs a few
/// dozen distinct ones in a mixed load (REST, CalDAV, imports); rusqlite's
/// default of 16 made the oldest be parsed again and again.
const STATEMENTS_KEPT: usize = 128;

impl ConnectionSettings {
    pub(super) fn apply(&self, connection: &Connection) -> rusqlite::Result<()> {
        connection.busy_timeout(self.busy_timeout)?;
        // Every statement taskd runs is prepared once per connection and
        // kept (see Held): room for all of them, the transaction control
        // statements included, so that none is parsed again.
        connection.set_prepared_statement_cache_capacity(STATEMENTS_KEPT);
        connection.pragma_update(None, "foreign_keys", "ON")?;
        let synchronous = match self.synchronous {
            Synchronous::Normal => "NORMAL",
            Synchronous::Full => "FULL",
        };
        connection.pragma_update(None, "synchronous", synchronous)?;
        register_search_terms(connection)
    }
}

impl CustomizeConnection<Connection, rusqlite::Error> for ConnectionSettings {
    fn on_acquire(&self, connection: &mut Connection) -> rusqlite::Result<()> {
        self.apply(connection)
    }
}

/// A connection of its own to the database file, set up as the pool's are.
pub(super) fn open_file(path: &Path, settings: &ConnectionSettings) -> Result<Connection> {
    let connection = Connection::open(path).map_err(|error| {
        Error::storage(format!(
            "cannot open the SQLite database {}: {error}",
            path.display()
        ))
    })?;
    settings.apply(&connection).db()?;
    Ok(connection)
}
