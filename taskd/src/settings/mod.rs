//! Configuration: flags, environment and `.env`, checked once at start-up.
//!
//! `options` holds what clap parses; this module cross-checks it into one
//! validated [`Settings`].

mod options;

use std::fmt;
use std::net::SocketAddr;
use std::time::Duration;

use taskcore::{DatabaseUrl, StoreOptions, TokenAlgorithm};

use crate::client_address::TrustedProxies;
use crate::limits::LimitSettings;
use crate::serve::ConnectionLimits;
use crate::tls::TlsFiles;

pub use self::options::{
    BackupArgs, Cli, Command, InviteCommand, LogFormat, Options, Origins, Registration, UserCommand,
};

/// Shortest secret key accepted in production, in bytes.
pub const SECRET_KEY_MIN_BYTES: usize = 32;

/// The secret that signs tokens. `Debug` never shows it.
#[derive(Clone)]
pub struct SecretKey(Vec<u8>);

impl SecretKey {
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }
}

impl fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretKey(<redacted>)")
    }
}

/// Where the secret key came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SecretSource {
    Configured,
    /// Generated at start because none was configured (development only).
    Generated,
}

/// Validated settings: everything taskd needs to run.
#[derive(Debug, Clone)]
pub struct Settings {
    pub listen: SocketAddr,
    /// HTTPS with these files; plain HTTP without.
    pub tls: Option<TlsFiles>,
    pub database_url: DatabaseUrl,
    pub store: StoreOptions,
    pub project_name: String,
    pub api_prefix: String,
    pub environment: String,
    pub secret_key: SecretKey,
    pub secret_source: SecretSource,
    /// The key SECRET_KEY replaced: verifies, never signs.
    pub previous_secret_key: Option<SecretKey>,
    pub token_lifetime: Duration,
    pub refresh_lifetime: Duration,
    pub limits: LimitSettings,
    pub trusted_proxies: TrustedProxies,
    pub algorithm: TokenAlgorithm,
    pub cors_origins: Origins,
    pub bcrypt_cost: u32,
    pub log_format: LogFormat,
    /// What bounds a client connection.
    pub connection_limits: ConnectionLimits,
    /// How long a request body may take to arrive.
    pub body_read_timeout: Duration,
    /// Whether task changes must carry `If-Match`.
    pub require_if_match: bool,
    /// Who may register.
    pub registration: Registration,
    /// How long a deleted task stays in the trash.
    pub trash_retention: Duration,
    /// How long the change feed remembers deletions.
    pub changes_retention: Duration,
    /// Password checks and hashes at once.
    pub password_hash_threads: usize,
    /// Password checks that may wait.
    pub password_hash_queue: usize,
}

