//! The statements that write and read single tasks, the trash, the change
//! feed and exports, in one dialect. Every one filters by its owner.

use chrono::{DateTime, Utc};

use super::dialect::Dialect;
use super::table::{EDITABLE, new_uid, read_columns_text, task_columns};
use super::value::{SqlValue, Statement};
use crate::model::{DueChange, Expect, NewTask, Origin, TagChange, TaskPatch};
use crate::planning::due_key;
use crate::store::backend::Context;
use crate::types::{TaskId, UserId};

pub(crate) use crate::model::Series;

/// A repeating task's step along its series: where the series starts and
/// how many are done after the step, and the task's newest completed
/// occurrence when the step changes it (the one a completion recorded; the
/// one before, or none, when one is taken back; unchanged by a skip).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Step {
    pub series: Series,
    pub newest: Option<Option<i64>>,
}

/// The `SET` list of an update, written as it grows.
struct Assignments(String);

impl Assignments {
    /// Adds one assignment, given in pieces.
    fn push(&mut self, pieces: &[&str]) {
        if !self.0.is_empty() {
            self.0.push_str(", ");
        }
        for piece in pieces {
            self.0.push_str(piece);
        }
    }
}

/// The task statements of one dialect. Every one filters by its owner.
pub(crate) struct Statements<D>(std::marker::PhantomData<D>);

