//! taskctl's everyday habits, Taskwarrior's where they fit: unquoted
//! titles, priority letters, id lists and ranges, +words as tags only when
//! they are words, bare `taskctl`, the time zone shown before it is changed,
//! and an import from a pipe. Against a real taskd.

use serde_json::Value;
use taskd_tests::{Server, Taskctl};

fn json(taskctl: &Taskctl, args: &[&str]) -> Value {
    let mut all = vec!["--json"];
    all.extend_from_slice(args);
    taskctl.run(&all, None).success().json()
}

/// Adds a task; its id.
fn add(taskctl: &Taskctl, args: &[&str]) -> i64 {
    let mut all = vec!["add"];
    all.extend_from_slice(args);
    json(taskctl, &all)["id"].as_i64().expect("id")
}

fn task(taskctl: &Taskctl, id: i64) -> Value {
    json(taskctl, &["show", &id.to_string()])
}

#[test]
fn add_takes_an_unquoted_title_and_priority_letters_in_either_case() {
    let server = Server::start();
    let (taskctl, _) = Taskctl::registered(&server, "habit-add", "password123");
    let milk = add(
        &taskctl,
        &["Buy", "oat", "milk", "-p", "H", "--due", "tomorrow"],
    );
    let milk = task(&taskctl, milk);
    assert_eq!(milk["title"], "Buy oat milk");
    assert_eq!(milk["priority"], "high");
    assert!(milk["due_date"].is_string());
    let bread = add(&taskctl, &["Buy bread", "-p", "m"]);
    assert_eq!(task(&taskctl, bread)["priority"], "medium");
    let edited = json(&taskctl, &["edit", &bread.to_string(), "-p", "L"]);
    assert_eq!(edited["priority"], "low");

    let wrong = taskctl.run(&["add", "x", "-p", "urgent"], None);
    assert_eq!(wrong.code, Some(2), "{}", wrong.stderr);
    assert!(
        wrong.stderr.contains("'low', 'medium' or 'high'"),
        "{}",
        wrong.stderr
    );
    // A title is required, quoted or not.
    assert_eq!(taskctl.run(&["add"], None).code, Some(2));
    // An unquoted due with a time would put the time in the title: refused.
    let spilled = taskctl.run(&["add", "Call", "mom", "--due", "fri", "5pm"], None);
    assert_eq!(spilled.code, Some(2), "{}", spilled.stderr);
    assert!(
        spilled.stderr.contains("--due \"fri 5pm\""),
        "{}",
        spilled.stderr
    );
    let quoted = task(
        &taskctl,
        add(&taskctl, &["Call", "mom", "--due", "fri 5pm"]),
    );
    assert_eq!(quoted["title"], "Call mom");
    assert!(quoted["due_at"].is_string());
}

#[test]
fn ids_come_as_lists_and_ranges() {
    let server = Server::start();
    let (taskctl, _) = Taskctl::registered(&server, "habit-ids", "password123");
    let ids: Vec<i64> = (1..=5)
        .map(|n| add(&taskctl, &[&format!("task {n}")]))
        .collect();
    let done = |id: i64| task(&taskctl, id)["completed"] == true;

    taskctl
        .run(&["done", &format!("{}-{}", ids[0], ids[1])], None)
        .success();
    taskctl
        .run(&["done", &format!("{},{}", ids[2], ids[3])], None)
        .success();
    assert!(ids[..4].iter().all(|id| done(*id)));
    assert!(!done(ids[4]), "the fifth was named by no list");
    taskctl
        .run(
            &[
                "undone",
                &format!("{}-{}", ids[0], ids[3]),
                &ids[0].to_string(),
            ],
            None,
        )
        .success();
    assert!(ids.iter().all(|id| !done(*id)));

    for wrong in [
        format!("{}-{}", ids[3], ids[0]),
        "1-2000".to_owned(),
        "x-3".to_owned(),
        ",".to_owned(),
    ] {
        let refused = taskctl.run(&["done", &wrong], None);
        assert_eq!(refused.code, Some(2), "{wrong}: {}", refused.stderr);
    }
    assert!(
        ids.iter().all(|id| !done(*id)),
        "a refused list changes nothing"
    );
}

