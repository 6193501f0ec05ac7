//! The real taskctl binary against a real taskd.

use serde_json::Value;
use taskd_tests::{Server, Taskctl, unique_email};

const PASSWORD: &str = "correct horse battery";

fn registered(server: &Server) -> (Taskctl, String) {
    Taskctl::registered(server, "cli", PASSWORD)
}

#[test]
fn a_whole_session_from_register_to_logout() {
    let server = Server::start();
    let taskctl = Taskctl::new(&server);
    let email = unique_email("session");

    let register = taskctl
        .run(
            &["register", "--email", &email, "--password-stdin"],
            Some(&format!("{PASSWORD}\n")),
        )
        .success();
    assert!(
        register
            .stdout
            .contains(&format!("registered {email} and logged in")),
        "{}",
        register.stdout
    );
    let whoami = taskctl.run(&["whoami"], None).success();
    assert!(whoami.stdout.contains(&email), "{}", whoami.stdout);

    // Log in again, password on stdin.
    let login = taskctl
        .run(
            &[
                "login",
                "--email",
                &email.to_uppercase(),
                "--password-stdin",
            ],
            Some(PASSWORD),
        )
        .success();
    assert!(login.stdout.contains("logged in to"), "{}", login.stdout);

    let added = taskctl
        .run(&["add", "Buy milk", "-d", "two litres, semi-skimmed"], None)
        .success();
    assert!(added.stdout.contains("added task"), "{}", added.stdout);
    let id: i64 = added
        .stdout
        .split_whitespace()
        .nth(2)
        .and_then(|s| s.trim_end_matches(':').parse().ok())
        .expect("id");
    taskctl.run(&["add", "Water the plants"], None).success();

    let table = taskctl.run(&["list"], None).success();
    assert!(table.stdout.contains("Buy milk"), "{}", table.stdout);
    assert!(table.stdout.contains("two litres"), "{}", table.stdout);
    assert!(
        table.stdout.contains("showing 1–2 of 2"),
        "{}",
        table.stdout
    );
    assert!(
        !table.stdout.contains('│') && !table.stdout.contains('─'),
        "no box drawing in a pipe:\n{}",
        table.stdout
    );

    let listed = taskctl.run(&["ls", "--json"], None).success().json();
    let api: Vec<Value> = api::tasks(&server, &taskctl);
    assert_eq!(
        listed,
        Value::Array(api),
        "--json prints exactly what the API returned"
    );

    let edited = taskctl
        .run(
            &["edit", &id.to_string(), "--title", "Buy oat milk", "--json"],
            None,
        )
        .success()
        .json();
    assert_eq!(edited["title"], "Buy oat milk");
    assert_eq!(edited["description"], "two litres, semi-skimmed");
    let cleared = taskctl
        .run(
            &["edit", &id.to_string(), "--clear-description", "--json"],
            None,
        )
        .success()
        .json();
    assert_eq!(cleared["description"], Value::Null);

    let done = taskctl.run(&["done", &id.to_string()], None).success();
    assert!(
        done.stdout.contains(&format!("done {id}")),
        "{}",
        done.stdout
    );
    assert_eq!(
        taskctl
            .run(&["show", &id.to_string(), "--json"], None)
            .success()
            .json()["completed"],
        true
    );
    taskctl.run(&["undone", &id.to_string()], None).success();
    let shown = taskctl.run(&["show", &id.to_string()], None).success();
    assert!(
        shown.stdout.contains("Buy oat milk") && shown.stdout.contains("no"),
        "{}",
        shown.stdout
    );

    let removed = taskctl
        .run(&["rm", &id.to_string(), "--yes"], None)
        .success();
    assert!(
        removed.stdout.contains(&format!("deleted task {id}")),
        "{}",
        removed.stdout
    );
    let after = taskctl.run(&["list"], None).success();
    assert!(
        !after.stdout.contains("Buy oat milk") && after.stdout.contains("showing 1–1 of 1"),
        "{}",
        after.stdout
    );

    let logout = taskctl.run(&["logout"], None).success();
    assert!(logout.stdout.contains("logged out"));
    assert!(!taskctl.config_dir().join("session.json").exists());
    let whoami = taskctl.run(&["whoami"], None);
    assert_eq!(whoami.code, Some(4));
}

