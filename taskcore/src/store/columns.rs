//! The task table, described once for both backends: its columns, how a new
//! task and a patch write them, how a row reads back, and the statements
//! built from that. A backend supplies only its dialect (placeholders and
//! collation) and the binding of values.
//!
//! Adding a task field: a migration per backend, the field in the wire
//! types, one entry in [`EDITABLE`] and one line in [`task_from_row`].

use chrono::{DateTime, NaiveDate, Utc};

use super::backend::Mode;
use super::query::{Cursor, DueFilter, KeyValue, SortKey, TaskQuery, TimeValue};
use crate::error::Result;
use crate::model::{DueChange, Expect, NewTask, Origin, TagChange, Task, TaskPatch, User};
use crate::planning::{Priority, Zone, due_key};
use crate::types::{TaskId, UserId};

/// A value bound to a statement, in terms both backends bind.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum SqlValue<'a> {
    Int(i64),
    Text(Option<&'a str>),
    Bool(bool),
    Time(DateTime<Utc>),
    MaybeTime(Option<DateTime<Utc>>),
    MaybeDate(Option<NaiveDate>),
    /// Text made for the statement.
    OwnedText(String),
    /// A sorted list of tags.
    Tags(&'a [String]),
}

/// When a unit of task work happens and in which zone: what derived columns
/// (completion time, due keys) and the date filters depend on besides the
/// body or the query.
#[derive(Debug, Clone, Copy)]
pub struct Context {
    /// The time of the change or the listing.
    pub now: DateTime<Utc>,
    /// The owner's time zone (UTC when the work does not need it).
    pub zone: Zone,
}

/// A column a client writes.
pub(crate) struct Editable {
    pub name: &'static str,
    /// Its value in a new task.
    pub create: for<'a> fn(&'a NewTask) -> SqlValue<'a>,
    /// Its new value, when the patch sets it.
    pub update: for<'a> fn(&'a TaskPatch) -> Option<SqlValue<'a>>,
}

/// The columns clients write, in the order rows read them after [`FIXED`].
pub(crate) const EDITABLE: &[Editable] = &[
    Editable {
        name: "title",
        create: |task| SqlValue::Text(Some(task.title.as_str())),
        update: |patch| {
            patch
                .title
                .as_ref()
                .map(|title| SqlValue::Text(Some(title.as_str())))
        },
    },
    Editable {
        name: "description",
        create: |task| SqlValue::Text(task.description.as_ref().map(|text| text.as_str())),
        update: |patch| {
            patch
                .description
                .as_ref()
                .map(|description| SqlValue::Text(description.as_ref().map(|text| text.as_str())))
        },
    },
    Editable {
        name: "completed",
        create: |task| SqlValue::Bool(task.completed),
        update: |patch| patch.completed.map(SqlValue::Bool),
    },
    Editable {
        name: "priority",
        create: |task| SqlValue::Int(Priority::rank(task.priority)),
        update: |patch| {
            patch
                .priority
                .map(|priority| SqlValue::Int(Priority::rank(priority)))
        },
    },
    Editable {
        name: "due_date",
        create: |task| SqlValue::MaybeDate(task.due.and_then(|due| due.date())),
        update: |patch| match patch.due? {
            DueChange::Date(day) => Some(SqlValue::MaybeDate(Some(day))),
            DueChange::At(_) | DueChange::ClearDate | DueChange::ClearBoth => {
                Some(SqlValue::MaybeDate(None))
            }
            DueChange::ClearAt => None,
        },
    },
    Editable {
        name: "due_at",
        create: |task| SqlValue::MaybeTime(task.due.and_then(|due| due.at())),
        update: |patch| match patch.due? {
            DueChange::At(instant) => Some(SqlValue::MaybeTime(Some(instant))),
            DueChange::Date(_) | DueChange::ClearAt | DueChange::ClearBoth => {
                Some(SqlValue::MaybeTime(None))
            }
            DueChange::ClearDate => None,
        },
    },
    Editable {
        name: "tags",
        create: |task| SqlValue::Tags(&task.tags),
        update: |patch| match &patch.tags {
            Some(TagChange::Replace(tags)) => Some(SqlValue::Tags(tags)),
            // Written relative to the stored set: see `Statements::update`.
            Some(TagChange::Delta { .. }) | None => None,
        },
    },
];

