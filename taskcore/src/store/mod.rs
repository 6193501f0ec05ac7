//! Owner-scoped storage.
//!
//! [`Store`] holds accounts; task access goes through [`OwnerTasks`], a handle
//! bound to one owner whose every query filters by that owner. A task owned by
//! someone else is indistinguishable from one that does not exist.
//!
//! Every method blocks (database I/O, and bcrypt for accounts): async callers
//! run them on a blocking thread pool.

mod postgres;
mod sqlite;
mod url;

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::auth::PasswordHasher;
use crate::error::{Error, Result, Source, ValidationErrors};
use crate::model::{NewTask, NewUser, PasswordChange, Task, TaskPage, TaskPatch, User};
use crate::session::{Refresh, RefreshToken, RevokeReason, Rotation, hash_refresh_token};
use crate::types::{Email, Page, SessionId, TaskId, UserId};

pub use self::sqlite::Synchronous;
pub use self::url::{DatabaseUrl, SqliteLocation};

/// Tuning shared by the backends.
#[derive(Debug, Clone)]
pub struct StoreOptions {
    /// Largest number of pooled connections.
    pub pool_size: u32,
    /// How long to wait for the database server to accept a connection (PostgreSQL).
    pub connect_timeout: Duration,
    /// Durability of commits (SQLite).
    pub synchronous: Synchronous,
    /// How long a writer waits for another writer's lock before failing (SQLite).
    pub busy_timeout: Duration,
}

impl Default for StoreOptions {
    fn default() -> Self {
        Self {
            pool_size: 8,
            connect_timeout: Duration::from_secs(5),
            synchronous: Synchronous::Normal,
            busy_timeout: Duration::from_secs(5),
        }
    }
}

/// A storage backend: one method per use case, and every task method takes
/// the owner's id and touches only that owner's rows.
///
/// Methods block. Implementations exist for SQLite and PostgreSQL; [`Store`]
/// wraps one and is what callers use.
pub trait Backend: Send + Sync + fmt::Debug {
    /// Checks that the database answers.
    fn ping(&self) -> Result<()>;
    /// Pool occupancy; must not block.
    fn pool_status(&self) -> PoolStatus;
    /// Inserts an account; [`Error::EmailTaken`] when the email is in use,
    /// decided by the database's unique index, not by a prior read.
    fn insert_user(
        &self,
        email: &Email,
        hashed_password: &str,
        created_at: DateTime<Utc>,
    ) -> Result<User>;
    /// The account with this email and its password hash.
    fn user_credentials(&self, email: &Email) -> Result<Option<(User, String)>>;
    /// The account with this id.
    fn user_by_id(&self, id: UserId) -> Result<Option<User>>;
    /// Inserts a task for `owner`, created and updated at `now`.
    fn insert_task(&self, owner: UserId, task: &NewTask, now: DateTime<Utc>) -> Result<Task>;
    /// A page of `owner`'s tasks, oldest (lowest id) first, and their total, from one snapshot.
    fn list_tasks(&self, owner: UserId, page: Page) -> Result<TaskPage>;
    /// One of `owner`'s tasks.
    fn task(&self, owner: UserId, id: TaskId) -> Result<Option<Task>>;
    /// Applies a non-empty patch to one of `owner`'s tasks, setting `updated_at` to `now`.
    fn update_task(
        &self,
        owner: UserId,
        id: TaskId,
        patch: &TaskPatch,
        now: DateTime<Utc>,
    ) -> Result<Option<Task>>;
    /// Deletes one of `owner`'s tasks; false when there was none.
    fn delete_task(&self, owner: UserId, id: TaskId) -> Result<bool>;

    /// The password hash of the account with this id.
    fn password_hash(&self, user: UserId) -> Result<Option<String>>;
    /// Replaces a user's password hash and, in the same transaction, revokes
    /// every other live session of the user; returns how many were revoked.
    fn set_password(
        &self,
        user: UserId,
        hashed_password: &str,
        keep: SessionId,
        now: DateTime<Utc>,
    ) -> Result<u64>;
    /// Deletes an account; its tasks and sessions go with it. False when there was none.
    fn delete_user(&self, user: UserId) -> Result<bool>;

