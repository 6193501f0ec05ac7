//! taskctl's undo through the last commands (an import among them), changes
//! by filter instead of ids, and `edit ID` in $EDITOR. Against a real taskd;
//! prompts through a real pseudo-terminal.

use serde_json::{Value, json};
use taskd_tests::{Server, Taskctl};

const PASSWORD: &str = "password123";

/// An executable shell script in `directory`.
fn script(directory: &std::path::Path, name: &str, body: &str) -> String {
    use std::os::unix::fs::PermissionsExt;
    let path = directory.join(name);
    std::fs::write(&path, format!("#!/bin/sh\nset -e\n{body}\n")).expect("write");
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    path.display().to_string()
}

fn add(taskctl: &Taskctl, args: &[&str]) -> i64 {
    let mut all = vec!["--json", "add"];
    all.extend_from_slice(args);
    taskctl.run(&all, None).success().json()["id"]
        .as_i64()
        .expect("id")
}

/// Every live task's title → the task, open and done.
fn tasks(taskctl: &Taskctl) -> std::collections::BTreeMap<String, Value> {
    let listed = taskctl
        .run(&["--json", "ls", "--any", "--all"], None)
        .success()
        .json();
    listed
        .as_array()
        .expect("tasks")
        .iter()
        .map(|task| {
            (
                task["title"].as_str().expect("title").to_owned(),
                task.clone(),
            )
        })
        .collect()
}

#[test]
fn undo_walks_back_through_the_last_commands_one_at_a_time() {
    let server = Server::start();
    let (taskctl, _) = Taskctl::registered(&server, "undo-walk", PASSWORD);
    let rent = add(&taskctl, &["Pay rent"]).to_string();
    let milk = add(&taskctl, &["Buy milk"]).to_string();
    taskctl.run(&["done", &rent], None).success();
    taskctl
        .run(&["edit", &milk, "--priority", "high"], None)
        .success();
    taskctl.run(&["rm", "--yes", &milk], None).success();

    let history = taskctl
        .run(&["--json", "undo", "--list"], None)
        .success()
        .json();
    let commands: Vec<&str> = history
        .as_array()
        .expect("list")
        .iter()
        .filter_map(|done| done["command"].as_str())
        .collect();
    assert_eq!(commands[0], format!("rm --yes {milk}"));
    assert_eq!(commands[1], format!("edit {milk} --priority high"));
    assert_eq!(commands.len(), 5, "{history}");
    let listed = taskctl.run(&["undo", "--list"], None).success();
    assert!(
        listed.stdout.contains("taskctl rm --yes")
            && listed.stdout.contains("taskctl undo reverts #1"),
        "{}",
        listed.stdout
    );

    taskctl.run(&["undo"], None).success();
    assert_eq!(
        tasks(&taskctl)["Buy milk"]["priority"],
        "high",
        "the rm is undone"
    );
    taskctl.run(&["undo"], None).success();
    assert_eq!(
        tasks(&taskctl)["Buy milk"]["priority"],
        Value::Null,
        "then the edit"
    );
    taskctl.run(&["undo"], None).success();
    assert_eq!(
        tasks(&taskctl)["Pay rent"]["completed"],
        false,
        "then the done"
    );
    taskctl.run(&["undo"], None).success();
    taskctl.run(&["undo"], None).success();
    assert!(tasks(&taskctl).is_empty(), "then both adds");
    let nothing = taskctl.run(&["undo"], None);
    assert_eq!(nothing.code, Some(1));
    assert!(
        nothing.stderr.contains("nothing to undo"),
        "{}",
        nothing.stderr
    );

    // At least the last ten commands.
    for n in 0..12 {
        add(&taskctl, &[&format!("Task {n}")]);
    }
    for _ in 0..12 {
        taskctl.run(&["undo"], None).success();
    }
    assert!(tasks(&taskctl).is_empty());
}

