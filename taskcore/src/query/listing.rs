//! A listing: its filters, its order and its page.

use std::fmt;

use chrono::NaiveDate;

use super::cursor::{Cursor, KeyValue};
use crate::planning::Priority;
use crate::types::{Invalid, ListId, Page, TaskId};

/// A listing of one owner's tasks: filters (all must hold), an order and a page.
///
/// The default is every task, by id, first page of 100. Built with
/// [`TaskQuery::builder`] or read from a query string
/// ([`TaskQuery::from_pairs`]); either way every value passed the API's
/// rules (tags normalised, no empty search). Read back through methods of
/// the fields' names.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TaskQuery {
    /// Only done (`Some(true)`) or only open (`Some(false)`) tasks.
    pub(crate) completed: Option<bool>,
    /// Tasks with any of these priorities (`None`: no priority); empty: any.
    pub(crate) priorities: Vec<Option<Priority>>,
    /// Tasks that carry every one of these tags (normalised).
    pub(crate) tags: Vec<String>,
    /// Tasks due on or before this day (in the owner's zone).
    pub(crate) due_before: Option<NaiveDate>,
    /// Tasks due on or after this day (in the owner's zone).
    pub(crate) due_after: Option<NaiveDate>,
    /// Tasks by whether and when they are due.
    pub(crate) due: Option<DueFilter>,
    /// Tasks in this list.
    pub(crate) list: Option<ListId>,
    /// Subtasks of this task (`Some(None)`: top-level tasks only).
    pub(crate) parent: Option<Option<TaskId>>,
    /// Tasks completed on or after this day (in the owner's zone).
    pub(crate) completed_after: Option<NaiveDate>,
    /// Tasks completed on or before this day (in the owner's zone).
    pub(crate) completed_before: Option<NaiveDate>,
    /// Words that must each start a word of the title or description.
    pub(crate) search: Vec<String>,
    /// Sort keys, most significant first; the id breaks remaining ties.
    pub(crate) order: Vec<Sort>,
    /// Which slice of the ordered tasks to return (after `after`, if set).
    pub(crate) page: Page,
    /// Start after this row of an earlier page (keyset paging).
    pub(crate) after: Option<Cursor>,
}

/// Tasks by whether and when they are due.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum DueFilter {
    /// No due date or time.
    None,
    /// Some due date or time.
    Any,
    /// Due today, in the owner's zone.
    Today,
    /// Open and past due: a `due_date` from the next day on, a `due_at`
    /// from that instant.
    Overdue,
}

impl TaskQuery {
    /// Every task, by id, in pages of this shape.
    pub fn paged(page: Page) -> Self {
        Self {
            page,
            ..Self::default()
        }
    }

    /// Whether evaluating the query needs the owner's time zone.
    pub fn needs_zone(&self) -> bool {
        self.due_before.is_some()
            || self.due_after.is_some()
            || self.completed_after.is_some()
            || self.completed_before.is_some()
            || matches!(self.due, Some(DueFilter::Today))
    }

    /// The order as written in a query string, such as `-priority,due`.
    pub fn sort_text(&self) -> String {
        if self.order.is_empty() {
            return "id".to_owned();
        }
        self.order
            .iter()
            .map(|sort| {
                format!(
                    "{}{}",
                    if sort.descending { "-" } else { "" },
                    sort.key.name()
                )
            })
            .collect::<Vec<_>>()
            .join(",")
    }

    /// The filters the query uses, each once: what a fast path checks
    /// before it serves a query, so a filter it does not know is never
    /// silently ignored.
    pub fn filters(&self) -> Vec<Filter> {
        let Self {
            completed,
            priorities,
            tags,
            due_before,
            due_after,
            due,
            list,
            parent,
            completed_after,
            completed_before,
            search,
            order: _,
            page: _,
            after: _,
        } = self;
        [
            (completed.is_some(), Filter::Completed),
            (!priorities.is_empty(), Filter::Priority),
            (!tags.is_empty(), Filter::Tag),
            (due_before.is_some(), Filter::DueBefore),
            (due_after.is_some(), Filter::DueAfter),
            (due.is_some(), Filter::Due),
            (list.is_some(), Filter::List),
            (parent.is_some(), Filter::Parent),
            (completed_after.is_some(), Filter::CompletedAfter),
            (completed_before.is_some(), Filter::CompletedBefore),
            (!search.is_empty(), Filter::Search),
        ]
        .into_iter()
        .filter_map(|(used, filter)| used.then_some(filter))
        .collect()
    }

