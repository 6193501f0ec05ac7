//! What a storage backend provides: units of work over accounts and
//! sessions, and units of work bound to one owner's tasks. Each method is one
//! statement in the backend's dialect; the operations made of several
//! (rotation, login, password change, purge) are written once, in
//! `accounts.rs` and `tasks.rs`, over these.

use std::fmt;

use chrono::{DateTime, Utc};

use super::backup::BackupReport;
use super::options::PoolStatus;
use super::roster::{Invite, UserSummary};
use super::writer::WriteQueue;
use crate::api_tokens::{ApiToken, ApiTokenId, Scopes};
use crate::error::Result;
use crate::export::ExportedTask;
use crate::model::{
    Change, Completion, Expect, ListPatch, NewList, NewTask, ObjectEntry, Origin, Series,
    StoredObject, TagCount, Task, TaskList, TaskPatch, TrashedTask, User,
};
use crate::planning::Zone;
use crate::query::TaskQuery;
use crate::session::{RevokeReason, StoredRefreshToken};
use crate::types::{ListId, SessionId, TaskId, UserId};
use crate::wire::SessionInfo;

/// When a unit of task work happens and in which zone: what derived columns
/// (completion time, due keys) and the date filters depend on besides the
/// body or the query.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Context {
    /// The time of the change or the listing.
    pub now: DateTime<Utc>,
    /// The owner's time zone (UTC when the work does not need it).
    pub zone: Zone,
    /// When a completion this change makes happened, when its client kept
    /// that (a CalDAV app done offline); `now` otherwise.
    pub done_at: Option<DateTime<Utc>>,
}

impl Context {
    /// At `now`, in `zone`.
    pub fn at(now: DateTime<Utc>, zone: Zone) -> Self {
        Self {
            now,
            zone,
            done_at: None,
        }
    }

    /// The time a completion in this change is recorded at: the client's,
    /// never later than now.
    pub fn completion_time(&self) -> DateTime<Utc> {
        self.done_at.map_or(self.now, |at| at.min(self.now))
    }
}

/// How a unit of work meets the others running at the same time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mode {
    /// One statement, atomic on its own: no transaction around it.
    Statement,
    /// Several reads that see one snapshot.
    Snapshot,
    /// Reads and writes as one atomic step. SQLite takes the write lock at
    /// the start; PostgreSQL locks the rows it reads for change.
    Write,
}

/// A storage backend. Methods block: async callers run them on a blocking
/// thread pool. Implementations exist for SQLite and PostgreSQL; [`Store`]
/// wraps one and is what callers use.
///
/// [`Store`]: super::Store
pub(crate) trait Backend: Send + Sync + fmt::Debug {
    /// Checks that the database answers.
    fn ping(&self) -> Result<()>;
    /// Pool occupancy; must not block.
    fn pool_status(&self) -> PoolStatus;
    /// Starts a unit of work on accounts and sessions.
    fn accounts(&self, mode: Mode) -> Result<Box<dyn AccountWork + '_>>;
    /// Starts a unit of work on `owner`'s tasks: every statement it runs is
    /// filtered by that owner, and none of its methods takes another.
    fn tasks(&self, owner: UserId, mode: Mode) -> Result<Box<dyn TaskWork + '_>>;
    /// The queue of the single thread that runs this backend's writes, if
    /// it has one (a SQLite file); without one, writes run on the caller's
    /// thread.
    fn write_queue(&self) -> Option<&WriteQueue> {
        None
    }
    /// Brute-force counters kept in the database, shared by every process
    /// on it; `None` where each process counts on its own (SQLite).
    fn shared_limits(&self) -> Option<&dyn SharedLimits> {
        None
    }
    /// Writes a checked copy of the database to `target` (replacing it).
    fn backup(&self, _target: &std::path::Path) -> Result<BackupReport> {
        Err(crate::Error::Conflict(
            "taskd backup copies SQLite files; back PostgreSQL up with pg_dump \
             (pg_dump --format=custom DATABASE_URL > tasks.dump)"
                .to_owned(),
        ))
    }
}

/// A stored API token, as a request presenting it is checked against.
#[derive(Debug, Clone)]
pub(crate) struct StoredApiToken {
    pub id: ApiTokenId,
    pub user: UserId,
    pub scopes: Scopes,
    pub expires_at: Option<DateTime<Utc>>,
    pub last_used_at: Option<DateTime<Utc>>,
}

