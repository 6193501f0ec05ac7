//! taskctl planning: dates people type, priorities, tags, filters, `next`
//! and `tags`, against a real taskd.

use serde_json::Value;
use taskd_tests::{Server, Taskctl};

fn json_list(taskctl: &Taskctl, args: &[&str]) -> Vec<Value> {
    let mut all = vec!["--json"];
    all.extend_from_slice(args);
    match taskctl.run(&all, None).success().json() {
        Value::Array(items) => items,
        other => panic!("not a list: {other}"),
    }
}

fn titles(tasks: &[Value]) -> Vec<&str> {
    tasks
        .iter()
        .map(|task| task["title"].as_str().expect("title"))
        .collect()
}

#[test]
fn add_reads_dates_priorities_and_tags_as_people_type_them() {
    let server = Server::start();
    let (taskctl, _) = Taskctl::registered(&server, "plan-add", "password123");
    let taskctl = taskctl.with_env("TZ", "Pacific/Auckland");
    taskctl
        .run(
            &[
                "add",
                "Pay rent +money",
                "--due",
                "tomorrow",
                "-p",
                "high",
                "-t",
                "Home",
            ],
            None,
        )
        .success();
    let added = taskctl
        .run(&["add", "Call the bank", "--due", "2030-01-15 09:30"], None)
        .success();
    // It says what it understood, and in which zone.
    assert!(
        added
            .stdout
            .contains("Call the bank — due Tue 15 Jan 2030 09:30 NZDT"),
        "{}",
        added.stdout
    );
    let tasks = json_list(&taskctl, &["list"]);
    let rent = &tasks[0];
    assert_eq!(rent["title"], "Pay rent");
    assert_eq!(rent["priority"], "high");
    assert_eq!(rent["tags"], serde_json::json!(["home", "money"]));
    let zone = taskcore::Zone::parse("Pacific/Auckland").expect("zone");
    let tomorrow = zone.day_of(chrono::Utc::now()) + chrono::Days::new(1);
    assert_eq!(rent["due_date"], tomorrow.to_string().as_str());
    // 09:30 in Auckland in January (daylight time, +13:00) is 20:30 UTC the day before.
    assert_eq!(tasks[1]["due_at"], "2030-01-14T20:30:00Z");

    let wrong = taskctl.run(&["add", "x", "--due", "someday"], None);
    assert_eq!(wrong.code, Some(2), "a usage error: {}", wrong.stderr);
    assert!(
        wrong.stderr.contains("tomorrow") && wrong.stderr.contains("+3d"),
        "shows the accepted forms: {}",
        wrong.stderr
    );
    assert_eq!(json_list(&taskctl, &["list"]).len(), 2, "nothing was added");
}

#[test]
fn register_sends_the_local_time_zone() {
    let server = Server::start();
    let taskctl = Taskctl::new(&server).with_env("TZ", ":America/Los_Angeles");
    let email = taskd_tests::unique_email("plan-zone");
    taskctl
        .run(
            &["register", "--email", &email, "--password-stdin"],
            Some("password123\n"),
        )
        .success();
    let me = taskctl.run(&["--json", "whoami"], None).success().json();
    assert_eq!(me["timezone"], "America/Los_Angeles");
    let changed = taskctl
        .run(&["--json", "timezone", "Europe/Paris"], None)
        .success()
        .json();
    assert_eq!(changed["timezone"], "Europe/Paris");
    let refused = taskctl.run(&["timezone", "Mars/Olympus"], None);
    assert_eq!(refused.code, Some(1), "{}", refused.stderr);
}

