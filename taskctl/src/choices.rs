//! clap's readings of the vocabularies taskcore spells: an option that takes
//! a priority or a due filter offers exactly the words the server reads,
//! from the same types.

use clap::builder::{PossibleValuesParser, TypedValueParser};
use taskcore::planning::NO_PRIORITY;
use taskcore::query::parse_priority_filter;
use taskcore::{DueFilter, Priority};

/// A priority, or none (`none`): to match tasks without one, or to clear it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PriorityOrNone(pub Option<Priority>);

/// `low`, `medium` or `high`.
pub fn priority() -> impl TypedValueParser<Value = Priority> {
    PossibleValuesParser::new(Priority::ALL.map(Priority::as_str))
        .try_map(|name| Priority::parse(&name))
}

/// A priority, or `none`.
pub fn priority_or_none() -> impl TypedValueParser<Value = PriorityOrNone> {
    let names = std::iter::once(NO_PRIORITY).chain(Priority::ALL.map(Priority::as_str));
    PossibleValuesParser::new(names)
        .try_map(|name| parse_priority_filter(&name).map(PriorityOrNone))
}

/// Which tasks by due, as the listing's `due` filter names them.
pub fn due_filter() -> impl TypedValueParser<Value = DueFilter> {
    PossibleValuesParser::new(DueFilter::ALL.map(DueFilter::as_str))
        .try_map(|name| DueFilter::parse(&name))
}
