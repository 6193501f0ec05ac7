//! Taskwarrior's `task export`: each entry as a task, a recurring template
//! as one repeating task (its generated occurrences left out), and every
//! field that has no home here named, not silently lost.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDateTime, Utc};
use serde_json::{Map, Value, json};

use super::entry::{Entry, Read, checked, in_stored_years, list_name};
use crate::repeat::{RepeatEnd, RepeatRule, Until, from_taskwarrior as rule_of};

/// Fields read into the task, or bookkeeping Taskwarrior derives (the
/// working-set number, urgency, the recurrence masks): never reported.
const READ: &[&str] = &[
    "uuid",
    "description",
    "status",
    "entry",
    "end",
    "due",
    "priority",
    "project",
    "tags",
    "annotations",
    "recur",
    "parent",
    "imask",
    "mask",
    "rtype",
    "modified",
    "urgency",
    "id",
];
/// The longest field name a report repeats.
const NAME_MAX_CHARS: usize = 64;

/// What the whole file says about recurrence: each recurring template's
/// rule (when it maps onto one) and the due of its earliest pending
/// occurrence, the one to do next.
#[derive(Debug, Default)]
pub(super) struct Recurrences {
    templates: HashMap<String, Template>,
}

#[derive(Debug)]
struct Template {
    rule: Option<RepeatRule>,
    next_due: Option<DateTime<Utc>>,
    /// Whether the file holds any of its occurrences.
    has_occurrences: bool,
}

impl Recurrences {
    /// A first look at the entries, before any is read.
    pub(super) fn scan(entries: &[Value]) -> Self {
        let mut templates: HashMap<String, Template> = HashMap::new();
        for entry in entries {
            let status = entry.get("status").and_then(Value::as_str);
            if status != Some("recurring") {
                continue;
            }
            if let Some(uuid) = entry.get("uuid").and_then(Value::as_str) {
                let rule = template_rule(entry);
                templates.insert(
                    uuid.to_owned(),
                    Template {
                        rule,
                        next_due: None,
                        has_occurrences: false,
                    },
                );
            }
        }
        for entry in entries {
            let pending = matches!(
                entry.get("status").and_then(Value::as_str),
                Some("pending" | "waiting")
            );
            let parent = entry.get("parent").and_then(Value::as_str);
            let due = entry.get("due").and_then(taskwarrior_time);
            if let Some(template) = parent.and_then(|parent| templates.get_mut(parent)) {
                template.has_occurrences = true;
                if let (true, Some(due)) = (pending, due) {
                    template.next_due = Some(template.next_due.map_or(due, |next| next.min(due)));
                }
            }
        }
        Self { templates }
    }

    /// Whether an entry is an occurrence of a template imported as a
    /// repeating task.
    fn is_occurrence(&self, object: &Map<String, Value>) -> bool {
        object
            .get("parent")
            .and_then(Value::as_str)
            .and_then(|parent| self.templates.get(parent))
            .is_some_and(|template| template.rule.is_some())
    }

    /// Whether an entry is a template whose `recur` maps onto no rule and
    /// whose occurrences the file holds: they come in as tasks of their
    /// own, and it does not.
    fn is_unmapped_template(&self, uuid: &str) -> bool {
        self.templates
            .get(uuid)
            .is_some_and(|template| template.rule.is_none() && template.has_occurrences)
    }
}

/// The rule of a recurring template: its `recur`, ending at its `until`.
fn template_rule(entry: &Value) -> Option<RepeatRule> {
    let rule = rule_of(entry.get("recur")?.as_str()?)?;
    Some(match entry.get("until").and_then(taskwarrior_time) {
        Some(until) => rule.with_end(Some(RepeatEnd::Until(Until::At(until)))),
        None => rule,
    })
}

/// Taskwarrior's timestamps: `20240131T120000Z` (or RFC 3339).
pub(super) fn taskwarrior_time(value: &Value) -> Option<DateTime<Utc>> {
    let text = value.as_str()?;
    NaiveDateTime::parse_from_str(text, "%Y%m%dT%H%M%SZ")
        .map(|time| time.and_utc())
        .ok()
        .or_else(|| {
            DateTime::parse_from_rfc3339(text)
                .ok()
                .map(|time| time.with_timezone(&Utc))
        })
}

