//! The options as given: flags, environment and `.env`, parsed by clap one
//! by one. Cross-checks between them are `Settings`' work.

use std::ffi::OsString;
use std::net::IpAddr;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};
use taskcore::auth::{BCRYPT_DEFAULT_COST, BCRYPT_MAX_COST, BCRYPT_MIN_COST};
use taskcore::{Synchronous, TokenAlgorithm};

use crate::client_address::TrustedProxies;
use crate::limits::LimitSetting;
use crate::tls::TlsFiles;

const ENVIRONMENT_HELP: &str = "\
Every option can also be set in the environment or in a .env file in the
working directory; flags win over the environment, the environment over .env.

Environment only:
  SECRET_KEY   Key that signs access tokens; at least 32 bytes, required when
               ENVIRONMENT=production. In development a missing key is replaced
               by a random one and tokens do not survive a restart.
               Generate one with: openssl rand -hex 32
  SECRET_KEY_PREVIOUS
               The key SECRET_KEY replaced, during a key rotation: access tokens
               it signed are still accepted until they expire; nothing new is
               signed with it. Remove it once ACCESS_TOKEN_EXPIRE_MINUTES has
               passed since the rotation.
  RUST_LOG     Log filter, such as info or taskd=debug,warn (default: info)

Commands:
  taskd              serve the API (same as taskd serve)
  taskd migrate      bring the database schema up to date and exit
  taskd healthcheck  ask the server on HOST:PORT for /health; exit 0 if healthy, 1 if not";

/// taskd: a personal task manager served as a JSON API over HTTP.
#[derive(Debug, Parser)]
#[command(name = "taskd", version, about, after_long_help = ENVIRONMENT_HELP)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    #[command(flatten)]
    pub options: Options,
}

/// What to do.
#[derive(Debug, Clone, Subcommand)]
pub enum Command {
    /// Serve the API (the default).
    Serve,
    /// Apply database migrations, then exit.
    Migrate,
    /// Check the server on HOST:PORT: exit 0 when /health answers ok, 1 otherwise.
    Healthcheck,
    /// Copy the SQLite database to FILE while taskd serves it, check the
    /// copy and print its size and how many users and tasks it holds.
    ///
    /// The copy is consistent (one snapshot) and written beside FILE first:
    /// FILE appears only once it is whole and checked. Start taskd with
    /// DATABASE_URL=sqlite:////path/to/FILE to serve the copy. Exit status:
    /// 0 done, 1 refused (FILE exists, or the copy failed its check), 2 not
    /// a SQLite file (PostgreSQL: use pg_dump).
    Backup(BackupArgs),
    /// Manage accounts on the database directly, while taskd serves it.
    ///
    /// Exit status: 0 done, 1 refused or not found (one line says which),
    /// 2 usage.
    #[command(subcommand)]
    User(UserCommand),
    /// Manage invite codes, for REGISTRATION=invite.
    ///
    /// Exit status: 0 done, 1 refused or not found, 2 usage.
    #[command(subcommand)]
    Invite(InviteCommand),
}

