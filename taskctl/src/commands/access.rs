//! Who can get in: the account's sessions and its personal API tokens.

use serde_json::json;
use taskcore::api_tokens::TokenCreate;

use crate::cli::{SessionsCommand, TokenCommand};
use crate::context::Context;
use crate::failure::Failure;
use crate::output::relative;

/// `taskctl sessions [rm ID]`.
pub(super) fn sessions(context: &Context, action: Option<SessionsCommand>) -> Result<(), Failure> {
    let client = context.client()?;
    if let Some(SessionsCommand::Rm { id }) = action {
        client.call(|client| Ok(client.end_session(id)?))?;
        if context.out.json {
            context.out.json(&json!({ "ended": id }));
        } else {
            context.out.say(&format!("ended session {id}"));
        }
        return Ok(());
    }
    let sessions = client.call(|client| Ok(client.sessions()?))?;
    if context.out.json {
        context.out.json(&sessions.json);
        return Ok(());
    }
    let now = chrono::Utc::now();
    let rows: Vec<Vec<String>> = sessions
        .value
        .iter()
        .map(|session| {
            vec![
                format!("{}{}", session.id, if session.current { " *" } else { "" }),
                if session.client.is_empty() {
                    "(unnamed)".to_owned()
                } else {
                    session.client.clone()
                },
                relative(session.created_at, now),
                relative(session.last_used_at, now),
            ]
        })
        .collect();
    context.out.show(
        &context
            .out
            .rows(&["ID", "CLIENT", "LOGGED IN", "LAST USED"], &rows),
    );
    context
        .out
        .say("* this session; end another with: taskctl sessions rm ID");
    Ok(())
}

/// `taskctl token create|list|rm`.
pub(super) fn token(context: &Context, command: TokenCommand) -> Result<(), Failure> {
    let client = context.client()?;
    match command {
        TokenCommand::Create {
            name,
            scopes,
            expires,
        } => {
            let body = TokenCreate {
                name,
                scopes,
                expires_in_days: expires.map(serde_json::Number::from),
            };
            let made = client.call(|client| Ok(client.create_token(&body)?))?;
            if context.out.json {
                context.out.json(&made.json);
            } else {
                // The secret alone on stdout, for `$(taskctl token create …)`;
                // the warning beside it, on stderr.
                crate::output::emit(&format!("{}\n", made.value.token));
                eprintln!(
                    "token {} \"{}\" ({}): copy it now, it is not shown again",
                    made.value.info.id,
                    made.value.info.name,
                    scope_names(&made.value.info.scopes)
                );
            }
        }
        TokenCommand::List => {
            let tokens = client.call(|client| Ok(client.tokens()?))?;
            if context.out.json {
                context.out.json(&tokens.json);
                return Ok(());
            }
            let now = chrono::Utc::now();
            let rows: Vec<Vec<String>> = tokens
                .value
                .iter()
                .map(|token| {
                    vec![
                        token.id.to_string(),
                        token.name.clone(),
                        scope_names(&token.scopes),
                        relative(token.created_at, now),
                        token
                            .expires_at
                            .map_or("never".to_owned(), |at| relative(at, now)),
                        token
                            .last_used_at
                            .map_or("never".to_owned(), |at| relative(at, now)),
                    ]
                })
                .collect();
            if rows.is_empty() {
                context
                    .out
                    .say("no tokens — make one with: taskctl token create NAME --scope tasks:read");
            } else {
                context.out.show(&context.out.rows(
                    &["ID", "NAME", "SCOPES", "CREATED", "EXPIRES", "LAST USED"],
                    &rows,
                ));
            }
        }
        TokenCommand::Rm { id } => {
            client.call(|client| Ok(client.delete_token(id)?))?;
            if context.out.json {
                context.out.json(&json!({ "revoked": id }));
            } else {
                context.out.say(&format!("revoked token {id}"));
            }
        }
    }
    Ok(())
}

fn scope_names(scopes: &[taskcore::api_tokens::Scope]) -> String {
    scopes
        .iter()
        .map(|scope| scope.as_str())
        .collect::<Vec<_>>()
        .join(" ")
}
