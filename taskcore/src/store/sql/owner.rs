//! Task work bound to one owner: every statement is built with its filter.

use chrono::{DateTime, Utc};

use super::dialect::Dialect;
use super::statements::Statements;
use super::table::{task_from_row, trailing, user_columns, user_from_row};
use super::unit::Unit;
use super::value::{Connection, SqlError, SqlResult, SqlValue, Statement, numbered};
use crate::error::{Error, Result};
use crate::export::ExportedTask;
use crate::model::{Change, Expect, NewTask, Origin, TagCount, Task, TaskPatch, TrashedTask, User};
use crate::planning::{Zone, due_key};
use crate::query::TaskQuery;
use crate::store::backend::{Context, ListWork, Mode, TaskWork};
use crate::types::{TaskId, UserId};

use SqlValue::{Int, Text, Time};

/// Task work bound to one owner: every statement is built with its filter.
pub(crate) struct OwnerUnit<C: Connection> {
    pub(super) unit: Unit<C>,
    pub(super) owner: UserId,
}

impl<C: Connection> OwnerUnit<C> {
    pub fn begin(connection: C, owner: UserId, mode: Mode) -> Result<Self> {
        Ok(Self {
            unit: Unit::begin(connection, mode)?,
            owner,
        })
    }

    /// Owner work inside a transaction someone else owns; see [`Unit::within`].
    #[cfg_attr(not(feature = "sqlite"), allow(dead_code))] // SQLite's writer nests work.
    pub fn within(connection: C, owner: UserId, mode: Mode) -> Result<Self> {
        Ok(Self {
            unit: Unit::within(connection, mode)?,
            owner,
        })
    }

    pub(super) fn task(&mut self, statement: &Statement<'_>) -> Result<Option<Task>> {
        Ok(self.unit.tasks(statement)?.pop())
    }

    /// Takes the owner's next change number, holding the owner's change
    /// counter until the work ends. Work that takes one before locking a
    /// task's row locks in the same order as a single UPDATE does.
    fn next_change(&mut self) -> Result<i64> {
        let owner = C::Dialect::placeholder(1);
        self.unit
            .row(
                &format!("SELECT {}", C::Dialect::next_change(&owner)),
                &[Int(self.owner.0)],
                |row| row.int(0),
            )
            .sql()?
            .ok_or_else(|| Error::storage("no change number".to_owned()))
    }

    /// Holds the owner's change counter until the work ends, without
    /// taking a number.
    pub(super) fn lock_counter(&mut self) -> Result<()> {
        self.unit
            .row(
                &format!(
                    "SELECT seq FROM change_counters WHERE owner_id = ?1{}",
                    C::Dialect::LOCK_FOR_UPDATE
                ),
                &[Int(self.owner.0)],
                |row| row.int(0),
            )
            .sql()?;
        Ok(())
    }

    /// Why a change of task `id` that expected `expect` changed nothing:
    /// the task is not there, or is at another version.
    pub(super) fn refusal(&mut self, id: TaskId, expect: &Expect) -> Result<Error> {
        Ok(match (self.get(id)?, expect) {
            (None, _) => Error::TaskNotFound,
            (Some(task), Expect::OneOf(_)) => Error::VersionMismatch {
                current: task.version,
            },
            // Not there when the change ran (in the trash, restored since).
            (Some(_), Expect::Any) => Error::TaskNotFound,
        })
    }
}

impl<C: Connection> TaskWork for OwnerUnit<C> {
    fn zone(&mut self) -> Result<Zone> {
        let lock = match self.unit.mode {
            Mode::Write => C::Dialect::LOCK_FOR_SHARE,
            Mode::Statement | Mode::Snapshot => "",
        };
        let name = self
            .unit
            .row(
                &format!("SELECT timezone FROM users WHERE id = ?1{lock}"),
                &[Int(self.owner.0)],
                |row| row.text(0),
            )
            .sql()?;
        // A name stored by an older zone database than this build's: read
        // as UTC rather than failing every request of the user.
        Ok(name
            .and_then(|name| Zone::parse(&name).ok())
            .unwrap_or_default())
    }