    /// Opens a session for `user` with its first refresh token (stored as
    /// its hash), provided the user's password hash is still `verified_hash`:
    /// a login that raced a password change opens nothing (`None`).
    fn insert_session(
        &self,
        user: UserId,
        verified_hash: &str,
        refresh_hash: &str,
        now: DateTime<Utc>,
        expires_at: DateTime<Utc>,
    ) -> Result<Option<SessionId>>;
    /// In one transaction: finds the refresh token with hash `presented` and
    /// either spends it and stores `next` (expiring at `expires_at`, which
    /// also becomes the session's expiry), or, when it was spent before,
    /// revokes its session, or refuses it (unknown, expired, revoked session).
    fn rotate_refresh_token(
        &self,
        presented: &str,
        next: &str,
        now: DateTime<Utc>,
        expires_at: DateTime<Utc>,
    ) -> Result<Rotation>;
    /// The user of a live (not revoked) session, if `session` is `user`'s.
    fn session_user(&self, user: UserId, session: SessionId) -> Result<Option<User>>;
    /// Revokes one of `user`'s sessions; false when it was not live.
    fn revoke_session(
        &self,
        user: UserId,
        session: SessionId,
        reason: RevokeReason,
        now: DateTime<Utc>,
    ) -> Result<bool>;
    /// Deletes sessions (and their refresh tokens) that expired before
    /// `now`, and expired refresh tokens of live sessions; returns how many
    /// sessions went.
    fn purge_sessions(&self, now: DateTime<Utc>) -> Result<u64>;
}

