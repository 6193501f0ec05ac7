//! Tasks chosen by a filter instead of ids, for the commands that change
//! many at once (`done --tag errands --due overdue`, `edit --where
//! "+errands due:overdue" --priority high`).

use clap::Args;
use taskcore::DueFilter;

use crate::choices::{self, PriorityOrNone, PriorityParser};

/// A filter of tasks, as flags.
#[derive(Debug, Clone, Default, Args)]
pub struct Selection {
    /// Tasks with this tag (repeat: tasks with every one).
    #[arg(
        short,
        long = "tag",
        value_name = "TAG",
        help_heading = "Filter (instead of ids)"
    )]
    pub tags: Vec<String>,
    /// Tasks with this priority (repeat: any of them).
    #[arg(short, long = "priority", value_parser = choices::priority_or_none(),
          value_name = "PRIORITY", help_heading = "Filter (instead of ids)")]
    pub priorities: Vec<PriorityOrNone>,
    /// Tasks due today, overdue ones, ones with any due or none.
    #[arg(long, value_parser = choices::due_filter(), value_name = "WHICH",
          help_heading = "Filter (instead of ids)")]
    pub due: Option<DueFilter>,
    /// Tasks due on or before this day.
    #[arg(long, value_name = "DATE", help_heading = "Filter (instead of ids)")]
    pub before: Option<String>,
    /// Tasks due on or after this day.
    #[arg(long, value_name = "DATE", help_heading = "Filter (instead of ids)")]
    pub after: Option<String>,
    /// Tasks whose title or description has words starting so.
    #[arg(
        short,
        long,
        value_name = "TEXT",
        help_heading = "Filter (instead of ids)"
    )]
    pub search: Option<String>,
}

/// What `edit --where` reads: the same filter in words.
pub const WHERE_FORMS: &str = "+TAG, due:today|overdue|any|none, pri:h|m|l|none, \
                               before:DATE, after:DATE, and words to search for";

impl Selection {
    /// Whether no filter is given.
    pub fn is_empty(&self) -> bool {
        self.tags.is_empty()
            && self.priorities.is_empty()
            && self.due.is_none()
            && self.before.is_none()
            && self.after.is_none()
            && self.search.is_none()
    }

    /// Reads a filter in words: `+errands due:overdue pri:h before:fri rent`.
    pub fn parse(text: &str) -> Result<Self, String> {
        let mut selection = Self::default();
        let mut words = Vec::new();
        for word in text.split_whitespace() {
            if let Some(tag) = word.strip_prefix('+') {
                selection.tags.push(tag.to_owned());
                continue;
            }
            let Some((name, value)) = word.split_once(':') else {
                words.push(word);
                continue;
            };
            let wrong = || format!("'{word}' is not a filter; use {WHERE_FORMS}");
            match name.to_lowercase().as_str() {
                "tag" => selection.tags.push(value.to_owned()),
                "due" => {
                    let due = DueFilter::ALL
                        .into_iter()
                        .find(|due| due.as_str() == value.to_lowercase())
                        .ok_or_else(wrong)?;
                    selection.due = Some(due);
                }
                "pri" | "priority" => {
                    let priority = PriorityParser::<true>::read(value).ok_or_else(wrong)?;
                    selection.priorities.push(PriorityOrNone(priority));
                }
                "before" => selection.before = Some(value.to_owned()),
                "after" => selection.after = Some(value.to_owned()),
                _ => return Err(wrong()),
            }
        }
        if !words.is_empty() {
            selection.search = Some(words.join(" "));
        }
        if selection.is_empty() {
            return Err(format!("an empty filter; use {WHERE_FORMS}"));
        }
        Ok(selection)
    }
}

#[cfg(test)]
mod tests {
    use taskcore::Priority;

    use super::*;

    #[test]
    fn a_filter_in_words_reads_as_the_flags_would() {
        let selection =
            Selection::parse("+errands due:overdue pri:H before:fri pay rent").expect("a filter");
        assert_eq!(selection.tags, ["errands"]);
        assert_eq!(selection.due, Some(DueFilter::Overdue));
        assert_eq!(selection.priorities, [PriorityOrNone(Some(Priority::High))]);
        assert_eq!(selection.before.as_deref(), Some("fri"));
        assert_eq!(selection.search.as_deref(), Some("pay rent"));
        assert!(Selection::parse("due:someday").is_err());
        assert!(Selection::parse("colour:red").is_err());
        assert!(Selection::parse("   ").is_err());
    }
}
