//! What taskctl remembers between runs about tasks: the version of each
//! task it last showed or changed (sent as `If-Match`, so a change never
//! overwrites one made elsewhere since), and its own last change (what
//! `taskctl undo` reverts).

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};
use taskcore::{Task, TaskUpdate};

use crate::session::{SessionError, save_private};

const JOURNAL_FILE: &str = "journal.json";
/// Versions remembered at most; the lowest ids are forgotten first.
const SEEN_MAX: usize = 20_000;

/// One change taskctl made, and how to take it back.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Undo {
    /// A task was added: undone by deleting it, if still at `version`.
    Added { id: i64, version: i64 },
    /// A task was changed: undone by applying `before`, if still at `version`.
    Edited {
        id: i64,
        version: i64,
        before: Box<TaskUpdate>,
    },
    /// A task was deleted: undone by restoring it from the trash.
    Deleted { id: i64 },
}

/// The journal of one account on one server.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Journal {
    /// `email@server`: a journal kept for another account is not used.
    owner: String,
    /// Task id → the version last seen.
    seen: BTreeMap<i64, i64>,
    /// The changes of the last command that changed something.
    last: Vec<Undo>,
    /// Whether the current command has recorded a change yet (its first
    /// replaces the previous command's).
    #[serde(skip)]
    recording: bool,
}

impl Journal {
    /// The version of task `id` last seen here, if any.
    pub fn seen(&self, id: i64) -> Option<i64> {
        self.seen.get(&id).copied()
    }

    /// Remembers the versions of tasks shown or changed.
    pub fn saw<'a>(&mut self, tasks: impl IntoIterator<Item = &'a Task>) {
        for task in tasks {
            self.seen.insert(task.id.0, task.version);
        }
        while self.seen.len() > SEEN_MAX {
            self.seen.pop_first();
        }
    }

    /// Forgets a task (erased, or deleted for good).
    pub fn forget(&mut self, id: i64) {
        self.seen.remove(&id);
    }

    /// Starts the record of a command's changes: its first change
    /// replaces the previous command's; a command that changes nothing
    /// leaves those to undo.
    pub fn begin(&mut self) {
        self.recording = false;
    }

    /// Records a change of the current command.
    pub fn record(&mut self, undo: Undo) {
        if !self.recording {
            self.last.clear();
            self.recording = true;
        }
        self.last.push(undo);
    }

    /// Puts back changes an undo could not revert, to try again.
    pub fn keep_for_undo(&mut self, changes: Vec<Undo>) {
        self.last = changes;
    }

    /// Takes the last command's changes, to undo them.
    pub fn take_last(&mut self) -> Vec<Undo> {
        std::mem::take(&mut self.last)
    }
}

/// Where the journal is kept: beside the session.
#[derive(Debug, Clone)]
pub struct JournalStore {
    directory: PathBuf,
}

impl JournalStore {
    /// The journal in `directory`.
    pub fn new(directory: impl Into<PathBuf>) -> Self {
        Self {
            directory: directory.into(),
        }
    }

    /// The journal of `owner` (`email@server`); empty when there is none,
    /// it is another account's, or it cannot be read (it only saves work).
    pub fn load(&self, owner: &str) -> Journal {
        let read = std::fs::read_to_string(self.directory.join(JOURNAL_FILE))
            .ok()
            .and_then(|text| serde_json::from_str::<Journal>(&text).ok());
        match read {
            Some(journal) if journal.owner == owner => journal,
            _ => Journal {
                owner: owner.to_owned(),
                ..Journal::default()
            },
        }
    }

    /// Saves the journal, replacing the previous one atomically.
    pub fn save(&self, journal: &Journal) -> Result<(), SessionError> {
        let path = self.directory.join(JOURNAL_FILE);
        let json = serde_json::to_vec(journal)
            .map_err(|error| std::io::Error::other(error.to_string()))
            .map_err(|source| SessionError::Io {
                action: "cannot write",
                path: path.clone(),
                source,
            })?;
        save_private(&self.directory, &path, &json).map_err(|(action, source)| SessionError::Io {
            action,
            path,
            source,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_journal_is_kept_per_account_and_forgets_the_oldest_ids_first() {
        let directory = tempfile::tempdir().expect("tempdir");
        let store = JournalStore::new(directory.path());
        let mut journal = store.load("a@x@http://s");
        journal
            .seen
            .extend((0..SEEN_MAX as i64 + 5).map(|id| (id, 1)));
        journal.saw(std::iter::empty());
        assert_eq!(journal.seen.len(), SEEN_MAX);
        assert_eq!(journal.seen(0), None);
        journal.record(Undo::Deleted { id: 7 });
        store.save(&journal).expect("save");
        assert_eq!(
            store.load("a@x@http://s").take_last(),
            [Undo::Deleted { id: 7 }]
        );
        assert!(
            store.load("b@x@http://s").take_last().is_empty(),
            "another account's"
        );
    }
}
