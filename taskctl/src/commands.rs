//! What each command does.

use std::io::{IsTerminal, Write};
use std::time::Duration;

use clap::CommandFactory;
use serde_json::{Value, json};
use taskcore::{Task, TaskCreate, TaskUpdate};
use taskctl::client::{Client, ClientError, ClientOptions, Fetched, Timeouts};
use taskctl::renewal::RenewingClient;
use taskctl::session::{Session, SessionStore};

use crate::cli::{AccountCommand, Cli, Command, Credentials, Global};
use crate::failure::{Failure, exit};
use crate::output::{Output, done_mark, showing};
use crate::prompt;

/// Where to go when neither `--server` nor a session says.
pub const DEFAULT_SERVER: &str = "http://127.0.0.1:8000";
/// Page size of `list`.
const LIST_PAGE_SIZE: u32 = 20;
/// Page size of `list --all`: the server's largest.
const ALL_PAGE_SIZE: u32 = 200;
/// Most tasks `list --all` gathers: a server that claims more, or never
/// stops sending pages, cannot make taskctl grow without bound.
const ALL_MAX_TASKS: usize = 50_000;

struct Context {
    server_override: Option<String>,
    sessions: SessionStore,
    client_options: ClientOptions,
    out: Output,
}

impl Context {
    fn new(global: &Global) -> Result<Self, Failure> {
        let sessions = match &global.config_dir {
            Some(directory) => SessionStore::new(directory),
            None => SessionStore::default_location()?,
        };
        let mut client_options = ClientOptions {
            timeouts: Timeouts {
                connect: Duration::from_secs(global.connect_timeout),
                request: Duration::from_secs(global.timeout),
            },
            ..ClientOptions::default()
        };
        if let Some(path) = &global.cacert {
            client_options = client_options.trust_pem_file(path)?;
        }
        Ok(Self {
            server_override: global.server.clone(),
            sessions,
            client_options,
            out: Output::new(global.json),
        })
    }

    /// `--server`, else the session's server, else the default.
    fn server(&self, session: Option<&Session>) -> String {
        self.server_override
            .clone()
            .or_else(|| session.map(|session| session.server.clone()))
            .unwrap_or_else(|| DEFAULT_SERVER.to_owned())
    }

    fn anonymous_client(&self) -> Result<Client, Failure> {
        let session = self.sessions.load().ok().flatten();
        Ok(Client::new(
            &self.server(session.as_ref()),
            &self.client_options,
        )?)
    }

    /// The saved session, checked against `--server`.
    fn session(&self) -> Result<Session, Failure> {
        let Some(session) = self.sessions.load()? else {
            return Err(Failure::not_logged_in("not logged in\nrun: taskctl login"));
        };
        let server = self.server(Some(&session));
        let client = Client::new(&server, &self.client_options)?;
        if client.server() != session.server.trim_end_matches('/') {
            return Err(Failure::not_logged_in(format!(
                "not logged in to {server} (the saved session is for {})\nrun: taskctl login --server {server}",
                session.server
            )));
        }
        Ok(session)
    }

    /// A client for the saved session, renewing its tokens as needed.
    fn client(&self) -> Result<Authed<'_>, Failure> {
        self.client_for(self.session()?)
    }

    fn client_for(&self, session: Session) -> Result<Authed<'_>, Failure> {
        Ok(Authed(RenewingClient::new(
            &self.sessions,
            session,
            &self.client_options,
        )?))
    }
}

/// The session's client, for requests whose failures are taskctl's.
struct Authed<'a>(RenewingClient<'a>);

impl<'a> std::ops::Deref for Authed<'a> {
    type Target = RenewingClient<'a>;

    fn deref(&self) -> &Self::Target {
        &self.0
    }
}

impl Authed<'_> {
    fn call<T>(&self, request: impl Fn(&Client) -> Result<T, Failure>) -> Result<T, Failure> {
        self.0.call(request)
    }
}

