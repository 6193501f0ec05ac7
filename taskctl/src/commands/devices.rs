//! Commands for working from several devices: changes guarded by the
//! version last seen here (`If-Match`, recorded for `undo`), restore, export and
//! import.

use std::io::{IsTerminal, Read, Write};

use serde_json::{Value, json};
use taskcore::{Body, Task, TaskUpdate};
use taskctl::client::{ClientError, Fetched};
use taskctl::journal::{Journal, JournalStore, Undo};

use super::each::for_each_id;
use crate::context::{Authed, Context};
use crate::failure::{Failure, exit};
use crate::output::{printable, tasks_counted};
use crate::prompt;

/// The most tasks of one import that undo takes back: beyond, the journal
/// would grow by megabytes and the undo take as many requests.
const IMPORT_UNDO_MAX: usize = 5_000;

/// The largest file `import` sends: the server's limit.
const IMPORT_MAX_BYTES: u64 = 20 * 1024 * 1024;

/// The journal of the session's account, and where it is kept.
pub struct Kept {
    store: JournalStore,
    pub journal: Journal,
}

impl Kept {
    pub fn load(context: &Context, client: &Authed<'_>) -> Self {
        let session = client.session();
        let store = JournalStore::new(context.sessions.directory());
        let journal = store.load(&format!("{}@{}", session.email, session.server));
        Self { store, journal }
    }

    /// Starts the record of this command's changes, for `undo`.
    pub fn begin(&mut self) {
        let typed: Vec<String> = std::env::args_os()
            .skip(1)
            .map(|arg| arg.to_string_lossy().into_owned())
            .collect();
        self.journal.begin(typed.join(" "));
    }

    /// Saves the journal; a failure to is reported, never fatal: it only
    /// makes the next change guard less or `undo` know less.
    pub fn save(&self) {
        if let Err(error) = self.store.save(&self.journal) {
            eprintln!("taskctl: {error}");
        }
    }
}

/// A change to a task.
#[derive(Clone, Copy)]
pub enum Change<'a> {
    Patch(&'a TaskUpdate),
    Delete,
}

/// What became of a guarded change.
pub enum Outcome {
    /// Made; the task as it is now (`None` once deleted).
    Made(Option<Box<Fetched<Task>>>),
    /// Not made: the user kept the version changed elsewhere.
    KeptTheirs,
}

/// Makes `change` to task `id` only if the task is still at the version
/// this taskctl last saw of it (or, if it never saw it, as it is now). When
/// it changed elsewhere meanwhile: on a terminal, shows the task as it is
/// and asks whether to apply the change anyway (keep mine) or drop it (keep
/// theirs); in a script, refuses (exit 1) and changes nothing. Records the
/// change for `undo`.
pub fn guarded(
    client: &Authed<'_>,
    kept: &mut Kept,
    id: i64,
    change: Change<'_>,
) -> Result<Outcome, Failure> {
    let current = client.call(|client| {
        client
            .task(id)
            .map_err(|error| Failure::for_task(id, error))
    })?;
    let seen = kept.journal.seen(id).unwrap_or(current.value.version);
    let mut before = current.value;
    let mut expected = seen;
    for _ in 0..3 {
        if expected == before.version {
            match attempt(client, id, expected, change) {
                Ok(after) => {
                    record(kept, &before, after.as_ref(), change);
                    return Ok(Outcome::Made(after.map(Box::new)));
                }
                Err(Attempt::Changed) => {}
                Err(Attempt::Failed(failure)) => return Err(failure),
            }
            before = client
                .call(|client| {
                    client
                        .task(id)
                        .map_err(|error| Failure::for_task(id, error))
                })?
                .value;
        }
        if !keep_mine(id, expected, &before, change)? {
            kept.journal.saw([&before]);
            eprintln!("taskctl: kept theirs; task {id} is unchanged");
            return Ok(Outcome::KeptTheirs);
        }
        expected = before.version;
    }
    Err(Failure::new(
        exit::REFUSED,
        format!("task {id} keeps changing elsewhere; nothing changed, try again"),
    ))
}

enum Attempt {
    Changed,
    Failed(Failure),
}