/// `taskd user …`
#[derive(Debug, Clone, Subcommand)]
pub enum UserCommand {
    /// Add an account; the password is asked twice on a terminal.
    Add {
        /// The account's email address.
        email: String,
        /// Read the password from standard input (one line) instead of asking.
        #[arg(long)]
        password_stdin: bool,
    },
    /// List the accounts: email, created, tasks, sessions, tokens, disabled.
    List {
        /// One JSON array instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Delete an account with its tasks, sessions and tokens.
    Delete {
        /// The account's email address.
        email: String,
        /// Do not ask for confirmation (needed when not on a terminal).
        #[arg(long)]
        yes: bool,
    },
    /// Give an account a new password; ends every session and deletes
    /// every API token of the account.
    ResetPassword {
        /// The account's email address.
        email: String,
        /// Read the password from standard input (one line) instead of asking.
        #[arg(long)]
        password_stdin: bool,
    },
    /// Disable an account: its logins are refused (403), its sessions and
    /// tokens from their next use (401), until it is enabled.
    Disable {
        /// The account's email address.
        email: String,
    },
    /// Enable a disabled account.
    Enable {
        /// The account's email address.
        email: String,
    },
}

/// `taskd invite …`
#[derive(Debug, Clone, Subcommand)]
pub enum InviteCommand {
    /// Make an invite code and print it (it is not shown again).
    Create {
        /// How many registrations it allows.
        #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=10_000))]
        uses: u32,
        /// How long it stays valid, such as 7d or 12h [default: until revoked].
        #[arg(long, value_parser = humantime::parse_duration, value_name = "DURATION")]
        expires: Option<std::time::Duration>,
    },
    /// List the invite codes (their first characters), uses left and expiry.
    List,
    /// Revoke an invite code.
    Revoke {
        /// The code, as `taskd invite create` printed it, or its ID as
        /// `taskd invite list` shows it.
        #[arg(value_name = "CODE|ID")]
        code: String,
    },
}

/// Where `taskd backup` writes.
#[derive(Debug, Clone, Args)]
pub struct BackupArgs {
    /// The copy's path; refused if it exists, unless --force.
    #[arg(value_name = "FILE")]
    pub file: std::path::PathBuf,
    /// Replace FILE if it exists (only once the new copy is checked).
    #[arg(long)]
    pub force: bool,
}

/// Who may register.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Registration {
    /// Anyone who can reach the server.
    Open,
    /// Whoever has an invite code.
    Invite,
    /// Nobody: the administrator adds accounts.
    Closed,
}

impl Registration {
    /// As `GET /auth/registration` says it.
    pub fn mode(self) -> taskcore::wire::RegistrationMode {
        match self {
            Registration::Open => taskcore::wire::RegistrationMode::Open,
            Registration::Invite => taskcore::wire::RegistrationMode::Invite,
            Registration::Closed => taskcore::wire::RegistrationMode::Closed,
        }
    }
}

/// Log line format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    /// Readable lines for people.
    Text,
    /// One JSON object per line, for log collectors.
    Json,
}

/// Options as given, before cross-checks.
#[derive(Debug, Args)]
pub struct Options {
    /// Address to listen on (0.0.0.0 for every interface).
    #[arg(long, env = "HOST", default_value = "127.0.0.1")]
    pub host: IpAddr,

    /// Port to listen on; 0 picks a free one (the log line shows which).
    #[arg(long, env = "PORT", default_value_t = 8000)]
    pub port: u16,