#[test]
fn plus_words_become_tags_only_when_they_are_words() {
    let server = Server::start();
    let (taskctl, _) = Taskctl::registered(&server, "habit-tags", "password123");
    let bug = task(&taskctl, add(&taskctl, &["Fix +bug in +parser now"]));
    assert_eq!(bug["title"], "Fix in now");
    assert_eq!(bug["tags"], serde_json::json!(["bug", "parser"]));
    let score = task(&taskctl, add(&taskctl, &["Score was 3 +1 bonus"]));
    assert_eq!(score["title"], "Score was 3 +1 bonus");
    assert_eq!(score["tags"], serde_json::json!([]));
    let literal = task(
        &taskctl,
        add(&taskctl, &["--literal", "Learn C +ish things"]),
    );
    assert_eq!(literal["title"], "Learn C +ish things");
    assert_eq!(literal["tags"], serde_json::json!([]));

    // edit --title reads +words the same way, and --literal keeps them.
    let id = score["id"].as_i64().expect("id").to_string();
    let ride = json(&taskctl, &["edit", &id, "--title", "Ride +bike to work"]);
    assert_eq!(ride["title"], "Ride to work");
    assert_eq!(ride["tags"], serde_json::json!(["bike"]));
    let kept = json(
        &taskctl,
        &["edit", &id, "--title", "Ride +bike", "--literal"],
    );
    assert_eq!(kept["title"], "Ride +bike");
}

#[test]
fn bare_taskctl_runs_next_when_logged_in_and_helps_otherwise() {
    let server = Server::start();
    let stranger = Taskctl::new(&server);
    let help = stranger.run(&[], None).success();
    assert!(help.stdout.contains("taskctl register"), "{}", help.stdout);
    // A script asking for JSON gets the failure, not a help text.
    let scripted = stranger.run(&["--json"], None);
    assert_eq!(scripted.code, Some(4), "{}", scripted.stdout);
    assert!(scripted.stdout.is_empty(), "{}", scripted.stdout);

    let (taskctl, _) = Taskctl::registered(&server, "habit-bare", "password123");
    add(&taskctl, &["Water the plants", "--due", "today"]);
    let next = taskctl.run(&[], None).success();
    assert!(next.stdout.contains("Water the plants"), "{}", next.stdout);
}

#[test]
fn the_time_zone_is_shown_without_a_zone_and_set_in_any_case() {
    let server = Server::start();
    let (taskctl, _) = Taskctl::registered(&server, "habit-zone", "password123");
    taskctl.run(&["timezone", "europe/berlin"], None).success();
    // A machine in another zone sees the account's, and is told how to
    // change it; nothing changes.
    let shown = taskctl
        .command()
        .env("TZ", "America/New_York")
        .arg("timezone")
        .output()
        .expect("run taskctl");
    let shown = String::from_utf8_lossy(&shown.stdout).into_owned();
    assert!(shown.contains("time zone Europe/Berlin"), "{shown}");
    assert!(
        shown.contains("taskctl timezone America/New_York"),
        "{shown}"
    );
    assert_eq!(json(&taskctl, &["whoami"])["timezone"], "Europe/Berlin");
    let whoami = taskctl.run(&["whoami"], None).success();
    assert!(
        whoami.stdout.contains("(time zone Europe/Berlin)"),
        "{}",
        whoami.stdout
    );
}

#[test]
fn import_reads_a_document_from_standard_input() {
    let server = Server::start();
    let (source, _) = Taskctl::registered(&server, "habit-export", "password123");
    add(&source, &["Carried over +moving"]);
    let document = source.run(&["export"], None).success().stdout;

    let (target, _) = Taskctl::registered(&server, "habit-import", "password123");
    let imported = target.run(&["import", "-"], Some(&document)).success();
    assert!(imported.stdout.contains("created 1"), "{}", imported.stdout);
    let tasks = json(&target, &["list"]);
    assert_eq!(tasks[0]["title"], "Carried over");
    // A Taskwarrior export through the same pipe.
    let taskwarrior = r#"[{"uuid":"5f0c2a9e-2c8e-4a55-9d43-0b3f7e3f6a11","description":"From Taskwarrior","status":"pending","entry":"20261201T090000Z"}]"#;
    target.run(&["import", "-"], Some(taskwarrior)).success();
    let tasks = json(&target, &["list", "--all"]);
    assert!(
        tasks
            .as_array()
            .is_some_and(|tasks| tasks.iter().any(|task| task["title"] == "From Taskwarrior")),
        "{tasks:?}"
    );
}

