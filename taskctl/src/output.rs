//! What taskctl prints: tables for people, JSON for programs.

use std::borrow::Cow;
use std::io::{IsTerminal, Write};

use chrono::{DateTime, Utc};
use comfy_table::presets::{NOTHING, UTF8_FULL_CONDENSED};
use comfy_table::{Cell, CellAlignment, Color, ContentArrangement, Table};

use crate::fit::{self, Column, Give};
use serde_json::Value;
use taskcore::{Priority, TagCount, Task, TrashedTask};

use crate::when::{due_label, local_zone, local_zone_name};

/// Width assumed for a terminal that does not tell its own.
const FALLBACK_WIDTH: usize = 80;

/// How to print.
#[derive(Debug, Clone, Copy)]
pub struct Output {
    /// `--json`: print the API's JSON and nothing else.
    pub json: bool,
    /// Box drawing and colour: only on a terminal, and only without NO_COLOR.
    pub styled: bool,
    /// The terminal's width when stdout is one: tables are fitted to it.
    /// Off a terminal (a pipe, a file) nothing is cut.
    pub width: Option<usize>,
}

/// The columns of a task table besides those every one has.
#[derive(Debug, Clone, Copy, Default)]
pub struct TaskColumns {
    /// DONE: a listing of open and done tasks alike.
    pub done: bool,
    /// COMPLETED: a listing of done tasks.
    pub completed: bool,
    /// UPDATED: `--wide`.
    pub updated: bool,
}

