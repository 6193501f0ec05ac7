//! Configuration: flags, environment and `.env`, checked once at start-up.

use std::fmt;
use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use clap::{Args, Parser, Subcommand, ValueEnum};
use taskcore::auth::{BCRYPT_DEFAULT_COST, BCRYPT_MAX_COST, BCRYPT_MIN_COST};
use taskcore::{DatabaseUrl, StoreOptions, Synchronous, TokenAlgorithm};

use crate::client_address::TrustedProxies;
use crate::limits::{LimitSetting, LimitSettings};

/// Shortest secret key accepted in production, in bytes.
pub const SECRET_KEY_MIN_BYTES: usize = 32;

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
#[derive(Debug, Clone, Copy, Subcommand)]
pub enum Command {
    /// Serve the API (the default).
    Serve,
    /// Apply database migrations, then exit.
    Migrate,
    /// Check the server on HOST:PORT: exit 0 when /health answers ok, 1 otherwise.
    Healthcheck,
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

    /// Largest number of database connections this process keeps open.
    #[arg(long, env = "DATABASE_POOL_SIZE", default_value_t = 8,
          value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub database_pool_size: u32,

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
            DatabaseUrl::parse(&options.database_url).map_err(|error| match error {
                taskcore::Error::Internal(message) | taskcore::Error::Storage(message) => message,
                other => other.to_string(),
            })?;
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
        Ok(Self {
            listen: SocketAddr::new(options.host, options.port),
            database_url,
            store: StoreOptions {
                synchronous: options.sqlite_synchronous,
                pool_size: options.database_pool_size,
                connect_timeout: Duration::from_secs(options.database_connect_timeout),
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
            },
            algorithm: options.algorithm,
            cors_origins: options.backend_cors_origins,
            bcrypt_cost: options.bcrypt_cost,
            log_format: options.log_format,
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

fn parse_synchronous(input: &str) -> Result<Synchronous, String> {
    input.parse()
}

fn parse_algorithm(input: &str) -> Result<TokenAlgorithm, String> {
    input.parse()
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

#[cfg(test)]
mod tests {
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
