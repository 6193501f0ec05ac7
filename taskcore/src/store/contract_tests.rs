//! The backend contract: every test here runs on SQLite and on PostgreSQL
//! (`NAME::sqlite` and `NAME::postgres`), so the backends cannot drift.
//!
//! PostgreSQL tests use the server named by `TASKD_TEST_POSTGRES_URL`, one
//! fresh database per test; without it they pass without running, unless
//! `TASKD_TEST_REQUIRE_POSTGRES` is set, as CI does.

use std::time::Duration;

use super::backend::Mode;
use super::database::now;
use super::*;
use crate::auth::{BCRYPT_MIN_COST, PasswordHasher};
use crate::error::Error;
use crate::error::Result;
use crate::error::SessionEnd;
use crate::model::{NewTask, NewUser, PasswordChange};
use crate::query::{ChangeCursor, Sort, SortKey, TaskQuery};
use crate::session::{Refresh, RefreshToken};
use crate::types::{Description, Page, SessionId, TaskId, UserId};
use crate::wire::{Body, PasswordChangeRequest, TaskUpdate};

const POSTGRES_URL_VAR: &str = "TASKD_TEST_POSTGRES_URL";
const REQUIRE_POSTGRES_VAR: &str = "TASKD_TEST_REQUIRE_POSTGRES";

/// A database of one test: dropped (on PostgreSQL) when the test ends.
struct TestDatabase {
    store: Store,
    postgres: Option<(::postgres::Config, String)>,
    /// Holds a SQLite file.
    _directory: Option<tempfile::TempDir>,
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        if let Some((admin, name)) = &self.postgres
            && let Ok(mut client) = admin.connect(::postgres::NoTls)
        {
            let _ = client.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
        }
    }
}

/// A SQLite file, so that writes go through the single writer as they do
/// in taskd.
fn sqlite() -> TestDatabase {
    let directory = tempfile::tempdir().expect("temporary directory");
    let url = format!("sqlite:///{}", directory.path().join("tasks.db").display());
    let store = Store::open(&url).expect("open");
    assert!(store.queues_writes(), "a SQLite file has a single writer");
    TestDatabase {
        store,
        postgres: None,
        _directory: Some(directory),
    }
}

