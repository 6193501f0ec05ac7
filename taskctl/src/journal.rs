//! What taskctl remembers between runs about tasks: the version of each
//! task it last showed or changed (sent as `If-Match`, so a change never
//! overwrites one made elsewhere since), and its own last commands that
//! changed tasks (what `taskctl undo` reverts, newest first).

use std::collections::BTreeMap;
use std::path::PathBuf;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use taskcore::{Task, TaskUpdate};

use crate::session::{SessionError, save_private};

const JOURNAL_FILE: &str = "journal.json";
/// Versions remembered at most; the lowest ids are forgotten first.
const SEEN_MAX: usize = 20_000;
/// Commands `undo` can go back through; older ones are forgotten.
pub const UNDO_DEPTH: usize = 20;

/// One change taskctl made, and how to take it back.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Undo {
    /// A task was added: undone by deleting it, if still at `version`.
    Added { id: i64, version: i64 },
    /// A task was changed from `from` to `version`: undone by applying
    /// `before`, if still at `version`.
    Edited {
        id: i64,
        version: i64,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        from: Option<i64>,
        before: Box<TaskUpdate>,
    },
    /// An occurrence of a repeating task was done, taking the task from
    /// version `from` to `version`: undone by taking the occurrence back
    /// (the server puts the due back and counts it no more), if still at
    /// `version`.
    Completed { id: i64, version: i64, from: i64 },
    /// A task was deleted (at version `from`): undone by restoring it from
    /// the trash.
    Deleted {
        id: i64,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        from: Option<i64>,
    },
}

/// A command that changed tasks, and how to take its changes back.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Done {
    /// The command as typed (`done 4 5`).
    pub command: String,
    /// When it ran.
    pub at: DateTime<Utc>,
    /// Its changes, in the order made.
    pub changes: Vec<Undo>,
}

/// The journal of one account on one server.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Journal {
    /// `email@server`: a journal kept for another account is not used.
    owner: String,
    /// Task id → the version last seen.
    seen: BTreeMap<i64, i64>,
    /// The commands that changed tasks, oldest first, at most [`UNDO_DEPTH`].
    #[serde(default)]
    history: Vec<Done>,
    /// The one command a journal of an earlier taskctl kept.
    #[serde(default, skip_serializing)]
    last: Vec<Undo>,
    /// The command being recorded: its first change starts its entry.
    #[serde(skip)]
    recording: Option<String>,
    /// Whether the command being recorded has its entry yet.
    #[serde(skip)]
    started: bool,
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

    /// Starts the record of `command`'s changes: its first change makes it
    /// the newest command to undo; a command that changes nothing leaves
    /// the history as it was.
    pub fn begin(&mut self, command: impl Into<String>) {
        self.recording = Some(command.into());
        self.started = false;
    }

    /// Records a change of the current command.
    pub fn record(&mut self, undo: Undo) {
        if !self.started {
            self.started = true;
            self.history.push(Done {
                command: self.recording.clone().unwrap_or_default(),
                at: Utc::now(),
                changes: Vec::new(),
            });
            if self.history.len() > UNDO_DEPTH {
                self.history.remove(0);
            }
        }
        if let Some(newest) = self.history.last_mut() {
            newest.changes.push(undo);
        }
    }

    /// Puts back a command whose changes an undo could not all revert
    /// (with those changes only), to try again.
    pub fn keep_for_undo(&mut self, done: Done) {
        if !done.changes.is_empty() {
            self.history.push(done);
        }
    }

    /// After an undo brought task `id` back to the state it had at version
    /// `from`, now numbered `to`: the older
    /// commands' changes that left it at `from` now expect `to`, so undo
    /// can go on back through them. A change elsewhere in between keeps
    /// its own version, and so is still refused.
    pub fn rebase(&mut self, id: i64, from: i64, to: i64) {
        for done in &mut self.history {
            for change in &mut done.changes {
                match change {
                    Undo::Added { id: task, version }
                    | Undo::Edited {
                        id: task, version, ..
                    }
                    | Undo::Completed {
                        id: task, version, ..
                    } if *task == id && *version == from => {
                        *version = to;
                    }
                    Undo::Added { .. }
                    | Undo::Edited { .. }
                    | Undo::Completed { .. }
                    | Undo::Deleted { .. } => {}
                }
            }
        }
    }

    /// Takes the newest command, to undo it.
    pub fn take_last(&mut self) -> Option<Done> {
        self.upgrade();
        self.history.pop()
    }

    /// The commands `undo` can revert, newest first.
    pub fn history(&mut self) -> impl Iterator<Item = &Done> {
        self.upgrade();
        self.history.iter().rev()
    }

    /// A journal of an earlier taskctl: its one command joins the history.
    fn upgrade(&mut self) {
        if !self.last.is_empty() {
            let changes = std::mem::take(&mut self.last);
            self.history.push(Done {
                command: "(the last command of an earlier taskctl)".to_owned(),
                at: Utc::now(),
                changes,
            });
        }
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
            Some(mut journal) if journal.owner == owner => {
                journal.upgrade();
                journal
            }
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
        journal.begin("rm 7");
        journal.record(Undo::Deleted { id: 7, from: None });
        store.save(&journal).expect("save");
        let last = store.load("a@x@http://s").take_last().expect("a command");
        assert_eq!(
            (last.command.as_str(), last.changes),
            ("rm 7", vec![Undo::Deleted { id: 7, from: None }])
        );
        assert!(
            store.load("b@x@http://s").take_last().is_none(),
            "another account's"
        );
    }

    #[test]
    fn undo_goes_back_through_the_last_commands_that_changed_something() {
        let mut journal = Journal::default();
        for id in 0..UNDO_DEPTH as i64 + 3 {
            journal.begin(format!("add {id}"));
            journal.record(Undo::Added { id, version: 1 });
        }
        // A command that changed nothing is not one to undo.
        journal.begin("done 99");
        assert_eq!(journal.history().count(), UNDO_DEPTH);
        let newest: Vec<String> = journal
            .history()
            .take(2)
            .map(|done| done.command.clone())
            .collect();
        assert_eq!(newest, ["add 22", "add 21"]);
        assert_eq!(
            journal.take_last().map(|done| done.command),
            Some("add 22".to_owned())
        );
        assert_eq!(
            journal.take_last().map(|done| done.command),
            Some("add 21".to_owned())
        );
    }

    #[test]
    fn an_undo_moves_the_older_changes_on_to_the_version_it_made() {
        let edited = |version| Undo::Edited {
            id: 1,
            version,
            from: Some(1),
            before: Box::default(),
        };
        let mut journal = Journal::default();
        journal.begin("edit 1");
        journal.record(edited(2));
        journal.begin("edit 1 again, after a change elsewhere");
        journal.record(edited(4));
        // Undoing a deletion at version 2 restored it as version 5.
        journal.rebase(1, 2, 5);
        let versions: Vec<i64> = journal
            .history()
            .flat_map(|done| done.changes.iter())
            .filter_map(|change| match change {
                Undo::Edited { version, .. } => Some(*version),
                _ => None,
            })
            .collect();
        assert_eq!(versions, [4, 5], "a change elsewhere keeps its version");
    }

    #[test]
    fn the_last_command_of_an_earlier_taskctl_can_still_be_undone() {
        let earlier = r#"{"owner":"a@x@http://s","seen":{},"last":[{"kind":"deleted","id":3}]}"#;
        let mut journal: Journal = serde_json::from_str(earlier).expect("read");
        let last = journal.take_last().expect("kept");
        assert_eq!(last.changes, [Undo::Deleted { id: 3, from: None }]);
    }
}
