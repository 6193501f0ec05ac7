//! taskd's own HTTPS (TLS_CERT_FILE, TLS_KEY_FILE): HTTP/2 or HTTP/1.1 by
//! ALPN, a certificate renewed on SIGHUP, a broken pair refused at start,
//! and TLS connections bounded as plain ones are. The certificates are
//! made by the test (rcgen). Nothing here touches storage beyond a login,
//! so these run on SQLite only.

use std::io::{ErrorKind, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName};
use serde_json::{Value, json};
use taskd_tests::{
    Backend, Server, ServerOptions, Taskctl, TestCertificates, client, client_trusting,
    taskd_command, use_backend,
};

/// Long enough that a server which never closes fails the test, not hangs it.
const PATIENCE: Duration = Duration::from_secs(30);

fn https_server(
    certificates: &TestCertificates,
    directory: &Path,
    options: ServerOptions,
) -> Server {
    use_backend(Backend::Sqlite);
    let (certificate, key) = certificates.write_pair(directory);
    Server::start_with(options.https(&certificate, &key, &certificates.ca_pem))
}

/// GET /health with `client`: the HTTP version it was answered in, or the error.
async fn health(client: &reqwest::Client, server: &Server) -> Result<reqwest::Version, String> {
    let response = client
        .get(format!("{}/health", server.base))
        .send()
        .await
        .map_err(|error| format!("{error:?}"))?;
    assert_eq!(response.status(), 200);
    Ok(response.version())
}

#[tokio::test]
async fn https_serves_http2_and_http1_by_alpn_with_the_configured_certificate() {
    let certificates = TestCertificates::new();
    let files = tempfile::tempdir().expect("directory");
    let server = https_server(&certificates, files.path(), ServerOptions::default());
    assert!(server.base.starts_with("https://"), "{}", server.base);

    // A whole exchange over HTTPS: register, log in, write, read.
    let account = server.account("https").await;
    let made = server
        .create_task(&account, json!({"title": "Renew the certificate"}))
        .await;
    assert_eq!(made.status(), 201);
    let listed = server
        .client()
        .get(format!("{}/tasks", server.api))
        .bearer_auth(&account.token)
        .send()
        .await
        .expect("list over HTTPS");
    // A client offering both gets HTTP/2.
    assert_eq!(listed.version(), reqwest::Version::HTTP_2);
    let tasks: Value = listed.json().await.expect("JSON");
    assert_eq!(tasks[0]["title"], "Renew the certificate");

    // A client offering only HTTP/1.1 gets it.
    let http1 = reqwest::Client::builder()
        .no_proxy()
        .http1_only()
        .tls_built_in_root_certs(false)
        .add_root_certificate(
            reqwest::Certificate::from_pem(certificates.ca_pem.as_bytes()).expect("CA"),
        )
        .build()
        .expect("client");
    assert_eq!(health(&http1, &server).await, Ok(reqwest::Version::HTTP_11));

    // The certificate is the configured one: a client trusting another CA
    // refuses it, and plain HTTP is not answered on the port.
    let stranger = client_trusting(&TestCertificates::new().ca_pem);
    untrusted(health(&stranger, &server).await);
    let plain = server.base.replace("https://", "http://");
    assert!(
        client()
            .get(format!("{plain}/health"))
            .send()
            .await
            .is_err()
    );

    // `taskd healthcheck` with the same settings asks over HTTPS.
    let (certificate, key) = (files.path().join("cert.pem"), files.path().join("key.pem"));
    let port = server.port().to_string();
    let probe = tokio::task::spawn_blocking(move || {
        let directory = tempfile::tempdir().expect("directory");
        taskd_command(directory.path())
            .env("PORT", &port)
            .env("TLS_CERT_FILE", &certificate)
            .env("TLS_KEY_FILE", &key)
            .arg("healthcheck")
            .output()
            .expect("run taskd healthcheck")
    })
    .await
    .expect("probe");
    assert!(
        probe.status.success(),
        "{}",
        String::from_utf8_lossy(&probe.stderr)
    );
}

