//! `edit ID` with no changes given: the task as a short text form in the
//! user's editor ($VISUAL, else $EDITOR, else vi on a terminal); what was
//! changed in it is sent as one guarded change (`If-Match`), with the same
//! mine-or-theirs choice on a conflict as any edit.

use std::collections::BTreeSet;
use std::io::IsTerminal;
use std::os::fd::AsFd;
use std::process::Command;

use chrono::{DateTime, Utc};
use taskcore::model::{Reminder, normalise_reminders};
use taskcore::planning::parse_tag;
use taskcore::repeat::RepeatFrom;
use taskcore::wire::ReminderBody;
use taskcore::{Priority, Task, TaskList, TaskUpdate, Zone};

use super::devices::{Change, Kept, Outcome, guarded};
use crate::choices::PriorityParser;
use crate::context::Context;
use crate::failure::{Failure, exit};
use crate::fit::one_line;
use crate::prompt;
use crate::repeating::{self, Every};
use crate::when::{self, Due};

/// The editor to run, when there is a terminal to run it on: $VISUAL,
/// else $EDITOR, else vi.
fn editor() -> Option<String> {
    if !std::io::stdin().is_terminal() {
        return None;
    }
    ["VISUAL", "EDITOR"]
        .iter()
        .filter_map(std::env::var_os)
        .map(|value| value.to_string_lossy().trim().to_owned())
        .find(|value| !value.is_empty())
        .or_else(|| Some("vi".to_owned()))
}

/// `edit ID` in the editor.
pub(super) fn edit_in_editor(context: &Context, id: i64) -> Result<(), Failure> {
    let Some(editor) = editor() else {
        return Err(Failure::usage(
            "nothing to change: give --title, --description, --clear-description, --due, \
             --priority, --tag or --untag (on a terminal, edit ID alone opens the task \
             in $EDITOR)",
        ));
    };
    let client = context.client()?;
    let task = client
        .call(|client| {
            client
                .task(id)
                .map_err(|error| Failure::for_task(id, error))
        })?
        .value;
    // The change is guarded by the version the form shows.
    let mut kept = Kept::load(context, &client);
    kept.journal.saw([&task]);
    kept.save();
    let zone = when::local_zone();
    let lists = client.call(|client| Ok(client.lists()?))?.value;
    let original = write_form(&task, zone, &lists);
    let mut text = original.clone();
    let patch = loop {
        text = run_editor(&editor, id, &text)?;
        if text.trim().is_empty() || text == original {
            context.out.say(&format!("task {id} is unchanged"));
            return Ok(());
        }
        match read_form(&text, &task, zone, Utc::now(), &lists) {
            Ok(patch) if patch.is_empty() => {
                context.out.say(&format!("task {id} is unchanged"));
                return Ok(());
            }
            Ok(patch) => break patch,
            Err(message) => {
                eprintln!("taskctl: {message}");
                if !std::io::stdin().is_terminal() || !prompt::confirm("edit it again?")? {
                    return Err(Failure::new(exit::USAGE, format!("task {id} is unchanged")));
                }
            }
        }
    };
    let mut kept = Kept::load(context, &client);
    // Guarded by the version the form showed, whatever was seen meanwhile.
    kept.journal.saw([&task]);
    kept.begin();
    let changed = guarded(&client, &mut kept, id, Change::Patch(&patch));
    kept.save();
    if let Outcome::Made(Some(task)) = changed? {
        if context.out.json {
            context.out.json(&task.json);
        } else {
            context.out.show(&context.out.task(&task.value));
        }
    }
    Ok(())
}

/// Writes `text` to a file, runs the editor on it and reads it back.
fn run_editor(editor: &str, id: i64, text: &str) -> Result<String, Failure> {
    let io = |action: &str, error: std::io::Error| {
        Failure::new(exit::REFUSED, format!("cannot {action}: {error}"))
    };
    let file = tempfile::Builder::new()
        .prefix(&format!("taskctl-task-{id}-"))
        .suffix(".txt")
        .tempfile()
        .map_err(|error| io("make a file to edit", error))?;
    std::fs::write(file.path(), text).map_err(|error| io("write the file to edit", error))?;
    // Through the shell, so that an editor with arguments (code --wait) runs.
    let mut command = Command::new("sh");
    command
        .arg("-c")
        .arg(format!("{editor} \"$1\""))
        .arg("taskctl-editor")
        .arg(file.path());
    // The editor draws on the terminal, never into a pipe (--json > file).
    if !std::io::stdout().is_terminal()
        && let Ok(terminal) = std::io::stderr().as_fd().try_clone_to_owned()
    {
        command.stdout(std::process::Stdio::from(terminal));
    }
    let status = command
        .status()
        .map_err(|error| io(&format!("run the editor '{editor}'"), error))?;
    if !status.success() {
        return Err(Failure::new(
            exit::REFUSED,
            format!("the editor '{editor}' failed ({status}); task {id} is unchanged"),
        ));
    }
    std::fs::read_to_string(file.path()).map_err(|error| io("read the edited file", error))
}

