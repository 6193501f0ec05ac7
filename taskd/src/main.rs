//! taskd: the task manager's HTTP server.

mod admin;
mod bearer;
mod client_address;
mod conditional;
mod cors;
mod dav;
mod etag;
mod filters;
mod limits;
mod openapi;
mod passwords;
mod problem;
mod routes;
mod serve;
mod settings;
mod state;
mod streamed;
mod telemetry;
mod tls;
mod transfers;

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use clap::Parser;
use taskcore::{PasswordHasher, Store, TokenKeys};
use tokio::net::TcpListener;
use tokio::sync::watch;

use crate::limits::Limits;
use crate::settings::{Cli, Command, SecretSource, Settings};
use crate::state::AppState;

/// How long in-flight requests may run after a shutdown signal.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(10);
/// How often expired sessions and recovered rate-limit counts are dropped.
const HOUSEKEEPING_PERIOD: Duration = Duration::from_secs(600);
/// How long `taskd healthcheck` waits for an answer.
const HEALTHCHECK_TIMEOUT: Duration = Duration::from_secs(5);

fn main() -> ExitCode {
    // A missing .env is normal; a broken one is a configuration error.
    if let Err(error) = dotenvy::dotenv()
        && !error.not_found()
    {
        eprintln!("taskd: cannot read .env: {error}");
        return ExitCode::from(2);
    }
    let cli = Cli::parse();
    let command = cli.command.clone().unwrap_or(Command::Serve);
    if let Command::Healthcheck = command {
        // Needs only HOST and PORT: a probe must not fail over unrelated settings.
        let listen = SocketAddr::new(cli.options.host, cli.options.port);
        let https = cli.options.tls_files().is_ok_and(|files| files.is_some());
        return match healthcheck(listen, https) {
            Ok(()) => ExitCode::SUCCESS,
            Err(message) => {
                eprintln!("taskd healthcheck: {message}");
                ExitCode::FAILURE
            }
        };
    }
    let secret_key = std::env::var("SECRET_KEY").ok();
    let previous_secret_key = std::env::var("SECRET_KEY_PREVIOUS").ok();
    let settings = match Settings::from_options(cli.options, secret_key, previous_secret_key) {
        Ok(settings) => settings,
        Err(message) => {
            eprintln!("taskd: {message}");
            return ExitCode::from(2);
        }
    };
    // The administrator's commands print their own lines on stdout, for
    // people and scripts; the server's logs are not among them.
    match command {
        Command::Backup(args) => return admin::backup(&settings, &args),
        Command::User(command) => return admin::user(&settings, command),
        Command::Invite(command) => return admin::invite(&settings, command),
        Command::Serve | Command::Migrate | Command::Healthcheck => {}
    }
    // A certificate that cannot serve stops taskd here, in one line.
    let certificates = match (&command, settings.tls.clone()) {
        (Command::Serve, Some(files)) => match tls::Certificates::load(files) {
            Ok(certificates) => Some(certificates),
            Err(message) => {
                eprintln!("taskd: {message}");
                return ExitCode::from(2);
            }
        },
        _ => None,
    };
    telemetry::init_logging(settings.log_format);

    // Blocking threads run database work, each on a pooled connection:
    // more threads than connections would only wait for one, each with a
    // stack and an allocator arena of its own. Two more serve work that
    // waits on the single writer or runs housekeeping.
    let blocking_threads = settings.store.pool_size.max(1) as usize + 2;
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .max_blocking_threads(blocking_threads)
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("taskd: cannot start the async runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    let outcome = match command {
        Command::Serve => open_store(&settings).and_then(|store| {
            let outcome = runtime.block_on(serve(settings, store.clone(), certificates));
            // The last reference to the store is dropped here, outside the
            // runtime: the synchronous PostgreSQL client cannot shut its
            // connections down from inside an async context.
            // Blocking work still running (a stuck query) may not hold up the exit.
            runtime.shutdown_timeout(SHUTDOWN_GRACE);
            drop(store);
            outcome
        }),
        Command::Migrate => open_store(&settings).map(|_store| {
            tracing::info!(database = %settings.database_url, "database schema is up to date");
        }),
        Command::Healthcheck => Ok(()),
        Command::Backup(_) | Command::User(_) | Command::Invite(_) => Ok(()),
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            tracing::error!("{message}");
            eprintln!("taskd: {message}");
            ExitCode::FAILURE
        }
    }
}

