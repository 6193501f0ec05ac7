//! taskctl against a hostile server: escapes meant for the terminal, endless
//! listings, redirects that would carry secrets elsewhere.

use serde_json::json;
use taskd_tests::{Answer, FakeServer, Taskctl};

/// A task as the API shows it, with this title and description.
fn task(id: i64, title: &str, description: &str) -> serde_json::Value {
    json!({
        "id": id, "title": title, "description": description, "completed": false,
        "owner_id": 1, "created_at": "2026-01-01T00:00:00Z", "updated_at": "2026-01-01T00:00:00Z",
    })
}

#[test]
fn control_characters_from_the_server_never_reach_the_terminal() {
    // Colour, a window title and a bell: what a title could do to a terminal.
    let title = "\u{1b}[31mred\u{1b}]0;pwned\u{7}";
    let description = "line one\u{1b}[2Jcleared\u{202e}reversed";
    let one = task(7, title, description);
    let listed = json!([one]);
    let fake = FakeServer::start(move |request| {
        if request.starts_with("GET /api/v1/tasks/7 ") {
            Answer::json("200 OK", &[], &one.to_string())
        } else {
            Answer::json(
                "200 OK",
                &[("x-total-count", "1".to_owned())],
                &listed.to_string(),
            )
        }
    });
    let taskctl = Taskctl::for_url(&fake.url());
    taskctl.save_session("jane@example.com");
    for args in [&["list"][..], &["show", "7"]] {
        let run = taskctl.run(args, None).success();
        assert!(
            !run.stdout.contains(['\u{1b}', '\u{7}', '\u{202e}']),
            "{args:?} printed {:?}",
            run.stdout
        );
        assert!(
            run.stdout.contains("red"),
            "the text around them stays: {}",
            run.stdout
        );
    }
    // --json is for programs: the exact text, escaped by JSON.
    let run = taskctl.run(&["show", "7", "--json"], None).success();
    assert_eq!(run.json()["title"], title);
    assert!(!run.stdout.contains('\u{1b}'));
}

#[test]
fn list_all_stops_at_a_cap_when_the_server_never_ends() {
    let page: Vec<_> = (0..200).map(|n| task(n, "endless", "")).collect();
    let page = serde_json::Value::Array(page).to_string();
    let fake = FakeServer::start(move |_| {
        Answer::json(
            "200 OK",
            &[
                ("x-total-count", "1000000000".to_owned()),
                (
                    "link",
                    "</api/v1/tasks?limit=200&cursor=again>; rel=\"next\"".to_owned(),
                ),
            ],
            &page,
        )
    });
    let taskctl = Taskctl::for_url(&fake.url());
    taskctl.save_session("jane@example.com");
    let run = taskctl.run(&["list", "--all"], None);
    assert_ne!(run.code, Some(0), "stdout: {}", run.stdout);
    assert!(
        run.stderr.contains("--skip") && run.stderr.contains("filters"),
        "says what to do instead: {}",
        run.stderr
    );
    // 50,000 tasks in pages of 200, and not one page more.
    assert_eq!(fake.received().len(), 250);
}

#[test]
fn a_redirect_to_another_origin_is_not_followed_with_the_password() {
    let elsewhere = FakeServer::start(|_| Answer::json("200 OK", &[], "{}"));
    let target = format!("{}/steal", elsewhere.url());
    let fake = FakeServer::start(move |_| {
        Answer::json(
            "307 Temporary Redirect",
            &[("location", target.clone())],
            "{}",
        )
    });
    let taskctl = Taskctl::for_url(&fake.url());
    let run = taskctl.run(
        &["login", "--email", "jane@example.com", "--password-stdin"],
        Some("the secret password\n"),
    );
    assert_ne!(run.code, Some(0));
    assert!(run.stderr.contains("redirect"), "{}", run.stderr);
    assert_eq!(
        fake.received().len(),
        1,
        "the login was sent once, to the server named"
    );
    assert!(
        elsewhere.received().is_empty(),
        "another origin got: {:?}",
        elsewhere.received()
    );
}

#[test]
fn list_all_stops_at_an_empty_page_that_links_to_another() {
    let fake = FakeServer::start(|_| {
        Answer::json(
            "200 OK",
            &[
                ("x-total-count", "5".to_owned()),
                (
                    "link",
                    "</api/v1/tasks?limit=200&cursor=more>; rel=\"next\"".to_owned(),
                ),
            ],
            "[]",
        )
    });
    let taskctl = Taskctl::for_url(&fake.url());
    taskctl.save_session("jane@example.com");
    let run = taskctl.run(&["list", "--all"], None);
    assert_ne!(run.code, Some(0), "stdout: {}", run.stdout);
    assert!(run.stderr.contains("empty page"), "{}", run.stderr);
    assert_eq!(fake.received().len(), 1);
}