#[tokio::test]
async fn taskctl_works_against_taskd_over_https_with_cacert() {
    let certificates = TestCertificates::new();
    let files = tempfile::tempdir().expect("directory");
    let server = https_server(&certificates, files.path(), ServerOptions::default());
    let account = server.account("taskctl-https").await;
    let ca = files.path().join("ca.pem");
    std::fs::write(&ca, &certificates.ca_pem).expect("write the CA");
    let ca = ca.to_str().expect("UTF-8 path");
    let taskctl = Taskctl::new(&server);

    // Without the CA taskctl refuses the server, and says why.
    let refused = taskctl.run(
        &["login", "--email", &account.email, "--password-stdin"],
        Some(&format!("{}\n", account.password)),
    );
    assert_ne!(refused.code, Some(0));
    assert!(refused.stderr.contains("certificate"), "{}", refused.stderr);

    taskctl
        .run(
            &[
                "--cacert",
                ca,
                "login",
                "--email",
                &account.email,
                "--password-stdin",
            ],
            Some(&format!("{}\n", account.password)),
        )
        .success();
    taskctl
        .run(&["--cacert", ca, "add", "Renew the certificate"], None)
        .success();
    let listed = taskctl
        .run(&["--cacert", ca, "list", "--json"], None)
        .success();
    assert_eq!(listed.json()[0]["title"], "Renew the certificate");
}

/// Asserts a request failed because its client did not trust the certificate.
fn untrusted(outcome: Result<reqwest::Version, String>) {
    let error = outcome.expect_err("an untrusted certificate");
    assert!(error.contains("ertificate"), "{error}");
}

/// Sends SIGHUP to the server and waits for its `needle` log line (the
/// `count`th such line).
fn hang_up(server: &mut Server, needle: &str, count: usize) {
    let status = std::process::Command::new("kill")
        .args(["-HUP", &server.pid().to_string()])
        .status()
        .expect("run kill");
    assert!(status.success());
    server.wait_for_logs(needle, count);
}

#[tokio::test]
async fn a_renewed_certificate_is_served_after_sighup_without_a_restart() {
    let first = TestCertificates::new();
    let renewed = TestCertificates::new();
    let files = tempfile::tempdir().expect("directory");
    let mut server = https_server(&first, files.path(), ServerOptions::default());
    let trusts_first = client_trusting(&first.ca_pem);
    let trusts_renewed = client_trusting(&renewed.ca_pem);
    assert!(health(&trusts_first, &server).await.is_ok());
    // The control: the renewed certificate is not served before the signal.
    renewed.write_pair(files.path());
    untrusted(health(&client_trusting(&renewed.ca_pem), &server).await);

    hang_up(&mut server, "reloaded the TLS certificate", 1);
    assert!(health(&trusts_renewed, &server).await.is_ok());
    untrusted(health(&client_trusting(&first.ca_pem), &server).await);

    // A broken pair on the next signal (the renewed certificate with
    // another key) is refused with a warning; the one in use stays.
    std::fs::write(files.path().join("key.pem"), &first.server_key_pem).expect("write");
    hang_up(&mut server, "kept the TLS certificate in use", 1);
    assert!(
        health(&client_trusting(&renewed.ca_pem), &server)
            .await
            .is_ok()
    );
    let warning = server
        .logs()
        .into_iter()
        .find(|line| line.contains("kept the TLS certificate in use"))
        .expect("the warning");
    assert!(
        warning.contains("is not the key of the certificate"),
        "{warning}"
    );
}