/// Asks the server at `listen` for `/health`; Ok when it answers 200 and "ok".
/// Over HTTPS the certificate is not checked: the probe asks this machine's
/// own port, and sends nothing secret.
fn healthcheck(listen: SocketAddr, https: bool) -> Result<(), String> {
    if listen.port() == 0 {
        return Err("PORT is 0 (a random port): set the PORT the server listens on".to_owned());
    }
    // A server listening on every interface is reached on loopback.
    let host: IpAddr = match listen.ip() {
        IpAddr::V4(ip) if ip.is_unspecified() => Ipv4Addr::LOCALHOST.into(),
        IpAddr::V6(ip) if ip.is_unspecified() => Ipv6Addr::LOCALHOST.into(),
        ip => ip,
    };
    let scheme = if https { "https" } else { "http" };
    let url = format!("{scheme}://{}/health", SocketAddr::new(host, listen.port()));
    let client = reqwest::blocking::Client::builder()
        .timeout(HEALTHCHECK_TIMEOUT)
        .danger_accept_invalid_certs(https)
        .no_proxy()
        .build()
        .map_err(|error| format!("cannot build an HTTP client: {error}"))?;
    let response = client
        .get(&url)
        .send()
        .map_err(|error| format!("{url}: {error}"))?;
    let status = response.status();
    let body: serde_json::Value = response.json().unwrap_or_default();
    if status.is_success() && body["status"] == "ok" {
        Ok(())
    } else {
        Err(format!("{url} answered {status}: {body}"))
    }
}

/// Opens the database and applies migrations. Called before the async
/// runtime starts serving, so its blocking I/O holds up nothing.
fn open_store(settings: &Settings) -> Result<Store, String> {
    Store::open_with(&settings.database_url, &settings.store)
        .map_err(|error| format!("{error} (DATABASE_URL={})", settings.database_url))
}

async fn serve(
    settings: Settings,
    store: Store,
    certificates: Option<Arc<tls::Certificates>>,
) -> Result<(), String> {
    if settings.secret_source == SecretSource::Generated {
        tracing::warn!(
            "SECRET_KEY is not set: using a random key; tokens will not survive a restart \
             (set SECRET_KEY, e.g. from `openssl rand -hex 32`)"
        );
    }
    let hasher = PasswordHasher::new(settings.bcrypt_cost).map_err(|error| error.to_string())?;
    let mut keys = TokenKeys::new(
        settings.secret_key.as_bytes(),
        settings.algorithm,
        settings.token_lifetime,
    );
    if let Some(previous) = &settings.previous_secret_key {
        keys = keys.with_previous(previous.as_bytes());
        tracing::info!(
            "SECRET_KEY_PREVIOUS is set: access tokens it signed are accepted until they expire"
        );
    }
    let limits = Limits::new(&settings.limits, Some(&store));
    let passwords =
        passwords::PasswordPool::new(settings.password_hash_threads, settings.password_hash_queue)
            .map_err(|error| format!("cannot start the password workers: {error}"))?;
    let hasher = hasher.with_runner(passwords.bcrypt_runner());
    let import_thread = transfers::ImportThread::start()
        .map_err(|error| format!("cannot start the import thread: {error}"))?;
    let state = AppState::new(state::Shared {
        store: store.clone(),
        hasher,
        keys,
        refresh_lifetime: settings.refresh_lifetime,
        limits: limits.clone(),
        trusted_proxies: Arc::new(settings.trusted_proxies.clone()),
        api_prefix: Arc::from(settings.api_prefix.as_str()),
        body_read_timeout: settings.body_read_timeout,
        send_stall_timeout: settings.connection_limits.send_stall_timeout,
        require_if_match: settings.require_if_match,
        registration: settings.registration,
        imports: transfers::Slots::imports(),
        exports: transfers::Slots::exports(),
        import_thread,
        passwords,
    });
    let openapi = openapi::document(&settings.project_name, &settings.api_prefix);
    let docs =
        routes::Docs::new(&openapi).map_err(|error| format!("rendering the API docs: {error}"))?;
    let metrics = telemetry::init_metrics()?;
    // The exporter needs its upkeep run, or histogram samples pile up between scrapes.
    let upkeep = metrics.clone();
    tokio::spawn(async move {
        let mut interval = tokio::time::interval(Duration::from_secs(5));
        loop {
            interval.tick().await;
            upkeep.run_upkeep();
        }
    });
    let retention = Retention {
        trash: settings.trash_retention,
        changes: settings.changes_retention,
    };
    tokio::spawn(housekeeping(store, limits, retention));
    let app = routes::app(
        state,
        &settings.api_prefix_segments(),
        docs,
        cors::Cors::new(&settings.cors_origins),
        metrics,
    );

    ignore_file_size_limit();
    tls::reload_on_hangup(certificates.clone());
    let listener = TcpListener::bind(settings.listen)
        .await
        .map_err(|error| format!("cannot listen on {}: {error}", settings.listen))?;
    let address = listener
        .local_addr()
        .map_err(|error| format!("cannot read the listening address: {error}"))?;
    let acceptor = certificates
        .as_ref()
        .map(tls::Certificates::acceptor)
        .transpose()?;
    let scheme = if acceptor.is_some() { "https" } else { "http" };
    tracing::info!(
        environment = %settings.environment,
        database = %settings.database_url,
        "listening on {scheme}://{address}"
    );

    let (stop_sender, mut stop_receiver) = watch::channel(false);
    tokio::spawn(async move {
        shutdown_signal().await;
        tracing::info!("shutting down: no new connections, finishing requests in flight");
        let _ = stop_sender.send(true);
    });
    let mut graceful_receiver = stop_receiver.clone();
    let server = serve::serve(
        listener,
        app,
        settings.connection_limits,
        acceptor,
        async move {
            let _ = graceful_receiver.wait_for(|stop| *stop).await;
        },
    );
    let deadline = async move {
        let _ = stop_receiver.wait_for(|stop| *stop).await;
        tokio::time::sleep(SHUTDOWN_GRACE).await;
    };
    tokio::select! {
        () = server => tracing::info!("stopped"),
        () = deadline => tracing::warn!("stopped with requests still in flight after {SHUTDOWN_GRACE:?}"),
    }
    Ok(())
}