#[test]
fn list_filters_edit_changes_and_tags_counts() {
    let server = Server::start();
    let (taskctl, _) = Taskctl::registered(&server, "plan-list", "password123");
    let taskctl = taskctl.with_env("TZ", "UTC");
    for args in [
        vec![
            "add",
            "Pay rent",
            "-p",
            "high",
            "-t",
            "money",
            "-t",
            "home",
            "--due",
            "2020-01-01",
        ],
        vec![
            "add",
            "Water plants",
            "-d",
            "balcony and kitchen",
            "-t",
            "home",
        ],
        vec!["add", "Read paper", "-p", "low"],
    ] {
        taskctl.run(&args, None).success();
    }
    assert_eq!(
        titles(&json_list(
            &taskctl,
            &["list", "--tag", "home", "--tag", "money"]
        )),
        ["Pay rent"]
    );
    assert_eq!(
        titles(&json_list(&taskctl, &["list", "kitch"])),
        ["Water plants"]
    );
    assert_eq!(
        titles(&json_list(&taskctl, &["list", "--due", "overdue"])),
        ["Pay rent"]
    );
    assert_eq!(
        titles(&json_list(&taskctl, &["list", "--sort", "-priority,title"])),
        ["Pay rent", "Read paper", "Water plants"]
    );
    assert_eq!(
        titles(&json_list(&taskctl, &["list", "--priority", "none"])),
        ["Water plants"]
    );
    assert_eq!(
        titles(&json_list(&taskctl, &["list", "--before", "2020-01-02"])),
        ["Pay rent"]
    );

    let table = taskctl.run(&["list"], None).success();
    for column in ["DUE", "PRI", "TAGS"] {
        assert!(table.stdout.contains(column), "{}", table.stdout);
    }
    assert!(table.stdout.contains("money home") || table.stdout.contains("home money"));

    let id = json_list(&taskctl, &["list", "--tag", "money"])[0]["id"].to_string();
    let edited = taskctl
        .run(
            &[
                "--json", "edit", &id, "--untag", "home", "--tag", "rent", "--due", "none", "-p",
                "none",
            ],
            None,
        )
        .success()
        .json();
    assert_eq!(edited["tags"], serde_json::json!(["money", "rent"]));
    assert_eq!(
        (edited["due_date"].clone(), edited["priority"].clone()),
        (Value::Null, Value::Null)
    );

    let tags = taskctl.run(&["--json", "tags"], None).success().json();
    assert_eq!(
        tags,
        serde_json::json!([
            {"name": "home", "open": 1, "total": 1},
            {"name": "money", "open": 1, "total": 1},
            {"name": "rent", "open": 1, "total": 1}
        ])
    );
    let shown = taskctl.run(&["show", &id], None).success();
    assert!(
        shown.stdout.contains("UTC"),
        "times name their zone: {}",
        shown.stdout
    );
}

#[test]
fn next_ranks_open_tasks_by_urgency() {
    let server = Server::start();
    let (taskctl, _) = Taskctl::registered(&server, "plan-next", "password123");
    let taskctl = taskctl.with_env("TZ", "UTC");
    for args in [
        vec!["add", "someday"],
        vec![
            "add",
            "overdue and important",
            "-p",
            "high",
            "--due",
            "2020-01-01",
        ],
        vec!["add", "due next week", "--due", "+7d"],
        vec!["add", "important", "-p", "high"],
        vec!["add", "done already", "-p", "high", "--due", "2020-01-01"],
    ] {
        taskctl.run(&args, None).success();
    }
    let done_id = json_list(&taskctl, &["list", "--search", "done"])[0]["id"].to_string();
    taskctl.run(&["done", &done_id], None).success();
    let ranked = json_list(&taskctl, &["next"]);
    assert_eq!(
        titles(&ranked),
        [
            "overdue and important",
            "important",
            "due next week",
            "someday"
        ]
    );
    let scores: Vec<f64> = ranked
        .iter()
        .map(|task| task["urgency"].as_f64().expect("urgency"))
        .collect();
    assert!(
        scores.windows(2).all(|pair| pair[0] >= pair[1]),
        "{scores:?}"
    );
    let table = taskctl.run(&["next", "-n", "2"], None).success();
    assert!(
        table.stdout.contains("URG") && !table.stdout.contains("someday"),
        "{}",
        table.stdout
    );
}

#[test]
fn list_refuses_filters_the_server_would_refuse_with_every_reason() {
    let server = Server::start();
    let (taskctl, _) = Taskctl::registered(&server, "plan-refuse", "password123");
    // Control: the same listing with good values answers.
    taskctl
        .run(&["list", "--tag", "home", "--sort", "-due"], None)
        .success();
    let refused = taskctl.run(&["list", "--tag", "a b", "--sort", "size"], None);
    assert_eq!(refused.code, Some(1), "{}", refused.stderr);
    assert!(
        refused.stderr.contains("tag: A tag may hold letters")
            && refused.stderr.contains("sort: Sort keys are"),
        "each refused filter is named, as the server's 422 names it: {}",
        refused.stderr
    );
}
