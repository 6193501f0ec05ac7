//! Why a call failed.

/// Why a call failed.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// The server URL is not an http(s) URL.
    #[error("'{0}' is not a server URL: use http://HOST:PORT")]
    InvalidServerUrl(String),
    /// The CA file given to trust cannot be used.
    #[error("cannot use the CA certificate file {path}: {reason}")]
    CaCertificate { path: String, reason: String },
    /// No answer: refused, timed out, unknown host.
    #[error("cannot reach taskd at {server}: {reason}")]
    Unreachable { server: String, reason: String },
    /// 401: no, expired or revoked credentials, or a failed login.
    #[error("{detail}")]
    Unauthorized { detail: String },
    /// 404.
    #[error("{detail}")]
    NotFound { detail: String },
    /// 412: a change guarded by `If-Match` found the task at another version;
    /// nothing changed.
    #[error("{detail}")]
    Changed {
        current: Option<i64>,
        detail: String,
    },
    /// Another 4xx: the request was refused (validation, conflict…).
    #[error("{detail}")]
    Refused { status: u16, detail: String },
    /// 5xx.
    #[error("the server failed ({status}): {detail}")]
    Server { status: u16, detail: String },
    /// A redirect to another origin, not followed: it would carry the
    /// request's body (a password, a refresh token) to another server.
    #[error(
        "{server} redirected to {location}; taskctl follows no redirect to another server, so nothing was sent there (if taskd has moved, use --server with its new address)"
    )]
    Redirected { server: String, location: String },
    /// Redirects within the server that lead back where they began, or
    /// on and on.
    #[error(
        "{server} {reason}; taskctl stopped following them (check --server and the proxy in front of taskd)"
    )]
    RedirectLoop { server: String, reason: String },
    /// The answer was not what the API promises.
    #[error("unexpected answer from {server}: {reason}")]
    InvalidResponse { server: String, reason: String },
}