/// Counters in the database: GCRA on wall-clock time, one statement each.
pub(crate) trait SharedLimits {
    /// Counts one for `key` when its arrival time is at most
    /// `tolerance_micros` ahead of `now`; otherwise that time.
    fn take(
        &self,
        key: &str,
        now: DateTime<Utc>,
        interval_micros: i64,
        tolerance_micros: i64,
    ) -> Result<Option<DateTime<Utc>>>;
    /// Undoes one take.
    fn give_back(&self, key: &str, now: DateTime<Utc>, interval_micros: i64) -> Result<()>;
    /// Forgets a key.
    fn forget(&self, key: &str) -> Result<()>;
    /// Forgets every key that has fully recovered.
    fn purge(&self, now: DateTime<Utc>) -> Result<u64>;
}

/// Statements on API tokens, within a unit of account work.
pub(crate) trait TokenWork {
    /// How many unexpired tokens `user` has, the account row locked (on
    /// PostgreSQL) against a concurrent count until the work ends.
    fn count_api_tokens(&mut self, user: UserId, now: DateTime<Utc>) -> Result<u64>;
    /// Stores a token (its hash).
    fn insert_api_token(
        &mut self,
        user: UserId,
        name: &str,
        scopes: Scopes,
        token_hash: &str,
        now: DateTime<Utc>,
        expires_at: Option<DateTime<Utc>>,
    ) -> Result<ApiToken>;
    /// `user`'s tokens, oldest first.
    fn api_tokens(&mut self, user: UserId) -> Result<Vec<ApiToken>>;
    /// Deletes one of `user`'s tokens; false when `user` has none with that id.
    fn delete_api_token(&mut self, user: UserId, id: ApiTokenId) -> Result<bool>;
    /// The token with this hash, if any.
    fn api_token(&mut self, token_hash: &str) -> Result<Option<StoredApiToken>>;
    /// Records a use at `now`, unless one was recorded in the minute before.
    fn touch_api_token(&mut self, id: ApiTokenId, now: DateTime<Utc>) -> Result<()>;
}

/// Statements of an administrator's commands, within a unit of account work.
pub(crate) trait AdminWork {
    /// Stores an invitation (its code's hash).
    fn insert_invite(
        &mut self,
        code_hash: &str,
        hint: &str,
        uses: u32,
        now: DateTime<Utc>,
        expires_at: Option<DateTime<Utc>>,
    ) -> Result<Invite>;
    /// Every invitation, oldest first.
    fn invites(&mut self) -> Result<Vec<Invite>>;
    /// Revokes an invitation; false when there is none to revoke.
    fn revoke_invite(&mut self, code_hash: &str, now: DateTime<Utc>) -> Result<bool>;
    /// Revokes an invitation by its id; false when there is none to revoke.
    fn revoke_invite_by_id(&mut self, id: i64, now: DateTime<Utc>) -> Result<bool>;
    /// Takes one use of a live invitation; false when there is none left.
    fn take_invite(&mut self, code_hash: &str, now: DateTime<Utc>) -> Result<bool>;
    /// Every account with its counts.
    fn user_summaries(&mut self, now: DateTime<Utc>) -> Result<Vec<UserSummary>>;
    /// Disables an account (at `disabled_at`) or enables it (`None`).
    fn set_disabled(&mut self, user: UserId, disabled_at: Option<DateTime<Utc>>) -> Result<bool>;
    /// Replaces an account's password hash, unconditionally.
    fn set_password_hash(&mut self, user: UserId, hashed_password: &str) -> Result<bool>;
    /// Deletes every API token of an account; returns how many.
    fn delete_api_tokens(&mut self, user: UserId) -> Result<u64>;
}

/// Statements on accounts and sessions, within one unit of work. Dropped
/// without [`AccountWork::commit`], the work is rolled back.
pub(crate) trait AccountWork: TokenWork + AdminWork {
    /// Inserts an account; [`Error::EmailTaken`](crate::Error::EmailTaken)
    /// when the email is in use, decided by the database's unique index.
    fn insert_user(
        &mut self,
        email: &str,
        hashed_password: &str,
        timezone: &str,
        created_at: DateTime<Utc>,
    ) -> Result<User>;
    /// The account with this (normalised) email and its password hash.
    fn user_credentials(&mut self, email: &str) -> Result<Option<(User, String)>>;
    /// The account with this id, unless it is disabled.
    fn user(&mut self, id: UserId) -> Result<Option<User>>;
    /// Whether the account is disabled.
    fn is_disabled(&mut self, user: UserId) -> Result<bool>;
    /// The password hash of an account.
    fn password_hash(&mut self, user: UserId) -> Result<Option<String>>;
    /// Replaces an account's password hash, provided it is still
    /// `verified_hash` and `session` is still a live session of the account;
    /// false otherwise (then nothing changed).
    fn replace_password_hash(
        &mut self,
        user: UserId,
        session: SessionId,
        verified_hash: &str,
        hashed_password: &str,
    ) -> Result<bool>;
    /// Deletes an account; its tasks and sessions go with it. False when there was none.
    fn delete_user(&mut self, user: UserId) -> Result<bool>;

