//! Imports and exports against a hostile client: each holds a slot, taken
//! before its body is read or its first byte sent, a few per user and a
//! few in all; an export nobody reads is given up; an import's memory
//! follows what it keeps, not what it is sent.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

use reqwest::Method;
use serde_json::{Value, json};
use taskd_tests::{Account, Server, ServerOptions, client};

/// Long enough that a server which never answers fails the test, not hangs it.
const PATIENCE: Duration = Duration::from_secs(30);

/// `METHOD /api/v1PATH` as `account` with a JSON body.
async fn call(
    server: &Server,
    account: &Account,
    method: Method,
    path: &str,
    body: Option<&Value>,
) -> reqwest::Response {
    let mut request = client()
        .request(method, format!("{}{path}", server.api))
        .header("authorization", account.bearer());
    if let Some(body) = body {
        request = request.json(body);
    }
    request.send().await.expect("request")
}

/// An account whose export is a few MiB: 1,500 tasks of 2,000 characters.
async fn bulky_account(server: &Server, label: &str) -> Account {
    let account = server.account(label).await;
    let tasks: Vec<Value> = (0..1500)
        .map(|n| json!({"id": n, "title": format!("task {n}"), "description": "d".repeat(2000)}))
        .collect();
    let document = json!({"format": "taskd-export", "version": 1, "tasks": tasks});
    let response = call(server, &account, Method::POST, "/import", Some(&document)).await;
    assert_eq!(response.status(), 200);
    account
}

/// A connection with a 4 KiB receive buffer, as a client that means to
/// read slowly or never.
fn small_window(server: &Server) -> TcpStream {
    let socket =
        socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None).expect("socket");
    socket.set_recv_buffer_size(4096).expect("receive buffer");
    let address: SocketAddr = ([127, 0, 0, 1], server.port()).into();
    socket.connect(&address.into()).expect("connect");
    let stream: TcpStream = socket.into();
    stream.set_read_timeout(Some(PATIENCE)).expect("timeout");
    stream
}

/// Reads a response head, byte by byte, and nothing of the body.
fn read_head(stream: &mut TcpStream) -> String {
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        let read = stream.read(&mut byte).expect("a response head");
        assert_eq!(
            read,
            1,
            "closed mid-head: {:?}",
            String::from_utf8_lossy(&head)
        );
        head.push(byte[0]);
    }
    String::from_utf8_lossy(&head).into_owned()
}

/// Sends `GET /api/v1/export` as `account` and reads only the head.
fn start_export(server: &Server, account: &Account) -> (TcpStream, String) {
    let mut stream = small_window(server);
    let request = format!(
        "GET /api/v1/export HTTP/1.1\r\nHost: taskd\r\nAuthorization: {}\r\n\r\n",
        account.bearer()
    );
    stream.write_all(request.as_bytes()).expect("send");
    let head = read_head(&mut stream);
    (stream, head)
}

/// The process's peak resident memory so far, in MiB (Linux's VmHWM).
fn peak_memory_mib(server: &Server) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{}/status", server.pid())).expect("status");
    let kib: u64 = status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .and_then(|value| value.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmHWM");
    kib / 1024
}

#[tokio::test]
async fn exports_nobody_reads_are_limited_and_given_up_when_they_stall() {
    let mut server = Server::start_with(ServerOptions::default().env("SEND_STALL_TIMEOUT", "1"));
    let alice = bulky_account(&server, "alice").await;
    let bob = bulky_account(&server, "bob").await;
    let carol = server.account("carol").await;
    // Two exports per user, none of them read past the head.
    let mut stalled = Vec::new();
    for account in [&alice, &alice, &bob, &bob] {
        let (stream, head) = start_export(&server, account);
        assert!(head.starts_with("HTTP/1.1 200"), "{head}");
        stalled.push(stream);
    }
    // A third of alice's is refused before it starts, as is anyone's past
    // four at once.
    for (account, why) in [(&alice, "You have"), (&carol, "Too many exports")] {
        let response = call(&server, account, Method::GET, "/export", None).await;
        assert_eq!(response.status(), 503);
        assert_eq!(response.headers()["retry-after"], "5");
        let body: Value = response.json().await.expect("JSON");
        assert!(
            body["detail"].as_str().expect("detail").starts_with(why),
            "{body}"
        );
    }
    // Their clients read nothing: after SEND_STALL_TIMEOUT each is closed.
    server.wait_for_logs("closed a connection whose client stopped reading", 4);
    // Their slots are back: an export read to its end is whole.
    let response = call(&server, &alice, Method::GET, "/export", None).await;
    assert_eq!(response.status(), 200);
    let document: Value = response.json().await.expect("a whole JSON document");
    assert_eq!(document["tasks"].as_array().map(Vec::len), Some(1500));
    drop(stalled);
}

