//! The task table, described once for both backends: its columns, how a new
//! task and a patch write them, how a row reads back, and the statements
//! built from that. A backend supplies only its dialect (placeholders and
//! collation) and the binding of values.
//!
//! Adding a task field: a migration per backend, the field in the wire
//! types, one entry in [`EDITABLE`] and one line in [`task_from_row`].

use chrono::{DateTime, Utc};

use super::backend::Mode;
use super::query::{SortKey, TaskQuery};
use crate::error::Result;
use crate::model::{Task, User};
use crate::types::{TaskId, UserId};
use crate::wire::{TaskCreate, TaskUpdate};

/// A value bound to a statement, in terms both backends bind.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum SqlValue<'a> {
    Int(i64),
    Text(Option<&'a str>),
    Bool(bool),
    Time(DateTime<Utc>),
}

/// A column a client writes.
pub(crate) struct Editable {
    pub name: &'static str,
    /// Its value in a new task.
    pub create: for<'a> fn(&'a TaskCreate) -> SqlValue<'a>,
    /// Its new value, when the patch changes it.
    pub update: for<'a> fn(&'a TaskUpdate) -> Option<SqlValue<'a>>,
}

/// The columns clients write, in the order rows read them after [`FIXED`].
pub(crate) const EDITABLE: &[Editable] = &[
    Editable {
        name: "title",
        create: |task| SqlValue::Text(Some(&task.title)),
        update: |patch| {
            patch
                .title
                .as_deref()
                .map(|title| SqlValue::Text(Some(title)))
        },
    },
    Editable {
        name: "description",
        create: |task| SqlValue::Text(task.description.as_deref()),
        update: |patch| {
            patch
                .description
                .as_ref()
                .map(|description| SqlValue::Text(description.as_deref()))
        },
    },
    Editable {
        name: "completed",
        create: |task| SqlValue::Bool(task.completed),
        update: |patch| patch.completed.map(SqlValue::Bool),
    },
];

/// The columns the server sets, first in every row read.
const FIXED: [&str; 4] = ["id", "owner_id", "created_at", "updated_at"];

/// How one backend reads the values of a result row, by position.
pub(crate) trait RowValues {
    fn int(&self, index: usize) -> Result<i64>;
    fn text(&self, index: usize) -> Result<String>;
    fn optional_text(&self, index: usize) -> Result<Option<String>>;
    fn flag(&self, index: usize) -> Result<bool>;
    fn time(&self, index: usize) -> Result<DateTime<Utc>>;
}

/// A row of [`Statements::columns`] as a task.
pub(crate) fn task_from_row(row: &dyn RowValues) -> Result<Task> {
    Ok(Task {
        id: TaskId(row.int(0)?),
        owner_id: UserId(row.int(1)?),
        created_at: row.time(2)?,
        updated_at: row.time(3)?,
        title: row.text(4)?,
        description: row.optional_text(5)?,
        completed: row.flag(6)?,
    })
}

/// The columns every user query reads, and the row as a user.
pub(crate) const USER_COLUMNS: &str = "id, email, created_at";

