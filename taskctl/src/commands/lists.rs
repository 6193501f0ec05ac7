//! `taskctl lists`: your lists, named as people name them (in any case),
//! and the `--list NAME` of add, edit and list.

use comfy_table::Color;
use serde_json::{Value, json};
use taskcore::{ListCreate, ListUpdate, TaskList};

use crate::context::{Authed, Context};
use crate::failure::{Failure, exit};
use crate::list_args::ListsCommand;
use crate::output::tasks_counted;

/// Your lists, as the server orders them.
fn fetch(client: &Authed<'_>) -> Result<(Vec<TaskList>, Value), Failure> {
    let lists = client.call(|client| Ok(client.lists()?))?;
    Ok((lists.value, lists.json))
}

/// The list called `name` (trimmed, in any case); an unknown name is a
/// usage error naming the lists there are.
pub(super) fn named(client: &Authed<'_>, name: &str) -> Result<TaskList, Failure> {
    let (lists, _) = fetch(client)?;
    let wanted = name.trim().to_lowercase();
    if let Some(list) = lists.iter().find(|list| list.name.to_lowercase() == wanted) {
        return Ok(list.clone());
    }
    let names: Vec<String> = lists.iter().map(|list| list.name.clone()).collect();
    Err(Failure::usage(format!(
        "no list named '{}'; your lists: {} (taskctl lists add NAME makes one)",
        name.trim(),
        names.join(", ")
    )))
}

pub(super) fn lists(context: &Context, action: Option<ListsCommand>) -> Result<(), Failure> {
    let client = context.client()?;
    let Some(action) = action else {
        return show(context, &client);
    };
    let said = match action {
        ListsCommand::Add { name, color } => {
            let body = ListCreate {
                name,
                color,
                position: None,
            };
            let made = client.call(|client| Ok(client.create_list(&body)?))?;
            print(context, &made.json);
            format!("made the list {}", made.value.name)
        }
        ListsCommand::Rename { old, new } => {
            let list = named(&client, &old)?;
            let patch = ListUpdate {
                name: Some(new),
                ..ListUpdate::default()
            };
            let renamed =
                client.call(|client| Ok(client.update_list(list.id.0, list.version, &patch)?))?;
            print(context, &renamed.json);
            format!("renamed {} to {}", list.name, renamed.value.name)
        }
        ListsCommand::Default { name } => {
            let list = named(&client, &name)?;
            let patch = ListUpdate {
                is_default: Some(true),
                ..ListUpdate::default()
            };
            let made =
                client.call(|client| Ok(client.update_list(list.id.0, list.version, &patch)?))?;
            print(context, &made.json);
            format!(
                "{} is your default list: new tasks go there",
                made.value.name
            )
        }
        ListsCommand::Rm { name, trash_tasks } => {
            let list = named(&client, &name)?;
            if list.total > 0 && !trash_tasks {
                return Err(Failure::new(
                    exit::REFUSED,
                    format!(
                        "the list {} has {}; move them, or run: taskctl lists rm \"{}\" \
                         --trash-tasks (they go to the trash with it)",
                        list.name,
                        tasks_counted(list.total),
                        list.name
                    ),
                ));
            }
            client
                .call(|client| Ok(client.delete_list(list.id.0, list.version, trash_tasks)?))?;
            print(context, &json!({"id": list.id.0, "deleted": true}));
            if list.total > 0 {
                format!(
                    "deleted the list {}; its {} went to the trash",
                    list.name,
                    tasks_counted(list.total)
                )
            } else {
                format!("deleted the list {}", list.name)
            }
        }
    };
    context.out.say(&said);
    Ok(())
}

fn print(context: &Context, json: &Value) {
    if context.out.json {
        context.out.json(json);
    }
}

/// The lists as a table: name (the default marked), a swatch of its
/// colour on a colour terminal, open and total tasks.
fn show(context: &Context, client: &Authed<'_>) -> Result<(), Failure> {
    let (lists, json) = fetch(client)?;
    if context.out.json {
        context.out.json(&json);
        return Ok(());
    }
    let rows: Vec<(Vec<String>, Option<Color>)> = lists
        .iter()
        .map(|list| {
            let name = if list.is_default {
                format!("{} (default)", list.name)
            } else {
                list.name.clone()
            };
            let color = list.color.as_deref().and_then(rgb);
            let swatch = match (&list.color, color.is_some() && context.out.styled) {
                (Some(_), true) => "●".to_owned(),
                (Some(code), false) => code.clone(),
                (None, _) => String::new(),
            };
            (
                vec![name, swatch, list.open.to_string(), list.total.to_string()],
                color.filter(|_| context.out.styled),
            )
        })
        .collect();
    context.out.show(&context.out.lists(&rows));
    Ok(())
}

/// `#RRGGBB` as a terminal colour.
fn rgb(code: &str) -> Option<Color> {
    let hex = code.strip_prefix('#')?;
    let part = |range: std::ops::Range<usize>| u8::from_str_radix(hex.get(range)?, 16).ok();
    Some(Color::Rgb {
        r: part(0..2)?,
        g: part(2..4)?,
        b: part(4..6)?,
    })
}