#[test]
fn an_import_is_undone_except_for_the_tasks_changed_since() {
    let server = Server::start();
    let (taskctl, email) = Taskctl::registered(&server, "undo-import", PASSWORD);
    let kept = add(&taskctl, &["Made before"]);
    let document = json!({"format": "taskd-export", "version": 1, "tasks": [
        {"id": 1, "title": "Imported one"},
        {"id": 2, "title": "Imported two"},
        {"id": 3, "title": "Imported three", "completed": true},
        {"id": 4, "title": "Imported and trashed", "deleted_at": "2026-01-01T00:00:00Z"},
    ]});
    taskctl
        .run(&["import", "-"], Some(&document.to_string()))
        .success();
    assert_eq!(tasks(&taskctl).len(), 4);
    // Another device changes one of them.
    let phone = Taskctl::logged_in(&server, &email, PASSWORD);
    let two = tasks(&taskctl)["Imported two"]["id"].as_i64().expect("id");
    phone
        .run(&["edit", &two.to_string(), "--priority", "high"], None)
        .success();

    let undo = taskctl.run(&["undo"], None);
    assert_eq!(undo.code, Some(1), "{}", undo.stderr);
    assert!(
        undo.stderr
            .contains(&format!("task {two} was changed elsewhere since")),
        "{}",
        undo.stderr
    );
    let left: Vec<String> = tasks(&taskctl).into_keys().collect();
    assert_eq!(left, ["Imported two", "Made before"]);
    // The refused change does not block the history: undo goes on back.
    taskctl.run(&["undo"], None).success();
    let left: Vec<String> = tasks(&taskctl).into_keys().collect();
    assert_eq!(left, ["Imported two"], "the add before the import, undone");
    assert!(kept > 0);
}

#[test]
fn done_by_filter_asks_on_a_terminal_and_needs_yes_in_a_script() {
    let server = Server::start();
    let (taskctl, _) = Taskctl::registered(&server, "bulk", PASSWORD);
    add(
        &taskctl,
        &["Post letter", "-t", "errands", "--due", "2020-01-01"],
    );
    add(
        &taskctl,
        &["Pick up parcel", "-t", "errands", "--due", "2020-01-02"],
    );
    add(&taskctl, &["Buy stamps", "-t", "errands"]);
    add(&taskctl, &["Pay rent", "--due", "2020-01-01"]);

    let script = taskctl.run(&["done", "--tag", "errands", "--due", "overdue"], None);
    assert_eq!(script.code, Some(2), "{}", script.stderr);
    assert!(
        script
            .stderr
            .contains("this would complete 2 tasks; add --yes"),
        "{}",
        script.stderr
    );
    assert!(
        tasks(&taskctl)
            .values()
            .all(|task| task["completed"] == false),
        "nothing changed"
    );

    // On a terminal: the tasks are shown, then the question.
    let (code, screen) = taskctl.on_a_terminal(
        &server.base,
        &["done", "--tag", "errands", "--due", "overdue"],
        "n\n",
    );
    assert_eq!(code, Some(1), "{screen}");
    assert!(
        screen.contains("Post letter") && screen.contains("complete 2 tasks? [y/N]"),
        "{screen}"
    );
    assert!(!screen.contains("Buy stamps"), "{screen}");
    assert!(
        tasks(&taskctl)
            .values()
            .all(|task| task["completed"] == false),
        "a no changes nothing"
    );
    let (code, screen) = taskctl.on_a_terminal(
        &server.base,
        &["done", "--tag", "errands", "--due", "overdue"],
        "y\n",
    );
    assert_eq!(code, Some(0), "{screen}");
    let now = tasks(&taskctl);
    assert_eq!(
        (
            now["Post letter"]["completed"].clone(),
            now["Pick up parcel"]["completed"].clone()
        ),
        (json!(true), json!(true))
    );
    assert_eq!(
        (
            now["Buy stamps"]["completed"].clone(),
            now["Pay rent"]["completed"].clone()
        ),
        (json!(false), json!(false))
    );

    // One undo takes the whole command back.
    taskctl.run(&["undo"], None).success();
    assert!(
        tasks(&taskctl)
            .values()
            .all(|task| task["completed"] == false)
    );

    // edit --where: the same change to each open task it selects.
    taskctl
        .run(
            &[
                "edit",
                "--where",
                "+errands before:2020-01-01",
                "--priority",
                "high",
                "--add-tag",
                "today",
                "--yes",
            ],
            None,
        )
        .success();
    let now = tasks(&taskctl);
    assert_eq!(now["Post letter"]["priority"], "high");
    assert_eq!(now["Post letter"]["tags"], json!(["errands", "today"]));
    assert_eq!(now["Pick up parcel"]["priority"], Value::Null);
    // rm by filter, and a filter that selects nothing.
    taskctl
        .run(&["rm", "--tag", "errands", "--yes"], None)
        .success();
    assert_eq!(
        tasks(&taskctl).into_keys().collect::<Vec<_>>(),
        ["Pay rent"]
    );
    let none = taskctl
        .run(&["done", "--tag", "errands", "--yes"], None)
        .success();
    assert!(
        none.stdout.contains("no tasks match; nothing changed"),
        "{}",
        none.stdout
    );
    let both = taskctl.run(&["done", "1", "--tag", "errands"], None);
    assert_eq!(both.code, Some(2), "{}", both.stderr);
}

