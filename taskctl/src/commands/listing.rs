//! Listing commands: list, next, tags.

use std::io::{IsTerminal, Write};

use serde_json::{Value, json};
use taskcore::planning::NO_PRIORITY;
use taskcore::{ErrorBody, Priority, Task, TaskQuery, ValidationDetail};

use super::devices::Kept;
use crate::choices::PriorityOrNone;
use crate::cli::ListFilters;
use crate::context::{Authed, Context};
use crate::failure::{Failure, exit};
use crate::output::{TaskColumns, showing};
use crate::when;

/// Page size of `list`.
const LIST_PAGE_SIZE: u32 = 20;
/// Page size of `list --all`: the server's largest.
const ALL_PAGE_SIZE: u32 = 200;
/// Most tasks `list --all` gathers: a server that claims more, or never
/// stops sending pages, cannot make taskctl grow without bound.
const ALL_MAX_TASKS: usize = 50_000;
/// Most pages `list --all` asks for: a server that sends a task or two a
/// page cannot make it ask for ever.
const ALL_MAX_PAGES: usize = 500;

impl ListFilters {
    /// The listing's query string as the filters give it (days read
    /// locally, in the local zone), on a page of `limit` tasks after `skip`.
    fn pairs(&self, skip: u64, limit: u32) -> Result<Vec<(String, String)>, Failure> {
        let Self {
            words,
            open: _,
            done: _,
            any,
            tags,
            priorities,
            due,
            before,
            after,
            list: _,
            since,
            until,
            search,
            sort,
        } = self;
        let mut pairs: Vec<(&str, String)> = Vec::new();
        // Open tasks unless asked otherwise; a completion day means done ones.
        if self.completed_only() {
            pairs.push(("completed", "true".to_owned()));
        } else if !*any {
            pairs.push(("completed", "false".to_owned()));
        }
        for tag in tags {
            pairs.push(("tag", tag.clone()));
        }
        for PriorityOrNone(priority) in priorities {
            let name = priority.map_or(NO_PRIORITY, Priority::as_str);
            pairs.push(("priority", name.to_owned()));
        }
        if let Some(due) = due {
            pairs.push(("due", due.as_str().to_owned()));
        }
        let zone = when::local_zone();
        let now = chrono::Utc::now();
        for (name, value) in [("due_before", before), ("due_after", after)] {
            if let Some(text) = value {
                let day = when::parse_day_input(text, zone, now).map_err(Failure::usage)?;
                pairs.push((name, day.to_string()));
            }
        }
        for (name, value) in [("completed_after", since), ("completed_before", until)] {
            if let Some(text) = value {
                let day = when::parse_past_day_input(text, zone, now).map_err(Failure::usage)?;
                pairs.push((name, day.to_string()));
            }
        }
        let search: Vec<&str> = search
            .iter()
            .map(String::as_str)
            .chain(words.iter().map(String::as_str))
            .collect();
        if !search.is_empty() {
            pairs.push(("q", search.join(" ")));
        }
        match sort {
            Some(sort) => pairs.push(("sort", sort.clone())),
            // What was done in those days, in the order it was done.
            None if self.since.is_some() || self.until.is_some() => {
                pairs.push(("sort", "completed_at".to_owned()));
            }
            None => {}
        }
        pairs.push(("skip", skip.to_string()));
        pairs.push(("limit", limit.to_string()));
        Ok(pairs
            .into_iter()
            .map(|(name, value)| (name.to_owned(), value))
            .collect())
    }

    /// Whether only completed tasks are listed.
    fn completed_only(&self) -> bool {
        self.done || self.since.is_some() || self.until.is_some()
    }

    /// The columns of the listing's table.
    fn columns(&self, wide: bool) -> TaskColumns {
        TaskColumns {
            done: self.any,
            completed: self.completed_only(),
            updated: wide,
        }
    }

    /// Whether anything narrows the listing besides open-or-done.
    fn narrowed(&self) -> bool {
        self.list.is_some()
            || self.since.is_some()
            || self.until.is_some()
            || !self.tags.is_empty()
            || !self.priorities.is_empty()
            || self.due.is_some()
            || self.before.is_some()
            || self.after.is_some()
            || self.search.is_some()
            || !self.words.is_empty()
    }
}

