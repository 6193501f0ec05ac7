//! `undo`: back through the last commands that changed tasks, newest
//! first, each change only if the task has not changed elsewhere since.

use std::io::IsTerminal;

use serde_json::{Value, json};
use taskctl::client::ClientError;
use taskctl::journal::{Done, Undo};

use super::devices::{Kept, unless_unauthorized};
use crate::context::{Authed, Context};
use crate::failure::{Failure, exit};
use crate::output::{printable, relative, tasks_counted};

/// What undo says of a task changed elsewhere after the change it would
/// take back: a refusal for good.
const CHANGED_SINCE: &str = "was changed elsewhere since";

/// Changes past which `undo` reports a summary and a progress line instead
/// of a line per task.
const UNDO_LINES_MAX: usize = 20;

/// `undo`: reverts the newest command that changed tasks, each change only
/// if the task has not changed since; run again, the one before it.
pub(super) fn undo(context: &Context, list: bool) -> Result<(), Failure> {
    let client = context.client()?;
    let mut kept = Kept::load(context, &client);
    if list {
        return undo_list(context, &mut kept);
    }
    let Some(done) = kept.journal.take_last() else {
        return Err(Failure::new(exit::REFUSED, "nothing to undo"));
    };
    let count = done.changes.len();
    let per_line = count <= UNDO_LINES_MAX;
    let progress = !per_line && !context.out.json && std::io::stderr().is_terminal();
    let mut first_failure = None;
    let mut undone = Vec::new();
    let mut not_undone = Vec::new();
    for (index, change) in done.changes.iter().rev().enumerate() {
        if progress && index % 50 == 0 {
            eprint!("\rundoing {index} of {count} changes…");
        }
        match undo_one(&client, &mut kept, change) {
            Ok(line) => {
                if per_line {
                    context.out.say(&line);
                }
                undone.push(json!(change));
            }
            Err(failure) => {
                if progress {
                    eprint!("\r\x1b[2K");
                }
                eprintln!("taskctl: {}", failure.message);
                // A change refused for good (the task changed elsewhere
                // since, or is gone) is dropped, so undo can go on back
                // past it; one that failed for now is kept to try again.
                // (A 422 at list_id or parent_id: what it was in is gone.)
                let for_good = failure.code == exit::NOT_FOUND
                    || failure.message.contains(CHANGED_SINCE)
                    || failure.message.contains("list_id")
                    || failure.message.contains("parent_id");
                if !for_good {
                    not_undone.insert(0, change.clone());
                }
                let stop = matches!(failure.code, exit::UNREACHABLE | exit::NOT_LOGGED_IN);
                first_failure.get_or_insert(failure);
                if stop {
                    let rest = done.changes.len() - index - 1;
                    for change in done.changes[..rest].iter().rev() {
                        not_undone.insert(0, change.clone());
                    }
                    break;
                }
            }
        }
    }
    if progress {
        eprint!("\r\x1b[2K");
    }
    if !per_line {
        context.out.say(&format!(
            "undid {} of {count} changes of: taskctl {}",
            undone.len(),
            printable(&done.command)
        ));
    }
    kept.journal.keep_for_undo(Done {
        changes: not_undone,
        ..done
    });
    kept.save();
    if context.out.json {
        context.out.json(&Value::Array(undone));
    }
    match first_failure {
        Some(failure) => Err(Failure::new(failure.code, String::new())),
        None => Ok(()),
    }
}

/// `undo --list`: the commands undo can revert, newest (the next undone) first.
fn undo_list(context: &Context, kept: &mut Kept) -> Result<(), Failure> {
    let now = chrono::Utc::now();
    let history: Vec<&Done> = kept.journal.history().collect();
    if context.out.json {
        context.out.json(&json!(history));
        return Ok(());
    }
    if history.is_empty() {
        context.out.say("nothing to undo");
        return Ok(());
    }
    let rows: Vec<Vec<String>> = history
        .iter()
        .enumerate()
        .map(|(index, done)| {
            vec![
                (index + 1).to_string(),
                relative(done.at, now),
                format!("taskctl {}", done.command),
                tasks_counted(done.changes.len() as u64),
            ]
        })
        .collect();
    context.out.show(
        &context
            .out
            .rows(&["#", "WHEN", "COMMAND", "CHANGED"], &rows),
    );
    context
        .out
        .say("taskctl undo reverts #1; run it again for #2, and so on");
    Ok(())
}

