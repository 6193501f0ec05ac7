//! What a task listing asks for: which tasks, in which order, which page.
//! Part of the wire contract, available without the `store` feature: taskd
//! reads it from a query string ([`TaskQuery::from_pairs`]), taskctl writes
//! it into one ([`TaskQuery::to_pairs`]), storage evaluates it, and the
//! cursor of the next page is encoded here ([`Cursor`]).

mod builder;
mod changes;
mod cursor;
mod listing;
#[cfg(feature = "openapi")]
mod openapi;
mod pairs;

pub use self::builder::TaskQueryBuilder;
pub use self::changes::{CHANGES_DEFAULT_LIMIT, CHANGES_MAX_LIMIT, ChangeCursor, ChangeQuery};
pub use self::cursor::{Cursor, KeyValue, TimeValue};
pub use self::listing::{DueFilter, Filter, Sort, SortKey, TaskQuery};
pub use self::pairs::{
    FILTER_MAX_VALUES, SEARCH_MAX_CHARS, SEARCH_MAX_WORDS, parse_priority_filter, parse_sort,
    search_words, words_of,
};
