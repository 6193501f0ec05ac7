//! One owner's tasks.

use chrono::{DateTime, Utc};

use super::backend::{Backend, Context, Mode, TaskWork};
use super::changes::{IdempotencyKey, Replay};
use super::database::{Store, now};
use super::served::ServedObjects;
use super::sql::listing::{key_value, order};
use crate::error::{Error, Result};
use crate::export::{ExportWriter, ExportedTask};
use crate::import::{CreatedTask, Document, ImportItem, ImportReport, ImportRun, Imported};
use crate::model::{
    ChangePage, CompletionPage, Due, DueChange, Expect, NewList, NewTask, TagCount, Task, TaskPage,
    TaskPatch, TrashPage, User,
};
use crate::planning::Zone;
use crate::query::{ChangeCursor, Cursor, TaskQuery};
use crate::types::{ListId, Page, TaskId, UserId};

/// From how many selected tasks a listing walks its order's index, checking
/// tags task by task, rather than looking the tagged tasks up and sorting them.
const MANY_TASKS: u64 = 1000;

/// Tasks exported per read: a page is at most about 2 MiB (every field at
/// its longest).
pub const EXPORT_PAGE: u32 = 100;

/// One owner's tasks. No method takes an owner: it is fixed when the handle
/// is made, and the backend's task work is bound to it.
///
/// Writes go the way the store writes (see [`Store::write`]): each method
/// that writes hands its work, whole, to one private method, the one
/// path to the single writer where there is one.
#[derive(Debug, Clone, Copy)]
pub struct OwnerTasks<'a> {
    store: &'a Store,
    owner: UserId,
}

impl<'a> OwnerTasks<'a> {
    pub(super) fn new(store: &'a Store, owner: UserId) -> Self {
        Self { store, owner }
    }