/// The columns the server sets, first in every row read.
const FIXED: [&str; 5] = ["id", "owner_id", "created_at", "updated_at", "version"];
/// The columns the server derives from the others, last in every row read.
/// The due key is not part of a task as the API shows it; listings read it
/// for their cursors ([`due_key_from_row`]).
const DERIVED: [&str; 2] = ["completed_at", "due_key"];
/// Columns a task keeps that rows never read: where an imported task came
/// from. With the others, what a trashed task keeps ([`Statements::kept`]).
const KEPT: [&str; 1] = ["source"];

/// How one backend reads the values of a result row, by position.
pub(crate) trait RowValues {
    fn int(&self, index: usize) -> Result<i64>;
    fn text(&self, index: usize) -> Result<String>;
    fn optional_text(&self, index: usize) -> Result<Option<String>>;
    fn flag(&self, index: usize) -> Result<bool>;
    fn time(&self, index: usize) -> Result<DateTime<Utc>>;
    fn optional_time(&self, index: usize) -> Result<Option<DateTime<Utc>>>;
    fn optional_date(&self, index: usize) -> Result<Option<NaiveDate>>;
    fn tags(&self, index: usize) -> Result<Vec<String>>;
}

/// A row of [`Statements::columns`] as a task.
pub(crate) fn task_from_row(row: &dyn RowValues) -> Result<Task> {
    Ok(Task {
        id: TaskId(row.int(0)?),
        owner_id: UserId(row.int(1)?),
        created_at: row.time(2)?,
        updated_at: row.time(3)?,
        version: row.int(4)?,
        title: row.text(5)?,
        description: row.optional_text(6)?,
        completed: row.flag(7)?,
        priority: Priority::from_rank(row.int(8)?),
        due_date: row.optional_date(9)?,
        due_at: row.optional_time(10)?,
        tags: row.tags(11)?,
        completed_at: row.optional_time(12)?,
    })
}

/// The stored due key of a row of [`Statements::columns`].
pub(crate) fn due_key_from_row(row: &dyn RowValues) -> Result<Option<DateTime<Utc>>> {
    row.optional_time(13)
}

/// The position of the first column after [`Statements::columns`] in a row.
pub(crate) const AFTER_COLUMNS: usize = 14;

/// The columns every user query reads, and the row as a user.
pub(crate) const USER_COLUMNS: &str = "id, email, created_at, timezone";

pub(crate) fn user_from_row(row: &dyn RowValues) -> Result<User> {
    Ok(User {
        id: UserId(row.int(0)?),
        email: row.text(1)?,
        created_at: row.time(2)?,
        timezone: row.text(3)?,
    })
}

/// What differs between the SQL of the backends.
pub(crate) trait Dialect {
    /// Appended to a SELECT whose rows the work goes on to change.
    const LOCK_FOR_UPDATE: &'static str;
    /// Appended to a SELECT whose rows must not change until the work ends.
    const LOCK_FOR_SHARE: &'static str;
    /// The placeholder of the `number`th parameter (from 1).
    fn placeholder(number: usize) -> String;
    /// The expression a key sorts on, never NULL; for `due`, tasks without
    /// one get a value past every due key in the direction given.
    fn sort_expression(key: SortKey, descending: bool) -> &'static str;
    /// The expression of the stored tags with `add` added and `remove`
    /// removed (placeholders of tag lists), sorted.
    fn tags_delta(add: &str, remove: &str) -> String;
    /// The condition that the task matches a search, given the placeholder
    /// of [`Dialect::search_text`]'s value.
    fn search_condition(placeholder: &str) -> String;
    /// The search value for words that must each start a word of one
    /// owner's tasks.
    fn search_text(owner: UserId, words: &[String]) -> String;
    /// The ids of the first `rows` matches of a search value (placeholder
    /// `text`), after the id `after` if given, in id order; `None` when the
    /// dialect's index cannot give them so.
    fn search_first(
        text: &str,
        after: Option<&str>,
        descending: bool,
        rows: &str,
    ) -> Option<String>;
    /// A statement counting one owner's tasks that match a search, with
    /// `{search}` where the placeholder of the value given goes; `None`
    /// when the dialect counts searches as any other filter.
    fn search_count(owner: UserId, words: &[String]) -> Option<(String, String)>;
    /// The statement that starts work of this mode, if it needs one.
    fn begin(mode: Mode) -> Option<&'static str>;
    /// An expression taking the owner's next change number (placeholder
    /// `owner`), in commit order: within write work, changes of one owner
    /// are numbered as they commit.
    fn next_change(owner: &str) -> String;
}

/// The due key of tasks without a due, in each direction: past every real key.
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
    }
}

