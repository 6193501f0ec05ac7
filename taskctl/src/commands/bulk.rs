//! Commands that change the tasks a filter selects instead of ids: the
//! selected tasks are shown and, on a terminal, confirmed (`complete 7
//! tasks? [y/N]`); a script must say `--yes`.

use std::io::IsTerminal;

use crate::cli::{Ids, ListFilters, flatten_ids};
use crate::context::Context;
use crate::failure::Failure;
use crate::output::TaskColumns;
use crate::selection::Selection;

use super::each::confirm;
use super::listing::{remember, select};

/// Which tasks a filter looks among.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Among {
    Open,
    Done,
    Any,
}

/// The ids a command acts on: those given, or those `selection` selects
/// among `among` once confirmed (`verb` names the change: `complete`).
/// `None` when a filter selects nothing (said) or the user said no.
pub(super) fn chosen(
    context: &Context,
    ids: &[Ids],
    selection: &Selection,
    among: Among,
    verb: &str,
    yes: bool,
) -> Result<Option<Vec<i64>>, Failure> {
    match (ids.is_empty(), selection.is_empty()) {
        (false, true) => return Ok(Some(flatten_ids(ids))),
        (false, false) => {
            return Err(Failure::usage(
                "give task ids or a filter (--tag, --due, …), not both",
            ));
        }
        (true, true) => {
            return Err(Failure::usage(
                "give task ids (62 63, 62,63 or 62-65) or a filter (--tag, --priority, \
                 --due, --before, --after, --search)",
            ));
        }
        (true, false) => {}
    }
    let filters = ListFilters {
        done: among == Among::Done,
        any: among == Among::Any,
        tags: selection.tags.clone(),
        priorities: selection.priorities.clone(),
        due: selection.due,
        before: selection.before.clone(),
        after: selection.after.clone(),
        search: selection.search.clone(),
        ..ListFilters::default()
    };
    let tasks = select(context, &filters)?;
    if tasks.is_empty() {
        if context.out.json {
            context.out.json(&serde_json::json!([]));
        }
        context.out.say("no tasks match; nothing changed");
        return Ok(None);
    }
    let count = crate::output::tasks_counted(tasks.len() as u64);
    if !yes {
        if !std::io::stdin().is_terminal() {
            return Err(Failure::usage(format!(
                "this would {verb} {count}; add --yes to {verb} them from a script"
            )));
        }
        let columns = TaskColumns {
            done: among == Among::Any,
            ..TaskColumns::default()
        };
        // The question goes to the terminal, not to --json's output.
        eprintln!("{}", context.out.tasks(&tasks, None, columns));
        confirm(
            &format!("{verb} {count}?"),
            false,
            "cancelled; nothing was changed",
        )?;
    }
    // Seen only once the change is going ahead.
    remember(context, &tasks)?;
    Ok(Some(tasks.iter().map(|task| task.id.0).collect()))
}