/// A fresh PostgreSQL database, or `None` when none is configured.
fn postgres() -> Option<TestDatabase> {
    let url = match std::env::var(POSTGRES_URL_VAR) {
        Ok(url) if !url.is_empty() => url,
        _ => {
            assert!(
                std::env::var_os(REQUIRE_POSTGRES_VAR).is_none(),
                "{REQUIRE_POSTGRES_VAR} is set but {POSTGRES_URL_VAR} is not"
            );
            return None;
        }
    };
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let name = format!(
        "taskcore_test_{}_{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    );
    let admin: ::postgres::Config = url.parse().expect("a PostgreSQL URL");
    let mut client = admin.connect(::postgres::NoTls).expect("connect as admin");
    client
        .batch_execute(&format!("CREATE DATABASE {name}"))
        .expect("create database");
    let mut config = admin.clone();
    config.dbname(&name);
    let store = Store::new(std::sync::Arc::new(
        self::postgres::PostgresStore::open_config(
            config,
            &self::postgres::tls::split_tls_options("postgresql://")
                .expect("defaults")
                .1,
            &StoreOptions::default(),
        )
        .expect("open"),
    ));
    Some(TestDatabase {
        store,
        postgres: Some((admin, name)),
        _directory: None,
    })
}

/// Defines each test twice: on SQLite and on PostgreSQL.
macro_rules! contract {
    ($(fn $name:ident($store:ident: &Store) $body:block)*) => {$(
        mod $name {
            use super::*;

            fn run($store: &Store) $body

            #[test]
            fn sqlite() {
                run(&super::sqlite().store);
            }

            #[test]
            fn postgres() {
                if let Some(database) = super::postgres() {
                    run(&database.store);
                }
            }
        }
    )*};
}

/// The columns of `table` in a database, by name.
fn migrated_columns(database: &TestDatabase, table: &str) -> std::collections::BTreeSet<String> {
    match (&database.postgres, &database._directory) {
        (Some((admin, name)), _) => {
            let mut config = admin.clone();
            config.dbname(name);
            let mut client = config.connect(::postgres::NoTls).expect("connect");
            client
                .query(
                    "SELECT column_name::text FROM information_schema.columns
                     WHERE table_schema = 'public' AND table_name = $1",
                    &[&table],
                )
                .expect("columns")
                .iter()
                .map(|row| row.get(0))
                .collect()
        }
        (None, Some(directory)) => {
            let connection =
                rusqlite::Connection::open(directory.path().join("tasks.db")).expect("open");
            let mut statement = connection
                .prepare("SELECT name FROM pragma_table_info(?1)")
                .expect("prepare");
            statement
                .query_map([table], |row| row.get(0))
                .expect("columns")
                .collect::<rusqlite::Result<_>>()
                .expect("names")
        }
        (None, None) => panic!("a test database is a SQLite file or a PostgreSQL database"),
    }
}

/// A freshly migrated database's `tasks` and `trashed_tasks` hold exactly
/// the columns of the column table, and their bookkeeping: a migration
/// that forgets a column (or the table that forgets one) fails here.
fn check_task_tables_match_the_column_table(database: &TestDatabase) {
    let task_columns = || sql::table::task_columns().map(str::to_owned);
    // PostgreSQL's tasks also hold their full-text vector, which the
    // database generates (V3__planning.sql); SQLite's index is a table.
    let search = database.postgres.as_ref().map(|_| "search".to_owned());
    let expected_tasks: std::collections::BTreeSet<String> = task_columns()
        .chain(["change_seq".to_owned()])
        .chain(search)
        .collect();
    let expected_trashed: std::collections::BTreeSet<String> = task_columns()
        .chain(["deleted_at", "change_seq", "trashed_with"].map(str::to_owned))
        .collect();
    assert_eq!(migrated_columns(database, "tasks"), expected_tasks);
    assert_eq!(
        migrated_columns(database, "trashed_tasks"),
        expected_trashed
    );
}

#[test]
fn migrated_task_tables_hold_the_column_tables_columns_on_sqlite() {
    check_task_tables_match_the_column_table(&sqlite());
}

#[test]
fn migrated_task_tables_hold_the_column_tables_columns_on_postgres() {
    if let Some(database) = postgres() {
        check_task_tables_match_the_column_table(&database);
    }
}

fn hasher() -> PasswordHasher {
    PasswordHasher::new(BCRYPT_MIN_COST).expect("hasher")
}

fn two_users(store: &Store) -> (UserId, UserId) {
    let alice = store
        .register_user(
            &NewUser::new("alice@example.com", "password-a").expect("valid"),
            &hasher(),
        )
        .expect("register");
    let bob = store
        .register_user(
            &NewUser::new("bob@example.com", "password-b").expect("valid"),
            &hasher(),
        )
        .expect("register");
    (alice.id, bob.id)
}

const MINUTE: Duration = Duration::from_secs(60);

/// Logs `email` in with `password`: the session and its refresh token.
fn log_in(
    store: &Store,
    email: &str,
    password: &str,
    lifetime: Duration,
) -> (SessionId, RefreshToken) {
    let login = store
        .log_in(email, password, &hasher(), lifetime, "contract test")
        .expect("login");
    (login.session, login.refresh_token)
}

fn completed(flag: bool) -> crate::model::TaskPatch {
    TaskUpdate {
        completed: Some(flag),
        ..TaskUpdate::default()
    }
    .validate()
    .expect("valid")
}

fn titles(page: &crate::model::TaskPage) -> Vec<&str> {
    page.tasks.iter().map(|task| task.title.as_str()).collect()
}

contract! {
    fn owner_cannot_see_update_or_delete_others_task(store: &Store) {
        let (alice, bob) = two_users(store);
        let task = store
            .tasks(alice)
            .create(&NewTask::new("alice's").expect("valid"))
            .expect("create");
        let bobs = store.tasks(bob);
        assert!(matches!(bobs.get(task.id), Err(Error::TaskNotFound)));
        assert!(matches!(bobs.update(task.id, &completed(true)), Err(Error::TaskNotFound)));
        assert!(matches!(bobs.delete(task.id), Err(Error::TaskNotFound)));
        assert_eq!(bobs.list(&TaskQuery::default()).expect("list").total, 0);
        // Untouched for its owner.
        assert!(!store.tasks(alice).get(task.id).expect("get").completed);
    }

    fn duplicate_email_is_a_conflict_whatever_the_case(store: &Store) {
        two_users(store);
        let again = NewUser::new("ALICE@Example.com", "password-c").expect("valid");
        assert!(matches!(store.register_user(&again, &hasher()), Err(Error::EmailTaken)));
    }

    fn authenticate_matches_email_case_insensitively(store: &Store) {
        let (alice, _) = two_users(store);
        let user = store
            .authenticate(" Alice@EXAMPLE.com", "password-a", &hasher())
            .expect("login");
        assert_eq!(user.id, alice);
        assert!(matches!(
            store.authenticate("alice@example.com", "password-b", &hasher()),
            Err(Error::InvalidCredentials)
        ));
        assert!(matches!(
            store.authenticate("nobody@example.com", "password-a", &hasher()),
            Err(Error::InvalidCredentials)
        ));
    }

    fn list_pages_oldest_first_with_total(store: &Store) {
        let (alice, _) = two_users(store);
        let tasks = store.tasks(alice);
        for n in 0..5 {
            tasks
                .create(&NewTask::new(&format!("task {n}")).expect("valid"))
                .expect("create");
        }
        let page = tasks
            .list(&TaskQuery::paged(Page::new(1, 2).expect("page")))
            .expect("list");
        assert_eq!(page.total, 5);
        assert_eq!(titles(&page), ["task 1", "task 2"]);
    }

    fn list_filters_by_completion_and_counts_what_it_selects(store: &Store) {
        let (alice, _) = two_users(store);
        let tasks = store.tasks(alice);
        for n in 0..4 {
            let task = tasks
                .create(&NewTask::new(&format!("task {n}")).expect("valid"))
                .expect("create");
            if n % 2 == 1 {
                tasks.update(task.id, &completed(true)).expect("complete");
            }
        }
        let open = TaskQuery {
            completed: Some(false),
            ..TaskQuery::default()
        };
        let page = tasks.list(&open).expect("list");
        assert_eq!((titles(&page), page.total), (vec!["task 0", "task 2"], 2));
    }

    fn list_sorts_by_title_by_code_point_then_id(store: &Store) {
        let (alice, _) = two_users(store);
        let tasks = store.tasks(alice);
        for title in ["b", "B", "a", "b"] {
            tasks.create(&NewTask::new(title).expect("valid")).expect("create");
        }
        let by_title = |descending| TaskQuery {
            order: vec![Sort { key: SortKey::Title, descending }],
            ..TaskQuery::default()
        };
        let ids = |query: &TaskQuery| -> Vec<(String, i64)> {
            tasks
                .list(query)
                .expect("list")
                .tasks
                .into_iter()
                .map(|task| (task.title, task.id.0))
                .collect()
        };
        let ascending = ids(&by_title(false));
        let letters: Vec<&str> = ascending.iter().map(|(title, _)| title.as_str()).collect();
        assert_eq!(letters, ["B", "a", "b", "b"]);
        assert!(ascending[2].1 < ascending[3].1, "ties broken by id");
        let descending = ids(&by_title(true));
        let letters: Vec<&str> = descending.iter().map(|(title, _)| title.as_str()).collect();
        assert_eq!(letters, ["b", "b", "a", "B"]);
    }

    fn update_changes_only_present_fields_and_moves_updated_at(store: &Store) {
        let (alice, _) = two_users(store);
        let tasks = store.tasks(alice);
        let new_task = crate::wire::TaskCreate {
            title: "title".into(),
            description: Some(Description::parse("words").expect("valid").as_str().into()),
            ..crate::wire::TaskCreate::default()
        }
        .validate()
        .expect("valid");
        let created = tasks.create(&new_task).expect("create");
        let clear = TaskUpdate {
            description: Some(None),
            ..TaskUpdate::default()
        }
        .validate()
        .expect("valid");
        let updated = tasks.update(created.id, &clear).expect("update");
        assert_eq!(updated.title, "title");
        assert_eq!(updated.description, None);
        assert_eq!(updated.created_at, created.created_at);
        assert!(updated.updated_at >= created.updated_at);
        let nothing = TaskUpdate::default().validate().expect("valid");
        let unchanged = tasks.update(created.id, &nothing).expect("empty patch");
        assert_eq!(unchanged, updated);
    }

    fn deleted_ids_are_never_reused(store: &Store) {
        let (alice, _) = two_users(store);
        let tasks = store.tasks(alice);
        let first = tasks.create(&NewTask::new("one").expect("valid")).expect("create");
        tasks.delete(first.id).expect("delete");
        let second = tasks.create(&NewTask::new("two").expect("valid")).expect("create");
        assert!(second.id > first.id);
    }

    fn refresh_rotates_and_a_reused_token_revokes_the_session(store: &Store) {
        let (alice, _) = two_users(store);
        let (session, first) = log_in(store, "alice@example.com", "password-a", MINUTE);
        assert!(store.session_user(alice, session).expect("lookup").is_some());
        let second = match store.refresh_session(first.expose(), MINUTE).expect("refresh") {
            Refresh::Rotated { user, session: same, refresh_token } => {
                assert_eq!((user.id, same), (alice, session));
                refresh_token
            }
            other => panic!("expected a rotation, got {other:?}"),
        };
        assert_ne!(first.expose(), second.expose());
        // The first token again: theft. The session and its whole chain die.
        assert!(matches!(
            store.refresh_session(first.expose(), MINUTE),
            Ok(Refresh::Reused { .. })
        ));
        assert!(matches!(
            store.refresh_session(second.expose(), MINUTE),
            Ok(Refresh::Ended(SessionEnd::RefreshTokenReused))
        ));
        assert!(store.session_user(alice, session).expect("lookup").is_none());
        assert_eq!(
            store.session_end(alice, session).expect("lookup"),
            Some(SessionEnd::RefreshTokenReused)
        );
        assert!(matches!(
            store.refresh_session("tdr_unknown", MINUTE),
            Ok(Refresh::Refused)
        ));
    }

    fn a_login_checked_against_an_old_password_opens_no_session(store: &Store) {
        let (alice, _) = two_users(store);
        let backend = store.backend.as_ref();
        let old_hash = {
            let mut work = backend.accounts(Mode::Statement).expect("work");
            work.password_hash(alice).expect("hash").expect("user")
        };
        let (current, _) = log_in(store, "alice@example.com", "password-a", MINUTE);
        store
            .replace_password(alice, current, &old_hash, "another hash")
            .expect("change");
        // As if the password had been checked just before the change.
        let mut work = backend.accounts(Mode::Write).expect("work");
        let opened = work.insert_session(alice, &old_hash, "", now(), now()).expect("insert");
        assert_eq!(opened, None);
        let opened = work
            .insert_session(alice, "another hash", "", now(), now())
            .expect("insert");
        assert!(opened.is_some());
        work.commit().expect("commit");
    }

    fn a_password_change_checked_against_an_old_hash_or_an_ended_session_writes_nothing(
        store: &Store
    ) {
        let (alice, _) = two_users(store);
        let stored = |store: &Store| {
            let mut work = store.backend.accounts(Mode::Statement).expect("work");
            work.password_hash(alice).expect("hash").expect("user")
        };
        let old_hash = stored(store);
        let (session, _) = log_in(store, "alice@example.com", "password-a", MINUTE);
        store
            .replace_password(alice, session, &old_hash, "hash two")
            .expect("the first change");
        assert!(matches!(
            store.replace_password(alice, session, &old_hash, "hash three"),
            Err(Error::Conflict(_))
        ));
        store.close_session(alice, session).expect("close");
        assert!(matches!(
            store.replace_password(alice, session, "hash two", "hash three"),
            Err(Error::InvalidToken)
        ));
        assert_eq!(stored(store), "hash two");
    }

    fn sessions_belong_to_their_user(store: &Store) {
        let (alice, bob) = two_users(store);
        let (session, _) = log_in(store, "alice@example.com", "password-a", MINUTE);
        assert!(store.session_user(bob, session).expect("lookup").is_none());
        store.close_session(bob, session).expect("no-op");
        assert!(store.session_user(alice, session).expect("lookup").is_some());
        store.close_session(alice, session).expect("close");
        assert!(store.session_user(alice, session).expect("lookup").is_none());
    }

    fn password_change_keeps_only_the_current_session(store: &Store) {
        let (alice, _) = two_users(store);
        let (current, _) = log_in(store, "alice@example.com", "password-a", MINUTE);
        let (other, other_refresh) = log_in(store, "alice@example.com", "password-a", MINUTE);
        let change = |current_password: &str, new_password: &str| -> PasswordChange {
            PasswordChangeRequest {
                current_password: current_password.to_owned(),
                new_password: new_password.to_owned(),
            }
            .validate()
            .expect("valid")
        };
        assert!(matches!(
            store.change_password(alice, current, &change("wrong", "new password"), &hasher()),
            Err(Error::WrongPassword)
        ));
        assert!(matches!(
            store.change_password(alice, current, &change("password-a", "password-a"), &hasher()),
            Err(Error::Validation(_))
        ));
        let revoked = store
            .change_password(alice, current, &change("password-a", "new password"), &hasher())
            .expect("change");
        assert_eq!(revoked, 1);
        assert!(store.session_user(alice, current).expect("lookup").is_some());
        assert!(store.session_user(alice, other).expect("lookup").is_none());
        assert!(matches!(
            store.refresh_session(other_refresh.expose(), MINUTE),
            Ok(Refresh::Ended(SessionEnd::PasswordChanged))
        ));
        assert_eq!(store.session_end(alice, current).expect("lookup"), None);
        assert!(store.authenticate("alice@example.com", "new password", &hasher()).is_ok());
    }

    fn deleting_an_account_takes_its_tasks_and_sessions(store: &Store) {
        let (alice, bob) = two_users(store);
        store
            .tasks(alice)
            .create(&NewTask::new("mine").expect("valid"))
            .expect("create");
        let trashed = store
            .tasks(alice)
            .create(&NewTask::new("trashed").expect("valid"))
            .expect("create");
        store.tasks(alice).delete(trashed.id).expect("to the trash");
        let key = IdempotencyKey::parse("k").expect("key");
        store
            .tasks(alice)
            .create_once(&NewTask::new("once").expect("valid"), &key)
            .expect("create");
        let (session, refresh) = log_in(store, "alice@example.com", "password-a", MINUTE);
        assert!(matches!(
            store.delete_account(alice, "password-b", &hasher()),
            Err(Error::WrongPassword)
        ));
        store.delete_account(alice, "password-a", &hasher()).expect("delete");
        assert!(store.user(alice).expect("lookup").is_none());
        assert!(store.session_user(alice, session).expect("lookup").is_none());
        assert!(matches!(
            store.refresh_session(refresh.expose(), MINUTE),
            Ok(Refresh::Refused)
        ));
        assert_eq!(store.tasks(alice).list(&TaskQuery::default()).expect("list").total, 0);
        assert_eq!(store.tasks(alice).trash(Page::default()).expect("trash").total, 0);
        assert!(store.tasks(alice).changes(None, 10).expect("feed").changes.is_empty());
        assert!(store.user(bob).expect("lookup").is_some());
    }

    fn expired_sessions_are_purged(store: &Store) {
        let (alice, _) = two_users(store);
        let (expired, _) = log_in(store, "alice@example.com", "password-a", Duration::ZERO);
        let (live, _) = log_in(store, "alice@example.com", "password-a", MINUTE);
        assert_eq!(store.purge_expired_sessions().expect("purge"), 1);
        assert!(store.session_user(alice, expired).expect("lookup").is_none());
        assert!(store.session_user(alice, live).expect("lookup").is_some());
    }

    fn abandoned_write_work_changes_nothing(store: &Store) {
        let (alice, _) = two_users(store);
        {
            let hash = {
                let mut work = store.backend.accounts(Mode::Statement).expect("work");
                work.password_hash(alice).expect("hash").expect("user")
            };
            let (session, _) = log_in(store, "alice@example.com", "password-a", MINUTE);
            let mut work = store.backend.accounts(Mode::Write).expect("work");
            assert!(
                work.replace_password_hash(alice, session, &hash, "abandoned")
                    .expect("update")
            );
            // Dropped without commit.
        }
        assert!(store.authenticate("alice@example.com", "password-a", &hasher()).is_ok());
    }
}

fn create_task(store: &Store, owner: UserId, body: serde_json::Value) -> crate::model::Task {
    let task = crate::wire::TaskCreate::from_json(&body).expect("valid task");
    store.tasks(owner).create(&task).expect("create")
}

fn patch(body: serde_json::Value) -> crate::model::TaskPatch {
    TaskUpdate::from_json(&body).expect("valid patch")
}

fn query(text: &str) -> TaskQuery {
    let pairs: Vec<(String, String)> = text
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            (key.to_owned(), value.to_owned())
        })
        .collect();
    TaskQuery::from_pairs(&pairs).expect("valid query")
}

