//! clap's readings of the vocabularies taskcore spells: an option that takes
//! a priority or a due filter offers exactly the words the server reads,
//! from the same types.

use clap::builder::{PossibleValue, PossibleValuesParser, TypedValueParser};
use taskcore::planning::NO_PRIORITY;
use taskcore::{DueFilter, Priority};

/// A priority, or none (`none`): to match tasks without one, or to clear it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PriorityOrNone(pub Option<Priority>);

/// `low`, `medium` or `high`, or the letter tables show (`l`, `m`, `h`),
/// in either case.
pub fn priority() -> PriorityParser<false> {
    PriorityParser
}

/// A priority as [`priority`] reads it, or `none`.
pub fn priority_or_none() -> PriorityParser<true> {
    PriorityParser
}

/// Reads a priority's name or letter in either case (and `none` when
/// `NONE`); `--help` lists the names.
#[derive(Debug, Clone, Copy)]
pub struct PriorityParser<const NONE: bool>;

impl<const NONE: bool> PriorityParser<NONE> {
    /// Reads a priority as typed; `None` when it is not one.
    pub fn read(input: &str) -> Option<Option<Priority>> {
        let input = input.trim().to_lowercase();
        if NONE && input == NO_PRIORITY {
            return Some(None);
        }
        Priority::ALL
            .into_iter()
            .find(|priority| {
                priority.as_str() == input
                    || input.chars().eq([priority.letter().to_ascii_lowercase()])
            })
            .map(Some)
    }
}

impl TypedValueParser for PriorityParser<false> {
    type Value = Priority;

    fn parse_ref(
        &self,
        command: &clap::Command,
        argument: Option<&clap::Arg>,
        value: &std::ffi::OsStr,
    ) -> Result<Priority, clap::Error> {
        read_priority::<false>(command, argument, value)?
            .ok_or_else(|| clap::Error::new(clap::error::ErrorKind::InvalidValue).with_cmd(command))
    }

    fn possible_values(&self) -> Option<Box<dyn Iterator<Item = PossibleValue> + '_>> {
        Some(Box::new(
            Priority::ALL
                .into_iter()
                .map(|priority| PossibleValue::new(priority.as_str())),
        ))
    }
}

impl TypedValueParser for PriorityParser<true> {
    type Value = PriorityOrNone;

    fn parse_ref(
        &self,
        command: &clap::Command,
        argument: Option<&clap::Arg>,
        value: &std::ffi::OsStr,
    ) -> Result<PriorityOrNone, clap::Error> {
        read_priority::<true>(command, argument, value).map(PriorityOrNone)
    }

    fn possible_values(&self) -> Option<Box<dyn Iterator<Item = PossibleValue> + '_>> {
        let names = std::iter::once(NO_PRIORITY).chain(Priority::ALL.map(Priority::as_str));
        Some(Box::new(names.map(PossibleValue::new)))
    }
}

/// A priority (`None` for `none`), or clap's usage error naming the choices.
fn read_priority<const NONE: bool>(
    command: &clap::Command,
    argument: Option<&clap::Arg>,
    value: &std::ffi::OsStr,
) -> Result<Option<Priority>, clap::Error> {
    let text = value.to_string_lossy();
    PriorityParser::<NONE>::read(&text).ok_or_else(|| {
        let choices = Priority::choices(NONE);
        let name = argument.map_or_else(|| "PRIORITY".to_owned(), ToString::to_string);
        clap::Error::raw(
            clap::error::ErrorKind::InvalidValue,
            format!("invalid value '{text}' for '{name}': use {choices}, or the letters h, m, l\n"),
        )
        .with_cmd(command)
    })
}

/// Which tasks by due, as the listing's `due` filter names them.
pub fn due_filter() -> impl TypedValueParser<Value = DueFilter> {
    PossibleValuesParser::new(DueFilter::ALL.map(DueFilter::as_str))
        .try_map(|name| DueFilter::parse(&name))
}
