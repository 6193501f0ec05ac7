//! What a task listing asks for: which tasks, in which order, which page.

use crate::types::Page;

/// A listing of one owner's tasks: a filter, an order and a page.
///
/// The default is every task, by id, first page of 100.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TaskQuery {
    /// Only done (`Some(true)`) or only open (`Some(false)`) tasks.
    pub completed: Option<bool>,
    /// Sort keys, most significant first; the id breaks remaining ties.
    pub order: Vec<Sort>,
    /// Which slice of the ordered tasks to return.
    pub page: Page,
}

impl TaskQuery {
    /// Every task, by id, in pages of this shape.
    pub fn page(page: Page) -> Self {
        Self {
            page,
            ..Self::default()
        }
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
pub enum SortKey {
    /// The task id: creation order.
    Id,
    /// When the task was created.
    CreatedAt,
    /// When the task last changed.
    UpdatedAt,
    /// The title, by code point.
    Title,
}

impl SortKey {
    /// The column it sorts on.
    pub(crate) fn column(self) -> &'static str {
        match self {
            SortKey::Id => "id",
            SortKey::CreatedAt => "created_at",
            SortKey::UpdatedAt => "updated_at",
            SortKey::Title => "title",
        }
    }
}