#[test]
fn edit_alone_opens_the_task_in_the_editor_and_sends_only_what_changed() {
    let server = Server::start();
    let (mut taskctl, email) = Taskctl::registered(&server, "editor", PASSWORD);
    let id = add(
        &taskctl,
        &["Write report", "-t", "work", "-d", "First draft"],
    )
    .to_string();
    let directory = tempfile::tempdir().expect("tempdir");
    let edit = script(
        directory.path(),
        "edit.sh",
        "sed -i -e 's/^title: .*/title: Write the report/' -e 's/^priority: .*/priority: h/' \\\n  -e 's/^tags: .*/tags: work +q4/' \"$1\"",
    );
    taskctl.set_env("EDITOR", &edit);
    let (code, screen) = taskctl.on_a_terminal(&server.base, &["edit", &id], "");
    assert_eq!(code, Some(0), "{screen}");
    assert!(screen.contains("Write the report"), "{screen}");
    let task = tasks(&taskctl)["Write the report"].clone();
    assert_eq!(task["priority"], "high");
    assert_eq!(task["tags"], json!(["q4", "work"]));
    assert_eq!(task["description"], "First draft", "left as it was");

    // An editor that leaves the file as it was changes nothing.
    taskctl.set_env("EDITOR", "true");
    let (code, screen) = taskctl.on_a_terminal(&server.base, &["edit", &id], "");
    assert_eq!(code, Some(0), "{screen}");
    assert!(
        screen.contains(&format!("task {id} is unchanged")),
        "{screen}"
    );
    // Without a terminal there is no editor to open: a usage error, as before.
    let script_run = taskctl.run(&["edit", &id], None);
    assert_eq!(script_run.code, Some(2), "{}", script_run.stderr);
    let version = tasks(&taskctl)["Write the report"]["version"].clone();

    // Changed elsewhere while in the editor, and listed here meanwhile: the
    // form's version still guards the save, so theirs is shown and asked about.
    let phone = Taskctl::logged_in(&server, &email, PASSWORD);
    let racing = script(
        directory.path(),
        "racing.sh",
        &format!(
            "TASKCTL_CONFIG_DIR='{phone}' '{bin}' edit {id} -d \"from the phone $$\" >/dev/null\n\
             TASKCTL_CONFIG_DIR='{mine}' '{bin}' ls >/dev/null\n\
             sed -i 's/^priority: .*/priority: low/' \"$1\"",
            phone = phone.config_dir().display(),
            mine = taskctl.config_dir().display(),
            bin = taskd_tests::binary("taskctl").display()
        ),
    );
    taskctl.set_env("EDITOR", &racing);
    let (code, screen) = taskctl.on_a_terminal(&server.base, &["edit", &id], "t\n");
    assert_eq!(code, Some(0), "{screen}");
    assert!(
        screen.contains("yours (theirs with your change)"),
        "{screen}"
    );
    let task = tasks(&taskctl)["Write the report"].clone();
    assert_eq!(task["priority"], "high", "kept theirs");
    assert_ne!(task["version"], version);
    // Keep mine: the change applies on theirs.
    let (code, screen) = taskctl.on_a_terminal(&server.base, &["edit", &id], "m\n");
    assert_eq!(code, Some(0), "{screen}");
    let task = tasks(&taskctl)["Write the report"].clone();
    assert_eq!(task["priority"], "low");
    assert!(
        task["description"]
            .as_str()
            .is_some_and(|text| text.starts_with("from the phone")),
        "their change stays: {task}"
    );
}