pub fn run(cli: Cli) -> Result<(), Failure> {
    if let Command::Completions { shell } = cli.command {
        let mut command = Cli::command();
        let mut script = Vec::new();
        clap_complete::generate(shell, &mut command, "taskctl", &mut script);
        crate::output::write_or_exit(&script);
        return Ok(());
    }
    let context = Context::new(&cli.global)?;
    match cli.command {
        Command::Register(credentials) => register(&context, credentials),
        Command::Login(credentials) => login(&context, credentials),
        Command::Logout => logout(&context),
        Command::Passwd { password_stdin } => change_password(&context, password_stdin),
        Command::Account(AccountCommand::Delete {
            password_stdin,
            confirm,
        }) => delete_account(&context, password_stdin, confirm),
        Command::Whoami => whoami(&context),
        Command::Add { title, description } => add(&context, title, description),
        Command::List { limit, skip, all } => list(&context, limit, skip, all),
        Command::Show { id } => show(&context, id),
        Command::Edit {
            id,
            title,
            description,
            clear_description,
        } => edit(&context, id, title, description, clear_description),
        Command::Done { ids } => set_completed(&context, &ids, true),
        Command::Undone { ids } => set_completed(&context, &ids, false),
        Command::Rm { ids, yes } => remove(&context, &ids, yes),
        Command::Completions { .. } => Ok(()),
    }
}

fn register(context: &Context, credentials: Credentials) -> Result<(), Failure> {
    // Find out whether the server is there before asking anything.
    let client = context.anonymous_client()?;
    client.health()?;
    let email = prompt::email(credentials.email)?;
    let password = prompt::password(credentials.password_stdin, true)?;
    let user = client.register(&email, &password)?;
    let session = start_session(context, &client, &user.value.email, &password)?;
    if context.out.json {
        context.out.json(&user.json);
    } else {
        context.out.say(&format!(
            "registered {} and logged in to {}",
            session.email, session.server
        ));
    }
    Ok(())
}

fn login(context: &Context, credentials: Credentials) -> Result<(), Failure> {
    let client = context.anonymous_client()?;
    client.health()?;
    let email = prompt::email(credentials.email)?;
    let password = prompt::password(credentials.password_stdin, false)?;
    let session = start_session(context, &client, &email, &password)?;
    if context.out.json {
        context.out.json(&json!({
            "server": session.server, "email": session.email, "expires_at": session.expires_at,
            "refresh_expires_at": session.refresh_expires_at,
        }));
    } else {
        context.out.say(&format!(
            "logged in to {} as {}",
            session.server, session.email
        ));
    }
    Ok(())
}

fn start_session(
    context: &Context,
    client: &Client,
    email: &str,
    password: &str,
) -> Result<Session, Failure> {
    let token = client.login(email, password).map_err(|error| match error {
        // At login, 401 means wrong credentials, not a missing session.
        ClientError::Unauthorized { detail } => Failure::new(exit::REFUSED, detail.to_lowercase()),
        other => Failure::from(other),
    })?;
    let session = Session::from_token(client.server(), email, token);
    let _lock = context.sessions.lock()?;
    context.sessions.save(&session)?;
    Ok(session)
}

fn logout(context: &Context) -> Result<(), Failure> {
    let Some(session) = context.sessions.load()? else {
        if context.out.json {
            context.out.json(&json!({ "logged_out": false }));
        } else {
            context.out.say("not logged in; nothing to do");
        }
        return Ok(());
    };
    let server = session.server.clone();
    let refresh_expires_at = session.refresh_expires_at;
    // End it on the server first (renewing an expired access token to do
    // so), then forget it here whatever the server said.
    let ended = context
        .client_for(session)
        .and_then(|authed| authed.call(|client| Ok(client.logout()?)));
    {
        let _lock = context.sessions.lock()?;
        context.sessions.remove()?;
    }
    match ended {
        // Already over on the server (revoked, or expired): nothing left to end.
        Ok(())
        | Err(Failure {
            code: exit::NOT_LOGGED_IN,
            ..
        }) => {
            if context.out.json {
                context.out.json(&json!({ "logged_out": true }));
            } else {
                context.out.say(&format!("logged out of {server}"));
            }
            Ok(())
        }
        Err(failure) => Err(Failure::new(
            failure.code,
            format!(
                "forgot the session here, but could not end it on the server: {}\n\
                 its tokens stay valid until they expire{}",
                failure.message,
                refresh_expires_at
                    .map(|at| format!(
                        " (the refresh token at {})",
                        at.format("%Y-%m-%d %H:%M UTC")
                    ))
                    .unwrap_or_default()
            ),
        )),
    }
}

