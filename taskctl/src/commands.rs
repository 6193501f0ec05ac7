//! What each command does.

use std::io::{IsTerminal, Write};
use std::time::Duration;

use clap::CommandFactory;
use serde_json::{Value, json};
use taskcore::{Task, TaskCreate, TaskUpdate, UserUpdate};
use taskctl::client::{Client, ClientError, ClientOptions, Fetched, Timeouts};
use taskctl::journal::Undo;
use taskctl::renewal::RenewingClient;
use taskctl::session::{Session, SessionStore};

use crate::cli::{
    AccountCommand, Cli, Command, Credentials, DueArg, Global, PriorityArg, PriorityFilter,
};
use crate::devices::{self, Change, Kept, Outcome, guarded};
use crate::failure::{Failure, exit};
use crate::output::{Output, done_mark, showing};
use crate::prompt;
use crate::when::{self, Due};

/// Where to go when neither `--server` nor a session says.
pub const DEFAULT_SERVER: &str = "http://127.0.0.1:8000";
/// Page size of `list`.
const LIST_PAGE_SIZE: u32 = 20;
/// Page size of `list --all`: the server's largest.
const ALL_PAGE_SIZE: u32 = 200;
/// Most tasks `list --all` gathers: a server that claims more, or never
/// stops sending pages, cannot make taskctl grow without bound.
const ALL_MAX_TASKS: usize = 50_000;
/// Most pages `list --all` asks for: a server that sends a task or two a
/// page cannot make it ask for ever.
const ALL_MAX_PAGES: usize = 500;

pub(crate) struct Context {
    server_override: Option<String>,
    pub(crate) sessions: SessionStore,
    client_options: ClientOptions,
    pub(crate) out: Output,
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
    pub(crate) fn client(&self) -> Result<Authed<'_>, Failure> {
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
pub(crate) struct Authed<'a>(RenewingClient<'a>);

impl<'a> std::ops::Deref for Authed<'a> {
    type Target = RenewingClient<'a>;

    fn deref(&self) -> &Self::Target {
        &self.0
    }
}

impl Authed<'_> {
    pub(crate) fn call<T>(
        &self,
        request: impl Fn(&Client) -> Result<T, Failure>,
    ) -> Result<T, Failure> {
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
        Command::Add {
            title,
            description,
            due,
            priority,
            tags,
        } => add(&context, title, description, due, priority, tags),
        Command::List {
            words,
            open,
            done,
            tags,
            priorities,
            due,
            before,
            after,
            search,
            sort,
            limit,
            skip,
            all,
        } => {
            let filters = Filters {
                words,
                open,
                done,
                tags,
                priorities,
                due,
                before,
                after,
                search,
                sort,
            };
            list(&context, &filters, limit, skip, all)
        }
        Command::Next { limit } => next(&context, limit),
        Command::Tags => tags(&context),
        Command::Timezone { zone } => timezone(&context, zone),
        Command::Show { id } => show(&context, id),
        Command::Edit {
            id,
            title,
            description,
            clear_description,
            due,
            priority,
            tags,
            untags,
        } => {
            let changes = Changes {
                title,
                description,
                clear_description,
                due,
                priority,
                tags,
                untags,
            };
            edit(&context, id, changes)
        }
        Command::Done { ids } => set_completed(&context, &ids, true),
        Command::Undone { ids } => set_completed(&context, &ids, false),
        Command::Rm { ids, yes } => remove(&context, &ids, yes),
        Command::Undo => devices::undo(&context),
        Command::Trash => devices::trash(&context),
        Command::Restore { ids } => devices::restore(&context, &ids),
        Command::Export { force } => devices::export(&context, force),
        Command::Import { file, dry_run } => devices::import(&context, &file, dry_run),
        Command::Completions { .. } => Ok(()),
    }
}

