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
        Ok(Self {
            server_override: global.server.clone(),
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

    /// The saved session, checked against `--server`.
    pub(crate) fn session(&self) -> Result<Session, Failure> {
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
        Ok(Authed(RenewingClient::new(
            &self.sessions,
            session,
            &self.client_options,
        )?))
    }
}

/// The session's client, for requests whose failures are taskctl's.
pub(crate) struct Authed<'a>(RenewingClient<'a>);

impl<'a> std::ops::Deref for Authed<'a> {
    type Target = RenewingClient<'a>;

    fn deref(&self) -> &Self::Target {
        &self.0
    }
}

impl Authed<'_> {
    pub(crate) fn call<T>(
        &self,
        request: impl Fn(&Client) -> Result<T, Failure>,
    ) -> Result<T, Failure> {
        self.0.call(request)
    }
}
