//! Reading an import: taskd's own export, or the JSON array Taskwarrior's
//! `task export` writes. Each entry becomes a checked new task and where it
//! came from, or the reason it cannot be imported; nothing is written here.

mod document;
mod entry;
mod history;
mod run;
mod taskd;
mod taskwarrior;

use std::sync::Arc;

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::error::Error;
use crate::model::{Due, NewTask, Origin};
use crate::planning::Zone;
use crate::types::Email;
pub use document::Document;
use document::{Shape, Tasks};
use entry::Read;
pub(crate) use history::History;
pub use run::{IMPORT_PAGE, ImportRun};

/// The `format` of taskd's export document.
pub const EXPORT_FORMAT: &str = "taskd-export";
/// The export document's version this build writes and reads.
pub const EXPORT_VERSION: u64 = 1;
/// The most completed occurrences taskd's export holds per task (its
/// newest) and an import keeps: an export page stays a few MiB at most.
pub const EXPORTED_COMPLETIONS: u32 = 1000;
/// Completed occurrences after which a page of an export or of an import
/// ends, whatever its number of tasks: ten tasks' longest histories, under
/// a MiB of text and one short write.
pub const PAGE_COMPLETIONS: usize = 10 * EXPORTED_COMPLETIONS as usize;
/// The most entries one import takes.
pub const IMPORT_MAX_ENTRIES: usize = 100_000;
/// The most refused entries a report lists one by one.
pub const REPORT_MAX_ERRORS: usize = 100;

/// Which kind of file an import is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum ImportFormat {
    /// taskd's export document.
    Taskd,
    /// Taskwarrior's `task export` array.
    Taskwarrior,
}

/// One task to import, as read from a document (only reading one makes
/// it: its source and times passed the import's checks).
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ImportItem {
    /// Its position in the file, from 0.
    pub(crate) index: usize,
    /// The task, checked.
    pub(crate) task: NewTask,
    /// What every source of the file starts with (`taskd:<email>:` or
    /// `taskwarrior:`), held once for all its items.
    pub(crate) source_prefix: Arc<str>,
    /// The task's identity in the file, after the prefix: its id or uuid.
    pub(crate) source_key: String,
    /// When the task was created there, if known.
    pub(crate) created_at: Option<DateTime<Utc>>,
    /// When it was completed there, if it is done and that is known.
    pub(crate) completed_at: Option<DateTime<Utc>>,
    /// When it was deleted, for a task that goes to the trash.
    pub(crate) deleted_at: Option<DateTime<Utc>>,
    /// Whether an earlier entry of the file has the same source (it is
    /// then skipped).
    pub(crate) duplicate: bool,
    /// The name of the list it goes in (made if the owner has none of that
    /// name, ignoring case); `None`: the default list.
    pub(crate) list: Option<String>,
    /// The file's key of its parent, made as a subtask of the task imported
    /// from that entry when that one is here and can be a parent.
    pub(crate) parent_key: Option<String>,
    /// Whether a due at midnight in the owner's zone is all day.
    pub(crate) midnight_is_all_day: bool,
    /// The colour and position the document gives its list, for a list
    /// the import makes.
    pub(crate) list_color: Option<String>,
    pub(crate) list_position: Option<i64>,
    /// What taskd's export kept of its history.
    pub(crate) history: History,
}