    fn set_zone(&mut self, zone: Zone) -> Result<User> {
        let user = self
            .unit
            .row(
                &format!(
                    "UPDATE users SET timezone = ?1 WHERE id = ?2 RETURNING {}",
                    user_columns()
                ),
                &[Text(Some(zone.name())), Int(self.owner.0)],
                user_from_row,
            )
            .sql()?
            .ok_or(Error::InvalidToken)?;
        // The due keys of all-day due dates depend on the zone: one update
        // per distinct day, each re-checking its rows (a concurrent change
        // of a task's due, which takes no lock on the user, is then left as
        // it made it).
        let mut days = Vec::new();
        self.unit
            .connection
            .rows(
                &numbered::<C::Dialect>(
                    "SELECT due_date FROM tasks
                 WHERE owner_id = ?1 AND due_date IS NOT NULL AND due_at IS NULL
                 UNION SELECT due_date FROM trashed_tasks
                 WHERE owner_id = ?1 AND due_date IS NOT NULL AND due_at IS NULL",
                ),
                &[Int(self.owner.0)],
                &mut |row| {
                    days.extend(row.optional_date(0)?);
                    Ok(())
                },
            )
            .sql()?;
        // Trashed tasks too: a restore puts a task back as it is kept.
        for day in days {
            for table in ["tasks", "trashed_tasks"] {
                self.unit.execute(
                    &format!(
                        "UPDATE {table} SET due_key = ?1
                         WHERE owner_id = ?2 AND due_date = ?3 AND due_at IS NULL"
                    ),
                    &[
                        SqlValue::MaybeTime(due_key(Some(day), None, zone)),
                        Int(self.owner.0),
                        SqlValue::MaybeDate(Some(day)),
                    ],
                )?;
            }
        }
        Ok(user)
    }

    fn insert(
        &mut self,
        task: &NewTask,
        context: Context,
        origin: Option<&Origin>,
    ) -> Result<Task> {
        let placed;
        let task = match (task.parent, task.list) {
            // A subtask is in its parent's list.
            (Some(parent), list) => {
                let parents = self.check_parent(None, parent)?;
                if list.is_some_and(|list| list != parents) {
                    return Err(Self::subtask_list());
                }
                // Held before the change counter, as a list's deletion takes them.
                self.holds_list(parents)?;
                placed = NewTask {
                    list: Some(parents),
                    ..task.clone()
                };
                &placed
            }
            (None, Some(list)) if !self.holds_list(list)? => return Err(Self::unknown_list()),
            (None, Some(_)) => task,
            (None, None) => {
                placed = NewTask {
                    list: Some(self.default_list()?),
                    ..task.clone()
                };
                &placed
            }
        };
        // An imported task keeps its UID unless one of the owner's tasks
        // (an earlier import of the same file, say) has it already.
        let renamed;
        let task = match &task.uid {
            Some(uid) if origin.is_some() && self.uid_taken(uid.as_str())? => {
                renamed = NewTask {
                    uid: None,
                    ..task.clone()
                };
                &renamed
            }
            _ => task,
        };
        let statement = Statements::<C::Dialect>::insert(self.owner, task, context, origin);
        let mut inserted = Vec::new();
        let result = self
            .unit
            .connection
            .rows(&statement.sql, &statement.values, &mut |row| {
                inserted.push(task_from_row(row)?);
                Ok(())
            });
        match result {
            Ok(()) => inserted
                .pop()
                .ok_or_else(|| Error::storage("INSERT returned no row".to_owned())),
            Err(SqlError::UidTaken) => Err(Error::Conflict(format!(
                "Another of your tasks has the UID {:?}",
                task.uid.as_ref().map_or("", |uid| uid.as_str())
            ))),
            Err(error) => Err(error.into_error()),
        }
    }

    fn count(&mut self, query: &TaskQuery, context: Context) -> Result<u64> {
        let statement = Statements::<C::Dialect>::count(self.owner, query, context);
        let mut total = 0;
        self.unit
            .connection
            .rows(&statement.sql, &statement.values, &mut |row| {
                total = row.int(0)?;
                Ok(())
            })
            .sql()?;
        Ok(u64::try_from(total).unwrap_or_default())
    }

    fn list(
        &mut self,
        query: &TaskQuery,
        context: Context,
        many: bool,
    ) -> Result<Vec<(Task, Option<DateTime<Utc>>)>> {
        self.unit.keyed_tasks(&Statements::<C::Dialect>::list(
            self.owner, query, context, many,
        ))
    }

    fn get(&mut self, id: TaskId) -> Result<Option<Task>> {
        self.task(&Statements::<C::Dialect>::get(self.owner, id))
    }

    fn update(
        &mut self,
        id: TaskId,
        patch: &TaskPatch,
        context: Context,
        expect: &Expect,
    ) -> Result<Task> {
        // Only a change of place, completion, repeat or reminders, or one
        // clearing a due, reads the task first (the work is then one unit:
        // see OwnerTasks::update_expecting).
        if !patch.reads_task() {
            return match self.task(&Statements::<C::Dialect>::update(
                self.owner, id, patch, context, expect,
            ))? {
                Some(task) => Ok(task),
                None => Err(self.refusal(id, expect)?),
            };
        }
        self.update_read(id, patch, context, expect)
    }

