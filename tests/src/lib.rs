//! Runs the real taskd binary for end-to-end tests.
//!
//! Each [`Server`] is its own process on 127.0.0.1 with port 0 and its own
//! SQLite file in a temporary directory. Readiness is the `listening on` log
//! line, never a sleep.

use std::cell::RefCell;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc::{Receiver, channel};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{Value, json};

/// The secret tests sign with; long enough for production mode.
pub const SECRET_KEY: &str = "test-secret-key-0123456789abcdef-0123456789";
/// How long a server may take to start or stop before a test fails.
const PROCESS_TIMEOUT: Duration = Duration::from_secs(60);

/// Environment variable naming the PostgreSQL server tests may use, such as
/// `postgres://postgres@127.0.0.1:5432/test`. Each server gets a database of its own there.
pub const POSTGRES_URL_VAR: &str = "TASKD_TEST_POSTGRES_URL";
/// When set, PostgreSQL tests fail instead of being skipped without a server.
pub const REQUIRE_POSTGRES_VAR: &str = "TASKD_TEST_REQUIRE_POSTGRES";

/// The database backend test servers use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Backend {
    /// A fresh SQLite file per server.
    Sqlite,
    /// A fresh database per server on this PostgreSQL server (an admin URL).
    Postgres(String),
}

thread_local! {
    // Each test runs on its own thread (and tokio::test on a current-thread runtime).
    static BACKEND: RefCell<Backend> = const { RefCell::new(Backend::Sqlite) };
}

/// Servers started on this thread use `backend`.
pub fn use_backend(backend: Backend) {
    BACKEND.with(|current| *current.borrow_mut() = backend);
}

/// Servers started on this thread use PostgreSQL. Returns false (after a
/// printed notice) when no PostgreSQL server is configured, so the test can
/// skip; panics instead when PostgreSQL is required.
pub fn use_postgres() -> bool {
    match std::env::var(POSTGRES_URL_VAR) {
        Ok(url) if !url.is_empty() => {
            use_backend(Backend::Postgres(url));
            true
        }
        _ => {
            assert!(
                std::env::var_os(REQUIRE_POSTGRES_VAR).is_none(),
                "{REQUIRE_POSTGRES_VAR} is set but {POSTGRES_URL_VAR} is not: PostgreSQL tests cannot be skipped here"
            );
            // Once per run, and past libtest's capture of eprintln!, so it shows.
            static NOTICE: std::sync::Once = std::sync::Once::new();
            NOTICE.call_once(|| {
                use std::io::Write;
                let _ = writeln!(
                    std::io::stderr(),
                    "notice: PostgreSQL tests are skipped (they pass without running): set \
                     {POSTGRES_URL_VAR}, e.g. postgres://postgres@127.0.0.1:5432/test"
                );
            });
            false
        }
    }
}

/// Defines a test twice, as `NAME::sqlite` and `NAME::postgres`; the body
/// starts servers with [`Server::start`] as usual.
#[macro_export]
macro_rules! on_both_backends {
    (async fn $name:ident() $body:block) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            #[tokio::test]
            async fn sqlite() {
                $crate::use_backend($crate::Backend::Sqlite);
                $body
            }

            #[tokio::test]
            async fn postgres() {
                if !$crate::use_postgres() {
                    return;
                }
                $body
            }
        }
    };
    (fn $name:ident() $body:block) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            #[test]
            fn sqlite() {
                $crate::use_backend($crate::Backend::Sqlite);
                $body
            }

            #[test]
            fn postgres() {
                if !$crate::use_postgres() {
                    return;
                }
                $body
            }
        }
    };
}

/// A PostgreSQL database made for one test, dropped with it.
#[derive(Debug)]
struct PostgresDatabase {
    admin_url: String,
    name: String,
    url: String,
}

impl PostgresDatabase {
    fn create(admin_url: &str) -> Self {
        use std::sync::atomic::{AtomicU64, Ordering};
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let name = format!(
            "taskd_test_{}_{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        );
        let mut url = reqwest::Url::parse(admin_url).expect("TASKD_TEST_POSTGRES_URL is a URL");
        url.set_path(&format!("/{name}"));
        let database = Self {
            admin_url: admin_url.to_owned(),
            url: url.to_string(),
            name,
        };
        database.admin(&format!("CREATE DATABASE {}", database.name));
        database
    }

    /// Runs one statement as the admin, on a thread of its own: the sync
    /// client must not run inside a test's async runtime.
    fn admin(&self, statement: &str) {
        let admin_url = self.admin_url.clone();
        let statement = statement.to_owned();
        std::thread::spawn(move || {
            let mut client = postgres::Client::connect(&admin_url, postgres::NoTls)
                .unwrap_or_else(|error| panic!("cannot connect to {POSTGRES_URL_VAR}: {error}"));
            client
                .batch_execute(&statement)
                .unwrap_or_else(|error| panic!("{statement}: {error}"));
        })
        .join()
        .expect("admin statement");
    }
}

impl Drop for PostgresDatabase {
    fn drop(&mut self) {
        let statement = format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name);
        let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| self.admin(&statement)));
    }
}

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
    /// `http://127.0.0.1:PORT`
    pub base: String,
    /// `http://127.0.0.1:PORT/api/v1`
    pub api: String,
    logs: Arc<Mutex<Vec<String>>>,
    log_lines: Receiver<String>,
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
        let backend = BACKEND.with(|current| current.borrow().clone());
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
        let query = query.to_owned();
        match &self.postgres {
            Some(database) => {
                let url = database.url.clone();
                // The sync client must not run inside a test's async runtime.
                std::thread::spawn(move || {
                    let mut client =
                        postgres::Client::connect(&url, postgres::NoTls).expect("connect");
                    client
                        .query_one(query.as_str(), &[])
                        .expect("count query")
                        .get::<_, i64>(0)
                })
                .join()
                .expect("count thread")
            }
            None => {
                let path = self
                    .database_url
                    .strip_prefix("sqlite:///")
                    .expect("a SQLite file URL");
                let connection = rusqlite::Connection::open(path).expect("open the SQLite file");
                connection
                    .query_row(&query, [], |row| row.get(0))
                    .expect("count query")
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
            directory,
            database_url,
            postgres,
        };
        let line = server.wait_for_log("listening on http://");
        // The address ends where the line (text) or the JSON string (json) does.
        let address: String = line
            .split("listening on http://")
            .nth(1)
            .expect("address in the listening line")
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | ':' | '[' | ']'))
            .collect();
        // A server on every interface is reached on loopback.
        let address = address.replace("0.0.0.0:", "127.0.0.1:");
        server.base = format!("http://{address}");
        server.api = format!("{}/api/v1", server.base);
        server
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

