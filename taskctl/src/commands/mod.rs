//! What each command does: the dispatch here, the commands by concern in
//! the modules below.

mod access;
mod account;
mod bulk;
mod devices;
mod each;
mod editor;
mod listing;
mod lists;
mod tasks;
mod trash;
mod undo;

use clap::CommandFactory;

use self::account::{change_password, delete_account, login, logout, register, timezone, whoami};
use self::bulk::{Among, chosen};
use self::listing::{Shape, list, next, tags};
use self::tasks::{Adding, Changes, add, edit, edit_many, remove, set_completed, show};
use crate::cli::{AccountCommand, Cli, Command, TrashAction, flatten_ids};
use crate::context::Context;
use crate::failure::{Failure, exit};
use crate::selection::Selection;

/// How many tasks bare `taskctl` shows (as `next`).
const DEFAULT_NEXT: u32 = 10;

/// What bare `taskctl` says before anyone has logged in.
const SHORT_HELP: &str = "taskctl: your taskd tasks from the terminal
  taskctl register        make an account (or: taskctl login)
  taskctl add Buy milk --due fri
  taskctl                 what is next, once logged in
  taskctl --help          every command";

pub fn run(cli: Cli) -> Result<(), Failure> {
    if let Some(Command::Completions { shell }) = cli.command {
        let mut command = Cli::command();
        let mut script = Vec::new();
        clap_complete::generate(shell, &mut command, "taskctl", &mut script);
        crate::output::write_or_exit(&script);
        return Ok(());
    }
    let context = Context::new(&cli.global)?;
    let Some(command) = cli.command else {
        // Bare `taskctl`: what is next, or how to start.
        return match context.session() {
            Ok(_) => next(&context, DEFAULT_NEXT, false),
            // Not logged in: how to start (for a script, the failure).
            Err(failure) if failure.code == exit::NOT_LOGGED_IN && !context.out.json => {
                context.out.say(SHORT_HELP);
                Ok(())
            }
            Err(failure) => Err(failure),
        };
    };
    match command {
        Command::Register {
            credentials,
            invite,
        } => register(&context, credentials, invite),
        Command::Login(credentials) => login(&context, credentials),
        Command::Logout { everywhere } => logout(&context, everywhere),
        Command::Sessions { action } => access::sessions(&context, action),
        Command::Token(command) => access::token(&context, command),
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
            literal,
            list,
            scheduling,
        } => {
            // `--due fri 5pm` unquoted: the time went to the title.
            if let (Some(due), [_, .., last]) = (&due, title.as_slice())
                && crate::when::is_time(last)
            {
                return Err(Failure::usage(format!(
                    "'{last}' ended up in the title: quote a due with a time, \
                     --due \"{due} {last}\" (or quote the title if it ends with a time)"
                )));
            }
            let adding = Adding {
                title: title.join(" "),
                description,
                due,
                priority,
                tags,
                literal,
                list,
                scheduling,
            };
            add(&context, adding)
        }
        Command::List {
            filters,
            limit,
            skip,
            page,
            all,
            wide,
            tree,
        } => list(
            &context,
            &filters,
            Shape {
                limit,
                skip,
                page,
                all: all || tree,
                wide,
                tree,
            },
        ),
        Command::Next { limit, wide } => next(&context, limit, wide),
        Command::Tags => tags(&context),
        Command::Lists { action } => lists::lists(&context, action),
        Command::Timezone { zone } => timezone(&context, zone),
        Command::Show { id } => show(&context, id),
        Command::Edit {
            id,
            filter,
            yes,
            title,
            description,
            clear_description,
            due,
            priority,
            tags,
            untags,
            literal,
            list,
            scheduling,
        } => {
            let changes = Changes {
                literal,
                title,
                description,
                clear_description,
                due,
                priority,
                tags,
                untags,
                list,
                scheduling,
            };
            match (id, filter) {
                (Some(id), _) if changes.is_empty() => editor::edit_in_editor(&context, id),
                (Some(id), _) => edit(&context, id, changes),
                (None, Some(filter)) => {
                    // Everything checked before anything is asked.
                    let selection = Selection::parse(&filter).map_err(Failure::usage)?;
                    let patch = tasks::patch_of(&context, changes)?;
                    let no_ids: [crate::cli::Ids; 0] = [];
                    match chosen(&context, &no_ids, &selection, Among::Open, "change", yes)? {
                        Some(ids) => edit_many(&context, &ids, &patch),
                        None => Ok(()),
                    }
                }
                (None, None) => Err(Failure::usage("give a task id, or --where FILTER")),
            }
        }
        Command::Done {
            ids,
            selection,
            yes,
        } => match chosen(&context, &ids, &selection, Among::Open, "complete", yes)? {
            Some(ids) => set_completed(&context, &ids, true),
            None => Ok(()),
        },
        Command::Undone {
            ids,
            selection,
            yes,
        } => match chosen(&context, &ids, &selection, Among::Done, "reopen", yes)? {
            Some(ids) => set_completed(&context, &ids, false),
            None => Ok(()),
        },
        Command::Rm {
            ids,
            selection,
            yes,
        } => {
            // Ids are confirmed by remove; a filter's choice by chosen.
            let by_filter = ids.is_empty();
            match chosen(&context, &ids, &selection, Among::Any, "delete", yes)? {
                Some(ids) => remove(&context, &ids, yes || by_filter),
                None => Ok(()),
            }
        }
        Command::Undo { list } => undo::undo(&context, list),
        Command::Trash { action } => match action {
            None => trash::list(&context),
            Some(TrashAction::Rm { ids, yes }) => trash::erase(&context, &flatten_ids(&ids), yes),
            Some(TrashAction::Empty { yes }) => trash::empty(&context, yes),
        },
        Command::Restore { ids } => devices::restore(&context, &flatten_ids(&ids)),
        Command::Export { force } => devices::export(&context, force),
        Command::Import { file, dry_run } => devices::import(&context, &file, dry_run),
        Command::Completions { .. } => Ok(()),
    }
}
