//! The single writer of a SQLite file.
//!
//! SQLite lets one connection write at a time. Writers that meet wait in its
//! busy handler, which sleeps in steps of up to 100 ms: under load that was
//! the shape of the slowest writes. Here one thread owns the only connection
//! that writes, and every write is a job queued for it. The thread takes the
//! jobs waiting in the queue, up to [`BATCH_MAX`], runs them one after the
//! other in one transaction, and commits them together: one commit for a
//! burst of writes. Each caller gets its answer only after that commit, so
//! an acknowledged write is as durable as a write committed on its own.
//! Nothing sleeps: the thread waits on its queue, callers wait on their
//! answer.
//!
//! Jobs run ordinary store code against a [`Store`] whose backend is the
//! writer's connection. Its units of work are as atomic there as anywhere:
//! one statement is atomic by itself, and write work (several statements)
//! runs in a savepoint that it releases, or rolls back when it fails. A
//! store operation is one unit of work, so a job that fails leaves nothing
//! behind and the jobs beside it are committed.
// The single writer serves SQLite files; a PostgreSQL-only build queues nothing.
#![cfg_attr(not(feature = "sqlite"), allow(dead_code))]

use std::fmt;
use std::future::Future;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::Pin;
use std::sync::mpsc;
use std::task::{Context, Poll};

use tokio::sync::oneshot;

use super::database::Store;
use crate::error::{Error, Result};

/// Most jobs committed in one transaction.
const BATCH_MAX: usize = 256;

/// The answer to a write: await it in async code, or [`Pending::wait`] for it.
#[must_use = "the write's answer, including whether it failed"]
pub struct Pending<T> {
    state: State<T>,
}

enum State<T> {
    /// Ran on the caller's thread, or never reached the writer.
    Ready(Option<Result<T>>),
    /// Queued for the writer.
    Queued(oneshot::Receiver<Result<T>>),
}

// Nothing in a `Pending` is pinned: the answer is moved out whole.
impl<T> Unpin for Pending<T> {}

impl<T> fmt::Debug for Pending<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = match self.state {
            State::Ready(_) => "ready",
            State::Queued(_) => "queued",
        };
        f.debug_struct("Pending").field("state", &state).finish()
    }
}

impl<T> Pending<T> {
    pub(super) fn ready(result: Result<T>) -> Self {
        Self {
            state: State::Ready(Some(result)),
        }
    }

    /// Blocks until the answer comes. Not for async code: await it there.
    pub fn wait(self) -> Result<T> {
        match self.state {
            State::Ready(result) => result.unwrap_or_else(|| Err(answered_twice())),
            State::Queued(answer) => answer.blocking_recv().unwrap_or_else(|_| Err(lost())),
        }
    }
}

impl<T> Future for Pending<T> {
    type Output = Result<T>;

    fn poll(mut self: Pin<&mut Self>, context: &mut Context<'_>) -> Poll<Result<T>> {
        match &mut self.state {
            State::Ready(result) => {
                Poll::Ready(result.take().unwrap_or_else(|| Err(answered_twice())))
            }
            State::Queued(answer) => Pin::new(answer)
                .poll(context)
                .map(|answer| answer.unwrap_or_else(|_| Err(lost()))),
        }
    }
}

fn answered_twice() -> Error {
    Error::Internal("a write's answer was taken twice".to_owned())
}

/// The job was dropped unanswered: it panicked, or the writer stopped.
fn lost() -> Error {
    Error::Internal("the database writer failed while running a write".to_owned())
}

/// A queued job, as the writer sees it.
pub(super) trait Job: Send {
    /// Runs the job against the writer's store; the outcome is delivered
    /// after the commit.
    fn run(self: Box<Self>, store: &Store) -> Box<dyn Outcome>;
    /// Answers without running: the transaction could not begin.
    fn refuse(self: Box<Self>, error: &Error);
}

/// A job that ran, waiting for its transaction's commit.
pub(super) trait Outcome: Send {
    /// Answers the caller; `failure` is why the commit failed, if it did.
    fn deliver(self: Box<Self>, failure: Option<&Error>);
}

struct Queued<T, F> {
    work: F,
    answer: oneshot::Sender<Result<T>>,
}

impl<T, F> Job for Queued<T, F>
where
    T: Send + 'static,
    F: FnOnce(&Store) -> Result<T> + Send + 'static,
{
    fn run(self: Box<Self>, store: &Store) -> Box<dyn Outcome> {
        let result = (self.work)(store);
        Box::new(Ran {
            result,
            answer: self.answer,
        })
    }

    fn refuse(self: Box<Self>, error: &Error) {
        let _ = self.answer.send(Err(again(error)));
    }
}

struct Ran<T> {
    result: Result<T>,
    answer: oneshot::Sender<Result<T>>,
}

impl<T: Send> Outcome for Ran<T> {
    fn deliver(self: Box<Self>, failure: Option<&Error>) {
        let result = match (self.result, failure) {
            (Ok(_), Some(failure)) => Err(again(failure)),
            (result, _) => result,
        };
        // The caller may have gone (its client hung up): nothing to tell.
        let _ = self.answer.send(result);
    }
}

/// One failure told to every job it ended.
fn again(error: &Error) -> Error {
    match error {
        Error::Internal(_) | Error::Storage(_) => error.clone(),
        other => Error::storage(other.to_string()),
    }
}

