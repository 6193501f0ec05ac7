//! Command-line definitions.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};
use taskcore::{DueFilter, Priority};

use crate::choices::{self, PriorityOrNone};
use crate::list_args::ListsCommand;
use crate::selection::Selection;
use crate::task_args::Scheduling;

const AFTER_HELP: &str = "\
Exit codes:
  0  success
  1  the server refused the request (validation, conflict, wrong password)
  2  usage error
  3  cannot reach the server
  4  not logged in, or the session ended (run taskctl login)
  5  not found

The session (server, email, tokens) is saved in the config directory,
readable by you only: $XDG_CONFIG_HOME/taskctl/session.json on Linux.
Access tokens are short-lived; taskctl renews them with the session's
refresh token as needed, so you stay logged in until you log out, change
your password elsewhere, or leave it unused for the server's refresh-token
lifetime (30 days by default).

TASKCTL_TOKEN=tdp_... (an API token, from taskctl token create) is used
instead of the saved session: for scripts, with no login and nothing saved;
a command its scopes do not allow exits 1.";

/// Manage your taskd tasks from the terminal.
#[derive(Debug, Parser)]
#[command(name = "taskctl", version, about, after_help = AFTER_HELP)]
pub struct Cli {
    #[command(flatten)]
    pub global: Global,
    /// Without one: `next` when logged in, a short help otherwise.
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// Options every command takes.
#[derive(Debug, Args)]
pub struct Global {
    /// taskd server URL [default: the saved session's server, else http://127.0.0.1:8000]
    #[arg(
        long,
        global = true,
        help_heading = "Global options",
        env = "TASKCTL_SERVER",
        value_name = "URL"
    )]
    pub server: Option<String>,

    /// Print exactly what the API returned, as JSON, and nothing else on stdout.
    #[arg(long, global = true, help_heading = "Global options")]
    pub json: bool,

    /// Where the session is saved [default: the platform config directory]
    #[arg(
        long,
        global = true,
        help_heading = "Global options",
        env = "TASKCTL_CONFIG_DIR",
        value_name = "DIR"
    )]
    pub config_dir: Option<PathBuf>,

    /// A PEM file of certificate authorities to trust for https:// servers,
    /// besides the system's (for a server with a private CA).
    #[arg(
        long,
        global = true,
        help_heading = "Global options",
        env = "TASKCTL_CACERT",
        value_name = "FILE"
    )]
    pub cacert: Option<PathBuf>,

    /// Seconds to wait for a connection.
    #[arg(long, global = true, help_heading = "Global options", env = "TASKCTL_CONNECT_TIMEOUT", value_name = "SECONDS", default_value_t = 5,
          value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub connect_timeout: u64,

    /// Seconds to wait for a whole request.
    #[arg(long, global = true, help_heading = "Global options", env = "TASKCTL_TIMEOUT", value_name = "SECONDS", default_value_t = 30,
          value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub timeout: u64,
}

/// How to get credentials.
#[derive(Debug, Args)]
pub struct Credentials {
    /// Account email [default: asked on the terminal]
    #[arg(long, value_name = "EMAIL")]
    pub email: Option<String>,