fn attempt(
    client: &Authed<'_>,
    id: i64,
    version: i64,
    change: Change<'_>,
) -> Result<Option<Fetched<Task>>, Attempt> {
    let outcome = client.call(|client| {
        let sent = match change {
            Change::Patch(patch) => client.update_task_at(id, version, patch).map(Some),
            Change::Delete => client.delete_task_at(id, version).map(|()| None),
        };
        match sent {
            Err(ClientError::Changed { .. }) => Ok(Err(())),
            Err(error) => Err(Failure::for_task(id, error)),
            Ok(after) => Ok(Ok(after)),
        }
        // (A 401 is a Failure here, so the session is renewed and the
        // request sent again.)
    });
    match outcome {
        Ok(Ok(after)) => Ok(after),
        Ok(Err(())) => Err(Attempt::Changed),
        Err(failure) => Err(Attempt::Failed(failure)),
    }
}

fn record(kept: &mut Kept, before: &Task, after: Option<&Fetched<Task>>, change: Change<'_>) {
    match (change, after) {
        (Change::Patch(patch), Some(after)) => {
            kept.journal.saw([&after.value]);
            // A repeating task done recorded the occurrence (and moved on
            // to the next, or ended its series): the server takes it back,
            // which a patch restoring the fields cannot (it would start the
            // series again at the due and leave the occurrence recorded).
            let done_only = TaskUpdate {
                completed: Some(true),
                ..TaskUpdate::default()
            };
            if after.value.repeat.is_some() && !before.completed && *patch == done_only {
                kept.journal.record(Undo::Completed {
                    id: before.id.0,
                    version: after.value.version,
                    from: before.version,
                });
                return;
            }
            kept.journal.record(Undo::Edited {
                id: before.id.0,
                version: after.value.version,
                from: Some(before.version),
                before: Box::new(TaskUpdate::restoring(before)),
            });
        }
        (Change::Delete, _) => {
            kept.journal.forget(before.id.0);
            kept.journal.record(Undo::Deleted {
                id: before.id.0,
                from: Some(before.version),
            });
        }
        (Change::Patch(_), None) => {}
    }
}

/// Whether to apply the change over a version changed elsewhere: asks on
/// a terminal; refuses in a script.
fn keep_mine(id: i64, seen: i64, theirs: &Task, change: Change<'_>) -> Result<bool, Failure> {
    let output = crate::output::Output::new(false);
    let yours = match change {
        Change::Patch(patch) => match with_change(theirs, patch) {
            Ok(task) => Ok(task),
            Err(refusal) => Err(format!("(the server will refuse your change: {refusal})")),
        },
        Change::Delete => Err("deleted".to_owned()),
    };
    let changed = format!(
        "task {id} was changed elsewhere since you last saw it (you saw version {seen}, it is now at version {})",
        theirs.version
    );
    if !std::io::stdin().is_terminal() {
        return Err(Failure::new(
            exit::REFUSED,
            format!("{changed}; nothing changed\nrun: taskctl show {id}, then try again"),
        ));
    }
    eprintln!("taskctl: {changed}");
    // The fields that differ between the two are marked *.
    match &yours {
        Ok(yours) => {
            eprintln!("theirs (as it is now; * where yours differs):");
            eprintln!("{}", output.task_against(theirs, yours));
            eprintln!("yours (theirs with your change):");
            eprintln!("{}", output.task_against(yours, theirs));
        }
        Err(yours) => {
            eprintln!("theirs (as it is now):");
            eprintln!("{}", output.task(theirs));
            eprintln!("yours: {yours}");
        }
    }
    loop {
        let answer = prompt::line("keep [m]ine (apply your change on theirs) or [t]heirs? [m/t] ")?;
        match answer.to_ascii_lowercase().as_str() {
            "m" | "mine" => return Ok(true),
            "t" | "theirs" => return Ok(false),
            _ => {}
        }
    }
}

/// `task` as it would be with `patch` applied: what "keep mine" makes of
/// it, checked as the server checks it (the guard may not have sent it yet);
/// why the server would refuse it, otherwise.
fn with_change(task: &Task, patch: &TaskUpdate) -> Result<Task, String> {
    match patch.clone().validate() {
        Ok(patch) => Ok(patch.applied_to(task)),
        Err(error) => Err(error.to_string()),
    }
}

/// A result to look at, unless the server refused the credentials: that is
/// a failure, so the session is renewed and the request sent again.
pub fn unless_unauthorized<T>(
    result: Result<T, ClientError>,
) -> Result<Result<T, ClientError>, Failure> {
    match result {
        Err(error @ ClientError::Unauthorized { .. }) => Err(Failure::from(error)),
        other => Ok(other),
    }
}

