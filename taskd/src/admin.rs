//! What taskd does for its administrator from the command line, on the
//! database directly (no HTTP), with the settings it serves with, while a
//! taskd may serve the same database.

use std::process::ExitCode;

use chrono::Datelike;

use taskcore::store::SqliteLocation;
use taskcore::{DatabaseUrl, Store};

use crate::settings::{BackupArgs, InviteCommand, Settings, UserCommand};

/// `taskd backup FILE`: a checked copy of the SQLite file.
pub fn backup(settings: &Settings, args: &BackupArgs) -> ExitCode {
    match &settings.database_url {
        DatabaseUrl::Postgres(_) => {
            eprintln!(
                "taskd backup: DATABASE_URL is PostgreSQL; back it up with pg_dump, such as: \
                 pg_dump --format=custom \"$DATABASE_URL\" > tasks.dump"
            );
            return ExitCode::from(2);
        }
        DatabaseUrl::Sqlite(SqliteLocation::Memory) => {
            eprintln!(
                "taskd backup: DATABASE_URL is an in-memory database: there is no file to copy"
            );
            return ExitCode::from(2);
        }
        DatabaseUrl::Sqlite(SqliteLocation::File(database)) if same_file(database, &args.file) => {
            eprintln!(
                "taskd backup: {} is the database itself (or its -wal or -shm): choose another file",
                args.file.display()
            );
            return ExitCode::FAILURE;
        }
        _ => {}
    }
    let store = match open(settings, "backup") {
        Ok(store) => store,
        Err(code) => return code,
    };
    match store.backup(&args.file, args.force) {
        Ok(report) => {
            println!(
                "backed up to {}: {} bytes, {} users, {} tasks",
                args.file.display(),
                report.bytes,
                report.users,
                report.tasks
            );
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("taskd backup: {error}");
            ExitCode::FAILURE
        }
    }
}

/// What a command ended with: its exit status, and the line saying why.
fn failed(error: &taskcore::Error) -> ExitCode {
    match error {
        taskcore::Error::Validation(_) => ExitCode::from(2),
        _ => ExitCode::FAILURE,
    }
}

/// Whether `target` is the database file at `database`, or its -wal or -shm.
fn same_file(database: &std::path::Path, target: &std::path::Path) -> bool {
    let canonical = |path: &std::path::Path| -> Option<std::path::PathBuf> {
        let parent = path
            .parent()
            .filter(|parent| !parent.as_os_str().is_empty());
        let directory = parent
            .unwrap_or(std::path::Path::new("."))
            .canonicalize()
            .ok()?;
        Some(directory.join(path.file_name()?))
    };
    let (Some(database), Some(target)) = (canonical(database), canonical(target)) else {
        return false;
    };
    ["", "-wal", "-shm"].iter().any(|suffix| {
        let mut name = database.clone().into_os_string();
        name.push(suffix);
        name == target.as_os_str()
    })
}

/// The store, or the line saying why not. An administrator's command never
/// makes a database: a SQLite file that is not there is refused (a
/// relative DATABASE_URL, run from another directory, would otherwise
/// create an empty one).
fn open(settings: &Settings, command: &str) -> Result<Store, ExitCode> {
    if let DatabaseUrl::Sqlite(SqliteLocation::File(path)) = &settings.database_url
        && !path.exists()
    {
        eprintln!(
            "taskd {command}: no database at {} (DATABASE_URL={}; a relative path is under \
             the working directory)",
            path.display(),
            settings.database_url
        );
        return Err(ExitCode::FAILURE);
    }
    Store::open_with(&settings.database_url, &settings.store).map_err(|error| {
        eprintln!(
            "taskd {command}: {error} (DATABASE_URL={})",
            settings.database_url
        );
        ExitCode::FAILURE
    })
}

/// A new password: asked twice on a terminal, or one line of standard input.
fn new_password(from_stdin: bool) -> Result<taskcore::Password, String> {
    let typed = if from_stdin {
        let mut line = String::new();
        std::io::stdin()
            .read_line(&mut line)
            .map_err(|error| format!("cannot read the password: {error}"))?;
        line.trim_end_matches(['\n', '\r']).to_owned()
    } else {
        use std::io::IsTerminal;
        if !std::io::stdin().is_terminal() {
            return Err("not on a terminal: pass the password with --password-stdin".to_owned());
        }
        let first = rpassword::prompt_password("New password: ")
            .map_err(|error| format!("cannot read the password: {error}"))?;
        let again = rpassword::prompt_password("Again: ")
            .map_err(|error| format!("cannot read the password: {error}"))?;
        if first != again {
            return Err("the passwords differ".to_owned());
        }
        first
    };
    taskcore::Password::parse(&typed).map_err(|invalid| format!("password: {}", invalid.msg))
}