/// The tasks the API itself returns for this taskctl's session.
mod api {
    use serde_json::Value;
    use taskd_tests::{Server, Taskctl};

    pub fn tasks(server: &Server, taskctl: &Taskctl) -> Vec<Value> {
        let session: Value = serde_json::from_str(
            &std::fs::read_to_string(taskctl.config_dir().join("session.json"))
                .expect("session file"),
        )
        .expect("session JSON");
        let token = session["token"].as_str().expect("token").to_owned();
        let url = format!("{}/tasks?skip=0&limit=20", server.api);
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        runtime.block_on(async move {
            taskd_tests::client()
                .get(url)
                .bearer_auth(token)
                .send()
                .await
                .expect("request")
                .json()
                .await
                .expect("JSON")
        })
    }
}

#[test]
fn session_file_is_private() {
    let server = Server::start();
    let (taskctl, _) = registered(&server);
    let path = taskctl.config_dir().join("session.json");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path)
            .expect("session file")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let text = std::fs::read_to_string(&path).expect("read");
    assert!(!text.contains(PASSWORD), "the password is never saved");
}

#[test]
fn server_down_is_exit_3_with_a_clear_message() {
    let closed = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("http://{}", closed.local_addr().expect("address"));
    drop(closed);
    let taskctl = Taskctl::for_url(&url);
    let run = taskctl.run(
        &["login", "--email", "a@example.com", "--password-stdin"],
        Some(PASSWORD),
    );
    assert_eq!(run.code, Some(3), "{}", run.stderr);
    assert_eq!(
        run.stderr.trim(),
        format!("taskctl: cannot reach taskd at {url}: connection refused — is it running?")
    );
}

#[test]
fn not_logged_in_and_ended_sessions_are_exit_4() {
    let server = Server::start();
    let taskctl = Taskctl::new(&server);
    let run = taskctl.run(&["list"], None);
    assert_eq!(run.code, Some(4));
    assert!(
        run.stderr.contains("not logged in") && run.stderr.contains("taskctl login"),
        "{}",
        run.stderr
    );

    // An expired access token and nothing to renew it with (a session saved
    // by a taskctl without refresh tokens).
    let (taskctl, email) = registered(&server);
    let path = taskctl.config_dir().join("session.json");
    let mut session: Value =
        serde_json::from_str(&std::fs::read_to_string(&path).expect("read")).expect("JSON");
    let object = session.as_object_mut().expect("object");
    object.remove("refresh_token");
    object.remove("refresh_expires_at");
    session["expires_at"] = Value::from("2020-01-01T00:00:00Z");
    std::fs::write(&path, session.to_string()).expect("write");
    let run = taskctl.run(&["add", "too late"], None);
    assert_eq!(run.code, Some(4));
    assert!(
        run.stderr.contains(&format!("session for {email} expired")),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("run: taskctl login"), "{}", run.stderr);

    // Tokens the server no longer accepts, access and refresh alike.
    session["expires_at"] = Value::from("2099-01-01T00:00:00Z");
    session["token"] = Value::from("not-a-valid-token");
    session["refresh_token"] = Value::from("tdr_not-a-valid-token");
    std::fs::write(&path, session.to_string()).expect("write");
    let run = taskctl.run(&["list"], None);
    assert_eq!(run.code, Some(4), "{}", run.stderr);
    assert!(run.stderr.contains("has ended"), "{}", run.stderr);
}

#[test]
fn unknown_ids_are_exit_5_and_each_failure_is_reported() {
    let server = Server::start();
    let (taskctl, _) = registered(&server);
    let run = taskctl.run(&["show", "424242"], None);
    assert_eq!(run.code, Some(5));
    assert_eq!(run.stderr.trim(), "taskctl: task 424242 not found");

    let added = taskctl
        .run(&["add", "real", "--json"], None)
        .success()
        .json();
    let id = added["id"].to_string();
    let run = taskctl.run(&["done", "999998", &id, "999999"], None);
    assert_eq!(run.code, Some(5));
    assert!(
        run.stderr.contains("task 999998 not found")
            && run.stderr.contains("task 999999 not found"),
        "{}",
        run.stderr
    );
    assert!(
        run.stdout.contains(&format!("done {id}")),
        "the good id is still done: {}",
        run.stdout
    );
}