/// One entry of a Taskwarrior export.
pub(super) fn read(entry: &Value, recurrences: &Recurrences) -> Result<Read, Value> {
    let Some(object) = entry.as_object() else {
        return Err(json!("Not a task object"));
    };
    let uuid = object
        .get("uuid")
        .and_then(Value::as_str)
        .filter(|uuid| !uuid.is_empty() && uuid.len() <= 100)
        .ok_or_else(|| json!("A task without a uuid"))?;
    if uuid.contains('\0') {
        return Err(json!(
            "uuid holds a NUL character (\\u0000), which cannot be stored"
        ));
    }
    if recurrences.is_occurrence(object) {
        return Ok(Read::Occurrence);
    }
    if recurrences.is_unmapped_template(uuid) {
        return Ok(Read::UnmappedTemplate);
    }
    let time = |name: &str| -> Result<Option<DateTime<Utc>>, Value> {
        match object.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(value) => match taskwarrior_time(value) {
                Some(time) => in_stored_years(name, time).map(Some),
                None => Err(json!(format!(
                    "{name} is not a Taskwarrior date (20240131T120000Z)"
                ))),
            },
        }
    };
    let status = object
        .get("status")
        .and_then(Value::as_str)
        .unwrap_or("pending");
    let (completed, deleted) = match status {
        "pending" | "waiting" | "recurring" => (false, false),
        "completed" => (true, false),
        "deleted" => (false, true),
        other => return Err(json!(format!("Unknown status {other:?}"))),
    };
    let mut dropped = Vec::new();
    let mut body = Map::new();
    // Taskwarrior's identity for the task is its UID here.
    body.insert("uid".into(), json!(uuid));
    body.insert(
        "title".into(),
        object.get("description").cloned().unwrap_or(Value::Null),
    );
    if let Some(annotations) = object.get("annotations").and_then(Value::as_array) {
        let notes: Vec<&str> = annotations
            .iter()
            .filter_map(|note| note.get("description").and_then(Value::as_str))
            .collect();
        if !notes.is_empty() {
            body.insert("description".into(), json!(notes.join("\n")));
        }
    }
    body.insert("completed".into(), json!(completed));
    if let Some(priority) = object.get("priority") {
        // Taskwarrior writes the letters taskd's tables show.
        let priority = crate::planning::Priority::ALL
            .into_iter()
            .find(|known| priority.as_str() == Some(known.letter().encode_utf8(&mut [0; 4])))
            .ok_or_else(|| json!("priority is not H, M or L"))?;
        body.insert("priority".into(), json!(priority.as_str()));
    }
    // A template is due when its next occurrence is.
    let template = recurrences.templates.get(uuid);
    let due = match template.and_then(|template| template.next_due) {
        Some(next) => Some(in_stored_years("due", next)?),
        None => time("due")?,
    };
    if let Some(due) = due {
        body.insert(
            "due_at".into(),
            json!(due.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)),
        );
    }
    // A template, or a task repeating on its own, repeats here; an
    // occurrence whose template is not imported as one stays a task.
    let own_rule = match template {
        Some(template) => template.rule.clone(),
        None if object.contains_key("parent") => None,
        None => object
            .get("recur")
            .and_then(Value::as_str)
            .and_then(rule_of),
    };
    match own_rule {
        Some(rule) if due.is_some() => {
            body.insert("repeat".into(), json!(rule.to_string()));
        }
        _ if object.contains_key("recur") => dropped.push("recur".to_owned()),
        _ => {}
    }
    if object.contains_key("until") && template.is_none() {
        dropped.push("until".to_owned());
    }
    if let Some(tags) = object.get("tags") {
        body.insert("tags".into(), tags.clone());
    }
    for name in object.keys() {
        if !READ.contains(&name.as_str()) && name != "until" {
            dropped.push(name.chars().take(NAME_MAX_CHARS).collect());
        }
    }
    let task = checked(&Value::Object(body))?;
    let end = time("end")?;
    Ok(Read::Task(Box::new(Entry {
        task,
        list: list_name(object, "project")?,
        parent: None,
        key: uuid.to_owned(),
        created_at: time("entry")?,
        completed_at: if completed { end } else { None },
        deleted_at: deleted.then(|| end.unwrap_or_else(Utc::now)),
        midnight_is_all_day: true,
        dropped,
        history: Default::default(),
    })))
}
