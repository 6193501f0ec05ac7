//! CalDAV's view of one owner's tasks, in the work bound to that owner: a
//! task's resource name, the object its client last wrote, and a parent
//! named by a UID no task has yet.

use super::owner::OwnerUnit;
use super::table::{read_columns_of_t, task_from_row, trailing};
use super::value::{Connection, SqlResult, SqlValue, Statement, numbered};
use crate::error::Result;
use crate::model::{ObjectEntry, StoredObject};
use crate::store::backend::{ObjectWork, ServedTask};
use crate::types::{ListId, TaskId};

use SqlValue::{Int, Text};

/// The resource name of a task no client wrote: its UID with ".ics".
pub(crate) const NAME_SUFFIX: &str = ".ics";

/// The tasks whose object names `?2` as a parent's UID not known yet.
pub(crate) const WAITING_FOR: &str =
    "SELECT task_id FROM task_objects WHERE owner_id = ?1 AND parent_uid = ?2 ORDER BY task_id";

/// Most tasks one statement of [`ObjectWork::served`] reads (a multiget
/// names up to 1,000; each is a bound value).
const SERVED_AT_ONCE: usize = 250;

impl<C: Connection> ObjectWork for OwnerUnit<C> {
    fn object_named(&mut self, list: ListId, name: &str) -> Result<Option<TaskId>> {
        let named = self
            .unit
            .row(
                "SELECT o.task_id FROM task_objects o
                 JOIN tasks t ON t.owner_id = o.owner_id AND t.id = o.task_id
                 WHERE o.owner_id = ?1 AND o.name = ?2 AND t.list_id = ?3
                 ORDER BY o.task_id LIMIT 1",
                &[Int(self.owner.0), Text(Some(name)), Int(list.0)],
                |row| row.int(0),
            )
            .sql()?;
        if let Some(id) = named {
            return Ok(Some(TaskId(id)));
        }
        let Some(uid) = name.strip_suffix(NAME_SUFFIX) else {
            return Ok(None);
        };
        // A task no client wrote answers to its UID's name.
        Ok(self
            .unit
            .row(
                "SELECT t.id FROM tasks t
                 WHERE t.owner_id = ?1 AND t.uid = ?2 AND t.list_id = ?3
                 AND NOT EXISTS (SELECT 1 FROM task_objects o
                                 WHERE o.owner_id = t.owner_id AND o.task_id = t.id)",
                &[Int(self.owner.0), Text(Some(uid)), Int(list.0)],
                |row| row.int(0),
            )
            .sql()?
            .map(TaskId))
    }

    fn live_with_uid(&mut self, uid: &str) -> Result<Option<TaskId>> {
        Ok(self
            .unit
            .row(
                "SELECT id FROM tasks WHERE owner_id = ?1 AND uid = ?2",
                &[Int(self.owner.0), Text(Some(uid))],
                |row| row.int(0),
            )
            .sql()?
            .map(TaskId))
    }

    fn written_object(&mut self, id: TaskId) -> Result<Option<String>> {
        self.unit
            .row(
                "SELECT object FROM task_objects WHERE owner_id = ?1 AND task_id = ?2",
                &[Int(self.owner.0), Int(id.0)],
                |row| row.text(0),
            )
            .sql()
    }

    fn store_object(&mut self, id: TaskId, object: &StoredObject) -> Result<()> {
        self.unit.execute(
            "DELETE FROM task_objects WHERE owner_id = ?1 AND task_id = ?2",
            &[Int(self.owner.0), Int(id.0)],
        )?;
        self.unit.execute(
            "INSERT INTO task_objects (owner_id, task_id, name, object, parent_uid)
             VALUES (?1, ?2, ?3, ?4, ?5)",
            &[
                Int(self.owner.0),
                Int(id.0),
                Text(Some(&object.name)),
                Text(Some(&object.object)),
                Text(object.parent_uid.as_deref()),
            ],
        )?;
        Ok(())
    }

