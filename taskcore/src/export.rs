//! taskd's export document, written a piece at a time:
//! `{"format":"taskd-export","version":1,"exported_at","user":{"email","timezone"},
//! "lists":[{"name","color","position","is_default"}],"tasks":[…]}`, each task as the API
//! shows it with its list's name as `list`, and a trashed one with `deleted_at`. A task
//! with completed occurrences has them as `completions` (`[{"due","completed_at"}]`,
//! newest first, at most
//! [`EXPORTED_COMPLETIONS`](crate::import::EXPORTED_COMPLETIONS)); a repeating task whose
//! series has moved on has `series` (`{"anchor","done"}`: the due its rule counts from and
//! how many of its occurrences were done or skipped), so that a `COUNT` goes on where it
//! was.
//!
//! taskd's `GET /export` and [`OwnerTasks::export`] both write it with
//! [`ExportWriter`], so the two cannot drift; [`import`](crate::import)
//! reads it back.
//!
//! [`OwnerTasks::export`]: crate::OwnerTasks::export

use std::collections::HashMap;

use chrono::{DateTime, Utc};

use crate::import::{EXPORT_FORMAT, EXPORT_VERSION};
use crate::model::{Completion, Series, Task, TaskList, TrashedTask, User};
use crate::types::ListId;

/// One task as an export holds it.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct ExportedTask {
    /// The task.
    pub task: Task,
    /// When it went to the trash, for a trashed one.
    pub deleted_at: Option<DateTime<Utc>>,
    /// Its completed occurrences, newest first (the newest
    /// [`EXPORTED_COMPLETIONS`](crate::import::EXPORTED_COMPLETIONS)).
    pub completions: Vec<Completion>,
    /// Where its series stands, for a repeating task whose series has moved
    /// on from its due.
    pub series: Option<Series>,
}

impl ExportedTask {
    /// A task with no history.
    pub fn new(task: Task, deleted_at: Option<DateTime<Utc>>) -> Self {
        Self {
            task,
            deleted_at,
            completions: Vec::new(),
            series: None,
        }
    }
}

/// Writes an export document in pieces: [`start`](ExportWriter::start),
/// then each page of tasks, then [`finish`](ExportWriter::finish).
/// Concatenated, the pieces are one JSON document.
#[derive(Debug)]
pub struct ExportWriter {
    written: u64,
    /// Each list's name, as JSON, by id: what a task's `list` says.
    names: HashMap<ListId, String>,
}

impl ExportWriter {
    /// The writer, and the document's head for `user` and their `lists`,
    /// written now.
    pub fn start(user: &User, lists: &[TaskList]) -> (Self, String) {
        let described: Vec<serde_json::Value> = lists
            .iter()
            .map(|list| {
                serde_json::json!({
                    "name": list.name, "color": list.color,
                    "position": list.position, "is_default": list.is_default,
                })
            })
            .collect();
        let head = serde_json::json!({
            "format": EXPORT_FORMAT,
            "version": EXPORT_VERSION,
            "exported_at": Utc::now(),
            "user": {"email": user.email, "timezone": user.timezone},
            "lists": described,
        })
        .to_string();
        let names = lists
            .iter()
            .map(|list| {
                let name = serde_json::to_string(&list.name).unwrap_or_default();
                (list.id, name)
            })
            .collect();
        // The head without its closing brace, then the task list.
        let open = head.strip_suffix('}').unwrap_or(&head);
        let writer = Self { written: 0, names };
        (writer, format!("{open},\"tasks\":["))
    }

    /// The next tasks as list items: each live task, or a trashed one with
    /// when it was deleted, with its history.
    pub fn page(&mut self, page: &[ExportedTask]) -> String {
        let mut text = String::new();
        for exported in page {
            if self.written > 0 {
                text.push(',');
            }
            self.written += 1;
            let task = &exported.task;
            let item = match exported.deleted_at {
                Some(deleted_at) => serde_json::to_string(&TrashedTask {
                    task: task.clone(),
                    deleted_at,
                }),
                None => serde_json::to_string(task),
            };
            let item = item.unwrap_or_default();
            let Some(open) = item.strip_suffix('}') else {
                text.push_str(&item);
                continue;
            };
            text.push_str(open);
            // The list by name: ids are this account's own.
            if let Some(name) = self.names.get(&task.list_id) {
                text.push_str(",\"list\":");
                text.push_str(name);
            }
            if !exported.completions.is_empty() {
                text.push_str(",\"completions\":");
                text.push_str(&serde_json::to_string(&exported.completions).unwrap_or_default());
            }
            if let Some(series) = exported.series {
                text.push_str(",\"series\":");
                text.push_str(&serde_json::to_string(&series).unwrap_or_default());
            }
            text.push('}');
        }
        text
    }

