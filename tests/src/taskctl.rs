//! The real taskctl binary, run against a test server.

use std::path::Path;
use std::process::{Command, Stdio};

use serde_json::Value;

use crate::http::unique_email;
use crate::process::{Server, binary};

/// The real taskctl binary with its own config directory, pointed at a server.
#[derive(Debug)]
pub struct Taskctl {
    config: tempfile::TempDir,
    server: String,
    env: Vec<(String, String)>,
}

/// What a taskctl run printed and how it ended.
#[derive(Debug)]
pub struct Run {
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    /// Panics with the output unless the run succeeded.
    pub fn success(self) -> Self {
        assert_eq!(
            self.code,
            Some(0),
            "taskctl failed:\nstdout: {}\nstderr: {}",
            self.stdout,
            self.stderr
        );
        self
    }

    /// Stdout parsed as JSON.
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|error| panic!("stdout is not JSON ({error}):\n{}", self.stdout))
    }
}

impl Taskctl {
    /// A fresh config directory; commands go to `server`.
    pub fn new(server: &Server) -> Self {
        Self::for_url(&server.base)
    }

    /// A fresh config directory; commands go to `url`.
    pub fn for_url(url: &str) -> Self {
        Self {
            config: tempfile::tempdir().expect("config directory"),
            server: url.to_owned(),
            env: Vec::new(),
        }
    }

    /// The same taskctl, run with one more environment variable.
    pub fn with_env(mut self, key: &str, value: &str) -> Self {
        self.env.push((key.to_owned(), value.to_owned()));
        self
    }

    /// Sets an environment variable of the commands run from now on.
    pub fn set_env(&mut self, key: &str, value: &str) {
        self.env.retain(|(existing, _)| existing != key);
        self.env.push((key.to_owned(), value.to_owned()));
    }

    /// Logs in to `email`'s account, as another device would.
    pub fn logged_in(server: &Server, email: &str, password: &str) -> Self {
        let taskctl = Self::new(server);
        taskctl
            .run(
                &["login", "--email", email, "--password-stdin"],
                Some(&format!("{password}\n")),
            )
            .success();
        taskctl
    }

    /// Registers a fresh account with `taskctl register` (which also logs in)
    /// on a fresh config directory; returns it and the account's email.
    pub fn registered(server: &Server, label: &str, password: &str) -> (Self, String) {
        let taskctl = Self::new(server);
        let email = unique_email(label);
        taskctl
            .run(
                &["register", "--email", &email, "--password-stdin"],
                Some(&format!("{password}\n")),
            )
            .success();
        (taskctl, email)
    }

    /// Saves a session for `email` on this taskctl's server, with a token
    /// that does not expire soon, as if it had logged in.
    pub fn save_session(&self, email: &str) {
        let session = serde_json::json!({
            "server": self.server,
            "email": email,
            "token": "a-token-the-fake-server-takes",
            "expires_at": "2999-01-01T00:00:00Z",
        });
        std::fs::write(self.config.path().join("session.json"), session.to_string())
            .expect("write the session");
    }

    /// The config directory.
    pub fn config_dir(&self) -> &Path {
        self.config.path()
    }

    /// A command with a clean environment, this config directory and this server.
    pub fn command(&self) -> Command {
        let mut command = Command::new(binary("taskctl"));
        command
            .env_clear()
            .env("NO_COLOR", "1")
            .env("TASKCTL_CONFIG_DIR", self.config.path())
            .env("TASKCTL_SERVER", &self.server)
            .envs(self.env.iter().map(|(key, value)| (key, value)));
        command
    }

    /// Runs `taskctl ARGS`, feeding `stdin` (or nothing).
    pub fn run(&self, args: &[&str], stdin: Option<&str>) -> Run {
        let mut child = self
            .command()
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start taskctl");
        {
            use std::io::Write;
            let mut input = child.stdin.take().expect("stdin");
            if let Some(text) = stdin {
                // taskctl may exit (a usage error) before reading its input.
                match input.write_all(text.as_bytes()) {
                    Err(error) if error.kind() == std::io::ErrorKind::BrokenPipe => {}
                    written => written.expect("write stdin"),
                }
            }
        }
        let output = child.wait_with_output().expect("wait for taskctl");
        Run {
            code: output.status.code(),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }

    /// Runs taskctl on a terminal of 80 columns (a pseudo-terminal from
    /// `script`), talking to `server`, typing `input`; its exit code and
    /// the screen. Without colour unless the test's environment sets
    /// `NO_COLOR` empty.
    pub fn on_a_terminal(&self, server: &str, args: &[&str], input: &str) -> (Option<i32>, String) {
        use std::io::Write;
        let line = std::iter::once(format!(
            "stty cols 80 rows 24 && exec {}",
            binary("taskctl").display()
        ))
        .chain(args.iter().map(|arg| format!("'{arg}'")))
        .collect::<Vec<_>>()
        .join(" ");
        let mut child = Command::new("script")
            .args(["-q", "-e", "-c", &line, "/dev/null"])
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("NO_COLOR", "1")
            .env("TERM", "dumb")
            .env("TASKCTL_CONFIG_DIR", self.config_dir())
            .env("TASKCTL_SERVER", server)
            .envs(self.env.iter().map(|(key, value)| (key, value)))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("script (util-linux) runs taskctl on a pseudo-terminal");
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(input.as_bytes())
            .expect("type");
        let output = child.wait_with_output().expect("wait");
        (
            output.status.code(),
            String::from_utf8_lossy(&output.stdout).into_owned(),
        )
    }
}