    /// Read the password from standard input (for scripts) instead of asking.
    #[arg(long)]
    pub password_stdin: bool,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create an account, then log in to it.
    ///
    /// Asks the server first whether it takes new accounts: a closed one is
    /// said at once, and on one that registers by invite the code is asked
    /// for (or given with --invite).
    Register {
        #[command(flatten)]
        credentials: Credentials,
        /// The invite code the server's administrator gave you (tdi_…).
        #[arg(long, value_name = "CODE")]
        invite: Option<String>,
    },
    /// Log in and save the session.
    Login(Credentials),
    /// End the session on the server and forget it here.
    Logout {
        /// Also end every other session of the account (other machines,
        /// apps); API tokens stay (see: taskctl token).
        #[arg(long)]
        everywhere: bool,
    },
    /// Your login sessions: one per device or app that logged in.
    Sessions {
        #[command(subcommand)]
        action: Option<SessionsCommand>,
    },
    /// Personal API tokens, for scripts (run taskctl with TASKCTL_TOKEN set
    /// to one: no login, nothing saved) and task apps.
    #[command(subcommand)]
    Token(TokenCommand),
    /// Change your password; your other sessions (other machines, scripts) are logged out.
    Passwd {
        /// Read the current and the new password from standard input, one
        /// per line, instead of asking.
        #[arg(long)]
        password_stdin: bool,
    },
    /// Manage your account.
    #[command(subcommand)]
    Account(AccountCommand),
    /// Show who you are logged in as, and where.
    Whoami,
    /// Add a task.
    #[command(after_help = ADD_HELP)]
    Add {
        /// The task's title (1 to 255 characters), quoted or not; words like
        /// +home become tags.
        #[arg(required = true, num_args = 1.., value_name = "TITLE")]
        title: Vec<String>,
        /// A longer description (at most 2,000 characters).
        #[arg(short, long, value_name = "TEXT")]
        description: Option<String>,
        /// When it is due: today, fri, next week, "in 3 days", +1m, "dec 24",
        /// eow, 24.12.2026 (all day); "fri 17:00", 5pm, "dec 24 9:00"
        /// (local time). A weekday or a time alone is the next one ahead.
        #[arg(long, value_name = "WHEN")]
        due: Option<String>,
        /// How important it is.
        #[arg(short, long, value_parser = choices::priority())]
        priority: Option<Priority>,
        /// A tag (repeat for several).
        #[arg(short, long = "tag", value_name = "TAG")]
        tags: Vec<String>,
        /// Keep the title exactly as typed: no +word becomes a tag.
        #[arg(long)]
        literal: bool,
        /// The list to put it in, by name [default: your default list]
        #[arg(long, value_name = "NAME")]
        list: Option<String>,
        #[command(flatten)]
        scheduling: Scheduling,
    },
    /// List your tasks, oldest first unless --sort says otherwise.
    #[command(visible_alias = "ls", after_help = LIST_HELP)]
    List {
        #[command(flatten)]
        filters: ListFilters,
        /// Tasks per page, 1 to 200 [default: 20, or 200 with --all]
        #[arg(long, value_parser = clap::value_parser!(u32).range(1..=200))]
        limit: Option<u32>,
        /// Tasks to skip.
        #[arg(long, default_value_t = 0, conflicts_with = "page")]
        skip: u64,
        /// The page to show, from 1 (pages of --limit tasks).
        #[arg(long, value_parser = clap::value_parser!(u64).range(1..=1_000_000))]
        page: Option<u64>,
        /// Every matching task, following every page (at most 50,000).
        #[arg(long, conflicts_with_all = ["skip", "page"])]
        all: bool,
        /// Also show when each task last changed.
        #[arg(long)]
        wide: bool,
        /// Subtasks indented under their parents (every matching task).
        #[arg(long, conflicts_with_all = ["skip", "page"])]
        tree: bool,
    },
    /// Open tasks, most urgent first: overdue and soon due, high priority,
    /// old and tagged tasks rank higher.
    #[command(after_help = NEXT_HELP)]
    Next {
        /// How many to show.
        #[arg(short = 'n', long, default_value_t = 10,
              value_parser = clap::value_parser!(u32).range(1..=1000))]
        limit: u32,
        /// Also show when each task last changed.
        #[arg(long)]
        wide: bool,
    },
    /// Your tags, with how many open tasks and tasks in all carry each.
    Tags,
    /// Your lists, with their open and total tasks (the default one marked);
    /// make, rename, delete them, or choose the default.
    Lists {
        #[command(subcommand)]
        action: Option<ListsCommand>,
    },
    /// Show, or set, the time zone the server reads today and overdue in.
    Timezone {
        /// An IANA zone such as Europe/Paris (in any case) to set; without
        /// one, the zone is shown.
        zone: Option<String>,
    },
    /// Show one task in full.
    Show {
        /// Task id.
        #[arg(value_parser = task_id)]
        id: i64,
    },
    /// Change a task's title, description, due, priority or tags.
    ///
    /// If the task changed elsewhere since taskctl last showed it to you,
    /// shows both versions and asks whether to keep your change or theirs;
    /// in a script it changes nothing and exits 1. (The same holds for done,
    /// undone and rm.)
    #[command(after_help = EDIT_HELP)]
    Edit {
        /// Task id.
        #[arg(value_parser = task_id, required_unless_present = "filter")]
        id: Option<i64>,
        /// Change every open task this filter selects instead of one:
        /// "+errands due:overdue pri:h before:fri words".
        #[arg(long = "where", value_name = "FILTER", conflicts_with_all = ["id", "title", "description", "clear_description"])]
        filter: Option<String>,
        /// Do not ask before changing tasks --where selects (required in scripts).
        #[arg(long, short, requires = "filter")]
        yes: bool,
        /// New title; words like +home become tags, as with add.
        #[arg(long)]
        title: Option<String>,
        /// Keep the new title exactly as typed: no +word becomes a tag.
        #[arg(long, requires = "title")]
        literal: bool,
        /// New description.
        #[arg(long, short, value_name = "TEXT", conflicts_with = "clear_description")]
        description: Option<String>,
        /// Remove the description.
        #[arg(long)]
        clear_description: bool,
        /// New due (as for add), or none to clear it.
        #[arg(long, value_name = "WHEN")]
        due: Option<String>,
        /// New priority, or none to clear it.
        #[arg(short, long, value_parser = choices::priority_or_none())]
        priority: Option<PriorityOrNone>,
        /// Add a tag (repeat for several); other tags stay.
        #[arg(short, long = "tag", visible_alias = "add-tag", value_name = "TAG")]
        tags: Vec<String>,
        /// Remove a tag (repeat for several).
        #[arg(long = "untag", value_name = "TAG")]
        untags: Vec<String>,
        /// Move it to another of your lists, by name.
        #[arg(long, value_name = "NAME")]
        list: Option<String>,
        #[command(flatten)]
        scheduling: Scheduling,
    },
    /// Mark tasks complete: by id, or the open tasks a filter selects.
    #[command(after_help = BULK_HELP)]
    Done {
        /// Task ids: 62 63, 62,63 or 62-65.
        #[arg(value_parser = task_ids, value_name = "IDS")]
        ids: Vec<Ids>,
        #[command(flatten)]
        selection: Selection,
        /// Do not ask before changing tasks a filter selects (required in scripts).
        #[arg(long, short)]
        yes: bool,
    },
    /// Reopen completed tasks: by id, or the completed tasks a filter selects.
    Undone {
        /// Task ids: 62 63, 62,63 or 62-65.
        #[arg(value_parser = task_ids, value_name = "IDS")]
        ids: Vec<Ids>,
        #[command(flatten)]
        selection: Selection,
        /// Do not ask before changing tasks a filter selects (required in scripts).
        #[arg(long, short)]
        yes: bool,
    },
    /// Revert the newest command that changed tasks; again, the one before.
    ///
    /// Goes back through the last 20 commands that changed tasks (add,
    /// edit, done, undone, rm, restore and import), each change only if the
    /// task has not changed elsewhere since.
    Undo {
        /// List the commands undo can revert, the next one first.
        #[arg(long)]
        list: bool,
    },
    /// List deleted tasks, newest deletion first; erase them for good.
    Trash {
        #[command(subcommand)]
        action: Option<TrashAction>,
    },
    /// Put deleted tasks back from the trash.
    Restore {
        /// Task ids: 62 63, 62,63 or 62-65.
        #[arg(required = true, value_parser = task_ids, value_name = "IDS")]
        ids: Vec<Ids>,
    },
    /// Write every task (trashed ones too) as JSON: taskctl export > tasks.json
    ///
    /// The export goes to a file or a pipe; to a terminal only with
    /// --force, and then with every character a terminal could act on
    /// escaped.
    Export {
        /// Write to a terminal anyway.
        #[arg(long)]
        force: bool,
    },
    /// Create tasks from a file: a taskctl export, or Taskwarrior's `task export`.
    ///
    /// Importing the same file again creates nothing new.
    Import {
        /// The file to read (at most 20 MiB), or - for standard input
        /// (task export | taskctl import -).
        file: std::path::PathBuf,
        /// Report what would be created, and create nothing.
        #[arg(long)]
        dry_run: bool,
    },
    /// Delete tasks, by id or the tasks (open or done) a filter selects;
    /// asks first when run on a terminal.
    #[command(after_help = BULK_HELP)]
    Rm {
        /// Task ids: 62 63, 62,63 or 62-65.
        #[arg(value_parser = task_ids, value_name = "IDS")]
        ids: Vec<Ids>,
        #[command(flatten)]
        selection: Selection,
        /// Do not ask for confirmation (required in scripts for a filter).
        #[arg(long, short)]
        yes: bool,
    },
    /// Print a shell completion script: taskctl completions bash > ~/.local/share/bash-completion/completions/taskctl
    Completions {
        /// Shell to complete for.
        shell: clap_complete::Shell,
    },
}

