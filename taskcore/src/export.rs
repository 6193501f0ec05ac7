//! taskd's export document, written a piece at a time:
//! `{"format":"taskd-export","version":1,"exported_at","user":{"email","timezone"},"tasks":[…]}`,
//! each task as the API shows it and a trashed one with `deleted_at`.
//!
//! taskd's `GET /export` and [`OwnerTasks::export`] both write it with
//! [`ExportWriter`], so the two cannot drift; [`import`](crate::import)
//! reads it back.
//!
//! [`OwnerTasks::export`]: crate::OwnerTasks::export

use chrono::{DateTime, Utc};

use crate::import::{EXPORT_FORMAT, EXPORT_VERSION};
use crate::model::{Task, TrashedTask, User};

/// Writes an export document in pieces: [`start`](ExportWriter::start),
/// then each page of tasks, then [`finish`](ExportWriter::finish).
/// Concatenated, the pieces are one JSON document.
#[derive(Debug)]
pub struct ExportWriter {
    written: u64,
}

impl ExportWriter {
    /// The writer, and the document's head for `user`, written at `exported_at`.
    pub fn start(user: &User, exported_at: DateTime<Utc>) -> (Self, String) {
        let head = serde_json::json!({
            "format": EXPORT_FORMAT,
            "version": EXPORT_VERSION,
            "exported_at": exported_at,
            "user": {"email": user.email, "timezone": user.timezone},
        })
        .to_string();
        // The head without its closing brace, then the task list.
        let open = head.strip_suffix('}').unwrap_or(&head);
        (Self { written: 0 }, format!("{open},\"tasks\":["))
    }

    /// The next tasks as list items: each live task, or a trashed one with
    /// when it was deleted.
    pub fn page(&mut self, page: &[(Task, Option<DateTime<Utc>>)]) -> String {
        let mut text = String::new();
        for (task, deleted_at) in page {
            if self.written > 0 {
                text.push(',');
            }
            let item = match deleted_at {
                Some(deleted_at) => serde_json::to_string(&TrashedTask {
                    task: task.clone(),
                    deleted_at: *deleted_at,
                }),
                None => serde_json::to_string(task),
            };
            text.push_str(&item.unwrap_or_default());
            self.written += 1;
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
