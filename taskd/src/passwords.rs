//! Password work (bcrypt, and the account step it guards) on a pool of its
//! own: a few threads and a bounded queue in front of them.
//!
//! bcrypt is slow on purpose. On the blocking pool shared with every
//! database call, a flood of logins (from many addresses, which per-address
//! limits cannot stop) took the CPU and the threads that reads need:
//! authenticated reads fell from about 11,000 to 250 a second, p99 from
//! 1.8 ms to 83 ms. Here at most `threads` hashes run at once, at most
//! `queue` wait, and past that a request is answered 503 with `Retry-After`
//! at once, before any work, and the connection is closed, so a flooding
//! client pays for a new connection per attempt (HTTP/1.1; an HTTP/2
//! client keeps its connection). The workers hand bcrypt itself to as many
//! threads of the lowest priority, which any request thread preempts; the
//! account's reads and writes stay on the worker, at normal priority.

use std::panic::AssertUnwindSafe;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{Receiver, Sender, channel};
use std::sync::{Arc, Mutex};

use crate::problem::ApiError;

type Job = Box<dyn FnOnce() + Send>;

/// The pool. Cheap to clone; the threads live as long as the process.
#[derive(Clone, Debug)]
pub struct PasswordPool {
    jobs: Sender<Job>,
    /// bcrypt's own work, for the threads of the lowest priority.
    hashes: Sender<Job>,
    /// Jobs running or waiting; never more than `capacity`.
    in_flight: Arc<AtomicUsize>,
    capacity: usize,
}

/// Counts a job out of the pool when it ends, however it ends.
struct Admitted(Arc<AtomicUsize>);

impl Drop for Admitted {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

impl PasswordPool {
    /// `threads` workers behind a queue of `queue` waiting jobs, and as
    /// many threads of the lowest priority for the hashing they hand on.
    pub fn new(threads: usize, queue: usize) -> std::io::Result<Self> {
        let threads = threads.max(1);
        let (jobs, waiting) = channel::<Job>();
        let (hashes, hashing) = channel::<Job>();
        let (waiting, hashing) = (Arc::new(Mutex::new(waiting)), Arc::new(Mutex::new(hashing)));
        let (ready, started) = channel::<()>();
        for number in 0..threads {
            for (name, queue, priority) in [
                ("passwords", waiting.clone(), Priority::Normal),
                ("bcrypt", hashing.clone(), Priority::Lowest),
            ] {
                let ready = ready.clone();
                std::thread::Builder::new()
                    .name(format!("taskd-{name}-{number}"))
                    .spawn(move || work(&queue, priority, &ready))?;
            }
        }
        // Every thread runs at its own priority before the first job comes.
        // (Only the threads hold senders now: one that dies unannounced
        // ends the wait with an error instead of hanging it.)
        drop(ready);
        for _ in 0..threads * 2 {
            started
                .recv()
                .map_err(|_| std::io::Error::other("a password thread did not start"))?;
        }
        Ok(Self {
            jobs,
            hashes,
            in_flight: Arc::new(AtomicUsize::new(0)),
            capacity: threads.saturating_add(queue),
        })
    }

    /// Where the hasher runs bcrypt: on the threads of the lowest priority,
    /// while the worker that asked (which did the account's reads, at
    /// normal priority, and holds no connection now) waits.
    pub fn bcrypt_runner(&self) -> taskcore::BcryptRunner {
        let hashes = self.hashes.clone();
        Arc::new(move |work| {
            let _ = hashes.send(work);
        })
    }