impl Output {
    pub fn new(json: bool) -> Self {
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|value| !value.is_empty());
        let terminal = std::io::stdout().is_terminal();
        let width = terminal.then(|| {
            Table::new()
                .width()
                .map(usize::from)
                .filter(|width| *width > 0)
                .unwrap_or(FALLBACK_WIDTH)
        });
        Self {
            json,
            styled: terminal && !no_color,
            width,
        }
    }

    /// Prints JSON, pretty, on stdout.
    pub fn json(&self, value: &Value) {
        emit(&serde_json::to_string_pretty(value).unwrap_or_else(|_| value.to_string()));
    }

    /// A line for people, made [`printable`]; never printed in `--json` mode.
    pub fn say(&self, line: &str) {
        if !self.json {
            emit(&printable(line));
        }
    }

    /// A table made by this module (its cells already [`printable`], its
    /// colours taskctl's own); never printed in `--json` mode.
    pub fn show(&self, table: &str) {
        if !self.json {
            emit(table);
        }
    }

    fn table(&self) -> Table {
        let mut table = Table::new();
        if self.styled {
            table.load_style(UTF8_FULL_CONDENSED);
            table.set_content_arrangement(ContentArrangement::Dynamic);
            if let Some(width) = self.width.and_then(|width| u16::try_from(width).ok()) {
                table.set_width(width);
            }
            // `styled` already means a terminal without NO_COLOR.
            table.enforce_styling();
        } else {
            table.load_style(NOTHING);
            table.force_no_tty();
        }
        table
    }

    /// Tasks as a table fitted to the terminal: id, the columns `columns`
    /// asks for, title (cut first to fit, after the description), due
    /// (relative, red when overdue), priority, tags; with their urgency when
    /// `scores` is given.
    pub fn tasks(&self, tasks: &[Task], scores: Option<&[f64]>, columns: TaskColumns) -> String {
        let now = Utc::now();
        let zone = local_zone();
        let mut id = Column::new("ID").right();
        let mut done = Column::new("DONE");
        let mut title = Column::new("TITLE").give(Give::Cut(12));
        let mut due = Column::new("DUE");
        let mut priority = Column::new("PRI");
        let mut tags = Column::new("TAGS").give(Give::Cut(12));
        let mut urgency = Column::new("URG").right();
        let mut completed = Column::new("COMPLETED");
        let mut description = Column::new("DESCRIPTION").give(Give::Drop(12));
        let mut updated = Column::new("UPDATED");
        for (index, task) in tasks.iter().enumerate() {
            id.push(task.id.to_string(), None);
            done.push(done_mark(task.completed), None);
            // A repeating task carries ↻.
            let repeats = if task.repeat.is_some() { " ↻" } else { "" };
            title.push(format!("{}{repeats}", printable(&task.title)), None);
            match due_label(task.due_date, task.due_at, task.completed, zone, now) {
                Some((label, overdue)) => {
                    due.push(label, (overdue && self.styled).then_some(Color::Red));
                }
                None => due.push("", None),
            }
            priority.push(
                task.priority
                    .map(|priority| priority.letter().to_string())
                    .unwrap_or_default(),
                None,
            );
            tags.push(printable(&task.tags.join(" ")), None);
            if let Some(score) = scores.and_then(|scores| scores.get(index)) {
                urgency.push(format!("{score:.1}"), None);
            }
            completed.push(
                task.completed_at
                    .map(|at| relative(at, now))
                    .unwrap_or_default(),
                None,
            );
            description.push(printable(task.description.as_deref().unwrap_or("")), None);
            updated.push(relative(task.updated_at, now), None);
        }
        let mut shown = vec![id];
        if columns.done {
            shown.push(done);
        }
        shown.extend([title, due, priority, tags]);
        if scores.is_some() {
            shown.push(urgency);
        }
        if columns.completed {
            shown.push(completed);
        }
        shown.push(description);
        if columns.updated {
            shown.push(updated);
        }
        self.fitted(shown, &["DESCRIPTION", "TAGS", "TITLE"])
    }

    /// Trashed tasks as a table: id, done mark, title, due, priority, tags,
    /// and when each was deleted.
    pub fn trashed(&self, trashed: &[TrashedTask]) -> String {
        let now = Utc::now();
        let zone = local_zone();
        let mut id = Column::new("ID").right();
        let mut done = Column::new("DONE");
        let mut title = Column::new("TITLE").give(Give::Cut(12));
        let mut due = Column::new("DUE");
        let mut priority = Column::new("PRI");
        let mut tags = Column::new("TAGS").give(Give::Cut(12));
        let mut deleted = Column::new("DELETED");
        for TrashedTask {
            task, deleted_at, ..
        } in trashed
        {
            id.push(task.id.to_string(), None);
            done.push(done_mark(task.completed), None);
            title.push(printable(&task.title), None);
            let label = due_label(task.due_date, task.due_at, task.completed, zone, now)
                .map(|(label, _)| label)
                .unwrap_or_default();
            due.push(label, None);
            priority.push(
                task.priority
                    .map(|priority| priority.letter().to_string())
                    .unwrap_or_default(),
                None,
            );
            tags.push(printable(&task.tags.join(" ")), None);
            deleted.push(relative(*deleted_at, now), None);
        }
        let columns = vec![id, done, title, due, priority, tags, deleted];
        self.fitted(columns, &["TAGS", "TITLE"])
    }

    /// Lists as a table: name, colour, open and total tasks; each row's
    /// colour, if any, on its swatch.
    pub fn lists(&self, rows: &[(Vec<String>, Option<Color>)]) -> String {
        let mut name = Column::new("LIST").give(Give::Cut(12));
        let mut color = Column::new("COLOR");
        let mut open = Column::new("OPEN").right();
        let mut total = Column::new("TOTAL").right();
        for (cells, tint) in rows {
            let cell = |index: usize| cells.get(index).map_or("", String::as_str);
            name.push(printable(cell(0)), None);
            color.push(cell(1), *tint);
            open.push(cell(2), None);
            total.push(cell(3), None);
        }
        self.fitted(vec![name, color, open, total], &["LIST"])
    }

    /// Columns as a table fitted to the terminal, the ones named in
    /// `giving` giving way in that order.
    fn fitted(&self, columns: Vec<Column>, giving: &[&str]) -> String {
        let style = if self.styled {
            UTF8_FULL_CONDENSED
        } else {
            NOTHING
        };
        trim_lines(&fit::render(
            self.table(),
            style,
            columns,
            self.width,
            giving,
        ))
    }

    /// Rows of text under a header, each cell made printable.
    pub fn rows(&self, header: &[&str], rows: &[Vec<String>]) -> String {
        let mut table = self.table();
        table.set_header(header.iter().copied());
        for row in rows {
            table.add_row(row.iter().map(|cell| Cell::new(printable(cell))));
        }
        trim_lines(&table.to_string())
    }

    /// Tags as a table: name, open tasks, tasks in all.
    pub fn tags(&self, tags: &[TagCount]) -> String {
        let mut table = self.table();
        table.set_header(["TAG", "OPEN", "TOTAL"]);
        for tag in tags {
            table.add_row([
                Cell::new(printable(&tag.name)),
                Cell::new(tag.open).set_alignment(CellAlignment::Right),
                Cell::new(tag.total).set_alignment(CellAlignment::Right),
            ]);
        }
        trim_lines(&table.to_string())
    }

    /// One task, field by field, without borders; times in the local zone,
    /// which is named.
    pub fn task(&self, task: &Task) -> String {
        let mut table = self.table();
        table.load_style(NOTHING);
        for (name, value) in task_rows(task) {
            table.add_row([name.to_owned(), value]);
        }
        trim_lines(&table.to_string())
    }

    /// [`Output::task`] beside another version of it: each field whose
    /// value differs from `other`'s is marked `*`.
    pub fn task_against(&self, task: &Task, other: &Task) -> String {
        let mut table = self.table();
        table.load_style(NOTHING);
        let others = task_rows(other);
        for (name, value) in task_rows(task) {
            let same = others
                .iter()
                .any(|(other_name, other_value)| *other_name == name && *other_value == value);
            let mark = if same { " " } else { "*" };
            table.add_row([mark.to_owned(), name.to_owned(), value]);
        }
        trim_lines(&table.to_string())
    }
}

