//! A listing built from Rust values, checked as taskd checks a query string.
//!
//! ```
//! use taskcore::{DueFilter, Priority, SortKey, TaskQuery};
//!
//! # fn main() -> Result<(), taskcore::Error> {
//! let query = TaskQuery::builder()
//!     .completed(false)
//!     .priority(Some(Priority::High))
//!     .tag("Home")
//!     .due(DueFilter::Overdue)
//!     .search("milk")
//!     .sort(SortKey::Priority, true)
//!     .limit(50)
//!     .build()?;
//! // Tags are normalised as the API stores them.
//! assert_eq!(query.tags(), ["home"]);
//! assert_eq!(query.priorities(), [Some(Priority::High)]);
//! assert_eq!(query.search(), ["milk"]);
//! assert_eq!(query.page().limit(), 50);
//! // What a client puts in the query string.
//! let pairs = query.to_pairs();
//! assert!(pairs.contains(&("sort", "-priority".to_owned())));
//! assert!(pairs.contains(&("due", "overdue".to_owned())));
//!
//! // An empty search matches nothing useful: it is refused, at its name.
//! let refused = TaskQuery::builder().search("  ").build().unwrap_err();
//! assert_eq!(refused.field_errors()[0].loc, ["query", "q"]);
//! # Ok(())
//! # }
//! ```

use chrono::NaiveDate;

use super::cursor::Cursor;
use super::listing::{DueFilter, Sort, SortKey, TaskQuery};
use crate::error::Result;
use crate::planning::{NO_PRIORITY, Priority};
use crate::types::{ListId, PAGE_DEFAULT_LIMIT, Page};

/// A listing being put together; [`TaskQueryBuilder::build`] checks it.
#[derive(Debug, Clone, Default)]
#[must_use = "a builder does nothing until built"]
pub struct TaskQueryBuilder {
    pairs: Vec<(String, String)>,
    search: Vec<String>,
    order: Vec<Sort>,
}

impl TaskQuery {
    /// Starts a listing of every task; add filters, an order and a page,
    /// then [`build`](TaskQueryBuilder::build).
    pub fn builder() -> TaskQueryBuilder {
        TaskQueryBuilder::default()
    }

    /// Only done (`Some(true)`) or only open (`Some(false)`) tasks.
    pub fn completed(&self) -> Option<bool> {
        self.completed
    }

    /// Tasks with any of these priorities (`None`: no priority); empty: any.
    pub fn priorities(&self) -> &[Option<Priority>] {
        &self.priorities
    }

    /// Tasks that carry every one of these tags (normalised).
    pub fn tags(&self) -> &[String] {
        &self.tags
    }

    /// Tasks due on or before this day (in the owner's zone).
    pub fn due_before(&self) -> Option<NaiveDate> {
        self.due_before
    }

    /// Tasks due on or after this day (in the owner's zone).
    pub fn due_after(&self) -> Option<NaiveDate> {
        self.due_after
    }

    /// Tasks by whether and when they are due.
    pub fn due(&self) -> Option<DueFilter> {
        self.due
    }

    /// Tasks in this list.
    pub fn list(&self) -> Option<ListId> {
        self.list
    }

    /// Tasks completed on or after this day (in the owner's zone).
    pub fn completed_after(&self) -> Option<NaiveDate> {
        self.completed_after
    }

    /// Tasks completed on or before this day (in the owner's zone).
    pub fn completed_before(&self) -> Option<NaiveDate> {
        self.completed_before
    }

    /// Words that must each start a word of the title or description.
    pub fn search(&self) -> &[String] {
        &self.search
    }

    /// Sort keys, most significant first; the id breaks remaining ties.
    pub fn order(&self) -> &[Sort] {
        &self.order
    }

    /// Which slice of the ordered tasks to return.
    pub fn page(&self) -> Page {
        self.page
    }

    /// The row of an earlier page this one starts after (keyset paging).
    pub fn after(&self) -> Option<&Cursor> {
        self.after.as_ref()
    }
}

