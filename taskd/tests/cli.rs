//! The command line itself. (Having an integration test here also makes
//! `cargo test --workspace` build the taskd binary the end-to-end suite runs.)

use std::process::Command;

fn taskd() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_taskd"));
    command.env_clear();
    command
}

#[test]
fn help_lists_every_setting_with_its_environment_variable() {
    let output = taskd().arg("--help").output().expect("run taskd --help");
    assert!(output.status.success());
    let help = String::from_utf8_lossy(&output.stdout);
    for variable in [
        "HOST",
        "PORT",
        "DATABASE_URL",
        "PROJECT_NAME",
        "API_V1_PREFIX",
        "ENVIRONMENT",
        "SECRET_KEY",
        "ACCESS_TOKEN_EXPIRE_MINUTES",
        "ALGORITHM",
        "BACKEND_CORS_ORIGINS",
        "BCRYPT_COST",
        "LOG_FORMAT",
        "RUST_LOG",
        "SQLITE_SYNCHRONOUS",
        "DATABASE_POOL_SIZE",
        "DATABASE_CONNECT_TIMEOUT",
    ] {
        let bound = variable == "SECRET_KEY"
            || variable == "RUST_LOG"
            || help.contains(&format!("[env: {variable}"));
        assert!(
            bound && help.contains(variable),
            "--help does not mention {variable}:\n{help}"
        );
    }
    assert!(
        help.contains("migrate"),
        "--help does not mention the migrate command:\n{help}"
    );
}

#[test]
fn version_is_the_crate_version() {
    let output = taskd()
        .arg("--version")
        .output()
        .expect("run taskd --version");
    assert!(output.status.success());
    assert_eq!(
        String::from_utf8_lossy(&output.stdout).trim(),
        format!("taskd {}", env!("CARGO_PKG_VERSION"))
    );
}

#[test]
fn unknown_flags_are_a_usage_error() {
    let output = taskd().arg("--no-such-flag").output().expect("run taskd");
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("--no-such-flag"));
}
