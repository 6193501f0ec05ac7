//! What a task listing asks for: which tasks, in which order, which page;
//! read from a query string, and the keyset cursor of the next page.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::error::{Source, ValidationErrors};
use crate::planning::{Priority, parse_date, parse_tag};
use crate::types::{Invalid, Page, parse_flag, query_value};

/// Longest `q`, in characters.
pub const SEARCH_MAX_CHARS: usize = 200;
/// Most words in `q`.
pub const SEARCH_MAX_WORDS: usize = 16;
/// Most values of a repeatable filter (`tag`, `priority`).
pub const FILTER_MAX_VALUES: usize = 32;

/// A listing of one owner's tasks: filters (all must hold), an order and a page.
///
/// The default is every task, by id, first page of 100.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TaskQuery {
    /// Only done (`Some(true)`) or only open (`Some(false)`) tasks.
    pub completed: Option<bool>,
    /// Tasks with any of these priorities (`None`: no priority); empty: any.
    pub priorities: Vec<Option<Priority>>,
    /// Tasks that carry every one of these tags (normalised).
    pub tags: Vec<String>,
    /// Tasks due on or before this day (in the owner's zone).
    pub due_before: Option<NaiveDate>,
    /// Tasks due on or after this day (in the owner's zone).
    pub due_after: Option<NaiveDate>,
    /// Tasks by whether and when they are due.
    pub due: Option<DueFilter>,
    /// Words that must each start a word of the title or description.
    pub search: Vec<String>,
    /// Sort keys, most significant first; the id breaks remaining ties.
    pub order: Vec<Sort>,
    /// Which slice of the ordered tasks to return (after `after`, if set).
    pub page: Page,
    /// Start after this row of an earlier page (keyset paging).
    pub after: Option<Cursor>,
}

/// Tasks by whether and when they are due.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
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
    pub fn page(page: Page) -> Self {
        Self {
            page,
            ..Self::default()
        }
    }

    /// Whether evaluating the query needs the owner's time zone.
    pub(crate) fn needs_zone(&self) -> bool {
        self.due_before.is_some()
            || self.due_after.is_some()
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
                    let priority = match *text {
                        "none" => None,
                        "low" | "medium" | "high" => Some(Priority::parse(text)?),
                        _ => {
                            return Err(Invalid::new(
                                "enum",
                                "Input should be 'none', 'low', 'medium' or 'high'",
                            ));
                        }
                    };
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
                Cursor::decode(text, &sort).map(|cursor| query.after = Some(cursor)),
            );
        }
        errors.into_result(|| query).map_err(|error| match error {
            crate::Error::Validation(errors) => errors,
            other => ValidationErrors::single(Source::Query, "", "value_error", other.to_string()),
        })
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

impl DueFilter {
    /// Parses `none`, `any`, `today` or `overdue`.
    pub fn parse(text: &str) -> Result<Self, Invalid> {
        match text {
            "none" => Ok(Self::None),
            "any" => Ok(Self::Any),
            "today" => Ok(Self::Today),
            "overdue" => Ok(Self::Overdue),
            _ => Err(Invalid::new(
                "enum",
                "Input should be 'none', 'any', 'today' or 'overdue'",
            )),
        }
    }
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

fn parse_sort(text: &str) -> Result<Vec<Sort>, Invalid> {
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
    /// When the task is due; tasks without a due come last in both directions.
    Due,
    /// Priority: none < low < medium < high.
    Priority,
    /// The title, by code point.
    Title,
}

impl SortKey {
    /// Every key, as the query string names it.
    pub const NAMES: &'static str = "id, created_at, updated_at, due, priority, title";

    fn parse(name: &str) -> Result<Self, Invalid> {
        Ok(match name {
            "id" => Self::Id,
            "created_at" => Self::CreatedAt,
            "updated_at" => Self::UpdatedAt,
            "due" => Self::Due,
            "priority" => Self::Priority,
            "title" => Self::Title,
            _ => {
                return Err(Invalid::new(
                    "enum",
                    format!(
                        "Sort keys are {}, each optionally preceded by '-' for descending",
                        Self::NAMES
                    ),
                ));
            }
        })
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
        }
    }
}