    /// Database: sqlite:///relative/path.db, sqlite:////absolute/path.db or
    /// postgresql://user:password@host:5432/database.
    #[arg(
        long,
        env = "DATABASE_URL",
        default_value = "sqlite:///./tasks.db",
        hide_env_values = true
    )]
    pub database_url: String,

    /// Largest number of database connections this process keeps open
    /// [default: one more than the cores (at least 3) on SQLite, 8 on PostgreSQL].
    #[arg(long, env = "DATABASE_POOL_SIZE",
          value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub database_pool_size: Option<u32>,

    /// Serve HTTPS with this certificate (PEM: the server's certificate,
    /// then any intermediates); needs --tls-key-file. Both files are read
    /// again on SIGHUP.
    #[arg(long, env = "TLS_CERT_FILE", value_name = "FILE",
          value_parser = clap::value_parser!(OsString))]
    pub tls_cert_file: Option<OsString>,

    /// The private key of --tls-cert-file (PEM: PKCS#8, PKCS#1 or SEC1).
    #[arg(long, env = "TLS_KEY_FILE", value_name = "FILE",
          value_parser = clap::value_parser!(OsString))]
    pub tls_key_file: Option<OsString>,

    /// Seconds a client has to send a request's head, and an idle keep-alive
    /// connection (or an HTTP/2 one with no request open) to start its next
    /// request, before it is closed; with HTTPS, also the TLS handshake's.
    #[arg(long, env = "HEADER_READ_TIMEOUT", default_value_t = 10,
          value_parser = clap::value_parser!(u64).range(1..=3600), value_name = "SECONDS")]
    pub header_read_timeout: u64,

    /// Seconds a response may wait for a client that reads none of it (a
    /// stalled download) before its connection is closed.
    #[arg(long, env = "SEND_STALL_TIMEOUT", default_value_t = 30,
          value_parser = clap::value_parser!(u64).range(1..=3600), value_name = "SECONDS")]
    pub send_stall_timeout: u64,

    /// Seconds a client has to send a request's body, once its head is in.
    #[arg(long, env = "BODY_READ_TIMEOUT", default_value_t = 30,
          value_parser = clap::value_parser!(u64).range(1..=3600), value_name = "SECONDS")]
    pub body_read_timeout: u64,

    /// Who may register: open (anyone), invite (with a code from `taskd
    /// invite create`) or closed (only `taskd user add` makes accounts).
    #[arg(long, env = "REGISTRATION", value_enum, default_value_t = Registration::Open)]
    pub registration: Registration,

    /// Refuse task changes (PATCH, DELETE) that carry no `If-Match` with 428:
    /// every client must say which version it changes.
    #[arg(long, env = "REQUIRE_IF_MATCH", default_value_t = false,
          value_parser = clap::builder::BoolishValueParser::new(), action = clap::ArgAction::Set,
          value_name = "BOOL")]
    pub require_if_match: bool,

    /// Days a deleted task stays in the trash before it is erased for good.
    #[arg(long, env = "TRASH_RETENTION_DAYS", default_value_t = 30,
          value_parser = clap::value_parser!(u64).range(0..=36500), value_name = "DAYS")]
    pub trash_retention_days: u64,

    /// Days the change feed remembers deletions; a cursor from before a
    /// deletion it forgot is answered 410 (start a full sync).
    #[arg(long, env = "CHANGES_RETENTION_DAYS", default_value_t = 30,
          value_parser = clap::value_parser!(u64).range(0..=36500), value_name = "DAYS")]
    pub changes_retention_days: u64,

    /// Connections open at once; past this, new ones wait to be accepted.
    #[arg(long, env = "MAX_CONNECTIONS", default_value_t = 1024,
          value_parser = clap::value_parser!(u64).range(1..=1_000_000), value_name = "COUNT")]
    pub max_connections: u64,

    /// Password checks and hashes run at once (bcrypt) [default: half the
    /// cores, at least one]
    #[arg(long, env = "PASSWORD_HASH_THREADS", value_name = "COUNT",
          value_parser = clap::value_parser!(u64).range(1..=256))]
    pub password_hash_threads: Option<u64>,

    /// Password checks that may wait for a thread; past that, 503 at once.
    #[arg(long, env = "PASSWORD_HASH_QUEUE", default_value_t = 16, value_name = "COUNT",
          value_parser = clap::value_parser!(u64).range(0..=100_000))]
    pub password_hash_queue: u64,

    /// Seconds a statement may run before PostgreSQL cancels it.
    #[arg(long, env = "DATABASE_STATEMENT_TIMEOUT", default_value_t = 30,
          value_parser = clap::value_parser!(u64).range(1..=86_400), value_name = "SECONDS")]
    pub database_statement_timeout: u64,

    /// Seconds a statement may wait for a lock before PostgreSQL gives up.
    #[arg(long, env = "DATABASE_LOCK_TIMEOUT", default_value_t = 10,
          value_parser = clap::value_parser!(u64).range(1..=86_400), value_name = "SECONDS")]
    pub database_lock_timeout: u64,

    /// Seconds a transaction may sit idle before PostgreSQL ends it.
    #[arg(long, env = "DATABASE_IDLE_IN_TRANSACTION_TIMEOUT", default_value_t = 60,
          value_parser = clap::value_parser!(u64).range(1..=86_400), value_name = "SECONDS")]
    pub database_idle_in_transaction_timeout: u64,

    /// Seconds to wait for the database server to accept a connection (PostgreSQL).
    #[arg(long, env = "DATABASE_CONNECT_TIMEOUT", default_value_t = 5,
          value_parser = clap::value_parser!(u64).range(1..=300))]
    pub database_connect_timeout: u64,

    /// SQLite durability: normal survives a process crash, full also survives power loss.
    #[arg(long, env = "SQLITE_SYNCHRONOUS", default_value = "normal", value_parser = parse_synchronous)]
    pub sqlite_synchronous: Synchronous,

    /// Name shown in the API docs.
    #[arg(long, env = "PROJECT_NAME", default_value = "Task Management API")]
    pub project_name: String,

    /// Path prefix of the versioned API.
    #[arg(long, env = "API_V1_PREFIX", default_value = "/api/v1", value_parser = parse_prefix)]
    pub api_v1_prefix: String,

    /// Deployment label; "production" enforces a strong SECRET_KEY.
    #[arg(long, env = "ENVIRONMENT", default_value = "development")]
    pub environment: String,

    /// Access-token lifetime in minutes.
    #[arg(long, env = "ACCESS_TOKEN_EXPIRE_MINUTES", default_value_t = 60,
          value_parser = clap::value_parser!(u64).range(1..=525_600))]
    pub access_token_expire_minutes: u64,

    /// Access-token lifetime in seconds; when set, it wins over ACCESS_TOKEN_EXPIRE_MINUTES.
    #[arg(long, env = "ACCESS_TOKEN_EXPIRE_SECONDS",
          value_parser = clap::value_parser!(u64).range(1..=31_536_000))]
    pub access_token_expire_seconds: Option<u64>,

    /// Refresh-token lifetime in days; each refresh hands out a new one for as long.
    #[arg(long, env = "REFRESH_TOKEN_EXPIRE_DAYS", default_value_t = 30,
          value_parser = clap::value_parser!(u64).range(1..=3650))]
    pub refresh_token_expire_days: u64,

    /// Failed password checks allowed per account email (COUNT/PERIOD, or off).
    #[arg(
        long,
        env = "LOGIN_LIMIT_PER_EMAIL",
        default_value = "5/minute",
        value_name = "LIMIT"
    )]
    pub login_limit_per_email: LimitSetting,

    /// Failed password checks allowed per client address (COUNT/PERIOD, or off).
    #[arg(
        long,
        env = "LOGIN_LIMIT_PER_ADDRESS",
        default_value = "20/minute",
        value_name = "LIMIT"
    )]
    pub login_limit_per_address: LimitSetting,

    /// Reverse proxies (addresses or networks, comma-separated) trusted to
    /// name the client in X-Forwarded-For; empty trusts none.
    #[arg(
        long,
        env = "FORWARDED_ALLOW_IPS",
        default_value = "",
        value_name = "LIST"
    )]
    pub forwarded_allow_ips: TrustedProxies,

    /// Registrations allowed per client address (COUNT/PERIOD, or off).
    #[arg(
        long,
        env = "REGISTER_LIMIT_PER_ADDRESS",
        default_value = "10/hour",
        value_name = "LIMIT"
    )]
    pub register_limit_per_address: LimitSetting,

    /// Refused refresh tokens allowed per client address (COUNT/PERIOD, or
    /// off); good ones do not count.
    #[arg(
        long,
        env = "REFRESH_LIMIT_PER_ADDRESS",
        default_value = "30/minute",
        value_name = "LIMIT"
    )]
    pub refresh_limit_per_address: LimitSetting,

    /// Token signing algorithm: HS256, HS384 or HS512.
    #[arg(long, env = "ALGORITHM", default_value = "HS256", value_parser = parse_algorithm)]
    pub algorithm: TokenAlgorithm,

    /// Comma-separated browser origins allowed to call the API (CORS); no wildcard.
    #[arg(long, env = "BACKEND_CORS_ORIGINS",
          default_value = "http://localhost:3000,http://localhost:8000", value_parser = parse_origins)]
    pub backend_cors_origins: Origins,

    /// bcrypt cost for password hashes (4 to 31; each step doubles the work).
    #[arg(long, env = "BCRYPT_COST", default_value_t = BCRYPT_DEFAULT_COST,
          value_parser = clap::value_parser!(u32).range(BCRYPT_MIN_COST as i64..=BCRYPT_MAX_COST as i64))]
    pub bcrypt_cost: u32,

    /// Log format.
    #[arg(long, env = "LOG_FORMAT", value_enum, default_value = "text")]
    pub log_format: LogFormat,
}