/// A statement and its parameters.
#[derive(Debug)]
pub(crate) struct Statement<'a> {
    pub sql: String,
    pub values: Vec<SqlValue<'a>>,
}

impl<'a> Statement<'a> {
    fn new() -> Self {
        Self {
            sql: String::new(),
            values: Vec::new(),
        }
    }

    /// Appends a parameter and returns its placeholder.
    fn bind<D: Dialect>(&mut self, value: SqlValue<'a>) -> String {
        self.values.push(value);
        D::placeholder(self.values.len())
    }
}

/// The task statements of one dialect. Every one filters by its owner.
pub(crate) struct Statements<D>(std::marker::PhantomData<D>);

impl<D: Dialect> Statements<D> {
    /// The columns every task query returns, in [`task_from_row`]'s order.
    pub fn columns() -> String {
        FIXED
            .iter()
            .copied()
            .chain(EDITABLE.iter().map(|column| column.name))
            .chain(DERIVED)
            .collect::<Vec<_>>()
            .join(", ")
    }

    pub fn insert<'a>(
        owner: UserId,
        task: &'a NewTask,
        context: Context,
        origin: Option<&'a Origin>,
    ) -> Statement<'a> {
        let mut statement = Statement::new();
        let owner = statement.bind::<D>(SqlValue::Int(owner.0));
        let created = origin
            .and_then(|origin| origin.created_at)
            .unwrap_or(context.now);
        let created = statement.bind::<D>(SqlValue::Time(created));
        let now = statement.bind::<D>(SqlValue::Time(context.now));
        let change = D::next_change(&owner);
        let mut names = vec!["owner_id", "created_at", "updated_at", "change_seq"];
        let mut values = vec![owner, created, now, change];
        for column in EDITABLE {
            names.push(column.name);
            values.push(statement.bind::<D>((column.create)(task)));
        }
        let completed_at = task.completed.then(|| {
            origin
                .and_then(|origin| origin.completed_at)
                .unwrap_or(context.now)
        });
        names.push("completed_at");
        values.push(statement.bind::<D>(SqlValue::MaybeTime(completed_at)));
        names.push("due_key");
        values.push(statement.bind::<D>(SqlValue::MaybeTime(due_key(
            task.due.and_then(|due| due.date()),
            task.due.and_then(|due| due.at()),
            context.zone,
        ))));
        if let Some(origin) = origin {
            names.push("source");
            values.push(statement.bind::<D>(SqlValue::Text(Some(&origin.source))));
        }
        statement.sql = format!(
            "INSERT INTO tasks ({}) VALUES ({}) RETURNING {}",
            names.join(", "),
            values.join(", "),
            Self::columns()
        );
        statement
    }

    /// Changes the fields the patch names, what derives from them, and
    /// `updated_at`.
    pub fn update<'a>(
        owner: UserId,
        id: TaskId,
        patch: &'a TaskPatch,
        context: Context,
        expect: &Expect,
    ) -> Statement<'a> {
        let mut statement = Statement::new();
        let owner_id = owner;
        let owner = statement.bind::<D>(SqlValue::Int(owner_id.0));
        let mut assignments = vec![
            format!(
                "updated_at = {}",
                statement.bind::<D>(SqlValue::Time(context.now))
            ),
            "version = version + 1".to_owned(),
            format!("change_seq = {}", D::next_change(&owner)),
        ];
        for column in EDITABLE {
            if let Some(value) = (column.update)(patch) {
                assignments.push(format!("{} = {}", column.name, statement.bind::<D>(value)));
            }
        }
        // Set when the task becomes done, kept while it stays done.
        match patch.completed {
            Some(true) => assignments.push(format!(
                "completed_at = COALESCE(completed_at, {})",
                statement.bind::<D>(SqlValue::Time(context.now))
            )),
            Some(false) => assignments.push("completed_at = NULL".to_owned()),
            None => {}
        }
        // The right-hand sides read the row as it was before this change.
        match patch.due {
            Some(DueChange::Date(day)) => assignments.push(format!(
                "due_key = {}",
                statement.bind::<D>(SqlValue::MaybeTime(due_key(Some(day), None, context.zone)))
            )),
            Some(DueChange::At(instant)) => assignments.push(format!(
                "due_key = {}",
                statement.bind::<D>(SqlValue::Time(instant))
            )),
            // Whatever the task had, its key is now its due_at (or none).
            Some(DueChange::ClearDate) => assignments.push("due_key = due_at".to_owned()),
            Some(DueChange::ClearAt) => {
                assignments.push("due_key = CASE WHEN due_at IS NULL THEN due_key END".to_owned())
            }
            Some(DueChange::ClearBoth) => assignments.push("due_key = NULL".to_owned()),
            None => {}
        }
        if let Some(TagChange::Delta { add, remove }) = &patch.tags {
            let add = statement.bind::<D>(SqlValue::Tags(add));
            let remove = statement.bind::<D>(SqlValue::Tags(remove));
            assignments.push(format!("tags = {}", D::tags_delta(&add, &remove)));
        }
        let id = statement.bind::<D>(SqlValue::Int(id.0));
        let expected = Self::expected(&mut statement, expect);
        statement.sql = format!(
            "UPDATE tasks SET {} WHERE id = {id} AND owner_id = {owner}{expected} RETURNING {}",
            assignments.join(", "),
            Self::columns()
        );
        statement
    }

    /// The condition a conditional change puts on the version, if any.
    fn expected(statement: &mut Statement<'_>, expect: &Expect) -> String {
        match expect {
            Expect::Any => String::new(),
            Expect::OneOf(versions) if versions.is_empty() => " AND 1 = 0".to_owned(),
            Expect::OneOf(versions) => {
                let versions: Vec<String> = versions
                    .iter()
                    .map(|version| statement.bind::<D>(SqlValue::Int(*version)))
                    .collect();
                format!(" AND version IN ({})", versions.join(", "))
            }
        }
    }

    pub fn get(owner: UserId, id: TaskId) -> Statement<'static> {
        let mut statement = Statement::new();
        let id = statement.bind::<D>(SqlValue::Int(id.0));
        let owner = statement.bind::<D>(SqlValue::Int(owner.0));
        statement.sql = format!(
            "SELECT {} FROM tasks WHERE id = {id} AND owner_id = {owner}",
            Self::columns()
        );
        statement
    }

    /// Every column a task keeps, in the order of [`Statements::columns`]
    /// then [`KEPT`]: what the trash keeps of a task and gives back.
    fn kept() -> Vec<&'static str> {
        FIXED
            .iter()
            .copied()
            .chain(EDITABLE.iter().map(|column| column.name))
            .chain(DERIVED)
            .chain(KEPT)
            .collect()
    }

    /// Copies a task into the trash, deleted now at change `change`, if its
    /// version is as expected; the statement that then deletes it is
    /// [`Statements::remove`]. Locks the task's row until the work ends.
    pub fn trash(
        owner: UserId,
        id: TaskId,
        expect: &Expect,
        now: DateTime<Utc>,
        change: i64,
    ) -> Statement<'static> {
        let mut statement = Statement::new();
        let now = statement.bind::<D>(SqlValue::Time(now));
        let change = statement.bind::<D>(SqlValue::Int(change));
        let id = statement.bind::<D>(SqlValue::Int(id.0));
        let owner = statement.bind::<D>(SqlValue::Int(owner.0));
        let expected = Self::expected(&mut statement, expect);
        let kept = Self::kept().join(", ");
        statement.sql = format!(
            "INSERT INTO trashed_tasks ({kept}, deleted_at, change_seq)
             SELECT {kept}, {now}, {change} FROM tasks
             WHERE id = {id} AND owner_id = {owner}{expected}{}",
            D::LOCK_FOR_UPDATE
        );
        statement
    }

    /// Deletes a task (from the tasks, not into the trash).
    pub fn remove(owner: UserId, id: TaskId) -> Statement<'static> {
        let mut statement = Statement::new();
        let id = statement.bind::<D>(SqlValue::Int(id.0));
        let owner = statement.bind::<D>(SqlValue::Int(owner.0));
        statement.sql = format!("DELETE FROM tasks WHERE id = {id} AND owner_id = {owner}");
        statement
    }

    /// Puts a trashed task back among the tasks, changed now at change
    /// `change` (its version bumped), and returns it; the statement that
    /// then takes it out of the trash is [`Statements::untrash`].
    pub fn restore(
        owner: UserId,
        id: TaskId,
        now: DateTime<Utc>,
        change: i64,
    ) -> Statement<'static> {
        let mut statement = Statement::new();
        let now = statement.bind::<D>(SqlValue::Time(now));
        let change = statement.bind::<D>(SqlValue::Int(change));
        let id = statement.bind::<D>(SqlValue::Int(id.0));
        let owner = statement.bind::<D>(SqlValue::Int(owner.0));
        let names = Self::kept();
        let values: Vec<String> = names
            .iter()
            .map(|name| match *name {
                "updated_at" => now.clone(),
                "version" => "version + 1".to_owned(),
                other => other.to_owned(),
            })
            .collect();
        statement.sql = format!(
            "INSERT INTO tasks ({}, change_seq)
             SELECT {}, {change} FROM trashed_tasks WHERE id = {id} AND owner_id = {owner}{}
             RETURNING {}",
            names.join(", "),
            values.join(", "),
            D::LOCK_FOR_UPDATE,
            Self::columns()
        );
        statement
    }

    /// Takes a task out of the trash.
    pub fn untrash(owner: UserId, id: TaskId) -> Statement<'static> {
        let mut statement = Statement::new();
        let id = statement.bind::<D>(SqlValue::Int(id.0));
        let owner = statement.bind::<D>(SqlValue::Int(owner.0));
        statement.sql = format!("DELETE FROM trashed_tasks WHERE id = {id} AND owner_id = {owner}");
        statement
    }

    /// A page of the trash, newest deletion first, each task with when it
    /// was deleted (the column after [`Statements::columns`]).
    pub fn trashed(owner: UserId, page: crate::types::Page) -> Statement<'static> {
        let mut statement = Statement::new();
        let owner = statement.bind::<D>(SqlValue::Int(owner.0));
        let limit = statement.bind::<D>(SqlValue::Int(i64::from(page.limit())));
        let skip = statement.bind::<D>(SqlValue::Int(
            i64::try_from(page.skip()).unwrap_or(i64::MAX),
        ));
        statement.sql = format!(
            "SELECT {}, deleted_at FROM trashed_tasks WHERE owner_id = {owner}
             ORDER BY deleted_at DESC, id DESC LIMIT {limit} OFFSET {skip}",
            Self::columns()
        );
        statement
    }

    /// The tasks changed after change `since`, in change order, at most
    /// `rows`; each with its change number (the column after
    /// [`Statements::columns`]).
    pub fn changed(owner: UserId, since: i64, rows: i64) -> Statement<'static> {
        let mut statement = Statement::new();
        let owner = statement.bind::<D>(SqlValue::Int(owner.0));
        let since = statement.bind::<D>(SqlValue::Int(since));
        let rows = statement.bind::<D>(SqlValue::Int(rows));
        statement.sql = format!(
            "SELECT {}, change_seq FROM tasks WHERE owner_id = {owner} AND change_seq > {since}
             ORDER BY change_seq LIMIT {rows}",
            Self::columns()
        );
        statement
    }

    /// A page of every task, live and trashed, by id after `after`: what an
    /// export reads. Each with when it was deleted (NULL for live ones).
    pub fn exported(owner: UserId, after: i64, rows: i64) -> Statement<'static> {
        let mut statement = Statement::new();
        let owner = statement.bind::<D>(SqlValue::Int(owner.0));
        let after = statement.bind::<D>(SqlValue::Int(after));
        let rows = statement.bind::<D>(SqlValue::Int(rows));
        let columns = Self::columns();
        // Each side reads at most a page from its (owner_id, id) index: a
        // limit only outside the union made every page read every task
        // after it (an export of 100,000 tasks read 5 billion rows). The
        // live side's missing `deleted_at` is a null typed as a timestamp,
        // which PostgreSQL needs inside a subquery.
        statement.sql = format!(
            "SELECT * FROM (
                 SELECT * FROM (
                     SELECT {columns}, CASE WHEN 0 = 1 THEN updated_at END AS deleted_at FROM tasks
                     WHERE owner_id = {owner} AND id > {after}
                     ORDER BY id LIMIT {rows}) AS live
                 UNION ALL
                 SELECT * FROM (
                     SELECT {columns}, deleted_at FROM trashed_tasks
                     WHERE owner_id = {owner} AND id > {after}
                     ORDER BY id LIMIT {rows}) AS trashed) AS every_task
             ORDER BY id LIMIT {rows}"
        );
        statement
    }

    /// How many tasks match the query's filters. The common listings are
    /// counted without visiting each task: all or open or done tasks from
    /// the owner's kept counts, one tag from its index, a search alone from
    /// the search index.
    pub fn count<'a>(owner: UserId, query: &'a TaskQuery, context: Context) -> Statement<'a> {
        let mut statement = Statement::new();
        let only_completion = query.priorities.is_empty()
            && query.due_before.is_none()
            && query.due_after.is_none()
            && query.due.is_none();
        if only_completion && query.tags.is_empty() && query.search.is_empty() {
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
        if only_completion && query.tags.len() == 1 && query.search.is_empty() {
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
        if only_completion
            && query.completed.is_none()
            && query.tags.is_empty()
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
        let search_only = !query.search.is_empty()
            && query.completed.is_none()
            && query.priorities.is_empty()
            && query.tags.is_empty()
            && query.due_before.is_none()
            && query.due_after.is_none()
            && query.due.is_none();
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
        let only_tag = query.priorities.is_empty()
            && query.search.is_empty()
            && query.due_before.is_none()
            && query.due_after.is_none()
            && query.due.is_none();
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
                (SortKey::CreatedAt | SortKey::UpdatedAt | SortKey::Due, KeyValue::Time(time)) => {
                    SqlValue::Time(time.instant()?)
                }
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

    /// The user's tags, with how many open and how many tasks in all carry each.
    pub fn tag_counts(owner: UserId) -> Statement<'static> {
        let mut statement = Statement::new();
        let owner = statement.bind::<D>(SqlValue::Int(owner.0));
        statement.sql = format!("SELECT tag, open, total FROM tag_counts WHERE owner_id = {owner}");
        statement
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

/// The sort expression of the keys whose column sorts as it is.
pub(crate) fn plain_sort_expression(key: SortKey) -> &'static str {
    match key {
        SortKey::Id => "id",
        SortKey::CreatedAt => "created_at",
        SortKey::UpdatedAt => "updated_at",
        SortKey::Priority => "priority",
        SortKey::Title => "title",
        SortKey::Due => "due_key",
    }
}

/// A dialect for unit tests of the SQL builders: `$N` placeholders, no locks.
#[cfg(test)]
pub(crate) struct Numbered;

#[cfg(test)]
impl Dialect for Numbered {
    const LOCK_FOR_UPDATE: &'static str = "";
    const LOCK_FOR_SHARE: &'static str = "";

    fn placeholder(number: usize) -> String {
        format!("${number}")
    }

    fn sort_expression(key: SortKey, _descending: bool) -> &'static str {
        plain_sort_expression(key)
    }

    fn tags_delta(add: &str, remove: &str) -> String {
        format!("delta(tags, {add}, {remove})")
    }

    fn search_condition(placeholder: &str) -> String {
        format!("matches({placeholder})")
    }

    fn search_text(_owner: UserId, words: &[String]) -> String {
        words.join(" ")
    }

    fn search_count(_owner: UserId, _words: &[String]) -> Option<(String, String)> {
        None
    }

    fn search_first(
        _text: &str,
        _after: Option<&str>,
        _descending: bool,
        _rows: &str,
    ) -> Option<String> {
        None
    }

    fn begin(_mode: Mode) -> Option<&'static str> {
        None
    }

    fn next_change(owner: &str) -> String {
        format!("next({owner})")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::query::Sort;
    use crate::types::Page;

    fn context() -> Context {
        Context {
            now: chrono::Utc::now(),
            zone: Zone::default(),
        }
    }

    #[test]
    fn a_patch_writes_only_the_fields_it_names_and_what_derives_from_them() {
        let patch = TaskPatch {
            completed: Some(true),
            ..TaskPatch::default()
        };
        let statement =
            Statements::<Numbered>::update(UserId(7), TaskId(3), &patch, context(), &Expect::Any);
        assert!(
            statement.sql.starts_with(
                "UPDATE tasks SET updated_at = $2, version = version + 1, change_seq = next($1), \
                 completed = $3, completed_at = COALESCE(completed_at, $4) \
                 WHERE id = $5 AND owner_id = $1 RETURNING"
            ),
            "{}",
            statement.sql
        );
        assert_eq!(statement.values[0], SqlValue::Int(7));
        assert_eq!(statement.values[2], SqlValue::Bool(true));
    }

    #[test]
    fn a_conditional_patch_changes_only_a_task_at_a_version_it_expects() {
        let patch = TaskPatch {
            completed: Some(true),
            ..TaskPatch::default()
        };
        let expect = Expect::OneOf(vec![4, 6]);
        let statement =
            Statements::<Numbered>::update(UserId(7), TaskId(3), &patch, context(), &expect);
        assert!(
            statement
                .sql
                .contains("WHERE id = $5 AND owner_id = $1 AND version IN ($6, $7) RETURNING"),
            "{}",
            statement.sql
        );
        assert_eq!(&statement.values[5..], [SqlValue::Int(4), SqlValue::Int(6)]);
    }

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