/// `list`'s filters: what the listing's query string asks for.
#[derive(Debug, Clone, Default, Args)]
pub struct ListFilters {
    /// Words to search for in titles and descriptions (like --search).
    pub words: Vec<String>,
    /// Only open tasks (the default).
    #[arg(long, conflicts_with_all = ["done", "any"])]
    pub open: bool,
    /// Only completed tasks.
    #[arg(long, conflicts_with = "any")]
    pub done: bool,
    /// Open and completed tasks alike.
    #[arg(long)]
    pub any: bool,
    /// Only tasks with this tag (repeat: tasks with every one).
    #[arg(short, long = "tag", value_name = "TAG")]
    pub tags: Vec<String>,
    /// Only tasks with this priority (repeat: any of them).
    #[arg(short, long = "priority", value_parser = choices::priority_or_none(), value_name = "PRIORITY")]
    pub priorities: Vec<PriorityOrNone>,
    /// Only tasks due today, overdue ones, ones with any due or none.
    #[arg(long, value_parser = choices::due_filter(), value_name = "WHICH")]
    pub due: Option<DueFilter>,
    /// Only tasks due on or before this day (today, fri, +3d, 2025-01-31 …).
    #[arg(long, value_name = "DATE")]
    pub before: Option<String>,
    /// Only tasks due on or after this day.
    #[arg(long, value_name = "DATE")]
    pub after: Option<String>,
    /// Only tasks whose title or description has words starting so.
    #[arg(short, long, value_name = "TEXT")]
    pub search: Option<String>,
    /// Only tasks in this list (by name, in any case).
    #[arg(long, value_name = "NAME")]
    pub list: Option<String>,
    /// Only tasks completed on or after this day (mon: this week's Monday,
    /// last week, dec 1, 2025-11-30 …); lists completed tasks.
    #[arg(long, value_name = "DATE", conflicts_with_all = ["open", "any"])]
    pub since: Option<String>,
    /// Only tasks completed on or before this day; lists completed tasks.
    #[arg(long, value_name = "DATE", conflicts_with_all = ["open", "any"])]
    pub until: Option<String>,
    /// Order: keys id, created_at, updated_at, due, priority, title,
    /// completed_at, comma separated, each with - for descending, such as
    /// due,-priority [default: id; completed_at for completed tasks]
    #[arg(long, value_name = "KEYS", allow_hyphen_values = true)]
    pub sort: Option<String>,
}

