//! What every handler shares, and the one way to run blocking work.

use std::sync::Arc;
use std::time::Duration;

use taskcore::{PasswordHasher, Store, TokenKeys};

use crate::client_address::TrustedProxies;
use crate::limits::Limits;
use crate::passwords::PasswordPool;
use crate::problem::ApiError;

/// Shared by every request. Cloning is cheap.
#[derive(Clone, Debug)]
pub struct AppState {
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
