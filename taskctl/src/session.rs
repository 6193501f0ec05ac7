//! The saved login: server, email, token and its expiry, in one file.
//!
//! The file lives in the platform's config directory (on Linux
//! `$XDG_CONFIG_HOME/taskctl/session.json`), is readable by its owner only
//! (mode 0600) and is replaced atomically, so a crash never leaves half a file.

use std::fmt;
use std::io::Write;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

const SESSION_FILE: &str = "session.json";

/// A logged-in session.
#[derive(Clone, Serialize, Deserialize)]
pub struct Session {
    /// Server URL the token is valid for.
    pub server: String,
    /// Account email.
    pub email: String,
    /// Bearer token.
    pub token: String,
    /// When the token stops working.
    pub expires_at: DateTime<Utc>,
}

impl fmt::Debug for Session {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Session")
            .field("server", &self.server)
            .field("email", &self.email)
            .field("token", &"<redacted>")
            .field("expires_at", &self.expires_at)
            .finish()
    }
}

impl Session {
    /// True once the token has expired.
    pub fn is_expired(&self) -> bool {
        self.expires_at <= Utc::now()
    }
}

/// Why the session file could not be used.
#[derive(Debug, thiserror::Error)]
pub enum SessionError {
    /// No config directory could be determined.
    #[error("no config directory: set TASKCTL_CONFIG_DIR or --config-dir")]
    NoConfigDir,
    /// Reading, writing or removing failed.
    #[error("{action} {path}: {source}")]
    Io {
        action: &'static str,
        path: PathBuf,
        source: std::io::Error,
    },
    /// The file is not a session.
    #[error("{path} is not a valid session file ({reason}): run taskctl login")]
    Corrupt { path: PathBuf, reason: String },
}

/// Where sessions are kept.
#[derive(Debug, Clone)]
pub struct SessionStore {
    directory: PathBuf,
}

impl SessionStore {
    /// Sessions in `directory`.
    pub fn new(directory: impl Into<PathBuf>) -> Self {
        Self {
            directory: directory.into(),
        }
    }

    /// Sessions in the platform's config directory.
    pub fn default_location() -> Result<Self, SessionError> {
        let dirs =
            directories::ProjectDirs::from("", "", "taskctl").ok_or(SessionError::NoConfigDir)?;
        Ok(Self::new(dirs.config_dir()))
    }

    /// The session file's path.
    pub fn path(&self) -> PathBuf {
        self.directory.join(SESSION_FILE)
    }

    /// The saved session, if there is one.
    pub fn load(&self) -> Result<Option<Session>, SessionError> {
        let path = self.path();
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(source) => {
                return Err(SessionError::Io {
                    action: "cannot read",
                    path,
                    source,
                });
            }
        };
        serde_json::from_str(&text)
            .map(Some)
            .map_err(|error| SessionError::Corrupt {
                path,
                reason: error.to_string(),
            })
    }

    /// Saves `session`, replacing any previous one atomically, readable by the owner only.
    pub fn save(&self, session: &Session) -> Result<(), SessionError> {
        let path = self.path();
        let io = |action: &'static str, source| SessionError::Io {
            action,
            path: path.clone(),
            source,
        };
        create_private_dir(&self.directory)
            .map_err(|source| io("cannot create the directory of", source))?;
        // NamedTempFile is created with mode 0600 and renamed over the old file.
        let mut file = tempfile::NamedTempFile::new_in(&self.directory)
            .map_err(|source| io("cannot write", source))?;
        let json = serde_json::to_vec_pretty(session)
            .map_err(|error| io("cannot write", std::io::Error::other(error)))?;
        file.write_all(&json)
            .map_err(|source| io("cannot write", source))?;
        file.as_file()
            .sync_all()
            .map_err(|source| io("cannot write", source))?;
        file.persist(&path)
            .map_err(|error| io("cannot write", error.error))?;
        Ok(())
    }

    /// Removes the saved session; false when there was none.
    pub fn remove(&self) -> Result<bool, SessionError> {
        let path = self.path();
        match std::fs::remove_file(&path) {
            Ok(()) => Ok(true),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(false),
            Err(source) => Err(SessionError::Io {
                action: "cannot remove",
                path,
                source,
            }),
        }
    }
}

fn create_private_dir(directory: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(directory)
    }
    #[cfg(not(unix))]
    {
        std::fs::create_dir_all(directory)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn session() -> Session {
        Session {
            server: "http://127.0.0.1:8000".into(),
            email: "jane@example.com".into(),
            token: "secret-token".into(),
            expires_at: Utc::now() + chrono::Duration::hours(1),
        }
    }

    #[test]
    fn saved_session_loads_back_and_is_private() {
        let directory = tempfile::tempdir().expect("tempdir");
        let store = SessionStore::new(directory.path().join("nested"));
        assert!(store.load().expect("load").is_none());
        store.save(&session()).expect("save");
        let loaded = store.load().expect("load").expect("a session");
        assert_eq!(loaded.token, "secret-token");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(store.path())
                .expect("metadata")
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        assert!(store.remove().expect("remove"));
        assert!(!store.remove().expect("remove again"));
    }

    #[test]
    fn corrupt_file_says_to_log_in_again() {
        let directory = tempfile::tempdir().expect("tempdir");
        let store = SessionStore::new(directory.path());
        std::fs::write(store.path(), "{not json").expect("write");
        let error = store.load().unwrap_err().to_string();
        assert!(error.contains("run taskctl login"), "{error}");
    }

    #[test]
    fn debug_never_shows_the_token() {
        assert!(!format!("{:?}", session()).contains("secret-token"));
    }
}