/// The value of one sort key in a row, as a cursor carries it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum KeyValue {
    /// An integer (priority rank).
    Int(i64),
    /// A timestamp, in microseconds since the epoch.
    Time(TimeValue),
    /// Text (the title).
    Text(String),
}

/// A timestamp in a cursor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimeValue {
    /// Microseconds since the epoch.
    pub t: i64,
}

impl TimeValue {
    /// The instant.
    pub fn instant(self) -> Option<DateTime<Utc>> {
        DateTime::from_timestamp_micros(self.t)
    }
}

/// Where a page ends: the sort key values and the id of its last task, and
/// the order they belong to. Opaque to clients.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cursor {
    /// The order, as [`TaskQuery::sort_text`] writes it.
    #[serde(rename = "s")]
    pub sort: String,
    /// The values of the sort keys before the id, in order.
    #[serde(rename = "v")]
    pub values: Vec<KeyValue>,
    /// The id of the last task.
    #[serde(rename = "i")]
    pub id: i64,
}

impl Cursor {
    /// The cursor as it travels in a URL.
    pub fn encode(&self) -> String {
        URL_SAFE_NO_PAD.encode(serde_json::to_vec(self).unwrap_or_default())
    }

    /// Reads a cursor made for the order `sort`.
    pub fn decode(text: &str, sort: &str) -> Result<Self, Invalid> {
        let wrong = || {
            Invalid::new(
                "value_error",
                "Not a cursor this server gave out; follow the Link header's 'next'",
            )
        };
        // A title of 255 characters, each escaped in JSON, fits with room.
        if text.len() > 16 * 1024 {
            return Err(wrong());
        }
        let bytes = URL_SAFE_NO_PAD.decode(text.trim()).map_err(|_| wrong())?;
        let cursor: Cursor = serde_json::from_slice(&bytes).map_err(|_| wrong())?;
        if cursor.sort != sort {
            return Err(Invalid::new(
                "value_error",
                format!(
                    "This cursor belongs to sort={}, not sort={sort}; keep the other parameters of the page it came from",
                    cursor.sort
                ),
            ));
        }
        // One value per key before the id, each of its key's kind.
        let keys: Vec<&str> = sort
            .split(',')
            .map(|key| key.trim_start_matches('-'))
            .filter(|key| *key != "id")
            .collect();
        if cursor.values.len() != keys.len() {
            return Err(wrong());
        }
        let fits = keys
            .iter()
            .zip(&cursor.values)
            .all(|(key, value)| match (*key, value) {
                ("priority", KeyValue::Int(rank)) => (0..=3).contains(rank),
                ("created_at" | "updated_at" | "due", KeyValue::Time(time)) => time
                    .instant()
                    .is_some_and(|instant| (1..=9999).contains(&chrono::Datelike::year(&instant))),
                // No title holds NUL, and PostgreSQL refuses to compare one.
                ("title", KeyValue::Text(text)) => !text.contains('\0'),
                _ => false,
            });
        if !fits {
            return Err(wrong());
        }
        Ok(cursor)
    }
}

#[cfg(test)]
mod tests {
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
        assert_eq!(Cursor::decode(&text, "due").expect("fits"), cursor);
        assert!(Cursor::decode(&text, "-due").is_err());
        assert!(Cursor::decode("garbage", "due").is_err());
        let mistyped = Cursor {
            sort: "due".into(),
            values: vec![KeyValue::Text("x".into())],
            id: 9,
        };
        assert!(Cursor::decode(&mistyped.encode(), "due").is_err());
        let out_of_range = Cursor {
            sort: "due".into(),
            values: vec![KeyValue::Time(TimeValue { t: i64::MAX })],
            id: 9,
        };
        assert!(Cursor::decode(&out_of_range.encode(), "due").is_err());
        assert_eq!(fields(&format!("cursor={text}")), ["query.cursor"]);
    }
}
