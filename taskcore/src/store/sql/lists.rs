//! One owner's lists, in the work bound to that owner: every statement
//! filters by the owner, so another user's list is never found.

use chrono::{DateTime, Utc};

use super::dialect::Dialect;
use super::owner::OwnerUnit;
use super::value::{Connection, RowValues, SqlError, SqlResult, SqlValue, numbered};
use crate::error::{Error, Result};
use crate::model::{DEFAULT_LIST_NAME, Expect, ListPatch, NewList, TaskList, list_name_key};
use crate::store::backend::{ListWork, TaskWork};
use crate::types::{ListId, TaskId};

use SqlValue::{Bool, Int, Text, Time};

/// The columns a list row reads, with its open and total counts last.
pub(super) const LIST_COLUMNS: &str = "l.id, l.name, l.color, l.position, l.is_default, \
     l.created_at, l.updated_at, l.version, \
     (SELECT COUNT(*) FROM tasks t WHERE t.owner_id = l.owner_id AND t.list_id = l.id \
         AND t.completed = ?2) AS open, \
     (SELECT COUNT(*) FROM tasks t WHERE t.owner_id = l.owner_id AND t.list_id = l.id) AS total";

pub(super) fn list_from_row(row: &dyn RowValues) -> Result<TaskList> {
    Ok(TaskList {
        id: ListId(row.int(0)?),
        name: row.text(1)?,
        color: row.optional_text(2)?,
        position: row.int(3)?,
        is_default: row.flag(4)?,
        created_at: row.time(5)?,
        updated_at: row.time(6)?,
        version: row.int(7)?,
        open: u64::try_from(row.int(8)?).unwrap_or_default(),
        total: u64::try_from(row.int(9)?).unwrap_or_default(),
    })
}

/// The refusal of a name another of the owner's lists has.
fn name_taken(name: &str) -> Error {
    Error::Conflict(format!(
        "You already have a list named '{name}' (names are compared ignoring case)"
    ))
}

impl<C: Connection> OwnerUnit<C> {
    /// Holds the lists trashed task `id` may go back to, before the change
    /// counter (the order a list's deletion takes them in): its own and the
    /// default.
    pub(super) fn hold_lists_for_restore(&mut self, id: TaskId) -> Result<()> {
        for (condition, value) in [
            ("is_default = ?2", SqlValue::Bool(true)),
            (
                "id IN (SELECT list_id FROM trashed_tasks WHERE id = ?2 AND owner_id = ?1)",
                Int(id.0),
            ),
        ] {
            self.unit
                .row(
                    &format!(
                        "SELECT id FROM lists WHERE owner_id = ?1 AND {condition}{}",
                        C::Dialect::LOCK_FOR_SHARE
                    ),
                    &[Int(self.owner.0), value],
                    |row| row.int(0),
                )
                .sql()?;
        }
        Ok(())
    }

    /// Lists of the owner matching `condition` (on `l`, with `?1` the owner
    /// and further parameters after the two the columns take).
    fn select_lists(&mut self, condition: &str, extra: &[SqlValue<'_>]) -> Result<Vec<TaskList>> {
        let sql = numbered::<C::Dialect>(&format!(
            "SELECT {LIST_COLUMNS} FROM lists l WHERE l.owner_id = ?1{condition} \
             ORDER BY l.position, l.id"
        ))
        .into_owned();
        let mut values = vec![Int(self.owner.0), Bool(false)];
        values.extend(extra.iter().cloned());
        let mut lists = Vec::new();
        self.unit
            .connection
            .rows(&sql, &values, &mut |row| {
                lists.push(list_from_row(row)?);
                Ok(())
            })
            .sql()?;
        Ok(lists)
    }

    /// Another of the owner's lists with this name (ignoring case), if any.
    fn named(&mut self, name: &str, except: Option<ListId>) -> Result<Option<ListId>> {
        let key = list_name_key(name);
        let owner = self.owner;
        let found = self
            .unit
            .row(
                "SELECT id FROM lists WHERE owner_id = ?1 AND name_key = ?2 AND id <> ?3",
                &[
                    Int(owner.0),
                    Text(Some(&key)),
                    Int(except.map_or(0, |id| id.0)),
                ],
                |row| row.int(0),
            )
            .sql()?;
        Ok(found.map(ListId))
    }

    /// Why a change of list `id` that expected `expect` changed nothing.
    fn list_refusal(&mut self, id: ListId, expect: &Expect) -> Result<Error> {
        Ok(match (self.one_list(id)?, expect) {
            (None, _) => Error::ListNotFound,
            (Some(list), Expect::OneOf(_)) => Error::VersionMismatch {
                current: list.version,
            },
            (Some(_), Expect::Any) => Error::ListNotFound,
        })
    }
}

impl<C: Connection> ListWork for OwnerUnit<C> {
    fn lists(&mut self) -> Result<Vec<TaskList>> {
        self.select_lists("", &[])
    }

