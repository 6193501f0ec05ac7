//! taskctl's lists: shown with their counts and the default marked, made,
//! renamed, made the default and deleted by name (in any case), and
//! `--list NAME` on add, edit and list. Against a real taskd.

use serde_json::Value;
use taskd_tests::{Server, Taskctl};

fn json(taskctl: &Taskctl, args: &[&str]) -> Value {
    let mut all = vec!["--json"];
    all.extend_from_slice(args);
    taskctl.run(&all, None).success().json()
}

#[test]
fn lists_are_named_in_any_case_and_tasks_go_where_they_say() {
    let server = Server::start();
    let (taskctl, _) = Taskctl::registered(&server, "taskctl-lists", "password123");
    let shown = taskctl.run(&["lists"], None).success();
    assert!(shown.stdout.contains("Tasks (default)"), "{}", shown.stdout);

    let made = taskctl
        .run(&["lists", "add", "Groceries", "--color", "#2e8b57"], None)
        .success();
    assert!(
        made.stdout.contains("made the list Groceries"),
        "{}",
        made.stdout
    );
    let twice = taskctl.run(&["lists", "add", "groceries"], None);
    assert_eq!(twice.code, Some(1), "{}", twice.stderr);
    assert!(
        twice.stderr.contains("already have a list named"),
        "{}",
        twice.stderr
    );

    let milk = json(&taskctl, &["add", "Oat milk", "--list", "GROCERIES"]);
    let groceries = json(&taskctl, &["lists"])[1].clone();
    assert_eq!(milk["list_id"], groceries["id"]);
    json(&taskctl, &["add", "Call mum"]);
    let listed = taskctl.run(&["ls", "--list", "groceries"], None).success();
    assert!(
        listed.stdout.contains("Oat milk") && !listed.stdout.contains("Call mum"),
        "{}",
        listed.stdout
    );
    let counts = taskctl.run(&["lists"], None).success();
    let row = counts
        .stdout
        .lines()
        .find(|line| line.contains("Groceries"))
        .expect("a row")
        .to_owned();
    assert!(
        row.contains("#2E8B57") && row.split_whitespace().any(|cell| cell == "1"),
        "{row}"
    );

    let unknown = taskctl.run(&["add", "Stamps", "--list", "Post office"], None);
    assert_eq!(unknown.code, Some(2), "{}", unknown.stderr);
    assert!(
        unknown.stderr.contains("your lists: Tasks, Groceries"),
        "{}",
        unknown.stderr
    );

    // Moved back, renamed, made the default.
    let id = milk["id"].to_string();
    let moved = json(&taskctl, &["edit", &id, "--list", "tasks"]);
    assert_ne!(moved["list_id"], groceries["id"]);
    taskctl
        .run(&["lists", "rename", "groceries", "Shopping"], None)
        .success();
    taskctl
        .run(&["lists", "default", "SHOPPING"], None)
        .success();
    let bread = json(&taskctl, &["add", "Bread"]);
    assert_eq!(
        bread["list_id"], groceries["id"],
        "new tasks go to the new default"
    );
    let shown = taskctl.run(&["lists"], None).success();
    assert!(
        shown.stdout.contains("Shopping (default)"),
        "{}",
        shown.stdout
    );

    // Deleting: not the default; one with tasks only with --trash-tasks.
    let refused = taskctl.run(&["lists", "rm", "shopping"], None);
    assert_eq!(refused.code, Some(1), "{}", refused.stderr);
    let full = taskctl.run(&["lists", "rm", "tasks"], None);
    assert_eq!(full.code, Some(1), "{}", full.stderr);
    assert!(
        full.stderr.contains("has 2 tasks") && full.stderr.contains("--trash-tasks"),
        "{}",
        full.stderr
    );
    let gone = taskctl
        .run(&["lists", "rm", "tasks", "--trash-tasks"], None)
        .success();
    assert!(
        gone.stdout.contains("its 2 tasks went to the trash"),
        "{}",
        gone.stdout
    );
    let trash = json(&taskctl, &["trash"]);
    assert_eq!(trash.as_array().map(Vec::len), Some(2));
}