fn change_password(context: &Context, password_stdin: bool) -> Result<(), Failure> {
    let client = context.client()?;
    let (current, new) = prompt::password_change(password_stdin)?;
    client
        .call(|client| Ok(client.change_password(&current, &new)?))
        .map_err(|failure| failure.refused_and("the password was not changed"))?;
    if context.out.json {
        context.out.json(&json!({ "password_changed": true }));
    } else {
        context.out.say(&format!(
            "password changed; every other session of {} was logged out",
            client.session().email
        ));
    }
    Ok(())
}

fn delete_account(
    context: &Context,
    password_stdin: bool,
    confirm: Option<String>,
) -> Result<(), Failure> {
    let client = context.client()?;
    let email = client.session().email;
    match confirm {
        Some(given) if given.trim().eq_ignore_ascii_case(&email) => {}
        Some(given) => {
            return Err(Failure::usage(format!(
                "--confirm {given} is not the account's email ({email}); nothing was deleted"
            )));
        }
        None => {
            if password_stdin {
                return Err(Failure::usage(format!(
                    "with --password-stdin, confirm with --confirm {email}"
                )));
            }
            if !std::io::stdin().is_terminal() {
                return Err(Failure::usage(format!(
                    "no terminal to confirm on: pass --confirm {email}"
                )));
            }
            let typed = prompt::line(&format!(
                "This deletes {email} and all its tasks, for good.\nType the email to confirm: "
            ))?;
            if !typed.trim().eq_ignore_ascii_case(&email) {
                return Err(Failure::new(
                    exit::REFUSED,
                    "that is not the account's email; nothing was deleted",
                ));
            }
        }
    }
    let password = prompt::password(password_stdin, false)?;
    client
        .call(|client| Ok(client.delete_account(&password)?))
        .map_err(|failure| failure.refused_and("nothing was deleted"))?;
    {
        let _lock = context.sessions.lock()?;
        context.sessions.remove()?;
    }
    if context.out.json {
        context.out.json(&json!({ "deleted": email }));
    } else {
        context
            .out
            .say(&format!("deleted {email} and all its tasks; logged out"));
    }
    Ok(())
}

fn whoami(context: &Context) -> Result<(), Failure> {
    let client = context.client()?;
    let user = client.call(|client| Ok(client.me()?))?;
    if context.out.json {
        context.out.json(&user.json);
    } else {
        context.out.say(&format!(
            "{} on {}",
            user.value.email,
            client.session().server
        ));
    }
    Ok(())
}

fn add(context: &Context, title: String, description: Option<String>) -> Result<(), Failure> {
    let client = context.client()?;
    let new_task = TaskCreate {
        title,
        description,
        ..TaskCreate::default()
    };
    let task = client.call(|client| Ok(client.create_task(&new_task)?))?;
    if context.out.json {
        context.out.json(&task.json);
    } else {
        context.out.say(&format!(
            "added task {}: {}",
            task.value.id, task.value.title
        ));
    }
    Ok(())
}

fn list(context: &Context, limit: Option<u32>, skip: u64, all: bool) -> Result<(), Failure> {
    let client = context.client()?;
    let show_progress = !context.out.json && std::io::stderr().is_terminal();
    let (tasks, json, total, skip) = if all {
        let mut tasks = Vec::new();
        let mut json = Vec::new();
        let mut total;
        let mut progress_shown = false;
        loop {
            let skip = tasks.len() as u64;
            let page = client
                .call(|client| Ok(client.list_tasks(skip, limit.unwrap_or(ALL_PAGE_SIZE))?))?;
            total = page.total;
            let fetched = page.tasks.len();
            tasks.extend(page.tasks);
            json.extend(page.json);
            if fetched == 0 || tasks.len() as u64 >= total {
                break;
            }
            if tasks.len() >= ALL_MAX_TASKS {
                if progress_shown {
                    eprint!("\r\x1b[2K");
                }
                return Err(Failure::new(
                    exit::REFUSED,
                    format!(
                        "the server reports {total} tasks; list --all stops at {ALL_MAX_TASKS}\n\
                         list them page by page: taskctl list --skip N --limit 200"
                    ),
                ));
            }
            if show_progress {
                eprint!("\rfetched {} of {total} tasks…", tasks.len());
                let _ = std::io::stderr().flush();
                progress_shown = true;
            }
        }
        if progress_shown {
            eprint!("\r\x1b[2K");
        }
        (tasks, json, total, 0)
    } else {
        let page =
            client.call(|client| Ok(client.list_tasks(skip, limit.unwrap_or(LIST_PAGE_SIZE))?))?;
        (page.tasks, page.json, page.total, skip)
    };
    if context.out.json {
        context.out.json(&Value::Array(json));
        return Ok(());
    }
    if !tasks.is_empty() {
        context.out.say(&context.out.tasks(&tasks));
    }
    context.out.say(&showing(skip, tasks.len(), total));
    Ok(())
}

