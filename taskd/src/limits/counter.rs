//! The counting: one governor limiter per limit, keyed by email hash or
//! address, in this process; or, on PostgreSQL, in the database for every
//! instance (each attempt one statement on the blocking pool; should the
//! database not answer, this process counts on its own meanwhile, and a
//! give-back is sent and not waited for).

use std::collections::HashMap;
use std::fmt;
use std::hash::Hash;
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use governor::clock::{Clock, MonotonicClock};
use governor::middleware::NoOpMiddleware;
use governor::nanos::Nanos;
use governor::state::StateStore;
use governor::state::keyed::ShrinkableKeyedStateStore;
use governor::{Quota, RateLimiter};
use taskcore::Store;

/// A limit: at most `count` in any `per`, recovering one every `per / count`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limit {
    pub count: NonZeroU32,
    pub per: Duration,
}

impl Limit {
    fn quota(self) -> Quota {
        let interval = self.per / self.count.get();
        Quota::with_period(interval.max(Duration::from_millis(1)))
            .unwrap_or_else(|| Quota::per_second(self.count))
            .allow_burst(self.count)
    }
}

impl fmt::Display for Limit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} per {}",
            self.count,
            humantime::format_duration(self.per)
        )
    }
}

/// Too many attempts: retry after this long.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryAfter(pub Duration);

impl RetryAfter {
    /// Whole seconds, rounded up, at least 1: the `Retry-After` header.
    pub fn seconds(self) -> u64 {
        let seconds = self.0.as_secs() + u64::from(self.0.subsec_nanos() > 0);
        seconds.max(1)
    }
}

/// What a counter's keys are: an email's hash or an address, written out
/// for the database.
pub(super) trait LimitKey: Hash + Eq + Clone {
    /// The key as text.
    fn text(&self) -> String;
}

impl LimitKey for [u8; 32] {
    fn text(&self) -> String {
        self.iter().map(|byte| format!("{byte:02x}")).collect()
    }
}

impl LimitKey for IpAddr {
    fn text(&self) -> String {
        self.to_string()
    }
}

/// One governor limiter and the cells it keeps, shared so that single keys
/// can be given back or forgotten.
pub(super) struct Counter<K: Hash + Eq + Clone> {
    limiter: RateLimiter<K, Cells<K>, MonotonicClock, NoOpMiddleware<std::time::Instant>>,
    cells: Cells<K>,
    /// How much one attempt advances a key's state.
    interval: Nanos,
    /// What the limit counts, naming its keys in the database.
    name: &'static str,
    limit: Limit,
    /// Where every instance's counts are kept (PostgreSQL); `None`: here.
    shared: Option<Store>,
}

impl<K: LimitKey> fmt::Debug for Counter<K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Counter")
            .field("keys", &self.cells.len())
            .finish_non_exhaustive()
    }
}

impl<K: LimitKey> Counter<K> {
    pub(super) fn arc(name: &'static str, limit: Limit, shared: Option<Store>) -> Arc<Self> {
        let quota = limit.quota();
        let cells = Cells::default();
        Arc::new(Self {
            limiter: RateLimiter::new(quota, cells.clone(), MonotonicClock),
            cells,
            interval: Nanos::from(quota.replenish_interval()),
            name,
            limit,
            shared,
        })
    }

    /// Counts one for `key`, or says how long until it may.
    pub(super) async fn take(&self, key: &K) -> Result<(), RetryAfter> {
        if let Some(store) = &self.shared
            && let Some(verdict) = shared_take(store, self.name, self.limit, key).await
        {
            return verdict;
        }
        self.take_here(key)
    }

    /// [`take`](Self::take) in this process's counts.
    fn take_here(&self, key: &K) -> Result<(), RetryAfter> {
        self.limiter
            .check_key(key)
            .map_err(|not_until| RetryAfter(not_until.wait_time_from(MonotonicClock.now())))
    }

    /// Undoes one [`take`](Self::take).
    pub(super) fn give_back(&self, key: &K) {
        if let Some(store) = &self.shared {
            shared_give_back(store, self.name, self.limit, key);
        }
        self.cells
            .update(key, |state| state.saturating_sub(self.interval));
    }

