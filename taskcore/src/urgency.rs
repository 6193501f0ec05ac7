//! How urgent an open task is, as Taskwarrior reckons it (whose coefficients
//! these are): each term is a coefficient times a factor from 0 to 1.

use chrono::{DateTime, Utc};

use crate::model::Task;
use crate::planning::{Priority, Zone, due_key};

/// Weight of a high priority.
pub const PRIORITY_HIGH: f64 = 6.0;
/// Weight of a medium priority.
pub const PRIORITY_MEDIUM: f64 = 3.9;
/// Weight of a low priority.
pub const PRIORITY_LOW: f64 = 1.8;
/// Weight of being due: times 1.0 from a week overdue on, falling
/// linearly to 0.2 for a task due in two weeks or later.
pub const DUE: f64 = 12.0;
/// Weight of age: times 0 for a new task, rising linearly to 1 at a year.
pub const AGE: f64 = 2.0;
/// Age at which the age term is full, in days.
pub const AGE_MAX_DAYS: f64 = 365.0;
/// Weight of tags: times 0.8 for one tag, 0.9 for two, 1.0 for more.
pub const TAGS: f64 = 1.0;

/// How urgent an open task is: the higher, the sooner it deserves attention.
/// Completed tasks score 0. See the constants of this module for the terms.
pub fn score(task: &Task, zone: Zone, now: DateTime<Utc>) -> f64 {
    if task.completed {
        return 0.0;
    }
    let priority = match task.priority {
        Some(Priority::High) => PRIORITY_HIGH,
        Some(Priority::Medium) => PRIORITY_MEDIUM,
        Some(Priority::Low) => PRIORITY_LOW,
        None => 0.0,
    };
    let due = match due_key(task.due_date, task.due_at, zone) {
        Some(key) => {
            let days_overdue = (now - key).num_seconds() as f64 / 86_400.0;
            let factor = if days_overdue >= 7.0 {
                1.0
            } else if days_overdue >= -14.0 {
                (days_overdue + 14.0) * 0.8 / 21.0 + 0.2
            } else {
                0.2
            };
            DUE * factor
        }
        None => 0.0,
    };
    let age_days = (now - task.created_at).num_seconds().max(0) as f64 / 86_400.0;
    let age = AGE * (age_days / AGE_MAX_DAYS).min(1.0);
    let tags = TAGS
        * match task.tags.len() {
            0 => 0.0,
            1 => 0.8,
            2 => 0.9,
            _ => 1.0,
        };
    priority + due + age + tags
}

/// Open tasks with their urgency, most urgent first (ties: sooner due,
/// then lower id).
pub fn rank(tasks: Vec<Task>, zone: Zone, now: DateTime<Utc>) -> Vec<(f64, Task)> {
    let mut scored: Vec<(f64, Task)> = tasks
        .into_iter()
        .map(|task| (score(&task, zone, now), task))
        .collect();
    scored.sort_by(|(a_score, a), (b_score, b)| {
        // No due sorts after every due: `None` is mapped past the largest key.
        let key = |task: &Task| {
            due_key(task.due_date, task.due_at, zone).unwrap_or(DateTime::<Utc>::MAX_UTC)
        };
        b_score
            .total_cmp(a_score)
            .then_with(|| key(a).cmp(&key(b)))
            .then_with(|| a.id.cmp(&b.id))
    });
    scored
}
