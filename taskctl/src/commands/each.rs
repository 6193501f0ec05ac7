//! Commands that take several ids.

use std::io::IsTerminal;

use serde_json::Value;

use crate::context::Context;
use crate::failure::{Failure, exit};
use crate::prompt;

/// Applies `work` to every id; reports each failure and returns the first.
pub(super) fn for_each_id(
    context: &Context,
    ids: &[i64],
    mut work: impl FnMut(i64) -> Result<Option<Value>, Failure>,
) -> Result<(), Failure> {
    let mut results = Vec::new();
    let mut first_failure: Option<Failure> = None;
    for &id in ids {
        match work(id) {
            Ok(json) => results.extend(json),
            Err(failure) => {
                // Ends the run at once when nothing else can succeed either.
                if matches!(failure.code, exit::UNREACHABLE | exit::NOT_LOGGED_IN) {
                    return Err(failure);
                }
                eprintln!("taskctl: {}", failure.message);
                first_failure.get_or_insert(failure);
            }
        }
    }
    if context.out.json {
        context.out.json(&Value::Array(results));
    }
    match first_failure {
        // Already reported above; keep its exit code.
        Some(failure) => Err(Failure::new(failure.code, String::new())),
        None => Ok(()),
    }
}

/// Asks on a terminal (unless `yes`, or in a script) and goes on only on a
/// yes; a no is a refusal saying `cancelled`.
pub(super) fn confirm(question: &str, yes: bool, cancelled: &str) -> Result<(), Failure> {
    if yes || !std::io::stdin().is_terminal() {
        return Ok(());
    }
    if prompt::confirm(question)? {
        Ok(())
    } else {
        Err(Failure::new(exit::REFUSED, cancelled))
    }
}

/// [`confirm`] for `verb`ing the tasks `ids` (`delete task 4?`, `delete 2
/// tasks (4, 5)?`), with `warning` after the question.
pub(super) fn confirm_ids(
    ids: &[i64],
    yes: bool,
    verb: &str,
    warning: &str,
    cancelled: &str,
) -> Result<(), Failure> {
    let list = ids
        .iter()
        .map(i64::to_string)
        .collect::<Vec<_>>()
        .join(", ");
    let question = match ids.len() {
        1 => format!("{verb} task {list}?{warning}"),
        n => format!("{verb} {n} tasks ({list})?{warning}"),
    };
    confirm(&question, yes, cancelled)
}
