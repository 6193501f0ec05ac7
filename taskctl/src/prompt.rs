//! Asking for an email and a password: on the terminal, or from stdin for scripts.

use std::io::{BufRead, IsTerminal, Read, Write};

use crate::failure::{Failure, exit};

/// The email from `--email`, or asked on the terminal.
pub fn email(given: Option<String>) -> Result<String, Failure> {
    if let Some(email) = given {
        return Ok(email);
    }
    if !std::io::stdin().is_terminal() {
        return Err(Failure::usage(
            "no terminal to ask for the email on: pass --email EMAIL",
        ));
    }
    eprint!("Email: ");
    let _ = std::io::stderr().flush();
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .map_err(|error| Failure::usage(format!("cannot read the email: {error}")))?;
    let email = line.trim().to_owned();
    if email.is_empty() {
        return Err(Failure::usage("no email given"));
    }
    Ok(email)
}

/// The password from stdin (`--password-stdin`), or asked without echo on the
/// terminal; `confirm` asks twice. Never from the command line, where it
/// would show in `ps` and shell history.
pub fn password(from_stdin: bool, confirm: bool) -> Result<String, Failure> {
    if from_stdin {
        let mut text = String::new();
        std::io::stdin()
            .read_to_string(&mut text)
            .map_err(|error| {
                Failure::usage(format!("cannot read the password from stdin: {error}"))
            })?;
        let password = text.strip_suffix('\n').unwrap_or(&text);
        let password = password.strip_suffix('\r').unwrap_or(password);
        if password.is_empty() {
            return Err(Failure::usage(
                "--password-stdin: standard input held no password",
            ));
        }
        return Ok(password.to_owned());
    }
    if !std::io::stdin().is_terminal() {
        return Err(Failure::usage(
            "no terminal to ask for the password on: pipe it in with --password-stdin",
        ));
    }
    let ask = |prompt: &str| {
        rpassword::prompt_password(prompt)
            .map_err(|error| Failure::usage(format!("cannot read the password: {error}")))
    };
    let password = ask("Password: ")?;
    if confirm && ask("Repeat password: ")? != password {
        return Err(Failure::new(
            exit::REFUSED,
            "the passwords do not match; nothing was changed",
        ));
    }
    Ok(password)
}

/// The current and the new password: two lines on stdin
/// (`--password-stdin`), or asked without echo on the terminal, the new one twice.
pub fn password_change(from_stdin: bool) -> Result<(String, String), Failure> {
    if from_stdin {
        let mut text = String::new();
        std::io::stdin()
            .read_to_string(&mut text)
            .map_err(|error| {
                Failure::usage(format!("cannot read the passwords from stdin: {error}"))
            })?;
        let mut lines = text
            .lines()
            .map(|line| line.strip_suffix('\r').unwrap_or(line));
        return match (lines.next(), lines.next()) {
            (Some(current), Some(new)) if !current.is_empty() && !new.is_empty() => {
                Ok((current.to_owned(), new.to_owned()))
            }
            _ => Err(Failure::usage(
                "--password-stdin: give the current password and the new one, one per line",
            )),
        };
    }
    if !std::io::stdin().is_terminal() {
        return Err(Failure::usage(
            "no terminal to ask for the passwords on: pipe them in with --password-stdin \
             (current, then new, one per line)",
        ));
    }
    let ask = |prompt: &str| {
        rpassword::prompt_password(prompt)
            .map_err(|error| Failure::usage(format!("cannot read the password: {error}")))
    };
    let current = ask("Current password: ")?;
    let new = ask("New password: ")?;
    if ask("Repeat new password: ")? != new {
        return Err(Failure::new(
            exit::REFUSED,
            "the new passwords do not match; nothing was changed",
        ));
    }
    Ok((current, new))
}

/// Asks for one line on the terminal.
pub fn line(question: &str) -> Result<String, Failure> {
    eprint!("{question}");
    let _ = std::io::stderr().flush();
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .map_err(|error| Failure::usage(format!("cannot read the answer: {error}")))?;
    Ok(line.trim().to_owned())
}

/// Asks a yes/no question on the terminal; anything but y/yes is no.
pub fn confirm(question: &str) -> Result<bool, Failure> {
    eprint!("{question} [y/N] ");
    let _ = std::io::stderr().flush();
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .map_err(|error| Failure::usage(format!("cannot read the answer: {error}")))?;
    Ok(matches!(
        line.trim().to_ascii_lowercase().as_str(),
        "y" | "yes"
    ))
}
