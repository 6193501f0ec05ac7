//! The taskd process: started on port 0, ready when it says so, stopped with its test.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc::{Receiver, channel};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::SECRET_KEY;
use crate::backend::{Backend, PostgresDatabase, current_backend};

/// How long a server may take to start or stop before a test fails.
const PROCESS_TIMEOUT: Duration = Duration::from_secs(60);

/// Path of a binary built by this workspace (`cargo test --workspace` builds it).
pub fn binary(name: &str) -> PathBuf {
    let test_exe = std::env::current_exe().expect("current test executable");
    // target/<profile>/deps/<test> → target/<profile>/<name>
    let profile_dir = test_exe
        .parent()
        .and_then(Path::parent)
        .expect("test executable lives in target/<profile>/deps");
    let path = profile_dir.join(format!("{name}{}", std::env::consts::EXE_SUFFIX));
    assert!(
        path.exists(),
        "{} is missing: run the tests with `cargo test --workspace` so the binary is built",
        path.display()
    );
    path
}

/// A `taskd` command with a clean environment: no inherited settings, no `.env`.
pub fn taskd_command(working_dir: &Path) -> Command {
    let mut command = Command::new(binary("taskd"));
    command
        .env_clear()
        .current_dir(working_dir)
        .env("NO_COLOR", "1")
        .env("RUST_LOG", "info");
    command
}

/// Options for starting a server.
#[derive(Debug, Clone)]
pub struct ServerOptions {
    env: Vec<(String, String)>,
    /// The CA (PEM) the tests' clients trust when taskd serves HTTPS.
    trust: Option<String>,
}

impl Default for ServerOptions {
    fn default() -> Self {
        Self {
            env: vec![
                ("HOST".into(), "127.0.0.1".into()),
                ("PORT".into(), "0".into()),
                ("BCRYPT_COST".into(), "4".into()),
                ("SECRET_KEY".into(), SECRET_KEY.into()),
                // Tests register and fail logins from one address far more
                // often than people do; the limits have tests of their own.
                ("LOGIN_LIMIT_PER_EMAIL".into(), "off".into()),
                ("LOGIN_LIMIT_PER_ADDRESS".into(), "off".into()),
                ("REGISTER_LIMIT_PER_ADDRESS".into(), "off".into()),
            ],
            trust: None,
        }
    }
}

impl ServerOptions {
    /// Sets (or overrides) one environment variable.
    pub fn env(mut self, key: &str, value: &str) -> Self {
        self.env.retain(|(existing, _)| existing != key);
        self.env.push((key.into(), value.into()));
        self
    }

    /// Serves HTTPS with this certificate and key; the tests' clients
    /// (`Server::client`) trust `ca_pem`.
    pub fn https(self, certificate: &Path, key: &Path, ca_pem: &str) -> Self {
        let mut options = self
            .env("TLS_CERT_FILE", certificate.to_str().expect("UTF-8 path"))
            .env("TLS_KEY_FILE", key.to_str().expect("UTF-8 path"));
        options.trust = Some(ca_pem.to_owned());
        options
    }

    /// Leaves one environment variable unset, so taskd uses its default.
    pub fn unset(mut self, key: &str) -> Self {
        self.env.retain(|(existing, _)| existing != key);
        self
    }
}

/// A running taskd.
#[derive(Debug)]
pub struct Server {
    /// `None` once the process has been waited for.
    child: Option<Child>,
    /// `http://127.0.0.1:PORT` (or `https://`)
    pub base: String,
    /// `http://127.0.0.1:PORT/api/v1`
    pub api: String,
    logs: Arc<Mutex<Vec<String>>>,
    log_lines: Receiver<String>,
    /// The CA its HTTPS certificate is signed by, if it serves HTTPS.
    trust: Option<String>,
    directory: Arc<tempfile::TempDir>,
    database_url: String,
    /// Keeps a PostgreSQL database alive as long as a server may use it.
    postgres: Option<Arc<PostgresDatabase>>,
}

impl Server {
    /// Starts a server on a fresh database.
    pub fn start() -> Self {
        Self::start_with(ServerOptions::default())
    }

    /// Starts a server with options, on a fresh database of this thread's backend.
    pub fn start_with(options: ServerOptions) -> Self {
        let directory = Arc::new(tempfile::tempdir().expect("temporary directory"));
        let backend = current_backend();
        let (database_url, postgres) = match backend {
            Backend::Sqlite => (
                format!("sqlite:///{}", directory.path().join("tasks.db").display()),
                None,
            ),
            Backend::Postgres(admin_url) => {
                let database = PostgresDatabase::create(&admin_url);
                (database.url.clone(), Some(Arc::new(database)))
            }
        };
        Self::start_in(directory, database_url, postgres, options)
    }