impl<D: Dialect> Statements<D> {
    /// The columns every task query returns, in [`task_from_row`]'s order.
    pub fn columns() -> &'static str {
        read_columns_text()
    }

    pub fn insert<'a>(
        owner: UserId,
        task: &'a NewTask,
        context: Context,
        origin: Option<&'a Origin>,
    ) -> Statement<'a> {
        let mut statement = Statement::new();
        let owner = statement.bind::<D>(SqlValue::Int(owner.0));
        let completed_at = task.completed.then(|| {
            origin
                .and_then(|origin| origin.completed_at)
                .unwrap_or(context.completion_time())
        });
        let created = match origin {
            Some(origin) => origin.created_at.unwrap_or(context.now),
            // A task that arrives done (a client's, done while offline) was
            // made no later than it was done.
            None => completed_at.unwrap_or(context.now),
        };
        let created = statement.bind::<D>(SqlValue::Time(created));
        let now = statement.bind::<D>(SqlValue::Time(context.now));
        let change = D::next_change(&owner);
        let mut names = vec!["owner_id", "created_at", "updated_at", "change_seq"];
        let mut values = vec![owner, created, now, change];
        for column in EDITABLE {
            names.push(column.name);
            values.push(statement.bind::<D>((column.create)(task)));
        }
        names.push("completed_at");
        values.push(statement.bind::<D>(SqlValue::MaybeTime(completed_at)));
        names.push("due_key");
        values.push(statement.bind::<D>(SqlValue::MaybeTime(due_key(
            task.due.and_then(|due| due.date()),
            task.due.and_then(|due| due.at()),
            context.zone,
        ))));
        // The series of a repeating task starts at its due.
        names.push("anchor_date");
        values.push(statement.bind::<D>(SqlValue::MaybeDate(task.due.and_then(|due| due.date()))));
        names.push("anchor_at");
        values.push(statement.bind::<D>(SqlValue::MaybeTime(task.due.and_then(|due| due.at()))));
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
    /// `updated_at`. A change of due or repeat rule starts a repeating
    /// task's series again at the (new) due.
    pub fn update<'a>(
        owner: UserId,
        id: TaskId,
        patch: &'a TaskPatch,
        context: Context,
        expect: &Expect,
    ) -> Statement<'a> {
        Self::update_series(owner, id, patch, context, expect, None)
    }

    /// [`Statements::update`], the series of a repeating task set by
    /// `step` rather than following the patch: an occurrence done or
    /// skipped moves the due, not where the series starts.
    pub fn update_series<'a>(
        owner: UserId,
        id: TaskId,
        patch: &'a TaskPatch,
        context: Context,
        expect: &Expect,
        step: Option<Step>,
    ) -> Statement<'a> {
        // Written into one string, piece by piece: every change of a task
        // builds its statement here.
        let mut statement = Statement::new();
        let owner_id = owner;
        let owner = statement.bind::<D>(SqlValue::Int(owner_id.0));
        let mut set = Assignments(String::with_capacity(1024));
        let now = statement.bind::<D>(SqlValue::Time(context.now));
        set.push(&["updated_at = ", &now]);
        set.push(&["version = version + 1"]);
        set.push(&["change_seq = ", &D::next_change(&owner)]);
        for column in EDITABLE {
            if let Some(value) = (column.update)(patch) {
                set.push(&[column.name, " = ", &statement.bind::<D>(value)]);
            }
        }
        // Set when the task becomes done, kept while it stays done.
        match patch.completed {
            Some(true) => set.push(&[
                "completed_at = COALESCE(completed_at, ",
                &statement.bind::<D>(SqlValue::Time(context.completion_time())),
                ")",
            ]),
            Some(false) => set.push(&["completed_at = NULL"]),
            None => {}
        }
        // The right-hand sides read the row as it was before this change.
        match patch.due {
            Some(DueChange::Date(day)) => set.push(&[
                "due_key = ",
                &statement.bind::<D>(SqlValue::MaybeTime(due_key(Some(day), None, context.zone))),
            ]),
            Some(DueChange::At(instant)) => {
                set.push(&["due_key = ", &statement.bind::<D>(SqlValue::Time(instant))])
            }
            // Whatever the task had, its key is now its due_at (or none).
            Some(DueChange::ClearDate) => set.push(&["due_key = due_at"]),
            Some(DueChange::ClearAt) => {
                set.push(&["due_key = CASE WHEN due_at IS NULL THEN due_key END"])
            }
            Some(DueChange::ClearBoth) => set.push(&["due_key = NULL"]),
            None => {}
        }
        match step {
            Some(Step { series, newest }) => {
                let anchor = series.anchor;
                set.push(&[
                    "anchor_date = ",
                    &statement.bind::<D>(SqlValue::MaybeDate(anchor.date())),
                ]);
                set.push(&[
                    "anchor_at = ",
                    &statement.bind::<D>(SqlValue::MaybeTime(anchor.at())),
                ]);
                set.push(&[
                    "repeat_done = ",
                    &statement.bind::<D>(SqlValue::Int(i64::from(series.done))),
                ]);
                if let Some(newest) = newest {
                    set.push(&[
                        "last_completion = ",
                        &statement.bind::<D>(SqlValue::MaybeInt(newest)),
                    ]);
                }
            }
            None => {
                // A due sent again as it is keeps the series where it is.
                let anchor = match patch.due {
                    Some(DueChange::Date(day)) => {
                        let day = statement.bind::<D>(SqlValue::MaybeDate(Some(day)));
                        let same = format!("due_at IS NULL AND due_date = {day}");
                        Some((
                            format!("CASE WHEN {same} THEN anchor_date ELSE {day} END"),
                            format!("CASE WHEN {same} THEN anchor_at END"),
                            format!("CASE WHEN {same} THEN repeat_done ELSE 0 END"),
                        ))
                    }
                    Some(DueChange::At(instant)) => {
                        let at = statement.bind::<D>(SqlValue::MaybeTime(Some(instant)));
                        let same = format!("due_at = {at}");
                        Some((
                            format!("CASE WHEN {same} THEN anchor_date END"),
                            format!("CASE WHEN {same} THEN anchor_at ELSE {at} END"),
                            format!("CASE WHEN {same} THEN repeat_done ELSE 0 END"),
                        ))
                    }
                    Some(DueChange::ClearDate) => {
                        Some(("NULL".into(), "due_at".into(), "0".into()))
                    }
                    Some(DueChange::ClearAt) => {
                        Some(("due_date".into(), "NULL".into(), "0".into()))
                    }
                    Some(DueChange::ClearBoth) => Some(("NULL".into(), "NULL".into(), "0".into())),
                    None if patch.repeat.is_some() => {
                        Some(("due_date".into(), "due_at".into(), "0".into()))
                    }
                    None => None,
                };
                if let Some((date, at, done)) = anchor {
                    set.push(&["anchor_date = ", &date]);
                    set.push(&["anchor_at = ", &at]);
                    set.push(&["repeat_done = ", &done]);
                }
            }
        }
        if let Some(TagChange::Delta { add, remove }) = &patch.tags {
            let add = statement.bind::<D>(SqlValue::Tags(add));
            let remove = statement.bind::<D>(SqlValue::Tags(remove));
            set.push(&["tags = ", &D::tags_delta(&add, &remove)]);
        }
        let id = statement.bind::<D>(SqlValue::Int(id.0));
        let expected = Self::expected(&mut statement, expect);
        let Assignments(assignments) = set;
        statement.sql = [
            "UPDATE tasks SET ",
            &assignments,
            " WHERE id = ",
            &id,
            " AND owner_id = ",
            &owner,
            &expected,
            " RETURNING ",
            Self::columns(),
        ]
        .concat();
        statement
    }

    /// The condition a conditional change puts on the version, if any.
    pub(super) fn expected(statement: &mut Statement<'_>, expect: &Expect) -> String {
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

    /// Every column a task keeps: what the trash keeps of a task and gives
    /// back.
    fn kept() -> Vec<&'static str> {
        task_columns().collect()
    }

    /// Copies a task into the trash, deleted now at change `change` with
    /// the deletion of task `with` (itself, or a trashed ancestor), if its
    /// version is as expected; the statement that then deletes it is
    /// [`Statements::remove`]. Locks the task's row until the work ends.
    pub fn trash(
        owner: UserId,
        id: TaskId,
        expect: &Expect,
        now: DateTime<Utc>,
        change: i64,
        with: TaskId,
    ) -> Statement<'static> {
        let mut statement = Statement::new();
        let now = statement.bind::<D>(SqlValue::Time(now));
        let change = statement.bind::<D>(SqlValue::Int(change));
        let with = statement.bind::<D>(SqlValue::Int(with.0));
        let id = statement.bind::<D>(SqlValue::Int(id.0));
        let owner = statement.bind::<D>(SqlValue::Int(owner.0));
        let expected = Self::expected(&mut statement, expect);
        let kept = Self::kept().join(", ");
        statement.sql = format!(
            "INSERT INTO trashed_tasks ({kept}, deleted_at, change_seq, trashed_with)
             SELECT {kept}, {now}, {change}, {with} FROM tasks
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
    /// The task a restore is of (`top`) goes back under its parent only
    /// when that is live; a subtask that came with it keeps its parent.
    pub fn restore(
        owner: UserId,
        id: TaskId,
        now: DateTime<Utc>,
        change: i64,
        top: bool,
    ) -> Statement<'static> {
        let mut statement = Statement::new();
        let now = statement.bind::<D>(SqlValue::Time(now));
        let change = statement.bind::<D>(SqlValue::Int(change));
        let id = statement.bind::<D>(SqlValue::Int(id.0));
        let owner = statement.bind::<D>(SqlValue::Int(owner.0));
        let default = statement.bind::<D>(SqlValue::Bool(true));
        let fresh_uid = statement.bind::<D>(SqlValue::OwnedText(new_uid()));
        let names = Self::kept();
        let values: Vec<String> = names
            .iter()
            .map(|name| match *name {
                "updated_at" => now.clone(),
                "version" => "version + 1".to_owned(),
                // A live task took its UID meanwhile: it comes back with a new one.
                "uid" => format!(
                    "CASE WHEN EXISTS (SELECT 1 FROM tasks WHERE owner_id = {owner} \
                     AND uid = trashed_tasks.uid) THEN {fresh_uid} ELSE trashed_tasks.uid END"
                ),
                // Into the default list when its own is gone.
                "parent_id" if top => format!(
                    "(SELECT id FROM tasks WHERE id = trashed_tasks.parent_id \
                     AND owner_id = {owner})"
                ),
                // Under a live parent, in its list; else in its own, or in
                // the default list when that is gone.
                "list_id" => format!(
                    "COALESCE({}(SELECT id FROM lists WHERE id = trashed_tasks.list_id \
                     AND owner_id = {owner}), (SELECT id FROM lists WHERE owner_id = {owner} \
                     AND is_default = {default}))",
                    if top {
                        format!(
                            "(SELECT list_id FROM tasks WHERE id = trashed_tasks.parent_id \
                             AND owner_id = {owner}), "
                        )
                    } else {
                        String::new()
                    }
                ),
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
    /// export reads. Each with when it was deleted (NULL for live ones),
    /// then where its series stands (`anchor_date`, `anchor_at`,
    /// `repeat_done`) and its newest completed occurrence.
    pub fn exported(owner: UserId, after: i64, rows: i64) -> Statement<'static> {
        let mut statement = Statement::new();
        let owner = statement.bind::<D>(SqlValue::Int(owner.0));
        let after = statement.bind::<D>(SqlValue::Int(after));
        let rows = statement.bind::<D>(SqlValue::Int(rows));
        let columns = Self::columns();
        let history = "anchor_date, anchor_at, repeat_done, last_completion";
        // Each side reads at most a page from its (owner_id, id) index: a
        // limit only outside the union made every page read every task
        // after it (an export of 100,000 tasks read 5 billion rows). The
        // live side's missing `deleted_at` is a null typed as a timestamp,
        // which PostgreSQL needs inside a subquery.
        statement.sql = format!(
            "SELECT * FROM (
                 SELECT * FROM (
                     SELECT {columns}, CASE WHEN 0 = 1 THEN updated_at END AS deleted_at,
                         {history} FROM tasks
                     WHERE owner_id = {owner} AND id > {after}
                     ORDER BY id LIMIT {rows}) AS live
                 UNION ALL
                 SELECT * FROM (
                     SELECT {columns}, deleted_at, {history} FROM trashed_tasks
                     WHERE owner_id = {owner} AND id > {after}
                     ORDER BY id LIMIT {rows}) AS trashed) AS every_task
             ORDER BY id LIMIT {rows}"
        );
        statement
    }

    /// The user's tags, with how many open and how many tasks in all carry each.
    pub fn tag_counts(owner: UserId) -> Statement<'static> {
        let mut statement = Statement::new();
        let owner = statement.bind::<D>(SqlValue::Int(owner.0));
        statement.sql = format!("SELECT tag, open, total FROM tag_counts WHERE owner_id = {owner}");
        statement
    }
}

#[cfg(test)]
mod tests {
    use super::super::dialect::{Numbered, context};
    use super::*;

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
}