    fn one_list(&mut self, id: ListId) -> Result<Option<TaskList>> {
        Ok(self.select_lists(" AND l.id = ?3", &[Int(id.0)])?.pop())
    }

    fn default_list(&mut self) -> Result<ListId> {
        let owner = self.owner;
        self.unit
            .row(
                "SELECT id FROM lists WHERE owner_id = ?1 AND is_default = ?2",
                &[Int(owner.0), Bool(true)],
                |row| row.int(0),
            )
            .sql()?
            .map(ListId)
            .ok_or_else(|| Error::storage("an account without a default list".to_owned()))
    }

    fn holds_list(&mut self, id: ListId) -> Result<bool> {
        // Held until the work ends: the list cannot be deleted under a task
        // being put in it.
        let owner = self.owner;
        let found = self
            .unit
            .row(
                &format!(
                    "SELECT id FROM lists WHERE id = ?1 AND owner_id = ?2{}",
                    C::Dialect::LOCK_FOR_SHARE
                ),
                &[Int(id.0), Int(owner.0)],
                |row| row.int(0),
            )
            .sql()?;
        Ok(found.is_some())
    }

    fn list_named(&mut self, name: &str) -> Result<Option<ListId>> {
        self.named(name, None)
    }

    fn insert_list(&mut self, list: &NewList, now: DateTime<Utc>) -> Result<TaskList> {
        if self.named(&list.name, None)?.is_some() {
            return Err(name_taken(&list.name));
        }
        let owner = self.owner;
        let position = match list.position {
            Some(position) => position,
            None => self
                .unit
                .row(
                    "SELECT COALESCE(MAX(position), 0) + 1 FROM lists WHERE owner_id = ?1",
                    &[Int(owner.0)],
                    |row| row.int(0),
                )
                .sql()?
                .unwrap_or(1),
        };
        let key = list_name_key(&list.name);
        let inserted = self.unit.row(
            &format!(
                "INSERT INTO lists (owner_id, name, name_key, color, position, is_default,
                                    created_at, updated_at, change_seq)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7, {}) RETURNING id",
                C::Dialect::next_change("?1")
            ),
            &[
                Int(owner.0),
                Text(Some(&list.name)),
                Text(Some(&key)),
                Text(list.color.as_deref()),
                Int(position),
                Bool(false),
                Time(now),
            ],
            |row| row.int(0),
        );
        let id = match inserted {
            Ok(Some(id)) => ListId(id),
            Ok(None) => return Err(Error::storage("INSERT returned no row".to_owned())),
            Err(SqlError::UniqueViolation) => return Err(name_taken(&list.name)),
            Err(error) => return Err(error.into_error()),
        };
        self.one_list(id)?.ok_or(Error::ListNotFound)
    }

    fn update_list(
        &mut self,
        id: ListId,
        patch: &ListPatch,
        expect: &Expect,
        now: DateTime<Utc>,
    ) -> Result<TaskList> {
        if let Some(name) = &patch.name
            && self.named(name, Some(id))?.is_some()
        {
            return Err(name_taken(name));
        }
        // Making the default the default, or another list not the default,
        // changes nothing; the default stops being it only when another
        // becomes it.
        let mut patch = patch.clone();
        if let Some(wanted) = patch.is_default {
            let Some(list) = self.one_list(id)? else {
                return Err(Error::ListNotFound);
            };
            if list.is_default && !wanted {
                return Err(Error::Conflict(format!(
                    "'{}' stays your default list until another becomes it: send \
                     is_default true to that one",
                    list.name
                )));
            }
            if list.is_default == wanted {
                patch.is_default = None;
            }
            if patch.is_empty() {
                let list = self.one_list(id)?.ok_or(Error::ListNotFound)?;
                if !expect.admits(list.version) {
                    return Err(Error::VersionMismatch {
                        current: list.version,
                    });
                }
                return Ok(list);
            }
        }
        let patch = &patch;
        let owner = self.owner;
        if patch.is_default == Some(true) {
            // The default moves: the old one changes too. Held first (before
            // this list and the change counter, the order a task put in a
            // list takes them in), so that two lists made the default at
            // once take turns.
            self.unit
                .row(
                    &format!(
                        "SELECT id FROM lists WHERE owner_id = ?1 AND is_default = ?2{}",
                        C::Dialect::LOCK_FOR_UPDATE
                    ),
                    &[Int(owner.0), Bool(true)],
                    |row| row.int(0),
                )
                .sql()?;
        }
        let mut values = vec![Int(id.0), Int(owner.0), Time(now)];
        let mut assignments = vec![
            "updated_at = ?3".to_owned(),
            "version = version + 1".to_owned(),
            format!("change_seq = {}", C::Dialect::next_change("?2")),
        ];
        let key = patch.name.as_deref().map(list_name_key);
        if let (Some(name), Some(key)) = (&patch.name, &key) {
            values.push(Text(Some(name)));
            assignments.push(format!("name = ?{}", values.len()));
            values.push(Text(Some(key)));
            assignments.push(format!("name_key = ?{}", values.len()));
        }
        if let Some(color) = &patch.color {
            values.push(Text(color.as_deref()));
            assignments.push(format!("color = ?{}", values.len()));
        }
        if let Some(position) = patch.position {
            values.push(Int(position));
            assignments.push(format!("position = ?{}", values.len()));
        }
        let expected = match expect {
            Expect::Any => String::new(),
            Expect::OneOf(versions) if versions.is_empty() => " AND 1 = 0".to_owned(),
            Expect::OneOf(versions) => {
                let mut placeholders = Vec::new();
                for version in versions {
                    values.push(Int(*version));
                    placeholders.push(format!("?{}", values.len()));
                }
                format!(" AND version IN ({})", placeholders.join(", "))
            }
        };
        let changed = self.unit.row(
            &format!(
                "UPDATE lists SET {} WHERE id = ?1 AND owner_id = ?2{expected} RETURNING id",
                assignments.join(", ")
            ),
            &values,
            |row| row.int(0),
        );
        match changed {
            Ok(Some(_)) => {}
            Ok(None) => return Err(self.list_refusal(id, expect)?),
            Err(SqlError::UniqueViolation) => {
                return Err(name_taken(patch.name.as_deref().unwrap_or_default()));
            }
            Err(error) => return Err(error.into_error()),
        }
        if patch.is_default == Some(true) {
            self.unit.execute(
                &format!(
                    "UPDATE lists SET is_default = ?3, updated_at = ?4, version = version + 1,
                     change_seq = {}
                     WHERE owner_id = ?1 AND is_default = ?2 AND id <> ?5",
                    C::Dialect::next_change("?1")
                ),
                &[Int(owner.0), Bool(true), Bool(false), Time(now), Int(id.0)],
            )?;
            self.unit.execute(
                "UPDATE lists SET is_default = ?2 WHERE id = ?1 AND owner_id = ?3",
                &[Int(id.0), Bool(true), Int(owner.0)],
            )?;
        }
        self.one_list(id)?.ok_or(Error::ListNotFound)
    }

    fn delete_list(
        &mut self,
        id: ListId,
        expect: &Expect,
        trash_tasks: bool,
        now: DateTime<Utc>,
    ) -> Result<u64> {
        let owner = self.owner;
        // Held until the work ends, against a concurrent change or delete.
        self.unit
            .row(
                &format!(
                    "SELECT id FROM lists WHERE id = ?1 AND owner_id = ?2{}",
                    C::Dialect::LOCK_FOR_UPDATE
                ),
                &[Int(id.0), Int(owner.0)],
                |row| row.int(0),
            )
            .sql()?;
        let Some(list) = self.one_list(id)? else {
            return Err(Error::ListNotFound);
        };
        // Then the change counter, before any task: the order every change
        // of a task takes them in.
        self.lock_counter()?;
        if let Expect::OneOf(versions) = expect
            && !versions.contains(&list.version)
        {
            return Err(Error::VersionMismatch {
                current: list.version,
            });
        }
        if list.is_default {
            return Err(Error::Conflict(format!(
                "'{}' is your default list and cannot be deleted; make another list the \
                 default first",
                list.name
            )));
        }
        // The list's tasks, held until the work ends.
        let mut ids = Vec::new();
        self.unit
            .connection
            .rows(
                &numbered::<C::Dialect>(&format!(
                    "SELECT id FROM tasks WHERE owner_id = ?1 AND list_id = ?2 \
                     ORDER BY CASE WHEN parent_id IS NULL THEN 0 ELSE 1 END, id{}",
                    C::Dialect::LOCK_FOR_UPDATE
                )),
                &[Int(owner.0), Int(id.0)],
                &mut |row| {
                    ids.push(TaskId(row.int(0)?));
                    Ok(())
                },
            )
            .sql()?;
        if !ids.is_empty() && !trash_tasks {
            return Err(Error::Conflict(format!(
                "The list '{}' has {} {}; move them to another list, or delete it with \
                 ?tasks=trash to move them to the trash with it",
                list.name,
                ids.len(),
                if ids.len() == 1 { "task" } else { "tasks" }
            )));
        }
        // Top-level tasks take their subtasks (in the same list) with them.
        let mut trashed = std::collections::HashSet::new();
        for task in &ids {
            if trashed.contains(task) {
                continue;
            }
            let below = self.descendants(*task)?;
            TaskWork::trash(self, *task, &Expect::Any, now)?;
            trashed.insert(*task);
            trashed.extend(below.into_iter().map(|(id, _)| id));
        }
        let deleted = self.unit.execute(
            "DELETE FROM lists WHERE id = ?1 AND owner_id = ?2",
            &[Int(id.0), Int(owner.0)],
        )?;
        if deleted == 0 {
            return Err(Error::ListNotFound);
        }
        // The feed tells of it.
        self.unit.execute(
            &format!(
                "INSERT INTO deleted_lists (id, owner_id, deleted_at, change_seq)
                 VALUES (?1, ?2, ?3, {})",
                C::Dialect::next_change("?2")
            ),
            &[Int(id.0), Int(owner.0), Time(now)],
        )?;
        Ok(ids.len() as u64)
    }
}

/// The statement that gives a new account its default list (`?1` the
/// user, `?2` true, `?3` the time), its first change.
pub(crate) fn insert_default_list<D: Dialect>() -> String {
    format!(
        "INSERT INTO lists (owner_id, name, name_key, position, is_default, created_at,
                            updated_at, change_seq)
         VALUES (?1, ?4, ?5, 1, ?2, ?3, ?3, {})",
        D::next_change("?1")
    )
}

/// The values of [`insert_default_list`].
pub(crate) fn default_list_values(
    user: crate::types::UserId,
    now: DateTime<Utc>,
) -> Vec<SqlValue<'static>> {
    vec![
        Int(user.0),
        Bool(true),
        Time(now),
        Text(Some(DEFAULT_LIST_NAME)),
        SqlValue::OwnedText(list_name_key(DEFAULT_LIST_NAME)),
    ]
}