fn listed(store: &Store, owner: UserId, text: &str) -> Vec<String> {
    store
        .tasks(owner)
        .list(&query(text))
        .expect("list")
        .tasks
        .into_iter()
        .map(|task| task.title)
        .collect()
}

contract! {
    fn planning_fields_round_trip_and_completed_at_follows_completion(store: &Store) {
        let (alice, _) = two_users(store);
        let task = create_task(store, alice, serde_json::json!({
            "title": "Pay rent", "priority": "high", "due_at": "2025-03-01T18:30:00+02:00",
            "tags": ["Money", " home "]
        }));
        assert_eq!(task.priority, Some(crate::planning::Priority::High));
        assert_eq!(task.due_at.expect("due").to_rfc3339(), "2025-03-01T16:30:00+00:00");
        assert_eq!(task.tags, ["home", "money"]);
        assert_eq!(task.completed_at, None);
        let tasks = store.tasks(alice);
        let done = tasks.update(task.id, &patch(serde_json::json!({"completed": true}))).expect("done");
        let completed_at = done.completed_at.expect("set on completion");
        // Other edits, and completing again, leave it alone.
        let renamed = tasks
            .update(task.id, &patch(serde_json::json!({"title": "Rent", "completed": true})))
            .expect("rename");
        assert_eq!(renamed.completed_at, Some(completed_at));
        // A due date replaces the due instant; reopening clears completion.
        let moved = tasks
            .update(task.id, &patch(serde_json::json!({"due_date": "2025-03-02", "completed": false, "priority": null})))
            .expect("move");
        assert_eq!(moved.due_at, None);
        assert_eq!(moved.due_date.map(|day| day.to_string()).as_deref(), Some("2025-03-02"));
        assert_eq!(moved.completed_at, None);
        assert_eq!(moved.priority, None);
        let cleared = tasks.update(task.id, &patch(serde_json::json!({"due_date": null}))).expect("clear");
        assert_eq!((cleared.due_date, cleared.due_at), (None, None));
        assert_eq!(listed(store, alice, "due=none"), ["Rent"]);
    }

    fn tag_deltas_change_the_stored_set_within_its_limit(store: &Store) {
        let (alice, _) = two_users(store);
        let task = create_task(store, alice, serde_json::json!({"title": "t", "tags": ["a", "b"]}));
        let tasks = store.tasks(alice);
        let changed = tasks
            .update(task.id, &patch(serde_json::json!({"add_tags": ["C", "a"], "remove_tags": ["b", "zzz"]})))
            .expect("delta");
        assert_eq!(changed.tags, ["a", "c"]);
        let thirty: Vec<String> = (0..30).map(|n| format!("t{n:02}")).collect();
        let full = tasks
            .update(task.id, &patch(serde_json::json!({"add_tags": thirty})))
            .expect("32 tags");
        assert_eq!(full.tags.len(), 32);
        let over = tasks.update(task.id, &patch(serde_json::json!({"add_tags": ["one-more"]})));
        assert!(matches!(over, Err(Error::Validation(_))), "{over:?}");
        assert_eq!(tasks.get(task.id).expect("get").tags.len(), 32, "nothing changed");
        let replaced = tasks.update(task.id, &patch(serde_json::json!({"tags": ["x"]}))).expect("replace");
        assert_eq!(replaced.tags, ["x"]);
        assert_eq!(listed(store, alice, "tag=X"), ["t"]);
        assert!(listed(store, alice, "tag=a").is_empty());
    }

    fn writes_submitted_together_keep_what_succeeds_and_nothing_of_what_fails(store: &Store) {
        // On SQLite these meet in the single writer's batches; a failing
        // statement or operation must take nothing with it but itself.
        let (alice, _) = two_users(store);
        let full = create_task(store, alice, serde_json::json!({"title": "full"}));
        let thirty_two: Vec<String> = (0..32).map(|n| format!("t{n:02}")).collect();
        store
            .tasks(alice)
            .update(full.id, &patch(serde_json::json!({"tags": thirty_two})))
            .expect("32 tags");
        let pending: Vec<_> = (0..60)
            .map(|n| {
                let id = full.id;
                store.submit(move |store| match n % 3 {
                    0 => store.tasks(alice).create(&NewTask::new(&format!("kept {n}"))?).map(drop),
                    // A statement that the tag limit aborts.
                    1 => store
                        .tasks(alice)
                        .update(id, &patch(serde_json::json!({"add_tags": [format!("x{n}")]})))
                        .map(drop),
                    // Write work (a savepoint) that fails: no such task.
                    _ => store
                        .tasks(alice)
                        .update(TaskId(id.0 + 1000), &patch(serde_json::json!({"due_date": "2030-01-01"})))
                        .map(drop),
                })
            })
            .collect();
        let outcomes: Vec<_> = pending.into_iter().map(crate::Pending::wait).collect();
        for (n, outcome) in outcomes.iter().enumerate() {
            match n % 3 {
                0 => assert!(outcome.is_ok(), "create {n}: {outcome:?}"),
                1 => assert!(matches!(outcome, Err(Error::Validation(_))), "tag {n}: {outcome:?}"),
                _ => assert!(matches!(outcome, Err(Error::TaskNotFound)), "update {n}: {outcome:?}"),
            }
        }
        let titles = listed(store, alice, "limit=200");
        assert_eq!(titles.len(), 21, "the full task and the 20 creates: {titles:?}");
        assert_eq!(store.tasks(alice).get(full.id).expect("get").tags.len(), 32);
    }

    fn filters_combine_priority_tags_due_and_search(store: &Store) {
        let (alice, bob) = two_users(store);
        create_task(store, alice, serde_json::json!({"title": "Pay rent", "priority": "high", "tags": ["money", "home"], "due_date": "2020-01-01"}));
        create_task(store, alice, serde_json::json!({"title": "Water plants", "description": "balcony and kitchen", "tags": ["home"], "due_date": "2999-01-01"}));
        create_task(store, alice, serde_json::json!({"title": "Read paper", "priority": "low", "completed": true, "due_at": "2020-01-01T10:00:00Z"}));
        create_task(store, bob, serde_json::json!({"title": "Pay rent too", "priority": "high", "tags": ["money", "home"]}));
        assert_eq!(listed(store, alice, "priority=high"), ["Pay rent"]);
        assert_eq!(listed(store, alice, "priority=none&priority=low"), ["Water plants", "Read paper"]);
        assert_eq!(listed(store, alice, "tag=home&tag=money"), ["Pay rent"]);
        assert_eq!(listed(store, alice, "tag=home&completed=false"), ["Pay rent", "Water plants"]);
        assert_eq!(listed(store, alice, "due=overdue"), ["Pay rent"]);
        assert_eq!(listed(store, alice, "due_before=2020-01-01"), ["Pay rent", "Read paper"]);
        assert_eq!(listed(store, alice, "due_after=2020-01-02"), ["Water plants"]);
        assert_eq!(listed(store, alice, "q=kitch"), ["Water plants"]);
        assert_eq!(listed(store, alice, "q=PAY+re"), ["Pay rent"]);
        assert!(listed(store, alice, "q=ent").is_empty(), "only the start of a word matches");
        create_task(store, alice, serde_json::json!({"title": "Renew example.com", "description": "by 2025-01-31, v1.2"}));
        for words in ["q=com", "q=example+com", "q=31", "q=v1+2"] {
            assert_eq!(listed(store, alice, words), ["Renew example.com"], "{words}: words split as people read them");
        }
        let page = store.tasks(alice).list(&query("tag=home")).expect("list");
        assert_eq!(page.total, 2);
        let counts = store.tasks(alice).tags().expect("tags");
        let counts: Vec<(&str, u64, u64)> = counts.iter().map(|c| (c.name.as_str(), c.open, c.total)).collect();
        assert_eq!(counts, [("home", 2, 2), ("money", 1, 1)]);
    }

    fn a_search_finds_and_counts_only_its_owners_current_words(store: &Store) {
        let (alice, bob) = two_users(store);
        // Alice's title spells the form her words take in the index, with
        // Bob's id: it is still two words of hers, never terms of Bob's.
        let forged = create_task(store, alice, serde_json::json!({
            "title": format!("{}_secret {}_plan", bob.0, bob.0),
            "description": "Café crème"
        }));
        let search = |owner, text: &str| {
            let page = store.tasks(owner).list(&query(text)).expect("search");
            (page.total, page.tasks.into_iter().map(|task| task.title).collect::<Vec<_>>())
        };
        assert_eq!(search(bob, "q=secret"), (0, vec![]), "Bob sees nothing of Alice's");
        assert_eq!(search(bob, "q=secret+plan"), (0, vec![]));
        let mine = create_task(store, bob, serde_json::json!({"title": "Secret plan"}));
        assert_eq!(search(bob, "q=secret"), (1, vec![mine.title.clone()]), "the control: Bob's own");
        assert_eq!(search(alice, "q=secret").0, 1, "Alice's words are hers");
        assert_eq!(search(alice, "q=CAFÉ+CRÈ").0, 1, "case folds");
        // Edits, the trash and restores keep the index current.
        let tasks = store.tasks(alice);
        tasks.update(forged.id, &patch(serde_json::json!({"title": "Tea", "description": null}))).expect("edit");
        assert_eq!(search(alice, "q=secret").0, 0, "old words are gone");
        assert_eq!(search(alice, "q=tea").0, 1, "new words are found");
        tasks.delete(forged.id).expect("trash");
        assert_eq!(search(alice, "q=tea").0, 0, "a trashed task is not found");
        tasks.restore(forged.id).expect("restore");
        assert_eq!(search(alice, "q=tea").0, 1, "a restored one is");
    }

    fn due_sorts_undated_last_both_ways_and_cursors_cover_every_task_once(store: &Store) {
        let (alice, _) = two_users(store);
        create_task(store, alice, serde_json::json!({"title": "none"}));
        create_task(store, alice, serde_json::json!({"title": "day 2", "due_date": "2025-01-02"}));
        create_task(store, alice, serde_json::json!({"title": "day 2 noon", "due_at": "2025-01-02T12:00:00Z"}));
        create_task(store, alice, serde_json::json!({"title": "day 1", "due_date": "2025-01-01", "priority": "high"}));
        create_task(store, alice, serde_json::json!({"title": "none 2", "priority": "low"}));
        assert_eq!(listed(store, alice, "sort=due"), ["day 1", "day 2 noon", "day 2", "none", "none 2"]);
        assert_eq!(listed(store, alice, "sort=-due"), ["day 2", "day 2 noon", "day 1", "none", "none 2"]);
        assert_eq!(listed(store, alice, "sort=-priority,-id"), ["day 1", "none 2", "day 2 noon", "day 2", "none"]);
        for sort in ["due", "-due", "-priority,due", "title", "-updated_at", "-id"] {
            let expected = listed(store, alice, &format!("sort={sort}"));
            let mut seen = Vec::new();
            let mut text = format!("sort={sort}&limit=2");
            loop {
                let page = store.tasks(alice).list(&query(&text)).expect("page");
                seen.extend(page.tasks.into_iter().map(|task| task.title));
                match page.next {
                    Some(cursor) => text = format!("sort={sort}&limit=2&cursor={cursor}"),
                    None => break,
                }
            }
            assert_eq!(seen, expected, "sort={sort}");
        }
    }

    fn a_zone_change_moves_what_counts_as_today(store: &Store) {
        let (alice, _) = two_users(store);
        let tasks = store.tasks(alice);
        let utc_today = chrono::Utc::now().date_naive();
        create_task(store, alice, serde_json::json!({"title": "today", "due_date": utc_today.to_string()}));
        // Somewhere in the world it is already (or still) another day.
        let ahead = crate::planning::Zone::parse("Pacific/Kiritimati").expect("zone");
        let behind = crate::planning::Zone::parse("Pacific/Pago_Pago").expect("zone");
        let now = chrono::Utc::now();
        let other = if ahead.day_of(now) != utc_today { ahead } else { behind };
        assert_eq!(listed(store, alice, "due=today"), ["today"]);
        let user = tasks.set_zone(other).expect("zone");
        assert_eq!(user.timezone, other.name());
        assert!(listed(store, alice, "due=today").is_empty());
        // The day itself never moves.
        let task = &tasks.list(&TaskQuery::default()).expect("list").tasks[0];
        assert_eq!(task.due_date, Some(utc_today));
    }
}

