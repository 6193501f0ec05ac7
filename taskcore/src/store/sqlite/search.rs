//! Search on SQLite: each task's words, prefixed with its owner, in a
//! full-text index (V5__owner_search.sql).

use rusqlite::Connection;

use crate::query::words_of;
use crate::types::UserId;

/// `search_terms(owner_id, title, description)`: a task's words as the
/// search index keeps them (V5__owner_search.sql), each prefixed with its
/// owner, so a search reads its owner's entries only. The index's triggers
/// call it: every connection that writes tasks needs it.
pub(super) fn register_search_terms(connection: &Connection) -> rusqlite::Result<()> {
    use rusqlite::functions::FunctionFlags;
    connection.create_scalar_function(
        "search_terms",
        3,
        FunctionFlags::SQLITE_UTF8
            | FunctionFlags::SQLITE_DETERMINISTIC
            | FunctionFlags::SQLITE_INNOCUOUS,
        |context| {
            let owner = UserId(context.get::<i64>(0)?);
            let title = context.get::<Option<String>>(1)?.unwrap_or_default();
            let description = context.get::<Option<String>>(2)?.unwrap_or_default();
            Ok(search_terms(owner, &title, &description))
        },
    )
}

/// One owner's words of a text, as `search_terms` indexes them.
pub(super) fn search_terms(owner: UserId, title: &str, description: &str) -> String {
    let mut terms = String::new();
    for word in words_of(title).chain(words_of(description)) {
        if !terms.is_empty() {
            terms.push(' ');
        }
        terms.push_str(&owner_term(owner, &word));
    }
    terms
}

/// A word as one owner's search term: `<owner>_<word>`. A word holds no
/// `_` (it is letters and digits), so no owner's terms can be another's.
pub(super) fn owner_term(owner: UserId, word: &str) -> String {
    format!("{}_{word}", owner.0)
}
