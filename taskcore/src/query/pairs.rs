//! A listing as a query string: read by taskd, written by taskctl.

use crate::error::{Source, ValidationErrors};
use crate::planning::{NO_PRIORITY, Priority, parse_date, parse_tag};
use crate::types::{Invalid, ListId, Page, TaskId, parse_flag, query_value};

use super::cursor::{Cursor, not_given_out};
use super::listing::{DueFilter, Sort, SortKey, TaskQuery};

/// Longest `q`, in characters.
pub const SEARCH_MAX_CHARS: usize = 200;
/// Most words in `q`.
pub const SEARCH_MAX_WORDS: usize = 16;
/// Most values of a repeatable filter (`tag`, `priority`).
pub const FILTER_MAX_VALUES: usize = 32;

impl TaskQuery {
    /// Reads a listing from query-string pairs, every problem at once, each
    /// under `["query", NAME]`. Unknown parameters are ignored.
    pub fn from_pairs(pairs: &[(String, String)]) -> Result<Self, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        let mut query = TaskQuery::default();
        let last = |name: &str| query_value(pairs, name);
        let all = |name: &str| {
            pairs
                .iter()
                .filter(|(key, _)| key == name)
                .map(|(_, value)| value.as_str())
                .collect::<Vec<_>>()
        };
        match Page::from_pairs(pairs) {
            Ok(page) => query.page = page,
            Err(page_errors) => errors.extend(page_errors),
        }
        let mut check = |name: &str, outcome: Result<(), Invalid>| {
            if let Err(invalid) = outcome {
                errors.add(Source::Query, name, invalid.kind, invalid.msg);
            }
        };

        if let Some(text) = last("completed") {
            check(
                "completed",
                parse_flag(text).map(|flag| query.completed = Some(flag)),
            );
        }
        let priorities = all("priority");
        check(
            "priority",
            bounded(&priorities).and_then(|_| {
                for text in &priorities {
                    let priority = parse_priority_filter(text)?;
                    if !query.priorities.contains(&priority) {
                        query.priorities.push(priority);
                    }
                }
                Ok(())
            }),
        );
        let tags = all("tag");
        check(
            "tag",
            bounded(&tags).and_then(|_| {
                for text in tags {
                    let tag = parse_tag(text)?;
                    if !query.tags.contains(&tag) {
                        query.tags.push(tag);
                    }
                }
                Ok(())
            }),
        );
        if let Some(text) = last("due_before") {
            check(
                "due_before",
                parse_date(text).map(|day| query.due_before = Some(day)),
            );
        }
        if let Some(text) = last("due_after") {
            check(
                "due_after",
                parse_date(text).map(|day| query.due_after = Some(day)),
            );
        }
        if let Some(text) = last("due") {
            check(
                "due",
                DueFilter::parse(text).map(|due| query.due = Some(due)),
            );
        }
        if let Some(text) = last("list_id") {
            check(
                "list_id",
                parse_list_id(text).map(|list| query.list = Some(list)),
            );
        }
        if let Some(text) = last("parent_id") {
            check(
                "parent_id",
                parse_parent(text).map(|parent| query.parent = Some(parent)),
            );
        }
        if let Some(text) = last("completed_after") {
            check(
                "completed_after",
                parse_date(text).map(|day| query.completed_after = Some(day)),
            );
        }
        if let Some(text) = last("completed_before") {
            check(
                "completed_before",
                parse_date(text).map(|day| query.completed_before = Some(day)),
            );
        }
        if let Some(text) = last("q") {
            check("q", search_words(text).map(|words| query.search = words));
        }
        if let Some(text) = last("sort") {
            check("sort", parse_sort(text).map(|order| query.order = order));
        }
        if let Some(text) = last("cursor") {
            let sort = query.sort_text();
            check(
                "cursor",
                read_cursor(text, &sort, &query.order).map(|cursor| query.after = Some(cursor)),
            );
        }
        errors.into_result(|| query).map_err(|error| match error {
            crate::Error::Validation(errors) => errors,
            other => ValidationErrors::single(Source::Query, "", "value_error", other.to_string()),
        })
    }

    /// The listing as query-string pairs, as [`TaskQuery::from_pairs`]
    /// reads them back: what a client sends.
    pub fn to_pairs(&self) -> Vec<(&'static str, String)> {
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
            order,
            page,
            after,
        } = self;
        let mut pairs = Vec::new();
        if let Some(completed) = completed {
            pairs.push(("completed", completed.to_string()));
        }
        for priority in priorities {
            let name = priority.map_or(NO_PRIORITY, Priority::as_str);
            pairs.push(("priority", name.to_owned()));
        }
        for tag in tags {
            pairs.push(("tag", tag.clone()));
        }
        if let Some(day) = due_before {
            pairs.push(("due_before", day.to_string()));
        }
        if let Some(day) = due_after {
            pairs.push(("due_after", day.to_string()));
        }
        if let Some(due) = due {
            pairs.push(("due", due.as_str().to_owned()));
        }
        if let Some(list) = list {
            pairs.push(("list_id", list.to_string()));
        }
        match parent {
            Some(Some(id)) => pairs.push(("parent_id", id.0.to_string())),
            Some(None) => pairs.push(("parent_id", "none".to_owned())),
            None => {}
        }
        if let Some(day) = completed_after {
            pairs.push(("completed_after", day.to_string()));
        }
        if let Some(day) = completed_before {
            pairs.push(("completed_before", day.to_string()));
        }
        if !search.is_empty() {
            pairs.push(("q", search.join(" ")));
        }
        if !order.is_empty() {
            pairs.push(("sort", self.sort_text()));
        }
        if page.skip() != 0 {
            pairs.push(("skip", page.skip().to_string()));
        }
        pairs.push(("limit", page.limit().to_string()));
        if let Some(cursor) = after {
            pairs.push(("cursor", cursor.encode()));
        }
        pairs
    }
}