#[test]
fn a_missing_or_mismatched_pair_stops_taskd_at_start_with_one_line() {
    let certificates = TestCertificates::new();
    let other = TestCertificates::new();
    let files = tempfile::tempdir().expect("directory");
    let (certificate, key) = certificates.write_pair(files.path());
    let other_key = files.path().join("other-key.pem");
    std::fs::write(&other_key, &other.server_key_pem).expect("write");
    let missing = files.path().join("missing.pem");
    let path = |path: &Path| path.to_str().expect("UTF-8").to_owned();

    let cases: [(&[(&str, String)], &str); 5] = [
        (
            &[("TLS_CERT_FILE", path(&certificate))],
            "TLS_CERT_FILE is set but TLS_KEY_FILE is not",
        ),
        (
            &[("TLS_KEY_FILE", path(&key))],
            "TLS_KEY_FILE is set but TLS_CERT_FILE is not",
        ),
        (
            &[
                ("TLS_CERT_FILE", path(&missing)),
                ("TLS_KEY_FILE", path(&key)),
            ],
            "missing.pem: No such file",
        ),
        (
            &[
                ("TLS_CERT_FILE", path(&certificate)),
                ("TLS_KEY_FILE", path(&other_key)),
            ],
            "is not the key of the certificate",
        ),
        (
            // The two files swapped.
            &[
                ("TLS_CERT_FILE", path(&key)),
                ("TLS_KEY_FILE", path(&certificate)),
            ],
            "no certificate in it",
        ),
    ];
    for (env, expected) in cases {
        let directory = tempfile::tempdir().expect("working directory");
        let output = taskd_command(directory.path())
            .env("PORT", "0")
            .env("DATABASE_URL", "sqlite:///./tasks.db")
            .envs(env.iter().map(|(key, value)| (*key, value)))
            .output()
            .expect("run taskd");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{env:?}: {stderr}");
        assert_eq!(stderr.trim_end().lines().count(), 1, "{env:?}: {stderr}");
        assert!(stderr.contains(expected), "{env:?}: {stderr}");
        // Nothing was served or created.
        assert!(!directory.path().join("tasks.db").exists(), "{env:?}");
    }
    // The control: the matching pair starts and serves HTTPS.
    let server = https_server(&certificates, files.path(), ServerOptions::default());
    assert!(server.base.starts_with("https://"), "{}", server.base);
}

/// A TLS client's settings: trusting `ca_pem` only, offering `alpn`.
fn client_config(ca_pem: &str, alpn: &[u8]) -> rustls::ClientConfig {
    let mut roots = rustls::RootCertStore::empty();
    roots
        .add(CertificateDer::from_pem_slice(ca_pem.as_bytes()).expect("CA"))
        .expect("trust the CA");
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("TLS versions")
        .with_root_certificates(roots)
        .with_no_client_auth();
    config.alpn_protocols = vec![alpn.to_vec()];
    config
}

/// A TLS client that completes its handshake offering `alpn`, then says nothing.
fn silent_tls_client(
    port: u16,
    ca_pem: &str,
    alpn: &[u8],
) -> rustls::StreamOwned<rustls::ClientConnection, TcpStream> {
    let config = client_config(ca_pem, alpn);
    let name = ServerName::try_from("localhost").expect("name");
    let connection = rustls::ClientConnection::new(Arc::new(config), name).expect("client");
    let socket = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    socket.set_read_timeout(Some(PATIENCE)).expect("timeout");
    let mut stream = rustls::StreamOwned::new(connection, socket);
    while stream.conn.is_handshaking() {
        stream
            .conn
            .complete_io(&mut stream.sock)
            .expect("TLS handshake");
    }
    assert_eq!(stream.conn.alpn_protocol(), Some(alpn));
    stream
}

/// Reads until the server closes the connection, failing if it does not.
fn read_until_closed(stream: &mut impl Read) {
    let mut buffer = [0u8; 4096];
    loop {
        match stream.read(&mut buffer) {
            Ok(0) => return,
            Ok(_) => {}
            Err(error)
                if matches!(
                    error.kind(),
                    ErrorKind::UnexpectedEof | ErrorKind::ConnectionReset
                ) =>
            {
                return;
            }
            Err(error) => panic!("the server kept the connection open ({error})"),
        }
    }
}