impl ImportItem {
    /// The task as it is imported for an owner in `zone`: a Taskwarrior
    /// due at midnight there is all day on that day.
    pub fn task_in(&self, zone: Zone) -> std::borrow::Cow<'_, NewTask> {
        let midnight = match self.task.due {
            Some(Due::At(at)) if self.midnight_is_all_day => {
                let day = zone.day_of(at);
                (zone.start_of(day) == at).then_some(day)
            }
            _ => None,
        };
        match midnight {
            Some(day) => std::borrow::Cow::Owned(NewTask {
                due: Some(Due::Date(day)),
                ..self.task.clone()
            }),
            None => std::borrow::Cow::Borrowed(&self.task),
        }
    }

    /// The colour the document gives its list, for a list the import makes.
    pub fn list_color(&self) -> Option<&str> {
        self.list_color.as_deref()
    }

    /// The position the document gives its list, for a list the import makes.
    pub fn list_position(&self) -> Option<i64> {
        self.list_position
    }

    /// Its completed occurrences, newest first, as taskd's export kept them.
    pub fn completions(&self) -> &[crate::model::Completion] {
        &self.history.completions
    }

    /// Where its series stands, as taskd's export kept it.
    pub fn series(&self) -> Option<crate::model::Series> {
        self.history.series
    }

    /// Its position in the file, from 0.
    pub fn index(&self) -> usize {
        self.index
    }

    /// The task, checked.
    pub fn task(&self) -> &NewTask {
        &self.task
    }

    /// When it was deleted at its source, for a task that goes to the trash.
    pub fn deleted_at(&self) -> Option<DateTime<Utc>> {
        self.deleted_at
    }

    /// The name of the list it goes in, if the file names one.
    pub fn list(&self) -> Option<&str> {
        self.list.as_deref()
    }

    /// Where its parent came from, as storage keeps it, if it has one.
    pub fn parent_source(&self) -> Option<String> {
        self.parent_key
            .as_ref()
            .map(|key| format!("{}{key}", self.source_prefix))
    }

    /// Where the task came from, as storage keeps it.
    pub fn origin(&self) -> Origin {
        Origin {
            source: format!("{}{}", self.source_prefix, self.source_key),
            created_at: self.created_at,
            completed_at: self.completed_at,
        }
    }
}

/// An entry that cannot be imported, and why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[non_exhaustive]
pub struct ImportError {
    /// Its position in the file, from 0.
    pub index: usize,
    /// What is wrong: a sentence, or the field errors of the task.
    #[cfg_attr(feature = "openapi", schema(value_type = Value))]
    pub detail: Value,
}

/// A task an import created live (not straight into the trash): what
/// undoing the import deletes, if it is still at this version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[non_exhaustive]
pub struct CreatedTask {
    /// The new task's id.
    #[cfg_attr(feature = "openapi", schema(value_type = i64))]
    pub id: crate::types::TaskId,
    /// Its version when the import made it.
    pub version: i64,
}

/// What an import did with one entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Imported {
    /// Created, live.
    Live(CreatedTask),
    /// Created straight into the trash (deleted at its source).
    Trashed,
    /// Would be created (a dry run).
    WouldCreate,
    /// Left out: brought by an earlier import, or still here.
    Skipped,
}

/// What an import did (or, for a dry run, would do).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[non_exhaustive]
pub struct ImportReport {
    /// Tasks created.
    pub created: u64,
    /// Tasks left out because an earlier import brought them already.
    pub skipped: u64,
    /// Entries that cannot be imported (the first hundred).
    pub errors: Vec<ImportError>,
    /// Entries that cannot be imported beyond those listed.
    pub errors_not_listed: u64,
    /// The tasks created live, in the file's order (none for a dry run).
    #[serde(default)]
    pub created_tasks: Vec<CreatedTask>,
    /// Fields of the file that taskd has no place for (Taskwarrior's
    /// `wait`, `scheduled`, `depends`, its user-defined attributes, a
    /// `recur` that maps onto no repeat rule; `completions` past the newest
    /// an import keeps of a taskd entry), by name, with how many entries
    /// carried each.
    #[serde(default)]
    pub dropped_fields: BTreeMap<String, u64>,
    /// Taskwarrior occurrences of recurring tasks left out: each template
    /// became one repeating task, due when its next occurrence was.
    #[serde(default)]
    pub recurring_occurrences: u64,
}

impl ImportReport {
    /// Records an entry that cannot be imported.
    pub fn refuse(&mut self, error: ImportError) {
        if self.errors.len() < REPORT_MAX_ERRORS {
            self.errors.push(error);
        } else {
            self.errors_not_listed += 1;
        }
    }
}

