//! The saved login: server, email, access and refresh tokens and their
//! expiries, in one file.
//!
//! The file lives in the platform's config directory (on Linux
//! `$XDG_CONFIG_HOME/taskctl/session.json`), is readable by its owner only
//! (mode 0600) and is replaced atomically, so a crash never leaves half a file.
//! Renewing the tokens happens under a lock file beside it, so two taskctl
//! processes never spend the same refresh token (the server would take that
//! for theft and end the session).

use std::fmt;
use std::io::Write;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use taskcore::Token;

const SESSION_FILE: &str = "session.json";
/// The server and email of the last login, kept after the session ends so
/// that the next login need not ask for the email again.
const LAST_LOGIN_FILE: &str = "last-login.json";
const LOCK_FILE: &str = "session.lock";
/// Longest token lifetime taken from a server.
const MAX_LIFETIME_SECONDS: u64 = 10 * 365 * 24 * 3600;

/// A logged-in session.
#[derive(Clone, Serialize, Deserialize)]
pub struct Session {
    /// Server URL the token is valid for.
    pub server: String,
    /// Account email.
    pub email: String,
    /// Bearer (access) token.
    pub token: String,
    /// When the access token stops working.
    pub expires_at: DateTime<Utc>,
    /// Single-use token that renews the session (absent in sessions saved
    /// by taskctl versions without refresh support).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<String>,
    /// When the refresh token stops working.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refresh_expires_at: Option<DateTime<Utc>>,
}

impl fmt::Debug for Session {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Session")
            .field("server", &self.server)
            .field("email", &self.email)
            .field("token", &"<redacted>")
            .field("expires_at", &self.expires_at)
            .field(
                "refresh_token",
                &self.refresh_token.as_ref().map(|_| "<redacted>"),
            )
            .field("refresh_expires_at", &self.refresh_expires_at)
            .finish()
    }
}

impl Session {
    /// A session from a login or refresh answer, received just now.
    pub fn from_token(server: &str, email: &str, token: Token) -> Self {
        let now = Utc::now();
        // Whatever the server says, at most ten years: no overflow.
        let after = |seconds: u64| {
            let seconds = i64::try_from(seconds.min(MAX_LIFETIME_SECONDS)).unwrap_or_default();
            now + chrono::Duration::seconds(seconds)
        };
        Self {
            server: server.to_owned(),
            email: email.trim().to_lowercase(),
            expires_at: after(token.expires_in),
            refresh_expires_at: Some(after(token.refresh_expires_in)),
            token: token.access_token,
            refresh_token: Some(token.refresh_token),
        }
    }

    /// True once the access token has expired.
    pub fn is_expired(&self) -> bool {
        self.expires_at <= Utc::now()
    }

    /// True when the access token expires within `margin`.
    pub fn expires_within(&self, margin: chrono::Duration) -> bool {
        self.expires_at <= Utc::now() + margin
    }

    /// The refresh token, while it is still valid.
    pub fn usable_refresh_token(&self) -> Option<&str> {
        let live = self
            .refresh_expires_at
            .is_none_or(|expires_at| expires_at > Utc::now());
        self.refresh_token.as_deref().filter(|_| live)
    }
}

