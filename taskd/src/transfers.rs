//! How many imports and exports run at once: a few per user and a few in
//! all. Each holds memory for as long as it runs (an import its parsed
//! document, an export the pages waiting for its client), so past these a
//! request is answered 503 with `Retry-After` before any of that is spent:
//! before an import's body is read, before an export's first page.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use taskcore::UserId;

use crate::problem::ApiError;

/// Exports one user may run at once (two devices backing up together).
pub const EXPORTS_PER_USER: usize = 2;
/// Exports running at once in all.
pub const EXPORTS_AT_ONCE: usize = 4;
/// Imports one user may run at once.
pub const IMPORTS_PER_USER: usize = 1;
/// Imports running at once in all: each may hold a 20 MiB document and
/// what it parses into.
pub const IMPORTS_AT_ONCE: usize = 2;

/// Why a slot was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// The user already runs as many as one user may.
    Yours,
    /// The server runs as many as it takes.
    Everyone,
}

/// The slots of one kind of transfer.
#[derive(Debug)]
pub struct Slots {
    per_user: usize,
    at_once: usize,
    running: Arc<Mutex<Running>>,
}

#[derive(Debug, Default)]
struct Running {
    total: usize,
    by_user: HashMap<UserId, usize>,
}

/// A slot taken: given back when dropped.
#[derive(Debug)]
pub struct Slot {
    user: UserId,
    running: Arc<Mutex<Running>>,
}

impl Slots {
    pub fn new(per_user: usize, at_once: usize) -> Self {
        Self {
            per_user,
            at_once,
            running: Arc::default(),
        }
    }

    /// The exports' slots.
    pub fn exports() -> Self {
        Self::new(EXPORTS_PER_USER, EXPORTS_AT_ONCE)
    }

    /// The imports' slots.
    pub fn imports() -> Self {
        Self::new(IMPORTS_PER_USER, IMPORTS_AT_ONCE)
    }

    /// A slot for `user`, or why not.
    pub fn take(&self, user: UserId) -> Result<Slot, Refusal> {
        let mut running = self
            .running
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let mine = running.by_user.get(&user).copied().unwrap_or(0);
        if mine >= self.per_user {
            return Err(Refusal::Yours);
        }
        if running.total >= self.at_once {
            return Err(Refusal::Everyone);
        }
        running.total += 1;
        running.by_user.insert(user, mine + 1);
        Ok(Slot {
            user,
            running: self.running.clone(),
        })
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut running = self
            .running
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        running.total = running.total.saturating_sub(1);
        if let Some(mine) = running.by_user.get_mut(&self.user) {
            *mine -= 1;
            if *mine == 0 {
                running.by_user.remove(&self.user);
            }
        }
    }
}

/// The thread import documents are parsed and checked on, one at a time
/// in the order they arrive (the other slot's import waits with its body
/// read). Always the same thread, so the memory one import freed is what
/// the next one uses: on tokio's blocking pool each import could land on a
/// thread with a malloc arena of its own, and a burst of imports left a
/// peak per arena behind.
#[derive(Debug, Clone)]
pub struct ImportThread {
    jobs: std::sync::mpsc::SyncSender<Job>,
}

type Job = Box<dyn FnOnce() + Send>;

impl ImportThread {
    pub fn start() -> std::io::Result<Self> {
        // Never more jobs than slots: the queue holds what the slots allow.
        let (jobs, waiting) = std::sync::mpsc::sync_channel::<Job>(IMPORTS_AT_ONCE);
        std::thread::Builder::new()
            .name("import".to_owned())
            .spawn(move || {
                while let Ok(job) = waiting.recv() {
                    job();
                }
            })?;
        Ok(Self { jobs })
    }

    /// Runs `work` on the import thread and waits for it.
    pub async fn run<T, F>(&self, work: F) -> Result<T, ApiError>
    where
        T: Send + 'static,
        F: FnOnce() -> T + Send + 'static,
    {
        let (answer, answered) = tokio::sync::oneshot::channel();
        let job: Job = Box::new(move || {
            let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(work));
            let _ = answer.send(outcome);
        });
        let lost = || {
            ApiError::Domain(taskcore::Error::Internal(
                "the import thread failed".to_owned(),
            ))
        };
        self.jobs.try_send(job).map_err(|_| lost())?;
        match answered.await {
            Ok(Ok(value)) => Ok(value),
            Ok(Err(_)) | Err(_) => Err(lost()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slots_are_limited_per_user_and_in_all_and_come_back_when_dropped() {
        let slots = Slots::new(2, 3);
        let (alice, bob, carol) = (UserId(1), UserId(2), UserId(3));
        let first = slots.take(alice).expect("alice's first");
        let _second = slots.take(alice).expect("alice's second");
        assert_eq!(slots.take(alice).err(), Some(Refusal::Yours));
        let _bobs = slots.take(bob).expect("bob's");
        assert_eq!(slots.take(carol).err(), Some(Refusal::Everyone));
        assert_eq!(slots.take(alice).err(), Some(Refusal::Yours));
        drop(first);
        let _alices = slots.take(alice).expect("alice's again");
        assert_eq!(slots.take(bob).err(), Some(Refusal::Everyone));
    }
}
