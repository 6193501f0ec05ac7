//! What every command works with: the settings given, the saved session,
//! and a client that renews its tokens.

use std::time::Duration;

use taskctl::client::{Client, ClientOptions, Timeouts};
use taskctl::renewal::RenewingClient;
use taskctl::session::{Session, SessionStore};

use crate::cli::Global;
use crate::failure::Failure;
use crate::output::Output;

/// Where to go when neither `--server` nor a session says.
pub const DEFAULT_SERVER: &str = "http://127.0.0.1:8000";
pub(crate) struct Context {
    server_override: Option<String>,
    /// `TASKCTL_TOKEN`: an API token used instead of the saved session.
    api_token: Option<String>,
    pub(crate) sessions: SessionStore,
    client_options: ClientOptions,
    pub(crate) out: Output,
}

impl Context {
    pub(crate) fn new(global: &Global) -> Result<Self, Failure> {
        let sessions = match &global.config_dir {
            Some(directory) => SessionStore::new(directory),
            None => SessionStore::default_location()?,
        };
        let mut client_options = ClientOptions {
            timeouts: Timeouts {
                connect: Duration::from_secs(global.connect_timeout),
                request: Duration::from_secs(global.timeout),
            },
            ..ClientOptions::default()
        };
        if let Some(path) = &global.cacert {
            client_options = client_options.trust_pem_file(path)?;
        }
        let api_token = std::env::var("TASKCTL_TOKEN")
            .ok()
            .map(|token| token.trim().to_owned())
            .filter(|token| !token.is_empty());
        Ok(Self {
            server_override: global.server.clone(),
            api_token,
            sessions,
            client_options,
            out: Output::new(global.json),
        })
    }

    /// `--server`, else the session's server, else the default.
    pub(crate) fn server(&self, session: Option<&Session>) -> String {
        self.server_override
            .clone()
            .or_else(|| session.map(|session| session.server.clone()))
            .unwrap_or_else(|| DEFAULT_SERVER.to_owned())
    }

    pub(crate) fn anonymous_client(&self) -> Result<Client, Failure> {
        let session = self.sessions.load().ok().flatten();
        Ok(Client::new(
            &self.server(session.as_ref()),
            &self.client_options,
        )?)
    }

    /// The saved session, checked against `--server`; with `TASKCTL_TOKEN`
    /// set, that token instead (nothing saved, nothing renewed).
    pub(crate) fn session(&self) -> Result<Session, Failure> {
        if let Some(token) = &self.api_token {
            // The server: --server, else the saved session's, else the default.
            let saved = self.sessions.load().ok().flatten();
            return Ok(Session {
                server: self.server(saved.as_ref()),
                email: TOKEN_NAME.to_owned(),
                token: token.clone(),
                expires_at: chrono::DateTime::<chrono::Utc>::MAX_UTC,
                refresh_token: None,
                refresh_expires_at: None,
            });
        }
        let Some(session) = self.sessions.load()? else {
            return Err(Failure::not_logged_in("not logged in\nrun: taskctl login"));
        };
        let server = self.server(Some(&session));
        let client = Client::new(&server, &self.client_options)?;
        if client.server() != session.server.trim_end_matches('/') {
            return Err(Failure::not_logged_in(format!(
                "not logged in to {server} (the saved session is for {})\nrun: taskctl login --server {server}",
                session.server
            )));
        }
        Ok(session)
    }

    /// A client for the saved session, renewing its tokens as needed.
    pub(crate) fn client(&self) -> Result<Authed<'_>, Failure> {
        self.client_for(self.session()?)
    }

    pub(crate) fn client_for(&self, session: Session) -> Result<Authed<'_>, Failure> {
        Ok(Authed {
            client: RenewingClient::new(&self.sessions, session, &self.client_options)?,
            api_token: self.api_token.is_some(),
        })
    }
}

/// What the session of `TASKCTL_TOKEN` is called where a session's email
/// would be.
const TOKEN_NAME: &str = "TASKCTL_TOKEN";

/// The session's client, for requests whose failures are taskctl's.
pub(crate) struct Authed<'a> {
    client: RenewingClient<'a>,
    /// Whether its credential is `TASKCTL_TOKEN`, which nothing renews.
    api_token: bool,
}

impl<'a> std::ops::Deref for Authed<'a> {
    type Target = RenewingClient<'a>;

    fn deref(&self) -> &Self::Target {
        &self.client
    }
}

impl Authed<'_> {
    pub(crate) fn call<T>(
        &self,
        request: impl Fn(&Client) -> Result<T, Failure>,
    ) -> Result<T, Failure> {
        let answer = self.client.call(request);
        match answer {
            // An API token cannot be renewed: say which credential failed.
            Err(failure)
                if self.api_token && failure.code == crate::failure::exit::NOT_LOGGED_IN =>
            {
                Err(Failure::new(
                    crate::failure::exit::NOT_LOGGED_IN,
                    "TASKCTL_TOKEN was refused: it is revoked, expired or mistyped
                     make a new one with: taskctl token create NAME --scope tasks:write",
                ))
            }
            other => other,
        }
    }
}