/// A list of allowed CORS origins, each `scheme://host[:port]`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Origins(pub Vec<String>);

fn parse_synchronous(input: &str) -> Result<Synchronous, String> {
    input
        .parse()
        .map_err(|invalid: taskcore::types::Invalid| invalid.msg)
}

fn parse_algorithm(input: &str) -> Result<TokenAlgorithm, String> {
    input
        .parse()
        .map_err(|invalid: taskcore::types::Invalid| invalid.msg)
}

fn parse_prefix(input: &str) -> Result<String, String> {
    let trimmed = input.trim().trim_end_matches('/');
    if !trimmed.starts_with('/') {
        return Err("must start with '/', such as /api/v1".to_owned());
    }
    let valid_segment = |segment: &str| {
        !segment.is_empty()
            && segment
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '~'))
    };
    if !trimmed[1..].split('/').all(valid_segment) {
        return Err(
            "must be '/'-separated segments of letters, digits, '-', '_', '.' or '~', such as /api/v1"
                .to_owned(),
        );
    }
    Ok(trimmed.to_owned())
}

fn parse_origins(input: &str) -> Result<Origins, String> {
    let mut origins = Vec::new();
    for origin in input.split(',').map(str::trim).filter(|o| !o.is_empty()) {
        let origin = origin.trim_end_matches('/');
        if origin == "*" {
            return Err(
                "a wildcard is not allowed: list each origin, such as https://app.example.com"
                    .to_owned(),
            );
        }
        let valid = match origin.split_once("://") {
            Some((scheme, authority)) => {
                matches!(scheme, "http" | "https")
                    && !authority.is_empty()
                    && !authority.contains(['/', '?', '#', '@', ' '])
            }
            None => false,
        };
        if !valid {
            return Err(format!(
                "'{origin}' is not an origin: use scheme://host[:port], such as http://localhost:3000"
            ));
        }
        origins.push(origin.to_owned());
    }
    Ok(Origins(origins))
}