contract! {
    fn kept_counts_match_the_tasks_through_every_change(store: &Store) {
        let (alice, bob) = two_users(store);
        let tasks = store.tasks(alice);
        let mut ids = Vec::new();
        for n in 0..12 {
            let tags = match n % 3 { 0 => vec!["home"], 1 => vec!["home", "work"], _ => vec![] };
            let task = create_task(store, alice, serde_json::json!({
                "title": format!("water plant {n}"), "tags": tags, "completed": n % 4 == 0
            }));
            ids.push(task.id);
        }
        create_task(store, bob, serde_json::json!({"title": "water bob's plant", "tags": ["home"]}));
        tasks.update(ids[1], &patch(serde_json::json!({"completed": true}))).expect("done");
        tasks.update(ids[0], &patch(serde_json::json!({"completed": false, "tags": ["work"]}))).expect("reopen");
        tasks.update(ids[2], &patch(serde_json::json!({"add_tags": ["home"]}))).expect("tag");
        tasks.delete(ids[3]).expect("delete");
        tasks.delete(ids[4]).expect("delete");
        for text in [
            "", "completed=false", "completed=true", "tag=home", "tag=home&completed=false",
            "tag=home&completed=true", "tag=work", "tag=work&completed=false",
            "tag=work&tag=home", "q=plant", "q=water+pla",
            "q=plant&completed=true", "priority=none&tag=home",
        ] {
            let counted = tasks.list(&query(text)).expect("list").total;
            let listed = tasks
                .list(&query(&format!("{text}&limit=200")))
                .expect("list")
                .tasks
                .len() as u64;
            assert_eq!(counted, listed, "{text}");
        }
        assert_eq!(tasks.list(&query("")).expect("list").total, 10);
        for tag in tasks.tags().expect("tags") {
            let listed = |text: &str| tasks.list(&query(&format!("{text}&limit=200"))).expect("list").tasks.len() as u64;
            assert_eq!(tag.total, listed(&format!("tag={}", tag.name)), "{}", tag.name);
            assert_eq!(tag.open, listed(&format!("tag={}&completed=false", tag.name)), "{}", tag.name);
        }
        for id in &ids {
            if *id != ids[3] && *id != ids[4] {
                tasks.update(*id, &patch(serde_json::json!({"remove_tags": ["work"]}))).expect("untag");
            }
        }
        let names: Vec<String> = tasks.tags().expect("tags").into_iter().map(|tag| tag.name).collect();
        assert_eq!(names, ["home"], "a tag no task carries is gone");
        let fresh = store
            .register_user(&NewUser::new("carol@example.com", "password-c").expect("valid"), &hasher())
            .expect("carol");
        assert_eq!(store.tasks(fresh.id).list(&query("completed=false")).expect("list").total, 0);
    }
}