fn show(context: &Context, id: i64) -> Result<(), Failure> {
    let client = context.client()?;
    let task = client.call(|client| {
        client
            .task(id)
            .map_err(|error| Failure::for_task(id, error))
    })?;
    print_task(context, &task);
    Ok(())
}

fn edit(
    context: &Context,
    id: i64,
    title: Option<String>,
    description: Option<String>,
    clear_description: bool,
) -> Result<(), Failure> {
    let description = if clear_description {
        Some(None)
    } else {
        description.map(Some)
    };
    if title.is_none() && description.is_none() {
        return Err(Failure::usage(
            "nothing to change: give --title, --description or --clear-description",
        ));
    }
    let client = context.client()?;
    let patch = TaskUpdate {
        title,
        description,
        ..TaskUpdate::default()
    };
    let task = client.call(|client| {
        client
            .update_task(id, &patch)
            .map_err(|error| Failure::for_task(id, error))
    })?;
    print_task(context, &task);
    Ok(())
}

/// One task in full, or the API's JSON for it.
fn print_task(context: &Context, task: &Fetched<Task>) {
    if context.out.json {
        context.out.json(&task.json);
    } else {
        context.out.say(&context.out.task(&task.value));
    }
}

/// Applies `work` to every id; reports each failure and returns the first.
fn for_each_id(
    context: &Context,
    ids: &[i64],
    mut work: impl FnMut(i64) -> Result<Option<Value>, Failure>,
) -> Result<(), Failure> {
    let mut results = Vec::new();
    let mut first_failure: Option<Failure> = None;
    for &id in ids {
        match work(id) {
            Ok(json) => results.extend(json),
            Err(failure) => {
                // Ends the run at once when nothing else can succeed either.
                if matches!(failure.code, exit::UNREACHABLE | exit::NOT_LOGGED_IN) {
                    return Err(failure);
                }
                eprintln!("taskctl: {}", failure.message);
                first_failure.get_or_insert(failure);
            }
        }
    }
    if context.out.json {
        context.out.json(&Value::Array(results));
    }
    match first_failure {
        // Already reported above; keep its exit code.
        Some(failure) => Err(Failure::new(failure.code, String::new())),
        None => Ok(()),
    }
}

fn set_completed(context: &Context, ids: &[i64], completed: bool) -> Result<(), Failure> {
    let client = context.client()?;
    let patch = TaskUpdate {
        completed: Some(completed),
        ..TaskUpdate::default()
    };
    for_each_id(context, ids, |id| {
        let task = client.call(|client| {
            client
                .update_task(id, &patch)
                .map_err(|error| Failure::for_task(id, error))
        })?;
        let verb = if completed { "done" } else { "reopened" };
        context.out.say(&format!(
            "{} {} {}: {}",
            done_mark(task.value.completed),
            verb,
            task.value.id,
            task.value.title
        ));
        Ok(Some(task.json))
    })
}

fn remove(context: &Context, ids: &[i64], yes: bool) -> Result<(), Failure> {
    let client = context.client()?;
    if !yes && std::io::stdin().is_terminal() {
        let list = ids
            .iter()
            .map(i64::to_string)
            .collect::<Vec<_>>()
            .join(", ");
        let question = match ids.len() {
            1 => format!("delete task {list}?"),
            n => format!("delete {n} tasks ({list})?"),
        };
        if !prompt::confirm(&question)? {
            return Err(Failure::new(
                exit::REFUSED,
                "cancelled; nothing was deleted",
            ));
        }
    }
    for_each_id(context, ids, |id| {
        client.call(|client| {
            client
                .delete_task(id)
                .map_err(|error| Failure::for_task(id, error))
        })?;
        context.out.say(&format!("deleted task {id}"));
        Ok(Some(json!({ "id": id, "deleted": true })))
    })
}