/// `restore ID…`: puts trashed tasks back.
pub fn restore(context: &Context, ids: &[i64]) -> Result<(), Failure> {
    let client = context.client()?;
    let mut kept = Kept::load(context, &client);
    kept.begin();
    let result = for_each_id(context, ids, |id| {
        let task = client.call(|client| {
            client.restore_task(id).map_err(|error| match error {
                ClientError::NotFound { .. } => {
                    Failure::new(exit::NOT_FOUND, format!("task {id} is not in the trash"))
                }
                other => Failure::from(other),
            })
        })?;
        kept.journal.saw([&task.value]);
        kept.journal.record(Undo::Added {
            id,
            version: task.value.version,
        });
        context
            .out
            .say(&format!("restored task {id}: {}", task.value.title));
        Ok(Some(task.json))
    });
    kept.save();
    result
}

/// `export`: every task, as the server's export document, to standard output.
pub fn export(context: &Context, force: bool) -> Result<(), Failure> {
    let client = context.client()?;
    let stdout = std::io::stdout();
    if stdout.is_terminal() {
        if !force {
            return Err(Failure::usage(
                "the export is JSON for a file, not for a terminal: taskctl export > tasks.json \
                 (or --force to print it here)",
            ));
        }
        return export_to_terminal(&client);
    }
    // Written only once the server has answered 200: a renewal retried
    // after a 401 starts with nothing written.
    let out = std::cell::RefCell::new(std::io::BufWriter::new(stdout.lock()));
    let written = client.call(|client| Ok(client.export(&mut *out.borrow_mut())?))?;
    out.into_inner().flush().map_err(|error| {
        Failure::new(exit::REFUSED, format!("cannot write the export: {error}"))
    })?;
    if std::io::stderr().is_terminal() {
        eprintln!("taskctl: exported {written} bytes");
    }
    Ok(())
}

/// `export --force` on a terminal: the whole export checked first, then
/// printed with every character a terminal could act on escaped (JSON
/// escapes, so it stays the same document).
fn export_to_terminal(client: &Authed<'_>) -> Result<(), Failure> {
    let buffer = std::cell::RefCell::new(Capped(Vec::new()));
    client.call(|client| {
        let mut buffer = buffer.borrow_mut();
        buffer.0.clear();
        Ok(client.export(&mut *buffer)?)
    })?;
    let buffer = buffer.into_inner().0;
    let document: Value = serde_json::from_slice(&buffer)
        .map_err(|error| Failure::new(exit::REFUSED, format!("the export is not JSON: {error}")))?;
    let text = serde_json::to_string_pretty(&document).unwrap_or_default();
    let mut shown = String::with_capacity(text.len());
    for character in text.chars() {
        if acts_on_a_terminal(character) {
            shown.push_str(&format!("\\u{:04x}", u32::from(character)));
        } else {
            shown.push(character);
        }
    }
    println!("{shown}");
    Ok(())
}

/// The most of an export shown on a terminal: it is held whole (and
/// parsed) before it is shown.
const TERMINAL_EXPORT_MAX_BYTES: usize = 64 * 1024 * 1024;

/// An export held in memory, refused past [`TERMINAL_EXPORT_MAX_BYTES`].
struct Capped(Vec<u8>);