/// An HTTP client for tests: no proxies, no pooling surprises.
pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .no_proxy()
        .timeout(Duration::from_secs(30))
        .build()
        .expect("HTTP client")
}

/// A registered user with a token.
#[derive(Debug, Clone)]
pub struct Account {
    pub id: i64,
    pub email: String,
    pub password: String,
    pub token: String,
    pub refresh_token: String,
}

impl Account {
    pub fn bearer(&self) -> String {
        format!("Bearer {}", self.token)
    }
}

/// A unique email for this process and test.
pub fn unique_email(label: &str) -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    format!("{label}-{}-{n}@example.com", std::process::id())
}

impl Server {
    /// POST /auth/register with a JSON body.
    pub async fn register(&self, email: &str, password: &str) -> reqwest::Response {
        client()
            .post(format!("{}/auth/register", self.api))
            .json(&json!({"email": email, "password": password}))
            .send()
            .await
            .expect("register request")
    }

    /// POST /auth/login with the OAuth2 form.
    pub async fn login(&self, email: &str, password: &str) -> reqwest::Response {
        client()
            .post(format!("{}/auth/login", self.api))
            .form(&[("username", email), ("password", password)])
            .send()
            .await
            .expect("login request")
    }

    /// Registers a fresh user and logs in.
    pub async fn account(&self, label: &str) -> Account {
        let email = unique_email(label);
        let password = "password123".to_owned();
        let registered = self.register(&email, &password).await;
        assert_eq!(registered.status(), 201, "register {email}");
        let user: Value = registered.json().await.expect("user JSON");
        let login = self.login(&email, &password).await;
        assert_eq!(login.status(), 200, "login {email}");
        let token: Value = login.json().await.expect("token JSON");
        Account {
            id: user["id"].as_i64().expect("user id"),
            email,
            password,
            token: token["access_token"]
                .as_str()
                .expect("access_token")
                .to_owned(),
            refresh_token: token["refresh_token"]
                .as_str()
                .expect("refresh_token")
                .to_owned(),
        }
    }

    /// Logs `account` in again: a second session with tokens of its own.
    pub async fn session(&self, account: &Account) -> Account {
        let login = self.login(&account.email, &account.password).await;
        assert_eq!(login.status(), 200, "login {}", account.email);
        let token: Value = login.json().await.expect("token JSON");
        Account {
            token: token["access_token"]
                .as_str()
                .expect("access_token")
                .to_owned(),
            refresh_token: token["refresh_token"]
                .as_str()
                .expect("refresh_token")
                .to_owned(),
            ..account.clone()
        }
    }

    /// POST /auth/refresh.
    pub async fn refresh(&self, refresh_token: &str) -> reqwest::Response {
        client()
            .post(format!("{}/auth/refresh", self.api))
            .json(&json!({ "refresh_token": refresh_token }))
            .send()
            .await
            .expect("refresh request")
    }

    /// GET /auth/me with `token`: 200 while the token works.
    pub async fn me(&self, token: &str) -> reqwest::StatusCode {
        client()
            .get(format!("{}/auth/me", self.api))
            .bearer_auth(token)
            .send()
            .await
            .expect("me request")
            .status()
    }

    /// POST /tasks as `account`.
    pub async fn create_task(&self, account: &Account, body: Value) -> reqwest::Response {
        client()
            .post(format!("{}/tasks", self.api))
            .header("authorization", account.bearer())
            .json(&body)
            .send()
            .await
            .expect("create request")
    }
}

/// The real taskctl binary with its own config directory, pointed at a server.
#[derive(Debug)]
pub struct Taskctl {
    config: tempfile::TempDir,
    server: String,
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
        }
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
            .env("TASKCTL_SERVER", &self.server);
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
                input.write_all(text.as_bytes()).expect("write stdin");
            }
        }
        let output = child.wait_with_output().expect("wait for taskctl");
        Run {
            code: output.status.code(),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }
}
