//! Listings in one dialect: how many tasks a query selects and which page,
//! through the fast paths where one serves the query, and the sort key
//! values a cursor carries.

use chrono::{DateTime, Utc};

use super::dialect::Dialect;
use super::statements::Statements;
use super::value::{SqlValue, Statement};
use crate::model::Task;
use crate::planning::Priority;
use crate::query::{Cursor, DueFilter, Filter, KeyValue, SortKey, TaskQuery, TimeValue};
use crate::store::backend::Context;
use crate::types::UserId;

/// The column of a kept count (`total`, `open`) that counts the tasks a
/// completion filter selects.
fn kept_column(completed: Option<bool>) -> &'static str {
    match completed {
        None => "total",
        Some(false) => "open",
        Some(true) => "total - open",
    }
}

impl<D: Dialect> Statements<D> {
    /// How many tasks match the query's filters. The common listings are
    /// counted without visiting each task: all or open or done tasks from
    /// the owner's kept counts, one tag from its index, a search alone from
    /// the search index.
    pub fn count<'a>(owner: UserId, query: &'a TaskQuery, context: Context) -> Statement<'a> {
        let mut statement = Statement::new();
        // The owner's kept counts: all, open or done tasks.
        if query.uses_only(&[Filter::Completed]) {
            let owner = statement.bind::<D>(SqlValue::Int(owner.0));
            let column = match query.completed {
                None => "total",
                Some(false) => "open",
                Some(true) => "total - open",
            };
            // No row yet: the owner never had a task (the caller reads 0).
            statement.sql = format!("SELECT {column} FROM task_counts WHERE owner_id = {owner}");
            return statement;
        }
        // One tag's kept counts: its tasks, open or done.
        if query.uses_only(&[Filter::Completed, Filter::Tag]) && query.tags.len() == 1 {
            let owner = statement.bind::<D>(SqlValue::Int(owner.0));
            let tag = statement.bind::<D>(SqlValue::Text(Some(&query.tags[0])));
            let column = match query.completed {
                None => "total",
                Some(false) => "open",
                Some(true) => "total - open",
            };
            // No row: no task carries the tag.
            statement.sql =
                format!("SELECT {column} FROM tag_counts WHERE owner_id = {owner} AND tag = {tag}");
            return statement;
        }
        // One list's kept counts, or the top-level tasks': open or done.
        if let (true, Some(list)) = (
            query.uses_only(&[Filter::Completed, Filter::List]),
            query.list,
        ) {
            let owner = statement.bind::<D>(SqlValue::Int(owner.0));
            let list = statement.bind::<D>(SqlValue::Int(list.0));
            let column = kept_column(query.completed);
            // No row: the list never held a task.
            statement.sql = format!(
                "SELECT {column} FROM list_counts WHERE owner_id = {owner} AND list_id = {list}"
            );
            return statement;
        }
        if query.uses_only(&[Filter::Completed, Filter::Parent]) && query.parent == Some(None) {
            let owner = statement.bind::<D>(SqlValue::Int(owner.0));
            let column = kept_column(query.completed);
            statement.sql = format!("SELECT {column} FROM top_counts WHERE owner_id = {owner}");
            return statement;
        }
        // A search alone, counted from the search index.
        if query.uses_only(&[Filter::Search])
            && let Some(count) = D::search_count(owner, &query.search)
        {
            let text = statement.bind::<D>(SqlValue::OwnedText(count.1));
            statement.sql = count.0.replace("{search}", &text);
            return statement;
        }
        let filter = Self::filter(&mut statement, owner, query, context, false);
        statement.sql = format!("SELECT COUNT(*) FROM tasks WHERE {filter}");
        statement
    }

    /// The query's page of matching tasks, in its order, after its cursor,
    /// and one more if there is one (so the caller knows whether a next
    /// page exists).
    ///
    /// `many` says the filters select many tasks: then tags are checked task
    /// by task while the order's index is walked (the page is found early);
    /// otherwise the few tagged tasks are looked up first and sorted.
    pub fn list<'a>(
        owner: UserId,
        query: &'a TaskQuery,
        context: Context,
        many: bool,
    ) -> Statement<'a> {
        let mut statement = Statement::new();
        let order = order(query);
        if let Some(page) = Self::search_page(owner, query, &order) {
            return page;
        }
        if let Some(page) = Self::tag_page(owner, query, &order) {
            return page;
        }
        let mut filter = Self::filter(&mut statement, owner, query, context, many);
        if let Some(cursor) = &query.after
            && let Some(after) = Self::after(&mut statement, &order, cursor)
        {
            filter = format!("{filter} AND {after}");
        }
        let order_by: Vec<String> = order
            .iter()
            .map(|(key, descending)| {
                let direction = if *descending { "DESC" } else { "ASC" };
                format!("{} {direction}", D::sort_expression(*key, *descending))
            })
            .collect();
        let limit = statement.bind::<D>(SqlValue::Int(i64::from(query.page.limit()) + 1));
        let skip = i64::try_from(query.page.skip()).unwrap_or(i64::MAX);
        let skip = statement.bind::<D>(SqlValue::Int(skip));
        statement.sql = format!(
            "SELECT {} FROM tasks WHERE {filter} ORDER BY {} LIMIT {limit} OFFSET {skip}",
            Self::columns(),
            order_by.join(", ")
        );
        statement
    }

    /// A search alone, in id order, where the dialect's search index keeps
    /// one owner's matches in id order: the page is read from the index's
    /// first matches, without visiting the others.
    fn search_page<'a>(
        owner: UserId,
        query: &'a TaskQuery,
        order: &[(SortKey, bool)],
    ) -> Option<Statement<'a>> {
        let search_only = query.filters() == [Filter::Search];
        let [(SortKey::Id, descending)] = order else {
            return None;
        };
        if !search_only {
            return None;
        }
        let mut statement = Statement::new();
        let text = D::search_text(owner, &query.search);
        let owner_placeholder = statement.bind::<D>(SqlValue::Int(owner.0));
        let text = statement.bind::<D>(SqlValue::OwnedText(text));
        let after = match &query.after {
            Some(cursor) if cursor.values.is_empty() => {
                Some(statement.bind::<D>(SqlValue::Int(cursor.id)))
            }
            Some(_) => return None,
            None => None,
        };
        let wanted = i64::from(query.page.limit()) + 1;
        let skip = i64::try_from(query.page.skip()).unwrap_or(i64::MAX);
        let rows = statement.bind::<D>(SqlValue::Int(wanted.saturating_add(skip)));
        let matches = D::search_first(&text, after.as_deref(), *descending, &rows)?;
        let limit = statement.bind::<D>(SqlValue::Int(wanted));
        let skip = statement.bind::<D>(SqlValue::Int(skip));
        let direction = if *descending { "DESC" } else { "ASC" };
        statement.sql = format!(
            "SELECT {} FROM tasks WHERE owner_id = {owner_placeholder} AND id IN ({matches})
             ORDER BY id {direction} LIMIT {limit} OFFSET {skip}",
            Self::columns()
        );
        Some(statement)
    }

    /// One tag's open (or done) tasks by due, and nothing else filtered:
    /// the page is read in order from the tag's index, which keeps each
    /// task's due key beside its tag.
    fn tag_page<'a>(
        owner: UserId,
        query: &'a TaskQuery,
        order: &[(SortKey, bool)],
    ) -> Option<Statement<'a>> {
        let [tag] = query.tags.as_slice() else {
            return None;
        };
        let completed = query.completed?;
        let only_tag = query.uses_only(&[Filter::Completed, Filter::Tag]);
        if !only_tag || order != [(SortKey::Due, false), (SortKey::Id, false)] {
            return None;
        }
        let mut statement = Statement::new();
        let due = D::sort_expression(SortKey::Due, false);
        let owner = statement.bind::<D>(SqlValue::Int(owner.0));
        let tag = statement.bind::<D>(SqlValue::Text(Some(tag)));
        let completed = statement.bind::<D>(SqlValue::Bool(completed));
        let after = match &query.after {
            None => String::new(),
            Some(cursor) => {
                let [KeyValue::Time(time)] = cursor.values.as_slice() else {
                    return None;
                };
                let key = statement.bind::<D>(SqlValue::Time(time.instant()?));
                let id = statement.bind::<D>(SqlValue::Int(cursor.id));
                format!(" AND ({due} > {key} OR ({due} = {key} AND task_id > {id}))")
            }
        };
        let wanted = i64::from(query.page.limit()) + 1;
        let skip = i64::try_from(query.page.skip()).unwrap_or(i64::MAX);
        let rows = statement.bind::<D>(SqlValue::Int(wanted.saturating_add(skip)));
        let limit = statement.bind::<D>(SqlValue::Int(wanted));
        let skip = statement.bind::<D>(SqlValue::Int(skip));
        // In the subquery `due_key` is the tag row's copy of the task's.
        statement.sql = format!(
            "SELECT {} FROM tasks WHERE owner_id = {owner} AND id IN (
                 SELECT task_id FROM task_tags
                 WHERE owner_id = {owner} AND tag = {tag} AND completed = {completed}{after}
                 ORDER BY {due} ASC, task_id ASC LIMIT {rows})
             ORDER BY {due} ASC, id ASC LIMIT {limit} OFFSET {skip}",
            Self::columns()
        );
        Some(statement)
    }

    /// The rows after a cursor in an order: those past it on the first key,
    /// or equal on it and past it on the next, and so on to the id. `None`
    /// when the cursor's values do not fit the order's keys.
    fn after<'a>(
        statement: &mut Statement<'a>,
        order: &[(SortKey, bool)],
        cursor: &'a Cursor,
    ) -> Option<String> {
        let mut values = Vec::with_capacity(order.len());
        for ((key, _), value) in order.iter().zip(&cursor.values) {
            values.push(match (key, value) {
                (SortKey::Id | SortKey::Priority, KeyValue::Int(number)) => SqlValue::Int(*number),
                (
                    SortKey::CreatedAt | SortKey::UpdatedAt | SortKey::Due | SortKey::CompletedAt,
                    KeyValue::Time(time),
                ) => SqlValue::Time(time.instant()?),
                (SortKey::Title, KeyValue::Text(text)) => SqlValue::Text(Some(text.as_str())),
                _ => return None,
            });
        }
        values.push(SqlValue::Int(cursor.id));
        if values.len() != order.len() {
            return None;
        }
        let mut alternatives = Vec::new();
        for (position, (key, descending)) in order.iter().enumerate() {
            let mut terms = Vec::new();
            for (earlier, (earlier_key, earlier_descending)) in order[..position].iter().enumerate()
            {
                let value = statement.bind::<D>(values[earlier].clone());
                terms.push(format!(
                    "{} = {value}",
                    D::sort_expression(*earlier_key, *earlier_descending)
                ));
            }
            let value = statement.bind::<D>(values[position].clone());
            let comparison = if *descending { "<" } else { ">" };
            terms.push(format!(
                "{} {comparison} {value}",
                D::sort_expression(*key, *descending)
            ));
            alternatives.push(format!("({})", terms.join(" AND ")));
        }
        Some(format!("({})", alternatives.join(" OR ")))
    }

    /// The WHERE clause of a listing: the owner, then each filter given.
    fn filter<'a>(
        statement: &mut Statement<'a>,
        owner: UserId,
        query: &'a TaskQuery,
        context: Context,
        walk_tags: bool,
    ) -> String {
        let owner_id = owner;
        let owner = statement.bind::<D>(SqlValue::Int(owner.0));
        let mut conditions = vec![format!("owner_id = {owner}")];
        if let Some(completed) = query.completed {
            conditions.push(format!(
                "completed = {}",
                statement.bind::<D>(SqlValue::Bool(completed))
            ));
        }
        if !query.priorities.is_empty() {
            let ranks: Vec<String> = query
                .priorities
                .iter()
                .map(|priority| statement.bind::<D>(SqlValue::Int(Priority::rank(*priority))))
                .collect();
            conditions.push(format!("priority IN ({})", ranks.join(", ")));
        }
        for tag in &query.tags {
            let tag = statement.bind::<D>(SqlValue::Text(Some(tag)));
            conditions.push(if walk_tags {
                format!(
                    "EXISTS (SELECT 1 FROM task_tags
                             WHERE owner_id = {owner} AND tag = {tag} AND task_id = tasks.id)"
                )
            } else {
                format!(
                    "id IN (SELECT task_id FROM task_tags WHERE owner_id = {owner} AND tag = {tag})"
                )
            });
        }
        let zone = context.zone;
        if let Some(day) = query.due_after {
            conditions.push(format!(
                "due_key >= {}",
                statement.bind::<D>(SqlValue::Time(zone.start_of(day)))
            ));
        }
        if let Some(day) = query.due_before {
            conditions.push(format!(
                "due_key < {}",
                statement.bind::<D>(SqlValue::Time(zone.end_of(day)))
            ));
        }
        if let Some(list) = query.list {
            conditions.push(format!(
                "list_id = {}",
                statement.bind::<D>(SqlValue::Int(list.0))
            ));
        }
        match query.parent {
            Some(Some(parent)) => conditions.push(format!(
                "parent_id = {}",
                statement.bind::<D>(SqlValue::Int(parent.0))
            )),
            Some(None) => conditions.push("parent_id IS NULL".to_owned()),
            None => {}
        }
        if let Some(day) = query.completed_after {
            conditions.push(format!(
                "completed_at >= {}",
                statement.bind::<D>(SqlValue::Time(zone.start_of(day)))
            ));
        }
        if let Some(day) = query.completed_before {
            conditions.push(format!(
                "completed_at < {}",
                statement.bind::<D>(SqlValue::Time(zone.end_of(day)))
            ));
        }
        match query.due {
            Some(DueFilter::None) => conditions.push("due_key IS NULL".to_owned()),
            Some(DueFilter::Any) => conditions.push("due_key IS NOT NULL".to_owned()),
            Some(DueFilter::Today) => {
                let today = zone.day_of(context.now);
                let start = statement.bind::<D>(SqlValue::Time(zone.start_of(today)));
                let end = statement.bind::<D>(SqlValue::Time(zone.end_of(today)));
                conditions.push(format!("due_key >= {start} AND due_key < {end}"));
            }
            Some(DueFilter::Overdue) => {
                let open = statement.bind::<D>(SqlValue::Bool(false));
                let now = statement.bind::<D>(SqlValue::Time(context.now));
                conditions.push(format!("completed = {open} AND due_key < {now}"));
            }
            None => {}
        }
        if !query.search.is_empty() {
            let text =
                statement.bind::<D>(SqlValue::OwnedText(D::search_text(owner_id, &query.search)));
            conditions.push(D::search_condition(&text));
        }
        conditions.join(" AND ")
    }
}