/// A listing's query string read by the parser the server reads it with:
/// values it would refuse are refused here, in the words (and with the exit
/// code) of the server's 422.
fn listing(pairs: &[(String, String)]) -> Result<TaskQuery, Failure> {
    TaskQuery::from_pairs(pairs).map_err(|errors| {
        let body = ErrorBody::Validation(ValidationDetail {
            detail: errors.errors().to_vec(),
        });
        Failure::new(exit::REFUSED, body.to_string())
    })
}

/// Every task of a listing, following its `next` links, with a progress
/// line on a terminal; at most [`ALL_MAX_TASKS`].
fn gather(
    context: &Context,
    client: &Authed<'_>,
    query: &TaskQuery,
) -> Result<(Vec<Task>, Vec<Value>, u64), Failure> {
    let show_progress = !context.out.json && std::io::stderr().is_terminal();
    let mut tasks = Vec::new();
    let mut json = Vec::new();
    let mut progress_shown = false;
    let clear = |shown: bool| {
        if shown {
            eprint!("\r\x1b[2K");
        }
    };
    let mut page = client.call(|client| Ok(client.list_tasks(query)?))?;
    let total = page.total;
    let mut pages = 0;
    loop {
        let empty = page.tasks.is_empty();
        tasks.extend(page.tasks);
        json.extend(page.json);
        pages += 1;
        let Some(next) = page.next else { break };
        if empty {
            clear(progress_shown);
            return Err(Failure::new(
                exit::REFUSED,
                "the server sent an empty page that links to a next one; taskctl stopped there",
            ));
        }
        if tasks.len() >= ALL_MAX_TASKS || pages >= ALL_MAX_PAGES {
            clear(progress_shown);
            return Err(Failure::new(
                exit::REFUSED,
                format!(
                    "the server reports {total} tasks; taskctl gathers at most {ALL_MAX_TASKS}\n\
                     narrow the listing with filters, or page with --skip N --limit 200"
                ),
            ));
        }
        if show_progress {
            eprint!("\rfetched {} of {total} tasks…", tasks.len());
            let _ = std::io::stderr().flush();
            progress_shown = true;
        }
        page = client.call(|client| Ok(client.next_tasks(&next)?))?;
    }
    clear(progress_shown);
    Ok((tasks, json, total))
}

/// Every task `filters` select, following every page.
pub(super) fn select(context: &Context, filters: &ListFilters) -> Result<Vec<Task>, Failure> {
    let pairs = filters.pairs(0, ALL_PAGE_SIZE)?;
    let query = listing(&pairs)?;
    let client = context.client()?;
    let (tasks, _, _) = gather(context, &client, &query)?;
    Ok(tasks)
}

/// Remembers tasks as seen: changes to them are then guarded by these
/// versions.
pub(super) fn remember(context: &Context, tasks: &[Task]) -> Result<(), Failure> {
    let client = context.client()?;
    let mut kept = Kept::load(context, &client);
    kept.journal.saw(tasks);
    kept.save();
    Ok(())
}

/// `tasks` with each subtask right under its parent (when the parent is
/// among them), its title indented one step a level; the others in their
/// order.
fn as_tree(tasks: &[Task]) -> Vec<Task> {
    let shown: std::collections::HashSet<taskcore::TaskId> =
        tasks.iter().map(|task| task.id).collect();
    let mut children: std::collections::HashMap<taskcore::TaskId, Vec<&Task>> =
        std::collections::HashMap::new();
    let mut tops = Vec::new();
    for task in tasks {
        match task.parent_id.filter(|parent| shown.contains(parent)) {
            Some(parent) => children.entry(parent).or_default().push(task),
            None => tops.push(task),
        }
    }
    let mut ordered = Vec::with_capacity(tasks.len());
    let mut stack: Vec<(&Task, usize)> = tops.into_iter().rev().map(|task| (task, 0)).collect();
    while let Some((task, depth)) = stack.pop() {
        let mut shown = task.clone();
        if depth > 0 {
            shown.title = format!("{}└ {}", "  ".repeat(depth - 1), task.title);
        }
        ordered.push(shown);
        if let Some(below) = children.get(&task.id) {
            stack.extend(below.iter().rev().map(|child| (*child, depth + 1)));
        }
    }
    ordered
}

/// Which part of a listing to show, and how.
#[derive(Debug, Clone, Copy)]
pub struct Shape {
    pub limit: Option<u32>,
    pub skip: u64,
    pub page: Option<u64>,
    pub all: bool,
    pub wide: bool,
    /// Subtasks under their parents.
    pub tree: bool,
}