    /// Runs `work` (which checks or hashes a password) on the pool, or
    /// refuses at once with [`ApiError::Overloaded`] when the queue is full.
    pub async fn run<T, F>(&self, work: F) -> Result<T, ApiError>
    where
        T: Send + 'static,
        F: FnOnce() -> taskcore::Result<T> + Send + 'static,
    {
        if self.in_flight.fetch_add(1, Ordering::SeqCst) >= self.capacity {
            self.in_flight.fetch_sub(1, Ordering::SeqCst);
            metrics::counter!(crate::telemetry::PASSWORD_QUEUE_FULL_TOTAL).increment(1);
            return Err(ApiError::Overloaded);
        }
        let admitted = Admitted(self.in_flight.clone());
        let (answer, answered) = tokio::sync::oneshot::channel();
        let job: Job = Box::new(move || {
            let result = work();
            // Out of the count before the caller hears, so its next request
            // finds the room this one left.
            drop(admitted);
            let _ = answer.send(result);
        });
        if self.jobs.send(job).is_err() {
            return Err(internal("the password workers are gone"));
        }
        match answered.await {
            Ok(result) => result.map_err(ApiError::from),
            Err(_) => Err(internal("a password job failed")),
        }
    }
}

/// One thread: takes the next job, runs it, and survives a job's panic (a
/// worker job's caller then gets an internal error; a hash's, a failed
/// hash or a check that does not match).
fn work(waiting: &Mutex<Receiver<Job>>, priority: Priority, ready: &Sender<()>) {
    // The lowest priority for hashing: when a flood keeps every hashing
    // thread busy, the cores still go first to requests that need little.
    if priority == Priority::Lowest
        && let Err(error) = lowest_priority()
    {
        tracing::warn!(
            ?error,
            "cannot lower the priority of a password hashing thread"
        );
    }
    let _ = ready.send(());
    loop {
        let job = {
            let Ok(receiver) = waiting.lock() else { return };
            match receiver.recv() {
                Ok(job) => job,
                Err(_) => return,
            }
        };
        let _ = std::panic::catch_unwind(AssertUnwindSafe(job));
    }
}

/// A thread's scheduling priority.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Priority {
    Normal,
    Lowest,
}

/// On Linux, the idle scheduling policy: a hashing thread runs only on a
/// core no other thread wants, and a request thread that wakes up takes the
/// core from it at once (at nice 19 it waited for the time slice to end).
/// It holds nothing another thread waits for: the account's reads and
/// writes run on the worker that handed the hash on. Under full load
/// logins slow down, their queue fills, and the next ones get a fast 503.
/// Elsewhere, the lowest priority of the normal policy.
fn lowest_priority() -> Result<(), thread_priority::Error> {
    #[cfg(target_os = "linux")]
    {
        use thread_priority::unix::{
            NormalThreadSchedulePolicy, ThreadSchedulePolicy, set_thread_priority_and_policy,
            thread_native_id,
        };
        set_thread_priority_and_policy(
            thread_native_id(),
            thread_priority::ThreadPriority::Min,
            ThreadSchedulePolicy::Normal(NormalThreadSchedulePolicy::Idle),
        )
    }
    #[cfg(not(target_os = "linux"))]
    thread_priority::set_current_thread_priority(thread_priority::ThreadPriority::Min)
}

fn internal(message: &str) -> ApiError {
    ApiError::Domain(taskcore::Error::Internal(message.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn work_runs_on_the_pool_and_a_full_queue_refuses_at_once() {
        let pool = PasswordPool::new(1, 1).expect("pool");
        assert_eq!(pool.run(|| Ok(2 + 2)).await.expect("ran"), 4);
        // Hold the one worker, fill the one queue slot, then one more is refused.
        let (release, released) = std::sync::mpsc::channel::<()>();
        let (started, is_started) = tokio::sync::oneshot::channel::<()>();
        let busy = pool.clone();
        let holding = tokio::spawn(async move {
            busy.run(move || {
                let _ = started.send(());
                let _ = released.recv();
                Ok(())
            })
            .await
        });
        is_started.await.expect("the worker is busy");
        // Each attempt polled once either queues (the queue holds one) or is
        // refused at once; the second at the latest is refused. A queued
        // attempt dropped unpolled leaves its job queued, as a hung-up
        // client's would.
        let mut refused = None;
        for _ in 0..2 {
            let attempt = pool.run(|| Ok(()));
            if let Ok(Err(error)) = tokio::time::timeout(std::time::Duration::ZERO, attempt).await {
                refused = Some(error);
                break;
            }
        }
        assert!(matches!(refused, Some(ApiError::Overloaded)), "{refused:?}");
        release.send(()).expect("release");
        holding.await.expect("task").expect("ran");
    }
}
