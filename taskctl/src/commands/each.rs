//! Commands that take several ids.

use serde_json::Value;

use crate::context::Context;
use crate::failure::{Failure, exit};

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
