//! The arguments `add` and `edit` share beyond a task's fields: where it
//! sits (its parent), how it repeats and when it reminds.

/// `--parent`, `--every`, `--after-done`, `--until`, `--times`, `--remind`.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct Scheduling {
    /// Make it a subtask of this task (it goes in that task's list); with
    /// edit, none makes it a top-level task.
    #[arg(long, value_name = "ID")]
    pub parent: Option<String>,
    /// Repeat it: day, "3 days", week, "2 weeks", mon,wed, weekdays, month,
    /// "month on the 15th", "last fri of the month", year; with edit, none
    /// stops it. Done, it moves to its next due and stays open. Without
    /// --due, add makes it due today.
    #[arg(long, value_name = "WHEN")]
    pub every: Option<String>,
    /// Count the next due from the day it is done, not from its due.
    #[arg(long)]
    pub after_done: bool,
    /// The last day it repeats on (with --every).
    #[arg(long, value_name = "DAY", requires = "every", conflicts_with = "times")]
    pub until: Option<String>,
    /// How many times it comes in all (with --every).
    #[arg(long, value_name = "N", requires = "every",
          value_parser = clap::value_parser!(u32).range(1..=9999))]
    pub times: Option<u32>,
    /// Remind: 15m, 1h, 1d, 1w before the due, or at "fri 09:00" (repeat
    /// for several, at most 10); with edit they replace the reminders, and
    /// none removes them. taskd keeps reminders; phone and desktop apps
    /// ring them, and show tells the next.
    #[arg(long = "remind", value_name = "WHEN")]
    pub reminders: Vec<String>,
}

impl Scheduling {
    /// Whether nothing is given.
    pub fn is_empty(&self) -> bool {
        self.parent.is_none()
            && self.every.is_none()
            && !self.after_done
            && self.reminders.is_empty()
    }
}