/// The database: accounts and, through [`Store::tasks`], each owner's tasks.
///
/// Cloning is cheap and shares the connection pool.
#[derive(Clone, Debug)]
pub struct Store {
    backend: Arc<dyn Backend>,
}

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
            DatabaseUrl::Sqlite(location) => {
                Arc::new(sqlite::SqliteStore::open(location, options)?)
            }
            DatabaseUrl::Postgres(url) => Arc::new(postgres::PostgresStore::open(url, options)?),
        };
        Ok(Self { backend })
    }

    /// A store over a backend of your own.
    pub fn with_backend(backend: Arc<dyn Backend>) -> Self {
        Self { backend }
    }

    /// How many pooled connections are in use and idle; does not block.
    pub fn pool_status(&self) -> PoolStatus {
        self.backend.pool_status()
    }

    /// Checks that the database answers.
    pub fn ping(&self) -> Result<()> {
        self.backend.ping()
    }

    /// Creates an account. Fails with [`Error::EmailTaken`] when the email is in use.
    pub fn register_user(&self, new_user: &NewUser, hasher: &PasswordHasher) -> Result<User> {
        let hashed_password = hasher.hash(&new_user.password)?;
        self.backend
            .insert_user(&new_user.email, &hashed_password, now())
    }

    /// Finds the account for a login and checks its password.
    ///
    /// Unknown emails and wrong passwords both give
    /// [`Error::InvalidCredentials`] and take about the same time.
    pub fn authenticate(
        &self,
        email: &str,
        password: &str,
        hasher: &PasswordHasher,
    ) -> Result<User> {
        self.check_credentials(email, password, hasher)
            .map(|(user, _)| user)
    }

    /// Checks a login and opens a session for it: the session's id and its
    /// first refresh token, valid for `refresh_lifetime`. Fails like
    /// [`Store::authenticate`].
    pub fn log_in(
        &self,
        email: &str,
        password: &str,
        hasher: &PasswordHasher,
        refresh_lifetime: Duration,
    ) -> Result<Login> {
        let (user, verified_hash) = self.check_credentials(email, password, hasher)?;
        let now = now();
        let refresh_token = RefreshToken::generate(now + lifetime(refresh_lifetime));
        // The password may have changed since it was checked (bcrypt is
        // slow): then no session is opened, or it would outlive the change.
        let session = self
            .backend
            .insert_session(
                user.id,
                &verified_hash,
                refresh_token.hash(),
                now,
                refresh_token.expires_at(),
            )?
            .ok_or(Error::InvalidCredentials)?;
        Ok(Login {
            user,
            session,
            refresh_token,
        })
    }

    /// The account and its password hash, if `password` is its password.
    fn check_credentials(
        &self,
        email: &str,
        password: &str,
        hasher: &PasswordHasher,
    ) -> Result<(User, String)> {
        let found = match Email::parse(email) {
            Ok(email) => self.backend.user_credentials(&email)?,
            Err(_) => None,
        };
        match found {
            Some((user, hash)) if hasher.verify(password, &hash) => Ok((user, hash)),
            Some(_) => Err(Error::InvalidCredentials),
            None => {
                hasher.verify_dummy(password);
                Err(Error::InvalidCredentials)
            }
        }
    }

    /// The account with this id, if it still exists.
    pub fn user(&self, id: UserId) -> Result<Option<User>> {
        self.backend.user_by_id(id)
    }

    /// Spends a refresh token for the next one of its chain, valid for
    /// `refresh_lifetime`. A token spent before revokes its whole session.
    pub fn refresh_session(&self, presented: &str, refresh_lifetime: Duration) -> Result<Refresh> {
        let now = now();
        let next = RefreshToken::generate(now + lifetime(refresh_lifetime));
        let rotation = self.backend.rotate_refresh_token(
            &hash_refresh_token(presented),
            next.hash(),
            now,
            next.expires_at(),
        )?;
        Ok(match rotation {
            Rotation::Rotated { user, session } => Refresh::Rotated {
                user,
                session,
                refresh_token: next,
            },
            Rotation::Reused { user, session } => Refresh::Reused { user, session },
            Rotation::Refused => Refresh::Refused,
        })
    }

    /// The user behind an access token, if its session is still live.
    pub fn session_user(&self, user: UserId, session: SessionId) -> Result<Option<User>> {
        self.backend.session_user(user, session)
    }

    /// Ends a session: its refresh tokens and access tokens stop working.
    pub fn close_session(&self, user: UserId, session: SessionId) -> Result<()> {
        self.backend
            .revoke_session(user, session, RevokeReason::Logout, now())
            .map(drop)
    }

    /// Changes a user's password after checking the current one, and revokes
    /// every session of the user except `current`, which goes on working.
    /// Returns how many sessions were revoked.
    pub fn change_password(
        &self,
        user: UserId,
        current: SessionId,
        change: &PasswordChange,
        hasher: &PasswordHasher,
    ) -> Result<u64> {
        self.confirm_password(user, &change.current_password, hasher)?;
        if change.new_password.expose() == change.current_password {
            return Err(ValidationErrors::single(
                Source::Body,
                "new_password",
                "value_error",
                "Value error, must differ from the current password",
            )
            .into());
        }
        let hashed = hasher.hash(&change.new_password)?;
        self.backend.set_password(user, &hashed, current, now())
    }

    /// Deletes an account after checking its password; its tasks and sessions go with it.
    pub fn delete_account(
        &self,
        user: UserId,
        password: &str,
        hasher: &PasswordHasher,
    ) -> Result<()> {
        self.confirm_password(user, password, hasher)?;
        self.backend.delete_user(user).map(drop)
    }

    /// Deletes sessions whose last refresh token has expired; returns how many.
    pub fn purge_expired_sessions(&self) -> Result<u64> {
        self.backend.purge_sessions(now())
    }

    /// [`Error::WrongPassword`] unless `password` is the user's password.
    fn confirm_password(
        &self,
        user: UserId,
        password: &str,
        hasher: &PasswordHasher,
    ) -> Result<()> {
        match self.backend.password_hash(user)? {
            Some(hash) if hasher.verify(password, &hash) => Ok(()),
            Some(_) => Err(Error::WrongPassword),
            // The account went away under a valid token.
            None => Err(Error::InvalidToken),
        }
    }

    /// The tasks of one owner. The owner id must come from an authenticated source.
    pub fn tasks(&self, owner: UserId) -> OwnerTasks<'_> {
        OwnerTasks { store: self, owner }
    }
}

/// A successful login: the user, the session it opened and that session's
/// first refresh token.
#[derive(Debug)]
pub struct Login {
    /// Who logged in.
    pub user: User,
    /// The new session.
    pub session: SessionId,
    /// Its first refresh token.
    pub refresh_token: RefreshToken,
}

