//! Which database test servers use, and a fresh PostgreSQL database per server.

use std::cell::RefCell;

/// Environment variable naming the PostgreSQL server tests may use, such as
/// `postgres://postgres@127.0.0.1:5432/test`. Each server gets a database of its own there.
pub const POSTGRES_URL_VAR: &str = "TASKD_TEST_POSTGRES_URL";
/// When set, PostgreSQL tests fail instead of being skipped without a server.
pub const REQUIRE_POSTGRES_VAR: &str = "TASKD_TEST_REQUIRE_POSTGRES";

/// The database backend test servers use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Backend {
    /// A fresh SQLite file per server.
    Sqlite,
    /// A fresh database per server on this PostgreSQL server (an admin URL).
    Postgres(String),
}

thread_local! {
    // Each test runs on its own thread (and tokio::test on a current-thread runtime).
    static BACKEND: RefCell<Backend> = const { RefCell::new(Backend::Sqlite) };
}

/// The backend servers started on this thread use.
pub(crate) fn current_backend() -> Backend {
    BACKEND.with(|current| current.borrow().clone())
}

/// Servers started on this thread use `backend`.
pub fn use_backend(backend: Backend) {
    BACKEND.with(|current| *current.borrow_mut() = backend);
}

/// Servers started on this thread use PostgreSQL. Returns false (after a
/// printed notice) when no PostgreSQL server is configured, so the test can
/// skip; panics instead when PostgreSQL is required.
pub fn use_postgres() -> bool {
    match std::env::var(POSTGRES_URL_VAR) {
        Ok(url) if !url.is_empty() => {
            use_backend(Backend::Postgres(url));
            true
        }
        _ => {
            assert!(
                std::env::var_os(REQUIRE_POSTGRES_VAR).is_none(),
                "{REQUIRE_POSTGRES_VAR} is set but {POSTGRES_URL_VAR} is not: PostgreSQL tests cannot be skipped here"
            );
            // Once per run, and past libtest's capture of eprintln!, so it shows.
            static NOTICE: std::sync::Once = std::sync::Once::new();
            NOTICE.call_once(|| {
                use std::io::Write;
                let _ = writeln!(
                    std::io::stderr(),
                    "notice: PostgreSQL tests are skipped (they pass without running): set \
                     {POSTGRES_URL_VAR}, e.g. postgres://postgres@127.0.0.1:5432/test"
                );
            });
            false
        }
    }
}

/// Defines a test twice, as `NAME::sqlite` and `NAME::postgres`; the body
/// starts servers with [`Server::start`] as usual.
#[macro_export]
macro_rules! on_both_backends {
    (async fn $name:ident() $body:block) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            #[tokio::test]
            async fn sqlite() {
                $crate::use_backend($crate::Backend::Sqlite);
                $body
            }

            #[tokio::test]
            async fn postgres() {
                if !$crate::use_postgres() {
                    return;
                }
                $body
            }
        }
    };
    (fn $name:ident() $body:block) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            #[test]
            fn sqlite() {
                $crate::use_backend($crate::Backend::Sqlite);
                $body
            }

            #[test]
            fn postgres() {
                if !$crate::use_postgres() {
                    return;
                }
                $body
            }
        }
    };
}

/// A PostgreSQL database made for one test, dropped with it.
#[derive(Debug)]
pub(crate) struct PostgresDatabase {
    pub(crate) admin_url: String,
    pub(crate) name: String,
    pub(crate) url: String,
}

impl PostgresDatabase {
    pub(crate) fn create(admin_url: &str) -> Self {
        use std::sync::atomic::{AtomicU64, Ordering};
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let name = format!(
            "taskd_test_{}_{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        );
        let mut url = reqwest::Url::parse(admin_url).expect("TASKD_TEST_POSTGRES_URL is a URL");
        url.set_path(&format!("/{name}"));
        let database = Self {
            admin_url: admin_url.to_owned(),
            url: url.to_string(),
            name,
        };
        database.admin(&format!("CREATE DATABASE {}", database.name));
        database
    }

    /// Runs one statement as the admin, on a thread of its own: the sync
    /// client must not run inside a test's async runtime.
    pub(crate) fn admin(&self, statement: &str) {
        let admin_url = self.admin_url.clone();
        let statement = statement.to_owned();
        std::thread::spawn(move || {
            let mut client = postgres::Client::connect(&admin_url, postgres::NoTls)
                .unwrap_or_else(|error| panic!("cannot connect to {POSTGRES_URL_VAR}: {error}"));
            client
                .batch_execute(&statement)
                .unwrap_or_else(|error| panic!("{statement}: {error}"));
        })
        .join()
        .expect("admin statement");
    }
}

impl Drop for PostgresDatabase {
    fn drop(&mut self) {
        let statement = format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name);
        let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| self.admin(&statement)));
    }
}