#[tokio::test]
async fn an_import_takes_its_slot_before_its_body_is_read() {
    // A body deadline longer than the test: only a refusal answers at once.
    let server = Server::start_with(ServerOptions::default().env("BODY_READ_TIMEOUT", "3600"));
    let alice = server.account("alice").await;
    let bob = server.account("bob").await;
    // Alice's first import is under way, its body only begun.
    let body = br#"[{"uuid": "u-1", "description": "first", "status": "pending"}]"#;
    let mut first = small_window(&server);
    let head = |length: usize| {
        format!(
            "POST /api/v1/import HTTP/1.1\r\nHost: taskd\r\nAuthorization: {}\r\n\
             Content-Type: application/json\r\nContent-Length: {length}\r\n\r\n",
            alice.bearer()
        )
    };
    // `Expect: 100-continue`: taskd says go on once it reads the body,
    // past the slot.
    let expecting = head(body.len()).replace("\r\n\r\n", "\r\nExpect: 100-continue\r\n\r\n");
    first
        .write_all(expecting.as_bytes())
        .expect("send the head");
    let go_on = read_head(&mut first);
    assert!(go_on.starts_with("HTTP/1.1 100"), "{go_on}");
    first.write_all(&body[..10]).expect("send a little");
    // A second of hers is refused from its head alone: its 20 MiB body
    // is never sent.
    let mut second = small_window(&server);
    second
        .write_all(head(20 * 1024 * 1024 - 1).as_bytes())
        .expect("send the head");
    let answer = read_head(&mut second);
    assert!(answer.starts_with("HTTP/1.1 503"), "{answer}");
    assert!(
        answer.to_ascii_lowercase().contains("connection: close"),
        "{answer}"
    );
    // Another user's import goes on meanwhile.
    let document = json!([{"uuid": "b-1", "description": "bob's", "status": "pending"}]);
    let response = call(&server, &bob, Method::POST, "/import", Some(&document)).await;
    assert_eq!(response.status(), 200);
    // Alice's first ends, and her slot is free again.
    first.write_all(&body[10..]).expect("send the rest");
    assert!(read_head(&mut first).starts_with("HTTP/1.1 200"));
    let response = call(&server, &alice, Method::POST, "/import", Some(&document)).await;
    assert_eq!(response.status(), 200);
}

#[tokio::test]
async fn an_import_of_too_many_entries_is_refused_while_it_is_parsed() {
    let server = Server::start();
    let account = server.account("zeros").await;
    // Just under 20 MiB of `[0,0,0,…]`: ten million entries.
    let mut body = String::with_capacity(20 * 1024 * 1024);
    body.push('[');
    while body.len() < 20 * 1024 * 1024 - 4 {
        body.push_str("0,");
    }
    body.push_str("0]");
    let response = client()
        .post(format!("{}/import?dry_run=true", server.api))
        .header("authorization", account.bearer())
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 422);
    let answer: Value = response.json().await.expect("JSON");
    assert!(
        answer.to_string().contains("at most 100000 tasks"),
        "{answer}"
    );
    // Parsed whole it took 800 MB; counted while parsing, a fraction.
    let peak = peak_memory_mib(&server);
    assert!(peak < 150, "taskd peaked at {peak} MiB");
}

#[tokio::test]
async fn an_export_read_more_slowly_than_64_kib_a_second_is_cut_and_frees_its_slot() {
    // Stalls are not what this is about: five seconds leave a slow
    // reader's socket time to wake up.
    let mut server = Server::start_with(ServerOptions::default().env("SEND_STALL_TIMEOUT", "5"));
    let alice = bulky_account(&server, "alice").await;
    let mut slow = Vec::new();
    for _ in 0..2 {
        let (stream, head) = start_export(&server, &alice);
        assert!(head.starts_with("HTTP/1.1 200"), "{head}");
        slow.push(stream);
    }
    // Both of her slots are taken.
    assert_eq!(
        call(&server, &alice, Method::GET, "/export", None)
            .await
            .status(),
        503
    );
    // Each reads 4 KiB every 200 ms, about 20 KiB/s: never stalled, but
    // slower than taskd keeps a slot for.
    let readers: Vec<_> = slow
        .into_iter()
        .map(|mut stream| {
            std::thread::spawn(move || {
                let mut buffer = [0u8; 4096];
                while matches!(stream.read(&mut buffer), Ok(read) if read > 0) {
                    std::thread::sleep(Duration::from_millis(200));
                }
            })
        })
        .collect();
    server.wait_for_logs(
        "cut an export whose client read more slowly than 64 KiB/s",
        2,
    );
    // Her slots are free again, while those clients still hold their
    // connections: an export read at full speed is whole.
    let response = call(&server, &alice, Method::GET, "/export", None).await;
    assert_eq!(response.status(), 200);
    let document: Value = response.json().await.expect("a whole JSON document");
    assert_eq!(document["tasks"].as_array().map(Vec::len), Some(1500));
    // The slow ones end: their bodies were cut, their connections closed.
    for reader in readers {
        reader.join().expect("reader");
    }
}
