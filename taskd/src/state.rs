//! What every handler shares, and the one way to run blocking work.

use std::sync::Arc;
use std::time::Duration;

use taskcore::{AsyncStore, Expect, PasswordHasher, Store, TokenKeys, UserId};

use crate::bearer::{Access, Bearer};

use crate::client_address::TrustedProxies;
use crate::limits::Limits;
use crate::passwords::PasswordPool;
use crate::problem::ApiError;
use crate::transfers::{ImportThread, Slots};

/// Shared by every request. Cloning is one reference count: warp's filters
/// clone it for every route a request is tried against.
#[derive(Clone, Debug)]
pub struct AppState(Arc<Shared>);

impl AppState {
    pub fn new(shared: Shared) -> Self {
        Self(Arc::new(shared))
    }
}

impl std::ops::Deref for AppState {
    type Target = Shared;

    fn deref(&self) -> &Shared {
        &self.0
    }
}

/// What [`AppState`] holds.
#[derive(Debug)]
pub struct Shared {
    pub store: Store,
    pub hasher: PasswordHasher,
    pub keys: TokenKeys,
    /// How long each refresh token lives.
    pub refresh_lifetime: Duration,
    /// Brute-force limits on password checks and registrations.
    pub limits: Limits,
    /// Reverse proxies whose `X-Forwarded-For` names the client.
    pub trusted_proxies: Arc<TrustedProxies>,
    /// The versioned API prefix, such as `/api/v1`, for `Location` and `Link` headers.
    pub api_prefix: Arc<str>,
    /// How long a request body may take to arrive once its head is in.
    pub body_read_timeout: Duration,
    /// How long a response may wait for a client that reads nothing; an
    /// export's grace before its pace is checked.
    pub send_stall_timeout: Duration,
    /// Whether task changes must carry `If-Match` (428 otherwise).
    pub require_if_match: bool,
    /// Who may register.
    pub registration: crate::settings::Registration,
    /// Imports running at once, per user and in all: their documents (up
    /// to 20 MiB each, several times that once parsed) never add up.
    pub imports: Slots,
    /// Exports running at once, per user and in all.
    pub exports: Slots,
    /// Where import documents are parsed.
    pub import_thread: ImportThread,
    /// Where password checks and hashes run: a bounded pool of their own.
    pub passwords: PasswordPool,
}

/// Runs database or bcrypt work on tokio's blocking pool, never on the
/// executor threads that serve requests.
pub async fn blocking<T, F>(work: F) -> Result<T, ApiError>
where
    T: Send + 'static,
    F: FnOnce() -> taskcore::Result<T> + Send + 'static,
{
    match tokio::task::spawn_blocking(work).await {
        Ok(result) => result.map_err(ApiError::from),
        Err(join_error) => Err(ApiError::Domain(taskcore::Error::Internal(format!(
            "blocking task failed: {join_error}"
        )))),
    }
}

impl AppState {
    /// Reads as the bearer, in one hop to a blocking thread: the session
    /// is checked there, then `work` runs with the user's id.
    pub async fn read<T, F>(&self, bearer: Bearer, work: F) -> Result<T, ApiError>
    where
        T: Send + 'static,
        F: FnOnce(&Store, UserId) -> taskcore::Result<T> + Send + 'static,
    {
        AsyncStore::new(self.store.clone())
            .run(move |store| {
                let user = bearer.user(store, Access::Read)?;
                work(store, user.id)
            })
            .await
            .map_err(ApiError::from)
    }

    /// Writes as the bearer, the way the store writes (taskcore's
    /// `AsyncStore::write`). On a SQLite file the work is queued straight
    /// for the single writer, which checks the session inside the write's
    /// transaction: no blocking thread in between. Otherwise it is one hop
    /// to a blocking thread, as for [`AppState::read`].
    pub async fn write<T, F>(&self, bearer: Bearer, work: F) -> Result<T, ApiError>
    where
        T: Send + 'static,
        F: FnOnce(&Store, UserId) -> taskcore::Result<T> + Send + 'static,
    {
        AsyncStore::new(self.store.clone())
            .write(move |store| {
                let user = bearer.user(store, Access::Write)?;
                work(store, user.id)
            })
            .await
            .map_err(ApiError::from)
    }

    /// Answers `error` (a refused body or query) once the bearer is known
    /// to be allowed `access`: a revoked session is told 401, and a token
    /// without the scope 403, first, as they would be with a good body.
    pub async fn refuse<T>(
        &self,
        bearer: Bearer,
        access: Access,
        error: ApiError,
    ) -> Result<T, ApiError> {
        AsyncStore::new(self.store.clone())
            .run(move |store| bearer.user(store, access).map(drop))
            .await
            .map_err(ApiError::from)?;
        Err(error)
    }

    /// Answers `error` (a refused body) in the order RFC 9110 (13.2.2)
    /// gives: once the bearer may write, a resource whose current version
    /// `expect` does not admit is 412 first, and the body is judged only
    /// under a condition that holds. `version` reads that version (`None`:
    /// nothing there, and the body is judged as without a condition).
    pub async fn refuse_content<T, F>(
        &self,
        bearer: Bearer,
        expect: Expect,
        version: F,
        error: ApiError,
    ) -> Result<T, ApiError>
    where
        F: FnOnce(&Store, UserId) -> taskcore::Result<Option<i64>> + Send + 'static,
    {
        if matches!(expect, Expect::Any) {
            return self.refuse(bearer, Access::Write, error).await;
        }
        let current = AsyncStore::new(self.store.clone())
            .run(move |store| {
                let user = bearer.user(store, Access::Write)?;
                version(store, user.id)
            })
            .await
            .map_err(ApiError::from)?;
        match current {
            Some(current) if !expect.admits(current) => {
                Err(ApiError::Domain(taskcore::Error::VersionMismatch {
                    current,
                }))
            }
            _ => Err(error),
        }
    }
}
