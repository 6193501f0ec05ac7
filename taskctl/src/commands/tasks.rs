//! Task commands: add, show, edit, done and undone, rm.

use std::time::Duration;

use serde_json::json;
use taskcore::{Priority, ReminderBody, Task, TaskCreate, TaskUpdate};
use taskctl::client::{ClientError, Fetched};
use taskctl::journal::Undo;

use super::devices::{self, Change, Kept, Outcome, guarded};
use super::each::{confirm_ids, for_each_id};
use crate::choices::PriorityOrNone;
use crate::context::{Authed, Context};
use crate::failure::Failure;
use crate::output::done_mark;
use crate::repeating::{self, Every};
use crate::task_args::Scheduling;
use crate::when::{self, Due};

/// `add`'s arguments.
pub(super) struct Adding {
    pub(super) title: String,
    pub(super) description: Option<String>,
    pub(super) due: Option<String>,
    pub(super) priority: Option<Priority>,
    pub(super) tags: Vec<String>,
    pub(super) literal: bool,
    /// A list's name.
    pub(super) list: Option<String>,
    /// Parent, repeat and reminders.
    pub(super) scheduling: Scheduling,
}

pub(super) fn add(context: &Context, adding: Adding) -> Result<(), Failure> {
    let Adding {
        title,
        description,
        due,
        priority,
        mut tags,
        literal,
        list,
        scheduling,
    } = adding;
    let title = title.as_str();
    let (title, title_tags) = if literal {
        (title.to_owned(), Vec::new())
    } else {
        title_tags(title)
    };
    tags.extend(title_tags);
    // A tag given twice (as -t and +word, or in two cases) is one tag.
    let mut seen = std::collections::HashSet::new();
    tags.retain(|tag| seen.insert(tag.trim().to_lowercase()));
    let mut new_task = TaskCreate {
        title,
        description,
        priority: priority.map(|priority| priority.as_str().to_owned()),
        tags,
        ..TaskCreate::default()
    };
    match due.map(|due| parse_due(&due)).transpose()? {
        Some(Due::Date(day)) => new_task.due_date = Some(day.to_string()),
        Some(Due::At(instant)) => new_task.due_at = Some(instant.to_rfc3339()),
        Some(Due::Clear) | None => {}
    }
    if scheduling.after_done && scheduling.every.is_none() {
        return Err(Failure::usage(
            "--after-done goes with --every: say how often it repeats",
        ));
    }
    let planned = scheduled(&scheduling)?;
    if let Some(parent) = planned.parent {
        new_task.parent_id = parent;
    }
    match planned.repeat {
        Some(Some(rule)) => {
            // A repeating task needs a due: today, unless one is given.
            if new_task.due_date.is_none() && new_task.due_at.is_none() {
                let today = when::local_zone().day_of(chrono::Utc::now());
                new_task.due_date = Some(today.to_string());
            }
            new_task.repeat = Some(rule);
        }
        Some(None) => {
            return Err(Failure::usage(
                "--every none is for edit: add repeats only with a rule",
            ));
        }
        None => {}
    }
    new_task.repeat_from = planned.repeat_from;
    new_task.reminders = planned.reminders.unwrap_or_default();
    let client = context.client()?;
    if let Some(name) = list {
        new_task.list_id = Some(super::lists::named(&client, &name)?.id.0);
    }
    let task = create_once(&client, &new_task)?;
    let mut kept = Kept::load(context, &client);
    kept.begin();
    kept.journal.saw([&task.value]);
    kept.journal.record(Undo::Added {
        id: task.value.id.0,
        version: task.value.version,
    });
    kept.save();
    if context.out.json {
        context.out.json(&task.json);
    } else {
        let due = when::due_words(
            task.value.due_date,
            task.value.due_at,
            when::local_zone(),
            chrono::Utc::now(),
        );
        let due = due.map(|due| format!(" — due {due}")).unwrap_or_default();
        context.out.say(&format!(
            "added task {}: {}{due}",
            task.value.id, task.value.title
        ));
    }
    Ok(())
}

/// Words of a title like `+home` taken as tags, Taskwarrior style, when
/// they start with a letter and are valid tags, and other words remain for
/// the title (`+1` stays: a score, not a tag).
fn title_tags(title: &str) -> (String, Vec<String>) {
    let (tagged, words): (Vec<&str>, Vec<&str>) = title.split_whitespace().partition(|word| {
        word.strip_prefix('+').is_some_and(|tag| {
            tag.starts_with(char::is_alphabetic) && taskcore::planning::parse_tag(tag).is_ok()
        })
    });
    if tagged.is_empty() || words.is_empty() {
        return (title.to_owned(), Vec::new());
    }
    let tags = tagged
        .iter()
        .map(|word| word.trim_start_matches('+').to_owned())
        .collect();
    (words.join(" "), tags)
}