    /// How many tasks the pages held.
    pub fn written(&self) -> u64 {
        self.written
    }

    /// The document's end.
    pub fn finish(self) -> &'static str {
        "]}"
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;
    use crate::model::Due;
    use crate::types::{TaskId, UserId};

    fn task(id: i64) -> Task {
        let at = Utc
            .with_ymd_and_hms(2026, 1, 1, 0, 0, 0)
            .single()
            .expect("time");
        Task {
            id: TaskId(id),
            uid: format!("uid-{id}"),
            owner_id: UserId(1),
            title: format!("t{id}"),
            description: None,
            completed: false,
            priority: None,
            due_date: None,
            due_at: None,
            tags: Vec::new(),
            created_at: at,
            updated_at: at,
            completed_at: None,
            list_id: ListId(id % 2),
            parent_id: None,
            repeat: None,
            repeat_from: crate::repeat::RepeatFrom::Due,
            reminders: Vec::new(),
            version: 1,
        }
    }

    #[test]
    fn pieces_across_pages_and_an_empty_one_make_one_document() {
        let user: User = serde_json::from_value(serde_json::json!({
            "id": 1, "email": "a@example.com", "timezone": "UTC",
            "created_at": "2026-01-01T00:00:00Z"
        }))
        .expect("a user");
        let deleted = Utc.with_ymd_and_hms(2026, 2, 1, 0, 0, 0).single();
        let lists: Vec<TaskList> = serde_json::from_value(serde_json::json!([{
            "id": 1, "name": "Tasks \"home\"", "color": null, "position": 1, "is_default": true,
            "open": 0, "total": 0, "created_at": "2026-01-01T00:00:00Z",
            "updated_at": "2026-01-01T00:00:00Z", "version": 1
        }]))
        .expect("lists");
        let (mut writer, mut text) = ExportWriter::start(&user, &lists);
        let mut repeating = ExportedTask::new(task(3), None);
        let due = Due::Date(chrono::NaiveDate::from_ymd_opt(2026, 1, 5).expect("day"));
        repeating.completions = vec![Completion {
            due,
            completed_at: Utc
                .with_ymd_and_hms(2026, 1, 5, 8, 0, 0)
                .single()
                .expect("time"),
        }];
        repeating.series = Some(Series::new(due, 1));
        text.push_str(&writer.page(&[
            ExportedTask::new(task(1), None),
            ExportedTask::new(task(2), deleted),
        ]));
        text.push_str(&writer.page(&[]));
        text.push_str(&writer.page(&[repeating]));
        assert_eq!(writer.written(), 3);
        text.push_str(writer.finish());
        let document: serde_json::Value = serde_json::from_str(&text).expect("one JSON document");
        assert_eq!(document["format"], EXPORT_FORMAT);
        assert_eq!(document["user"]["email"], "a@example.com");
        let ids: Vec<_> = document["tasks"]
            .as_array()
            .expect("a list")
            .iter()
            .map(|task| (task["id"].as_i64(), task.get("deleted_at").is_some()))
            .collect();
        assert_eq!(ids, [(Some(1), false), (Some(2), true), (Some(3), false)]);
        // A task's list by name; one whose list is gone, without.
        assert_eq!(document["tasks"][0]["list"], "Tasks \"home\"");
        assert!(document["tasks"][1].get("list").is_none());
        assert_eq!(document["lists"][0]["is_default"], true);
        // History only where there is some.
        assert!(document["tasks"][0].get("completions").is_none());
        assert!(document["tasks"][0].get("series").is_none());
        assert_eq!(
            document["tasks"][2]["completions"],
            serde_json::json!([{"due": "2026-01-05", "completed_at": "2026-01-05T08:00:00Z"}])
        );
        assert_eq!(
            document["tasks"][2]["series"],
            serde_json::json!({"anchor": "2026-01-05", "done": 1})
        );
        let (empty, head) = ExportWriter::start(&user, &[]);
        let nothing: serde_json::Value =
            serde_json::from_str(&format!("{head}{}", empty.finish())).expect("JSON");
        assert_eq!(nothing["tasks"], serde_json::json!([]));
    }
}
