//! SQLite storage: a pool of connections for reads and, for a file, the
//! single writer.

mod backup;
mod connection;
mod dialect;
mod migrate;
mod search;
mod settings;
mod writer;

use std::time::Duration;

use r2d2::{Pool, PooledConnection};
use r2d2_sqlite::SqliteConnectionManager;

use self::connection::{Held, SqliteResult};
use self::migrate::{check_parent_exists, enable_wal, lock_for_migration, migrate};
use self::settings::{ConnectionSettings, open_file};
use self::writer::start_writer;
use super::backend::{AccountWork, Backend, Mode, TaskWork};
use super::backup::BackupReport;
use super::options::{PoolResult, PoolStatus, StoreOptions};
use super::sql::owner::OwnerUnit;
use super::sql::unit::Unit;
use super::url::SqliteLocation;
use super::writer::WriteQueue;
use crate::error::Result;
use crate::types::UserId;

#[derive(Clone, Debug)]
pub(crate) struct SqliteStore {
    /// Connections for reads (and for every statement of an in-memory database).
    pool: Pool<SqliteConnectionManager>,
    /// The single writer of a database file.
    writer: Option<WriteQueue>,
}

impl SqliteStore {
    pub(crate) fn open(location: &SqliteLocation, options: &StoreOptions) -> Result<Self> {
        let settings = ConnectionSettings {
            synchronous: options.synchronous,
            busy_timeout: options.busy_timeout,
        };
        let builder = Pool::builder().connection_timeout(Duration::from_secs(10));
        let mut writer = None;
        let pool = match location {
            SqliteLocation::File(path) => {
                // Prepare the file before the pool opens a connection to it, so
                // every pooled connection starts out in WAL mode and on the
                // current schema. Errors here come in SQLite's own words, at once.
                check_parent_exists(path)?;
                // Processes opening one file together would race to create
                // the schema; they take turns on a lock file beside it.
                let _migrating = lock_for_migration(path)?;
                let mut connection = open_file(path, &settings)?;
                enable_wal(&connection)?;
                migrate(&mut connection)?;
                drop(connection);
                writer = Some(start_writer(path, &settings)?);
                builder
                    .max_size(options.pool_size.max(1))
                    .min_idle(Some(1))
                    .connection_customizer(Box::new(settings))
                    .build_unchecked(SqliteConnectionManager::file(path))
            }
            SqliteLocation::Memory => {
                // Each in-memory connection is a database of its own: keep exactly one, forever.
                let pool = builder
                    .max_size(1)
                    .min_idle(Some(1))
                    .idle_timeout(None)
                    .max_lifetime(None)
                    .connection_customizer(Box::new(settings))
                    .build_unchecked(SqliteConnectionManager::memory());
                migrate(&mut *pool.get().pooled()?)?;
                pool
            }
        };
        Ok(Self { pool, writer })
    }
}

impl Backend for SqliteStore {
    fn pool_status(&self) -> PoolStatus {
        PoolStatus::of(&self.pool.state())
    }

    fn ping(&self) -> Result<()> {
        let connection = self.pool.get().pooled()?;
        connection
            .query_row("SELECT 1", [], |row| row.get::<_, i64>(0))
            .db()?;
        Ok(())
    }

    fn accounts(&self, mode: Mode) -> Result<Box<dyn AccountWork + '_>> {
        Ok(Box::new(Unit::begin(self.connection()?, mode)?))
    }

    fn tasks(&self, owner: UserId, mode: Mode) -> Result<Box<dyn TaskWork + '_>> {
        Ok(Box::new(OwnerUnit::begin(self.connection()?, owner, mode)?))
    }

    fn write_queue(&self) -> Option<&WriteQueue> {
        self.writer.as_ref()
    }

    fn backup(&self, target: &std::path::Path) -> Result<BackupReport> {
        if self.writer.is_none() {
            return Err(crate::Error::Conflict(
                "an in-memory database has no file to back up".to_owned(),
            ));
        }
        backup::copy_checked(&self.connection()?.0, target)
    }
}

impl SqliteStore {
    /// A pooled connection outside any transaction. Work that failed to roll
    /// back (rare: the ROLLBACK itself failed) may have returned its
    /// connection mid-transaction; it is rolled back here, before reuse.
    fn connection(&self) -> Result<Pooled> {
        let connection = self.pool.get().pooled()?;
        if !connection.is_autocommit() {
            connection.execute_batch("ROLLBACK").db()?;
        }
        Ok(Held(connection))
    }
}

/// A pooled connection, running the shared statements.
type Pooled = Held<PooledConnection<SqliteConnectionManager>>;

#[cfg(test)]
mod tests {
    use rusqlite::Connection;

    use super::migrate::embedded;
    use super::*;

