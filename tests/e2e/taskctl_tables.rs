//! taskctl's tables: fitted to a terminal of 80 columns (a real
//! pseudo-terminal), titles cut with `…` rather than wrapped, no column
//! that is empty by construction, all of it through a pipe; and the weekly
//! review, completed tasks by the day they were done. Against a real taskd.

use chrono::{Duration, SecondsFormat, Utc};
use serde_json::{Value, json};
use taskd_tests::{Server, Taskctl};

const LONG_TITLE: &str =
    "Write the quarterly report for the board of directors before the meeting on Friday";

fn add(taskctl: &Taskctl, args: &[&str]) -> i64 {
    let mut all = vec!["--json", "add"];
    all.extend_from_slice(args);
    taskctl.run(&all, None).success().json()["id"]
        .as_i64()
        .expect("id")
}

/// The lines of a screen, without the terminal's carriage returns.
fn lines(screen: &str) -> Vec<&str> {
    screen
        .lines()
        .map(|line| line.trim_end_matches('\r'))
        .collect()
}

/// The header line of a table on a screen (the line naming ID and TITLE).
fn header(screen: &str) -> String {
    lines(screen)
        .into_iter()
        .find(|line| line.contains("ID") && line.contains("TITLE"))
        .unwrap_or_else(|| panic!("no table header:\n{screen}"))
        .to_owned()
}

fn setup(label: &str) -> (Server, Taskctl) {
    let server = Server::start();
    let (taskctl, _) = Taskctl::registered(&server, label, "password123");
    add(
        &taskctl,
        &[
            LONG_TITLE, "--due", "tomorrow", "-p", "h", "-t", "work", "-t", "reports",
        ],
    );
    add(
        &taskctl,
        &[
            "Call the bank about the mortgage appointment",
            "--description",
            "Ask about the fixed rate and whether early repayment is allowed without a fee",
        ],
    );
    let milk = add(&taskctl, &["Buy oat milk", "-t", "errands"]);
    taskctl.run(&["done", &milk.to_string()], None).success();
    (server, taskctl)
}

#[test]
fn on_an_80_column_terminal_every_table_fits_and_titles_are_cut_not_wrapped() {
    let (server, taskctl) = setup("tables-80");
    // With borders and colour, as a terminal shows them by default.
    let taskctl = taskctl.with_env("NO_COLOR", "");
    for args in [
        &["ls"][..],
        &["next"],
        &["ls", "--any"],
        &["ls", "--done"],
        &["ls", "--wide"],
    ] {
        let (code, screen) = taskctl.on_a_terminal(&server.base, args, "");
        assert_eq!(code, Some(0), "{args:?}: {screen}");
        for line in lines(&screen) {
            assert!(
                line.chars().count() <= 80,
                "{args:?}: a line of {} columns:\n{screen}",
                line.chars().count()
            );
        }
        assert!(screen.contains('┆'), "drawn with borders: {screen}");
        let shown = header(&screen);
        // DONE only where open and done tasks mix; UPDATED only when asked.
        assert_eq!(
            shown.contains("DONE"),
            args.contains(&"--any"),
            "{args:?}: {shown}"
        );
        assert_eq!(
            shown.contains("UPDATED"),
            args.contains(&"--wide"),
            "{args:?}: {shown}"
        );
        assert_eq!(
            shown.contains("COMPLETED"),
            args.contains(&"--done"),
            "{args:?}: {shown}"
        );
        if !args.contains(&"--done") {
            // One line per task: the long title is cut, never wrapped.
            let row: Vec<&str> = lines(&screen)
                .into_iter()
                .filter(|line| line.contains("Write the quarterly"))
                .collect();
            assert_eq!(row.len(), 1, "{args:?}:\n{screen}");
            assert!(row[0].contains('…'), "{args:?}:\n{screen}");
            assert!(
                !screen.contains("Friday"),
                "the title's end is cut:\n{screen}"
            );
            assert!(!screen.contains("appointm\r\n"), "{screen}");
        }
    }
}