#[test]
fn edit_in_the_editor_sets_how_a_task_repeats_and_reminds() {
    let server = Server::start();
    let (mut taskctl, _) = Taskctl::registered(&server, "editor-repeat", PASSWORD);
    let id = add(&taskctl, &["Water the plants"]).to_string();
    let directory = tempfile::tempdir().expect("tempdir");
    let edit = script(
        directory.path(),
        "repeat.sh",
        "sed -i -e 's/^due: .*/due: 2030-01-07/' -e 's/^repeat: .*/repeat: 3 days/' \\\n  -e 's/^repeat from: .*/repeat from: done/' -e 's/^remind: .*/remind: 1h, 2d/' \"$1\"",
    );
    taskctl.set_env("EDITOR", &edit);
    let (code, screen) = taskctl.on_a_terminal(&server.base, &["edit", &id], "");
    assert_eq!(code, Some(0), "{screen}");
    let task = tasks(&taskctl)["Water the plants"].clone();
    assert_eq!(task["due_date"], "2030-01-07");
    assert_eq!(task["repeat"], "FREQ=DAILY;INTERVAL=3");
    assert_eq!(task["repeat_from"], "completion");
    assert_eq!(
        task["reminders"],
        json!([{"before": "P2D"}, {"before": "PT1H"}])
    );

    // The form shows them back as it takes them: saved as it was, nothing changes.
    let check = script(
        directory.path(),
        "check.sh",
        "grep -q '^repeat: FREQ=DAILY;INTERVAL=3$' \"$1\" && grep -q '^repeat from: done$' \"$1\" \\\n  && grep -q '^remind: 2d, 1h$' \"$1\" || echo 'title: the form was not as written' > \"$1\"",
    );
    taskctl.set_env("EDITOR", &check);
    let (code, screen) = taskctl.on_a_terminal(&server.base, &["edit", &id], "");
    assert_eq!(code, Some(0), "{screen}");
    assert!(
        screen.contains(&format!("task {id} is unchanged")),
        "{screen}"
    );

    // Stopped and silenced from the form.
    let stop = script(
        directory.path(),
        "stop.sh",
        "sed -i -e 's/^repeat: .*/repeat: none/' -e 's/^remind: .*/remind: none/' \"$1\"",
    );
    taskctl.set_env("EDITOR", &stop);
    let (code, screen) = taskctl.on_a_terminal(&server.base, &["edit", &id], "");
    assert_eq!(code, Some(0), "{screen}");
    let task = tasks(&taskctl)["Water the plants"].clone();
    assert_eq!(
        (task["repeat"].clone(), task["reminders"].clone()),
        (json!(null), json!([]))
    );
}

/// The occurrences `show` lists as done (its newest five).
fn done_lines(taskctl: &Taskctl, id: &str) -> usize {
    let shown = taskctl.run(&["show", id], None).success();
    shown
        .stdout
        .lines()
        .filter(|line| line.starts_with("  done ") && line.contains("(due "))
        .count()
}

#[test]
fn undoing_done_on_a_repeating_task_takes_the_occurrence_back_and_keeps_the_count() {
    let server = Server::start();
    let (taskctl, _) = Taskctl::registered(&server, "undo-repeating", PASSWORD);
    // Daily from 2030-01-07, three times: the 7th, the 8th and the 9th.
    let id = add(
        &taskctl,
        &[
            "Stretch",
            "--due",
            "2030-01-07",
            "--every",
            "day",
            "--times",
            "3",
        ],
    )
    .to_string();
    taskctl.run(&["done", &id], None).success();
    taskctl.run(&["done", &id], None).success();
    assert_eq!(tasks(&taskctl)["Stretch"]["due_date"], "2030-01-09");
    assert_eq!(done_lines(&taskctl, &id), 2);

    let undone = taskctl.run(&["undo"], None).success();
    assert!(
        undone.stdout.contains(&format!(
            "undid done of task {id}: Stretch, due Tue 8 Jan 2030 again"
        )),
        "{}",
        undone.stdout
    );
    let task = tasks(&taskctl)["Stretch"].clone();
    assert_eq!(
        (task["due_date"].clone(), task["completed"].clone()),
        (json!("2030-01-08"), json!(false))
    );
    assert_eq!(
        done_lines(&taskctl, &id),
        1,
        "the occurrence is no longer done"
    );

    // The series still ends after its third occurrence.
    taskctl.run(&["done", &id], None).success();
    assert_eq!(tasks(&taskctl)["Stretch"]["due_date"], "2030-01-09");
    taskctl.run(&["done", &id], None).success();
    let closed = tasks(&taskctl)["Stretch"].clone();
    assert_eq!(
        (closed["due_date"].clone(), closed["completed"].clone()),
        (json!("2030-01-09"), json!(true)),
        "the third occurrence done ends the series"
    );
    assert_eq!(done_lines(&taskctl, &id), 3);

    // The done that ended it, undone: open again at its last occurrence.
    taskctl.run(&["undo"], None).success();
    let reopened = tasks(&taskctl)["Stretch"].clone();
    assert_eq!(
        (reopened["due_date"].clone(), reopened["completed"].clone()),
        (json!("2030-01-09"), json!(false))
    );
    assert_eq!(done_lines(&taskctl, &id), 2);
    taskctl.run(&["done", &id], None).success();
    assert_eq!(tasks(&taskctl)["Stretch"]["completed"], true);

    // Reopened, then that undone: done again, its last occurrence once.
    taskctl.run(&["undone", &id], None).success();
    assert_eq!(tasks(&taskctl)["Stretch"]["completed"], false);
    taskctl.run(&["undo"], None).success();
    assert_eq!(tasks(&taskctl)["Stretch"]["completed"], true);
    assert_eq!(done_lines(&taskctl, &id), 3);
}