    /// Opens a session for `user`, provided its password hash is still
    /// `verified_hash`; `None` otherwise. Holds off a concurrent password
    /// change until the work commits.
    fn insert_session(
        &mut self,
        user: UserId,
        verified_hash: &str,
        client: &str,
        now: DateTime<Utc>,
        expires_at: DateTime<Utc>,
    ) -> Result<Option<SessionId>>;
    /// Stores a refresh token (its hash) of a session.
    fn insert_refresh_token(
        &mut self,
        session: SessionId,
        token_hash: &str,
        now: DateTime<Utc>,
        expires_at: DateTime<Utc>,
    ) -> Result<()>;
    /// Whether a refresh token with this hash was ever issued (and not yet
    /// purged); takes no lock.
    fn refresh_token_exists(&mut self, token_hash: &str) -> Result<bool>;
    /// The refresh token with this hash, locked against concurrent rotation
    /// until the work ends.
    fn refresh_token(&mut self, token_hash: &str) -> Result<Option<StoredRefreshToken>>;
    /// Marks a refresh token spent.
    fn spend_refresh_token(&mut self, token_id: i64, now: DateTime<Utc>) -> Result<()>;
    /// Moves a session's expiry.
    /// Moves a session's expiry; the refresh at `now` is its latest use.
    fn extend_session(
        &mut self,
        session: SessionId,
        expires_at: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<()>;
    /// `user`'s live sessions (not revoked, not expired at `now`), oldest first.
    fn live_sessions(&mut self, user: UserId, now: DateTime<Utc>) -> Result<Vec<SessionInfo>>;
    /// The user of a live (not revoked) session, if `session` is `user`'s.
    fn session_user(&mut self, user: UserId, session: SessionId) -> Result<Option<User>>;
    /// The stored reason `user`'s `session` was revoked, if it was.
    fn session_end(&mut self, user: UserId, session: SessionId) -> Result<Option<String>>;
    /// Revokes one live session of `user`; false when there was none.
    fn revoke_session(
        &mut self,
        user: UserId,
        session: SessionId,
        reason: RevokeReason,
        now: DateTime<Utc>,
    ) -> Result<bool>;
    /// Revokes every live session of `user`; returns how many.
    fn revoke_all_sessions(
        &mut self,
        user: UserId,
        reason: RevokeReason,
        now: DateTime<Utc>,
    ) -> Result<u64>;
    /// Revokes every live session of `user` but `keep`; returns how many.
    fn revoke_other_sessions(
        &mut self,
        user: UserId,
        keep: SessionId,
        reason: RevokeReason,
        now: DateTime<Utc>,
    ) -> Result<u64>;
    /// Deletes sessions (and their tokens) that expired before `now`; returns how many.
    fn delete_expired_sessions(&mut self, now: DateTime<Utc>) -> Result<u64>;
    /// Deletes refresh tokens that expired before `now`; returns how many.
    fn delete_expired_refresh_tokens(&mut self, now: DateTime<Utc>) -> Result<u64>;
    /// Erases the tasks trashed before `trashed_before` and forgets the
    /// deletions made before `deleted_before` (write work); returns how
    /// many of each.
    fn purge_deleted(
        &mut self,
        trashed_before: DateTime<Utc>,
        deleted_before: DateTime<Utc>,
    ) -> Result<(u64, u64)>;
    /// Forgets idempotency keys used before `before`; returns how many.
    fn purge_idempotency_keys(&mut self, before: DateTime<Utc>) -> Result<u64>;
    /// Makes the work durable and visible.
    fn commit(self: Box<Self>) -> Result<()>;
}

/// Statements on one owner's lists, within a unit of task work.
pub(crate) trait ListWork {
    /// The owner's lists, by position then id, with their counts.
    fn lists(&mut self) -> Result<Vec<TaskList>>;
    /// One list, with its counts.
    fn one_list(&mut self, id: ListId) -> Result<Option<TaskList>>;
    /// The owner's default list.
    fn default_list(&mut self) -> Result<ListId>;
    /// Whether `id` is one of the owner's lists; in write work, it then
    /// cannot be deleted until the work ends.
    fn holds_list(&mut self, id: ListId) -> Result<bool>;
    /// The owner's list with this name, ignoring case.
    fn list_named(&mut self, name: &str) -> Result<Option<ListId>>;
    /// Makes a list (after the last unless placed); a name the owner has
    /// already is a conflict.
    fn insert_list(&mut self, list: &NewList, now: DateTime<Utc>) -> Result<TaskList>;
    /// Changes a list at a version `expect` admits.
    fn update_list(
        &mut self,
        id: ListId,
        patch: &ListPatch,
        expect: &Expect,
        now: DateTime<Utc>,
    ) -> Result<TaskList>;
    /// Deletes a list at a version `expect` admits: not the default one,
    /// and one with live tasks only with `trash_tasks`, which moves them to
    /// the trash first. Returns how many went to the trash.
    fn delete_list(
        &mut self,
        id: ListId,
        expect: &Expect,
        trash_tasks: bool,
        now: DateTime<Utc>,
    ) -> Result<u64>;
}

/// Statements on one owner's repeating tasks, within a unit of task work.
pub(crate) trait RepeatWork {
    /// Moves a repeating task at a version `expect` admits to its next
    /// occurrence without recording a completion.
    fn skip(&mut self, id: TaskId, expect: &Expect, context: Context) -> Result<Task>;
    /// Takes back the newest completed occurrence of a repeating task at a
    /// version `expect` admits: the task is open again at that
    /// occurrence's due, and its series counts it no more.
    fn uncomplete(&mut self, id: TaskId, expect: &Expect, context: Context) -> Result<Task>;
    /// A page of a live task's completed occurrences, newest first, and how
    /// many there are.
    fn completions(
        &mut self,
        id: TaskId,
        page: crate::types::Page,
    ) -> Result<(u64, Vec<Completion>)>;
    /// Gives task `id`, just imported, the history an export kept: its
    /// completed occurrences (newest first) and, for a repeating task,
    /// where its series stands. Its version stays as it is.
    fn restore_history(
        &mut self,
        id: TaskId,
        completions: &[Completion],
        series: Option<Series>,
    ) -> Result<()>;
}

/// CalDAV's statements on one owner's calendars (its lists), within a
/// unit of task work.
pub(crate) trait CalendarWork {
    /// The path segments clients chose for the owner's lists (a list not
    /// named here is at its id).
    fn calendar_names(&mut self) -> Result<Vec<(ListId, String)>>;
    /// The list at path segment `segment`: the one a client named so, or
    /// the list with that id when no client named it.
    fn list_at(&mut self, segment: &str) -> Result<Option<ListId>>;
    /// Names list `list`'s calendar `name` (a checked segment); a name
    /// another of the owner's calendars has is a conflict.
    fn name_calendar(&mut self, list: ListId, name: &str) -> Result<()>;
}

/// A task as CalDAV serves it: the task, whether a client wrote its
/// object, and the UID its object names as its parent (the live parent's,
/// else one not known yet).
#[derive(Debug)]
pub(crate) struct ServedTask {
    pub task: Task,
    pub written: bool,
    pub parent_uid: Option<String>,
}

/// CalDAV's statements on one owner's tasks, within a unit of task work.
pub(crate) trait ObjectWork {
    /// The live task of list `list` whose resource is named `name`: the
    /// name its client gave, or its UID with ".ics" when no client wrote it.
    fn object_named(&mut self, list: ListId, name: &str) -> Result<Option<TaskId>>;
    /// The live task with UID `uid`.
    fn live_with_uid(&mut self, uid: &str) -> Result<Option<TaskId>>;
    /// Keeps `object` for task `id`, replacing what was kept.
    fn store_object(&mut self, id: TaskId, object: &StoredObject) -> Result<()>;
    /// The tasks whose parent is the UID `uid`, not known when they came.
    fn waiting_for(&mut self, uid: &str) -> Result<Vec<TaskId>>;
    /// Task `id`'s parent is known now (or no longer awaited).
    fn stop_waiting(&mut self, id: TaskId) -> Result<()>;
    /// Live tasks `ids` of list `list` as CalDAV serves them, a few
    /// hundred to a statement; an id not live in that list is left out.
    fn served(&mut self, list: ListId, ids: &[TaskId]) -> Result<Vec<ServedTask>>;
    /// The object a client last wrote for task `id`, if one did.
    fn written_object(&mut self, id: TaskId) -> Result<Option<String>>;
    /// The live tasks of list `list` as resources, by id.
    fn calendar(&mut self, list: ListId) -> Result<Vec<ObjectEntry>>;
    /// The resource name of task `id`, live or trashed.
    fn name_of(&mut self, id: TaskId) -> Result<Option<String>>;
}

/// Statements on one owner's tasks, within one unit of work. Dropped without
/// [`TaskWork::commit`], the work is rolled back.
pub(crate) trait TaskWork: ListWork + RepeatWork + ObjectWork + CalendarWork {
    /// The owner's time zone; in write work, held against a concurrent
    /// change until the work ends.
    fn zone(&mut self) -> Result<Zone>;
    /// Changes the owner's time zone and the due keys that depend on it.
    fn set_zone(&mut self, zone: Zone) -> Result<User>;
    /// Inserts a task, created and updated at the context's time, or as
    /// its origin (an import) says.
    fn insert(&mut self, task: &NewTask, context: Context, origin: Option<&Origin>)
    -> Result<Task>;
    /// How many tasks match the query's filters.
    fn count(&mut self, query: &TaskQuery, context: Context) -> Result<u64>;
    /// The query's page of matching tasks, in its order, each with its
    /// stored due key; `many` tells that the filters select many tasks (a
    /// hint for the plan).
    fn list(
        &mut self,
        query: &TaskQuery,
        context: Context,
        many: bool,
    ) -> Result<Vec<(Task, Option<DateTime<Utc>>)>>;
    /// One task.
    fn get(&mut self, id: TaskId) -> Result<Option<Task>>;
    /// Applies a patch to a task at a version `expect` admits, sets
    /// `updated_at` to the context's time and bumps the version.
    /// [`Error::TaskNotFound`](crate::Error::TaskNotFound) or
    /// [`Error::VersionMismatch`](crate::Error::VersionMismatch) otherwise.
    fn update(
        &mut self,
        id: TaskId,
        patch: &TaskPatch,
        context: Context,
        expect: &Expect,
    ) -> Result<Task>;
    /// The owner's tags with their counts, by name.
    fn tag_counts(&mut self) -> Result<Vec<TagCount>>;
    /// Moves a task at a version `expect` admits to the trash (write work).
    fn trash(&mut self, id: TaskId, expect: &Expect, now: DateTime<Utc>) -> Result<()>;
    /// Puts a trashed task back, its version bumped (write work).
    fn restore(&mut self, id: TaskId, now: DateTime<Utc>) -> Result<Task>;
    /// Erases a trashed task for good; the change feed keeps its deletion
    /// (write work).
    fn erase(&mut self, id: TaskId) -> Result<()>;
    /// How many tasks the trash holds, and one page of them, newest
    /// deletion first.
    fn trashed(&mut self, page: crate::types::Page) -> Result<(u64, Vec<TrashedTask>)>;
    /// The owner's change counter and the newest change number whose
    /// deletion has been forgotten.
    fn change_counter(&mut self) -> Result<(i64, i64)>;
    /// The first `rows` changes after change `since`, each with its number,
    /// in change order; deletions only when `deletions`.
    fn changes(
        &mut self,
        since: i64,
        rows: i64,
        deletions: bool,
        lists: bool,
    ) -> Result<Vec<(i64, Change)>>;
    /// Up to `rows` tasks, live and trashed, by id after `after`; trashed
    /// ones with when they were deleted; each with its history.
    fn exported(&mut self, after: TaskId, rows: i64) -> Result<Vec<ExportedTask>>;
    /// The live task that came from this source, if any.
    fn live_from_source(&mut self, source: &str) -> Result<Option<TaskId>>;
    /// Whether a task (live, trashed or erased) came from this source.
    fn source_known(&mut self, source: &str) -> Result<bool>;
    /// Whether the owner has task `id`, live or in the trash.
    fn holds(&mut self, id: TaskId) -> Result<bool>;
    /// The owner's email.
    fn owner_email(&mut self) -> Result<String>;
    /// The create remembered under an idempotency key since `since`: the
    /// request it was (normalised), the task's id and the answer given.
    fn remembered_create(
        &mut self,
        key: &str,
        since: DateTime<Utc>,
    ) -> Result<Option<(String, TaskId, String)>>;
    /// Remembers a create under an idempotency key, replacing one
    /// remembered before `since`; false when a create since then holds the
    /// key.
    fn remember_create(
        &mut self,
        key: &str,
        request: &str,
        task: &Task,
        response: &str,
        since: DateTime<Utc>,
    ) -> Result<bool>;
    /// Makes the work durable and visible.
    fn commit(self: Box<Self>) -> Result<()>;
}
