//! The command line on its own, without a server. (Having an integration test
//! here also makes `cargo test --workspace` build the taskctl binary that the
//! end-to-end suite runs.)

use std::process::Command;

fn taskctl() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_taskctl"));
    command.env_clear().env("NO_COLOR", "1");
    command
}

#[test]
fn help_documents_commands_and_exit_codes() {
    let output = taskctl()
        .arg("--help")
        .output()
        .expect("run taskctl --help");
    assert!(output.status.success());
    let help = String::from_utf8_lossy(&output.stdout);
    for word in [
        "register",
        "login",
        "logout",
        "whoami",
        "add",
        "list",
        "show",
        "edit",
        "done",
        "undone",
        "rm",
        "completions",
        "--server",
        "--json",
        "--config-dir",
        "Exit codes",
        "TASKCTL_SERVER",
    ] {
        assert!(
            help.contains(word),
            "--help does not mention {word}:\n{help}"
        );
    }
}

#[test]
fn completions_are_generated_for_every_shell() {
    for shell in ["bash", "zsh", "fish", "powershell"] {
        let output = taskctl()
            .args(["completions", shell])
            .output()
            .expect("run taskctl");
        assert!(output.status.success(), "{shell}");
        let script = String::from_utf8_lossy(&output.stdout);
        assert!(
            script.contains("taskctl") && script.contains("undone"),
            "{shell}"
        );
    }
}

#[test]
fn bad_arguments_are_usage_errors_with_exit_code_2() {
    for args in [
        vec!["show", "abc"],
        vec!["show", "0"],
        vec!["done"],
        vec!["list", "--limit", "201"],
        vec!["edit", "1", "--description", "x", "--clear-description"],
        vec!["frobnicate"],
    ] {
        let output = taskctl().args(&args).output().expect("run taskctl");
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        assert!(!output.stderr.is_empty(), "{args:?}");
    }
}

#[test]
fn password_is_never_a_command_line_argument() {
    let output = taskctl()
        .args([
            "login",
            "--email",
            "a@example.com",
            "--password",
            "hunter22",
        ])
        .output()
        .expect("run taskctl");
    assert_eq!(output.status.code(), Some(2));
}

#[test]
fn edit_with_nothing_to_change_is_a_usage_error() {
    let directory = tempfile::tempdir().expect("tempdir");
    let output = taskctl()
        .args(["edit", "1", "--config-dir"])
        .arg(directory.path())
        .output()
        .expect("run taskctl");
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("nothing to change"));
}