/// A lifetime as a chrono duration, capped at 100 years.
fn lifetime(duration: Duration) -> chrono::Duration {
    const CAP: Duration = Duration::from_secs(100 * 365 * 24 * 3600);
    chrono::Duration::from_std(duration.min(CAP)).unwrap_or(chrono::Duration::MAX)
}

/// The current time, to the microsecond: the precision both backends store.
fn now() -> DateTime<Utc> {
    let now = Utc::now();
    DateTime::from_timestamp_micros(now.timestamp_micros()).unwrap_or(now)
}

/// Connection pool occupancy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolStatus {
    /// Connections handed out.
    pub in_use: u32,
    /// Connections open and waiting.
    pub idle: u32,
}

impl From<r2d2::State> for PoolStatus {
    fn from(state: r2d2::State) -> Self {
        Self {
            in_use: state.connections.saturating_sub(state.idle_connections),
            idle: state.idle_connections,
        }
    }
}

/// One owner's tasks. No method takes an owner: it is fixed when the handle is made.
#[derive(Debug, Clone, Copy)]
pub struct OwnerTasks<'a> {
    store: &'a Store,
    owner: UserId,
}

impl OwnerTasks<'_> {
    /// The owner these tasks belong to.
    pub fn owner(&self) -> UserId {
        self.owner
    }

    /// Creates a task.
    pub fn create(&self, task: &NewTask) -> Result<Task> {
        self.store.backend.insert_task(self.owner, task, now())
    }

    /// One page of tasks, oldest first, with the owner's total count.
    pub fn list(&self, page: Page) -> Result<TaskPage> {
        self.store.backend.list_tasks(self.owner, page)
    }

    /// One task.
    pub fn get(&self, id: TaskId) -> Result<Task> {
        self.store
            .backend
            .task(self.owner, id)?
            .ok_or(Error::TaskNotFound)
    }

    /// Applies a partial update and returns the task as it is now.
    /// An empty patch changes nothing, not even `updated_at`.
    pub fn update(&self, id: TaskId, patch: &TaskPatch) -> Result<Task> {
        if patch.is_empty() {
            return self.get(id);
        }
        self.store
            .backend
            .update_task(self.owner, id, patch, now())?
            .ok_or(Error::TaskNotFound)
    }

    /// Deletes a task.
    pub fn delete(&self, id: TaskId) -> Result<()> {
        if self.store.backend.delete_task(self.owner, id)? {
            Ok(())
        } else {
            Err(Error::TaskNotFound)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::BCRYPT_MIN_COST;

    fn store_with_two_users() -> (Store, UserId, UserId) {
        let store = Store::open("sqlite://").expect("open");
        let hasher = PasswordHasher::new(BCRYPT_MIN_COST).expect("hasher");
        let alice = store
            .register_user(
                &NewUser::new("alice@example.com", "password-a").expect("valid"),
                &hasher,
            )
            .expect("register");
        let bob = store
            .register_user(
                &NewUser::new("bob@example.com", "password-b").expect("valid"),
                &hasher,
            )
            .expect("register");
        (store, alice.id, bob.id)
    }

    #[test]
    fn owner_cannot_see_update_or_delete_others_task() {
        let (store, alice, bob) = store_with_two_users();
        let task = store
            .tasks(alice)
            .create(&NewTask::new("alice's").expect("valid"))
            .expect("create");
        let bobs = store.tasks(bob);
        assert!(matches!(bobs.get(task.id), Err(Error::TaskNotFound)));
        let patch = TaskPatch {
            completed: Some(true),
            ..TaskPatch::default()
        };
        assert!(matches!(
            bobs.update(task.id, &patch),
            Err(Error::TaskNotFound)
        ));
        assert!(matches!(bobs.delete(task.id), Err(Error::TaskNotFound)));
        assert_eq!(bobs.list(Page::default()).expect("list").total, 0);
        // Untouched for its owner.
        assert!(!store.tasks(alice).get(task.id).expect("get").completed);
    }

    #[test]
    fn duplicate_email_is_a_conflict_whatever_the_case() {
        let (store, _, _) = store_with_two_users();
        let hasher = PasswordHasher::new(BCRYPT_MIN_COST).expect("hasher");
        let again = NewUser::new("ALICE@Example.com", "password-c").expect("valid");
        assert!(matches!(
            store.register_user(&again, &hasher),
            Err(Error::EmailTaken)
        ));
    }

    #[test]
    fn authenticate_matches_email_case_insensitively() {
        let (store, alice, _) = store_with_two_users();
        let hasher = PasswordHasher::new(BCRYPT_MIN_COST).expect("hasher");
        let user = store
            .authenticate(" Alice@EXAMPLE.com", "password-a", &hasher)
            .expect("login");
        assert_eq!(user.id, alice);
        assert!(matches!(
            store.authenticate("alice@example.com", "password-b", &hasher),
            Err(Error::InvalidCredentials)
        ));
        assert!(matches!(
            store.authenticate("nobody@example.com", "password-a", &hasher),
            Err(Error::InvalidCredentials)
        ));
    }

    #[test]
    fn list_pages_oldest_first_with_total() {
        let (store, alice, _) = store_with_two_users();
        let tasks = store.tasks(alice);
        for n in 0..5 {
            tasks
                .create(&NewTask::new(&format!("task {n}")).expect("valid"))
                .expect("create");
        }
        let page = tasks.list(Page::new(1, 2).expect("page")).expect("list");
        assert_eq!(page.total, 5);
        let titles: Vec<_> = page.tasks.iter().map(|t| t.title.as_str()).collect();
        assert_eq!(titles, ["task 1", "task 2"]);
    }

    #[test]
    fn update_changes_only_present_fields_and_moves_updated_at() {
        let (store, alice, _) = store_with_two_users();
        let tasks = store.tasks(alice);
        let mut new_task = NewTask::new("title").expect("valid");
        new_task.description = Some(crate::types::Description::parse("words").expect("valid"));
        let created = tasks.create(&new_task).expect("create");
        let patch = TaskPatch {
            description: Some(None),
            ..TaskPatch::default()
        };
        let updated = tasks.update(created.id, &patch).expect("update");
        assert_eq!(updated.title, "title");
        assert_eq!(updated.description, None);
        assert_eq!(updated.created_at, created.created_at);
        assert!(updated.updated_at >= created.updated_at);
        let unchanged = tasks
            .update(created.id, &TaskPatch::default())
            .expect("empty patch");
        assert_eq!(unchanged, updated);
    }

    const MINUTE: Duration = Duration::from_secs(60);

    /// Logs `email` in with `password`: the session and its refresh token.
    fn log_in(
        store: &Store,
        email: &str,
        password: &str,
        lifetime: Duration,
    ) -> (SessionId, RefreshToken) {
        let hasher = PasswordHasher::new(BCRYPT_MIN_COST).expect("hasher");
        let login = store
            .log_in(email, password, &hasher, lifetime)
            .expect("login");
        (login.session, login.refresh_token)
    }

    #[test]
    fn refresh_rotates_and_a_reused_token_revokes_the_session() {
        let (store, alice, _) = store_with_two_users();
        let (session, first) = log_in(&store, "alice@example.com", "password-a", MINUTE);
        assert!(
            store
                .session_user(alice, session)
                .expect("lookup")
                .is_some()
        );
        let second = match store
            .refresh_session(first.expose(), MINUTE)
            .expect("refresh")
        {
            Refresh::Rotated {
                user,
                session: same,
                refresh_token,
            } => {
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
            Ok(Refresh::Refused)
        ));
        assert!(
            store
                .session_user(alice, session)
                .expect("lookup")
                .is_none()
        );
        assert!(matches!(
            store.refresh_session("tdr_unknown", MINUTE),
            Ok(Refresh::Refused)
        ));
    }

    #[test]
    fn a_login_checked_against_an_old_password_opens_no_session() {
        let (store, alice, _) = store_with_two_users();
        let old_hash = store
            .backend
            .password_hash(alice)
            .expect("hash")
            .expect("user");
        let (current, _) = log_in(&store, "alice@example.com", "password-a", MINUTE);
        store
            .backend
            .set_password(alice, "another hash", current, now())
            .expect("change");
        // As if the password had been checked just before the change.
        let opened = store
            .backend
            .insert_session(alice, &old_hash, "hash of a token", now(), now())
            .expect("insert");
        assert_eq!(opened, None);
        let opened = store
            .backend
            .insert_session(alice, "another hash", "hash of a token", now(), now())
            .expect("insert");
        assert!(opened.is_some());
    }

    #[test]
    fn sessions_belong_to_their_user() {
        let (store, alice, bob) = store_with_two_users();
        let (session, _) = log_in(&store, "alice@example.com", "password-a", MINUTE);
        assert!(store.session_user(bob, session).expect("lookup").is_none());
        store.close_session(bob, session).expect("no-op");
        assert!(
            store
                .session_user(alice, session)
                .expect("lookup")
                .is_some()
        );
        store.close_session(alice, session).expect("close");
        assert!(
            store
                .session_user(alice, session)
                .expect("lookup")
                .is_none()
        );
    }

    #[test]
    fn password_change_keeps_only_the_current_session() {
        let (store, alice, _) = store_with_two_users();
        let hasher = PasswordHasher::new(BCRYPT_MIN_COST).expect("hasher");
        let (current, _) = log_in(&store, "alice@example.com", "password-a", MINUTE);
        let (other, other_refresh) = log_in(&store, "alice@example.com", "password-a", MINUTE);
        let change = |current_password: &str, new_password: &str| PasswordChange {
            current_password: current_password.to_owned(),
            new_password: crate::types::Password::parse(new_password).expect("valid"),
        };
        assert!(matches!(
            store.change_password(alice, current, &change("wrong", "new password"), &hasher),
            Err(Error::WrongPassword)
        ));
        assert!(matches!(
            store.change_password(alice, current, &change("password-a", "password-a"), &hasher),
            Err(Error::Validation(_))
        ));
        let revoked = store
            .change_password(
                alice,
                current,
                &change("password-a", "new password"),
                &hasher,
            )
            .expect("change");
        assert_eq!(revoked, 1);
        assert!(
            store
                .session_user(alice, current)
                .expect("lookup")
                .is_some()
        );
        assert!(store.session_user(alice, other).expect("lookup").is_none());
        assert!(matches!(
            store.refresh_session(other_refresh.expose(), MINUTE),
            Ok(Refresh::Refused)
        ));
        assert!(
            store
                .authenticate("alice@example.com", "new password", &hasher)
                .is_ok()
        );
    }

    #[test]
    fn deleting_an_account_takes_its_tasks_and_sessions() {
        let (store, alice, bob) = store_with_two_users();
        let hasher = PasswordHasher::new(BCRYPT_MIN_COST).expect("hasher");
        store
            .tasks(alice)
            .create(&NewTask::new("mine").expect("valid"))
            .expect("create");
        let (session, refresh) = log_in(&store, "alice@example.com", "password-a", MINUTE);
        assert!(matches!(
            store.delete_account(alice, "password-b", &hasher),
            Err(Error::WrongPassword)
        ));
        store
            .delete_account(alice, "password-a", &hasher)
            .expect("delete");
        assert!(store.user(alice).expect("lookup").is_none());
        assert!(
            store
                .session_user(alice, session)
                .expect("lookup")
                .is_none()
        );
        assert!(matches!(
            store.refresh_session(refresh.expose(), MINUTE),
            Ok(Refresh::Refused)
        ));
        assert_eq!(
            store
                .tasks(alice)
                .list(Page::default())
                .expect("list")
                .total,
            0
        );
        assert!(store.user(bob).expect("lookup").is_some());
    }

    #[test]
    fn expired_sessions_are_purged() {
        let (store, alice, _) = store_with_two_users();
        let (expired, _) = log_in(&store, "alice@example.com", "password-a", Duration::ZERO);
        let (live, _) = log_in(&store, "alice@example.com", "password-a", MINUTE);
        assert_eq!(store.purge_expired_sessions().expect("purge"), 1);
        assert!(
            store
                .session_user(alice, expired)
                .expect("lookup")
                .is_none()
        );
        assert!(store.session_user(alice, live).expect("lookup").is_some());
    }

    #[test]
    fn deleted_ids_are_never_reused() {
        let (store, alice, _) = store_with_two_users();
        let tasks = store.tasks(alice);
        let first = tasks
            .create(&NewTask::new("one").expect("valid"))
            .expect("create");
        tasks.delete(first.id).expect("delete");
        let second = tasks
            .create(&NewTask::new("two").expect("valid"))
            .expect("create");
        assert!(second.id > first.id);
    }
}
