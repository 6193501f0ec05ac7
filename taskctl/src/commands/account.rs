//! Account commands: registration, login and logout, the password, the
//! account itself and its time zone.

use std::io::IsTerminal;

use serde_json::json;
use taskcore::UserUpdate;
use taskcore::wire::RegistrationMode;
use taskctl::client::{Client, ClientError};
use taskctl::session::Session;

use crate::cli::Credentials;
use crate::context::Context;
use crate::failure::{Failure, exit};
use crate::prompt;
use crate::when;

pub(super) fn register(
    context: &Context,
    credentials: Credentials,
    invite: Option<String>,
) -> Result<(), Failure> {
    // Find out whether the server is there, and takes new accounts, before
    // asking anything.
    let client = context.anonymous_client()?;
    client.health()?;
    // A server older than registration modes answers 404: it is open.
    let mode = match client.registration() {
        Ok(info) => info.mode,
        Err(ClientError::NotFound { .. }) => RegistrationMode::Open,
        Err(error) => return Err(error.into()),
    };
    let invite = match mode {
        RegistrationMode::Closed => {
            return Err(Failure::new(
                exit::REFUSED,
                format!(
                    "{} takes no new accounts: registration is closed
                     ask its administrator for an account (taskd user add)",
                    client.server()
                ),
            ));
        }
        RegistrationMode::Invite => Some(match invite {
            Some(code) => code,
            None if std::io::stdin().is_terminal() => {
                prompt::line("Invite code (from the server's administrator): ")?
            }
            None => {
                return Err(Failure::usage(format!(
                    "{} registers by invite: pass the code with --invite CODE",
                    client.server()
                )));
            }
        }),
        _ => None,
    };
    let email = prompt::email(credentials.email)?;
    let password = prompt::password(credentials.password_stdin, true)?;
    let zone = when::local_zone_name();
    let user = client.register(&email, &password, zone.as_deref(), invite.as_deref())?;
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

pub(super) fn login(context: &Context, credentials: Credentials) -> Result<(), Failure> {
    let client = context.anonymous_client()?;
    client.health()?;
    // The email of the last login to this server, when none is given.
    let remembered = context.sessions.remembered_email(client.server());
    let email = match (credentials.email, remembered) {
        (Some(email), _) => email,
        (None, Some(email)) => {
            if std::io::stderr().is_terminal() {
                eprintln!("taskctl: logging in as {email} (--email for another account)");
            }
            email
        }
        (None, None) => prompt::email(None)?,
    };
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

pub(super) fn start_session(
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
    context
        .sessions
        .remember_login(&session.server, &session.email);
    Ok(session)
}

pub(super) fn logout(context: &Context, everywhere: bool) -> Result<(), Failure> {
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
    // so; with --everywhere, every other session before it), then forget it
    // here whatever the server said.
    let ended = context.client_for(session).and_then(|authed| {
        if everywhere {
            authed.call(|client| Ok(client.end_other_sessions()?))?;
        }
        authed.call(|client| Ok(client.logout()?))
    });
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

pub(super) fn change_password(context: &Context, password_stdin: bool) -> Result<(), Failure> {
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

pub(super) fn delete_account(
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
        context.sessions.forget_login();
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

pub(super) fn whoami(context: &Context) -> Result<(), Failure> {
    let client = context.client()?;
    let user = client.call(|client| Ok(client.me()?))?;
    if context.out.json {
        context.out.json(&user.json);
    } else {
        context.out.say(&format!(
            "{} on {} (time zone {})",
            user.value.email,
            client.session().server,
            user.value.timezone
        ));
    }
    Ok(())
}

pub(super) fn timezone(context: &Context, zone: Option<String>) -> Result<(), Failure> {
    let client = context.client()?;
    let Some(zone) = zone else {
        // Shown, never changed: the machine's zone (TZ) is not the account's.
        let user = client.call(|client| Ok(client.me()?))?;
        if context.out.json {
            context.out.json(&user.json);
            return Ok(());
        }
        let mut line = format!("time zone {}", user.value.timezone);
        if let Some(here) = when::local_zone_name()
            && here != user.value.timezone
        {
            line.push_str(&format!(
                "\nthis machine's is {here}; to use it: taskctl timezone {here}"
            ));
        }
        context.out.say(&line);
        return Ok(());
    };
    let zone = when::zone_name_ignoring_case(&zone).unwrap_or(zone);
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