#[test]
fn server_validation_errors_are_exit_1_with_the_servers_message() {
    let server = Server::start();
    let (taskctl, email) = registered(&server);
    let run = taskctl.run(&["add", "   "], None);
    assert_eq!(run.code, Some(1));
    assert_eq!(
        run.stderr.trim(),
        "taskctl: title: String should have at least 1 character that is not white space"
    );

    let other = Taskctl::new(&server);
    let run = other.run(
        &["register", "--email", &email, "--password-stdin"],
        Some(PASSWORD),
    );
    assert_eq!(run.code, Some(1));
    assert_eq!(run.stderr.trim(), "taskctl: Email already registered");

    let run = other.run(
        &["login", "--email", &email, "--password-stdin"],
        Some("wrong password"),
    );
    assert_eq!(run.code, Some(1));
    assert_eq!(run.stderr.trim(), "taskctl: incorrect email or password");
}

#[test]
fn json_output_is_only_json() {
    let server = Server::start();
    let (taskctl, email) = registered(&server);
    for args in [
        vec!["add", "one", "--json"],
        vec!["list", "--json"],
        vec!["list", "--all", "--json"],
        vec!["whoami", "--json"],
        vec!["done", "1", "--json"],
        vec!["rm", "1", "--json"],
        vec!["logout", "--json"],
    ] {
        let run = taskctl.run(&args, None).success();
        run.json();
        assert!(!run.stdout.contains("showing"), "{args:?}");
    }
    let run = taskctl
        .run(
            &["login", "--email", &email, "--password-stdin", "--json"],
            Some(PASSWORD),
        )
        .success();
    assert!(run.json()["expires_at"].is_string());
    assert!(
        !run.stdout.contains("token"),
        "the token stays in the session file"
    );
}

#[test]
fn list_all_follows_every_page() {
    let server = Server::start();
    let (taskctl, _) = registered(&server);
    for n in 0..25 {
        taskctl
            .run(&["add", &format!("task {n:02}")], None)
            .success();
    }
    let page = taskctl
        .run(&["list", "--limit", "10", "--skip", "20"], None)
        .success();
    assert!(
        page.stdout.contains("showing 21–25 of 25"),
        "{}",
        page.stdout
    );
    // Pages of 10: three requests.
    let all = taskctl
        .run(&["list", "--all", "--limit", "10", "--json"], None)
        .success()
        .json();
    let titles: Vec<_> = all
        .as_array()
        .expect("array")
        .iter()
        .map(|t| t["title"].as_str().expect("title").to_owned())
        .collect();
    let expected: Vec<_> = (0..25).map(|n| format!("task {n:02}")).collect();
    assert_eq!(titles, expected);
    let table = taskctl
        .run(&["list", "--all", "--limit", "10"], None)
        .success();
    assert!(
        table.stdout.contains("showing 1–25 of 25"),
        "{}",
        table.stdout
    );
}

#[test]
fn a_closed_pipe_ends_output_quietly() {
    let server = Server::start();
    let (taskctl, _) = registered(&server);
    taskctl.run(&["add", "one"], None).success();
    for args in [["list", "--json"], ["list", "--all"]] {
        // The reader is gone before taskctl writes a byte, as with `taskctl ls | head -0`.
        let (reader, writer) = std::io::pipe().expect("pipe");
        drop(reader);
        let output = taskctl
            .command()
            .args(args)
            .stdout(writer)
            .stderr(std::process::Stdio::piped())
            .output()
            .expect("run taskctl");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
        assert_eq!(output.status.code(), Some(0), "{args:?}: {stderr}");
    }
}

#[test]
fn json_keeps_the_servers_field_order() {
    let server = Server::start();
    let (taskctl, _) = registered(&server);
    let run = taskctl.run(&["add", "ordered", "--json"], None).success();
    // Read the raw text: parsing here could reorder the keys itself.
    let fields = [
        "id",
        "title",
        "description",
        "completed",
        "owner_id",
        "created_at",
        "updated_at",
    ];
    let positions: Vec<_> = fields
        .iter()
        .map(|field| {
            run.stdout
                .find(&format!("\"{field}\":"))
                .unwrap_or_else(|| panic!("no {field}: {}", run.stdout))
        })
        .collect();
    assert!(
        positions.windows(2).all(|pair| pair[0] < pair[1]),
        "{}",
        run.stdout
    );
}