fn parse_due(text: &str) -> Result<Due, Failure> {
    when::parse_due(text, when::local_zone(), chrono::Utc::now()).map_err(Failure::usage)
}

pub(super) fn show(context: &Context, id: i64) -> Result<(), Failure> {
    let client = context.client()?;
    let task = match client.call(|client| devices::unless_unauthorized(client.task(id)))? {
        Ok(task) => task,
        // Not found: in the trash, or not at all.
        Err(error @ ClientError::NotFound { .. }) => {
            return Err(match super::trash::find(&client, id) {
                Some(trashed) => super::trash::in_the_trash(&trashed),
                None => Failure::for_task(id, error),
            });
        }
        Err(error) => return Err(Failure::for_task(id, error)),
    };
    let mut kept = Kept::load(context, &client);
    kept.journal.saw([&task.value]);
    kept.save();
    print_task(context, &task);
    if !context.out.json {
        show_around(context, &client, &task.value)?;
    }
    Ok(())
}

/// What `show` adds below a task: how it repeats and its last
/// completions, its reminders and the next one, its subtasks.
fn show_around(context: &Context, client: &Authed<'_>, task: &Task) -> Result<(), Failure> {
    let (zone, now) = (when::local_zone(), chrono::Utc::now());
    if let Some(rule) = &task.repeat {
        let from = match task.repeat_from {
            taskcore::repeat::RepeatFrom::Completion => "counted from when it is done",
            _ => "counted from its due",
        };
        context.out.say(&format!(
            "\nrepeats {}, {from}",
            repeating::rule_words(rule)
        ));
        // A server that cannot list them (an older one) leaves them out.
        let done = client
            .call(|client| Ok(client.completions(task.id.0, 5).ok()))?
            .map(|done| done.value)
            .unwrap_or_default();
        for completion in &done {
            let due = match completion.due {
                taskcore::Due::Date(day) => day.to_string(),
                taskcore::Due::At(at) => zone.format(at, "%Y-%m-%d %H:%M"),
            };
            context.out.say(&format!(
                "  done {} (due {due})",
                zone.format(completion.completed_at, "%Y-%m-%d %H:%M")
            ));
        }
    }
    if !task.reminders.is_empty() {
        let due = match (task.due_date, task.due_at) {
            (_, Some(at)) => Some(at),
            (Some(day), None) => Some(zone.start_of(day)),
            (None, None) => None,
        };
        let words: Vec<String> = task
            .reminders
            .iter()
            .map(|reminder| repeating::reminder_words(reminder, zone))
            .collect();
        context
            .out
            .say(&format!("\nreminders: {}", words.join(", ")));
        let next = task
            .reminders
            .iter()
            .filter_map(|reminder| reminder.rings_at(due))
            .filter(|at| *at > now)
            .min();
        if let Some(next) = next {
            context.out.say(&format!(
                "next reminder: {} ({})",
                zone.format(next, "%Y-%m-%d %H:%M"),
                crate::output::relative(next, now)
            ));
        }
    }
    let query = taskcore::TaskQuery::builder()
        .parent(Some(task.id))
        .build()
        .map_err(|error| Failure::usage(error.to_string()))?;
    let subtasks = client.call(|client| Ok(client.list_tasks(&query)?))?;
    if !subtasks.tasks.is_empty() {
        context
            .out
            .say(&format!("\nsubtasks ({}):", subtasks.total));
        context.out.show(&context.out.tasks(
            &subtasks.tasks,
            None,
            crate::output::TaskColumns::default(),
        ));
    }
    Ok(())
}

/// `edit`'s changes, as given.
pub(super) struct Changes {
    /// Keep the title as typed.
    pub(super) literal: bool,
    pub(super) title: Option<String>,
    pub(super) description: Option<String>,
    pub(super) clear_description: bool,
    pub(super) due: Option<String>,
    pub(super) priority: Option<PriorityOrNone>,
    pub(super) tags: Vec<String>,
    pub(super) untags: Vec<String>,
    /// A list's name to move to.
    pub(super) list: Option<String>,
    /// Parent, repeat and reminders.
    pub(super) scheduling: Scheduling,
}