impl Write for Capped {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        if self.0.len() + bytes.len() > TERMINAL_EXPORT_MAX_BYTES {
            return Err(std::io::Error::other(
                "it is larger than the 64 MiB shown on a terminal; write it to a file: taskctl export > tasks.json",
            ));
        }
        self.0.extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Characters a terminal acts on that JSON leaves as they are: C1 controls
/// (such as CSI), and the marks that reorder text.
fn acts_on_a_terminal(character: char) -> bool {
    matches!(character,
        '\u{7f}'..='\u{9f}'
        | '\u{61c}'
        | '\u{200e}' | '\u{200f}'
        | '\u{202a}'..='\u{202e}'
        | '\u{2066}'..='\u{2069}')
}

/// `import FILE`: creates the tasks of an export (taskd's or Taskwarrior's).
pub fn import(context: &Context, file: &std::path::Path, dry_run: bool) -> Result<(), Failure> {
    let document = read_import(file)?;
    let shape = match serde_json::from_slice::<Value>(&document) {
        Ok(Value::Array(entries)) => format!("a Taskwarrior export of {} tasks", entries.len()),
        Ok(Value::Object(object)) if object.get("format") == Some(&json!("taskd-export")) => {
            let count = object
                .get("tasks")
                .and_then(Value::as_array)
                .map_or(0, Vec::len);
            format!("a taskd export of {count} tasks")
        }
        Ok(_) => {
            return Err(Failure::usage(format!(
                "{} is neither a taskd export nor a Taskwarrior export (task export)",
                file.display()
            )));
        }
        Err(error) => {
            return Err(Failure::usage(format!(
                "{} is not JSON: {error}",
                source_name(file)
            )));
        }
    };
    let client = context.client()?;
    if std::io::stderr().is_terminal() {
        eprintln!("taskctl: importing {shape}…");
    }
    let report = client.call(|client| Ok(client.import(document.clone(), dry_run)?))?;
    let created = &report.value.created_tasks;
    if created.len() > IMPORT_UNDO_MAX {
        eprintln!(
            "taskctl: undo does not take back an import of more than {IMPORT_UNDO_MAX} tasks \
             (this one made {}); undo goes on with the command before it",
            created.len()
        );
    } else if !created.is_empty() {
        // Undone by deleting the tasks it made that nobody changed since.
        let mut kept = Kept::load(context, &client);
        kept.begin();
        for task in &report.value.created_tasks {
            kept.journal.record(Undo::Added {
                id: task.id.0,
                version: task.version,
            });
        }
        kept.save();
    }
    if context.out.json {
        context.out.json(&report.json);
        return Ok(());
    }
    let summary = &report.value;
    let verb = if dry_run { "would create" } else { "created" };
    context.out.say(&format!(
        "{verb} {}; {} already imported before",
        tasks_counted(summary.created),
        summary.skipped
    ));
    if summary.recurring_occurrences > 0 {
        context.out.say(&format!(
            "{} of recurring tasks left out: each series came in as one repeating task",
            match summary.recurring_occurrences {
                1 => "1 occurrence".to_owned(),
                n => format!("{n} occurrences"),
            }
        ));
    }
    if !summary.dropped_fields.is_empty() {
        let fields: Vec<String> = summary
            .dropped_fields
            .iter()
            .map(|(name, count)| format!("{} ({count})", printable(name)))
            .collect();
        context.out.say(&format!(
            "not kept, no place for them here: {}",
            fields.join(", ")
        ));
    }
    for error in &summary.errors {
        let index = error["index"].as_u64().unwrap_or_default();
        let detail = match &error["detail"] {
            Value::String(text) => text.clone(),
            Value::Array(items) => items
                .iter()
                .filter_map(|item| item["msg"].as_str())
                .collect::<Vec<_>>()
                .join("; "),
            other => other.to_string(),
        };
        eprintln!(
            "taskctl: entry {index} not imported: {}",
            printable(&detail)
        );
    }
    if summary.errors.is_empty() {
        Ok(())
    } else {
        Err(Failure::new(exit::REFUSED, String::new()))
    }
}

/// How messages name what is imported.
fn source_name(file: &std::path::Path) -> String {
    if file.as_os_str() == "-" {
        "standard input".to_owned()
    } else {
        file.display().to_string()
    }
}

/// The document to import: the file, or standard input for `-`.
fn read_import(file: &std::path::Path) -> Result<Vec<u8>, Failure> {
    let stdin = file.as_os_str() == "-";
    let name = source_name(file);
    let cannot = |error: std::io::Error| Failure::usage(format!("cannot read {name}: {error}"));
    let opened: Box<dyn Read> = if stdin {
        if std::io::stdin().is_terminal() {
            return Err(Failure::usage(
                "import - reads a document from a pipe: task export | taskctl import -",
            ));
        }
        Box::new(std::io::stdin().lock())
    } else {
        Box::new(std::fs::File::open(file).map_err(cannot)?)
    };
    let mut document = Vec::new();
    opened
        .take(IMPORT_MAX_BYTES + 1)
        .read_to_end(&mut document)
        .map_err(cannot)?;
    if document.len() as u64 > IMPORT_MAX_BYTES {
        return Err(Failure::usage(format!(
            "{name} is larger than 20 MiB, the most the server takes at once; split it"
        )));
    }
    Ok(document)
}
