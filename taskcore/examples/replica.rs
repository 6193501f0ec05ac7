//! A replica driven by the change feed: a copy of one user's tasks kept up
//! to date by asking only for what changed. When the feed has forgotten
//! deletions the copy never saw (taskd answers 410 Gone; here
//! `Error::CursorExpired`), the replica starts over with a full sync.
//!
//! ```sh
//! cargo run -p taskcore --example replica
//! ```

use std::collections::BTreeMap;
use std::time::Duration;

use taskcore::{
    Change, ChangeCursor, Error, NewTask, NewUser, PasswordHasher, Store, Task, TaskId, UserId,
};

/// The copy: each live task by id, and where the copy is in the feed.
#[derive(Default)]
struct Replica {
    tasks: BTreeMap<TaskId, Task>,
    cursor: Option<ChangeCursor>,
    full_syncs: u32,
}

impl Replica {
    /// Brings the copy up to date: follows the feed to its end, starting
    /// over from nothing when the cursor has expired.
    fn sync(&mut self, store: &Store, owner: UserId) -> Result<(), Box<dyn std::error::Error>> {
        loop {
            match store.tasks(owner).changes(self.cursor.as_ref(), 2) {
                Ok(page) => {
                    if self.cursor.is_none() {
                        // A full sync describes everything: start empty.
                        self.tasks.clear();
                        self.full_syncs += 1;
                    }
                    for change in page.changes {
                        match change {
                            Change::Upsert { task } => {
                                self.tasks.insert(task.id, task);
                            }
                            Change::Delete { id, .. } => {
                                self.tasks.remove(&id);
                            }
                            // A newer taskcore may know more kinds of change:
                            // a copy that cannot apply one stops rather than
                            // drifting.
                            unknown => {
                                return Err(format!(
                                    "a change this replica cannot apply: {unknown:?}"
                                )
                                .into());
                            }
                        }
                    }
                    self.cursor = Some(ChangeCursor::decode(&page.cursor)?);
                    if !page.has_more {
                        return Ok(());
                    }
                }
                Err(Error::CursorExpired) => {
                    println!("cursor expired: starting a full sync");
                    self.cursor = None;
                }
                Err(other) => return Err(other.into()),
            }
        }
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let store = Store::open("sqlite://")?;
    let user = store.register_user(
        &NewUser::new("replica@example.com", "replica password")?,
        &PasswordHasher::new(4)?,
    )?;
    let tasks = store.tasks(user.id);
    let mut replica = Replica::default();

    let made: Vec<Task> = (1..=5)
        .map(|n| tasks.create(&NewTask::new(&format!("task {n}"))?))
        .collect::<Result<_, _>>()?;
    replica.sync(&store, user.id)?;
    println!("full sync: {} tasks", replica.tasks.len());

    // Incremental: one change and one deletion.
    tasks.update(
        made[0].id,
        &taskcore::TaskPatch::builder().completed(true).build()?,
    )?;
    tasks.delete(made[1].id)?;
    replica.sync(&store, user.id)?;
    println!("incremental sync: {} tasks", replica.tasks.len());

    // The replica sleeps for a month; meanwhile a task is deleted and
    // housekeeping forgets the deletion. Its cursor is then too old.
    tasks.delete(made[2].id)?;
    let month = Duration::from_secs(30 * 24 * 3600);
    let later = chrono::Utc::now() + chrono::Duration::days(31);
    store.purge_deleted_as_of(later, month, month)?;
    replica.sync(&store, user.id)?;

    let live: BTreeMap<TaskId, Task> = tasks
        .list(&taskcore::TaskQuery::default())?
        .tasks
        .into_iter()
        .map(|task| (task.id, task))
        .collect();
    assert_eq!(replica.tasks, live, "the copy is the server's");
    assert_eq!(replica.full_syncs, 2);
    println!(
        "after the resync: {} tasks, {} full syncs",
        replica.tasks.len(),
        replica.full_syncs
    );
    Ok(())
}
