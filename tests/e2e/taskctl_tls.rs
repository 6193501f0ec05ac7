//! taskctl over HTTPS: the platform's trust store, or a private CA given
//! with --cacert. The server is a TLS endpoint of the test's own, with a
//! certificate authority the test makes.

use serde_json::json;
use taskd_tests::{Answer, FakeServer, Taskctl, TestCertificates};

/// A TLS server that answers /health and a login, as taskd would.
fn tls_server(certificates: &TestCertificates) -> FakeServer {
    FakeServer::start_tls(certificates, |request| {
        if request.starts_with("GET /health ") {
            Answer::json(
                "200 OK",
                &[],
                r#"{"status":"ok","database":"ok","version":"test"}"#,
            )
        } else {
            let token = json!({
                "access_token": "an-access-token", "token_type": "bearer", "expires_in": 3600,
                "refresh_token": "tdr_a-refresh-token", "refresh_expires_in": 86400,
            });
            Answer::json("200 OK", &[], &token.to_string())
        }
    })
}

fn log_in(taskctl: &Taskctl, extra: &[&str]) -> taskd_tests::Run {
    let mut args = extra.to_vec();
    args.extend(["login", "--email", "jane@example.com", "--password-stdin"]);
    taskctl.run(&args, Some("the password\n"))
}

#[test]
fn https_works_with_a_private_ca_given_by_cacert() {
    let certificates = TestCertificates::new();
    let server = tls_server(&certificates);
    assert!(server.url().starts_with("https://"));
    let taskctl = Taskctl::for_url(&server.url());
    let ca = taskctl.config_dir().join("ca.pem");
    std::fs::write(&ca, &certificates.ca_pem).expect("write the CA");

    let run = log_in(&taskctl, &["--cacert", ca.to_str().expect("UTF-8")]).success();
    assert!(run.stdout.contains("jane@example.com"), "{}", run.stdout);
    let received = server.received();
    assert!(
        received
            .iter()
            .any(|request| request.starts_with("POST /api/v1/auth/login ")),
        "{received:?}"
    );
    // The same, with the CA named in the environment.
    let run = taskctl
        .command()
        .env("TASKCTL_CACERT", &ca)
        .args(["whoami", "--json"])
        .output()
        .expect("run taskctl");
    assert!(
        !String::from_utf8_lossy(&run.stderr).contains("certificate"),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
}

#[test]
fn an_untrusted_certificate_is_refused_with_what_to_do() {
    let certificates = TestCertificates::new();
    let server = tls_server(&certificates);
    let taskctl = Taskctl::for_url(&server.url());
    let run = log_in(&taskctl, &[]);
    assert_eq!(run.code, Some(3), "{}", run.stderr);
    assert!(run.stderr.contains("certificate"), "{}", run.stderr);
    assert!(run.stderr.contains("--cacert"), "{}", run.stderr);
    assert!(
        server.received().is_empty(),
        "nothing was sent before the handshake failed"
    );
}

#[test]
fn an_unusable_ca_file_is_a_usage_error_naming_it() {
    let taskctl = Taskctl::for_url("https://127.0.0.1:9");
    let missing = taskctl.config_dir().join("missing.pem");
    let run = log_in(&taskctl, &["--cacert", missing.to_str().expect("UTF-8")]);
    assert_eq!(run.code, Some(2), "{}", run.stderr);
    assert!(run.stderr.contains("missing.pem"), "{}", run.stderr);
    let not_pem = taskctl.config_dir().join("not.pem");
    std::fs::write(&not_pem, "not a certificate").expect("write");
    let run = log_in(&taskctl, &["--cacert", not_pem.to_str().expect("UTF-8")]);
    assert_eq!(run.code, Some(2), "{}", run.stderr);
    assert!(run.stderr.contains("not.pem"), "{}", run.stderr);
}