    /// Starts `count` servers at the same moment on one fresh database of
    /// this thread's backend, as several instances deployed together do; each
    /// must come up (a server that exits instead fails the test with its logs).
    pub fn start_together(count: usize) -> Vec<Self> {
        let mut first = Self::start_with(ServerOptions::default());
        first.stop();
        first.empty_database();
        let starting: Vec<_> = (0..count)
            .map(|_| {
                let (directory, url, postgres) = (
                    first.directory.clone(),
                    first.database_url.clone(),
                    first.postgres.clone(),
                );
                std::thread::spawn(move || {
                    Self::start_in(directory, url, postgres, ServerOptions::default())
                })
            })
            .collect();
        starting
            .into_iter()
            .map(|thread| thread.join().expect("a server came up"))
            .collect()
    }

    /// Empties this (stopped) server's database, so the next servers on it
    /// find no schema.
    fn empty_database(&self) {
        match &self.postgres {
            Some(database) => {
                database.admin(&format!("DROP DATABASE {} WITH (FORCE)", database.name));
                database.admin(&format!("CREATE DATABASE {}", database.name));
            }
            None => {
                let path = self
                    .database_url
                    .strip_prefix("sqlite:///")
                    .expect("a SQLite file URL");
                for suffix in ["", "-wal", "-shm"] {
                    let _ = std::fs::remove_file(format!("{path}{suffix}"));
                }
            }
        }
    }

    /// Starts another server on this one's database: after a stop, a restart;
    /// while this one runs, a second instance sharing the database.
    pub fn restart(&self, options: ServerOptions) -> Self {
        Self::start_in(
            self.directory.clone(),
            self.database_url.clone(),
            self.postgres.clone(),
            options,
        )
    }

    /// Drops this server's PostgreSQL database under it, as a lost database
    /// server would look to taskd.
    pub fn drop_postgres_database(&self) {
        let database = self.postgres.as_ref().expect("a server on PostgreSQL");
        database.admin(&format!("DROP DATABASE {} WITH (FORCE)", database.name));
    }

    /// The database URL this server uses.
    pub fn database_url(&self) -> &str {
        &self.database_url
    }

    /// Runs a `SELECT COUNT(*) …` (plain SQL both backends accept) straight
    /// against this server's database, to see what is stored.
    pub fn count(&self, query: &str) -> i64 {
        let (first, second) = (query.to_owned(), query.to_owned());
        self.on_database(
            move |client| {
                client
                    .query_one(first.as_str(), &[])
                    .expect("count query")
                    .get::<_, i64>(0)
            },
            move |connection| {
                connection
                    .query_row(&second, [], |row| row.get(0))
                    .expect("count query")
            },
        )
    }

    /// Runs one statement (plain SQL both backends accept) straight against
    /// this server's database: what a test cannot wait for, such as time
    /// passing. Returns how many rows it changed.
    pub fn execute(&self, statement: &str) -> u64 {
        let (first, second) = (statement.to_owned(), statement.to_owned());
        self.on_database(
            move |client| client.execute(first.as_str(), &[]).expect("statement"),
            move |connection| connection.execute(&second, []).expect("statement") as u64,
        )
    }