/// Held while a session is being renewed; released when dropped.
#[derive(Debug)]
pub struct RenewalLock {
    _file: std::fs::File,
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
        let json = serde_json::to_vec_pretty(session)
            .map_err(|error| io("cannot write", std::io::Error::other(error)))?;
        save_private(&self.directory, &path, &json).map_err(|(action, source)| io(action, source))
    }

    /// Remembers the server and email of a login, for the next login to
    /// reuse. Best effort: a login that cannot remember still logs in.
    pub fn remember_login(&self, server: &str, email: &str) {
        let last = serde_json::json!({ "server": server, "email": email });
        let _ = save_private(
            &self.directory,
            &self.directory.join(LAST_LOGIN_FILE),
            last.to_string().as_bytes(),
        );
    }

    /// Forgets the remembered login (its account is gone).
    pub fn forget_login(&self) {
        let _ = std::fs::remove_file(self.directory.join(LAST_LOGIN_FILE));
    }

    /// The email last logged in with on `server`, if it is remembered.
    pub fn remembered_email(&self, server: &str) -> Option<String> {
        let text = std::fs::read_to_string(self.directory.join(LAST_LOGIN_FILE)).ok()?;
        let last: serde_json::Value = serde_json::from_str(&text).ok()?;
        (last["server"] == server)
            .then(|| last["email"].as_str().map(str::to_owned))
            .flatten()
            .filter(|email| !email.is_empty())
    }

    /// The directory the session (and taskctl's other state) is kept in.
    pub fn directory(&self) -> &Path {
        &self.directory
    }

    /// Waits until no other taskctl is renewing a session, and keeps others
    /// waiting until the returned lock is dropped.
    pub fn lock(&self) -> Result<RenewalLock, SessionError> {
        let path = self.directory.join(LOCK_FILE);
        let io = |action: &'static str, source| SessionError::Io {
            action,
            path: path.clone(),
            source,
        };
        create_private_dir(&self.directory)
            .map_err(|source| io("cannot create the directory of", source))?;
        let file = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(|source| io("cannot open", source))?;
        file.lock().map_err(|source| io("cannot lock", source))?;
        Ok(RenewalLock { _file: file })
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

/// Writes `bytes` to `path` in `directory`, replacing the file atomically,
/// readable by the owner only; on failure, what could not be done and why.
pub(crate) fn save_private(
    directory: &Path,
    path: &Path,
    bytes: &[u8],
) -> Result<(), (&'static str, std::io::Error)> {
    create_private_dir(directory).map_err(|source| ("cannot create the directory of", source))?;
    // NamedTempFile is created with mode 0600 and renamed over the old file.
    let mut file =
        tempfile::NamedTempFile::new_in(directory).map_err(|source| ("cannot write", source))?;
    file.write_all(bytes)
        .map_err(|source| ("cannot write", source))?;
    file.as_file()
        .sync_all()
        .map_err(|source| ("cannot write", source))?;
    file.persist(path)
        .map_err(|error| ("cannot write", error.error))?;
    Ok(())
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
            refresh_token: Some("secret-refresh".into()),
            refresh_expires_at: Some(Utc::now() + chrono::Duration::days(30)),
        }
    }

    #[test]
    fn sessions_saved_without_a_refresh_token_still_load() {
        let directory = tempfile::tempdir().expect("tempdir");
        let store = SessionStore::new(directory.path());
        std::fs::write(
            store.path(),
            r#"{"server":"http://h:1","email":"a@b.c","token":"t","expires_at":"2026-01-01T00:00:00Z"}"#,
        )
        .expect("write");
        let loaded = store.load().expect("load").expect("a session");
        assert!(loaded.is_expired());
        assert_eq!(loaded.usable_refresh_token(), None);
    }

    #[test]
    fn absurd_lifetimes_from_a_server_are_capped() {
        let token: Token = serde_json::from_value(serde_json::json!({
            "access_token": "a", "token_type": "bearer", "expires_in": u64::MAX,
            "refresh_token": "r", "refresh_expires_in": 100_000_000_000_000_000u64,
        }))
        .expect("token");
        let session = Session::from_token("http://h:1", "A@B.c", token);
        assert_eq!(session.email, "a@b.c");
        assert!(session.expires_at > Utc::now() + chrono::Duration::days(3000));
    }

    #[test]
    fn an_expired_refresh_token_is_not_offered() {
        let mut expired = session();
        assert_eq!(expired.usable_refresh_token(), Some("secret-refresh"));
        expired.refresh_expires_at = Some(Utc::now() - chrono::Duration::seconds(1));
        assert_eq!(expired.usable_refresh_token(), None);
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
    fn debug_never_shows_the_tokens() {
        let debug = format!("{:?}", session());
        assert!(
            !debug.contains("secret-token") && !debug.contains("secret-refresh"),
            "{debug}"
        );
    }
}