fn register(context: &Context, credentials: Credentials) -> Result<(), Failure> {
    // Find out whether the server is there before asking anything.
    let client = context.anonymous_client()?;
    client.health()?;
    let email = prompt::email(credentials.email)?;
    let password = prompt::password(credentials.password_stdin, true)?;
    let zone = when::local_zone_name();
    let user = client.register(&email, &password, zone.as_deref())?;
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

fn add(
    context: &Context,
    title: String,
    description: Option<String>,
    due: Option<String>,
    priority: Option<PriorityArg>,
    mut tags: Vec<String>,
) -> Result<(), Failure> {
    let (title, title_tags) = title_tags(&title);
    tags.extend(title_tags);
    // A tag given twice (as -t and +word, or in two cases) is one tag.
    let mut seen = std::collections::HashSet::new();
    tags.retain(|tag| seen.insert(tag.trim().to_lowercase()));
    let mut new_task = TaskCreate {
        title,
        description,
        priority: priority.map(|priority| priority_name(priority).to_owned()),
        tags,
        ..TaskCreate::default()
    };
    match due.map(|due| parse_due(&due)).transpose()? {
        Some(Due::Date(day)) => new_task.due_date = Some(day.to_string()),
        Some(Due::At(instant)) => new_task.due_at = Some(instant.to_rfc3339()),
        Some(Due::Clear) | None => {}
    }
    let client = context.client()?;
    let task = create_once(&client, &new_task)?;
    let mut kept = Kept::load(context, &client);
    kept.journal.begin();
    kept.journal.saw([&task.value]);
    kept.journal.record(Undo::Added {
        id: task.value.id.0,
        version: task.value.version,
    });
    kept.save();
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

/// Words of a title like `+home` taken as tags, Taskwarrior style, when
/// they are valid tags and other words remain for the title.
fn title_tags(title: &str) -> (String, Vec<String>) {
    let (tagged, words): (Vec<&str>, Vec<&str>) = title.split_whitespace().partition(|word| {
        word.strip_prefix('+')
            .is_some_and(|tag| taskcore::planning::parse_tag(tag).is_ok())
    });
    if tagged.is_empty() || words.is_empty() {
        return (title.to_owned(), Vec::new());
    }
    let tags = tagged
        .iter()
        .map(|word| word.trim_start_matches('+').to_owned())
        .collect();
    (words.join(" "), tags)
}

fn parse_due(text: &str) -> Result<Due, Failure> {
    when::parse_due(text, when::local_zone(), chrono::Utc::now()).map_err(Failure::usage)
}

fn priority_name(priority: PriorityArg) -> &'static str {
    match priority {
        PriorityArg::Low => "low",
        PriorityArg::Medium => "medium",
        PriorityArg::High => "high",
    }
}

fn priority_filter_name(priority: PriorityFilter) -> &'static str {
    match priority {
        PriorityFilter::None => "none",
        PriorityFilter::Low => "low",
        PriorityFilter::Medium => "medium",
        PriorityFilter::High => "high",
    }
}

/// `list`'s filters, as given.
struct Filters {
    words: Vec<String>,
    open: bool,
    done: bool,
    tags: Vec<String>,
    priorities: Vec<PriorityFilter>,
    due: Option<DueArg>,
    before: Option<String>,
    after: Option<String>,
    search: Option<String>,
    sort: Option<String>,
}

