//! taskctl: the terminal client for taskd.

mod choices;
mod cli;
mod commands;
mod context;
mod failure;
mod fit;
mod list_args;
mod output;
mod prompt;
mod repeating;
mod selection;
mod task_args;
mod when;

use std::process::ExitCode;

use clap::error::{ContextKind, ContextValue, ErrorKind};
use clap::{CommandFactory, Parser};

fn main() -> ExitCode {
    let cli = cli::Cli::try_parse().unwrap_or_else(|error| plainer(error).exit());
    match commands::run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => {
            if !failure.message.is_empty() {
                eprintln!("taskctl: {}", output::printable(&failure.message));
            }
            ExitCode::from(failure.code)
        }
    }
}

/// clap's error, without a suggested command that is near only in spelling
/// (`remind` is not `rm`): a suggestion is kept when it is one slip away
/// (a letter added, dropped, changed or two swapped: `lsit`, `lst`).
fn plainer(error: clap::Error) -> clap::Error {
    if error.kind() != ErrorKind::InvalidSubcommand {
        return error;
    }
    let typed = match error.get(ContextKind::InvalidSubcommand) {
        Some(ContextValue::String(typed)) => typed.clone(),
        _ => return error,
    };
    let near = match error.get(ContextKind::SuggestedSubcommand) {
        Some(ContextValue::String(suggested)) => one_slip(&typed, suggested),
        Some(ContextValue::Strings(suggested)) => suggested
            .iter()
            .any(|suggested| one_slip(&typed, suggested)),
        _ => true,
    };
    if near {
        return error;
    }
    let mut command = cli::Cli::command();
    command.build();
    clap::Error::raw(
        ErrorKind::InvalidSubcommand,
        format!("unrecognized subcommand '{typed}'; taskctl --help lists them\n"),
    )
    .with_cmd(&command)
}

/// Whether `typed` is one slip of the keyboard from `name`.
fn one_slip(typed: &str, name: &str) -> bool {
    let (typed, name): (Vec<char>, Vec<char>) = (typed.chars().collect(), name.chars().collect());
    let prefix = typed.iter().zip(&name).take_while(|(a, b)| a == b).count();
    let (rest_typed, rest_name) = (&typed[prefix..], &name[prefix..]);
    match (rest_typed.len(), rest_name.len()) {
        (0, 0) => true,
        // A letter changed, or two swapped.
        (a, b) if a == b => {
            rest_typed[1..] == rest_name[1..]
                || (a >= 2
                    && rest_typed[0] == rest_name[1]
                    && rest_typed[1] == rest_name[0]
                    && rest_typed[2..] == rest_name[2..])
        }
        // A letter added or dropped.
        (a, b) if a == b + 1 => rest_typed[1..] == *rest_name,
        (a, b) if a + 1 == b => *rest_typed == rest_name[1..],
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::one_slip;

    #[test]
    fn a_slip_is_one_letter_added_dropped_changed_or_two_swapped() {
        for (typed, name) in [
            ("lsit", "list"),
            ("lst", "list"),
            ("lisst", "list"),
            ("lust", "list"),
            ("list", "list"),
        ] {
            assert!(one_slip(typed, name), "{typed} → {name}");
        }
        for (typed, name) in [
            ("remind", "rm"),
            ("rmx", "list"),
            ("tsil", "list"),
            ("", "rm"),
        ] {
            assert!(!one_slip(typed, name), "{typed} ↛ {name}");
        }
    }
}