    fn tag_counts(&mut self) -> Result<Vec<TagCount>> {
        let statement = Statements::<C::Dialect>::tag_counts(self.owner);
        let mut counts = Vec::new();
        self.unit
            .connection
            .rows(&statement.sql, &statement.values, &mut |row| {
                counts.push(TagCount {
                    name: row.text(0)?,
                    open: u64::try_from(row.int(1)?).unwrap_or_default(),
                    total: u64::try_from(row.int(2)?).unwrap_or_default(),
                });
                Ok(())
            })
            .sql()?;
        // By code point, whatever the database's collation.
        counts.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(counts)
    }

    fn trash(&mut self, id: TaskId, expect: &Expect, now: DateTime<Utc>) -> Result<()> {
        // Its subtasks go with it, and come back with it.
        let descendants = self.descendants(id)?;
        let change = self.next_change()?;
        let statement = Statements::<C::Dialect>::trash(self.owner, id, expect, now, change, id);
        if self.unit.execute(&statement.sql, &statement.values)? == 0 {
            return Err(self.refusal(id, expect)?);
        }
        let statement = Statements::<C::Dialect>::remove(self.owner, id);
        self.unit.execute(&statement.sql, &statement.values)?;
        for (descendant, _) in descendants {
            let change = self.next_change()?;
            let statement = Statements::<C::Dialect>::trash(
                self.owner,
                descendant,
                &Expect::Any,
                now,
                change,
                id,
            );
            self.unit.execute(&statement.sql, &statement.values)?;
            let statement = Statements::<C::Dialect>::remove(self.owner, descendant);
            self.unit.execute(&statement.sql, &statement.values)?;
        }
        Ok(())
    }

    fn restore(&mut self, id: TaskId, now: DateTime<Utc>) -> Result<Task> {
        // Held against a change of zone, which rewrites the trashed task's
        // due key before this copies it, or after this commits.
        self.zone()?;
        // What went to the trash with it comes back with it; a subtask
        // trashed with its parent comes back alone, at the top level.
        let mut group = self.trashed_with(id)?;
        if group.first() != Some(&id) {
            group = vec![id];
        }
        self.hold_lists_for_restore(id)?;
        let mut root = None;
        for member in group {
            let change = self.next_change()?;
            let restored = self
                .task(&Statements::<C::Dialect>::restore(
                    self.owner,
                    member,
                    now,
                    change,
                    member == id,
                ))?
                .ok_or(Error::TaskNotFound)?;
            let statement = Statements::<C::Dialect>::untrash(self.owner, member);
            self.unit.execute(&statement.sql, &statement.values)?;
            match &root {
                None => root = Some(restored),
                // In the list its top task came back to.
                Some(top) if restored.list_id != top.list_id => {
                    self.unit.execute(
                        "UPDATE tasks SET list_id = ?1 WHERE id = ?2 AND owner_id = ?3",
                        &[Int(top.list_id.0), Int(member.0), Int(self.owner.0)],
                    )?;
                }
                Some(_) => {}
            }
        }
        root.ok_or(Error::TaskNotFound)
    }

    fn erase(&mut self, id: TaskId) -> Result<()> {
        // The counter first, as every change of a trashed row takes it.
        self.lock_counter()?;
        // What went to the trash with it goes with it.
        let group = self.trashed_with(id)?;
        if group.first() == Some(&id) {
            for member in group.into_iter().skip(1) {
                self.erase_one(member)?;
            }
        }
        self.erase_one(id)
    }

    fn trashed(&mut self, page: crate::types::Page) -> Result<(u64, Vec<TrashedTask>)> {
        let total = self
            .unit
            .row(
                "SELECT COUNT(*) FROM trashed_tasks WHERE owner_id = ?1",
                &[Int(self.owner.0)],
                |row| row.int(0),
            )
            .sql()?
            .unwrap_or_default();
        let statement = Statements::<C::Dialect>::trashed(self.owner, page);
        let mut tasks = Vec::new();
        self.unit
            .connection
            .rows(&statement.sql, &statement.values, &mut |row| {
                tasks.push(TrashedTask {
                    task: task_from_row(row)?,
                    deleted_at: row.time(const { trailing(0) })?,
                });
                Ok(())
            })
            .sql()?;
        Ok((u64::try_from(total).unwrap_or_default(), tasks))
    }

    fn change_counter(&mut self) -> Result<(i64, i64)> {
        Ok(self
            .unit
            .row(
                "SELECT seq, forgotten FROM change_counters WHERE owner_id = ?1",
                &[Int(self.owner.0)],
                |row| Ok((row.int(0)?, row.int(1)?)),
            )
            .sql()?
            .unwrap_or_default())
    }