impl Settings {
    /// Cross-checks the options; `secret_key` and `previous_secret_key` are the
    /// raw `SECRET_KEY` and `SECRET_KEY_PREVIOUS`, if set.
    /// Errors are one line naming the variable and the fix.
    pub fn from_options(
        options: Options,
        secret_key: Option<String>,
        previous_secret_key: Option<String>,
    ) -> Result<Self, String> {
        let database_url =
            DatabaseUrl::parse(&options.database_url).map_err(|error| error.to_string())?;
        let tls = options.tls_files()?;
        let production = options
            .environment
            .trim()
            .eq_ignore_ascii_case("production");
        let secret_key = secret_key.filter(|key| !key.is_empty());
        let (secret_key, secret_source) = match secret_key {
            Some(key) if production && key.len() < SECRET_KEY_MIN_BYTES => {
                return Err(format!(
                    "SECRET_KEY is {} bytes; ENVIRONMENT=production needs at least {SECRET_KEY_MIN_BYTES} \
                     (generate one with: openssl rand -hex 32)",
                    key.len()
                ));
            }
            Some(key) => (SecretKey(key.into_bytes()), SecretSource::Configured),
            None if production => {
                return Err("SECRET_KEY is required when ENVIRONMENT=production \
                     (generate one with: openssl rand -hex 32)"
                    .to_owned());
            }
            None => {
                let random: [u8; 32] = rand::random();
                (SecretKey(random.to_vec()), SecretSource::Generated)
            }
        };
        let previous_secret_key = match previous_secret_key.filter(|key| !key.is_empty()) {
            Some(key) if production && key.len() < SECRET_KEY_MIN_BYTES => {
                return Err(format!(
                    "SECRET_KEY_PREVIOUS is {} bytes; ENVIRONMENT=production needs at least {SECRET_KEY_MIN_BYTES}",
                    key.len()
                ));
            }
            Some(key) if key.as_bytes() == secret_key.as_bytes() => {
                return Err(
                    "SECRET_KEY_PREVIOUS is the same as SECRET_KEY: set it to the key being replaced, or unset it"
                        .to_owned(),
                );
            }
            Some(_) if secret_source == SecretSource::Generated => {
                return Err("SECRET_KEY_PREVIOUS is set but SECRET_KEY is not: set SECRET_KEY to the new key".to_owned());
            }
            Some(key) => Some(SecretKey(key.into_bytes())),
            None => None,
        };
        let token_lifetime = match options.access_token_expire_seconds {
            Some(seconds) => Duration::from_secs(seconds),
            None => Duration::from_secs(options.access_token_expire_minutes * 60),
        };
        let pool_size = options
            .database_pool_size
            .unwrap_or_else(|| default_pool_size(&database_url));
        Ok(Self {
            listen: SocketAddr::new(options.host, options.port),
            tls,
            database_url,
            store: StoreOptions {
                synchronous: options.sqlite_synchronous,
                pool_size,
                connect_timeout: Duration::from_secs(options.database_connect_timeout),
                statement_timeout: Duration::from_secs(options.database_statement_timeout),
                lock_timeout: Duration::from_secs(options.database_lock_timeout),
                idle_in_transaction_timeout: Duration::from_secs(
                    options.database_idle_in_transaction_timeout,
                ),
                ..StoreOptions::default()
            },
            project_name: options.project_name,
            api_prefix: options.api_v1_prefix,
            environment: options.environment,
            secret_key,
            secret_source,
            previous_secret_key,
            token_lifetime,
            refresh_lifetime: Duration::from_secs(options.refresh_token_expire_days * 24 * 3600),
            trusted_proxies: options.forwarded_allow_ips,
            limits: LimitSettings {
                password_failures_per_email: options.login_limit_per_email,
                password_failures_per_address: options.login_limit_per_address,
                registrations_per_address: options.register_limit_per_address,
                refresh_failures_per_address: options.refresh_limit_per_address,
            },
            algorithm: options.algorithm,
            cors_origins: options.backend_cors_origins,
            bcrypt_cost: options.bcrypt_cost,
            log_format: options.log_format,
            connection_limits: ConnectionLimits {
                header_read_timeout: Duration::from_secs(options.header_read_timeout),
                send_stall_timeout: Duration::from_secs(options.send_stall_timeout),
                max_connections: usize::try_from(options.max_connections).unwrap_or(usize::MAX),
            },
            body_read_timeout: Duration::from_secs(options.body_read_timeout),
            require_if_match: options.require_if_match,
            registration: options.registration,
            trash_retention: days(options.trash_retention_days),
            changes_retention: days(options.changes_retention_days),
            // Half the cores by default: a login flood leaves the rest to
            // everything else.
            password_hash_threads: options
                .password_hash_threads
                .and_then(|threads| usize::try_from(threads).ok())
                .unwrap_or_else(|| {
                    std::thread::available_parallelism().map_or(1, |cores| cores.get() / 2)
                })
                .max(1),
            password_hash_queue: usize::try_from(options.password_hash_queue).unwrap_or(usize::MAX),
        })
    }

    /// Path segments of the API prefix (`/api/v1` → `["api", "v1"]`).
    pub fn api_prefix_segments(&self) -> Vec<String> {
        self.api_prefix
            .split('/')
            .filter(|segment| !segment.is_empty())
            .map(str::to_owned)
            .collect()
    }
}

/// A number of days as a duration.
fn days(days: u64) -> Duration {
    Duration::from_secs(days.saturating_mul(24 * 3600))
}

