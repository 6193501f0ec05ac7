//! A wire-only client: taskcore's request and answer types over HTTP to a
//! running taskd, without any of the storage code (a client links taskcore
//! with `default-features = false`). Every value is checked before it is
//! sent, by the rules the server checks.
//!
//! ```sh
//! taskd &   # or any taskd you can reach
//! TASKD_URL=http://127.0.0.1:8000 cargo run -p taskcore --example wire_client
//! ```
//!
//! It registers `wire-client-<random>@example.com`, adds a task and lists
//! the overdue ones, by priority.

use std::time::{SystemTime, UNIX_EPOCH};

use chrono::{Days, Utc};
use taskcore::{
    DueFilter, NewTask, Priority, SortKey, Task, TaskCreate, TaskQuery, Token, UserCreate,
};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let base = std::env::var("TASKD_URL").map_err(|_| "set TASKD_URL to a running taskd")?;
    let api = format!("{}/api/v1", base.trim_end_matches('/'));
    let http = reqwest::blocking::Client::new();

    let nonce = SystemTime::now().duration_since(UNIX_EPOCH)?.as_nanos();
    let email = format!("wire-client-{nonce}@example.com");
    let password = "wire client password";
    http.post(format!("{api}/auth/register"))
        .json(&UserCreate {
            email: email.clone(),
            password: password.to_owned(),
            timezone: None,
            invite: None,
        })
        .send()?
        .error_for_status()?;
    let token: Token = http
        .post(format!("{api}/auth/login"))
        .form(&[("username", email.as_str()), ("password", password)])
        .send()?
        .error_for_status()?
        .json()?;

    // A typed task, checked here, sent as the body the API reads.
    let yesterday = Utc::now()
        .date_naive()
        .checked_sub_days(Days::new(1))
        .ok_or("no yesterday")?;
    let task = NewTask::builder("Send the invoice")
        .priority(Priority::High)
        .due_date(yesterday)
        .build()?;
    let created: Task = http
        .post(format!("{api}/tasks"))
        .bearer_auth(&token.access_token)
        .json(&TaskCreate::from(&task))
        .send()?
        .error_for_status()?
        .json()?;
    println!("created #{}: {}", created.id, created.title);

    // The listing as taskd reads it: ?due=overdue&sort=-priority&limit=20.
    let query = TaskQuery::builder()
        .due(DueFilter::Overdue)
        .sort(SortKey::Priority, true)
        .limit(20)
        .build()?;
    let overdue: Vec<Task> = http
        .get(format!("{api}/tasks"))
        .bearer_auth(&token.access_token)
        .query(&query.to_pairs())
        .send()?
        .error_for_status()?
        .json()?;
    println!("{} overdue", overdue.len());
    assert!(overdue.iter().any(|listed| listed.id == created.id));
    Ok(())
}
