//! Login sessions and their refresh tokens.
//!
//! A login opens a session. The session hands out a chain of refresh tokens:
//! each refresh spends one and returns the next, and every access token names
//! its session, so revoking the session stops both kinds of token at once.
//! Presenting a spent refresh token again means two parties hold the chain (a
//! thief and the owner): the session is revoked.

use std::fmt;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};

use crate::error::SessionEnd;
use crate::model::User;
use crate::types::{SessionId, UserId};

/// Every refresh token starts with this, so a leaked one is recognisable
/// (by secret scanners, in logs) and never mistaken for an access token.
pub const REFRESH_TOKEN_PREFIX: &str = "tdr_";
/// Random bytes in a refresh token: 256 bits.
const REFRESH_TOKEN_BYTES: usize = 32;

/// A new refresh token: shown to the client once, stored only as its hash.
#[derive(Clone)]
pub struct RefreshToken {
    secret: String,
    hash: String,
    expires_at: DateTime<Utc>,
}

impl fmt::Debug for RefreshToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RefreshToken")
            .field("secret", &"<redacted>")
            .field("expires_at", &self.expires_at)
            .finish_non_exhaustive()
    }
}

impl RefreshToken {
    /// A fresh random token that expires at `expires_at`.
    pub(crate) fn generate(expires_at: DateTime<Utc>) -> Self {
        let random: [u8; REFRESH_TOKEN_BYTES] = rand::random();
        let secret = format!("{REFRESH_TOKEN_PREFIX}{}", URL_SAFE_NO_PAD.encode(random));
        let hash = hash_refresh_token(&secret);
        Self {
            secret,
            hash,
            expires_at,
        }
    }

    /// The token to hand to the client.
    pub fn expose(&self) -> &str {
        &self.secret
    }

    /// When it stops working.
    pub fn expires_at(&self) -> DateTime<Utc> {
        self.expires_at
    }

    /// The hash stored in its place.
    pub(crate) fn hash(&self) -> &str {
        &self.hash
    }
}

/// The SHA-256 of a refresh token, in hex: what the database keeps. A fast
/// hash is enough: the token is 256 random bits, not a guessable password.
pub(crate) fn hash_refresh_token(token: &str) -> String {
    crate::auth::hex(&Sha256::digest(token.as_bytes()))
}

/// A presented refresh token as the database knows it.
#[derive(Debug, Clone)]
pub(crate) struct StoredRefreshToken {
    /// Its row id.
    pub token_id: i64,
    /// The session it belongs to.
    pub session: SessionId,
    /// That session's user.
    pub user: UserId,
    /// When it stops working.
    pub expires_at: DateTime<Utc>,
    /// Whether it was spent by an earlier refresh.
    pub spent: bool,
    /// Whether its session was revoked.
    pub session_revoked: bool,
}

/// What to do with a presented refresh token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Verdict {
    /// Spend it and issue the next one.
    Rotate,
    /// Spent before: revoke the session.
    RevokeChain,
    /// Expired, or its session was revoked: refuse.
    Refuse,
}

impl StoredRefreshToken {
    /// The rules of rotation, shared by every backend.
    pub(crate) fn verdict(&self, now: DateTime<Utc>) -> Verdict {
        if self.session_revoked || self.expires_at <= now {
            Verdict::Refuse
        } else if self.spent {
            Verdict::RevokeChain
        } else {
            Verdict::Rotate
        }
    }
}

/// Why a session was revoked, as recorded in the database.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RevokeReason {
    /// The user logged out.
    Logout,
    /// A spent refresh token was presented again.
    RefreshTokenReuse,
    /// The user changed their password from another session.
    PasswordChanged,
    /// An administrator gave the account a new password.
    PasswordReset,
    /// An administrator disabled the account.
    Disabled,
}

impl RevokeReason {
    /// The stored text.
    pub fn as_str(self) -> &'static str {
        match self {
            RevokeReason::Logout => "logout",
            RevokeReason::RefreshTokenReuse => "refresh token reuse",
            RevokeReason::PasswordChanged => "password changed",
            RevokeReason::PasswordReset => "password reset",
            RevokeReason::Disabled => "account disabled",
        }
    }
}

impl SessionEnd {
    /// The reason as stored with a revoked session.
    pub(crate) fn from_stored(text: &str) -> Option<Self> {
        [
            (RevokeReason::Logout, Self::LoggedOut),
            (RevokeReason::RefreshTokenReuse, Self::RefreshTokenReused),
            (RevokeReason::PasswordChanged, Self::PasswordChanged),
            (RevokeReason::PasswordReset, Self::PasswordReset),
            (RevokeReason::Disabled, Self::AccountDisabled),
        ]
        .into_iter()
        .find(|(stored, _)| stored.as_str() == text)
        .map(|(_, end)| end)
    }
}

/// The outcome of presenting a refresh token.
#[derive(Debug)]
// Exhaustive on purpose: a caller must decide what each outcome of a
// presented refresh token means; a new one must not fall into a `_` arm.
pub enum Refresh {
    /// The token was spent; here is the next one.
    Rotated {
        /// The session's user.
        user: User,
        /// The session, unchanged.
        session: SessionId,
        /// The next refresh token of the chain.
        refresh_token: RefreshToken,
    },
    /// The token had been spent before: the session is now revoked.
    Reused {
        /// The session's user.
        user: UserId,
        /// The revoked session.
        session: SessionId,
    },
    /// The token's session was ended, for this reason.
    Ended(SessionEnd),
    /// Unknown, expired, or of a revoked session whose reason is unknown.
    Refused,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_long_random_and_stored_as_hashes() {
        let expires = Utc::now();
        let one = RefreshToken::generate(expires);
        let two = RefreshToken::generate(expires);
        assert_ne!(one.expose(), two.expose());
        assert!(one.expose().starts_with(REFRESH_TOKEN_PREFIX));
        // 32 bytes in unpadded base64 are 43 characters.
        assert_eq!(one.expose().len(), REFRESH_TOKEN_PREFIX.len() + 43);
        assert_eq!(one.hash(), hash_refresh_token(one.expose()));
        assert_eq!(one.hash().len(), 64);
        assert!(!format!("{one:?}").contains(one.expose()));
    }

    #[test]
    fn verdicts() {
        let now = Utc::now();
        let token = StoredRefreshToken {
            token_id: 1,
            session: SessionId(1),
            user: UserId(1),
            expires_at: now + chrono::Duration::minutes(1),
            spent: false,
            session_revoked: false,
        };
        assert_eq!(token.verdict(now), Verdict::Rotate);
        let spent = StoredRefreshToken {
            spent: true,
            ..token.clone()
        };
        assert_eq!(spent.verdict(now), Verdict::RevokeChain);
        let revoked = StoredRefreshToken {
            spent: true,
            session_revoked: true,
            ..token.clone()
        };
        assert_eq!(revoked.verdict(now), Verdict::Refuse);
        let expired = StoredRefreshToken {
            expires_at: now,
            ..token
        };
        assert_eq!(expired.verdict(now), Verdict::Refuse);
    }
}
