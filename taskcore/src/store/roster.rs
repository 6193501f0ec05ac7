//! What an administrator's listings show: invitations and accounts.

use chrono::{DateTime, Utc};

use crate::types::UserId;

/// An invitation to register, as listed: never its code.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Invite {
    /// Its id.
    pub id: i64,
    /// The code's first characters, to tell codes apart.
    pub hint: String,
    /// Registrations it still allows.
    pub uses_left: u32,
    /// When it was made.
    pub created_at: DateTime<Utc>,
    /// When it stops working; `None`: never.
    pub expires_at: Option<DateTime<Utc>>,
    /// Whether it was revoked.
    pub revoked: bool,
}

/// An account as an administrator lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct UserSummary {
    /// Its id.
    pub id: UserId,
    /// Its email address.
    pub email: String,
    /// When it registered.
    pub created_at: DateTime<Utc>,
    /// Its tasks, live and trashed.
    pub tasks: u64,
    /// Its live login sessions.
    pub sessions: u64,
    /// Its API tokens.
    pub tokens: u64,
    /// Whether it is disabled.
    pub disabled: bool,
}