const ADD_HELP: &str = "\
Examples:
  taskctl add Buy oat milk --due 5pm -p h
  taskctl add \"Pay rent\" --due fri --priority high --tag money --tag home
  taskctl add \"Call the bank +money\" --due \"tomorrow 09:30\"
  taskctl add --literal \"Score +1 for the team\"

Dates are read in this machine's time zone (TZ, else the system's); add
prints the due it understood.";

const BULK_HELP: &str = "\
Examples:
  taskctl done 62 63          taskctl done 62-65
  taskctl done --tag errands --due overdue
A filter shows the tasks it selects and asks first (complete 7 tasks? [y/N]);
in a script, --yes is required. taskctl undo takes it all back.";

const EDIT_HELP: &str = "\
Examples:
  taskctl edit 62 --due fri --priority high
  taskctl edit 62                 (no changes: opens the task in $EDITOR)
  taskctl edit --where \"+errands due:overdue\" --priority high --add-tag today
A filter (--where) selects open tasks: +TAG, due:today|overdue|any|none,
pri:h|m|l|none, before:DATE, after:DATE, and words to search for.";

const LIST_HELP: &str = "\
Examples:
  taskctl list --tag home --sort due
  taskctl list --done --since mon     (what you completed this week)
  taskctl list rent            (search titles and descriptions)
  taskctl list --due overdue --priority high";

const NEXT_HELP: &str = "\
The urgency is Taskwarrior's: 6.0 for high priority (3.9 medium, 1.8 low),
up to 12.0 for being due (full from a week overdue, 0.2 of it for two weeks
ahead or later), up to 2.0 for age (full at a year), up to 1.0 for tags.
The function is taskcore::urgency::score.";