#[test]
fn through_a_pipe_nothing_is_cut_and_the_listing_says_how_to_see_more() {
    let (_server, taskctl) = setup("tables-pipe");
    let listed = taskctl.run(&["ls"], None).success();
    assert!(listed.stdout.contains(LONG_TITLE), "{}", listed.stdout);
    assert!(
        listed
            .stdout
            .contains("early repayment is allowed without a fee"),
        "{}",
        listed.stdout
    );
    assert!(!listed.stdout.contains('…'), "{}", listed.stdout);
    let head = listed.stdout.lines().next().expect("a header");
    assert!(
        !head.contains("DONE") && !head.contains("UPDATED"),
        "{head}"
    );
    // One line per task even where a title would not fit a terminal.
    assert_eq!(
        listed.stdout.lines().count(),
        1 + 2 + 1,
        "{}",
        listed.stdout
    );
    let next = taskctl.run(&["next"], None).success();
    let head = next.stdout.lines().next().expect("a header");
    assert!(head.contains("URG") && !head.contains("DONE"), "{head}");

    // A page short of the total says how to see the rest.
    let many: Vec<Value> = (0..20)
        .map(|n| json!({"id": n + 1, "title": format!("Chore {n}")}))
        .collect();
    let document = json!({"format": "taskd-export", "version": 1, "tasks": many});
    taskctl
        .run(&["import", "-"], Some(&document.to_string()))
        .success();
    let first = taskctl.run(&["ls"], None).success();
    let footer = first.stdout.lines().last().expect("a footer");
    assert_eq!(footer, "showing 1–20 of 22 · --all or --page 2");
    let second = taskctl.run(&["ls", "--page", "2"], None).success();
    assert_eq!(second.stdout.lines().last(), Some("showing 21–22 of 22"));
}

#[test]
fn the_weekly_review_lists_what_was_completed_by_the_day_it_was_done() {
    let server = Server::start();
    let (taskctl, _) = Taskctl::registered(&server, "review", "password123");
    let at = |ago: Duration| (Utc::now() - ago).to_rfc3339_opts(SecondsFormat::Secs, true);
    // Eight days back is before this week's Monday, whatever today is.
    let document = json!({"format": "taskd-export", "version": 1, "tasks": [
        {"id": 1, "title": "Done today", "completed": true, "completed_at": at(Duration::zero())},
        {"id": 2, "title": "Done long ago", "completed": true, "completed_at": at(Duration::days(8))},
        {"id": 3, "title": "Still open"},
    ]});
    taskctl
        .run(&["import", "-"], Some(&document.to_string()))
        .success();

    let this_week = taskctl
        .run(&["ls", "--done", "--since", "mon"], None)
        .success();
    assert!(
        this_week.stdout.contains("Done today"),
        "{}",
        this_week.stdout
    );
    assert!(
        !this_week.stdout.contains("Done long ago"),
        "{}",
        this_week.stdout
    );
    assert!(
        !this_week.stdout.contains("Still open"),
        "{}",
        this_week.stdout
    );
    assert!(
        this_week
            .stdout
            .lines()
            .next()
            .is_some_and(|head| head.contains("COMPLETED")),
        "{}",
        this_week.stdout
    );

    // --until alone lists completed tasks too, oldest first by default.
    let before = taskctl.run(&["ls", "--until", "yesterday"], None).success();
    assert!(
        before.stdout.contains("Done long ago") && !before.stdout.contains("Done today"),
        "{}",
        before.stdout
    );
    // In the order they were done (their ids run the other way).
    let done: Value = taskctl
        .run(&["--json", "ls", "--since", "2000-01-01"], None)
        .success()
        .json();
    let titles: Vec<&str> = done
        .as_array()
        .expect("tasks")
        .iter()
        .filter_map(|task| task["title"].as_str())
        .collect();
    assert_eq!(titles, ["Done long ago", "Done today"]);

    let refused = taskctl.run(&["ls", "--since", "someday"], None);
    assert_eq!(refused.code, Some(2), "{}", refused.stderr);
    assert!(
        refused.stderr.contains("'someday' is not a date"),
        "{}",
        refused.stderr
    );
    let clash = taskctl.run(&["ls", "--open", "--since", "mon"], None);
    assert_eq!(clash.code, Some(2), "{}", clash.stderr);
}