/// A cursor of the order `sort` (the keys `order`): one value per key
/// before the id, each of its key's kind.
fn read_cursor(text: &str, sort: &str, order: &[Sort]) -> Result<Cursor, Invalid> {
    let cursor = Cursor::decode(text, sort)?;
    let keys: Vec<SortKey> = order
        .iter()
        .map(|sort| sort.key)
        .take_while(|key| *key != SortKey::Id)
        .collect();
    let fits = cursor.values.len() == keys.len()
        && keys
            .iter()
            .zip(&cursor.values)
            .all(|(key, value)| key.holds(value));
    if fits {
        Ok(cursor)
    } else {
        Err(not_given_out())
    }
}

/// A parent in a query string: a task id, or `none` for top-level tasks.
fn parse_parent(text: &str) -> Result<Option<TaskId>, Invalid> {
    if text == "none" {
        return Ok(None);
    }
    match text.parse::<i64>() {
        Ok(id) if id >= 1 => Ok(Some(TaskId(id))),
        _ => Err(Invalid::new(
            "int_parsing",
            "Input should be a task id (a whole number from 1) or 'none'",
        )),
    }
}

/// A list id in a query string: a whole number from 1.
fn parse_list_id(text: &str) -> Result<ListId, Invalid> {
    match text.parse::<i64>() {
        Ok(id) if id >= 1 => Ok(ListId(id)),
        _ => Err(Invalid::new(
            "int_parsing",
            "Input should be a list id: a whole number from 1",
        )),
    }
}

fn bounded(values: &[&str]) -> Result<(), Invalid> {
    if values.len() > FILTER_MAX_VALUES {
        Err(Invalid::new(
            "too_long",
            format!("Give at most {FILTER_MAX_VALUES} values"),
        ))
    } else {
        Ok(())
    }
}

/// Reads a value of the `priority` filter: a priority's name, or `none`
/// for tasks without one.
pub fn parse_priority_filter(text: &str) -> Result<Option<Priority>, Invalid> {
    if text == NO_PRIORITY {
        return Ok(None);
    }
    Priority::parse(text).map(Some).map_err(|_| {
        Invalid::new(
            "enum",
            format!("Input should be {}", Priority::choices(true)),
        )
    })
}

/// The words of a text, as search sees them: runs of letters and digits,
/// lower-cased. Searches and the words indexed for them both come from here.
pub fn words_of(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|word| !word.is_empty())
        .map(str::to_lowercase)
}