    #[test]
    fn every_pooled_connection_has_foreign_keys_wal_and_normal_sync() {
        let directory = tempfile::tempdir().expect("tempdir");
        let location = SqliteLocation::File(directory.path().join("tasks.db"));
        let store = SqliteStore::open(&location, &StoreOptions::default()).expect("open");
        // Hold several connections at once so the pool must open new ones.
        let connections: Vec<_> = (0..4)
            .map(|_| store.pool.get().expect("connection"))
            .collect();
        for connection in &connections {
            let foreign_keys: i64 = connection
                .pragma_query_value(None, "foreign_keys", |r| r.get(0))
                .expect("pragma");
            let journal: String = connection
                .pragma_query_value(None, "journal_mode", |r| r.get(0))
                .expect("pragma");
            let synchronous: i64 = connection
                .pragma_query_value(None, "synchronous", |r| r.get(0))
                .expect("pragma");
            let busy: i64 = connection
                .pragma_query_value(None, "busy_timeout", |r| r.get(0))
                .expect("pragma");
            assert_eq!(foreign_keys, 1);
            assert_eq!(journal, "wal");
            assert_eq!(synchronous, 1, "NORMAL is 1");
            assert_eq!(busy, 5000);
        }
    }

    #[test]
    fn migrations_run_twice_are_a_no_op() {
        let directory = tempfile::tempdir().expect("tempdir");
        let location = SqliteLocation::File(directory.path().join("tasks.db"));
        SqliteStore::open(&location, &StoreOptions::default()).expect("first open");
        let store = SqliteStore::open(&location, &StoreOptions::default()).expect("second open");
        let applied: i64 = store
            .pool
            .get()
            .expect("connection")
            .query_row("SELECT COUNT(*) FROM refinery_schema_history", [], |r| {
                r.get(0)
            })
            .expect("history");
        let embedded = super::migrate::embedded::migrations::runner()
            .get_migrations()
            .len();
        assert_eq!(usize::try_from(applied).expect("a count"), embedded);
        assert!(embedded >= 8, "{embedded} migrations");
    }

    #[test]
    fn waiting_subtasks_are_found_through_their_index_not_every_object_of_the_owner() {
        // Every CalDAV PUT asks for them: an owner-wide search made a PUT
        // cost as much as the owner's whole calendar (migration 20).
        let directory = tempfile::tempdir().expect("tempdir");
        let location = SqliteLocation::File(directory.path().join("tasks.db"));
        let store = SqliteStore::open(&location, &StoreOptions::default()).expect("open");
        let connection = store.pool.get().expect("connection");
        let plan: Vec<String> = connection
            .prepare(&format!(
                "EXPLAIN QUERY PLAN {}",
                crate::store::sql::objects::WAITING_FOR
            ))
            .expect("prepare")
            .query_map((1, "parent-uid"), |row| row.get(3))
            .expect("plan")
            .collect::<Result<_, _>>()
            .expect("rows");
        assert_eq!(
            plan,
            [
                "SEARCH task_objects USING COVERING INDEX ix_task_objects_waiting \
                 (owner_id=? AND parent_uid=?)"
            ]
        );
    }

    /// A database file migrated to `version` and holding `rows`, opened
    /// as taskd opens it (which runs every later migration); the directory
    /// goes when dropped.
    fn opened_after(version: i32, rows: &str) -> (tempfile::TempDir, SqliteStore) {
        let directory = tempfile::tempdir().expect("tempdir");
        let path = directory.path().join("tasks.db");
        {
            let mut connection = Connection::open(&path).expect("open");
            super::search::register_search_terms(&connection).expect("search terms");
            embedded::migrations::runner()
                .set_target(refinery::Target::Version(version))
                .run(&mut connection)
                .unwrap_or_else(|error| panic!("migrate to V{version}: {error}"));
            connection
                .execute_batch(rows)
                .unwrap_or_else(|error| panic!("rows of V{version}: {error}"));
        }
        let location = SqliteLocation::File(path);
        let store = SqliteStore::open(&location, &StoreOptions::default()).expect("migrate");
        (directory, store)
    }