/// The callers' end of a single writer's queue (see [`Store::write`]).
/// Cloning is cheap; the writer stops when the last clone is dropped.
#[derive(Clone)]
pub(crate) struct WriteQueue {
    jobs: mpsc::Sender<Box<dyn Job>>,
}

impl fmt::Debug for WriteQueue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WriteQueue").finish_non_exhaustive()
    }
}

impl WriteQueue {
    /// Queues `work` for the writer.
    pub(super) fn submit<T, F>(&self, work: F) -> Pending<T>
    where
        T: Send + 'static,
        F: FnOnce(&Store) -> Result<T> + Send + 'static,
    {
        let (answer, receiver) = oneshot::channel();
        let job: Box<dyn Job> = Box::new(Queued { work, answer });
        match self.jobs.send(job) {
            Ok(()) => Pending {
                state: State::Queued(receiver),
            },
            Err(_) => Pending::ready(Err(Error::storage(
                "the database writer has stopped".to_owned(),
            ))),
        }
    }
}

/// What the writer needs of its connection besides the store over it.
pub(super) trait Transactions: Send + Sync {
    /// Runs one statement without parameters (BEGIN, SAVEPOINT, COMMIT…).
    fn execute(&self, sql: &str) -> Result<()>;
    /// Whether a transaction is open (SQLite ends one itself on some
    /// errors, such as a full disk).
    fn in_transaction(&self) -> bool;
    /// Told after each commit.
    fn committed(&self) {}
}

/// Starts the writer thread over `connection`, whose store `store` is; it
/// runs until the last [`WriteQueue`] is dropped.
pub(super) fn start(
    store: Store,
    connection: std::sync::Arc<dyn Transactions>,
) -> std::io::Result<WriteQueue> {
    let (jobs, queue) = mpsc::channel();
    std::thread::Builder::new()
        .name("sqlite-writer".to_owned())
        .spawn(move || run(&store, connection.as_ref(), &queue))?;
    Ok(WriteQueue { jobs })
}

fn run(store: &Store, connection: &dyn Transactions, queue: &mpsc::Receiver<Box<dyn Job>>) {
    while let Ok(first) = queue.recv() {
        let mut batch = vec![first];
        while batch.len() < BATCH_MAX {
            match queue.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        commit_batch(store, connection, batch);
    }
}

/// Runs a batch in one transaction and answers every job after the commit.
fn commit_batch(store: &Store, connection: &dyn Transactions, batch: Vec<Box<dyn Job>>) {
    if let Err(error) = connection.execute("BEGIN IMMEDIATE") {
        for job in batch {
            job.refuse(&error);
        }
        return;
    }
    let mut ran: Vec<Box<dyn Outcome>> = Vec::with_capacity(batch.len());
    let mut jobs = batch.into_iter();
    let mut failure = None;
    for job in jobs.by_ref() {
        // A job that panics is dropped with its answer (its caller hears
        // that the write failed; its unit of work rolls back as it unwinds),
        // and the others go on.
        ran.extend(catch_unwind(AssertUnwindSafe(|| job.run(store))).ok());
        if !connection.in_transaction() {
            // SQLite rolled the whole transaction back (a full disk, an I/O
            // error): the jobs that ran before are gone too.
            failure = Some(Error::storage(
                "the database rolled back a batch of writes".to_owned(),
            ));
            break;
        }
    }
    if let Some(error) = &failure {
        for job in jobs {
            job.refuse(error);
        }
    } else {
        match connection.execute("COMMIT") {
            Ok(()) => connection.committed(),
            Err(error) => failure = Some(error),
        }
    }
    if failure.is_some() && connection.in_transaction() {
        // Nothing more to tell: every job hears of the failure below.
        let _ = connection.execute("ROLLBACK");
    }
    for outcome in ran {
        outcome.deliver(failure.as_ref());
    }
}

/// The one place that decides how a store writes: queued for the single
/// writer where there is one, here otherwise. Every store operation that
/// writes goes through [`Store::write`].
impl Store {
    /// Runs `work`, which writes, the way this store writes, and waits for
    /// its answer. On a SQLite file, `work` is queued for the single writer,
    /// which runs it in one transaction with the writes queued beside it
    /// and answers after their commit; elsewhere it runs here, on a pooled
    /// connection. `work` gets the store to write through.
    ///
    /// Each store operation `work` runs is atomic, as anywhere; `work` as a
    /// whole is not one transaction: when it fails after an operation
    /// succeeded, that operation stands, on every backend.
    pub fn write<T, F>(&self, work: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&Store) -> Result<T> + Send + 'static,
    {
        self.submit(work).wait()
    }

    /// Like [`Store::write`], but returns once `work` is queued: await the
    /// answer, or wait for it. A store that does not queue writes (see
    /// [`Store::queues_writes`]) runs `work` here before returning, so
    /// async callers hand that case to a blocking thread.
    pub fn submit<T, F>(&self, work: F) -> Pending<T>
    where
        T: Send + 'static,
        F: FnOnce(&Store) -> Result<T> + Send + 'static,
    {
        match self.backend.write_queue() {
            Some(queue) => queue.submit(work),
            None => Pending::ready(work(self)),
        }
    }
}