/// `taskctl sessions …`
#[derive(Debug, Subcommand)]
pub enum SessionsCommand {
    /// End one session: its device or app must log in again.
    Rm {
        /// The session's id, as `taskctl sessions` lists it.
        id: i64,
    },
}

/// `taskctl token …`
#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Make a token and print its secret, once.
    Create {
        /// What the token is for, such as "backup script" (1 to 100 characters).
        name: String,
        /// What it may do: tasks:read, tasks:write (implies read) or caldav
        /// (repeat for several).
        #[arg(long = "scope", required = true, value_name = "SCOPE",
              value_parser = ["tasks:read", "tasks:write", "caldav"])]
        scopes: Vec<String>,
        /// Days until it expires, such as 90d or 90 (1 to 3650) [default: never].
        #[arg(long, value_name = "DAYS", value_parser = parse_days)]
        expires: Option<u32>,
    },
    /// List your tokens (never their secrets).
    List,
    /// Revoke a token: it is refused from its next use on.
    Rm {
        /// The token's id, as `taskctl token list` shows it.
        id: i64,
    },
}

/// `90d` or `90`: days, 1 to 3650.
fn parse_days(text: &str) -> Result<u32, String> {
    let digits = text.trim().trim_end_matches('d');
    match digits.parse::<u32>() {
        Ok(days) if (1..=3650).contains(&days) => Ok(days),
        _ => Err(format!(
            "'{text}' is not a number of days from 1 to 3650, such as 90d"
        )),
    }
}

#[derive(Debug, Subcommand)]
pub enum AccountCommand {
    /// Delete your account and all its tasks, for good (asks for your
    /// password, and for your email to confirm).
    Delete {
        /// Read the password from standard input instead of asking.
        #[arg(long)]
        password_stdin: bool,
        /// Your account's email, to confirm without being asked (for scripts).
        #[arg(long, value_name = "EMAIL")]
        confirm: Option<String>,
    },
}

/// What `trash` does besides listing.
#[derive(Debug, Subcommand)]
pub enum TrashAction {
    /// Erase trashed tasks for good (asks first when run on a terminal).
    Rm {
        /// Task ids: 62 63, 62,63 or 62-65.
        #[arg(required = true, value_parser = task_ids, value_name = "IDS")]
        ids: Vec<Ids>,
        /// Do not ask for confirmation.
        #[arg(long, short)]
        yes: bool,
    },
    /// Erase everything in the trash for good (asks first when run on a terminal).
    Empty {
        /// Do not ask for confirmation.
        #[arg(long, short)]
        yes: bool,
    },
}

/// Task ids as one argument gives them: `62`, `62,63` or `62-65`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ids(pub Vec<i64>);

/// Most ids one range may name.
const RANGE_MAX: i64 = 1000;

fn task_ids(input: &str) -> Result<Ids, String> {
    let mut ids = Vec::new();
    for part in input
        .split(',')
        .map(str::trim)
        .filter(|part| !part.is_empty())
    {
        match part.split_once('-') {
            Some((first, last)) => {
                let (first, last) = (task_id(first)?, task_id(last)?);
                if last < first || last - first >= RANGE_MAX {
                    return Err(format!(
                        "'{part}' is not a range of task ids (first-last, first not after last, \
                         at most {RANGE_MAX} ids)"
                    ));
                }
                ids.extend(first..=last);
            }
            None => ids.push(task_id(part)?),
        }
    }
    if ids.is_empty() {
        return Err(format!("'{input}' names no task id"));
    }
    Ok(Ids(ids))
}

/// Every id the arguments name, each once, in the order given.
pub fn flatten_ids(lists: &[Ids]) -> Vec<i64> {
    let mut seen = std::collections::HashSet::new();
    lists
        .iter()
        .flat_map(|list| list.0.iter().copied())
        .filter(|id| seen.insert(*id))
        .collect()
}

fn task_id(input: &str) -> Result<i64, String> {
    match input.parse::<i64>() {
        Ok(id) if id > 0 => Ok(id),
        _ => Err(format!(
            "'{input}' is not a task id (a positive whole number)"
        )),
    }
}
