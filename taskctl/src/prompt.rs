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
    let email = line("Email: ")?;
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
        let text = all_of_stdin("password")?;
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
    let password = hidden("Password: ")?;
    if confirm && hidden("Repeat password: ")? != password {
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
        let text = all_of_stdin("passwords")?;
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
    let current = hidden("Current password: ")?;
    let new = hidden("New password: ")?;
    if hidden("Repeat new password: ")? != new {
        return Err(Failure::new(
            exit::REFUSED,
            "the new passwords do not match; nothing was changed",
        ));
    }
    Ok((current, new))
}

/// Asks for one line on the terminal.
pub fn line(question: &str) -> Result<String, Failure> {
    eprint!("{}", crate::output::printable(question));
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
    let answer = line(&format!("{question} [y/N] "))?;
    Ok(matches!(answer.to_ascii_lowercase().as_str(), "y" | "yes"))
}

/// Asks for a password on the terminal, without echo.
fn hidden(prompt: &str) -> Result<String, Failure> {
    rpassword::prompt_password(prompt)
        .map_err(|error| Failure::usage(format!("cannot read the password: {error}")))
}

/// Everything on standard input (`--password-stdin`).
fn all_of_stdin(what: &str) -> Result<String, Failure> {
    let mut text = String::new();
    std::io::stdin()
        .read_to_string(&mut text)
        .map_err(|error| Failure::usage(format!("cannot read the {what} from stdin: {error}")))?;
    Ok(text)
}