pub(super) fn list(context: &Context, filters: &ListFilters, shape: Shape) -> Result<(), Failure> {
    let Shape {
        limit,
        skip,
        page,
        all,
        wide,
        tree,
    } = shape;
    let per_page = limit.unwrap_or(LIST_PAGE_SIZE);
    let skip = page.map_or(skip, |page| (page - 1).saturating_mul(u64::from(per_page)));
    let mut pairs = if all {
        filters.pairs(0, limit.unwrap_or(ALL_PAGE_SIZE))?
    } else {
        filters.pairs(skip, per_page)?
    };
    let client = context.client()?;
    if let Some(name) = &filters.list {
        let list = super::lists::named(&client, name)?;
        pairs.push(("list_id".to_owned(), list.id.0.to_string()));
    }
    let query = listing(&pairs)?;
    let (tasks, json, total, skip) = if all {
        let (tasks, json, total) = gather(context, &client, &query)?;
        (tasks, json, total, 0)
    } else {
        let page = client.call(|client| Ok(client.list_tasks(&query)?))?;
        (page.tasks, page.json, page.total, skip)
    };
    let mut kept = Kept::load(context, &client);
    kept.journal.saw(&tasks);
    kept.save();
    if context.out.json {
        context.out.json(&Value::Array(json));
        return Ok(());
    }
    if !tasks.is_empty() {
        let shown = if tree { as_tree(&tasks) } else { tasks.clone() };
        context
            .out
            .show(&context.out.tasks(&shown, None, filters.columns(wide)));
    }
    let shown = tasks.len() as u64;
    if total == 0 && filters.narrowed() {
        context.out.say("no tasks match");
    } else if total == 0 && !filters.completed_only() && !filters.any {
        context.out.say(
            "no open tasks — add one with: taskctl add TITLE (ls --done shows completed ones)",
        );
    } else if !all && skip + shown < total {
        // More to see: say how.
        let next_page = (skip + shown) / u64::from(per_page) + 1;
        context.out.say(&format!(
            "{} · --all or --page {next_page}",
            showing(skip, tasks.len(), total)
        ));
    } else {
        context.out.say(&showing(skip, tasks.len(), total));
    }
    Ok(())
}

pub(super) fn next(context: &Context, limit: u32, wide: bool) -> Result<(), Failure> {
    let client = context.client()?;
    let user = client.call(|client| Ok(client.me()?))?;
    let zone = taskcore::Zone::parse(&user.value.timezone).unwrap_or_default();
    let query = TaskQuery::builder()
        .completed(false)
        .limit(ALL_PAGE_SIZE)
        .build()
        .map_err(|error| Failure::usage(error.to_string()))?;
    let (tasks, json, _) = gather(context, &client, &query)?;
    let ranked = taskcore::urgency::rank(tasks, zone, chrono::Utc::now());
    let ranked: Vec<(f64, Task)> = ranked.into_iter().take(limit as usize).collect();
    if context.out.json {
        // The API's JSON of each task, in ranked order, with its urgency.
        let by_id: std::collections::HashMap<i64, &Value> = json
            .iter()
            .filter_map(|task| Some((task.get("id")?.as_i64()?, task)))
            .collect();
        let ranked_json: Vec<Value> = ranked
            .iter()
            .filter_map(|(score, task)| {
                let mut value = (*by_id.get(&task.id.0)?).clone();
                value["urgency"] = json!((score * 100.0).round() / 100.0);
                Some(value)
            })
            .collect();
        context.out.json(&Value::Array(ranked_json));
        return Ok(());
    }
    if ranked.is_empty() {
        context
            .out
            .say("nothing to do — add a task with: taskctl add TITLE");
        return Ok(());
    }
    let scores: Vec<f64> = ranked.iter().map(|(score, _)| *score).collect();
    let tasks: Vec<Task> = ranked.into_iter().map(|(_, task)| task).collect();
    let columns = TaskColumns {
        updated: wide,
        ..TaskColumns::default()
    };
    context
        .out
        .show(&context.out.tasks(&tasks, Some(&scores), columns));
    Ok(())
}

pub(super) fn tags(context: &Context) -> Result<(), Failure> {
    let client = context.client()?;
    let tags = client.call(|client| Ok(client.tags()?))?;
    if context.out.json {
        context.out.json(&tags.json);
    } else if tags.value.is_empty() {
        context
            .out
            .say("no tags yet — tag a task with: taskctl edit ID --tag NAME");
    } else {
        context.out.show(&context.out.tags(&tags.value));
    }
    Ok(())
}