/// A task's fields as [`Output::task`] shows them.
fn task_rows(task: &Task) -> Vec<(&'static str, String)> {
    let now = Utc::now();
    let zone = local_zone();
    let zone_name = local_zone_name().unwrap_or_else(|| zone.name().to_owned());
    let time = |instant: DateTime<Utc>| {
        format!(
            "{} {zone_name} ({})",
            zone.format(instant, "%Y-%m-%d %H:%M"),
            relative(instant, now)
        )
    };
    let due = match (task.due_date, task.due_at) {
        (Some(day), _) => format!("{day} (all day)"),
        (None, Some(instant)) => time(instant),
        (None, None) => String::new(),
    };
    let mut rows = vec![
        ("id", task.id.to_string()),
        ("title", printable(&task.title).into_owned()),
        (
            "description",
            printable(task.description.as_deref().unwrap_or_default()).into_owned(),
        ),
        ("done", if task.completed { "yes" } else { "no" }.to_owned()),
        ("due", due),
        (
            "priority",
            task.priority.map(Priority::as_str).unwrap_or("").to_owned(),
        ),
        ("tags", printable(&task.tags.join(" ")).into_owned()),
        (
            "parent",
            task.parent_id
                .map(|parent| parent.to_string())
                .unwrap_or_default(),
        ),
        (
            "repeats",
            task.repeat
                .as_ref()
                .map(|rule| rule.to_string())
                .unwrap_or_default(),
        ),
        ("created", time(task.created_at)),
        ("updated", time(task.updated_at)),
    ];
    if let Some(completed_at) = task.completed_at {
        rows.push(("completed", time(completed_at)));
    }
    rows
}

/// `text` safe to print on a terminal: control characters (escape
/// sequences, bell, carriage return) and the bidirectional overrides that
/// reorder what a reader sees become U+FFFD; a tab becomes a space. Line
/// breaks stay. Text from a server is shown through this; `--json` output is
/// escaped by JSON instead.
pub fn printable(text: &str) -> Cow<'_, str> {
    let unsafe_char = |c: char| {
        (c.is_control() && c != '\n')
            || matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
    };
    if !text.chars().any(unsafe_char) {
        return Cow::Borrowed(text);
    }
    Cow::Owned(
        text.chars()
            .map(|c| match c {
                '\t' => ' ',
                c if unsafe_char(c) => '\u{fffd}',
                c => c,
            })
            .collect(),
    )
}

/// Writes `text` and a newline to stdout. When the reader has gone away
/// (`taskctl ls | head`), the program ends quietly, as other Unix tools do.
pub fn emit(text: &str) {
    write_or_exit(format!("{text}\n").as_bytes());
}

/// Writes bytes to stdout, with [`emit`]'s handling of closed pipes.
pub fn write_or_exit(bytes: &[u8]) {
    let mut stdout = std::io::stdout().lock();
    if let Err(error) = stdout.write_all(bytes).and_then(|()| stdout.flush()) {
        if error.kind() == std::io::ErrorKind::BrokenPipe {
            std::process::exit(0);
        }
        eprintln!("taskctl: cannot write to standard output: {error}");
        std::process::exit(1);
    }
}

/// `✓` for done, blank otherwise.
pub fn done_mark(completed: bool) -> &'static str {
    if completed { "✓" } else { " " }
}

/// `1 task`, `3 tasks`.
pub fn tasks_counted(count: impl Into<u64>) -> String {
    match count.into() {
        1 => "1 task".to_owned(),
        count => format!("{count} tasks"),
    }
}

/// `showing 1–20 of 57`.
pub fn showing(skip: u64, shown: usize, total: u64) -> String {
    if total == 0 {
        return "no tasks yet — add one with: taskctl add TITLE".to_owned();
    }
    if shown == 0 {
        return format!("showing none of {total} (skipped {skip})");
    }
    format!("showing {}–{} of {total}", skip + 1, skip + shown as u64)
}