impl Filters {
    /// The query parameters of the filters (no page).
    fn query(&self) -> Result<Vec<(&'static str, String)>, Failure> {
        let mut query = Vec::new();
        if self.open {
            query.push(("completed", "false".to_owned()));
        }
        if self.done {
            query.push(("completed", "true".to_owned()));
        }
        for tag in &self.tags {
            query.push(("tag", tag.clone()));
        }
        for priority in &self.priorities {
            query.push(("priority", priority_filter_name(*priority).to_owned()));
        }
        if let Some(due) = self.due {
            let due = match due {
                DueArg::Today => "today",
                DueArg::Overdue => "overdue",
                DueArg::Any => "any",
                DueArg::None => "none",
            };
            query.push(("due", due.to_owned()));
        }
        let zone = when::local_zone();
        let now = chrono::Utc::now();
        for (name, value) in [("due_before", &self.before), ("due_after", &self.after)] {
            if let Some(text) = value {
                let day = when::parse_day_input(text, zone, now).map_err(Failure::usage)?;
                query.push((name, day.to_string()));
            }
        }
        let search: Vec<&str> = self
            .search
            .iter()
            .map(String::as_str)
            .chain(self.words.iter().map(String::as_str))
            .collect();
        if !search.is_empty() {
            query.push(("q", search.join(" ")));
        }
        if let Some(sort) = &self.sort {
            query.push(("sort", sort.clone()));
        }
        Ok(query)
    }

    fn any(&self) -> bool {
        self.open
            || self.done
            || !self.tags.is_empty()
            || !self.priorities.is_empty()
            || self.due.is_some()
            || self.before.is_some()
            || self.after.is_some()
            || self.search.is_some()
            || !self.words.is_empty()
    }
}

/// Every task of a listing, following its `next` links, with a progress
/// line on a terminal; at most [`ALL_MAX_TASKS`].
fn gather(
    context: &Context,
    client: &Authed<'_>,
    query: &[(&str, String)],
) -> Result<(Vec<Task>, Vec<Value>, u64), Failure> {
    let show_progress = !context.out.json && std::io::stderr().is_terminal();
    let mut tasks = Vec::new();
    let mut json = Vec::new();
    let mut progress_shown = false;
    let clear = |shown: bool| {
        if shown {
            eprint!("\r\x1b[2K");
        }
    };
    let mut page = client.call(|client| Ok(client.list_tasks(query)?))?;
    let total = page.total;
    let mut pages = 0;
    loop {
        let empty = page.tasks.is_empty();
        tasks.extend(page.tasks);
        json.extend(page.json);
        pages += 1;
        let Some(next) = page.next else { break };
        if empty {
            clear(progress_shown);
            return Err(Failure::new(
                exit::REFUSED,
                "the server sent an empty page that links to a next one; taskctl stopped there",
            ));
        }
        if tasks.len() >= ALL_MAX_TASKS || pages >= ALL_MAX_PAGES {
            clear(progress_shown);
            return Err(Failure::new(
                exit::REFUSED,
                format!(
                    "the server reports {total} tasks; taskctl gathers at most {ALL_MAX_TASKS}\n\
                     narrow the listing with filters, or page with --skip N --limit 200"
                ),
            ));
        }
        if show_progress {
            eprint!("\rfetched {} of {total} tasks…", tasks.len());
            let _ = std::io::stderr().flush();
            progress_shown = true;
        }
        page = client.call(|client| Ok(client.next_tasks(&next)?))?;
    }
    clear(progress_shown);
    Ok((tasks, json, total))
}

fn list(
    context: &Context,
    filters: &Filters,
    limit: Option<u32>,
    skip: u64,
    all: bool,
) -> Result<(), Failure> {
    let mut query = filters.query()?;
    let client = context.client()?;
    let (tasks, json, total, skip) = if all {
        query.push(("limit", limit.unwrap_or(ALL_PAGE_SIZE).to_string()));
        let (tasks, json, total) = gather(context, &client, &query)?;
        (tasks, json, total, 0)
    } else {
        query.push(("skip", skip.to_string()));
        query.push(("limit", limit.unwrap_or(LIST_PAGE_SIZE).to_string()));
        let page = client.call(|client| Ok(client.list_tasks(&query)?))?;
        (page.tasks, page.json, page.total, skip)
    };
    let mut kept = Kept::load(context, &client);
    kept.journal.saw(&tasks);
    kept.save();
    if context.out.json {
        context.out.json(&Value::Array(json));
        return Ok(());
    }
    if !tasks.is_empty() {
        context.out.show(&context.out.tasks(&tasks, None));
    }
    if total == 0 && filters.any() {
        context.out.say("no tasks match");
    } else {
        context.out.say(&showing(skip, tasks.len(), total));
    }
    Ok(())
}

