//! Who a request comes from: a user, and the credential it presented (a
//! login session's access token, or a personal API token and its scopes),
//! and what each route lets a credential do.

use taskcore::api_tokens::{Scope, Scopes};
use taskcore::{Error, SessionId, Store, User, UserId};

/// What a verified credential is.
#[derive(Debug, Clone, Copy)]
pub enum Credential {
    /// An access token of a login session: whatever the user may do, while
    /// the session is live.
    Session(SessionId),
    /// A personal API token, found in the database: what its scopes allow.
    Token(Scopes),
}

/// What a route lets a credential do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Read tasks and what belongs to them: a session, or `tasks:read`.
    Read,
    /// Change tasks and what belongs to them: a session, or `tasks:write`.
    Write,
    /// Manage the account, its sessions and its tokens: a session only.
    Session,
}

/// A bearer whose credential is good: an access token whose signature and
/// expiry were checked, or an API token found in the database. Whether a
/// session is still live is for the database to say: [`AppState::read`]
/// and [`AppState::write`] ask it in the same hop as the work they run.
///
/// [`AppState::read`]: crate::state::AppState::read
/// [`AppState::write`]: crate::state::AppState::write
#[derive(Debug, Clone, Copy)]
pub struct Bearer {
    user: UserId,
    credential: Credential,
}

impl Bearer {
    /// The bearer of an access token whose signature and expiry were checked.
    pub fn session(user: UserId, session: SessionId) -> Self {
        Self {
            user,
            credential: Credential::Session(session),
        }
    }

    /// The bearer of an API token found in the database.
    pub fn token(user: UserId, scopes: Scopes) -> Self {
        Self {
            user,
            credential: Credential::Token(scopes),
        }
    }

    /// The login session, for a session's access token.
    pub fn login_session(&self) -> Option<SessionId> {
        match self.credential {
            Credential::Session(session) => Some(session),
            Credential::Token(_) => None,
        }
    }

    /// The user the credential names; for logs, before it is checked.
    pub fn claimed_user(&self) -> UserId {
        self.user
    }

    /// The user, if the credential is still good and may do `access`. One
    /// indexed lookup: an access token may outlive its session (logout,
    /// password change, theft) or its account. A token without the scope
    /// is refused (403) before anything is read.
    pub fn user(&self, store: &Store, access: Access) -> taskcore::Result<User> {
        match self.credential {
            Credential::Session(session) => match store.session_user(self.user, session)? {
                Some(user) => Ok(user),
                // Refused: say why the session ended, when it is known.
                // A failed lookup of the reason still refuses, without one.
                None => Err(store
                    .session_end(self.user, session)
                    .ok()
                    .flatten()
                    .map_or(Error::InvalidToken, Error::SessionEnded)),
            },
            Credential::Token(scopes) => {
                allowed(scopes, access)?;
                store.user(self.user)?.ok_or(Error::InvalidToken)
            }
        }
    }
}

/// Whether a token with `scopes` may do `access`; 403 naming what it lacks.
fn allowed(scopes: Scopes, access: Access) -> taskcore::Result<()> {
    let needed = match access {
        Access::Read => Scope::TasksRead,
        Access::Write => Scope::TasksWrite,
        Access::Session => {
            return Err(Error::Forbidden(
                "This needs a login session: no API token scope allows it. Log in with your \
                 password (taskctl login) to manage your account, sessions and tokens"
                    .to_owned(),
            ));
        }
    };
    if scopes.allows(needed) {
        return Ok(());
    }
    let only_caldav = scopes.contains(Scope::Caldav) && scopes.list().len() == 1;
    Err(Error::Forbidden(if only_caldav {
        format!(
            "This API token has only the scope caldav, for CalDAV apps; the REST API needs \
             {needed}"
        )
    } else {
        format!("This API token lacks the scope {needed}")
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_allow_what_they_name_and_write_implies_read() {
        let read = Scopes::default().with(Scope::TasksRead);
        let write = Scopes::default().with(Scope::TasksWrite);
        let caldav = Scopes::default().with(Scope::Caldav);
        assert!(allowed(read, Access::Read).is_ok());
        assert!(allowed(write, Access::Read).is_ok());
        assert!(allowed(write, Access::Write).is_ok());
        let refused = allowed(read, Access::Write).expect_err("read only");
        assert!(refused.to_string().contains("tasks:write"), "{refused}");
        let refused = allowed(caldav, Access::Read).expect_err("caldav only");
        assert!(refused.to_string().contains("caldav"), "{refused}");
        assert!(allowed(write.with(Scope::TasksRead), Access::Session).is_err());
    }
}