    /// Forgets everything counted for `key`.
    pub(super) fn forget(&self, key: &K) {
        if let Some(store) = &self.shared {
            shared_forget(store, self.name, key);
        }
        self.cells.lock().remove(key);
    }

    pub(super) fn retain_recent(&self) {
        self.limiter.retain_recent();
    }
}

/// The counting state: per key, governor's theoretical arrival time.
struct Cells<K>(Arc<Mutex<HashMap<K, Nanos>>>);

impl<K> Clone for Cells<K> {
    fn clone(&self) -> Self {
        Self(self.0.clone())
    }
}

impl<K> Default for Cells<K> {
    fn default() -> Self {
        Self(Arc::default())
    }
}

impl<K: Hash + Eq> Cells<K> {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<K, Nanos>> {
        // The map holds plain numbers: a panic elsewhere cannot leave it inconsistent.
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn update(&self, key: &K, change: impl FnOnce(Nanos) -> Nanos) {
        if let Some(state) = self.lock().get_mut(key) {
            *state = change(*state);
        }
    }
}

impl<K: Hash + Eq + Clone> StateStore for Cells<K> {
    type Key = K;

    fn measure_and_replace<T, F, E>(&self, key: &K, f: F) -> Result<T, E>
    where
        F: Fn(Option<Nanos>) -> Result<(T, Nanos), E>,
    {
        let mut cells = self.lock();
        let (outcome, next) = f(cells.get(key).copied())?;
        cells.insert(key.clone(), next);
        Ok(outcome)
    }
}

impl<K: Hash + Eq + Clone> ShrinkableKeyedStateStore<K> for Cells<K> {
    fn retain_recent(&self, drop_below: Nanos) {
        self.lock().retain(|_, state| *state >= drop_below);
    }

    fn len(&self) -> usize {
        self.lock().len()
    }

    fn is_empty(&self) -> bool {
        self.lock().is_empty()
    }
}

/// The key of `key` under the limit `name`.
fn key_of<K: LimitKey>(name: &str, key: &K) -> String {
    format!("{name}:{}", key.text())
}

/// The interval one attempt takes up: the limit's period over its count.
fn interval(limit: Limit) -> std::time::Duration {
    limit.per / limit.count.get()
}

/// Counts one for `key` in the database; `None` when it could not be asked.
async fn shared_take<K: LimitKey>(
    store: &Store,
    name: &str,
    limit: Limit,
    key: &K,
) -> Option<Result<(), RetryAfter>> {
    let (store, key) = (store.clone(), key_of(name, key));
    let asked = tokio::task::spawn_blocking(move || {
        let counters = store.shared_limits()?;
        Some(counters.take(&key, interval(limit), limit.count.get()))
    })
    .await;
    match asked {
        Ok(Some(Ok(verdict))) => Some(verdict.map_err(RetryAfter)),
        Ok(Some(Err(error))) => {
            tracing::warn!(error = %error, "shared limits unavailable; counting here");
            None
        }
        Ok(None) | Err(_) => None,
    }
}

/// Undoes one take of `key`, without waiting.
fn shared_give_back<K: LimitKey>(store: &Store, name: &str, limit: Limit, key: &K) {
    let (store, key) = (store.clone(), key_of(name, key));
    spawn(move || {
        if let Some(counters) = store.shared_limits() {
            let _ = counters.give_back(&key, interval(limit));
        }
    });
}

/// Forgets `key`, without waiting.
fn shared_forget<K: LimitKey>(store: &Store, name: &str, key: &K) {
    let (store, key) = (store.clone(), key_of(name, key));
    spawn(move || {
        if let Some(counters) = store.shared_limits() {
            let _ = counters.forget(&key);
        }
    });
}

/// Runs `work` on the blocking pool when there is a runtime (there always
/// is while serving).
fn spawn(work: impl FnOnce() + Send + 'static) {
    if let Ok(runtime) = tokio::runtime::Handle::try_current() {
        runtime.spawn_blocking(work);
    }
}
