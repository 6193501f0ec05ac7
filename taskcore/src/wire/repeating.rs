//! The repeat and reminder fields of task bodies: how they travel and how
//! they are checked.

use serde::{Deserialize, Serialize};

use super::body::Checks;
use crate::model::{Lead, REMINDERS_MAX, Reminder, normalise_reminders};
use crate::planning::parse_instant;
use crate::repeat::{RepeatFrom, RepeatRule};
use crate::types::Invalid;

/// Wire type: one reminder, with exactly one of its fields.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReminderBody {
    /// This long before the task's due (the task needs one): an ISO 8601
    /// duration in weeks, or days and a time (`PT15M`, `PT1H`, `P1D`,
    /// `P1W`), at most 366 days. It follows a repeating task's due.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(
        feature = "openapi",
        schema(
            example = "PT15M",
            pattern = "^[Pp](?:[0-9]{1,2}[Ww]|[1-9][0-9]?[Dd]|[Tt](?:[0-9]{1,3}[Hh])?(?:[0-9]{1,4}[Mm])?)$"
        )
    )]
    pub before: Option<String>,
    /// At this instant, RFC 3339 with an offset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(format = DateTime))]
    pub at: Option<String>,
}

impl From<&Reminder> for ReminderBody {
    fn from(reminder: &Reminder) -> Self {
        match reminder {
            Reminder::Before(lead) => Self {
                before: Some(lead.to_string()),
                at: None,
            },
            Reminder::At(at) => Self {
                before: None,
                at: Some(at.to_rfc3339()),
            },
        }
    }
}

/// The refusal of a repeat or a lead on a task without a due.
pub(super) fn needs_due(what: &str) -> Invalid {
    Invalid::new(
        "value_error",
        format!("{what} needs a due: set due_date or due_at"),
    )
}

/// A repeat rule as a body sends it.
pub(super) fn check_repeat(checks: &mut Checks, rule: &str) -> Option<RepeatRule> {
    checks.field("repeat", RepeatRule::parse(rule))
}

/// Where a series counts from, as a body sends it.
pub(super) fn check_repeat_from(checks: &mut Checks, from: &str) -> Option<RepeatFrom> {
    checks.field("repeat_from", RepeatFrom::parse(from))
}

/// Reminders as a body sends them: each with exactly one of `before` and
/// `at`, at most [`REMINDERS_MAX`] once duplicates are dropped.
pub(super) fn check_reminders(
    checks: &mut Checks,
    bodies: &[ReminderBody],
) -> Option<Vec<Reminder>> {
    checks.field("reminders", reminders(bodies))
}

fn reminders(bodies: &[ReminderBody]) -> Result<Vec<Reminder>, Invalid> {
    let mut reminders = Vec::with_capacity(bodies.len());
    for (index, body) in bodies.iter().enumerate() {
        let at_index = |invalid: Invalid| {
            Invalid::new(
                invalid.kind,
                format!("Reminder {}: {}", index + 1, invalid.msg),
            )
        };
        let reminder = match (&body.before, &body.at) {
            (Some(lead), None) => Reminder::Before(Lead::parse(lead).map_err(at_index)?),
            (None, Some(at)) => Reminder::At(parse_instant(at).map_err(at_index)?),
            _ => {
                return Err(at_index(Invalid::new(
                    "value_error",
                    "give exactly one of before (a duration) and at (an instant)",
                )));
            }
        };
        reminders.push(reminder);
    }
    let reminders = normalise_reminders(reminders);
    if reminders.len() > REMINDERS_MAX {
        return Err(Invalid::new(
            "too_long",
            format!("A task has at most {REMINDERS_MAX} reminders"),
        ));
    }
    Ok(reminders)
}
