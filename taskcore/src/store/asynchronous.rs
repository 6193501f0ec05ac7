//! The store for async programs (feature `async`): each method returns a
//! future and never blocks the executor. Store operations run on tokio's
//! blocking pool (each queues its own writes where the store has a single
//! writer), and [`AsyncStore::write`] hands a closure to the writer itself
//! where there is one, so callers never choose between the two.
//!
//! ```
//! use taskcore::{AsyncStore, NewTask, NewUser, PasswordHasher, Store, TaskQuery};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), taskcore::Error> {
//! let store = AsyncStore::new(Store::open("sqlite://")?);
//! // Any blocking work, such as an account and its bcrypt hash, runs on
//! // the blocking pool (the registration queues its own write):
//! let jane = store
//!     .run(|store| {
//!         let hasher = PasswordHasher::new(4)?;
//!         store.register_user(&NewUser::new("jane@example.com", "password123")?, &hasher)
//!     })
//!     .await?;
//! // Owned handles: nothing borrows the store across an await.
//! let tasks = store.tasks(jane.id);
//! let milk = tasks.create(NewTask::new("Buy milk")?).await?;
//! let page = tasks.list(TaskQuery::default()).await?;
//! assert_eq!(page.tasks[0].id, milk.id);
//! # Ok(())
//! # }
//! ```
//!
//! Without this feature, the pattern is the same by hand: clone the
//! [`Store`] (cheap) into `tokio::task::spawn_blocking` and make the
//! owner's handle there, and await [`Store::submit`] for writes when
//! [`Store::queues_writes`] says so.

use super::database::Store;
use crate::error::{Error, Result};
use crate::import::ImportReport;
use crate::model::{ChangePage, Expect, NewTask, Task, TaskPage, TaskPatch, TrashPage};
use crate::query::{ChangeQuery, TaskQuery};
use crate::types::{Page, TaskId, UserId};

/// A [`Store`] whose methods are futures. Cheap to clone; must be used
/// inside a tokio runtime.
#[derive(Clone, Debug)]
pub struct AsyncStore {
    store: Store,
}

impl AsyncStore {
    /// The async face of `store`.
    pub fn new(store: Store) -> Self {
        Self { store }
    }

    /// The blocking store underneath.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// Runs `work` on tokio's blocking pool: reads, any store operation
    /// (each one that writes queues itself for the single writer), and slow
    /// work such as bcrypt.
    pub async fn run<T, F>(&self, work: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&Store) -> Result<T> + Send + 'static,
    {
        let store = self.store.clone();
        match tokio::task::spawn_blocking(move || work(&store)).await {
            Ok(result) => result,
            Err(failed) => Err(Error::Internal(format!("blocking work failed: {failed}"))),
        }
    }

    /// Runs `work`, which writes, the way this store writes (see
    /// [`Store::write`]): on a SQLite file, on the single writer itself,
    /// inside its transaction, the answer awaited; elsewhere on the
    /// blocking pool. Nothing slow belongs in it (no bcrypt: every other
    /// write waits for it); use [`AsyncStore::run`] for that.
    pub async fn write<T, F>(&self, work: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&Store) -> Result<T> + Send + 'static,
    {
        if self.store.queues_writes() {
            self.store.submit(work).await
        } else {
            self.run(work).await
        }
    }

    /// One owner's tasks, as an owned handle.
    pub fn tasks(&self, owner: UserId) -> AsyncTasks {
        AsyncTasks {
            store: self.clone(),
            owner,
        }
    }
}

/// One owner's tasks, for async code: [`OwnerTasks`](super::OwnerTasks)'
/// operations as futures. Owned (it holds a clone of the store), so it can
/// be kept and moved across awaits and tasks.
#[derive(Clone, Debug)]
pub struct AsyncTasks {
    store: AsyncStore,
    owner: UserId,
}

impl AsyncTasks {
    /// The owner these tasks belong to.
    pub fn owner(&self) -> UserId {
        self.owner
    }

    /// Creates a task.
    pub async fn create(&self, task: NewTask) -> Result<Task> {
        let owner = self.owner;
        self.store
            .write(move |store| store.tasks(owner).create(&task))
            .await
    }

    /// One task.
    pub async fn get(&self, id: TaskId) -> Result<Task> {
        let owner = self.owner;
        self.store
            .run(move |store| store.tasks(owner).get(id))
            .await
    }

    /// One page of the tasks the query selects.
    pub async fn list(&self, query: TaskQuery) -> Result<TaskPage> {
        let owner = self.owner;
        self.store
            .run(move |store| store.tasks(owner).list(&query))
            .await
    }

    /// Changes a task, if it is at the expected version.
    pub async fn update(&self, id: TaskId, patch: TaskPatch, expect: Expect) -> Result<Task> {
        let owner = self.owner;
        self.store
            .write(move |store| store.tasks(owner).update_expecting(id, &patch, &expect))
            .await
    }

    /// Moves a task to the trash, if it is at the expected version.
    pub async fn delete(&self, id: TaskId, expect: Expect) -> Result<()> {
        let owner = self.owner;
        self.store
            .write(move |store| store.tasks(owner).delete_expecting(id, &expect))
            .await
    }

    /// One page of the trash.
    pub async fn trash(&self, page: Page) -> Result<TrashPage> {
        let owner = self.owner;
        self.store
            .run(move |store| store.tasks(owner).trash(page))
            .await
    }

    /// A page of the change feed, as the query asks.
    pub async fn changes(&self, query: ChangeQuery) -> Result<ChangePage> {
        let owner = self.owner;
        self.store
            .run(move |store| {
                store
                    .tasks(owner)
                    .changes_of(query.since(), query.limit(), query.lists())
            })
            .await
    }

    /// Imports an export document (see [`OwnerTasks::import`](super::OwnerTasks::import)).
    pub async fn import(&self, json: Vec<u8>, dry_run: bool) -> Result<ImportReport> {
        let owner = self.owner;
        // Each page is one write, queued like any other.
        self.store
            .run(move |store| store.tasks(owner).import(&json, dry_run))
            .await
    }
}