contract! {
    fn search_pages_follow_their_cursor_in_both_directions(store: &Store) {
        let (alice, bob) = two_users(store);
        for n in 0..9 {
            let title = if n % 2 == 0 { format!("plant {n}") } else { format!("other {n}") };
            create_task(store, alice, serde_json::json!({"title": title}));
            create_task(store, bob, serde_json::json!({"title": format!("plant of bob {n}")}));
        }
        for sort in ["id", "-id"] {
            let all = listed(store, alice, &format!("q=pla&sort={sort}"));
            assert_eq!(all.len(), 5, "{sort}: {all:?}");
            let mut seen = Vec::new();
            let mut text = format!("q=pla&sort={sort}&limit=2");
            loop {
                let page = store.tasks(alice).list(&query(&text)).expect("page");
                assert_eq!(page.total, 5);
                seen.extend(page.tasks.into_iter().map(|task| task.title));
                match page.next {
                    Some(cursor) => text = format!("q=pla&sort={sort}&limit=2&cursor={cursor}"),
                    None => break,
                }
            }
            assert_eq!(seen, all, "{sort}");
            assert_eq!(listed(store, alice, &format!("q=pla&sort={sort}&skip=3")), all[3..]);
        }
    }
}

contract! {
    fn one_tag_by_due_pages_as_every_other_listing(store: &Store) {
        let (alice, bob) = two_users(store);
        let tasks = store.tasks(alice);
        for n in 0..14 {
            let mut body = serde_json::json!({
                "title": format!("t{n:02}"), "tags": if n % 3 == 0 { vec!["x"] } else { vec!["x", "y"] },
                "completed": n % 4 == 0,
            });
            match n % 3 {
                0 => body["due_date"] = serde_json::json!(format!("2025-01-{:02}", 10 - n % 5)),
                1 => body["due_at"] = serde_json::json!(format!("2025-01-{:02}T08:00:00Z", 10 - n % 5)),
                _ => {}
            }
            create_task(store, alice, body);
        }
        create_task(store, bob, serde_json::json!({"title": "bob's", "tags": ["x"], "due_date": "2025-01-01"}));
        // Moving a due moves the task in the tag's order too.
        let first = tasks.list(&query("tag=x&completed=false&sort=due")).expect("list").tasks[0].id;
        tasks.update(first, &patch(serde_json::json!({"due_date": "2025-02-01"}))).expect("move");
        // The same listing with a filter that selects everything takes the general path.
        let general = listed(store, alice, "tag=x&completed=false&sort=due&priority=none");
        assert_eq!(listed(store, alice, "tag=x&completed=false&sort=due"), general);
        assert!(!general.contains(&"bob's".to_owned()));
        let mut seen = Vec::new();
        let mut text = "tag=x&completed=false&sort=due&limit=3".to_owned();
        loop {
            let page = tasks.list(&query(&text)).expect("page");
            seen.extend(page.tasks.into_iter().map(|task| task.title));
            match page.next {
                Some(cursor) => text = format!("tag=x&completed=false&sort=due&limit=3&cursor={cursor}"),
                None => break,
            }
        }
        assert_eq!(seen, general);
        assert_eq!(listed(store, alice, "tag=x&completed=false&sort=due&skip=4"), general[4..]);
    }
}