impl Changes {
    /// Whether no change is given (`edit ID` alone opens the editor).
    pub(super) fn is_empty(&self) -> bool {
        self.title.is_none()
            && self.description.is_none()
            && !self.clear_description
            && self.due.is_none()
            && self.priority.is_none()
            && self.tags.is_empty()
            && self.untags.is_empty()
            && self.list.is_none()
            && self.scheduling.is_empty()
    }
}

/// The patch `edit`'s changes make.
pub(super) fn patch_of(context: &Context, mut changes: Changes) -> Result<TaskUpdate, Failure> {
    // +words in a new title become tags, as with add.
    if let Some(title) = &changes.title
        && !changes.literal
    {
        let (title, tags) = title_tags(title);
        changes.title = Some(title);
        changes.tags.extend(tags);
    }
    let description = if changes.clear_description {
        Some(None)
    } else {
        changes.description.map(Some)
    };
    let mut patch = TaskUpdate {
        title: changes.title,
        description,
        priority: changes
            .priority
            .map(|PriorityOrNone(priority)| priority.map(|priority| priority.as_str().to_owned())),
        add_tags: (!changes.tags.is_empty()).then_some(changes.tags),
        remove_tags: (!changes.untags.is_empty()).then_some(changes.untags),
        ..TaskUpdate::default()
    };
    match changes.due.map(|due| parse_due(&due)).transpose()? {
        Some(Due::Date(day)) => patch.due_date = Some(Some(day.to_string())),
        Some(Due::At(instant)) => patch.due_at = Some(Some(instant.to_rfc3339())),
        Some(Due::Clear) => {
            patch.due_date = Some(None);
            patch.due_at = Some(None);
        }
        None => {}
    }
    if let Some(name) = &changes.list {
        let client = context.client()?;
        patch.list_id = Some(super::lists::named(&client, name)?.id.0);
    }
    let planned = scheduled(&changes.scheduling)?;
    patch.parent_id = planned.parent;
    patch.repeat = planned.repeat;
    patch.repeat_from = planned.repeat_from;
    patch.reminders = planned.reminders;
    if patch.is_empty() {
        return Err(Failure::usage(
            "nothing to change: give --title, --description, --clear-description, --due, \
             --priority, --tag, --untag, --list, --parent, --every, --after-done or --remind",
        ));
    }
    Ok(patch)
}

pub(super) fn edit(context: &Context, id: i64, changes: Changes) -> Result<(), Failure> {
    let patch = patch_of(context, changes)?;
    let client = context.client()?;
    let mut kept = Kept::load(context, &client);
    kept.begin();
    let changed = guarded(&client, &mut kept, id, Change::Patch(&patch));
    kept.save();
    if let Outcome::Made(Some(task)) = changed? {
        print_task(context, &task);
    }
    Ok(())
}

/// `edit --where`: the same change to each of `ids`, a line for each.
pub(super) fn edit_many(context: &Context, ids: &[i64], patch: &TaskUpdate) -> Result<(), Failure> {
    let client = context.client()?;
    let mut kept = Kept::load(context, &client);
    kept.begin();
    let result = for_each_id(context, ids, |id| {
        let Outcome::Made(Some(task)) = guarded(&client, &mut kept, id, Change::Patch(patch))?
        else {
            return Ok(None);
        };
        context
            .out
            .say(&format!("changed {}: {}", task.value.id, task.value.title));
        Ok(Some(task.json))
    });
    kept.save();
    result
}

/// Creates a task with an idempotency key; a create that timed out, lost
/// its connection or met its own first attempt still in progress is sent
/// again with the same key, at most twice, so it is never made twice.
fn create_once(client: &Authed<'_>, new_task: &TaskCreate) -> Result<Fetched<Task>, Failure> {
    const RETRIES: u32 = 2;
    let key = uuid::Uuid::new_v4().to_string();
    let mut retries = 0;
    loop {
        match client
            .call(|client| devices::unless_unauthorized(client.create_task_once(new_task, &key)))
        {
            Ok(Ok(task)) => return Ok(task),
            Ok(Err(error)) if retries < RETRIES && retryable(&error) => {
                retries += 1;
                eprintln!("taskctl: {error}; sending the task again ({retries} of {RETRIES})");
                if matches!(error, ClientError::Refused { status: 409, .. }) {
                    std::thread::sleep(Duration::from_secs(1));
                }
            }
            Ok(Err(error)) => return Err(error.into()),
            Err(failure) => return Err(failure),
        }
    }
}