#[tokio::test]
async fn tls_connections_that_say_nothing_hold_no_connection_slot() {
    let certificates = TestCertificates::new();
    let files = tempfile::tempdir().expect("directory");
    let server = https_server(
        &certificates,
        files.path(),
        ServerOptions::default()
            .env("MAX_CONNECTIONS", "3")
            .env("HEADER_READ_TIMEOUT", "1"),
    );
    let (ca, port) = (certificates.ca_pem.clone(), server.port());
    let closed = tokio::task::spawn_blocking(move || {
        // One never starts its handshake; one starts HTTP/2 and sends no
        // request; one speaks HTTP/1.1 and sends no request.
        let mut silent = TcpStream::connect(("127.0.0.1", port)).expect("connect");
        silent.set_read_timeout(Some(PATIENCE)).expect("timeout");
        let mut http2 = silent_tls_client(port, &ca, b"h2");
        // The preface and an empty SETTINGS frame: HTTP/2 has begun; the
        // server's pings and goodbye then go unanswered.
        http2
            .write_all(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n\0\0\0\x04\0\0\0\0\0")
            .expect("send the preface");
        let mut http1 = silent_tls_client(port, &ca, b"http/1.1");
        read_until_closed(&mut silent);
        read_until_closed(&mut http2);
        read_until_closed(&mut http1);
    });
    closed.await.expect("the silent clients were closed");
    // The control: their slots are free again for a client that talks.
    assert_eq!(
        health(&server.client(), &server).await,
        Ok(reqwest::Version::HTTP_2)
    );
}

/// An HTTP/2 connection over TLS with the test's own client, whose streams
/// open with a flow-control window of `window` bytes; its driver task ends
/// when the connection does.
async fn http2_client(
    port: u16,
    ca_pem: &str,
    window: u32,
) -> (
    h2::client::SendRequest<bytes::Bytes>,
    tokio::task::JoinHandle<Result<(), h2::Error>>,
) {
    let connector = tokio_rustls::TlsConnector::from(Arc::new(client_config(ca_pem, b"h2")));
    let socket = tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .expect("connect");
    let name = ServerName::try_from("localhost").expect("name");
    let stream = connector
        .connect(name, socket)
        .await
        .expect("TLS handshake");
    let (sender, connection) = h2::client::Builder::new()
        .initial_window_size(window)
        .handshake(stream)
        .await
        .expect("HTTP/2 handshake");
    (sender, tokio::spawn(connection))
}

/// GET `path`: the answer's head, and its body's receiver.
async fn http2_get(
    sender: h2::client::SendRequest<bytes::Bytes>,
    path: &str,
) -> http::Response<h2::RecvStream> {
    let mut sender = sender.ready().await.expect("a stream");
    let request = http::Request::get(format!("https://localhost{path}"))
        .body(())
        .expect("request");
    let (answer, _) = sender.send_request(request, true).expect("send");
    answer.await.expect("an answer's head")
}

#[tokio::test]
async fn an_http2_client_that_never_opens_its_window_is_closed_after_the_send_stall_timeout() {
    let certificates = TestCertificates::new();
    let files = tempfile::tempdir().expect("directory");
    let mut server = https_server(
        &certificates,
        files.path(),
        ServerOptions::default().env("SEND_STALL_TIMEOUT", "1"),
    );
    // The control: with a window, the whole answer arrives.
    let (sender, _open) = http2_client(server.port(), &certificates.ca_pem, 65_535).await;
    let answer = http2_get(sender, "/health").await;
    assert_eq!(answer.status(), 200);
    let mut body = answer.into_body();
    let mut received = Vec::new();
    while let Some(chunk) = body.data().await {
        let chunk = chunk.expect("a body chunk");
        let _ = body.flow_control().release_capacity(chunk.len());
        received.extend_from_slice(&chunk);
    }
    assert!(String::from_utf8_lossy(&received).contains("\"ok\""));

    // A window of nothing: the head comes, the body cannot, and the
    // connection is closed rather than held (the client keeps its side
    // open: its request handle and the answer's body).
    let (sender, connection) = http2_client(server.port(), &certificates.ca_pem, 0).await;
    let answer = http2_get(sender.clone(), "/health").await;
    assert_eq!(answer.status(), 200);
    let body = answer.into_body();
    let ended = tokio::time::timeout(PATIENCE, connection).await;
    assert!(ended.is_ok(), "the connection was held open");
    drop((body, sender));
    server.wait_for_log("closed an HTTP/2 connection whose client stopped reading");
}