/// How long deletions are kept.
#[derive(Debug, Clone, Copy)]
struct Retention {
    trash: Duration,
    changes: Duration,
}

/// Every ten minutes: forgets rate-limit counts that have recovered (here,
/// and in the database where it keeps them for every instance), deletes
/// sessions whose refresh tokens have all expired, erases tasks trashed
/// longer than the trash keeps them and forgets old deletions and
/// idempotency keys.
async fn housekeeping(store: Store, limits: Limits, retention: Retention) {
    let mut interval = tokio::time::interval(HOUSEKEEPING_PERIOD);
    loop {
        interval.tick().await;
        limits.retain_recent();
        let counts = store.clone();
        let recovered = state::blocking(move || {
            counts
                .shared_limits()
                .map_or(Ok(0), |counters| counters.purge())
        })
        .await;
        if let Err(error) = recovered {
            tracing::warn!(?error, "cannot forget recovered rate-limit counts");
        }
        let sessions = store.clone();
        match state::blocking(move || sessions.purge_expired_sessions()).await {
            Ok(0) => {}
            Ok(purged) => tracing::info!(purged, "deleted expired sessions"),
            Err(error) => tracing::warn!(?error, "cannot delete expired sessions"),
        }
        let deletions = store.clone();
        let purged =
            state::blocking(move || deletions.purge_deleted(retention.trash, retention.changes))
                .await;
        match purged {
            Ok((0, 0)) => {}
            Ok((erased, forgotten)) => {
                tracing::info!(erased, forgotten, "erased old trash, forgot old deletions");
            }
            Err(error) => tracing::warn!(?error, "cannot purge old deletions"),
        }
    }
}

async fn shutdown_signal() {
    let interrupt = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut terminate =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(signal) => signal,
                Err(error) => {
                    tracing::warn!(%error, "cannot listen for SIGTERM; only Ctrl-C stops taskd");
                    let _ = interrupt.await;
                    return;
                }
            };
        tokio::select! {
            _ = interrupt => {}
            _ = terminate.recv() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = interrupt.await;
    }
}

/// A write past the process's file-size limit (`ulimit -f`) raises SIGXFSZ,
/// which by default kills the process. With a handler installed it fails
/// with EFBIG instead, like a full disk: the write answers 503 and taskd
/// goes on serving.
fn ignore_file_size_limit() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::from_raw(libc::SIGXFSZ)) {
            // Installed for the life of the process; the stream is not needed.
            Ok(stream) => drop(stream),
            Err(error) => tracing::warn!(%error, "cannot catch SIGXFSZ"),
        }
    }
}