/// The query string of an import: `dry_run=true` reports what it would do
/// and changes nothing.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ImportQuery {
    /// Whether nothing is written.
    pub dry_run: bool,
}

impl ImportQuery {
    /// Reads the pairs (the last `dry_run` counts), its error under
    /// `["query", "dry_run"]`.
    pub fn from_pairs(pairs: &[(String, String)]) -> Result<Self, crate::ValidationErrors> {
        match crate::types::query_value(pairs, "dry_run").map(crate::types::parse_flag) {
            None => Ok(Self::default()),
            Some(Ok(dry_run)) => Ok(Self { dry_run }),
            Some(Err(invalid)) => Err(crate::ValidationErrors::single(
                crate::Source::Query,
                "dry_run",
                invalid.kind,
                invalid.msg,
            )),
        }
    }

    /// The query as pairs, as [`ImportQuery::from_pairs`] reads them back.
    pub fn to_pairs(&self) -> Vec<(&'static str, String)> {
        vec![("dry_run", self.dry_run.to_string())]
    }
}

/// Most distinct dropped field names a report lists; the rest are counted
/// under [`OTHER_FIELDS`].
pub const DROPPED_NAMES_MAX: usize = 50;
/// Where dropped fields beyond [`DROPPED_NAMES_MAX`] names are counted.
pub const OTHER_FIELDS: &str = "(other fields)";

/// An import document as read: the tasks it holds, the entries refused,
/// and what it held that has no place here.
#[derive(Debug)]
#[non_exhaustive]
pub struct ReadDocument {
    /// Which tool wrote it.
    pub format: ImportFormat,
    /// The tasks to import.
    pub items: Vec<ImportItem>,
    /// The entries that cannot be imported.
    pub errors: Vec<ImportError>,
    /// Fields with no place here, by name, with how many entries had each.
    pub dropped_fields: BTreeMap<String, u64>,
    /// Taskwarrior occurrences left out, their template imported.
    pub recurring_occurrences: u64,
}

/// Reads an import document: the tasks it holds and the entries refused.
/// A document of neither shape is an error as a whole.
pub fn read(document: &Value) -> Result<ReadDocument, Error> {
    let document = Document::deserialize(document)
        .map_err(|error| refused(&format!("Not an import document: {error}")))?;
    read_document(document)
}

