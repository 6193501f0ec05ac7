//! Command-line definitions of `taskctl lists`.

use clap::Subcommand;

/// What `lists` does besides showing them.
#[derive(Debug, Subcommand)]
pub enum ListsCommand {
    /// Make a list (after the last).
    Add {
        /// Its name: 1 to 100 characters, not one you have (ignoring case).
        name: String,
        /// A colour, #RRGGBB.
        #[arg(long, value_name = "#RRGGBB")]
        color: Option<String>,
    },
    /// Rename a list.
    Rename {
        /// The list's name now (in any case).
        old: String,
        /// Its new name.
        new: String,
    },
    /// Delete a list; one with tasks only with --trash-tasks.
    Rm {
        /// The list's name (in any case).
        name: String,
        /// Move the list's tasks to the trash with it.
        #[arg(long)]
        trash_tasks: bool,
    },
    /// Make a list the default: where tasks go when no list is named.
    Default {
        /// The list's name (in any case).
        name: String,
    },
}