#[test]
fn the_trash_says_when_and_erases_for_good() {
    let server = Server::start();
    let (taskctl, _) = Taskctl::registered(&server, "habit-trash", "password123");
    let ids: Vec<i64> = ["Old plan", "Older plan", "Kept plan"]
        .iter()
        .map(|title| add(&taskctl, &[title]))
        .collect();
    let (old, older) = (ids[0].to_string(), ids[1].to_string());
    taskctl.run(&["rm", "--yes", &old, &older], None).success();

    let listed = taskctl.run(&["trash"], None).success();
    assert!(listed.stdout.contains("DELETED"), "{}", listed.stdout);
    assert!(!listed.stdout.contains("UPDATED"), "{}", listed.stdout);
    assert!(listed.stdout.contains("Old plan"), "{}", listed.stdout);

    // show tells a trashed task from one that never was.
    let trashed = taskctl.run(&["show", &old], None);
    assert_eq!(trashed.code, Some(5), "{}", trashed.stderr);
    assert!(
        trashed.stderr.contains("is in the trash")
            && trashed.stderr.contains(&format!("taskctl restore {old}")),
        "{}",
        trashed.stderr
    );
    let unknown = taskctl.run(&["show", "999999"], None);
    assert_eq!(unknown.code, Some(5));
    assert!(!unknown.stderr.contains("trash"), "{}", unknown.stderr);

    // Erased for good: neither in the trash nor restorable.
    taskctl.run(&["trash", "rm", &old], None).success();
    let gone = taskctl.run(&["show", &old], None);
    assert!(!gone.stderr.contains("in the trash"), "{}", gone.stderr);
    assert_eq!(taskctl.run(&["restore", &old], None).code, Some(5));
    let again = taskctl.run(&["trash", "rm", &old], None);
    assert_eq!(again.code, Some(5), "{}", again.stderr);

    // On a terminal it asks first; a no erases nothing.
    let (code, screen) = taskctl.on_a_terminal(&server.base, &["trash", "empty"], "n\n");
    assert_eq!(code, Some(1), "{screen}");
    assert!(
        screen.contains("[y/N]") && screen.contains("cancelled"),
        "{screen}"
    );
    let still = taskctl.run(&["trash"], None).success();
    assert!(still.stdout.contains("Older plan"), "{}", still.stdout);
    let emptied = taskctl.run(&["trash", "empty"], None).success();
    assert!(
        emptied.stdout.contains("erased 1 task;"),
        "{}",
        emptied.stdout
    );
    let empty = taskctl.run(&["trash"], None).success();
    assert!(
        empty.stdout.contains("the trash is empty"),
        "{}",
        empty.stdout
    );
    // The task never deleted is untouched.
    assert_eq!(task(&taskctl, ids[2])["title"], "Kept plan");
}

#[test]
fn login_after_a_session_ended_remembers_the_email() {
    let server = Server::start();
    let (taskctl, email) = Taskctl::registered(&server, "habit-login", "password123");
    taskctl.run(&["logout"], None).success();
    let again = taskctl
        .run(&["login", "--password-stdin"], Some("password123\n"))
        .success();
    assert!(again.stdout.contains(&email), "{}", again.stdout);
    // The control: a taskctl that never logged in has no email to reuse.
    let fresh = Taskctl::new(&server);
    let asked = fresh.run(&["login", "--password-stdin"], Some("password123\n"));
    assert_eq!(asked.code, Some(2), "{}", asked.stderr);
    assert!(asked.stderr.contains("--email"), "{}", asked.stderr);
    // --email still picks another account.
    let wrong = taskctl.run(
        &[
            "login",
            "--email",
            "someone-else@example.com",
            "--password-stdin",
        ],
        Some("password123\n"),
    );
    assert_eq!(wrong.code, Some(1), "{}", wrong.stderr);
}

