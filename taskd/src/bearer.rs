//! Who a verified access token names: a user and a login session.

use taskcore::{Error, SessionId, Store, User, UserId};

/// A bearer token whose signature and expiry are good: the user it names
/// and its session. Whether that session is still live is for the
/// database to say: [`AppState::read`] and [`AppState::write`] ask it in
/// the same hop as the work they run, and nothing else reads the user.
#[derive(Debug, Clone, Copy)]
pub struct Bearer {
    user: UserId,
    session: SessionId,
}

impl Bearer {
    /// The bearer of a token whose signature and expiry were checked.
    pub fn new(user: UserId, session: SessionId) -> Self {
        Self { user, session }
    }

    /// The token's login session.
    pub fn session(&self) -> SessionId {
        self.session
    }

    /// The user the token names; for logs, before its session is checked.
    pub fn claimed_user(&self) -> UserId {
        self.user
    }

    /// The user, if the token's session is live. One indexed lookup: the
    /// token may outlive its session (logout, password change, theft) or
    /// its account.
    pub fn session_user(&self, store: &Store) -> taskcore::Result<User> {
        store
            .session_user(self.user, self.session)?
            .ok_or(Error::InvalidToken)
    }
}