impl Options {
    /// The HTTPS files, if both are set (empty counts as unset); one
    /// without the other is an error naming the missing one.
    pub fn tls_files(&self) -> Result<Option<TlsFiles>, String> {
        let given = |value: &Option<OsString>| {
            value
                .as_ref()
                .filter(|value| !value.is_empty())
                .map(PathBuf::from)
        };
        match (given(&self.tls_cert_file), given(&self.tls_key_file)) {
            (Some(certificate), Some(key)) => Ok(Some(TlsFiles { certificate, key })),
            (None, None) => Ok(None),
            (Some(_), None) => Err(
                "TLS_CERT_FILE is set but TLS_KEY_FILE is not: HTTPS needs both (or neither, for plain HTTP)"
                    .to_owned(),
            ),
            (None, Some(_)) => Err(
                "TLS_KEY_FILE is set but TLS_CERT_FILE is not: HTTPS needs both (or neither, for plain HTTP)"
                    .to_owned(),
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefix_and_origins_are_checked() {
        assert_eq!(parse_prefix("/api/v2/").expect("valid"), "/api/v2");
        assert!(parse_prefix("api").is_err());
        assert!(parse_prefix("/api//v1").is_err());
        assert_eq!(
            parse_origins("http://a.test, https://b.test:8443/").expect("valid"),
            Origins(vec!["http://a.test".into(), "https://b.test:8443".into()])
        );
        assert!(parse_origins("*").is_err());
        assert!(parse_origins("a.test").is_err());
        assert!(parse_origins("http://a.test/path").is_err());
    }
}
