//! What taskctl prints: tables for people, JSON for programs.

use std::borrow::Cow;
use std::io::{IsTerminal, Write};

use chrono::{DateTime, Utc};
use comfy_table::presets::{NOTHING, UTF8_FULL_CONDENSED};
use comfy_table::{Cell, CellAlignment, Color, ContentArrangement, Table};
use serde_json::Value;
use taskcore::{Priority, TagCount, Task, TrashedTask};

use crate::when::{due_label, local_zone, local_zone_name};

/// Terminal width assumed when stdout is not a terminal.
const PLAIN_WIDTH: usize = 120;
/// Room the other columns need besides the description.
const OTHER_COLUMNS: usize = 90;

/// How to print.
#[derive(Debug, Clone, Copy)]
pub struct Output {
    /// `--json`: print the API's JSON and nothing else.
    pub json: bool,
    /// Box drawing and colour: only on a terminal, and only without NO_COLOR.
    pub styled: bool,
}

impl Output {
    pub fn new(json: bool) -> Self {
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|value| !value.is_empty());
        Self {
            json,
            styled: std::io::stdout().is_terminal() && !no_color,
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
            // `styled` already means a terminal without NO_COLOR.
            table.enforce_styling();
        } else {
            table.load_style(NOTHING);
            table.force_no_tty();
        }
        table
    }

    fn width(&self, table: &Table) -> usize {
        table.width().map(usize::from).unwrap_or(PLAIN_WIDTH)
    }

    /// Tasks as a table: id, done mark, title, due (relative, red when
    /// overdue), priority, tags, description shortened to fit, last update;
    /// with their urgency when `scores` is given.
    pub fn tasks(&self, tasks: &[Task], scores: Option<&[f64]>) -> String {
        let mut table = self.table();
        let mut header = vec!["ID", "DONE", "TITLE", "DUE", "PRI", "TAGS"];
        if scores.is_some() {
            header.push("URG");
        }
        header.extend(["DESCRIPTION", "UPDATED"]);
        table.set_header(header);
        let room = self.width(&table).saturating_sub(OTHER_COLUMNS).max(12);
        let now = Utc::now();
        let zone = local_zone();
        for (index, task) in tasks.iter().enumerate() {
            let due = match due_label(task.due_date, task.due_at, task.completed, zone, now) {
                Some((label, overdue)) if overdue && self.styled => Cell::new(label).fg(Color::Red),
                Some((label, _)) => Cell::new(label),
                None => Cell::new(""),
            };
            let mut row = vec![
                Cell::new(task.id).set_alignment(CellAlignment::Right),
                Cell::new(done_mark(task.completed)),
                Cell::new(printable(&task.title)),
                due,
                Cell::new(
                    task.priority
                        .map(|priority| priority.letter().to_string())
                        .unwrap_or_default(),
                ),
                Cell::new(printable(&task.tags.join(" "))),
            ];
            if let Some(score) = scores.and_then(|scores| scores.get(index)) {
                row.push(Cell::new(format!("{score:.1}")).set_alignment(CellAlignment::Right));
            }
            row.push(Cell::new(shorten(
                &printable(task.description.as_deref().unwrap_or("")),
                room,
            )));
            row.push(Cell::new(relative(task.updated_at, now)));
            table.add_row(row);
        }
        trim_lines(&table.to_string())
    }

    /// Trashed tasks as a table: id, done mark, title, due, priority, tags,
    /// and when each was deleted.
    pub fn trashed(&self, trashed: &[TrashedTask]) -> String {
        let mut table = self.table();
        table.set_header(["ID", "DONE", "TITLE", "DUE", "PRI", "TAGS", "DELETED"]);
        let now = Utc::now();
        let zone = local_zone();
        for TrashedTask {
            task, deleted_at, ..
        } in trashed
        {
            let due = due_label(task.due_date, task.due_at, task.completed, zone, now)
                .map(|(label, _)| label)
                .unwrap_or_default();
            table.add_row(vec![
                Cell::new(task.id).set_alignment(CellAlignment::Right),
                Cell::new(done_mark(task.completed)),
                Cell::new(printable(&task.title)),
                Cell::new(due),
                Cell::new(
                    task.priority
                        .map(|priority| priority.letter().to_string())
                        .unwrap_or_default(),
                ),
                Cell::new(printable(&task.tags.join(" "))),
                Cell::new(relative(*deleted_at, now)),
            ]);
        }
        trim_lines(&table.to_string())
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

/// `text` cut to `room` characters, with an ellipsis when cut; on one line.
pub fn shorten(text: &str, room: usize) -> String {
    let flat: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if flat.chars().count() <= room {
        return flat;
    }
    let mut cut: String = flat.chars().take(room.saturating_sub(1)).collect();
    cut.push('…');
    cut
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
            title: title.to_owned(),
            description: None,
            completed: false,
            priority: Some(Priority::High),
            due_date: due_date.and_then(|day| day.parse().ok()),
            due_at: None,
            tags: vec!["home".into()],
            completed_at: None,
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
        };
        let table = styled.tasks(&[task("pay \u{1b}[2Jrent", Some("2020-01-01"))], None);
        assert!(table.contains("\u{1b}[38;5;9m"), "red due: {table:?}");
        assert!(!table.contains("\u{1b}[2J"), "{table:?}");
        let plain = Output {
            json: false,
            styled: false,
        };
        let table = plain.tasks(&[task("pay rent", Some("2020-01-01"))], None);
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
    fn long_text_is_shortened_on_one_line() {
        assert_eq!(shorten("short", 10), "short");
        assert_eq!(shorten("a\nmulti   line text", 40), "a multi line text");
        assert_eq!(shorten("abcdefghijkl", 6), "abcde…");
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