/// The query's order, ended by the id so pages never overlap or skip.
pub(crate) fn order(query: &TaskQuery) -> Vec<(SortKey, bool)> {
    let mut order: Vec<(SortKey, bool)> = query
        .order
        .iter()
        .take_while(|sort| sort.key != SortKey::Id)
        .map(|sort| (sort.key, sort.descending))
        .collect();
    let id_descending = query
        .order
        .iter()
        .find(|sort| sort.key == SortKey::Id)
        .is_some_and(|sort| sort.descending);
    order.push((SortKey::Id, id_descending));
    order
}

/// The key of tasks without a due (or a completion), in each direction:
/// past every real key.
pub(crate) fn no_due_key(descending: bool) -> DateTime<Utc> {
    let (date, time) = if descending {
        ("0001-01-01", "00:00:00")
    } else {
        ("9999-12-31", "23:59:59.999999")
    };
    chrono::NaiveDateTime::parse_from_str(&format!("{date} {time}"), "%Y-%m-%d %H:%M:%S%.f")
        .map(|local| local.and_utc())
        .unwrap_or(if descending {
            DateTime::<Utc>::MIN_UTC
        } else {
            DateTime::<Utc>::MAX_UTC
        })
}

/// The value a sort key has in a task, as a cursor carries it.
pub(crate) fn key_value(
    task: &Task,
    stored_due_key: Option<DateTime<Utc>>,
    key: SortKey,
    descending: bool,
) -> KeyValue {
    let time = |instant: DateTime<Utc>| {
        KeyValue::Time(TimeValue {
            t: instant.timestamp_micros(),
        })
    };
    match key {
        SortKey::Id => KeyValue::Int(task.id.0),
        SortKey::CreatedAt => time(task.created_at),
        SortKey::UpdatedAt => time(task.updated_at),
        SortKey::Due => time(stored_due_key.unwrap_or_else(|| no_due_key(descending))),
        SortKey::Priority => KeyValue::Int(Priority::rank(task.priority)),
        SortKey::Title => KeyValue::Text(task.title.clone()),
        SortKey::CompletedAt => time(task.completed_at.unwrap_or_else(|| no_due_key(descending))),
    }
}

