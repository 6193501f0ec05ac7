//! The trash: what was deleted and when, erasing for good, and telling a
//! trashed task apart from one that does not exist.

use std::io::IsTerminal;

use serde_json::json;
use taskcore::TrashedTask;
use taskctl::client::ClientError;

use super::devices::unless_unauthorized;
use super::each::{confirm, confirm_ids, for_each_id};
use crate::context::{Authed, Context};
use crate::failure::{Failure, exit};
use crate::output::{relative, tasks_counted};

/// What a no to erasing says.
const NOTHING_ERASED: &str = "cancelled; nothing was erased";
/// Trashed tasks per page.
const PAGE: u32 = 100;
/// Pages looked through for one trashed task (its most recent deletions).
const PAGES_SEARCHED: u64 = 20;

/// `trash`: the deleted tasks, newest deletion first, with when each was
/// deleted.
pub fn list(context: &Context) -> Result<(), Failure> {
    let client = context.client()?;
    let (page, total) = client.call(|client| Ok(client.trash(0, PAGE)?))?;
    if context.out.json {
        context.out.json(&page.json);
        return Ok(());
    }
    if page.value.is_empty() {
        context.out.say("the trash is empty");
        return Ok(());
    }
    context.out.show(&context.out.trashed(&page.value));
    let shown = page.value.len() as u64;
    let more = if total > shown {
        format!(" (the {shown} most recently deleted of {total})")
    } else {
        String::new()
    };
    context.out.say(&format!(
        "{total} in the trash{more}; taskctl restore ID puts one back, \
         taskctl trash rm ID erases one for good"
    ));
    Ok(())
}

/// `trash rm ID…`: erases trashed tasks for good.
pub fn erase(context: &Context, ids: &[i64], yes: bool) -> Result<(), Failure> {
    let client = context.client()?;
    confirm_ids(
        ids,
        yes,
        "erase",
        " Erased tasks cannot be restored.",
        NOTHING_ERASED,
    )?;
    for_each_id(context, ids, |id| erase_one(context, &client, id))
}

/// `trash empty`: erases everything in the trash for good.
pub fn empty(context: &Context, yes: bool) -> Result<(), Failure> {
    let client = context.client()?;
    let (_, total) = client.call(|client| Ok(client.trash(0, 1)?))?;
    if total == 0 {
        if context.out.json {
            context.out.json(&json!([]));
        } else {
            context.out.say("the trash is empty");
        }
        return Ok(());
    }
    confirm(
        &format!(
            "erase the {} in the trash? Erased tasks cannot be restored.",
            tasks_counted(total)
        ),
        yes,
        NOTHING_ERASED,
    )?;
    // The first page again each time: erased tasks leave it.
    let mut ids = Vec::new();
    let mut seen = std::collections::HashSet::new();
    loop {
        let (page, _) = client.call(|client| Ok(client.trash(0, PAGE)?))?;
        let fresh: Vec<i64> = page
            .value
            .iter()
            .map(|trashed| trashed.task.id.0)
            .filter(|id| seen.insert(*id))
            .collect();
        if fresh.is_empty() {
            break;
        }
        for &id in &fresh {
            match client.call(|client| unless_unauthorized(client.erase_task(id)))? {
                Ok(()) | Err(ClientError::NotFound { .. }) => {}
                Err(error) => return Err(error.into()),
            }
        }
        ids.extend(fresh);
        if std::io::stderr().is_terminal() {
            eprint!("\rtaskctl: erased {} of {total}", ids.len());
        }
    }
    if std::io::stderr().is_terminal() {
        eprintln!();
    }
    // What is left: tasks deleted meanwhile, or ones that would not go.
    let (_, left) = client.call(|client| Ok(client.trash(0, 1)?))?;
    if context.out.json {
        context.out.json(&json!(ids));
    } else if left == 0 {
        context.out.say(&format!(
            "erased {}; the trash is empty",
            tasks_counted(ids.len() as u64)
        ));
    } else {
        context.out.say(&format!(
            "erased {}; {} still in the trash (deleted meanwhile): taskctl trash",
            tasks_counted(ids.len() as u64),
            tasks_counted(left)
        ));
    }
    Ok(())
}

fn erase_one(
    context: &Context,
    client: &Authed<'_>,
    id: i64,
) -> Result<Option<serde_json::Value>, Failure> {
    client.call(|client| {
        client.erase_task(id).map_err(|error| match error {
            ClientError::NotFound { .. } => {
                Failure::new(exit::NOT_FOUND, format!("task {id} is not in the trash"))
            }
            other => Failure::from(other),
        })
    })?;
    context.out.say(&format!("erased task {id}"));
    Ok(Some(json!({ "id": id, "erased": true })))
}

/// The trashed task `id`, if it is among the most recent deletions.
pub(super) fn find(client: &Authed<'_>, id: i64) -> Option<TrashedTask> {
    for page in 0..PAGES_SEARCHED {
        let (found, total) = client
            .call(|client| unless_unauthorized(client.trash(page * u64::from(PAGE), PAGE)))
            .ok()?
            .ok()?;
        if let Some(trashed) = found
            .value
            .into_iter()
            .find(|trashed| trashed.task.id.0 == id)
        {
            return Some(trashed);
        }
        if (page + 1) * u64::from(PAGE) >= total {
            break;
        }
    }
    None
}

/// What `show` says of a task that is in the trash.
pub(super) fn in_the_trash(trashed: &TrashedTask) -> Failure {
    let id = trashed.task.id;
    Failure::new(
        exit::NOT_FOUND,
        format!(
            "task {id} is in the trash (deleted {}): taskctl restore {id} puts it back",
            relative(trashed.deleted_at, chrono::Utc::now())
        ),
    )
}