/// Applies a page of changes to a replica of the task set.
fn apply(replica: &mut std::collections::BTreeMap<i64, crate::model::Task>, page: &ChangePage) {
    for change in &page.changes {
        match change {
            crate::model::Change::Upsert { task } => {
                replica.insert(task.id.0, task.clone());
            }
            crate::model::Change::Delete { id, .. } => {
                replica.remove(&id.0);
            }
            // The replica holds tasks only.
            _ => {}
        }
    }
}

/// Follows the feed from `since` until it has nothing more; returns the
/// last cursor.
fn sync(
    store: &Store,
    owner: UserId,
    since: Option<ChangeCursor>,
    limit: u32,
    replica: &mut std::collections::BTreeMap<i64, crate::model::Task>,
) -> ChangeCursor {
    let mut since = since;
    loop {
        let page = store
            .tasks(owner)
            .changes(since.as_ref(), limit)
            .expect("changes");
        apply(replica, &page);
        since = Some(ChangeCursor::decode(&page.cursor).expect("a cursor"));
        if !page.has_more {
            return since.expect("a cursor");
        }
    }
}

/// Every live task of `owner`, by id.
fn every_task(store: &Store, owner: UserId) -> std::collections::BTreeMap<i64, crate::model::Task> {
    store
        .tasks(owner)
        .list(&query("limit=200"))
        .expect("list")
        .tasks
        .into_iter()
        .map(|task| (task.id.0, task))
        .collect()
}