    /// The objects CalDAV served, remembered.
    pub(super) fn served_objects(&self) -> &'a ServedObjects {
        &self.store.served
    }

    pub(super) fn backend(&self) -> &'a dyn Backend {
        self.store.backend.as_ref()
    }

    /// The owner these tasks belong to.
    pub fn owner(&self) -> UserId {
        self.owner
    }

    /// Work that is more than one statement (it needs the owner's zone, or
    /// holds a list it puts a task in) runs as one unit, the zone read
    /// inside it and held against a concurrent change of zone (whose rewrite
    /// of due keys then sees this work's rows); other work runs as one
    /// statement.
    pub(super) fn begin(&self, atomic: bool) -> Result<(Box<dyn TaskWork + 'a>, Context)> {
        let mode = if atomic { Mode::Write } else { Mode::Statement };
        let mut work = self.backend().tasks(self.owner, mode)?;
        let zone = if atomic {
            work.zone()?
        } else {
            Zone::default()
        };
        Ok((work, Context::at(now(), zone)))
    }

    /// Runs write work on these tasks the way the store writes: the one
    /// path of every method here that writes (see [`Store::write`]).
    pub(super) fn write<T, F>(&self, work: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(OwnerTasks<'_>) -> Result<T> + Send + 'static,
    {
        let owner = self.owner;
        self.store.write(move |store| work(store.tasks(owner)))
    }

    /// Creates a task.
    pub fn create(&self, task: &NewTask) -> Result<Task> {
        let task = task.clone();
        self.write(move |tasks| {
            // A named list is held until the task is in it: one unit of work.
            let atomic = matches!(task.due, Some(Due::Date(_)))
                || task.list.is_some()
                || task.parent.is_some();
            let (mut work, context) = tasks.begin(atomic)?;
            let created = work.insert(&task, context, None)?;
            work.commit()?;
            Ok(created)
        })
    }

    /// Imports an export document (taskd's, or Taskwarrior's `task export`
    /// array) as taskd's `POST /import` does, and reports what it did: a
    /// page of [`IMPORT_PAGE`](crate::import::IMPORT_PAGE) tasks per write,
    /// each committed on its own. If a write fails, the error is returned
    /// and the pages before it stay imported (taskd then answers how many;
    /// drive [`ImportRun`] yourself to know it too); importing the same
    /// document again skips them and imports the rest.
    ///
    /// A dry run writes nothing and reports what the import would do.
    pub fn import(&self, json: &[u8], dry_run: bool) -> Result<ImportReport> {
        let mut run = ImportRun::new(Document::parse(json)?)?;
        while let Some(page) = run.next_page() {
            let created = self.import_page(&page, dry_run)?;
            run.record(&created);
        }
        Ok(run.finish())
    }

    /// Writes the whole export document of these tasks to `out`, a page at a
    /// time, as taskd's `GET /export` sends it; returns how many tasks it holds.
    pub fn export(&self, out: &mut dyn std::io::Write) -> Result<u64> {
        let user = self.store.user(self.owner)?.ok_or(Error::UserNotFound)?;
        let written = |result: std::io::Result<()>| {
            result.map_err(|error| Error::Io(std::sync::Arc::new(error)))
        };
        let lists = self.store.lists(self.owner).all()?;
        let (mut writer, head) = ExportWriter::start(&user, &lists);
        written(out.write_all(head.as_bytes()))?;
        let mut after = TaskId(0);
        loop {
            let page = self.export_page(after, EXPORT_PAGE)?;
            let Some(last) = page.last() else { break };
            after = last.task.id;
            written(out.write_all(writer.page(&page).as_bytes()))?;
        }
        let count = writer.written();
        written(out.write_all(writer.finish().as_bytes()))?;
        written(out.flush())?;
        Ok(count)
    }

    /// One page of an import, in one write: each task is created for the owner (one
    /// deleted at its source goes straight to the trash, deleted now) unless a task from
    /// the same source exists, live, trashed or erased, or comes earlier in
    /// `items`, or it is one of the owner's own tasks (from their own
    /// export) that is still here. Returns what became of each. A dry run writes
    /// nothing and returns what it would do.
    pub fn import_page(&self, items: &[ImportItem], dry_run: bool) -> Result<Vec<Imported>> {
        if dry_run {
            return self.import_here(items, true);
        }
        let items = items.to_vec();
        self.write(move |tasks| tasks.import_here(&items, false))
    }

    /// [`OwnerTasks::import_page`] on this thread: a dry run reads one snapshot.
    fn import_here(&self, items: &[ImportItem], dry_run: bool) -> Result<Vec<Imported>> {
        let mode = if dry_run { Mode::Snapshot } else { Mode::Write };
        let mut work = self.backend().tasks(self.owner, mode)?;
        let context = Context::at(now(), work.zone()?);
        // The owner's own export names its tasks by id: one still here
        // (live or trashed) is not made twice; one erased since is.
        let own = crate::import::own_source_prefix(&work.owner_email()?);
        let mut seen = std::collections::HashSet::new();
        let mut created = Vec::with_capacity(items.len());
        for item in items {
            // An address is the same whatever its case: the account's is
            // kept lower-cased, a file's as it was written.
            let own_id = (item.source_prefix.to_lowercase() == own)
                .then(|| item.source_key.parse().ok())
                .flatten()
                .map(TaskId);
            let here = match own_id {
                Some(id) => work.holds(id)?,
                None => false,
            };
            // The whole source, made for this item only.
            let origin = item.origin();
            let fresh = seen.insert(origin.source.clone())
                && !here
                && !work.source_known(&origin.source)?;
            let outcome = if !fresh {
                Imported::Skipped
            } else if dry_run {
                Imported::WouldCreate
            } else {
                let in_zone = item.task_in(context.zone);
                let placed;
                let task = match item.list() {
                    Some(name) => {
                        placed = NewTask {
                            list: Some(import_list(&mut *work, item, name, context.now)?),
                            ..in_zone.clone().into_owned()
                        };
                        &placed
                    }
                    None => in_zone.as_ref(),
                };
                let parent = match item.parent_source() {
                    Some(source) => work.live_from_source(&source)?,
                    None => None,
                };
                let task = match parent {
                    // Under its parent when that one can be one; else at the top.
                    Some(parent) => {
                        let child = NewTask {
                            parent: Some(parent),
                            list: None,
                            ..task.clone()
                        };
                        match work.insert(&child, context, Some(&origin)) {
                            Err(Error::Validation(_)) => {
                                work.insert(task, context, Some(&origin))?
                            }
                            other => other?,
                        }
                    }
                    None => work.insert(task, context, Some(&origin))?,
                };
                if !item.history.is_empty() {
                    let history = &item.history;
                    work.restore_history(task.id, &history.completions, history.series)?;
                }
                // Into the trash now: the trash keeps it, and the change
                // feed tells of it, from the import on, whenever the
                // source deleted it.
                if item.deleted_at.is_some() {
                    work.trash(task.id, &Expect::Any, context.now)?;
                    Imported::Trashed
                } else {
                    Imported::Live(CreatedTask {
                        id: task.id,
                        version: task.version,
                    })
                }
            };
            created.push(outcome);
        }
        work.commit()?;
        Ok(created)
    }

    /// Creates a task once per idempotency key: a repeat of the same
    /// request within a day replays the first answer (the same task, no
    /// second one); the same key with another request is refused (422), and
    /// a key whose first request has not finished is a conflict (409; only
    /// where writes run concurrently, PostgreSQL).
    pub fn create_once(&self, task: &NewTask, key: &IdempotencyKey) -> Result<Replay> {
        let (task, key) = (task.clone(), key.clone());
        self.write(move |tasks| tasks.create_once_here(&task, &key))
    }

    fn create_once_here(&self, task: &NewTask, key: &IdempotencyKey) -> Result<Replay> {
        let request = task.fingerprint();
        let now = now();
        let since = now - chrono::Duration::hours(super::changes::KEY_HOURS);
        let mut work = self.backend().tasks(self.owner, Mode::Write)?;
        if let Some((first, id, response)) = work.remembered_create(key.as_str(), since)? {
            if first != request {
                return Err(IdempotencyKey::reused());
            }
            return Ok(Replay {
                id,
                body: response,
                replayed: true,
            });
        }
        let zone = if matches!(task.due, Some(Due::Date(_))) {
            work.zone()?
        } else {
            Zone::default()
        };
        let created = work.insert(task, Context::at(now, zone), None)?;
        let body = serde_json::to_string(&created)
            .map_err(|error| Error::Internal(format!("cannot write a task: {error}")))?;
        if !work.remember_create(key.as_str(), &request, &created, &body, since)? {
            return Err(IdempotencyKey::in_progress());
        }
        work.commit()?;
        Ok(Replay {
            id: created.id,
            body,
            replayed: false,
        })
    }

    /// One page of the tasks the query selects, in its order, with how many
    /// it selects in all and the cursor of the next page; from one snapshot.
    pub fn list(&self, query: &TaskQuery) -> Result<TaskPage> {
        let mut work = self.backend().tasks(self.owner, Mode::Snapshot)?;
        let zone = if query.needs_zone() {
            work.zone()?
        } else {
            Zone::default()
        };
        let context = Context::at(now(), zone);
        let total = work.count(query, context)?;
        let many = total >= MANY_TASKS;
        let mut keyed = work.list(query, context, many)?;
        work.commit()?;
        let limit = query.page.limit() as usize;
        let more = keyed.len() > limit;
        keyed.truncate(limit);
        let next = match keyed.last() {
            Some((last, due_key)) if more => Some(next_cursor(query, last, *due_key).encode()),
            _ => None,
        };
        let tasks = keyed.into_iter().map(|(task, _)| task).collect();
        Ok(TaskPage { tasks, total, next })
    }

    /// One task.
    pub fn get(&self, id: TaskId) -> Result<Task> {
        let mut work = self.backend().tasks(self.owner, Mode::Statement)?;
        let task = work.get(id)?;
        work.commit()?;
        task.ok_or(Error::TaskNotFound)
    }

    /// Applies a partial update and returns the task as it is now.
    /// An empty patch changes nothing, not even `updated_at`.
    pub fn update(&self, id: TaskId, patch: &TaskPatch) -> Result<Task> {
        self.update_expecting(id, patch, &Expect::Any)
    }

    /// Applies a partial update to a task at a version `expect` admits;
    /// [`Error::VersionMismatch`] otherwise, and nothing changes. The check
    /// and the change are one atomic step. An empty patch changes nothing,
    /// not even the version; it is still checked.
    pub fn update_expecting(&self, id: TaskId, patch: &TaskPatch, expect: &Expect) -> Result<Task> {
        if patch.is_empty() {
            let task = self.get(id)?;
            if !expect.admits(task.version) {
                return Err(Error::VersionMismatch {
                    current: task.version,
                });
            }
            return Ok(task);
        }
        let (patch, expect) = (patch.clone(), expect.clone());
        self.write(move |tasks| {
            // Reading the task, its parent or its subtasks besides writing it.
            let atomic = matches!(patch.due, Some(DueChange::Date(_))) || patch.reads_task();
            let (mut work, context) = tasks.begin(atomic)?;
            let task = work.update(id, &patch, context, &expect)?;
            work.commit()?;
            Ok(task)
        })
    }

    /// Moves a repeating task at a version `expect` admits to its next
    /// occurrence without recording a completion: a conflict when it does
    /// not repeat, is done, or its series has no further occurrence.
    pub fn skip(&self, id: TaskId, expect: &Expect) -> Result<Task> {
        let expect = expect.clone();
        self.write(move |tasks| {
            let (mut work, context) = tasks.begin(true)?;
            let task = work.skip(id, &expect, context)?;
            work.commit()?;
            Ok(task)
        })
    }

    /// Takes back the newest completed occurrence of a repeating task at a
    /// version `expect` admits (what undoing its completion means): the
    /// occurrence is no longer recorded, the task is open again at its due,
    /// and `COUNT` counts it no more. Its subtasks stay as they are. A
    /// conflict when the task does not repeat, has no completed
    /// occurrence, or no longer stands where doing it left it (skipped
    /// since, or its due, rule or the owner's zone changed).
    pub fn uncomplete(&self, id: TaskId, expect: &Expect) -> Result<Task> {
        let expect = expect.clone();
        self.write(move |tasks| {
            let (mut work, context) = tasks.begin(true)?;
            let task = work.uncomplete(id, &expect, context)?;
            work.commit()?;
            Ok(task)
        })
    }

    /// One page of a live task's completed occurrences, newest first, and
    /// how many it has.
    pub fn completions(&self, id: TaskId, page: Page) -> Result<CompletionPage> {
        let mut work = self.backend().tasks(self.owner, Mode::Snapshot)?;
        let (total, completions) = work.completions(id, page)?;
        work.commit()?;
        Ok(CompletionPage { completions, total })
    }

    /// Moves a task to the trash.
    pub fn delete(&self, id: TaskId) -> Result<()> {
        self.delete_expecting(id, &Expect::Any)
    }

    /// Moves a task at a version `expect` admits to the trash;
    /// [`Error::VersionMismatch`] otherwise, and nothing changes.
    pub fn delete_expecting(&self, id: TaskId, expect: &Expect) -> Result<()> {
        let expect = expect.clone();
        self.write(move |tasks| {
            let mut work = tasks.backend().tasks(tasks.owner, Mode::Write)?;
            work.trash(id, &expect, now())?;
            work.commit()
        })
    }

    /// One page of the trash, newest deletion first, and how many tasks it
    /// holds.
    pub fn trash(&self, page: Page) -> Result<TrashPage> {
        let mut work = self.backend().tasks(self.owner, Mode::Snapshot)?;
        let (total, tasks) = work.trashed(page)?;
        work.commit()?;
        Ok(TrashPage { tasks, total })
    }

    /// Puts a trashed task back, with the same id and its version bumped.
    pub fn restore(&self, id: TaskId) -> Result<Task> {
        self.write(move |tasks| {
            let mut work = tasks.backend().tasks(tasks.owner, Mode::Write)?;
            let task = work.restore(id, now())?;
            work.commit()?;
            Ok(task)
        })
    }

    /// Erases a trashed task for good.
    pub fn erase(&self, id: TaskId) -> Result<()> {
        self.write(move |tasks| {
            let mut work = tasks.backend().tasks(tasks.owner, Mode::Write)?;
            work.erase(id)?;
            work.commit()
        })
    }

    /// The changes after `since`, in commit order, at most `limit`: each
    /// task changed since then once, in its latest state, and each deletion.
    /// Without `since`, every live task (a full sync). From one snapshot.
    ///
    /// A full sync's pages hand out cursors that stay valid until its last
    /// page even below deletions forgotten before it began; its last page
    /// hands out an incremental cursor that sees every change made during
    /// and after it. [`Error::CursorExpired`] when deletions after `since`
    /// (or, in a full sync, after it began) have been forgotten, or `since`
    /// is not a cursor of this owner's feed: start a full sync. A page
    /// holds at most `limit` changes, taken as 1 to
    /// [`CHANGES_MAX_LIMIT`](crate::query::CHANGES_MAX_LIMIT).
    pub fn changes(&self, since: Option<&ChangeCursor>, limit: u32) -> Result<ChangePage> {
        self.changes_of(since, limit, false)
    }

    /// [`OwnerTasks::changes`], with the lists' changes among them when
    /// `lists` (each list made or changed once, in its latest state, and
    /// each deletion), in the same order and under the same cursors.
    pub fn changes_of(
        &self,
        since: Option<&ChangeCursor>,
        limit: u32,
        lists: bool,
    ) -> Result<ChangePage> {
        let mut work = self.backend().tasks(self.owner, Mode::Snapshot)?;
        let (counter, forgotten) = work.change_counter()?;
        let (start, full_sync_from) = match since {
            Some(cursor) => {
                let seq = cursor.position(self.owner)?;
                let full_sync_from = cursor.full_sync_from();
                // What must not have been forgotten: the deletions after
                // the cursor, or in a full sync those made since it began.
                let needed = full_sync_from.unwrap_or(seq);
                if needed < forgotten || needed.max(seq) > counter {
                    return Err(Error::CursorExpired);
                }
                (seq, full_sync_from)
            }
            None => (0, Some(counter)),
        };
        // A page is 1 to CHANGES_MAX_LIMIT changes, whatever was asked (as
        // documented above).
        let limit = limit.clamp(1, crate::query::CHANGES_MAX_LIMIT);
        let rows = i64::from(limit) + 1;
        let mut changes = work.changes(start, rows, since.is_some(), lists)?;
        work.commit()?;
        let has_more = changes.len() > limit as usize;
        changes.truncate(limit as usize);
        let cursor = match (changes.last(), full_sync_from) {
            (Some((seq, _)), Some(from)) if has_more => {
                ChangeCursor::in_full_sync(self.owner, *seq, from)
            }
            (Some((seq, _)), None) if has_more => ChangeCursor::at(self.owner, *seq),
            // Everything up to the counter is in this snapshot.
            _ => ChangeCursor::at(self.owner, counter.max(start)),
        };
        Ok(ChangePage {
            changes: changes.into_iter().map(|(_, change)| change).collect(),
            cursor: cursor.encode(),
            has_more,
        })
    }

    /// Up to `rows` of the owner's tasks, live and trashed, by id after
    /// `after`, each trashed one with when it was deleted, and each with
    /// its history (from one snapshot): an export reads these page by page.
    /// A page ends early once its tasks' histories hold 10,000 completed
    /// occurrences; the next page starts after its last task.
    /// A task moved to or from the trash meanwhile is still read once: its
    /// id does not change.
    pub fn export_page(&self, after: TaskId, rows: u32) -> Result<Vec<ExportedTask>> {
        let mut work = self.backend().tasks(self.owner, Mode::Snapshot)?;
        let tasks = work.exported(after, i64::from(rows))?;
        work.commit()?;
        Ok(tasks)
    }

    /// The owner's tags, by name, with how many open tasks and how many
    /// tasks in all carry each.
    pub fn tags(&self) -> Result<Vec<TagCount>> {
        let mut work = self.backend().tasks(self.owner, Mode::Snapshot)?;
        let counts = work.tag_counts()?;
        work.commit()?;
        Ok(counts)
    }

    /// Changes the owner's time zone. All-day due dates stay the same days;
    /// the instants they are due by move with the zone.
    pub fn set_zone(&self, zone: Zone) -> Result<User> {
        self.write(move |tasks| {
            let mut work = tasks.backend().tasks(tasks.owner, Mode::Write)?;
            let user = work.set_zone(zone)?;
            work.commit()?;
            Ok(user)
        })
    }
}

impl Store {
    /// The tasks of one owner. The owner id must come from an authenticated source.
    pub fn tasks(&self, owner: crate::types::UserId) -> OwnerTasks<'_> {
        OwnerTasks::new(self, owner)
    }
}

/// The owner's list named `name` (ignoring case), made if there is none
/// (as `item`'s document describes it): where an imported task naming it
/// goes.
fn import_list(
    work: &mut dyn TaskWork,
    item: &ImportItem,
    name: &str,
    now: DateTime<Utc>,
) -> Result<ListId> {
    if let Some(list) = work.list_named(name)? {
        return Ok(list);
    }
    // With the colour and position the document gives it.
    let list = NewList {
        color: item.list_color.clone(),
        position: item.list_position,
        ..NewList::new(name).map_err(|invalid| Error::Internal(invalid.msg))?
    };
    Ok(work.insert_list(&list, now)?.id)
}

/// The cursor that continues a listing after `last`, whose stored due key
/// is `due_key`.
fn next_cursor(query: &TaskQuery, last: &Task, due_key: Option<DateTime<Utc>>) -> Cursor {
    let values = order(query)
        .iter()
        .filter(|(key, _)| *key != crate::query::SortKey::Id)
        .map(|(key, descending)| key_value(last, due_key, *key, *descending))
        .collect();
    Cursor {
        sort: query.sort_text(),
        values,
        id: last.id.0,
    }
}
