//! A personal script: a task database of your own in a SQLite file, no
//! server. Adds a few tasks, then prints what is open, most urgent first.
//!
//! ```sh
//! cargo run -p taskcore --example personal_script -- /tmp/my-tasks.db
//! ```
//!
//! Without an argument it works in a temporary directory. The path becomes
//! the URL `sqlite:///PATH`: an absolute path gives the four slashes
//! (`sqlite:////tmp/my-tasks.db`), a relative one is under the working
//! directory.

use chrono::{Days, Utc};
use taskcore::{DueFilter, NewTask, NewUser, PasswordHasher, Priority, SortKey, Store, TaskQuery};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let scratch = tempfile::tempdir()?;
    let path = match std::env::args_os().nth(1) {
        Some(path) => std::path::PathBuf::from(path),
        None => scratch.path().join("tasks.db"),
    };
    let store = Store::open(&format!("sqlite:///{}", path.display()))?;

    // One account for the script, made on the first run. A cheap bcrypt
    // cost is fine for an account that never logs in over a network.
    let me = match store.user_by_email("me@example.com")? {
        Some(user) => user,
        None => store.register_user(
            &NewUser::new("me@example.com", "a long local password")?,
            &PasswordHasher::new(4)?,
        )?,
    };
    let tasks = store.tasks(me.id);

    let today = Utc::now().date_naive();
    let yesterday = today.checked_sub_days(Days::new(1)).ok_or("no yesterday")?;
    tasks.create(
        &NewTask::builder("Renew passport")
            .priority(Priority::High)
            .due_date(yesterday)
            .tags(["admin"])
            .build()?,
    )?;
    tasks.create(
        &NewTask::builder("Water the plants")
            .due_date(today)
            .build()?,
    )?;
    tasks.create(
        &NewTask::builder("Read that book")
            .tags(["leisure"])
            .build()?,
    )?;

    let overdue = tasks.list(&TaskQuery::builder().due(DueFilter::Overdue).build()?)?;
    println!("{} overdue", overdue.total);
    assert!(overdue.total >= 1);
    assert!(
        overdue
            .tasks
            .iter()
            .all(|task| task.title == "Renew passport")
    );

    let open = TaskQuery::builder()
        .completed(false)
        .sort(SortKey::Priority, true)
        .sort(SortKey::Due, false)
        .build()?;
    let open = tasks.list(&open)?.tasks;
    for task in &open {
        let due = task
            .due_date
            .map(|day| format!(" (due {day})"))
            .unwrap_or_default();
        println!("#{} {}{due}", task.id, task.title);
    }
    // The high-priority task first; each run adds three more.
    assert_eq!(
        open.first().map(|task| task.title.as_str()),
        Some("Renew passport")
    );
    Ok(())
}