/// `taskd user …`.
pub fn user(settings: &Settings, command: UserCommand) -> ExitCode {
    let store = match open(settings, "user") {
        Ok(store) => store,
        Err(code) => return code,
    };
    let hasher = || taskcore::PasswordHasher::new(settings.bcrypt_cost);
    let outcome: Result<String, taskcore::Error> = match command {
        UserCommand::Add {
            email,
            password_stdin,
        } => {
            let password = match new_password(password_stdin) {
                Ok(password) => password,
                Err(message) => {
                    eprintln!("taskd user add: {message}");
                    return ExitCode::from(2);
                }
            };
            taskcore::Email::parse(&email)
                .map_err(taskcore::Error::from)
                .and_then(|email| {
                    let new_user = taskcore::NewUser {
                        email,
                        password,
                        zone: taskcore::Zone::default(),
                    };
                    store.register_user(&new_user, &hasher()?)
                })
                .map(|user| format!("added {} (id {})", user.email, user.id))
        }
        UserCommand::List { json } => store.user_summaries().map(|users| listing(&users, json)),
        UserCommand::Delete { email, yes } => {
            if !yes && !confirmed(&email) {
                eprintln!("taskd user delete: not deleted (confirm on a terminal, or pass --yes)");
                return ExitCode::from(2);
            }
            store
                .delete_user_by_email(&email)
                .map(|()| format!("deleted {email}, its tasks, sessions and tokens"))
        }
        UserCommand::ResetPassword {
            email,
            password_stdin,
        } => {
            let password = match new_password(password_stdin) {
                Ok(password) => password,
                Err(message) => {
                    eprintln!("taskd user reset-password: {message}");
                    return ExitCode::from(2);
                }
            };
            hasher()
                .and_then(|hasher| store.reset_password(&email, &password, &hasher))
                .map(|()| format!("new password for {email}; its sessions and API tokens ended"))
        }
        UserCommand::Disable { email } => store
            .set_user_disabled(&email, true)
            .map(|()| format!("disabled {email}")),
        UserCommand::Enable { email } => store
            .set_user_disabled(&email, false)
            .map(|()| format!("enabled {email}")),
    };
    report("user", outcome)
}

/// Prints what a command did, or why it did not; its exit status.
fn report(command: &str, outcome: Result<String, taskcore::Error>) -> ExitCode {
    match outcome {
        Ok(text) => {
            println!("{text}");
            ExitCode::SUCCESS
        }
        Err(error) => {
            let message = match &error {
                taskcore::Error::UserNotFound => "no account has this email".to_owned(),
                taskcore::Error::InviteNotFound => "no live invite has this code".to_owned(),
                taskcore::Error::EmailTaken => "an account has this email already".to_owned(),
                other => other.to_string(),
            };
            eprintln!("taskd {command}: {message}");
            failed(&error)
        }
    }
}

/// Asks on a terminal whether to delete `email`; false when not on one.
fn confirmed(email: &str) -> bool {
    use std::io::{BufRead, IsTerminal, Write};
    if !std::io::stdin().is_terminal() {
        return false;
    }
    print!("Delete {email} with its tasks, sessions and tokens? Type the email to confirm: ");
    let _ = std::io::stdout().flush();
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line).is_ok() && line.trim().eq_ignore_ascii_case(email)
}

/// The accounts as a table or as JSON.
fn listing(users: &[taskcore::store::UserSummary], json: bool) -> String {
    if json {
        let rows: Vec<serde_json::Value> = users
            .iter()
            .map(|user| {
                serde_json::json!({
                    "id": user.id, "email": user.email, "created_at": user.created_at,
                    "tasks": user.tasks, "sessions": user.sessions, "tokens": user.tokens,
                    "disabled": user.disabled,
                })
            })
            .collect();
        return serde_json::Value::Array(rows).to_string();
    }
    let width = users
        .iter()
        .map(|user| user.email.chars().count())
        .max()
        .unwrap_or(5)
        .max(5);
    let mut text = format!(
        "{:<width$}  {:<10}  {:>6}  {:>8}  {:>6}  DISABLED",
        "EMAIL", "CREATED", "TASKS", "SESSIONS", "TOKENS"
    );
    for user in users {
        text.push_str(&format!(
            "\n{:<width$}  {:<10}  {:>6}  {:>8}  {:>6}  {}",
            user.email,
            user.created_at.format("%Y-%m-%d"),
            user.tasks,
            user.sessions,
            user.tokens,
            if user.disabled { "yes" } else { "no" }
        ));
    }
    text
}

/// `taskd invite …`.
pub fn invite(settings: &Settings, command: InviteCommand) -> ExitCode {
    let store = match open(settings, "invite") {
        Ok(store) => store,
        Err(code) => return code,
    };
    let outcome = match command {
        InviteCommand::Create { uses, expires } => {
            let expires_at = match expires {
                None => None,
                Some(lifetime) => match chrono::Duration::from_std(lifetime)
                    .ok()
                    .and_then(|lifetime| chrono::Utc::now().checked_add_signed(lifetime))
                    .filter(|at| at.year() <= 9998)
                {
                    Some(at) => Some(at),
                    None => {
                        eprintln!("taskd invite: --expires is too far ahead");
                        return ExitCode::from(2);
                    }
                },
            };
            store.create_invite(uses, expires_at).map(|(invite, code)| {
                let until = invite.expires_at.map_or("until revoked".to_owned(), |at| {
                    format!("until {}", at.format("%Y-%m-%d %H:%M UTC"))
                });
                format!(
                    "{code}\n(for {uses} registration{}, {until}; the code is not shown again)",
                    if uses == 1 { "" } else { "s" }
                )
            })
        }
        InviteCommand::List => store.invites().map(|invites| {
            let mut text = format!(
                "{:<4}  {:<10}  {:>9}  {:<16}  STATE",
                "ID", "CODE", "USES LEFT", "EXPIRES"
            );
            let now = chrono::Utc::now();
            for invite in invites {
                let state = if invite.revoked {
                    "revoked"
                } else if invite.expires_at.is_some_and(|at| at <= now) {
                    "expired"
                } else if invite.uses_left == 0 {
                    "used up"
                } else {
                    "live"
                };
                text.push_str(&format!(
                    "\n{:<4}  {:<10}  {:>9}  {:<16}  {state}",
                    invite.id,
                    format!("{}…", invite.hint),
                    invite.uses_left,
                    invite.expires_at.map_or("never".to_owned(), |at| at
                        .format("%Y-%m-%d %H:%M")
                        .to_string()),
                ));
            }
            text
        }),
        InviteCommand::Revoke { code } => store
            .revoke_invite(&code)
            .map(|()| "revoked; registrations with it are refused".to_owned()),
    };
    report("invite", outcome)
}