use crate::model::{ChangePage, Expect};

mod completions;
mod cursors;
mod export;
mod full_sync;
mod objects;

contract! {
    fn versions_grow_with_every_change_and_conditional_changes_check_them(store: &Store) {
        let (alice, _) = two_users(store);
        let tasks = store.tasks(alice);
        let task = create_task(store, alice, serde_json::json!({"title": "Pay rent"}));
        assert_eq!(task.version, 1);
        let task = tasks.update(task.id, &patch(serde_json::json!({"title": "Pay the rent"}))).expect("update");
        assert_eq!(task.version, 2);

        let stale = Expect::OneOf(vec![1]);
        let refused = tasks.update_expecting(task.id, &completed(true), &stale);
        assert!(matches!(refused, Err(Error::VersionMismatch { current: 2 })), "{refused:?}");
        let refused = tasks.update_expecting(task.id, &patch(serde_json::json!({})), &stale);
        assert!(matches!(refused, Err(Error::VersionMismatch { current: 2 })), "{refused:?}");
        let refused = tasks.delete_expecting(task.id, &stale);
        assert!(matches!(refused, Err(Error::VersionMismatch { current: 2 })), "{refused:?}");
        let unchanged = tasks.get(task.id).expect("still there");
        assert_eq!((unchanged.version, unchanged.completed), (2, false));

        let task = tasks
            .update_expecting(task.id, &completed(true), &Expect::OneOf(vec![7, 2]))
            .expect("the version it expects");
        assert_eq!((task.version, task.completed), (3, true));
        // An empty patch changes nothing, not even the version.
        let same = tasks.update_expecting(task.id, &patch(serde_json::json!({})), &Expect::OneOf(vec![3]));
        assert_eq!(same.expect("empty patch").version, 3);

        tasks.delete_expecting(task.id, &Expect::OneOf(vec![3])).expect("delete");
        assert!(matches!(tasks.get(task.id), Err(Error::TaskNotFound)));
        let missing = tasks.update_expecting(task.id, &completed(false), &Expect::OneOf(vec![3]));
        assert!(matches!(missing, Err(Error::TaskNotFound)), "{missing:?}");
    }

    fn of_two_changes_expecting_one_version_exactly_one_is_made(store: &Store) {
        let (alice, _) = two_users(store);
        for round in 0..10 {
            let task = create_task(store, alice, serde_json::json!({"title": format!("t{round}")}));
            let barrier = std::sync::Barrier::new(2);
            let outcomes: Vec<Result<i64>> = std::thread::scope(|scope| {
                let racers: Vec<_> = ["left", "right"]
                    .into_iter()
                    .map(|title| {
                        let barrier = &barrier;
                        scope.spawn(move || {
                            barrier.wait();
                            store
                                .tasks(alice)
                                .update_expecting(
                                    task.id,
                                    &patch(serde_json::json!({"title": title})),
                                    &Expect::OneOf(vec![1]),
                                )
                                .map(|task| task.version)
                        })
                    })
                    .collect();
                racers.into_iter().map(|racer| racer.join().expect("racer")).collect()
            });
            let made = outcomes.iter().filter(|outcome| outcome.is_ok()).count();
            let refused = outcomes
                .iter()
                .filter(|outcome| matches!(outcome, Err(Error::VersionMismatch { current: 2 })))
                .count();
            assert_eq!((made, refused), (1, 1), "round {round}: {outcomes:?}");
            assert_eq!(store.tasks(alice).get(task.id).expect("get").version, 2);
        }
    }

    fn the_trash_keeps_a_deleted_task_until_it_is_restored_or_erased(store: &Store) {
        let (alice, bob) = two_users(store);
        let tasks = store.tasks(alice);
        let task = create_task(
            store,
            alice,
            serde_json::json!({"title": "Renew passport", "tags": ["papers"], "due_date": "2030-05-01"}),
        );
        create_task(store, alice, serde_json::json!({"title": "Stay"}));
        tasks.delete(task.id).expect("delete");
        assert!(matches!(tasks.get(task.id), Err(Error::TaskNotFound)));
        assert_eq!(listed(store, alice, ""), ["Stay"]);
        assert!(listed(store, alice, "q=passport").is_empty());
        assert!(tasks.tags().expect("tags").is_empty());

        let trash = tasks.trash(Page::default()).expect("trash");
        assert_eq!(trash.total, 1);
        assert_eq!(trash.tasks[0].task, task);
        assert!(store.tasks(bob).trash(Page::default()).expect("bob's").tasks.is_empty());
        assert!(matches!(store.tasks(bob).restore(task.id), Err(Error::TaskNotFound)));
        assert!(matches!(store.tasks(bob).erase(task.id), Err(Error::TaskNotFound)));

        let restored = tasks.restore(task.id).expect("restore");
        assert_eq!(restored.id, task.id);
        assert_eq!(restored.version, task.version + 1);
        assert_eq!((restored.title.as_str(), &restored.tags), ("Renew passport", &task.tags));
        assert_eq!(restored.due_date, task.due_date);
        assert_eq!(listed(store, alice, "q=passport"), ["Renew passport"]);
        assert_eq!(listed(store, alice, "tag=papers&due=any"), ["Renew passport"]);
        assert_eq!(tasks.trash(Page::default()).expect("trash").total, 0);
        assert!(matches!(tasks.restore(task.id), Err(Error::TaskNotFound)));

        tasks.delete(task.id).expect("delete again");
        tasks.erase(task.id).expect("erase");
        assert_eq!(tasks.trash(Page::default()).expect("trash").total, 0);
        assert!(matches!(tasks.restore(task.id), Err(Error::TaskNotFound)));
        assert!(matches!(tasks.erase(task.id), Err(Error::TaskNotFound)));
    }

    fn following_the_change_feed_reproduces_the_task_set(store: &Store) {
        let (alice, bob) = two_users(store);
        let tasks = store.tasks(alice);
        let mut made = Vec::new();
        for n in 0..7 {
            made.push(create_task(store, alice, serde_json::json!({"title": format!("t{n}")})));
        }
        create_task(store, bob, serde_json::json!({"title": "bob's"}));
        let mut replica = std::collections::BTreeMap::new();
        // A full sync, three changes a page.
        let cursor = sync(store, alice, None, 3, &mut replica);
        assert_eq!(replica, every_task(store, alice));

        // Nothing new: an empty page, the same place.
        let page = tasks.changes(Some(&cursor), 3).expect("changes");
        assert!(page.changes.is_empty() && !page.has_more);

        tasks.update(made[0].id, &completed(true)).expect("update");
        tasks.update(made[0].id, &completed(false)).expect("update");
        tasks.delete(made[1].id).expect("delete");
        tasks.delete(made[2].id).expect("delete");
        tasks.restore(made[2].id).expect("restore");
        tasks.delete(made[3].id).expect("delete");
        tasks.erase(made[3].id).expect("erase");
        create_task(store, alice, serde_json::json!({"title": "new"}));
        let page = tasks.changes(Some(&cursor), 100).expect("changes");
        let upserts = page
            .changes
            .iter()
            .filter_map(|change| match change {
                crate::model::Change::Upsert { task } => Some(task.id),
                _ => None,
            })
            .collect::<Vec<_>>();
        // Changed twice, listed once, in its latest state; in commit order.
        assert_eq!(upserts.len(), 3, "{page:?}");
        assert_eq!(upserts[0], made[0].id);
        let deletes = page.changes.len() - upserts.len();
        assert_eq!(deletes, 2, "{page:?}");
        sync(store, alice, Some(cursor), 2, &mut replica);
        assert_eq!(replica, every_task(store, alice));
    }

    fn a_cursor_from_before_forgotten_deletions_has_expired(store: &Store) {
        let (alice, bob) = two_users(store);
        let tasks = store.tasks(alice);
        let task = create_task(store, alice, serde_json::json!({"title": "old"}));
        let cursor = ChangeCursor::decode(&tasks.changes(None, 10).expect("sync").cursor).expect("cursor");
        tasks.delete(task.id).expect("delete");
        assert_eq!(tasks.changes(Some(&cursor), 10).expect("still known").changes.len(), 1);
        // Another user's cursor is no place in this feed.
        assert!(matches!(store.tasks(bob).changes(Some(&cursor), 10), Err(Error::CursorExpired)));

        // A month later: the trash is emptied and the deletion forgotten.
        let later = chrono::Utc::now() + chrono::Duration::days(31);
        let month = Duration::from_secs(30 * 24 * 3600);
        assert_eq!(store.purge_deleted_as_of(later, month, month).expect("purge"), (1, 1));
        assert!(tasks.trash(Page::default()).expect("trash").tasks.is_empty());
        assert!(matches!(tasks.changes(Some(&cursor), 10), Err(Error::CursorExpired)));
        // A full sync starts over, and its cursor works.
        let fresh = tasks.changes(None, 10).expect("full sync");
        assert!(fresh.changes.is_empty());
        let fresh = ChangeCursor::decode(&fresh.cursor).expect("cursor");
        assert!(tasks.changes(Some(&fresh), 10).expect("from the new cursor").changes.is_empty());
    }

    fn a_create_repeated_with_its_idempotency_key_is_made_once(store: &Store) {
        let (alice, bob) = two_users(store);
        let key = IdempotencyKey::parse("create-42").expect("key");
        let body = crate::wire::TaskCreate::from_json(&serde_json::json!({"title": "Once"})).expect("valid");
        let first = store.tasks(alice).create_once(&body, &key).expect("create");
        let again = store.tasks(alice).create_once(&body, &key).expect("replay");
        assert!(!first.replayed && again.replayed);
        assert_eq!((again.id, &again.body), (first.id, &first.body));
        let replayed = again.task().expect("the replay is a task");
        assert_eq!((replayed.id, replayed.title.as_str()), (first.id, "Once"));
        assert_eq!(replayed, store.tasks(alice).get(first.id).expect("the task"));
        let other = crate::wire::TaskCreate::from_json(&serde_json::json!({"title": "Twice"})).expect("valid");
        let refused = store.tasks(alice).create_once(&other, &key);
        assert!(matches!(refused, Err(Error::Validation(_))), "{refused:?}");
        assert_eq!(listed(store, alice, ""), ["Once"]);
        // Keys are per user.
        let bobs = store.tasks(bob).create_once(&body, &key).expect("bob's create");
        assert!(!bobs.replayed);
        assert_ne!(bobs.id, first.id);
        // A day later the key is free again.
        let later = chrono::Utc::now() + chrono::Duration::hours(25);
        let month = Duration::from_secs(30 * 24 * 3600);
        store.purge_deleted_as_of(later, month, month).expect("purge");
        let fresh = store.tasks(alice).create_once(&other, &key).expect("a new create");
        assert!(!fresh.replayed);
        assert_eq!(listed(store, alice, ""), ["Once", "Twice"]);
    }

    fn a_user_is_found_by_email_in_any_case_and_no_one_else_is(store: &Store) {
        let (alice, _bob) = two_users(store);
        let found = store.user_by_email(" Alice@Example.COM ").expect("lookup");
        assert_eq!(found.map(|user| user.id), Some(alice));
        assert_eq!(store.user_by_email("carol@example.com").expect("lookup"), None);
        let refused = store.user_by_email("not an address").expect_err("not an email");
        assert!(refused.is_validation(), "{refused:?}");
    }
}