#[test]
fn a_done_whose_series_moved_on_without_a_new_version_is_not_taken_back() {
    let server = Server::start();
    let (mut taskctl, _) = Taskctl::registered(&server, "undo-moved-on", PASSWORD);
    taskctl.set_env("TZ", "UTC");
    // Weekly at 09:00 UTC, a week before Paris moves its clocks on.
    let id = add(
        &taskctl,
        &["Call", "--due", "2030-03-25 09:00", "--every", "week"],
    )
    .to_string();
    taskctl.run(&["done", &id], None).success();
    assert_eq!(tasks(&taskctl)["Call"]["due_at"], "2030-04-01T09:00:00Z");
    // In Paris the series keeps 10:00 Paris time, which is 08:00 UTC in
    // summer: the due it moved to is no longer the one it would move to.
    taskctl.run(&["timezone", "Europe/Paris"], None).success();

    let refused = taskctl.run(&["undo"], None);
    assert_ne!(refused.code, Some(0));
    assert!(
        refused.stderr.contains(&format!(
            "task {id} was changed elsewhere since; not undone"
        )),
        "{}",
        refused.stderr
    );
    assert_eq!(tasks(&taskctl)["Call"]["due_at"], "2030-04-01T09:00:00Z");
    assert_eq!(done_lines(&taskctl, &id), 1, "still recorded");
}

/// A taskd from before `/uncomplete` (a fake: no older taskd runs here)
/// that has task 7, or, with `has_task` false, does not.
fn older_taskd(has_task: bool) -> taskd_tests::FakeServer {
    use taskd_tests::{Answer, FakeServer};
    FakeServer::start(move |request| {
        if request.starts_with("GET /api/v1/tasks/7 ") && has_task {
            let task = json!({
                "id": 7, "title": "Stretch", "description": null, "completed": false,
                "owner_id": 1, "created_at": "2026-01-01T00:00:00Z",
                "updated_at": "2026-01-01T00:00:00Z", "version": 4,
            });
            Answer::json("200 OK", &[], &task.to_string())
        } else if request.starts_with("GET /api/v1/tasks/7 ") {
            Answer::json("404 Not Found", &[], r#"{"detail":"Task not found"}"#)
        } else {
            Answer::json("404 Not Found", &[], r#"{"detail":"Not Found"}"#)
        }
    })
}

/// A journal whose newest command is a `done 7` that undo takes back.
fn journal_of_a_done(taskctl: &Taskctl, server: &str) {
    let journal = json!({
        "owner": format!("jane@example.com@{server}"),
        "seen": {"7": 4},
        "history": [{
            "command": "done 7", "at": "2026-12-01T09:00:00Z",
            "changes": [{"kind": "completed", "id": 7, "version": 4, "from": 3}],
        }],
    });
    std::fs::write(
        taskctl.config_dir().join("journal.json"),
        journal.to_string(),
    )
    .expect("write the journal");
}

/// `taskctl undo` of a `done 7` against [`older_taskd`], and the history
/// `undo --list` shows after it.
fn undo_against_an_older_taskd(has_task: bool) -> (taskd_tests::Run, Value) {
    let older = older_taskd(has_task);
    let taskctl = Taskctl::for_url(&older.url());
    taskctl.save_session("jane@example.com");
    journal_of_a_done(&taskctl, &older.url());
    let refused = taskctl.run(&["undo"], None);
    let history = taskctl
        .run(&["--json", "undo", "--list"], None)
        .success()
        .json();
    (refused, history)
}

#[test]
fn undo_of_a_done_against_a_taskd_too_old_to_take_it_back_says_so_and_keeps_it() {
    let (refused, history) = undo_against_an_older_taskd(true);
    assert_ne!(refused.code, Some(0));
    assert!(
        refused
            .stderr
            .contains("this taskd cannot take back a repeating task's occurrence"),
        "{}",
        refused.stderr
    );
    assert_eq!(
        history[0]["command"], "done 7",
        "kept to undo later: {history}"
    );

    // The control: the task itself is gone, and the change with it.
    let (refused, history) = undo_against_an_older_taskd(false);
    assert!(
        refused.stderr.contains("task 7 not found"),
        "{}",
        refused.stderr
    );
    assert_eq!(history, json!([]), "dropped for good");
}