/// [`read`], of a document as [`Document::parse`] read it from JSON.
pub fn read_document(document: Document) -> Result<ReadDocument, Error> {
    let Document {
        shape,
        head,
        entries,
        counted,
        lists,
    } = document;
    // The colour and position of each list the document names, by name
    // ignoring case; values a list could not have are left out.
    let styles: std::collections::HashMap<String, (Option<String>, Option<i64>)> = lists
        .into_iter()
        .filter_map(|list| {
            let name = crate::model::parse_list_name(list.name.as_deref()?).ok()?;
            let color = list
                .color
                .as_deref()
                .and_then(|color| crate::model::parse_color(color).ok());
            let position = list
                .position
                .and_then(|position| crate::model::parse_position(position).ok());
            Some((crate::model::list_name_key(&name), (color, position)))
        })
        .collect();
    let (format, source_prefix) = match shape {
        Shape::Object(tasks) if head.get("format") == Some(&json!(EXPORT_FORMAT)) => {
            match head.get("version").and_then(Value::as_u64) {
                Some(EXPORT_VERSION) => {}
                _ => {
                    return Err(refused(
                        "This export's version is not one this server reads (1)",
                    ));
                }
            }
            if !matches!(
                head.get("exported_at"),
                None | Some(Value::Null | Value::String(_))
            ) {
                return Err(refused("\"exported_at\" is not a string"));
            }
            let email = match head.get("user") {
                None | Some(Value::Null) => String::new(),
                Some(Value::Object(user)) => match user.get("email") {
                    None | Some(Value::Null) => String::new(),
                    Some(Value::String(email)) if email.is_empty() => String::new(),
                    // Checked as registration checks it; every source of
                    // this file starts with it as written (sources stored
                    // by earlier imports of the same file match).
                    Some(Value::String(email)) => match Email::parse(email) {
                        Ok(_) if email.contains('\0') => {
                            return Err(refused_user("holds a NUL character"));
                        }
                        Ok(_) => email.clone(),
                        Err(invalid) => return Err(refused_user(&invalid.msg)),
                    },
                    Some(_) => return Err(refused("\"user\".\"email\" is not a string")),
                },
                Some(_) => return Err(refused("\"user\" is not an object")),
            };
            if tasks != Tasks::List {
                return Err(refused(
                    "A taskd export holds its tasks in a list under \"tasks\"",
                ));
            }
            (ImportFormat::Taskd, own_source_prefix(&email))
        }
        Shape::Array => (ImportFormat::Taskwarrior, "taskwarrior:".to_owned()),
        Shape::Object(_) | Shape::Other => {
            return Err(refused(
                "Not an import: send taskd's export document or the JSON array \
                 Taskwarrior's `task export` writes",
            ));
        }
    };
    if counted > IMPORT_MAX_ENTRIES {
        return Err(refused(&format!(
            "An import takes at most {IMPORT_MAX_ENTRIES} tasks; this one has {counted}: split it"
        )));
    }
    let mut items = Vec::new();
    let mut errors = Vec::new();
    // Every source of the file shares its prefix, held once: the items and
    // the set of keys seen keep what follows it.
    let source_prefix: Arc<str> = Arc::from(source_prefix);
    let mut keys = std::collections::HashSet::new();
    let recurrences = match format {
        ImportFormat::Taskwarrior => taskwarrior::Recurrences::scan(&entries),
        ImportFormat::Taskd => taskwarrior::Recurrences::default(),
    };
    let mut dropped_fields = BTreeMap::new();
    let mut recurring_occurrences = 0;
    // Each entry is dropped once read: the entries and the items they make
    // are not all held at once.
    for (index, entry) in entries.into_iter().enumerate() {
        let read = match format {
            ImportFormat::Taskd => taskd::read(&entry),
            ImportFormat::Taskwarrior => taskwarrior::read(&entry, &recurrences),
        };
        match read {
            Ok(Read::Occurrence) => recurring_occurrences += 1,
            Ok(Read::UnmappedTemplate) => count_dropped(&mut dropped_fields, vec!["recur".into()]),
            // A source the file names twice is imported once.
            Ok(Read::Task(mut read)) => {
                count_dropped(&mut dropped_fields, std::mem::take(&mut read.dropped));
                let style = read
                    .list
                    .as_deref()
                    .and_then(|name| styles.get(&crate::model::list_name_key(name)))
                    .cloned();
                items.push(ImportItem {
                    index,
                    duplicate: !keys.insert(read.key.clone()),
                    task: read.task,
                    source_prefix: source_prefix.clone(),
                    source_key: read.key,
                    created_at: read.created_at,
                    completed_at: read.completed_at,
                    deleted_at: read.deleted_at,
                    list: read.list,
                    parent_key: read.parent,
                    midnight_is_all_day: read.midnight_is_all_day,
                    list_color: style.as_ref().and_then(|style| style.0.clone()),
                    list_position: style.and_then(|style| style.1),
                    history: read.history,
                });
            }
            Err(detail) => errors.push(ImportError { index, detail }),
        }
    }
    Ok(ReadDocument {
        format,
        items,
        errors,
        dropped_fields,
        recurring_occurrences,
    })
}

/// Adds an entry's dropped fields to the counts, at most
/// [`DROPPED_NAMES_MAX`] names.
fn count_dropped(counts: &mut BTreeMap<String, u64>, dropped: Vec<String>) {
    for name in dropped {
        let name = if counts.contains_key(&name) || counts.len() < DROPPED_NAMES_MAX {
            name
        } else {
            OTHER_FIELDS.to_owned()
        };
        *counts.entry(name).or_default() += 1;
    }
}