/// Whether a create may not have been answered: no answer, or its first
/// attempt still in progress.
fn retryable(error: &ClientError) -> bool {
    matches!(
        error,
        ClientError::Unreachable { .. } | ClientError::Refused { status: 409, .. }
    )
}

/// What `--parent`, `--every`, `--after-done`, `--until`, `--times` and
/// `--remind` ask for, as body fields: each `None` when not given.
struct Planned {
    parent: Option<Option<i64>>,
    repeat: Option<Option<String>>,
    repeat_from: Option<String>,
    reminders: Option<Vec<ReminderBody>>,
}

fn scheduled(scheduling: &Scheduling) -> Result<Planned, Failure> {
    let (zone, now) = (when::local_zone(), chrono::Utc::now());
    let parent = match scheduling.parent.as_deref().map(str::trim) {
        None => None,
        Some("none") => Some(None),
        Some(id) => Some(Some(
            id.parse::<i64>()
                .ok()
                .filter(|id| *id >= 1)
                .ok_or_else(|| {
                    Failure::usage(format!("--parent {id:?}: give a task id, or none"))
                })?,
        )),
    };
    let repeat = match scheduling.every.as_deref().map(repeating::parse_every) {
        None => None,
        Some(Err(message)) => return Err(Failure::usage(message)),
        Some(Ok(Every::Never)) => Some(None),
        Some(Ok(Every::Rule(rule))) => {
            let rule = repeating::with_end(
                rule,
                scheduling.until.as_deref(),
                scheduling.times,
                zone,
                now,
            )
            .map_err(Failure::usage)?;
            Some(Some(rule.to_string()))
        }
    };
    // From the completion with --after-done; else as the task had it (a
    // new task: from its due).
    let repeat_from = scheduling.after_done.then(|| "completion".to_owned());
    let reminders = match scheduling.reminders.as_slice() {
        [] => None,
        [none] if none.trim() == "none" => Some(Vec::new()),
        typed => Some(
            typed
                .iter()
                .map(|text| {
                    repeating::parse_reminder(text, zone, now)
                        .map(|reminder| ReminderBody::from(&reminder))
                        .map_err(Failure::usage)
                })
                .collect::<Result<_, _>>()?,
        ),
    };
    Ok(Planned {
        parent,
        repeat,
        repeat_from,
        reminders,
    })
}

/// One task in full, or the API's JSON for it.
fn print_task(context: &Context, task: &Fetched<Task>) {
    if context.out.json {
        context.out.json(&task.json);
    } else {
        context.out.show(&context.out.task(&task.value));
    }
}

pub(super) fn set_completed(
    context: &Context,
    ids: &[i64],
    completed: bool,
) -> Result<(), Failure> {
    let client = context.client()?;
    let patch = TaskUpdate {
        completed: Some(completed),
        ..TaskUpdate::default()
    };
    let mut kept = Kept::load(context, &client);
    kept.begin();
    let result = for_each_id(context, ids, |id| {
        let Outcome::Made(Some(task)) = guarded(&client, &mut kept, id, Change::Patch(&patch))?
        else {
            return Ok(None);
        };
        let verb = if completed { "done" } else { "reopened" };
        // A repeating task done moves to its next due and stays open.
        let next = match (&task.value.repeat, completed && !task.value.completed) {
            (Some(_), true) => when::due_words(
                task.value.due_date,
                task.value.due_at,
                when::local_zone(),
                chrono::Utc::now(),
            )
            .map(|due| format!(" — repeats, next due {due}"))
            .unwrap_or_default(),
            _ => String::new(),
        };
        context.out.say(&format!(
            "{} {} {}: {}{next}",
            done_mark(completed),
            verb,
            task.value.id,
            task.value.title
        ));
        Ok(Some(task.json))
    });
    kept.save();
    result
}

pub(super) fn remove(context: &Context, ids: &[i64], yes: bool) -> Result<(), Failure> {
    let client = context.client()?;
    confirm_ids(ids, yes, "delete", "", "cancelled; nothing was deleted")?;
    let mut kept = Kept::load(context, &client);
    kept.begin();
    let result = for_each_id(context, ids, |id| {
        if let Outcome::KeptTheirs = guarded(&client, &mut kept, id, Change::Delete)? {
            return Ok(None);
        }
        context.out.say(&format!(
            "deleted task {id} (taskctl undo, or restore {id}, brings it back)"
        ));
        Ok(Some(json!({ "id": id, "deleted": true })))
    });
    kept.save();
    result
}