    fn waiting_for(&mut self, uid: &str) -> Result<Vec<TaskId>> {
        let mut waiting = Vec::new();
        let sql = numbered::<C::Dialect>(WAITING_FOR);
        self.unit
            .connection
            .rows(&sql, &[Int(self.owner.0), Text(Some(uid))], &mut |row| {
                waiting.push(TaskId(row.int(0)?));
                Ok(())
            })
            .sql()?;
        Ok(waiting)
    }

    fn stop_waiting(&mut self, id: TaskId) -> Result<()> {
        self.unit.execute(
            "UPDATE task_objects SET parent_uid = NULL WHERE owner_id = ?1 AND task_id = ?2",
            &[Int(self.owner.0), Int(id.0)],
        )?;
        Ok(())
    }

    fn name_of(&mut self, id: TaskId) -> Result<Option<String>> {
        Ok(self
            .unit
            .row(
                "SELECT COALESCE(
                     (SELECT name FROM task_objects WHERE owner_id = ?1 AND task_id = ?2),
                     (SELECT uid || '.ics' FROM tasks WHERE owner_id = ?1 AND id = ?2),
                     (SELECT uid || '.ics' FROM trashed_tasks WHERE owner_id = ?1 AND id = ?2))",
                &[Int(self.owner.0), Int(id.0)],
                |row| row.optional_text(0),
            )
            .sql()?
            .flatten())
    }

    fn served(&mut self, list: ListId, ids: &[TaskId]) -> Result<Vec<ServedTask>> {
        let mut served = Vec::with_capacity(ids.len());
        for chunk in ids.chunks(SERVED_AT_ONCE) {
            let mut statement = Statement::new();
            let owner = statement.bind::<C::Dialect>(Int(self.owner.0));
            let list = statement.bind::<C::Dialect>(Int(list.0));
            let ids = chunk
                .iter()
                .map(|id| statement.bind::<C::Dialect>(Int(id.0)))
                .collect::<Vec<_>>()
                .join(", ");
            // The objects' texts are read only for those not remembered.
            statement.sql = format!(
                "SELECT {}, o.task_id, o.parent_uid, p.uid
                 FROM tasks t
                 LEFT JOIN task_objects o ON o.owner_id = t.owner_id AND o.task_id = t.id
                 LEFT JOIN tasks p ON p.owner_id = t.owner_id AND p.id = t.parent_id
                 WHERE t.owner_id = {owner} AND t.list_id = {list} AND t.id IN ({ids})",
                read_columns_of_t()
            );
            self.unit
                .connection
                .rows(&statement.sql, &statement.values, &mut |row| {
                    let task = task_from_row(row)?;
                    // A parent in the trash is named by no one.
                    let parent_uid = match task.parent_id {
                        Some(_) => row.optional_text(const { trailing(2) })?,
                        None => row.optional_text(const { trailing(1) })?,
                    };
                    served.push(ServedTask {
                        task,
                        written: row.optional_int(const { trailing(0) })?.is_some(),
                        parent_uid,
                    });
                    Ok(())
                })
                .sql()?;
        }
        Ok(served)
    }

    fn calendar(&mut self, list: ListId) -> Result<Vec<ObjectEntry>> {
        let mut entries = Vec::new();
        let sql = numbered::<C::Dialect>(
            "SELECT t.id, COALESCE(o.name, t.uid || '.ics'), t.version FROM tasks t
             LEFT JOIN task_objects o ON o.owner_id = t.owner_id AND o.task_id = t.id
             WHERE t.owner_id = ?1 AND t.list_id = ?2 ORDER BY t.id",
        );
        self.unit
            .connection
            .rows(&sql, &[Int(self.owner.0), Int(list.0)], &mut |row| {
                entries.push(ObjectEntry {
                    id: TaskId(row.int(0)?),
                    name: row.text(1)?,
                    version: row.int(2)?,
                });
                Ok(())
            })
            .sql()?;
        Ok(entries)
    }
}

impl<C: Connection> OwnerUnit<C> {
    /// Forgets trashed task `id`'s object (about to be erased for good).
    pub(super) fn forget_object(&mut self, id: TaskId) -> Result<()> {
        self.unit.execute(
            "DELETE FROM task_objects WHERE owner_id = ?1 AND task_id = ?2",
            &[Int(self.owner.0), Int(id.0)],
        )?;
        Ok(())
    }
}
