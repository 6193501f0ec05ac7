//! taskctl for who can get in: API tokens (and TASKCTL_TOKEN for scripts),
//! sessions, and registration that is closed or by invite.

use std::io::Write;
use std::process::Stdio;

use taskd_tests::{Server, ServerOptions, Taskctl, taskd_command, unique_email};

const PASSWORD: &str = "correct horse battery";

taskd_tests::on_both_backends! {
fn a_token_made_by_taskctl_drives_a_script_within_its_scope_until_revoked() {
    let server = Server::start();
    let (taskctl, _) = Taskctl::registered(&server, "cli-token", PASSWORD);
    taskctl.run(&["add", "Water the plants"], None).success();
    let made = taskctl
        .run(&["token", "create", "backup script", "--scope", "tasks:read", "--expires", "90d"], None)
        .success();
    let secret = made.stdout.trim().to_owned();
    assert!(secret.starts_with("tdp_") && !secret.contains('\n'), "{}", made.stdout);
    assert!(made.stderr.contains("not shown again"), "{}", made.stderr);
    let listed = taskctl.run(&["token", "list"], None).success();
    assert!(listed.stdout.contains("backup script") && listed.stdout.contains("tasks:read"), "{}", listed.stdout);
    assert!(!listed.stdout.contains(&secret));

    // A script with the token and no session.
    let script = Taskctl::new(&server).with_env("TASKCTL_TOKEN", &secret);
    let tasks = script.run(&["list"], None).success();
    assert!(tasks.stdout.contains("Water the plants"), "{}", tasks.stdout);
    let refused = script.run(&["add", "From the script"], None);
    assert_eq!(refused.code, Some(1), "{refused:?}");
    assert!(refused.stderr.contains("tasks:write"), "{}", refused.stderr);
    assert!(!script.config_dir().join("session.json").exists(), "nothing saved");

    let id = taskctl.run(&["token", "list", "--json"], None).success().json()[0]["id"]
        .as_i64()
        .expect("id");
    taskctl.run(&["token", "rm", &id.to_string()], None).success();
    let ended = script.run(&["list"], None);
    assert_eq!(ended.code, Some(4), "{ended:?}");
    assert!(ended.stderr.contains("TASKCTL_TOKEN was refused"), "{}", ended.stderr);
}
}

taskd_tests::on_both_backends! {
fn sessions_are_listed_and_ended_one_or_all_but_this_one() {
    let server = Server::start();
    let (laptop, email) = Taskctl::registered(&server, "cli-sessions", PASSWORD);
    let phone = Taskctl::new(&server);
    phone
        .run(&["login", "--email", &email, "--password-stdin"], Some(PASSWORD))
        .success();
    let listed = laptop.run(&["sessions", "--json"], None).success().json();
    let sessions = listed.as_array().expect("a list");
    assert_eq!(sessions.len(), 2);
    let table = laptop.run(&["sessions"], None).success();
    assert!(table.stdout.contains(" *"), "{}", table.stdout);
    let other = sessions
        .iter()
        .find(|session| session["current"] == false)
        .and_then(|session| session["id"].as_i64())
        .expect("the phone's session");
    laptop.run(&["sessions", "rm", &other.to_string()], None).success();
    let ended = phone.run(&["list"], None);
    assert_eq!(ended.code, Some(4), "{ended:?}");
    laptop.run(&["list"], None).success();

    // logout --everywhere ends the others, then this one.
    phone
        .run(&["login", "--email", &email, "--password-stdin"], Some(PASSWORD))
        .success();
    laptop.run(&["logout", "--everywhere"], None).success();
    assert_eq!(phone.run(&["list"], None).code, Some(4));
    assert_eq!(laptop.run(&["list"], None).code, Some(4));
}
}

taskd_tests::on_both_backends! {
fn register_says_when_registration_is_closed_and_takes_an_invite() {
    let closed = Server::start_with(ServerOptions::default().env("REGISTRATION", "closed"));
    let refused = Taskctl::new(&closed).run(
        &["register", "--email", &unique_email("closed"), "--password-stdin"],
        Some(&format!("{PASSWORD}\n")),
    );
    assert_eq!(refused.code, Some(1), "{refused:?}");
    assert!(refused.stderr.contains("registration is closed"), "{}", refused.stderr);

    let invited = Server::start_with(ServerOptions::default().env("REGISTRATION", "invite"));
    let code = {
        let directory = tempfile::tempdir().expect("directory");
        let mut child = taskd_command(directory.path())
            .env("DATABASE_URL", invited.database_url())
            .args(["invite", "create"])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .spawn()
            .expect("taskd invite create");
        let _ = child.stdin.take().map(|mut stdin| stdin.flush());
        let output = child.wait_with_output().expect("output");
        String::from_utf8_lossy(&output.stdout).lines().next().expect("code").trim().to_owned()
    };
    let email = unique_email("invited");
    let without = Taskctl::new(&invited).run(
        &["register", "--email", &email, "--password-stdin"],
        Some(&format!("{PASSWORD}\n")),
    );
    assert_eq!(without.code, Some(2), "{without:?}");
    assert!(without.stderr.contains("--invite"), "{}", without.stderr);
    Taskctl::new(&invited)
        .run(
            &["register", "--email", &email, "--password-stdin", "--invite", &code],
            Some(&format!("{PASSWORD}\n")),
        )
        .success();
}
}