fn next(context: &Context, limit: u32) -> Result<(), Failure> {
    let client = context.client()?;
    let user = client.call(|client| Ok(client.me()?))?;
    let zone = taskcore::Zone::parse(&user.value.timezone).unwrap_or_default();
    let query = [
        ("completed", "false".to_owned()),
        ("limit", ALL_PAGE_SIZE.to_string()),
    ];
    let (tasks, json, _) = gather(context, &client, &query)?;
    let ranked = taskcore::urgency::rank(tasks, zone, chrono::Utc::now());
    let ranked: Vec<(f64, Task)> = ranked.into_iter().take(limit as usize).collect();
    if context.out.json {
        // The API's JSON of each task, in ranked order, with its urgency.
        let by_id: std::collections::HashMap<i64, &Value> = json
            .iter()
            .filter_map(|task| Some((task.get("id")?.as_i64()?, task)))
            .collect();
        let ranked_json: Vec<Value> = ranked
            .iter()
            .filter_map(|(score, task)| {
                let mut value = (*by_id.get(&task.id.0)?).clone();
                value["urgency"] = json!((score * 100.0).round() / 100.0);
                Some(value)
            })
            .collect();
        context.out.json(&Value::Array(ranked_json));
        return Ok(());
    }
    if ranked.is_empty() {
        context
            .out
            .say("nothing to do — add a task with: taskctl add TITLE");
        return Ok(());
    }
    let scores: Vec<f64> = ranked.iter().map(|(score, _)| *score).collect();
    let tasks: Vec<Task> = ranked.into_iter().map(|(_, task)| task).collect();
    context.out.show(&context.out.tasks(&tasks, Some(&scores)));
    Ok(())
}

fn tags(context: &Context) -> Result<(), Failure> {
    let client = context.client()?;
    let tags = client.call(|client| Ok(client.tags()?))?;
    if context.out.json {
        context.out.json(&tags.json);
    } else if tags.value.is_empty() {
        context
            .out
            .say("no tags yet — tag a task with: taskctl edit ID --tag NAME");
    } else {
        context.out.show(&context.out.tags(&tags.value));
    }
    Ok(())
}

fn timezone(context: &Context, zone: Option<String>) -> Result<(), Failure> {
    let zone = match zone {
        Some(zone) => zone,
        None => when::local_zone_name().ok_or_else(|| {
            Failure::usage("cannot tell this machine's time zone; name one, such as Europe/Paris")
        })?,
    };
    let client = context.client()?;
    let update = UserUpdate {
        timezone: Some(zone),
    };
    let user = client.call(|client| Ok(client.update_me(&update)?))?;
    if context.out.json {
        context.out.json(&user.json);
    } else {
        context
            .out
            .say(&format!("time zone set to {}", user.value.timezone));
    }
    Ok(())
}

fn show(context: &Context, id: i64) -> Result<(), Failure> {
    let client = context.client()?;
    let task = client.call(|client| {
        client
            .task(id)
            .map_err(|error| Failure::for_task(id, error))
    })?;
    let mut kept = Kept::load(context, &client);
    kept.journal.saw([&task.value]);
    kept.save();
    print_task(context, &task);
    Ok(())
}

/// `edit`'s changes, as given.
struct Changes {
    title: Option<String>,
    description: Option<String>,
    clear_description: bool,
    due: Option<String>,
    priority: Option<PriorityFilter>,
    tags: Vec<String>,
    untags: Vec<String>,
}

