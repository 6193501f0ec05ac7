//! taskctl: the terminal client for taskd.

mod choices;
mod cli;
mod commands;
mod context;
mod failure;
mod output;
mod prompt;
mod when;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
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
