//! TLS between taskd and PostgreSQL, with libpq's sslmode meanings. The
//! local server has `ssl = on` with Debian's self-signed "snakeoil"
//! certificate for `localhost`: it is its own CA.

use std::process::Output;

use taskd_tests::{Server, TestCertificates, taskd_command};

/// The server's certificate file, when it has TLS on; `None` skips a test.
fn server_certificate(server: &Server) -> Option<String> {
    let url = server.database_url().to_owned();
    let (ssl, file) = std::thread::spawn(move || {
        let mut client = postgres::Client::connect(&url, postgres::NoTls).expect("connect");
        let mut setting = |name: &str| -> String {
            client
                .query_one(&format!("SHOW {name}"), &[])
                .expect("show")
                .get(0)
        };
        (setting("ssl"), setting("ssl_cert_file"))
    })
    .join()
    .expect("settings");
    let readable = std::fs::metadata(&file).is_ok();
    if ssl == "on" && readable {
        Some(file)
    } else {
        eprintln!("notice: PostgreSQL has no readable TLS certificate here; TLS tests skipped");
        None
    }
}

/// `taskd migrate` with this URL: it connects, migrates and exits.
fn migrate(url: &str) -> Output {
    let directory = tempfile::tempdir().expect("directory");
    taskd_command(directory.path())
        .arg("migrate")
        .env("DATABASE_URL", url)
        .output()
        .expect("run taskd migrate")
}

fn succeeded(output: &Output) -> bool {
    output.status.success()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[tokio::test]
async fn connections_are_encrypted_unless_disabled() {
    if !taskd_tests::use_postgres() {
        return;
    }
    let server = Server::start();
    if server_certificate(&server).is_none() {
        return;
    }
    // The default, prefer, encrypts when the server offers it.
    let encrypted = "SELECT COUNT(*) FROM pg_stat_ssl s JOIN pg_stat_activity a ON a.pid = s.pid \
                     WHERE a.application_name = 'taskd' AND a.datname = current_database() AND s.ssl";
    assert!(server.count(encrypted) >= 1, "taskd's connections use TLS");
    let url = server.database_url();
    assert!(succeeded(&migrate(&format!("{url}?sslmode=require"))));
    assert!(succeeded(&migrate(&format!("{url}?sslmode=disable"))));
}

#[tokio::test]
async fn verify_ca_checks_the_chain_and_verify_full_the_name() {
    if !taskd_tests::use_postgres() {
        return;
    }
    let server = Server::start();
    let Some(certificate) = server_certificate(&server) else {
        return;
    };
    let url = server.database_url().to_owned();
    let verify = |mode: &str, url: &str, root: &str| {
        migrate(&format!("{url}?sslmode={mode}&sslrootcert={root}"))
    };
    let ca = verify("verify-ca", &url, &certificate);
    assert!(succeeded(&ca), "{}", stderr(&ca));

    // The certificate names localhost, not 127.0.0.1.
    let wrong_name = verify("verify-full", &url, &certificate);
    assert!(!succeeded(&wrong_name));
    assert!(
        stderr(&wrong_name).contains("certificate"),
        "{}",
        stderr(&wrong_name)
    );
    let by_name = verify(
        "verify-full",
        &url.replace("127.0.0.1", "localhost"),
        &certificate,
    );
    assert!(succeeded(&by_name), "{}", stderr(&by_name));

    // Another CA: refused, whatever the mode that checks.
    let other = TestCertificates::new();
    let directory = tempfile::tempdir().expect("directory");
    let other_ca = directory.path().join("other-ca.pem");
    std::fs::write(&other_ca, &other.ca_pem).expect("write");
    let other_ca = other_ca.to_str().expect("UTF-8");
    for mode in ["verify-ca", "require"] {
        let refused = verify(mode, &url, other_ca);
        assert!(!succeeded(&refused), "{mode} with another CA");
        assert!(
            stderr(&refused).contains("certificate"),
            "{mode}: {}",
            stderr(&refused)
        );
    }

    // verify-* without a CA to check against is a configuration error.
    let missing = migrate(&format!("{url}?sslmode=verify-full"));
    assert_eq!(missing.status.code(), Some(2), "{}", stderr(&missing));
    assert!(
        stderr(&missing).contains("sslrootcert"),
        "{}",
        stderr(&missing)
    );
}
