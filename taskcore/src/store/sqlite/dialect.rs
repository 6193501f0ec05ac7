//! SQLite's SQL.

use super::search::owner_term;
use crate::query::SortKey;
use crate::store::backend::Mode;
use crate::store::sql::dialect::{Dialect, plain_sort_expression};
use crate::types::UserId;

/// SQLite's SQL: numbered `?N` placeholders; text sorts by code point.
pub(super) struct Sqlite;

impl Dialect for Sqlite {
    // Write work holds the database's write lock from BEGIN on: no row locks.
    const LOCK_FOR_UPDATE: &'static str = "";
    const LOCK_FOR_SHARE: &'static str = "";

    fn placeholder(number: usize) -> String {
        crate::store::sql::dialect::placeholder('?', number)
    }

    fn sort_expression(key: SortKey, descending: bool) -> &'static str {
        // As the index ix_tasks_owner_due writes it, for the ascending order.
        match (key, descending) {
            (SortKey::Due, false) => "COALESCE(due_key, '9999-12-31T23:59:59.999999Z')",
            (SortKey::Due, true) => "COALESCE(due_key, '0001-01-01T00:00:00.000000Z')",
            (SortKey::CompletedAt, false) => {
                "COALESCE(completed_at, '9999-12-31T23:59:59.999999Z')"
            }
            (SortKey::CompletedAt, true) => "COALESCE(completed_at, '0001-01-01T00:00:00.000000Z')",
            (other, _) => plain_sort_expression(other),
        }
    }

    fn tags_delta(add: &str, remove: &str) -> String {
        format!(
            "(SELECT json_group_array(value ORDER BY value) FROM (
                SELECT value FROM json_each(tags) UNION SELECT value FROM json_each({add})
                EXCEPT SELECT value FROM json_each({remove})))"
        )
    }

    fn search_condition(placeholder: &str) -> String {
        format!("id IN (SELECT rowid FROM tasks_search WHERE tasks_search MATCH {placeholder})")
    }

    fn search_text(owner: UserId, words: &[String]) -> String {
        // Each word a quoted prefix query on the owner's terms (see
        // `search_terms`); FTS5 joins them with AND.
        words
            .iter()
            .map(|word| format!("\"{}\"*", owner_term(owner, word).replace('"', "\"\"")))
            .collect::<Vec<_>>()
            .join(" AND ")
    }

    fn search_first(
        text: &str,
        after: Option<&str>,
        descending: bool,
        rows: &str,
    ) -> Option<String> {
        // FTS5 yields matches in rowid order and stops at the limit.
        let (comparison, direction) = if descending {
            ("<", "DESC")
        } else {
            (">", "ASC")
        };
        let after = after
            .map(|after| format!(" AND rowid {comparison} {after}"))
            .unwrap_or_default();
        Some(format!(
            "SELECT rowid FROM tasks_search WHERE tasks_search MATCH {text}{after}
             ORDER BY rowid {direction} LIMIT {rows}"
        ))
    }

    fn search_count(owner: UserId, words: &[String]) -> Option<(String, String)> {
        // Every term names its owner: the index alone counts the matches.
        Some((
            "SELECT COUNT(*) FROM tasks_search WHERE tasks_search MATCH {search}".to_owned(),
            Self::search_text(owner, words),
        ))
    }

    fn begin(mode: Mode) -> Option<&'static str> {
        match mode {
            Mode::Statement => None,
            // A read transaction sees one snapshot from its first read on.
            Mode::Snapshot => Some("BEGIN DEFERRED"),
            // Takes the write lock at BEGIN, so the work waits (busy_timeout)
            // for other writers instead of failing with SQLITE_BUSY when a
            // read inside it would upgrade to a write.
            Mode::Write => Some("BEGIN IMMEDIATE"),
        }
    }

    fn next_change(owner: &str) -> String {
        // Stored back by the tables' triggers; the write lock, held from
        // the statement (or BEGIN IMMEDIATE) to the commit, orders writers.
        format!("(SELECT COALESCE(MAX(seq), 0) + 1 FROM change_counters WHERE owner_id = {owner})")
    }
}
