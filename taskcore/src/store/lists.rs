//! One owner's lists: what callers use ([`OwnerLists`], from
//! [`Store::lists`]). Every task is in one of its owner's lists; one of
//! them is the default, made with the account.

use super::backend::Mode;
use super::database::{Store, now};
use crate::error::{Error, Result};
use crate::model::{Expect, ListPatch, NewList, TaskList};
use crate::types::{ListId, UserId};

/// One owner's lists. The owner id must come from an authenticated source.
#[derive(Debug, Clone, Copy)]
pub struct OwnerLists<'a> {
    pub(super) store: &'a Store,
    pub(super) owner: UserId,
}

impl Store {
    /// The lists of one owner. The owner id must come from an authenticated source.
    pub fn lists(&self, owner: UserId) -> OwnerLists<'_> {
        OwnerLists { store: self, owner }
    }
}

impl OwnerLists<'_> {
    /// Every list, by position then id, with its open and total tasks.
    pub fn all(&self) -> Result<Vec<TaskList>> {
        let mut work = self.store.backend.tasks(self.owner, Mode::Snapshot)?;
        let lists = work.lists()?;
        work.commit()?;
        Ok(lists)
    }

    /// One list.
    pub fn get(&self, id: ListId) -> Result<TaskList> {
        let mut work = self.store.backend.tasks(self.owner, Mode::Snapshot)?;
        let list = work.one_list(id)?;
        work.commit()?;
        list.ok_or(Error::ListNotFound)
    }

    /// Makes a list; [`Error::Conflict`] when the owner has one of that name
    /// (ignoring case).
    pub fn create(&self, list: &NewList) -> Result<TaskList> {
        let (owner, list) = (self.owner, list.clone());
        self.store.write(move |store| {
            let mut work = store.backend.tasks(owner, Mode::Write)?;
            let made = work.insert_list(&list, now())?;
            work.commit()?;
            Ok(made)
        })
    }

    /// Changes a list at a version `expect` admits; [`Error::VersionMismatch`]
    /// otherwise. Making it the default takes that from the list that was.
    pub fn update_expecting(
        &self,
        id: ListId,
        patch: &ListPatch,
        expect: &Expect,
    ) -> Result<TaskList> {
        // An empty change changes nothing, not even the version; it is
        // still checked.
        if patch.is_empty() {
            let list = self.get(id)?;
            if !expect.admits(list.version) {
                return Err(Error::VersionMismatch {
                    current: list.version,
                });
            }
            return Ok(list);
        }
        let (owner, patch, expect) = (self.owner, patch.clone(), expect.clone());
        self.store.write(move |store| {
            let mut work = store.backend.tasks(owner, Mode::Write)?;
            let list = work.update_list(id, &patch, &expect, now())?;
            work.commit()?;
            Ok(list)
        })
    }

    /// Deletes a list at a version `expect` admits. The default list cannot
    /// be; a list with live tasks only with `trash_tasks`, which moves them
    /// to the trash in the same step ([`Error::Conflict`] otherwise).
    /// Returns how many tasks went to the trash.
    pub fn delete_expecting(&self, id: ListId, expect: &Expect, trash_tasks: bool) -> Result<u64> {
        let (owner, expect) = (self.owner, expect.clone());
        self.store.write(move |store| {
            let mut work = store.backend.tasks(owner, Mode::Write)?;
            let trashed = work.delete_list(id, &expect, trash_tasks, now())?;
            work.commit()?;
            Ok(trashed)
        })
    }

    /// The list named so, ignoring case.
    pub fn named(&self, name: &str) -> Result<Option<ListId>> {
        let mut work = self.store.backend.tasks(self.owner, Mode::Snapshot)?;
        let found = work.list_named(name)?;
        work.commit()?;
        Ok(found)
    }
}