#[test]
fn list_all_asks_for_at_most_500_pages() {
    // One task a page, each page linking to the next, for ever.
    let fake = FakeServer::start(|request| {
        let n = request.len();
        Answer::json(
            "200 OK",
            &[
                ("x-total-count", "1000".to_owned()),
                (
                    "link",
                    format!("</api/v1/tasks?limit=200&cursor=c{n}>; rel=\"next\""),
                ),
            ],
            &json!([task(1, "one a page", "")]).to_string(),
        )
    });
    let taskctl = Taskctl::for_url(&fake.url());
    taskctl.save_session("jane@example.com");
    let run = taskctl.run(&["list", "--all"], None);
    assert_ne!(run.code, Some(0), "stdout: {}", run.stdout);
    assert_eq!(fake.received().len(), 500);
}

#[test]
fn an_answer_larger_than_any_taskd_sends_is_not_read() {
    // A page of valid tasks, 17 MiB of it.
    let big: Vec<_> = (0..9000)
        .map(|n| task(n, "big", &"x".repeat(2000)))
        .collect();
    let big = serde_json::Value::Array(big).to_string();
    assert!(big.len() > 16 * 1024 * 1024);
    let fake = FakeServer::start(move |_| {
        Answer::json("200 OK", &[("x-total-count", "9000".to_owned())], &big)
    });
    let taskctl = Taskctl::for_url(&fake.url());
    taskctl.save_session("jane@example.com");
    let run = taskctl.run(&["list"], None);
    assert_ne!(run.code, Some(0), "stdout: {}", run.stdout.len());
    assert!(run.stderr.contains("larger than 16 MiB"), "{}", run.stderr);
    // The control: the same answer at a sane size is listed.
    let small = serde_json::Value::Array(vec![task(1, "small", "")]).to_string();
    let fake = FakeServer::start(move |_| {
        Answer::json("200 OK", &[("x-total-count", "1".to_owned())], &small)
    });
    let taskctl = Taskctl::for_url(&fake.url());
    taskctl.save_session("jane@example.com");
    assert!(
        taskctl
            .run(&["list"], None)
            .success()
            .stdout
            .contains("small")
    );
}

/// A fake taskd whose export is `body`.
fn exporting(body: &'static str) -> FakeServer {
    FakeServer::start(move |_| Answer::json("200 OK", &[], body))
}

#[test]
fn an_export_that_is_not_json_is_an_error() {
    let fake = exporting("\u{1b}]0;pwned\u{7}\u{1b}[2J not an export");
    let taskctl = Taskctl::for_url(&fake.url());
    taskctl.save_session("jane@example.com");
    let run = taskctl.run(&["export"], None);
    assert_ne!(run.code, Some(0));
    assert!(
        run.stderr.contains("not one JSON document"),
        "{}",
        run.stderr
    );
    // The control: a JSON export is written as it came.
    let fake = exporting(r#"{"format":"taskd-export","version":1,"tasks":[]}"#);
    let taskctl = Taskctl::for_url(&fake.url());
    taskctl.save_session("jane@example.com");
    let run = taskctl.run(&["export"], None).success();
    assert_eq!(
        run.stdout,
        r#"{"format":"taskd-export","version":1,"tasks":[]}"#
    );
}

#[test]
fn an_export_goes_to_a_terminal_only_with_force_and_escaped() {
    let fake = exporting(
        "{\"format\":\"taskd-export\",\"version\":1,\"tasks\":[{\"title\":\"a\u{202e}b\u{9b}2Jc\"}]}",
    );
    let taskctl = Taskctl::for_url(&fake.url());
    taskctl.save_session("jane@example.com");
    let (code, screen) = taskctl.on_a_terminal(&fake.url(), &["export"], "");
    assert_eq!(code, Some(2), "{screen}");
    assert!(screen.contains("--force"), "{screen}");
    assert!(fake.received().is_empty(), "nothing was asked for");
    let (code, screen) = taskctl.on_a_terminal(&fake.url(), &["export", "--force"], "");
    assert_eq!(code, Some(0), "{screen}");
    assert!(!screen.contains(['\u{202e}', '\u{9b}']), "{screen:?}");
    assert!(screen.contains(r"a\u202eb\u009b2Jc"), "{screen}");
}

#[test]
fn a_redirect_loop_on_the_same_server_is_called_one() {
    let fake = FakeServer::start(|_| {
        Answer::json(
            "307 Temporary Redirect",
            &[("location", "/api/v1/tasks".to_owned())],
            "{}",
        )
    });
    let taskctl = Taskctl::for_url(&fake.url());
    taskctl.save_session("jane@example.com");
    let run = taskctl.run(&["list"], None);
    assert_ne!(run.code, Some(0));
    assert!(run.stderr.contains("loop"), "{}", run.stderr);
    assert!(!run.stderr.contains("another server"), "{}", run.stderr);
}
