//! A client that keeps a saved session alive: before the access token
//! expires, and again if the server refuses it, the session's refresh token
//! is spent for new tokens, which are saved. The user never sees an expiry
//! while the refresh token is valid, and concurrent runs never spend one
//! refresh token twice.

use std::cell::RefCell;

use crate::client::{Client, ClientError, ClientOptions};
use crate::session::{Session, SessionError, SessionStore};

/// An access token this close to expiry is renewed before use.
const RENEW_MARGIN_SECONDS: i64 = 10;

fn renew_margin() -> chrono::Duration {
    chrono::Duration::seconds(RENEW_MARGIN_SECONDS)
}

/// Why the tokens could not be renewed.
#[derive(Debug, thiserror::Error)]
pub enum RenewError {
    /// The session is over: log in again.
    #[error("the session for {email} {why}")]
    Ended { email: String, why: String },
    /// The server could not be asked.
    #[error(transparent)]
    Client(#[from] ClientError),
    /// The session file could not be read, locked or written.
    #[error(transparent)]
    Session(#[from] SessionError),
}

/// An error that may mean "the server refused the access token".
pub trait Refusal {
    /// True when the request was refused for its credentials (401).
    fn is_unauthorized(&self) -> bool;
}

impl Refusal for ClientError {
    fn is_unauthorized(&self) -> bool {
        matches!(self, ClientError::Unauthorized { .. })
    }
}

/// A client with a saved session's tokens, renewed as needed.
#[derive(Debug)]
pub struct RenewingClient<'s> {
    sessions: &'s SessionStore,
    current: RefCell<(Client, Session)>,
}

impl<'s> RenewingClient<'s> {
    /// A client on `session`'s server with its tokens; renewed tokens are
    /// saved in `sessions`.
    pub fn new(
        sessions: &'s SessionStore,
        session: Session,
        options: &ClientOptions,
    ) -> Result<Self, ClientError> {
        let client = Client::new(&session.server, options)?.with_token(&session.token);
        Ok(Self {
            sessions,
            current: RefCell::new((client, session)),
        })
    }

    /// Runs `request`, renewing the tokens first when they are about to
    /// expire, and once more when the server refuses them.
    pub fn call<T, E>(&self, request: impl Fn(&Client) -> Result<T, E>) -> Result<T, E>
    where
        E: From<RenewError> + Refusal,
    {
        let expiring = self.session().expires_within(renew_margin());
        if expiring {
            self.renew()?;
        }
        match request(&self.client()) {
            Err(refused) if refused.is_unauthorized() && !expiring => {
                self.renew()?;
                request(&self.client())
            }
            other => other,
        }
    }

    /// The client with the current tokens.
    pub fn client(&self) -> Client {
        self.current.borrow().0.clone()
    }

    /// The session as it is now (after any renewal).
    pub fn session(&self) -> Session {
        self.current.borrow().1.clone()
    }

    /// Spends the refresh token for new tokens and saves them, under the
    /// renewal lock; adopts the tokens another taskctl saved meanwhile.
    fn renew(&self) -> Result<(), RenewError> {
        let mut mine = self.session();
        let _lock = self.sessions.lock()?;
        // What the file holds now: another taskctl may have renewed while
        // this one waited for the lock (its tokens are the live ones, and
        // this one's refresh token is spent: spending it again would end the
        // session), or logged out, or logged in as someone else.
        let saved = self.sessions.load()?;
        let saved_is_mine = match saved {
            Some(saved) if saved.server == mine.server && saved.email == mine.email => {
                if saved.refresh_token != mine.refresh_token {
                    if !saved.expires_within(renew_margin()) {
                        self.adopt(saved);
                        return Ok(());
                    }
                    mine = saved;
                }
                true
            }
            _ => false,
        };
        let ended = |why: String| RenewError::Ended {
            email: mine.email.clone(),
            why,
        };
        let Some(refresh_token) = mine.usable_refresh_token() else {
            return Err(if mine.is_expired() {
                ended(format!(
                    "expired at {}",
                    mine.expires_at.format("%Y-%m-%d %H:%M UTC")
                ))
            } else {
                ended("has ended".to_owned())
            });
        };
        let token = self
            .client()
            .refresh(refresh_token)
            .map_err(|error| match error {
                // The server says why when it knows.
                ClientError::Unauthorized { detail } => ended(match ended_because(&detail) {
                    Some(why) => format!("has ended: {why}"),
                    None => "has ended (logged out, password changed, or unused for too long)"
                        .to_owned(),
                }),
                other => RenewError::Client(other),
            })?;
        let renewed = Session::from_token(&mine.server, &mine.email, token);
        // Never overwrite a logout or another login made meanwhile: then the
        // new tokens serve this command only.
        if saved_is_mine {
            self.sessions.save(&renewed)?;
        }
        self.adopt(renewed);
        Ok(())
    }

    fn adopt(&self, session: Session) {
        let mut current = self.current.borrow_mut();
        current.0 = current.0.clone().with_token(&session.token);
        current.1 = session;
    }
}

/// Why a session ended, from the server's refusal (`Your session has
/// ended: WHY. Log in again`), made printable.
pub fn ended_because(detail: &str) -> Option<String> {
    let why = detail.strip_prefix("Your session has ended: ")?;
    let why = why.strip_suffix(". Log in again").unwrap_or(why);
    Some(why.chars().filter(|c| !c.is_control()).take(200).collect())
}
