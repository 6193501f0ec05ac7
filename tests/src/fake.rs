//! A hostile HTTP server for client tests: it answers every request as a
//! closure says, and keeps what it was sent. Bounded: it serves at most
//! `MAX_CONNECTIONS` connections, one request each, and stops when dropped.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

const MAX_CONNECTIONS: usize = 2_000;

/// What a fake server answers: the status line and headers (without the
/// final blank line) and a body.
#[derive(Debug)]
pub struct Answer {
    pub head: String,
    pub body: Vec<u8>,
}

impl Answer {
    /// A JSON answer with extra header lines.
    pub fn json(status: &str, headers: &[(&str, String)], body: &str) -> Self {
        let mut head = format!("HTTP/1.1 {status}\r\ncontent-type: application/json");
        for (name, value) in headers {
            head.push_str(&format!("\r\n{name}: {value}"));
        }
        Self {
            head,
            body: body.as_bytes().to_vec(),
        }
    }
}

/// A running fake server on 127.0.0.1.
#[derive(Debug)]
pub struct FakeServer {
    address: SocketAddr,
    received: Arc<Mutex<Vec<String>>>,
    stop: Arc<AtomicBool>,
}

impl FakeServer {
    /// Serves `answer(request)` for each request, where `request` is its
    /// head and body as text.
    pub fn start(answer: impl Fn(&str) -> Answer + Send + 'static) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let address = listener.local_addr().expect("address");
        let received = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let (kept, stopping) = (received.clone(), stop.clone());
        std::thread::spawn(move || {
            for stream in listener.incoming().take(MAX_CONNECTIONS) {
                if stopping.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(stream) = stream else { continue };
                if let Some(request) = read_request(&stream) {
                    let reply = answer(&request);
                    kept.lock().expect("lock").push(request);
                    write_answer(stream, reply);
                }
            }
        });
        Self {
            address,
            received,
            stop,
        }
    }

    /// `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("http://{}", self.address)
    }

    /// Every request received so far, head and body.
    pub fn received(&self) -> Vec<String> {
        self.received.lock().expect("lock").clone()
    }
}

impl Drop for FakeServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wake the accepting thread so it sees the flag.
        let _ = TcpStream::connect_timeout(&self.address, Duration::from_secs(1));
    }
}

fn read_request(stream: &TcpStream) -> Option<String> {
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .ok()?;
    let mut reader = BufReader::new(stream);
    let mut request = String::new();
    let mut length = 0usize;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).ok()? == 0 {
            return None;
        }
        if let Some(value) = line.to_ascii_lowercase().strip_prefix("content-length:") {
            length = value.trim().parse().ok()?;
        }
        request.push_str(&line);
        if line == "\r\n" {
            break;
        }
    }
    let mut body = vec![0; length.min(1 << 20)];
    reader.read_exact(&mut body).ok()?;
    request.push_str(&String::from_utf8_lossy(&body));
    Some(request)
}

fn write_answer(mut stream: TcpStream, answer: Answer) {
    let head = format!(
        "{}\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
        answer.head,
        answer.body.len()
    );
    let _ = stream.write_all(head.as_bytes());
    let _ = stream.write_all(&answer.body);
}