#[cfg(test)]
mod tests {
    use super::super::dialect::{Numbered, context};
    use super::*;
    use crate::query::Sort;
    use crate::types::Page;

    #[test]
    fn listings_filter_by_owner_and_end_their_order_with_the_id() {
        let query = TaskQuery {
            completed: Some(false),
            order: vec![Sort {
                key: SortKey::Title,
                descending: true,
            }],
            page: Page::new(20, 10).expect("page"),
            ..TaskQuery::default()
        };
        let statement = Statements::<Numbered>::list(UserId(7), &query, context(), false);
        assert!(
            statement.sql.ends_with(
                "FROM tasks WHERE owner_id = $1 AND completed = $2 \
                 ORDER BY title DESC, id ASC LIMIT $3 OFFSET $4"
            ),
            "{}",
            statement.sql
        );
        assert_eq!(
            statement.values,
            [
                SqlValue::Int(7),
                SqlValue::Bool(false),
                SqlValue::Int(11),
                SqlValue::Int(20)
            ]
        );
    }

    #[test]
    fn a_cursor_continues_after_its_row_on_every_key() {
        let query = TaskQuery {
            order: vec![Sort {
                key: SortKey::Priority,
                descending: true,
            }],
            after: Some(Cursor {
                sort: "-priority".into(),
                values: vec![KeyValue::Int(2)],
                id: 40,
            }),
            ..TaskQuery::default()
        };
        let statement = Statements::<Numbered>::list(UserId(7), &query, context(), false);
        assert!(
            statement.sql.contains(
                "WHERE owner_id = $1 AND ((priority < $2) OR (priority = $3 AND id > $4)) \
                 ORDER BY priority DESC, id ASC"
            ),
            "{}",
            statement.sql
        );
    }
}