/// The words of a search (see [`words_of`]), each once.
pub fn search_words(text: &str) -> Result<Vec<String>, Invalid> {
    if text.chars().count() > SEARCH_MAX_CHARS {
        return Err(Invalid::new(
            "string_too_long",
            format!("String should have at most {SEARCH_MAX_CHARS} characters"),
        ));
    }
    let mut words: Vec<String> = Vec::new();
    for word in words_of(text) {
        if !words.contains(&word) {
            words.push(word);
        }
    }
    if words.is_empty() {
        return Err(Invalid::new(
            "string_too_short",
            "A search should contain at least one letter or digit",
        ));
    }
    if words.len() > SEARCH_MAX_WORDS {
        return Err(Invalid::new(
            "too_long",
            format!("A search has at most {SEARCH_MAX_WORDS} words"),
        ));
    }
    Ok(words)
}

/// Reads a sort: keys separated by commas, each optionally preceded by `-`
/// for descending; nothing after `id`, which is unique.
pub fn parse_sort(text: &str) -> Result<Vec<Sort>, Invalid> {
    let mut order: Vec<Sort> = Vec::new();
    for part in text.split(',') {
        let (descending, name) = match part.strip_prefix('-') {
            Some(name) => (true, name),
            None => (false, part),
        };
        let key = SortKey::parse(name)?;
        if order.iter().any(|sort| sort.key == key) {
            return Err(Invalid::new(
                "value_error",
                format!("'{}' appears twice in the sort", key.name()),
            ));
        }
        order.push(Sort { key, descending });
        if key == SortKey::Id {
            // The id is unique: keys after it could never apply.
            break;
        }
    }
    Ok(order)
}

#[cfg(test)]
mod tests {
    use super::super::cursor::{KeyValue, TimeValue};
    use super::*;

    fn pairs(query: &str) -> Vec<(String, String)> {
        query
            .split('&')
            .filter(|pair| !pair.is_empty())
            .map(|pair| {
                let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
                (key.to_owned(), value.to_owned())
            })
            .collect()
    }

    fn fields(query: &str) -> Vec<String> {
        TaskQuery::from_pairs(&pairs(query))
            .unwrap_err()
            .errors()
            .iter()
            .map(|error| error.loc.join("."))
            .collect()
    }

    #[test]
    fn every_filter_is_read() {
        let query = TaskQuery::from_pairs(&pairs(
            "completed=false&priority=high&priority=none&tag=Home&tag=money&due_before=2025-01-31&due=overdue&q=Pay+rent&sort=-priority,due&limit=20",
        ))
        .expect("valid");
        assert_eq!(query.completed, Some(false));
        assert_eq!(query.priorities, [Some(Priority::High), None]);
        assert_eq!(query.tags, ["home", "money"]);
        assert_eq!(query.due, Some(DueFilter::Overdue));
        assert_eq!(query.search, ["pay", "rent"]);
        assert_eq!(query.sort_text(), "-priority,due");
        assert_eq!(query.page.limit(), 20);
    }

    #[test]
    fn every_wrong_value_is_named_by_its_parameter() {
        assert_eq!(
            fields(
                "completed=maybe&priority=urgent&tag=a+b&due_before=tomorrow&due=soon&q=!!&sort=size&skip=-1"
            ),
            [
                "query.skip",
                "query.completed",
                "query.priority",
                "query.tag",
                "query.due_before",
                "query.due",
                "query.q",
                "query.sort"
            ]
        );
    }

    #[test]
    fn a_cursor_only_fits_the_order_it_was_made_for() {
        let cursor = Cursor {
            sort: "due".into(),
            values: vec![KeyValue::Time(TimeValue { t: 5 })],
            id: 9,
        };
        let text = cursor.encode();
        let due = parse_sort("due").expect("sort");
        assert_eq!(read_cursor(&text, "due", &due).expect("fits"), cursor);
        assert!(Cursor::decode(&text, "-due").is_err());
        assert!(Cursor::decode("garbage", "due").is_err());
        let mistyped = Cursor {
            sort: "due".into(),
            values: vec![KeyValue::Text("x".into())],
            id: 9,
        };
        assert!(read_cursor(&mistyped.encode(), "due", &due).is_err());
        let out_of_range = Cursor {
            sort: "due".into(),
            values: vec![KeyValue::Time(TimeValue { t: i64::MAX })],
            id: 9,
        };
        assert!(read_cursor(&out_of_range.encode(), "due", &due).is_err());
        assert_eq!(fields(&format!("cursor={text}")), ["query.cursor"]);
    }
}
