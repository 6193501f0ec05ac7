//! taskctl's repeating tasks, reminders and subtasks: --every, --after-done,
//! --until, --times, --remind and --parent on add and edit, the repeat
//! marker in tables, done printing the next due, show telling the rule,
//! the completions and the reminders, and ls --tree. Against a real taskd.

use serde_json::{Value, json};
use taskd_tests::{Server, Taskctl};

fn json(taskctl: &Taskctl, args: &[&str]) -> Value {
    let mut all = vec!["--json"];
    all.extend_from_slice(args);
    taskctl.run(&all, None).success().json()
}

#[test]
fn a_repeating_task_is_added_done_and_shown_with_its_next_due_and_reminders() {
    let server = Server::start();
    let (taskctl, _) = Taskctl::registered(&server, "taskctl-repeat", "password123");
    let bins = json(
        &taskctl,
        &[
            "add",
            "Bins",
            "--due",
            "2030-01-07",
            "--every",
            "2 weeks",
            "--remind",
            "1h",
            "--remind",
            "2030-01-06 18:00",
        ],
    );
    assert_eq!(bins["repeat"], "FREQ=WEEKLY;INTERVAL=2");
    assert_eq!(bins["repeat_from"], "due");
    assert_eq!(bins["reminders"].as_array().expect("reminders").len(), 2);
    assert_eq!(bins["reminders"][0], json!({"before": "PT1H"}));
    let id = bins["id"].to_string();

    let listed = taskctl.run(&["ls"], None).success();
    let row = listed
        .stdout
        .lines()
        .find(|line| line.contains("Bins"))
        .expect("a row")
        .to_owned();
    assert!(row.contains("↻"), "{row}");

    let done = taskctl.run(&["done", &id], None).success();
    assert!(done.stdout.contains("repeats, next due"), "{}", done.stdout);
    let moved = json(&taskctl, &["show", &id]);
    assert_eq!(
        (moved["due_date"].clone(), moved["completed"].clone()),
        (json!("2030-01-21"), json!(false))
    );

    let shown = taskctl.run(&["show", &id], None).success();
    for words in [
        "repeats every 2 weeks, counted from its due",
        "(due 2030-01-07)",
        "reminders: 1 hour before, 2030-01-06 18:00",
    ] {
        assert!(shown.stdout.contains(words), "{words}: {}", shown.stdout);
    }

    // Counted from the completion, due today when no due is given, three times.
    let water = json(
        &taskctl,
        &[
            "add",
            "Water",
            "--every",
            "3 days",
            "--after-done",
            "--times",
            "3",
        ],
    );
    assert_eq!(water["repeat"], "FREQ=DAILY;COUNT=3;INTERVAL=3");
    assert_eq!(water["repeat_from"], "completion");
    assert!(water["due_date"].is_string(), "{water}");
    let typed = json(
        &taskctl,
        &[
            "add",
            "Typed",
            "--every",
            "FREQ=DAILY;COUNT=3",
            "--due",
            "2030-01-07",
        ],
    );
    assert_eq!(
        typed["repeat"], "FREQ=DAILY;COUNT=3",
        "a rule typed whole keeps its end"
    );
    let until = json(
        &taskctl,
        &[
            "add",
            "Until",
            "--every",
            "mon,wed",
            "--until",
            "2030-12-31",
            "--due",
            "2030-01-07",
        ],
    );
    assert_eq!(until["repeat"], "FREQ=WEEKLY;UNTIL=20301231;BYDAY=MO,WE");

    // Edit stops the repeat and clears the reminders.
    let stopped = json(
        &taskctl,
        &["edit", &id, "--every", "none", "--remind", "none"],
    );
    assert_eq!(
        (stopped["repeat"].clone(), stopped["reminders"].clone()),
        (Value::Null, json!([]))
    );
}

#[test]
fn what_every_remind_and_parent_cannot_read_exits_2_naming_it() {
    let server = Server::start();
    let (taskctl, _) = Taskctl::registered(&server, "taskctl-repeat-bad", "password123");
    for (args, says) in [
        (vec!["add", "x", "--every", "fortnight maybe"], "--every"),
        (
            vec!["add", "x", "--due", "fri", "--remind", "soonish"],
            "--remind",
        ),
        (
            vec!["add", "x", "--due", "fri", "--remind", "fri"],
            "give a time too",
        ),
        (vec!["add", "x", "--parent", "abc"], "--parent"),
        (vec!["add", "x", "--until", "dec 31"], "--every"),
        (vec!["add", "x", "--after-done"], "--every"),
    ] {
        let refused = taskctl.run(&args, None);
        assert_eq!(refused.code, Some(2), "{args:?}: {}", refused.stderr);
        assert!(
            refused.stderr.contains(says),
            "{args:?}: {}",
            refused.stderr
        );
    }
    // The control: nothing was added, and a good one is.
    assert_eq!(json(&taskctl, &["ls"]), json!([]));
    json(&taskctl, &["add", "x", "--every", "day"]);
}

#[test]
fn subtasks_are_added_under_a_parent_and_listed_as_a_tree() {
    let server = Server::start();
    let (taskctl, _) = Taskctl::registered(&server, "taskctl-tree", "password123");
    let trip = json(&taskctl, &["add", "Plan trip"]);
    json(&taskctl, &["add", "Unrelated"]);
    let id = trip["id"].to_string();
    let tickets = json(&taskctl, &["add", "Book tickets", "--parent", &id]);
    assert_eq!(tickets["parent_id"], trip["id"]);
    json(
        &taskctl,
        &["add", "Pick seats", "--parent", &tickets["id"].to_string()],
    );

    let tree = taskctl.run(&["ls", "--tree"], None).success();
    let lines: Vec<&str> = tree.stdout.lines().collect();
    let at = |title: &str| {
        lines
            .iter()
            .position(|line| line.contains(title))
            .unwrap_or_else(|| panic!("{title}: {}", tree.stdout))
    };
    assert_eq!(at("Book tickets"), at("Plan trip") + 1, "{}", tree.stdout);
    assert_eq!(at("Pick seats"), at("Book tickets") + 1, "{}", tree.stdout);
    assert!(
        lines[at("Pick seats")].contains("  └ Pick seats"),
        "{}",
        tree.stdout
    );
    // Without --tree, the listing keeps its order (by id).
    let flat = taskctl.run(&["ls"], None).success();
    let flat_lines: Vec<&str> = flat.stdout.lines().collect();
    let unrelated = flat_lines
        .iter()
        .position(|line| line.contains("Unrelated"))
        .expect("row");
    let booked = flat_lines
        .iter()
        .position(|line| line.contains("Book tickets"))
        .expect("row");
    assert!(unrelated < booked, "{}", flat.stdout);

    let shown = taskctl.run(&["show", &id], None).success();
    assert!(
        shown.stdout.contains("subtasks (1):") && shown.stdout.contains("Book tickets"),
        "{}",
        shown.stdout
    );
    let top = json(
        &taskctl,
        &["edit", &tickets["id"].to_string(), "--parent", "none"],
    );
    assert_eq!(top["parent_id"], Value::Null);
}