    /// Whether every filter the query uses is one of `served`.
    pub fn uses_only(&self, served: &[Filter]) -> bool {
        self.filters().iter().all(|filter| served.contains(filter))
    }
}

/// One of a listing's filters, as [`TaskQuery::filters`] names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Filter {
    /// `completed`.
    Completed,
    /// `priority`.
    Priority,
    /// `tag`.
    Tag,
    /// `due_before`.
    DueBefore,
    /// `due_after`.
    DueAfter,
    /// `due`.
    Due,
    /// `list_id`.
    List,
    /// `parent_id`.
    Parent,
    /// `completed_after`.
    CompletedAfter,
    /// `completed_before`.
    CompletedBefore,
    /// `q`.
    Search,
}

impl DueFilter {
    /// Every value, as the query string lists them.
    pub const ALL: [DueFilter; 4] = [Self::None, Self::Any, Self::Today, Self::Overdue];

    /// The name the query string uses: the one spelling of each value.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::None => "none",
            Self::Any => "any",
            Self::Today => "today",
            Self::Overdue => "overdue",
        }
    }

    /// Parses a value's name, exactly as [`DueFilter::as_str`] spells it.
    pub fn parse(text: &str) -> Result<Self, Invalid> {
        Self::ALL
            .into_iter()
            .find(|due| due.as_str() == text)
            .ok_or_else(|| {
                let names: Vec<String> = Self::ALL
                    .iter()
                    .map(|due| format!("'{}'", due.as_str()))
                    .collect();
                let (last, rest) = names.split_last().unwrap_or((&names[0], &[]));
                Invalid::new(
                    "enum",
                    format!("Input should be {} or {last}", rest.join(", ")),
                )
            })
    }
}

impl fmt::Display for DueFilter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One sort key and its direction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sort {
    /// What to sort by.
    pub key: SortKey,
    /// Highest first when true.
    pub descending: bool,
}

/// A field tasks can be sorted by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum SortKey {
    /// The task id: creation order.
    Id,
    /// When the task was created.
    CreatedAt,
    /// When the task last changed.
    UpdatedAt,
    /// When the task is due; tasks without a due come last in both directions.
    Due,
    /// Priority: none < low < medium < high.
    Priority,
    /// The title, by code point.
    Title,
    /// When the task was completed; open tasks come last in both directions.
    CompletedAt,
}

impl SortKey {
    /// Every key.
    pub const ALL: [SortKey; 7] = [
        Self::Id,
        Self::CreatedAt,
        Self::UpdatedAt,
        Self::Due,
        Self::Priority,
        Self::Title,
        Self::CompletedAt,
    ];

    /// Every key's name, as a message lists them.
    pub fn names() -> String {
        Self::ALL.map(Self::name).join(", ")
    }

    pub(crate) fn parse(name: &str) -> Result<Self, Invalid> {
        Self::ALL
            .into_iter()
            .find(|key| key.name() == name)
            .ok_or_else(|| {
                Invalid::new(
                    "enum",
                    format!(
                        "Sort keys are {}, each optionally preceded by '-' for descending",
                        Self::names()
                    ),
                )
            })
    }

    /// Whether a cursor's `value` can be this key's: its kind, in range.
    pub(crate) fn holds(self, value: &KeyValue) -> bool {
        match (self, value) {
            (Self::Id | Self::Priority, KeyValue::Int(number)) => {
                self == Self::Id || (0..=3).contains(number)
            }
            (
                Self::CreatedAt | Self::UpdatedAt | Self::Due | Self::CompletedAt,
                KeyValue::Time(time),
            ) => time
                .instant()
                .is_some_and(|instant| (1..=9999).contains(&chrono::Datelike::year(&instant))),
            // No title holds NUL, and PostgreSQL refuses to compare one.
            (Self::Title, KeyValue::Text(text)) => !text.contains('\0'),
            (
                Self::Id
                | Self::Priority
                | Self::CreatedAt
                | Self::UpdatedAt
                | Self::Due
                | Self::CompletedAt
                | Self::Title,
                _,
            ) => false,
        }
    }

    /// The name the query string uses.
    pub fn name(self) -> &'static str {
        match self {
            Self::Id => "id",
            Self::CreatedAt => "created_at",
            Self::UpdatedAt => "updated_at",
            Self::Due => "due",
            Self::Priority => "priority",
            Self::Title => "title",
            Self::CompletedAt => "completed_at",
        }
    }
}