impl TaskQueryBuilder {
    fn push(mut self, name: &str, value: String) -> Self {
        self.pairs.push((name.to_owned(), value));
        self
    }

    /// Only done (`true`) or only open (`false`) tasks.
    pub fn completed(self, completed: bool) -> Self {
        self.push("completed", completed.to_string())
    }

    /// Also tasks of this priority (`None`: tasks without one).
    pub fn priority(self, priority: Option<Priority>) -> Self {
        let name = priority.map_or(NO_PRIORITY, Priority::as_str);
        self.push("priority", name.to_owned())
    }

    /// Only tasks with this tag too (as typed: it is normalised).
    pub fn tag(self, tag: impl Into<String>) -> Self {
        self.push("tag", tag.into())
    }

    /// Only tasks due on or before this day.
    pub fn due_before(self, day: NaiveDate) -> Self {
        self.push("due_before", day.format("%Y-%m-%d").to_string())
    }

    /// Only tasks due on or after this day.
    pub fn due_after(self, day: NaiveDate) -> Self {
        self.push("due_after", day.format("%Y-%m-%d").to_string())
    }

    /// Only tasks by whether and when they are due.
    pub fn due(self, due: DueFilter) -> Self {
        self.push("due", due.as_str().to_owned())
    }

    /// Only subtasks of `parent` (`None`: only top-level tasks).
    pub fn parent(self, parent: Option<crate::types::TaskId>) -> Self {
        let value = parent.map_or("none".to_owned(), |parent| parent.0.to_string());
        self.push("parent_id", value)
    }

    /// Only tasks in this list.
    pub fn list(self, list: ListId) -> Self {
        self.push("list_id", list.to_string())
    }

    /// Only tasks completed on or after this day.
    pub fn completed_after(self, day: NaiveDate) -> Self {
        self.push("completed_after", day.format("%Y-%m-%d").to_string())
    }

    /// Only tasks completed on or before this day.
    pub fn completed_before(self, day: NaiveDate) -> Self {
        self.push("completed_before", day.format("%Y-%m-%d").to_string())
    }

    /// Only tasks whose title or description has a word starting with each
    /// of these words (at least one; at most 16 words, 200 characters in
    /// all). Called again, adds words.
    pub fn search(mut self, words: impl Into<String>) -> Self {
        self.search.push(words.into());
        self
    }

    /// Then by this key (highest first when `descending`).
    pub fn sort(mut self, key: SortKey, descending: bool) -> Self {
        self.order.push(Sort { key, descending });
        self
    }

    /// Skip this many tasks.
    pub fn skip(self, skip: u64) -> Self {
        self.push("skip", skip.to_string())
    }

    /// At most this many tasks (1 to 200; 100 unless set).
    pub fn limit(self, limit: u32) -> Self {
        self.push("limit", limit.to_string())
    }

    /// Pages of this shape.
    pub fn page(self, page: Page) -> Self {
        self.skip(page.skip()).limit(page.limit())
    }

    /// The page after the one whose `next_cursor` this is (the order must
    /// be the one that page had).
    pub fn after(self, cursor: &Cursor) -> Self {
        self.push("cursor", cursor.encode())
    }

    /// The listing, once every value holds the API's rules; otherwise every
    /// broken rule, under `["query", NAME]` as taskd reports it.
    pub fn build(self) -> Result<TaskQuery> {
        let Self {
            mut pairs,
            search,
            order,
        } = self;
        if !search.is_empty() {
            pairs.push(("q".to_owned(), search.join(" ")));
        }
        if !order.is_empty() {
            let sort = TaskQuery {
                order,
                ..TaskQuery::default()
            }
            .sort_text();
            // Before a cursor: the cursor is read against the order.
            pairs.insert(0, ("sort".to_owned(), sort));
        }
        if !pairs.iter().any(|(name, _)| name == "limit") {
            pairs.push(("limit".to_owned(), PAGE_DEFAULT_LIMIT.to_string()));
        }
        Ok(TaskQuery::from_pairs(&pairs)?)
    }
}