/// The due as the form writes it: a day, or a day and a time in `zone`.
fn due_text(task: &Task, zone: Zone) -> String {
    match (task.due_date, task.due_at) {
        (Some(day), _) => day.to_string(),
        (None, Some(instant)) => zone.format(instant, "%Y-%m-%d %H:%M"),
        (None, None) => "none".to_owned(),
    }
}

/// How the task repeats, as the form writes it: its rule, or none.
fn repeat_text(task: &Task) -> String {
    task.repeat
        .as_ref()
        .map_or_else(|| "none".to_owned(), ToString::to_string)
}

/// Where the next due is counted from, as the form writes it.
fn repeat_from_text(task: &Task) -> &'static str {
    match task.repeat_from {
        RepeatFrom::Completion => "done",
        _ => "due",
    }
}

/// An error of the reader a form's line shares with a flag (`--every`),
/// said of the line (`repeat`).
fn on_line(line: &str, flag: &str, message: &str) -> String {
    let said = message.strip_prefix(flag).map_or(message, |rest| {
        rest.strip_prefix(':').unwrap_or(rest).trim_start()
    });
    format!("{line}: {said}")
}

/// The reminders as the form writes them, each as `--remind` takes it: a
/// lead (`15m`, `2d`) or a moment in `zone`; commas between; or none.
fn reminders_text(task: &Task, zone: Zone) -> String {
    if task.reminders.is_empty() {
        return "none".to_owned();
    }
    let written: Vec<String> = task
        .reminders
        .iter()
        .map(|reminder| match reminder {
            Reminder::Before(lead) => {
                // In units, largest first (`1d2h`), as --remind reads them.
                let mut rest = lead.seconds();
                let mut text = String::new();
                for (size, unit) in [
                    (604_800, 'w'),
                    (86_400, 'd'),
                    (3_600, 'h'),
                    (60, 'm'),
                    (1, 's'),
                ] {
                    if rest >= size {
                        text.push_str(&(rest / size).to_string());
                        text.push(unit);
                        rest %= size;
                    }
                }
                if text.is_empty() {
                    "0m".to_owned()
                } else {
                    text
                }
            }
            Reminder::At(at) => zone.format(*at, "%Y-%m-%d %H:%M"),
        })
        .collect();
    written.join(", ")
}

/// The task as a form.
pub fn write_form(task: &Task, zone: Zone, lists: &[TaskList]) -> String {
    let priority = task.priority.map_or("none", Priority::as_str);
    let list = lists
        .iter()
        .find(|list| list.id == task.list_id)
        .map_or(String::new(), |list| one_line(&list.name));
    let names: Vec<String> = lists.iter().map(|list| one_line(&list.name)).collect();
    format!(
        "# Task {id}: change what you like, save and close. A file left as it was,\n\
         # or emptied, changes nothing. Lines starting with # are left out;\n\
         # everything after description: is the description.\n\
         # due: YYYY-MM-DD (all day), YYYY-MM-DD HH:MM ({zone}), fri 17:00, +3d … or none\n\
         # priority: high, medium, low (h, m, l) or none · tags: words, a space between\n\
         # list: one of {names}\n\
         # repeat: day, 3 days, week, mon,wed, month, month on the 15th, FREQ=… or none\n\
         # repeat from: due, or done (the next due counted from the day it is done)\n\
         # remind: 15m, 1h, 1d, 1w before the due, or YYYY-MM-DD HH:MM; commas between; or none\n\
         title: {title}\n\
         list: {list}\n\
         due: {due}\n\
         priority: {priority}\n\
         tags: {tags}\n\
         repeat: {repeat}\n\
         repeat from: {repeat_from}\n\
         remind: {remind}\n\
         description:\n\
         {description}\n",
        id = task.id.0,
        zone = zone.name(),
        title = one_line(&task.title),
        due = due_text(task, zone),
        repeat = repeat_text(task),
        repeat_from = repeat_from_text(task),
        remind = reminders_text(task, zone),
        tags = task.tags.join(" "),
        names = names.join(", "),
        description = task.description.as_deref().unwrap_or_default(),
    )
}