/// `3 minutes ago`, or `in 2 hours` for a time to come.
pub fn relative(time: DateTime<Utc>, now: DateTime<Utc>) -> String {
    let mut formatter = timeago::Formatter::new();
    formatter.num_items(1);
    match (now - time).to_std() {
        Ok(elapsed) => formatter.convert(elapsed),
        Err(_) => {
            let ahead = (time - now).to_std().unwrap_or_default();
            if ahead.as_secs() == 0 {
                return "now".to_owned();
            }
            formatter.ago("");
            format!("in {}", formatter.convert(ahead).trim_end())
        }
    }
}

fn trim_lines(text: &str) -> String {
    text.lines()
        .map(str::trim_end)
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod tests {
    use taskcore::Body;

    use super::*;

    #[test]
    fn a_conflict_preview_marks_what_differs_and_a_reopened_task_has_no_completion_time() {
        let mut theirs = task("Pay rent", None);
        theirs.completed = true;
        theirs.completed_at = Some(Utc::now());
        // Yours: theirs reopened.
        let reopen = taskcore::TaskUpdate {
            completed: Some(false),
            ..taskcore::TaskUpdate::default()
        }
        .validate()
        .expect("a valid patch");
        let yours = reopen.applied_to(&theirs);
        assert_eq!((yours.completed, yours.completed_at), (false, None));
        let output = Output::new(false);
        let shown = output.task_against(&yours, &theirs);
        let marked: Vec<&str> = shown
            .lines()
            .filter(|line| line.trim_start().starts_with('*'))
            .collect();
        assert_eq!(marked.len(), 1, "{shown}");
        assert!(
            marked[0].contains("done") && marked[0].contains("no"),
            "{shown}"
        );
        assert!(!shown.contains("completed"), "{shown}");
        let theirs_shown = output.task_against(&theirs, &yours);
        let marked: Vec<&str> = theirs_shown
            .lines()
            .filter(|line| line.trim_start().starts_with('*'))
            .collect();
        assert_eq!(marked.len(), 2, "done and completed differ: {theirs_shown}");
    }

    fn task(title: &str, due_date: Option<&str>) -> Task {
        let now = Utc::now();
        Task {
            id: taskcore::TaskId(7),
            uid: "uid-7".to_owned(),
            title: title.to_owned(),
            description: None,
            completed: false,
            priority: Some(Priority::High),
            due_date: due_date.and_then(|day| day.parse().ok()),
            due_at: None,
            tags: vec!["home".into()],
            completed_at: None,
            list_id: taskcore::ListId(1),
            parent_id: None,
            repeat: None,
            repeat_from: taskcore::repeat::RepeatFrom::Due,
            reminders: Vec::new(),
            owner_id: taskcore::UserId(1),
            created_at: now,
            updated_at: now,
            version: 1,
        }
    }

    #[test]
    fn overdue_is_red_on_a_terminal_and_server_text_never_carries_escapes() {
        let styled = Output {
            json: false,
            styled: true,
            width: Some(80),
        };
        let columns = TaskColumns::default();
        let table = styled.tasks(
            &[task("pay \u{1b}[2Jrent", Some("2020-01-01"))],
            None,
            columns,
        );
        assert!(table.contains("\u{1b}[38;5;9m"), "red due: {table:?}");
        assert!(!table.contains("\u{1b}[2J"), "{table:?}");
        let plain = Output {
            json: false,
            styled: false,
            width: None,
        };
        let table = plain.tasks(&[task("pay rent", Some("2020-01-01"))], None, columns);
        assert!(
            !table.contains('\u{1b}'),
            "no colour off a terminal: {table:?}"
        );
        assert!(table.contains("DUE") && table.contains("PRI") && table.contains("TAGS"));
        assert!(table.contains(" H ") && table.contains("home"), "{table}");
    }

    #[test]
    fn showing_counts_from_one() {
        assert_eq!(showing(0, 20, 57), "showing 1–20 of 57");
        assert_eq!(showing(40, 17, 57), "showing 41–57 of 57");
        assert_eq!(showing(100, 0, 57), "showing none of 57 (skipped 100)");
        assert!(showing(0, 0, 0).starts_with("no tasks yet"));
    }

    #[test]
    fn relative_times_read_naturally() {
        let now = Utc::now();
        assert_eq!(
            relative(now - chrono::Duration::minutes(3), now),
            "3 minutes ago"
        );
        assert_eq!(relative(now, now), "now");
        assert_eq!(
            relative(now + chrono::Duration::hours(13), now),
            "in 13 hours"
        );
    }
}