/// What a conditional call answered for task `id`: its value, or why the
/// change was not undone.
fn answered<T>(id: i64, outcome: Result<Result<T, ClientError>, Failure>) -> Result<T, Failure> {
    match outcome {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(ClientError::Changed { .. })) => Err(Failure::new(
            exit::REFUSED,
            format!("task {id} {CHANGED_SINCE}; not undone (run: taskctl show {id})"),
        )),
        Ok(Err(error)) => Err(Failure::for_task(id, error)),
        Err(failure) => Err(failure),
    }
}

fn undo_one(client: &Authed<'_>, kept: &mut Kept, change: &Undo) -> Result<String, Failure> {
    match change {
        Undo::Added { id, version } => {
            answered(
                *id,
                client.call(|client| unless_unauthorized(client.delete_task_at(*id, *version))),
            )?;
            kept.journal.forget(*id);
            Ok(format!("undid adding task {id}: it is in the trash"))
        }
        Undo::Edited {
            id,
            version,
            from,
            before,
        } => {
            let task = answered(
                *id,
                client.call(|client| Ok(client.update_task_at(*id, *version, before))),
            )?;
            kept.journal.saw([&task.value]);
            if let Some(from) = from {
                kept.journal.rebase(*id, *from, task.value.version);
            }
            Ok(format!(
                "undid the change of task {id}: {}",
                task.value.title
            ))
        }
        Undo::Completed { id, version, from } => {
            let outcome = client.call(|client| Ok(client.uncomplete_task_at(*id, *version)));
            match &outcome {
                // A task that is there, and a server without the route.
                Ok(Err(ClientError::NotFound { .. }))
                    if client.call(|client| match client.task(*id) {
                        Ok(_) => Ok(true),
                        Err(ClientError::NotFound { .. }) => Ok(false),
                        Err(error) => Err(Failure::from(error)),
                    })? =>
                {
                    return Err(Failure::new(
                        exit::REFUSED,
                        format!(
                            "this taskd cannot take back a repeating task's occurrence (it is \
                             older than taskctl); task {id} not undone, kept to undo once taskd \
                             is upgraded"
                        ),
                    ));
                }
                // Moved on since without a new version (the account's time
                // zone changed): refused for good. (One that kept changing
                // while it was taken back is tried again.)
                Ok(Err(ClientError::Refused {
                    status: 409,
                    detail,
                })) if !detail.contains("kept changing") => {
                    return Err(Failure::new(
                        exit::REFUSED,
                        format!("task {id} {CHANGED_SINCE}; not undone ({detail})"),
                    ));
                }
                _ => {}
            }
            let task = answered(*id, outcome)?;
            kept.journal.saw([&task.value]);
            kept.journal.rebase(*id, *from, task.value.version);
            let due = crate::when::due_words(
                task.value.due_date,
                task.value.due_at,
                crate::when::local_zone(),
                chrono::Utc::now(),
            )
            .map(|due| format!(", due {due} again"))
            .unwrap_or_default();
            Ok(format!(
                "undid done of task {id}: {}{due}",
                task.value.title
            ))
        }
        Undo::Deleted { id, from } => {
            let task = client.call(|client| {
                client.restore_task(*id).map_err(|error| match error {
                    ClientError::NotFound { .. } => Failure::new(
                        exit::NOT_FOUND,
                        format!("task {id} is no longer in the trash; not undone"),
                    ),
                    other => Failure::from(other),
                })
            })?;
            kept.journal.saw([&task.value]);
            // Back as it was deleted only when nobody restored, changed and
            // deleted it again meanwhile (the trash keeps the version, a
            // restore adds one): only then do older changes apply to it.
            if let Some(from) = from
                && task.value.version == from + 1
            {
                kept.journal.rebase(*id, *from, task.value.version);
            }
            Ok(format!("restored task {id}: {}", task.value.title))
        }
    }
}