/// How the tasks of `email`'s export are named as sources: this, then the
/// task's id.
pub fn own_source_prefix(email: &str) -> String {
    format!("taskd:{email}:")
}

/// A document whose `user.email` cannot be an account's, and why.
fn refused_user(why: &str) -> Error {
    Error::Validation(crate::ValidationErrors::single(
        crate::Source::Body,
        "user",
        "value_error",
        format!("\"user\".\"email\" is not an account's address: {why}"),
    ))
}

fn refused(message: &str) -> Error {
    Error::Validation(crate::ValidationErrors::single(
        crate::Source::Body,
        "",
        "value_error",
        message,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dry_run_reads_back_from_its_pairs_and_a_bad_flag_is_refused_at_its_name() {
        let pairs = |text: &str| vec![("dry_run".to_owned(), text.to_owned())];
        let query = ImportQuery { dry_run: true };
        let written: Vec<(String, String)> = query
            .to_pairs()
            .into_iter()
            .map(|(name, value)| (name.to_owned(), value))
            .collect();
        assert_eq!(ImportQuery::from_pairs(&written), Ok(query));
        assert_eq!(ImportQuery::from_pairs(&[]), Ok(ImportQuery::default()));
        let refused = ImportQuery::from_pairs(&pairs("maybe")).expect_err("not a flag");
        assert_eq!(refused.errors()[0].loc, ["query", "dry_run"]);
    }

    #[test]
    fn a_taskwarrior_export_maps_onto_tasks() {
        let document = json!([
            {"uuid": "a-1", "description": "Pay rent", "status": "completed",
             "entry": "20240101T090000Z", "end": "20240102T100000Z", "priority": "H",
             "tags": ["home", "Money"], "due": "20240105T170000Z",
             "annotations": [{"entry": "20240101T090500Z", "description": "bank transfer"},
                             {"entry": "20240101T090600Z", "description": "ref 42"}]},
            {"uuid": "a-2", "description": "Old idea", "status": "deleted", "end": "20231201T000000Z"},
            {"uuid": "a-3", "description": "", "status": "pending"},
            {"description": "no uuid"},
            {"uuid": "a-5", "description": "x", "priority": "Z"}
        ]);
        let ReadDocument {
            format,
            items,
            errors,
            ..
        } = read(&document).expect("a Taskwarrior export");
        assert_eq!(format, ImportFormat::Taskwarrior);
        assert_eq!(items.len(), 2);
        let paid = &items[0];
        assert_eq!(paid.task.title.as_str(), "Pay rent");
        assert_eq!(
            paid.task.description.as_ref().map(|text| text.as_str()),
            Some("bank transfer\nref 42")
        );
        assert!(paid.task.completed);
        assert_eq!(paid.task.priority.map(|p| p.as_str()), Some("high"));
        assert_eq!(paid.task.tags, ["home", "money"]);
        assert_eq!(
            paid.task
                .due
                .and_then(crate::model::Due::at)
                .map(|t| t.to_rfc3339()),
            Some("2024-01-05T17:00:00+00:00".into())
        );
        assert_eq!(paid.origin().source, "taskwarrior:a-1");
        assert_eq!(
            paid.created_at.map(|t| t.to_rfc3339()),
            Some("2024-01-01T09:00:00+00:00".into())
        );
        assert_eq!(
            paid.completed_at.map(|t| t.to_rfc3339()),
            Some("2024-01-02T10:00:00+00:00".into())
        );
        assert!(paid.deleted_at.is_none());
        assert!(items[1].deleted_at.is_some() && !items[1].task.completed);
        let refused: Vec<usize> = errors.iter().map(|error| error.index).collect();
        assert_eq!(refused, [2, 3, 4]);
    }

    #[test]
    fn neither_shape_is_refused_whole() {
        assert!(read(&json!({"tasks": []})).is_err());
        assert!(read(&json!("text")).is_err());
        assert!(read(&json!({"format": "taskd-export", "version": 2, "tasks": []})).is_err());
    }
}