/// What the form says to change in `task`: only the fields changed in it.
pub fn read_form(
    text: &str,
    task: &Task,
    zone: Zone,
    now: DateTime<Utc>,
    lists: &[TaskList],
) -> Result<TaskUpdate, String> {
    let text = text.replace("\r\n", "\n");
    let mut fields: Vec<(&str, &str)> = Vec::new();
    let mut description: Option<String> = None;
    let mut lines = text.lines();
    while let Some(line) = lines.next() {
        if line.trim_start().starts_with('#') || line.trim().is_empty() {
            continue;
        }
        let Some((name, value)) = line.split_once(':') else {
            return Err(format!(
                "'{}' is not a field; write NAME: VALUE (title, list, due, priority, tags, \
                 repeat, repeat from, remind, description)",
                line.trim()
            ));
        };
        let name = name.trim();
        if name.eq_ignore_ascii_case("description") {
            // The rest of the file, as written.
            let first = value.trim();
            let rest: Vec<&str> = lines.by_ref().collect();
            let mut all = if first.is_empty() {
                Vec::new()
            } else {
                vec![first]
            };
            all.extend(rest);
            description = Some(all.join("\n").trim().to_owned());
            break;
        }
        fields.push((name, value.trim()));
    }
    let mut patch = TaskUpdate::default();
    for (name, value) in fields {
        match name.to_lowercase().as_str() {
            "title" if value.is_empty() => return Err("a task needs a title".to_owned()),
            // The form shows a title of several lines on one.
            "title" if value != one_line(&task.title) => patch.title = Some(value.to_owned()),
            "title" => {}
            "due" if value == due_text(task, zone) => {}
            "due" if value.is_empty() && task.due_date.is_none() && task.due_at.is_none() => {}
            "due" => {
                match when::parse_due(if value.is_empty() { "none" } else { value }, zone, now)? {
                    Due::Date(day) => {
                        patch.due_date = Some(Some(day.to_string()));
                        patch.due_at = task.due_at.map(|_| None);
                    }
                    Due::At(instant) => {
                        patch.due_at = Some(Some(instant.to_rfc3339()));
                        patch.due_date = task.due_date.map(|_| None);
                    }
                    Due::Clear => {
                        patch.due_date = Some(None);
                        patch.due_at = Some(None);
                    }
                }
            }
            "priority" => {
                let typed = if value.is_empty() { "none" } else { value };
                let priority = PriorityParser::<true>::read(typed).ok_or_else(|| {
                    format!("'{value}' is not a priority: high, medium, low (h, m, l) or none")
                })?;
                if priority != task.priority {
                    patch.priority = Some(priority.map(|priority| priority.as_str().to_owned()));
                }
            }
            "tags" => {
                let wanted = value
                    .split_whitespace()
                    .map(|tag| {
                        parse_tag(tag.trim_start_matches('+'))
                            .map_err(|invalid| format!("'{tag}' is not a tag: {}", invalid.msg))
                    })
                    .collect::<Result<BTreeSet<String>, String>>()?;
                let had: BTreeSet<String> = task.tags.iter().cloned().collect();
                let added: Vec<String> = wanted.difference(&had).cloned().collect();
                let removed: Vec<String> = had.difference(&wanted).cloned().collect();
                patch.add_tags = (!added.is_empty()).then_some(added);
                patch.remove_tags = (!removed.is_empty()).then_some(removed);
            }
            "list" => {
                let wanted = value.to_lowercase();
                let current = lists.iter().find(|list| list.id == task.list_id);
                let unchanged = value.is_empty()
                    || current.is_some_and(|list| one_line(&list.name).to_lowercase() == wanted);
                if !unchanged {
                    let list = lists
                        .iter()
                        .find(|list| one_line(&list.name).to_lowercase() == wanted)
                        .ok_or_else(|| {
                            let names: Vec<&str> =
                                lists.iter().map(|list| list.name.as_str()).collect();
                            format!("no list named '{value}'; your lists: {}", names.join(", "))
                        })?;
                    patch.list_id = Some(list.id.0);
                }
            }
            "repeat" if value == repeat_text(task) => {}
            "repeat" => {
                let typed = if value.is_empty() { "none" } else { value };
                let every = repeating::parse_every(typed)
                    .map_err(|message| on_line("repeat", "--every", &message))?;
                match every {
                    Every::Never if task.repeat.is_none() => {}
                    Every::Never => patch.repeat = Some(None),
                    Every::Rule(rule) if task.repeat.as_ref() == Some(&rule) => {}
                    Every::Rule(rule) => patch.repeat = Some(Some(rule.to_string())),
                }
            }
            "repeat from" if value == repeat_from_text(task) => {}
            "repeat from" => {
                let from = match value.to_lowercase().as_str() {
                    "due" => RepeatFrom::Due,
                    "done" | "completion" => RepeatFrom::Completion,
                    _ => {
                        return Err(format!(
                            "repeat from: '{value}' is not where a repeat counts from: due or done"
                        ));
                    }
                };
                if from != task.repeat_from {
                    patch.repeat_from = Some(from.as_str().to_owned());
                }
            }
            "remind" if value == reminders_text(task, zone) => {}
            "remind" => {
                let wanted = match value.trim().to_lowercase().as_str() {
                    "" | "none" => Vec::new(),
                    listed => listed
                        .split(',')
                        .map(|typed| {
                            repeating::parse_reminder(typed, zone, now)
                                .map_err(|message| on_line("remind", "--remind", &message))
                        })
                        .collect::<Result<Vec<Reminder>, String>>()?,
                };
                if normalise_reminders(wanted.clone()) != task.reminders {
                    patch.reminders = Some(wanted.iter().map(ReminderBody::from).collect());
                }
            }
            other => {
                return Err(format!(
                    "'{other}' is not a field of the form \
                     (title, list, due, priority, tags, repeat, repeat from, remind, description)"
                ));
            }
        }
    }
    if let Some(description) = description {
        let had = task
            .description
            .as_deref()
            .unwrap_or_default()
            .replace("\r\n", "\n");
        if description != had.trim() {
            patch.description = Some((!description.is_empty()).then_some(description));
        }
    }
    Ok(patch)
}

#[cfg(test)]
mod tests;