#[tokio::test]
async fn an_ended_session_says_why_and_what_to_run() {
    let server = Server::start();
    let (taskctl, _) = Taskctl::registered(&server, "habit-ended", "password123");
    add(&taskctl, &["Before the theft"]);
    // The saved refresh token, spent twice elsewhere: the server ends the session.
    let saved: Value = serde_json::from_str(
        &std::fs::read_to_string(taskctl.config_dir().join("session.json")).expect("session"),
    )
    .expect("JSON");
    let refresh_token = saved["refresh_token"].as_str().expect("refresh token");
    for expected in [200, 401] {
        let answer = server.refresh(refresh_token).await;
        assert_eq!(answer.status(), expected);
    }
    let refused = taskctl.run(&["list"], None);
    assert_eq!(refused.code, Some(4), "{}", refused.stderr);
    // Told by the refresh taskctl tried (the access token was refused first).
    assert!(
        refused.stderr.contains("the session for")
            && refused
                .stderr
                .contains("has ended: its refresh token was used twice")
            && refused.stderr.contains("run: taskctl login"),
        "{}",
        refused.stderr
    );
}

#[test]
fn ls_shows_open_tasks_and_says_how_to_see_more() {
    let server = Server::start();
    let (taskctl, _) = Taskctl::registered(&server, "habit-ls", "password123");
    let ids: Vec<i64> = (1..=25)
        .map(|n| add(&taskctl, &[&format!("chore {n:02}")]))
        .collect();
    taskctl
        .run(&["done", &format!("{}-{}", ids[0], ids[2])], None)
        .success();
    let titles = |args: &[&str]| -> Vec<String> {
        match json(&taskctl, args) {
            Value::Array(tasks) => tasks
                .iter()
                .map(|task| task["title"].as_str().expect("title").to_owned())
                .collect(),
            other => panic!("not a list: {other}"),
        }
    };
    // Open by default; --done the completed; --any both.
    let open = titles(&["ls", "--all"]);
    assert_eq!(open.len(), 22);
    assert!(!open.contains(&"chore 01".to_owned()));
    assert_eq!(titles(&["ls", "--done"]).len(), 3);
    assert_eq!(titles(&["ls", "--any", "--all"]).len(), 25);

    // A page short of the total says how to see the rest.
    let first = taskctl.run(&["ls", "--sort", "title"], None).success();
    assert!(
        first
            .stdout
            .contains("showing 1–20 of 22 · --all or --page 2"),
        "{}",
        first.stdout
    );
    let second = taskctl
        .run(&["ls", "--sort", "title", "--page", "2"], None)
        .success();
    assert!(second.stdout.contains("chore 25"), "{}", second.stdout);
    assert!(
        second.stdout.contains("showing 21–22 of 22"),
        "{}",
        second.stdout
    );
    assert!(!second.stdout.contains("--page"), "{}", second.stdout);
    assert_eq!(
        taskctl
            .run(&["ls", "--page", "2", "--skip", "3"], None)
            .code,
        Some(2)
    );
}

#[test]
fn a_typo_suggests_only_a_command_one_slip_away() {
    let server = Server::start();
    let taskctl = Taskctl::new(&server);
    let near = taskctl.run(&["lsit"], None);
    assert_eq!(near.code, Some(2));
    assert!(near.stderr.contains("'list'"), "{}", near.stderr);
    let far = taskctl.run(&["remind"], None);
    assert_eq!(far.code, Some(2));
    assert!(
        far.stderr.contains("unrecognized subcommand 'remind'"),
        "{}",
        far.stderr
    );
    assert!(!far.stderr.contains("'rm'"), "{}", far.stderr);
}

#[test]
fn help_keeps_the_global_options_apart_and_usage_lines_leave_the_environment_out() {
    let server = Server::start();
    let taskctl = Taskctl::new(&server);
    let help = taskctl.run(&["add", "--help"], None).success().stdout;
    let (own, global) = help
        .split_once("Global options:")
        .unwrap_or_else(|| panic!("no Global options heading:\n{help}"));
    assert!(
        own.contains("--literal") && !own.contains("--server"),
        "{help}"
    );
    assert!(
        global.contains("--server") && global.contains("--json"),
        "{help}"
    );
    // TASKCTL_SERVER and TASKCTL_CONFIG_DIR are set for every run here.
    let wrong = taskctl.run(&["list", "--open", "--bogus"], None);
    assert_eq!(wrong.code, Some(2));
    let usage = wrong
        .stderr
        .lines()
        .find(|line| line.starts_with("Usage:"))
        .unwrap_or_else(|| panic!("no usage line:\n{}", wrong.stderr));
    assert!(
        !usage.contains("--server") && !usage.contains("--config-dir"),
        "{usage}"
    );
}