/// Connections a pool keeps by default. SQLite reads are CPU work on a
/// local file: a connection per core keeps every core busy, and many more
/// only add threads that take turns (bench/http.sh: GET /tasks/{id} went
/// from 0.30–0.33× to 0.36–0.38× warp's hello on 2 cores with 2 or 3
/// instead of 8). One more than the cores, so a connection held by a
/// thread the scheduler has paused never takes half the pool. PostgreSQL
/// connections mostly wait on the network: 8.
fn default_pool_size(database_url: &DatabaseUrl) -> u32 {
    match database_url {
        DatabaseUrl::Sqlite(_) => std::thread::available_parallelism()
            .map_or(2, |cores| u32::try_from(cores.get()).unwrap_or(u32::MAX))
            .saturating_add(1)
            .clamp(3, 1000),
        // PostgreSQL, or any database reached over the network.
        _ => 8,
    }
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;

    fn options(args: &[&str]) -> Options {
        let mut argv = vec!["taskd"];
        argv.extend_from_slice(args);
        Cli::try_parse_from(argv).expect("parse").options
    }

    #[test]
    fn production_requires_a_long_secret() {
        let production = || options(&["--environment", "production"]);
        let error = Settings::from_options(production(), None, None).unwrap_err();
        assert!(error.contains("SECRET_KEY is required"), "{error}");
        let error = Settings::from_options(production(), Some("short".into()), None).unwrap_err();
        assert!(error.contains("at least 32"), "{error}");
        assert!(
            !error.contains("short"),
            "the key must not be echoed: {error}"
        );
        let settings =
            Settings::from_options(production(), Some("k".repeat(32)), None).expect("valid");
        assert_eq!(settings.secret_source, SecretSource::Configured);
    }

    #[test]
    fn the_pool_holds_one_more_connection_than_cores_on_sqlite_and_eight_on_postgres() {
        let pool = |args: &[&str]| {
            Settings::from_options(options(args), None, None)
                .expect("valid")
                .store
                .pool_size
        };
        let cores = std::thread::available_parallelism().expect("cores").get();
        assert_eq!(pool(&[]) as usize, (cores + 1).max(3));
        let postgres = ["--database-url", "postgresql://taskd@db.internal/tasks"];
        assert_eq!(pool(&postgres), 8);
        // The control: a size given is the size, on either backend.
        assert_eq!(pool(&["--database-pool-size", "5"]), 5);
        assert_eq!(
            pool(&[&postgres[..], &["--database-pool-size", "3"]].concat()),
            3
        );
    }

    #[test]
    fn development_generates_a_secret_when_missing() {
        let settings = Settings::from_options(options(&[]), None, None).expect("valid");
        assert_eq!(settings.secret_source, SecretSource::Generated);
        assert_eq!(settings.secret_key.as_bytes().len(), 32);
        assert!(
            !format!("{settings:?}").contains(&format!("{:?}", settings.secret_key.as_bytes()))
        );
    }

    #[test]
    fn previous_key_and_token_lifetimes() {
        let previous = |key: &str| {
            Settings::from_options(options(&[]), Some("k".repeat(32)), Some(key.to_owned()))
        };
        assert!(
            previous(&"k".repeat(32)).is_err(),
            "same as the current key"
        );
        let settings = previous(&"p".repeat(32)).expect("valid");
        assert_eq!(
            settings.previous_secret_key.expect("kept").as_bytes(),
            "p".repeat(32).as_bytes()
        );
        let error = Settings::from_options(options(&[]), None, Some("p".repeat(32))).unwrap_err();
        assert!(error.contains("SECRET_KEY is not"), "{error}");
        let settings = Settings::from_options(
            options(&[
                "--access-token-expire-minutes",
                "5",
                "--access-token-expire-seconds",
                "2",
            ]),
            None,
            None,
        )
        .expect("valid");
        assert_eq!(settings.token_lifetime, Duration::from_secs(2));
        assert_eq!(
            settings.refresh_lifetime,
            Duration::from_secs(30 * 24 * 3600)
        );
        let error = Cli::try_parse_from(["taskd", "--login-limit-per-email", "5"])
            .unwrap_err()
            .to_string();
        assert!(error.contains("COUNT/PERIOD"), "{error}");
    }

    #[test]
    fn bad_values_are_refused_by_name() {
        let error = Cli::try_parse_from(["taskd", "--algorithm", "RS256"])
            .unwrap_err()
            .to_string();
        assert!(error.contains("--algorithm"), "{error}");
        assert!(Cli::try_parse_from(["taskd", "--bcrypt-cost", "3"]).is_err());
        assert!(Cli::try_parse_from(["taskd", "--access-token-expire-minutes", "0"]).is_err());
    }
}