pub(crate) fn user_from_row(row: &dyn RowValues) -> Result<User> {
    Ok(User {
        id: UserId(row.int(0)?),
        email: row.text(1)?,
        created_at: row.time(2)?,
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
    /// The expression a key sorts on.
    fn sort_expression(key: SortKey) -> &'static str;
    /// The statement that starts work of this mode, if it needs one.
    fn begin(mode: Mode) -> Option<&'static str>;
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
            .collect::<Vec<_>>()
            .join(", ")
    }

    pub fn insert<'a>(owner: UserId, task: &'a TaskCreate, now: DateTime<Utc>) -> Statement<'a> {
        let mut statement = Statement::new();
        let owner = statement.bind::<D>(SqlValue::Int(owner.0));
        let now = statement.bind::<D>(SqlValue::Time(now));
        let mut names = vec!["owner_id", "created_at", "updated_at"];
        let mut values = vec![owner, now.clone(), now];
        for column in EDITABLE {
            names.push(column.name);
            values.push(statement.bind::<D>((column.create)(task)));
        }
        statement.sql = format!(
            "INSERT INTO tasks ({}) VALUES ({}) RETURNING {}",
            names.join(", "),
            values.join(", "),
            Self::columns()
        );
        statement
    }

    /// Changes the fields the patch names and `updated_at`.
    pub fn update<'a>(
        owner: UserId,
        id: TaskId,
        patch: &'a TaskUpdate,
        now: DateTime<Utc>,
    ) -> Statement<'a> {
        let mut statement = Statement::new();
        let mut assignments = vec![format!(
            "updated_at = {}",
            statement.bind::<D>(SqlValue::Time(now))
        )];
        for column in EDITABLE {
            if let Some(value) = (column.update)(patch) {
                assignments.push(format!("{} = {}", column.name, statement.bind::<D>(value)));
            }
        }
        let id = statement.bind::<D>(SqlValue::Int(id.0));
        let owner = statement.bind::<D>(SqlValue::Int(owner.0));
        statement.sql = format!(
            "UPDATE tasks SET {} WHERE id = {id} AND owner_id = {owner} RETURNING {}",
            assignments.join(", "),
            Self::columns()
        );
        statement
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

    pub fn delete(owner: UserId, id: TaskId) -> Statement<'static> {
        let mut statement = Statement::new();
        let id = statement.bind::<D>(SqlValue::Int(id.0));
        let owner = statement.bind::<D>(SqlValue::Int(owner.0));
        statement.sql = format!("DELETE FROM tasks WHERE id = {id} AND owner_id = {owner}");
        statement
    }

    /// How many tasks match the query's filter.
    pub fn count(owner: UserId, query: &TaskQuery) -> Statement<'static> {
        let mut statement = Statement::new();
        let filter = Self::filter(&mut statement, owner, query);
        statement.sql = format!("SELECT COUNT(*) FROM tasks WHERE {filter}");
        statement
    }

    /// The query's page of matching tasks, in its order.
    pub fn list(owner: UserId, query: &TaskQuery) -> Statement<'static> {
        let mut statement = Statement::new();
        let filter = Self::filter(&mut statement, owner, query);
        let mut order: Vec<String> = query
            .order
            .iter()
            .take_while(|sort| sort.key != SortKey::Id)
            .map(|sort| {
                let direction = if sort.descending { "DESC" } else { "ASC" };
                format!("{} {direction}", D::sort_expression(sort.key))
            })
            .collect();
        // The id ends every order, so pages never overlap or skip.
        let id_descending = query
            .order
            .iter()
            .find(|sort| sort.key == SortKey::Id)
            .is_some_and(|sort| sort.descending);
        order.push(if id_descending { "id DESC" } else { "id ASC" }.to_owned());
        let limit = statement.bind::<D>(SqlValue::Int(i64::from(query.page.limit())));
        let skip = i64::try_from(query.page.skip()).unwrap_or(i64::MAX);
        let skip = statement.bind::<D>(SqlValue::Int(skip));
        statement.sql = format!(
            "SELECT {} FROM tasks WHERE {filter} ORDER BY {} LIMIT {limit} OFFSET {skip}",
            Self::columns(),
            order.join(", ")
        );
        statement
    }

    /// The WHERE clause of a listing: the owner, then each filter given.
    fn filter(statement: &mut Statement<'static>, owner: UserId, query: &TaskQuery) -> String {
        let mut conditions = vec![format!(
            "owner_id = {}",
            statement.bind::<D>(SqlValue::Int(owner.0))
        )];
        if let Some(completed) = query.completed {
            conditions.push(format!(
                "completed = {}",
                statement.bind::<D>(SqlValue::Bool(completed))
            ));
        }
        conditions.join(" AND ")
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

    fn sort_expression(key: SortKey) -> &'static str {
        key.column()
    }

    fn begin(_mode: Mode) -> Option<&'static str> {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::query::Sort;
    use crate::types::Page;

    #[test]
    fn a_patch_writes_only_the_fields_it_names() {
        let patch = TaskUpdate {
            completed: Some(true),
            ..TaskUpdate::default()
        };
        let statement =
            Statements::<Numbered>::update(UserId(7), TaskId(3), &patch, chrono::Utc::now());
        assert!(
            statement.sql.starts_with(
                "UPDATE tasks SET updated_at = $1, completed = $2 WHERE id = $3 AND owner_id = $4"
            ),
            "{}",
            statement.sql
        );
        assert_eq!(statement.values[1], SqlValue::Bool(true));
        assert_eq!(statement.values[3], SqlValue::Int(7));
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
        };
        let statement = Statements::<Numbered>::list(UserId(7), &query);
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
                SqlValue::Int(10),
                SqlValue::Int(20)
            ]
        );
    }
}
