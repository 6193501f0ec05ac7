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
    scheme: &'static str,
    received: Arc<Mutex<Vec<String>>>,
    stop: Arc<AtomicBool>,
}

/// A certificate authority made for one test, and a certificate it signed
/// for `localhost` and 127.0.0.1.
#[derive(Debug)]
pub struct TestCertificates {
    /// The CA's certificate, PEM: what a client must trust.
    pub ca_pem: String,
    /// The server's certificate, PEM.
    pub server_cert_pem: String,
    /// The server's private key, PEM (PKCS#8).
    pub server_key_pem: String,
    server_chain: Vec<rustls::pki_types::CertificateDer<'static>>,
    server_key: rustls::pki_types::PrivateKeyDer<'static>,
}

impl TestCertificates {
    pub fn new() -> Self {
        use rcgen::{BasicConstraints, CertificateParams, IsCa, KeyPair, SanType};
        let ca_key = KeyPair::generate().expect("CA key");
        let mut ca_params = CertificateParams::new(Vec::<String>::new()).expect("CA params");
        ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        let ca = ca_params.self_signed(&ca_key).expect("CA certificate");
        let issuer = rcgen::Issuer::new(ca_params, ca_key);
        let server_key = KeyPair::generate().expect("server key");
        let mut params =
            CertificateParams::new(vec!["localhost".to_owned()]).expect("server params");
        params
            .subject_alt_names
            .push(SanType::IpAddress("127.0.0.1".parse().expect("address")));
        let server = params
            .signed_by(&server_key, &issuer)
            .expect("server certificate");
        Self {
            ca_pem: ca.pem(),
            server_cert_pem: server.pem(),
            server_key_pem: server_key.serialize_pem(),
            server_chain: vec![server.der().clone()],
            server_key: rustls::pki_types::PrivateKeyDer::Pkcs8(server_key.serialize_der().into()),
        }
    }
}

impl TestCertificates {
    /// Writes the server's certificate and key as `cert.pem` and `key.pem`
    /// in `directory` (replacing what is there); their paths.
    pub fn write_pair(
        &self,
        directory: &std::path::Path,
    ) -> (std::path::PathBuf, std::path::PathBuf) {
        let certificate = directory.join("cert.pem");
        let key = directory.join("key.pem");
        std::fs::write(&certificate, &self.server_cert_pem).expect("write the certificate");
        std::fs::write(&key, &self.server_key_pem).expect("write the key");
        (certificate, key)
    }
}

impl Default for TestCertificates {
    fn default() -> Self {
        Self::new()
    }
}

impl FakeServer {
    /// Serves `answer(request)` for each request, where `request` is its
    /// head and body as text.
    pub fn start(answer: impl Fn(&str) -> Answer + Send + 'static) -> Self {
        Self::serve(None, answer)
    }

    /// Like [`FakeServer::start`], over TLS with `certificates`' server certificate.
    pub fn start_tls(
        certificates: &TestCertificates,
        answer: impl Fn(&str) -> Answer + Send + 'static,
    ) -> Self {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .expect("TLS versions")
            .with_no_client_auth()
            .with_single_cert(
                certificates.server_chain.clone(),
                certificates.server_key.clone_key(),
            )
            .expect("server certificate");
        Self::serve(Some(Arc::new(config)), answer)
    }

    fn serve(
        tls: Option<Arc<rustls::ServerConfig>>,
        answer: impl Fn(&str) -> Answer + Send + 'static,
    ) -> Self {
        let scheme = if tls.is_some() { "https" } else { "http" };
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
                let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
                match &tls {
                    None => exchange(stream, &answer, &kept),
                    Some(config) => {
                        let Ok(connection) = rustls::ServerConnection::new(config.clone()) else {
                            continue;
                        };
                        exchange(rustls::StreamOwned::new(connection, stream), &answer, &kept);
                    }
                }
            }
        });
        Self {
            address,
            scheme,
            received,
            stop,
        }
    }

    /// `http://127.0.0.1:PORT`, or `https://…` for a TLS server.
    pub fn url(&self) -> String {
        format!("{}://{}", self.scheme, self.address)
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

/// Reads one request and writes the answer to it; a failed handshake or a
/// client that goes away ends the exchange.
fn exchange<S: Read + Write>(
    mut stream: S,
    answer: &impl Fn(&str) -> Answer,
    kept: &Mutex<Vec<String>>,
) {
    if let Some(request) = read_request(&mut stream) {
        let reply = answer(&request);
        kept.lock().expect("lock").push(request);
        write_answer(&mut stream, reply);
    }
}

fn read_request(stream: &mut impl Read) -> Option<String> {
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

fn write_answer(stream: &mut impl Write, answer: Answer) {
    let head = format!(
        "{}\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
        answer.head,
        answer.body.len()
    );
    let _ = stream.write_all(head.as_bytes());
    let _ = stream.write_all(&answer.body);
    let _ = stream.flush();
}
