//! What a slow or hostile client can hold: nothing for long. Connection
//! handling does not touch storage, so these run on SQLite only.

use std::io::{ErrorKind, Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use taskd_tests::{Server, ServerOptions};

/// Long enough that a server which never answers fails the test, not hangs it.
const PATIENCE: Duration = Duration::from_secs(30);

fn connect(server: &Server) -> TcpStream {
    let stream = TcpStream::connect(("127.0.0.1", server.port())).expect("connect");
    stream.set_read_timeout(Some(PATIENCE)).expect("timeout");
    stream
}

/// Reads until the server closes the connection; what it sent before that.
fn read_until_closed(stream: &mut TcpStream) -> String {
    let mut received = Vec::new();
    let mut buffer = [0u8; 4096];
    loop {
        match stream.read(&mut buffer) {
            Ok(0) => return String::from_utf8_lossy(&received).into_owned(),
            Ok(read) => received.extend_from_slice(&buffer[..read]),
            Err(error) if error.kind() == ErrorKind::ConnectionReset => {
                return String::from_utf8_lossy(&received).into_owned();
            }
            Err(error) => panic!(
                "the server kept the connection open ({error}); got so far: {:?}",
                String::from_utf8_lossy(&received)
            ),
        }
    }
}

/// Reads one response head and its body of `Content-Length` bytes.
fn read_response(stream: &mut TcpStream) -> String {
    let mut received = Vec::new();
    let mut byte = [0u8; 1];
    while !received.ends_with(b"\r\n\r\n") {
        let read = stream.read(&mut byte).expect("a response");
        assert_eq!(
            read,
            1,
            "closed mid-head: {:?}",
            String::from_utf8_lossy(&received)
        );
        received.push(byte[0]);
    }
    let head = String::from_utf8_lossy(&received).into_owned();
    let length: usize = head
        .lines()
        .find_map(|line| {
            let (name, value) = line.split_once(':')?;
            name.eq_ignore_ascii_case("content-length")
                .then(|| value.trim().parse().ok())
                .flatten()
        })
        .unwrap_or(0);
    let mut body = vec![0u8; length];
    stream.read_exact(&mut body).expect("the body");
    head + &String::from_utf8_lossy(&body)
}

const HEALTH: &[u8] = b"GET /health HTTP/1.1\r\nHost: taskd\r\n\r\n";

#[test]
fn a_request_head_that_never_ends_is_cut_off() {
    let server = Server::start_with(ServerOptions::default().env("HEADER_READ_TIMEOUT", "1"));
    // The control: a whole request on its own connection is answered.
    let mut whole = connect(&server);
    whole.write_all(HEALTH).expect("send");
    assert!(read_response(&mut whole).starts_with("HTTP/1.1 200"));

    let mut slow = connect(&server);
    slow.write_all(b"POST /api/v1/auth/login HTTP/1.1\r\nHost: taskd\r\n")
        .expect("send half a head");
    let answer = read_until_closed(&mut slow);
    assert!(
        answer.is_empty() || answer.starts_with("HTTP/1.1 408"),
        "{answer}"
    );
}

#[test]
fn an_idle_keep_alive_connection_is_closed() {
    let server = Server::start_with(ServerOptions::default().env("HEADER_READ_TIMEOUT", "1"));
    let mut stream = connect(&server);
    stream.write_all(HEALTH).expect("send");
    assert!(read_response(&mut stream).starts_with("HTTP/1.1 200"));
    // Then nothing: the server closes the connection.
    assert_eq!(read_until_closed(&mut stream), "");
}

#[test]
fn a_body_that_trickles_is_408() {
    let server = Server::start_with(ServerOptions::default().env("BODY_READ_TIMEOUT", "1"));
    let mut stream = connect(&server);
    stream
        .write_all(
            b"POST /api/v1/auth/register HTTP/1.1\r\nHost: taskd\r\n\
              Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"email\"",
        )
        .expect("send the head and a little");
    let answer = read_response(&mut stream);
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.contains("did not arrive in time"), "{answer}");
}

#[test]
fn past_the_connection_cap_new_clients_wait_and_served_ones_go_on() {
    let server = Server::start_with(ServerOptions::default().env("MAX_CONNECTIONS", "2"));
    let mut first = connect(&server);
    let mut second = connect(&server);
    for stream in [&mut first, &mut second] {
        stream.write_all(HEALTH).expect("send");
        assert!(read_response(stream).starts_with("HTTP/1.1 200"));
    }
    let mut third = connect(&server);
    third.write_all(HEALTH).expect("send");
    third
        .set_read_timeout(Some(Duration::from_millis(500)))
        .expect("timeout");
    let mut byte = [0u8; 1];
    let waiting = third.read(&mut byte);
    assert!(
        matches!(&waiting, Err(error) if matches!(error.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut)),
        "a third connection was served past the cap: {waiting:?}"
    );
    // Those already in go on being served.
    first.write_all(HEALTH).expect("send");
    assert!(read_response(&mut first).starts_with("HTTP/1.1 200"));
    // A slot frees: the third is served.
    drop(first);
    third.set_read_timeout(Some(PATIENCE)).expect("timeout");
    assert!(read_response(&mut third).starts_with("HTTP/1.1 200"));
}

#[test]
fn a_client_that_hangs_up_mid_request_is_no_error() {
    let mut server = Server::start_with(ServerOptions::default().env("RUST_LOG", "debug"));
    let mut stream = connect(&server);
    stream
        .write_all(b"POST /api/v1/auth/login HTTP/1.1\r\nHost: taskd\r\n")
        .expect("send half a request head");
    drop(stream);
    server.wait_for_log("connection ended");
    let errors: Vec<String> = server
        .logs()
        .into_iter()
        .filter(|line| line.contains("ERROR"))
        .collect();
    assert!(errors.is_empty(), "{errors:?}");
}

/// What an HTTP/2 client sends first without TLS (RFC 9113, 3.4): the
/// request line of the preface, then the rest of it.
const PREFACE_LINE: &[u8] = b"PRI * HTTP/2.0\r\n";
const PREFACE: &[u8] = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

#[test]
fn http2_prefaces_left_silent_hold_no_connection_slot() {
    // A deadline far longer than the test: only a refusal frees the slots.
    let server = Server::start_with(
        ServerOptions::default()
            .env("MAX_CONNECTIONS", "4")
            .env("HEADER_READ_TIMEOUT", "3600"),
    );
    let mut silent = Vec::new();
    for preface in [PREFACE_LINE, PREFACE, PREFACE_LINE, PREFACE, PREFACE] {
        let mut stream = connect(&server);
        stream.write_all(preface).expect("send a preface");
        silent.push(stream);
    }
    // Each is refused at once: taskd speaks HTTP/1.1 only (no h2c).
    for stream in &mut silent {
        read_until_closed(stream);
    }
    // The control: an ordinary client is served.
    let mut ordinary = connect(&server);
    ordinary.write_all(HEALTH).expect("send");
    assert!(read_response(&mut ordinary).starts_with("HTTP/1.1 200"));
}