    /// Runs `on_postgres` or `on_sqlite` on a fresh connection to this
    /// server's database, whichever backend it is on.
    fn on_database<T: Send + 'static>(
        &self,
        on_postgres: impl FnOnce(&mut postgres::Client) -> T + Send + 'static,
        on_sqlite: impl FnOnce(&rusqlite::Connection) -> T,
    ) -> T {
        match &self.postgres {
            Some(database) => {
                let url = database.url.clone();
                // The sync client must not run inside a test's async runtime.
                std::thread::spawn(move || {
                    let mut client =
                        postgres::Client::connect(&url, postgres::NoTls).expect("connect");
                    on_postgres(&mut client)
                })
                .join()
                .expect("database thread")
            }
            None => {
                let path = self
                    .database_url
                    .strip_prefix("sqlite:///")
                    .expect("a SQLite file URL");
                let connection = rusqlite::Connection::open(path).expect("open the SQLite file");
                on_sqlite(&connection)
            }
        }
    }

    /// The port the server listens on.
    pub fn port(&self) -> u16 {
        self.base
            .rsplit(':')
            .next()
            .and_then(|port| port.parse().ok())
            .expect("port in base URL")
    }

    fn start_in(
        directory: Arc<tempfile::TempDir>,
        database_url: String,
        postgres: Option<Arc<PostgresDatabase>>,
        options: ServerOptions,
    ) -> Self {
        let mut command = taskd_command(directory.path());
        command.env("DATABASE_URL", &database_url);
        for (key, value) in &options.env {
            command.env(key, value);
        }
        let mut child = command
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start taskd");

        let logs = Arc::new(Mutex::new(Vec::new()));
        let (sender, receiver) = channel();
        for stream in [
            Box::new(child.stdout.take().expect("stdout")) as Box<dyn std::io::Read + Send>,
            Box::new(child.stderr.take().expect("stderr")),
        ] {
            let logs = logs.clone();
            let sender = sender.clone();
            std::thread::spawn(move || {
                for line in BufReader::new(stream).lines() {
                    let Ok(line) = line else { break };
                    logs.lock().expect("logs").push(line.clone());
                    let _ = sender.send(line);
                }
            });
        }
        let mut server = Self {
            child: Some(child),
            base: String::new(),
            api: String::new(),
            logs,
            log_lines: receiver,
            trust: options.trust.clone(),
            directory,
            database_url,
            postgres,
        };
        let line = server.wait_for_log("listening on http");
        let (scheme, rest) = line
            .split("listening on ")
            .nth(1)
            .and_then(|rest| rest.split_once("://"))
            .expect("address in the listening line");
        // The address ends where the line (text) or the JSON string (json) does.
        let address: String = rest
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | ':' | '[' | ']'))
            .collect();
        // A server on every interface is reached on loopback.
        let address = address.replace("0.0.0.0:", "127.0.0.1:");
        server.base = format!("{scheme}://{address}");
        server.api = format!("{}/api/v1", server.base);
        server
    }

    /// The CA (PEM) its HTTPS certificate is signed by, if it serves HTTPS.
    pub fn trust(&self) -> Option<&str> {
        self.trust.as_deref()
    }

    /// Waits until a log line containing `needle` appears and returns it.
    pub fn wait_for_log(&mut self, needle: &str) -> String {
        // Lines seen before this call count too.
        if let Some(line) = self.logs().into_iter().find(|line| line.contains(needle)) {
            return line;
        }
        loop {
            match self.log_lines.recv_timeout(PROCESS_TIMEOUT) {
                Ok(line) if line.contains(needle) => return line,
                Ok(_) => continue,
                Err(_) => panic!(
                    "taskd never logged {needle:?}; exit: {:?}; logs:\n{}",
                    self.child.as_mut().map(|child| child.try_wait()),
                    self.logs().join("\n")
                ),
            }
        }
    }

    /// Waits until `count` log lines contain `needle` (lines seen before
    /// this call count too).
    pub fn wait_for_logs(&mut self, needle: &str, count: usize) {
        let seen = |server: &Self| {
            server
                .logs()
                .iter()
                .filter(|line| line.contains(needle))
                .count()
        };
        while seen(self) < count {
            if self.log_lines.recv_timeout(PROCESS_TIMEOUT).is_err() {
                panic!(
                    "taskd logged {needle:?} {} times, not {count}; logs:\n{}",
                    seen(self),
                    self.logs().join("\n")
                );
            }
        }
    }

    /// Every line taskd has written so far.
    pub fn logs(&self) -> Vec<String> {
        self.logs.lock().expect("logs").clone()
    }

    /// Sends SIGTERM.
    pub fn terminate(&self) {
        let child = self.child.as_ref().expect("taskd still running");
        let status = Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .status()
            .expect("run kill");
        assert!(status.success(), "kill -TERM failed");
    }

    /// The process id.
    pub fn pid(&self) -> u32 {
        self.child.as_ref().expect("taskd still running").id()
    }

    /// SIGKILL, as a crash looks: nothing runs on the way out. Returns once
    /// the process is gone; the database stays for [`Server::restart`].
    pub fn kill(&mut self) {
        let mut child = self.child.take().expect("taskd still running");
        child.kill().expect("kill -KILL");
        child.wait().expect("wait for taskd");
    }

    /// Waits for the process to exit and returns its status.
    pub fn wait(&mut self) -> ExitStatus {
        let mut child = self.child.take().expect("taskd not yet waited for");
        let pid = child.id();
        let (sender, receiver) = channel();
        std::thread::spawn(move || {
            let _ = sender.send(child.wait());
        });
        match receiver.recv_timeout(PROCESS_TIMEOUT) {
            Ok(status) => status.expect("wait for taskd"),
            Err(_) => {
                let _ = Command::new("kill")
                    .args(["-KILL", &pid.to_string()])
                    .status();
                panic!("taskd did not exit; logs:\n{}", self.logs().join("\n"));
            }
        }
    }

    /// SIGTERM, then waits for the exit status. The database stays for [`Server::restart`].
    pub fn stop(&mut self) -> ExitStatus {
        self.terminate();
        self.wait()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(child) = self.child.as_mut() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}