    fn changes(
        &mut self,
        since: i64,
        rows: i64,
        deletions: bool,
        lists: bool,
    ) -> Result<Vec<(i64, Change)>> {
        let mut changes = Vec::new();
        let statement = Statements::<C::Dialect>::changed(self.owner, since, rows);
        self.unit
            .connection
            .rows(&statement.sql, &statement.values, &mut |row| {
                changes.push((
                    row.int(const { trailing(0) })?,
                    Change::Upsert {
                        task: task_from_row(row)?,
                    },
                ));
                Ok(())
            })
            .sql()?;
        if deletions {
            for table in ["trashed_tasks", "erased_tasks"] {
                self.unit
                    .connection
                    .rows(
                        &numbered::<C::Dialect>(&format!(
                            "SELECT change_seq, id, deleted_at FROM {table}
                         WHERE owner_id = ?1 AND change_seq > ?2
                         ORDER BY change_seq LIMIT ?3"
                        )),
                        &[Int(self.owner.0), Int(since), Int(rows)],
                        &mut |row| {
                            changes.push((
                                row.int(0)?,
                                Change::Delete {
                                    id: TaskId(row.int(1)?),
                                    deleted_at: row.time(2)?,
                                },
                            ));
                            Ok(())
                        },
                    )
                    .sql()?;
            }
        }
        if lists {
            changes.extend(self.list_changes(since, rows, deletions)?);
        }
        changes.sort_by_key(|(change, _)| *change);
        changes.truncate(usize::try_from(rows).unwrap_or(usize::MAX));
        Ok(changes)
    }

    fn exported(&mut self, after: TaskId, rows: i64) -> Result<Vec<ExportedTask>> {
        self.exported_with_history(after, rows)
    }

    fn live_from_source(&mut self, source: &str) -> Result<Option<TaskId>> {
        let found = self
            .unit
            .row(
                "SELECT id FROM tasks WHERE owner_id = ?1 AND source = ?2",
                &[Int(self.owner.0), Text(Some(source))],
                |row| row.int(0),
            )
            .sql()?;
        Ok(found.map(TaskId))
    }

    fn source_known(&mut self, source: &str) -> Result<bool> {
        let found = self
            .unit
            .row(
                "SELECT id FROM tasks WHERE owner_id = ?1 AND source = ?2
             UNION ALL SELECT id FROM trashed_tasks WHERE owner_id = ?1 AND source = ?2
             UNION ALL SELECT id FROM erased_tasks WHERE owner_id = ?1 AND source = ?2",
                &[Int(self.owner.0), Text(Some(source))],
                |row| row.int(0),
            )
            .sql()?;
        Ok(found.is_some())
    }

    fn holds(&mut self, id: TaskId) -> Result<bool> {
        let found = self
            .unit
            .row(
                "SELECT id FROM tasks WHERE id = ?1 AND owner_id = ?2
             UNION ALL SELECT id FROM trashed_tasks WHERE id = ?1 AND owner_id = ?2",
                &[Int(id.0), Int(self.owner.0)],
                |row| row.int(0),
            )
            .sql()?;
        Ok(found.is_some())
    }

    fn owner_email(&mut self) -> Result<String> {
        self.unit
            .row(
                "SELECT email FROM users WHERE id = ?1",
                &[Int(self.owner.0)],
                |row| row.text(0),
            )
            .sql()?
            .ok_or(Error::InvalidToken)
    }

    fn remembered_create(
        &mut self,
        key: &str,
        since: DateTime<Utc>,
    ) -> Result<Option<(String, TaskId, String)>> {
        self.unit
            .row(
                "SELECT request, task_id, response FROM idempotency_keys
             WHERE owner_id = ?1 AND key = ?2 AND created_at >= ?3",
                &[Int(self.owner.0), Text(Some(key)), Time(since)],
                |row| Ok((row.text(0)?, TaskId(row.int(1)?), row.text(2)?)),
            )
            .sql()
    }

    fn remember_create(
        &mut self,
        key: &str,
        request: &str,
        task: &Task,
        response: &str,
        since: DateTime<Utc>,
    ) -> Result<bool> {
        // A key whose day is over is taken over; one still fresh is not.
        let remembered = self.unit.execute(
            "INSERT INTO idempotency_keys (owner_id, key, request, task_id, response, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)
             ON CONFLICT (owner_id, key) DO UPDATE
             SET request = excluded.request, task_id = excluded.task_id,
                 response = excluded.response, created_at = excluded.created_at
             WHERE idempotency_keys.created_at < ?7",
            &[
                Int(self.owner.0),
                Text(Some(key)),
                Text(Some(request)),
                Int(task.id.0),
                Text(Some(response)),
                Time(task.created_at),
                Time(since),
            ],
        );
        match remembered {
            Ok(rows) => Ok(rows > 0),
            Err(error) => Err(error),
        }
    }

    fn commit(mut self: Box<Self>) -> Result<()> {
        self.unit.finish()
    }
}
