//! What went wrong, in one or two lines for people, with an exit code.

use std::fmt;

use taskctl::client::ClientError;
use taskctl::renewal::{self, Refusal, RenewError};
use taskctl::session::SessionError;

/// Exit codes, documented in `--help` and the README.
pub mod exit {
    pub const REFUSED: u8 = 1;
    pub const USAGE: u8 = 2;
    pub const UNREACHABLE: u8 = 3;
    pub const NOT_LOGGED_IN: u8 = 4;
    pub const NOT_FOUND: u8 = 5;
}

/// A failed command.
#[derive(Debug)]
pub struct Failure {
    pub code: u8,
    pub message: String,
}

impl Failure {
    pub fn new(code: u8, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
        }
    }

    pub fn usage(message: impl Into<String>) -> Self {
        Self::new(exit::USAGE, message)
    }

    pub fn not_logged_in(message: impl Into<String>) -> Self {
        Self::new(exit::NOT_LOGGED_IN, message)
    }

    /// A refusal by the server, with what it means for the user added
    /// (`incorrect password; nothing was deleted`); other failures as they are.
    pub fn refused_and(self, consequence: &str) -> Self {
        if self.code == exit::REFUSED {
            Self::new(
                exit::REFUSED,
                format!("{}; {consequence}", self.message.to_lowercase()),
            )
        } else {
            self
        }
    }

    /// A client error about task `id`.
    pub fn for_task(id: i64, error: ClientError) -> Self {
        match error {
            ClientError::NotFound { .. } => {
                Self::new(exit::NOT_FOUND, format!("task {id} not found"))
            }
            other => Self::from(other),
        }
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl From<ClientError> for Failure {
    fn from(error: ClientError) -> Self {
        match error {
            ClientError::InvalidServerUrl(_) | ClientError::CaCertificate { .. } => {
                Self::usage(error.to_string())
            }
            ClientError::Unreachable { ref reason, .. } if reason.contains("certificate") => {
                Self::new(
                    exit::UNREACHABLE,
                    format!(
                        "{error}\nif the server's certificate comes from a private CA, \
                         trust it with --cacert FILE"
                    ),
                )
            }
            ClientError::Unreachable { .. } => {
                Self::new(exit::UNREACHABLE, format!("{error} — is it running?"))
            }
            ClientError::Unauthorized { detail } => match renewal::ended_because(&detail) {
                Some(why) => {
                    Self::not_logged_in(format!("the session has ended: {why}\nrun: taskctl login"))
                }
                None => Self::not_logged_in(
                    "not logged in, or the session has ended\nrun: taskctl login",
                ),
            },
            ClientError::NotFound { detail } => Self::new(exit::NOT_FOUND, detail.to_lowercase()),
            ClientError::Refused { .. }
            | ClientError::Redirected { .. }
            | ClientError::RedirectLoop { .. }
            | ClientError::Changed { .. } => Self::new(exit::REFUSED, error.to_string()),
            ClientError::Server { .. } | ClientError::InvalidResponse { .. } => Self::new(
                exit::REFUSED,
                format!("{error}\ntry again later, or check the server's logs"),
            ),
        }
    }
}

impl From<RenewError> for Failure {
    fn from(error: RenewError) -> Self {
        match error {
            RenewError::Ended { .. } => Self::not_logged_in(format!("{error}\nrun: taskctl login")),
            RenewError::Client(error) => error.into(),
            RenewError::Session(error) => error.into(),
        }
    }
}

impl Refusal for Failure {
    fn is_unauthorized(&self) -> bool {
        self.code == exit::NOT_LOGGED_IN
    }
}

impl From<SessionError> for Failure {
    fn from(error: SessionError) -> Self {
        match error {
            SessionError::Corrupt { .. } => Self::not_logged_in(error.to_string()),
            SessionError::NoConfigDir => Self::usage(error.to_string()),
            SessionError::Io { .. } => Self::new(exit::REFUSED, error.to_string()),
        }
    }
}