    #[test]
    fn the_lists_migration_puts_every_task_of_each_user_in_their_default_list() {
        let (_directory, store) = opened_after(
            8,
            "INSERT INTO users (id, email, hashed_password, created_at)
                 VALUES (7, 'a@example.com', 'x', '2025-01-01T00:00:00Z'),
                        (8, 'b@example.com', 'x', '2025-01-01T00:00:00Z');
             INSERT INTO tasks (id, title, owner_id, created_at, updated_at)
                 VALUES (1, 'Pay rent', 7, '2025-01-01T00:00:00Z', '2025-01-01T00:00:00Z'),
                        (2, 'Walk', 8, '2025-01-01T00:00:00Z', '2025-01-01T00:00:00Z');
             INSERT INTO trashed_tasks (id, owner_id, created_at, updated_at, version,
                     title, completed, priority, tags, deleted_at, change_seq)
                 VALUES (3, 7, '2025-01-01T00:00:00Z', '2025-01-01T00:00:00Z', 1,
                         'Old', 0, 0, '', '2025-01-02T00:00:00Z', 9);",
        );
        let connection = store.pool.get().expect("connection");
        let placed = |table: &str| -> Vec<(i64, String, bool)> {
            let mut statement = connection
                .prepare(&format!(
                    "SELECT t.id, l.name, l.is_default FROM {table} t
                     JOIN lists l ON l.id = t.list_id AND l.owner_id = t.owner_id ORDER BY t.id"
                ))
                .expect("prepare");
            statement
                .query_map([], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))
                .expect("query")
                .collect::<Result<_, _>>()
                .expect("rows")
        };
        let tasks = "Tasks".to_owned();
        assert_eq!(
            placed("tasks"),
            [(1, tasks.clone(), true), (2, tasks.clone(), true)]
        );
        assert_eq!(placed("trashed_tasks"), [(3, tasks, true)]);
        let lists: i64 = connection
            .query_row("SELECT COUNT(*) FROM lists", [], |row| row.get(0))
            .expect("count");
        assert_eq!(lists, 2, "one default list per user");
        // Migration 12 puts each list in its owner's feed after everything
        // the feed held, and the counter past it.
        let feed: Vec<(i64, i64, i64)> = connection
            .prepare(
                "SELECT l.owner_id, l.change_seq, c.seq FROM lists l
                 JOIN change_counters c ON c.owner_id = l.owner_id ORDER BY l.owner_id",
            )
            .expect("prepare")
            .query_map([], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))
            .expect("query")
            .collect::<Result<_, _>>()
            .expect("rows");
        assert_eq!(feed, [(7, 10, 10), (8, 1, 1)]);
        // Migration 14 gives every task, live or trashed, a UUID of its own.
        let uids: Vec<String> = connection
            .prepare("SELECT uid FROM tasks UNION ALL SELECT uid FROM trashed_tasks")
            .expect("prepare")
            .query_map([], |row| row.get(0))
            .expect("query")
            .collect::<Result<_, _>>()
            .expect("rows");
        assert_eq!(uids.len(), 3);
        let distinct: std::collections::HashSet<&String> = uids.iter().collect();
        assert_eq!(distinct.len(), 3, "{uids:?}");
        for uid in &uids {
            let groups: Vec<usize> = uid.split('-').map(str::len).collect();
            assert_eq!(groups, [8, 4, 4, 4, 12], "{uid}");
            assert_eq!(uid.chars().nth(14), Some('4'), "version 4: {uid}");
            assert!(
                matches!(uid.chars().nth(19), Some('8' | '9' | 'a' | 'b')),
                "{uid}"
            );
        }
    }

    #[test]
    fn completed_occurrences_recorded_before_migration_16_are_chained_to_their_task() {
        let (_directory, store) = opened_after(
            14,
            "INSERT INTO users (id, email, hashed_password, created_at)
                 VALUES (7, 'a@example.com', 'x', '2025-01-01T00:00:00Z');
             INSERT INTO tasks (id, title, owner_id, created_at, updated_at, list_id, uid)
                 VALUES (1, 'Walk', 7, '2025-01-01T00:00:00Z', '2025-01-01T00:00:00Z', 1, 'a');
             INSERT INTO trashed_tasks (id, owner_id, created_at, updated_at, version,
                     title, completed, priority, tags, deleted_at, change_seq, list_id, uid)
                 VALUES (2, 7, '2025-01-01T00:00:00Z', '2025-01-01T00:00:00Z', 1,
                         'Water', 0, 0, '', '2025-01-02T00:00:00Z', 9, 1, 'b');
             INSERT INTO task_completions (owner_id, task_id, due_date, completed_at)
                 VALUES (7, 1, '2025-01-01', '2025-01-01T09:00:00Z'),
                        (7, 2, '2025-01-01', '2025-01-01T10:00:00Z'),
                        (7, 1, '2025-01-02', '2025-01-02T09:00:00Z');",
        );
        let connection = store.pool.get().expect("connection");
        let chained: Vec<(i64, i64, Option<i64>, i64)> = connection
            .prepare("SELECT id, task_id, previous_id, ordinal FROM task_completions ORDER BY id")
            .expect("prepare")
            .query_map([], |row| {
                Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?))
            })
            .expect("query")
            .collect::<Result<_, _>>()
            .expect("rows");
        assert_eq!(
            chained,
            [(1, 1, None, 1), (2, 2, None, 1), (3, 1, Some(1), 2)]
        );
        let newest = |table: &str| -> Option<i64> {
            connection
                .query_row(&format!("SELECT last_completion FROM {table}"), [], |row| {
                    row.get(0)
                })
                .expect("newest")
        };
        assert_eq!(
            (newest("tasks"), newest("trashed_tasks")),
            (Some(3), Some(2))
        );
        let indexes: Vec<String> = connection
            .prepare("SELECT name FROM pragma_index_list('task_completions') ORDER BY name")
            .expect("prepare")
            .query_map([], |row| row.get(0))
            .expect("query")
            .collect::<Result<_, _>>()
            .expect("rows");
        assert_eq!(indexes, ["ix_completions_owner"]);
        // Numbered as any rowid table (migration 15): no sqlite_sequence row.
        let sequences: i64 = connection
            .query_row(
                "SELECT COUNT(*) FROM sqlite_sequence WHERE name = 'task_completions'",
                [],
                |row| row.get(0),
            )
            .expect("count");
        assert_eq!(sequences, 0);
        drop(connection);
        // Read as taskd reads them: the live task's, newest first.
        let mut work = store
            .tasks(UserId(7), Mode::Snapshot)
            .expect("owner's work");
        let (total, page) = work
            .completions(crate::types::TaskId(1), crate::types::Page::default())
            .expect("completions");
        let dues: Vec<String> = page
            .iter()
            .map(|completion| format!("{:?}", completion.due))
            .collect();
        assert_eq!(total, 2);
        assert_eq!(dues, ["Date(2025-01-02)", "Date(2025-01-01)"]);
        drop(work);
        // Erasing the trashed task forgets its chain, and only its.
        let mut work = store.tasks(UserId(7), Mode::Write).expect("owner's work");
        work.erase(crate::types::TaskId(2)).expect("erase");
        work.commit().expect("commit");
        let connection = store.pool.get().expect("connection");
        let left: Vec<i64> = connection
            .prepare("SELECT id FROM task_completions ORDER BY id")
            .expect("prepare")
            .query_map([], |row| row.get(0))
            .expect("query")
            .collect::<Result<_, _>>()
            .expect("rows");
        assert_eq!(left, [1, 3]);
    }

    #[test]
    fn tasks_written_before_the_owner_search_index_are_found_after_it() {
        let (_directory, store) = opened_after(
            4,
            "INSERT INTO users (id, email, hashed_password, created_at)
                 VALUES (7, 'a@example.com', 'x', '2025-01-01T00:00:00Z');
             INSERT INTO tasks (title, description, owner_id, created_at, updated_at)
                 VALUES ('Pay rent', 'by Friday', 7, '2025-01-01T00:00:00Z',
                         '2025-01-01T00:00:00Z');",
        );
        let found = |text: &str| -> i64 {
            store
                .pool
                .get()
                .expect("connection")
                .query_row(
                    "SELECT COUNT(*) FROM tasks_search WHERE tasks_search MATCH ?1",
                    [text],
                    |row| row.get(0),
                )
                .expect("search")
        };
        assert_eq!(found("\"7_frid\"*"), 1);
        assert_eq!(found("\"7_pay\"* AND \"7_rent\"*"), 1);
        // The control: another owner's terms find nothing.
        assert_eq!(found("\"8_pay\"*"), 0);
    }

    #[test]
    fn deleting_a_user_cascades_to_tasks() {
        let store =
            SqliteStore::open(&SqliteLocation::Memory, &StoreOptions::default()).expect("open");
        let mut accounts = store.accounts(Mode::Statement).expect("work");
        let user = accounts
            .insert_user("jane@example.com", "hash", "UTC", chrono::Utc::now())
            .expect("user");
        accounts.commit().expect("commit");
        let mut tasks = store.tasks(user.id, Mode::Statement).expect("work");
        tasks
            .insert(
                &crate::model::NewTask::new("t").expect("valid"),
                crate::store::backend::Context::at(
                    chrono::Utc::now(),
                    crate::planning::Zone::default(),
                ),
                None,
            )
            .expect("task");
        tasks.commit().expect("commit");
        let connection = store.pool.get().expect("connection");
        connection
            .execute(
                "DELETE FROM users WHERE id = ?1",
                rusqlite::params![user.id.0],
            )
            .expect("delete");
        let left: i64 = connection
            .query_row("SELECT COUNT(*) FROM tasks", [], |r| r.get(0))
            .expect("count");
        assert_eq!(left, 0);
    }

    #[test]
    fn missing_directory_is_reported_by_name() {
        let location = SqliteLocation::File("/nonexistent-dir/tasks.db".into());
        let error = SqliteStore::open(&location, &StoreOptions::default())
            .unwrap_err()
            .to_string();
        assert!(error.contains("/nonexistent-dir does not exist"), "{error}");
    }
}