fn edit(context: &Context, id: i64, changes: Changes) -> Result<(), Failure> {
    let description = if changes.clear_description {
        Some(None)
    } else {
        changes.description.map(Some)
    };
    let mut patch = TaskUpdate {
        title: changes.title,
        description,
        priority: changes.priority.map(|priority| match priority {
            PriorityFilter::None => None,
            other => Some(priority_filter_name(other).to_owned()),
        }),
        add_tags: (!changes.tags.is_empty()).then_some(changes.tags),
        remove_tags: (!changes.untags.is_empty()).then_some(changes.untags),
        ..TaskUpdate::default()
    };
    match changes.due.map(|due| parse_due(&due)).transpose()? {
        Some(Due::Date(day)) => patch.due_date = Some(Some(day.to_string())),
        Some(Due::At(instant)) => patch.due_at = Some(Some(instant.to_rfc3339())),
        Some(Due::Clear) => {
            patch.due_date = Some(None);
            patch.due_at = Some(None);
        }
        None => {}
    }
    if patch.is_empty() {
        return Err(Failure::usage(
            "nothing to change: give --title, --description, --clear-description, --due, \
             --priority, --tag or --untag",
        ));
    }
    let client = context.client()?;
    let mut kept = Kept::load(context, &client);
    kept.journal.begin();
    let changed = guarded(&client, &mut kept, id, Change::Patch(&patch));
    kept.save();
    if let Outcome::Made(Some(task)) = changed? {
        print_task(context, &task);
    }
    Ok(())
}

/// Creates a task with an idempotency key; a create that timed out, lost
/// its connection or met its own first attempt still in progress is sent
/// again with the same key, at most twice, so it is never made twice.
fn create_once(client: &Authed<'_>, new_task: &TaskCreate) -> Result<Fetched<Task>, Failure> {
    const RETRIES: u32 = 2;
    let key = uuid::Uuid::new_v4().to_string();
    let mut retries = 0;
    loop {
        match client
            .call(|client| devices::unless_unauthorized(client.create_task_once(new_task, &key)))
        {
            Ok(Ok(task)) => return Ok(task),
            Ok(Err(error)) if retries < RETRIES && retryable(&error) => {
                retries += 1;
                eprintln!("taskctl: {error}; sending the task again ({retries} of {RETRIES})");
                if matches!(error, ClientError::Refused { status: 409, .. }) {
                    std::thread::sleep(Duration::from_secs(1));
                }
            }
            Ok(Err(error)) => return Err(error.into()),
            Err(failure) => return Err(failure),
        }
    }
}

/// Whether a create may not have been answered: no answer, or its first
/// attempt still in progress.
fn retryable(error: &ClientError) -> bool {
    matches!(
        error,
        ClientError::Unreachable { .. } | ClientError::Refused { status: 409, .. }
    )
}

/// One task in full, or the API's JSON for it.
fn print_task(context: &Context, task: &Fetched<Task>) {
    if context.out.json {
        context.out.json(&task.json);
    } else {
        context.out.show(&context.out.task(&task.value));
    }
}

/// Applies `work` to every id; reports each failure and returns the first.
pub(crate) fn for_each_id(
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
    let mut kept = Kept::load(context, &client);
    kept.journal.begin();
    let result = for_each_id(context, ids, |id| {
        let Outcome::Made(Some(task)) = guarded(&client, &mut kept, id, Change::Patch(&patch))?
        else {
            return Ok(None);
        };
        let verb = if completed { "done" } else { "reopened" };
        context.out.say(&format!(
            "{} {} {}: {}",
            done_mark(task.value.completed),
            verb,
            task.value.id,
            task.value.title
        ));
        Ok(Some(task.json))
    });
    kept.save();
    result
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
    let mut kept = Kept::load(context, &client);
    kept.journal.begin();
    let result = for_each_id(context, ids, |id| {
        if let Outcome::KeptTheirs = guarded(&client, &mut kept, id, Change::Delete)? {
            return Ok(None);
        }
        context.out.say(&format!(
            "deleted task {id} (taskctl undo, or restore {id}, brings it back)"
        ));
        Ok(Some(json!({ "id": id, "deleted": true })))
    });
    kept.save();
    result
}
