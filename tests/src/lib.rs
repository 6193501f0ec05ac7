//! Runs the real taskd and taskctl binaries for end-to-end tests.
//!
//! Each [`Server`] is its own process on 127.0.0.1 with port 0 and its own
//! database (a SQLite file in a temporary directory, or a fresh PostgreSQL
//! database). Readiness is the `listening on` log line, never a sleep.
//!
//! - `backend`: which database servers use; PostgreSQL databases per server.
//! - `process`: the taskd process.
//! - `http`: an HTTP client and the calls tests repeat.
//! - `taskctl`: the taskctl binary.

mod backend;
mod fake;
mod http;
mod process;
mod taskctl;

pub use backend::{Backend, POSTGRES_URL_VAR, REQUIRE_POSTGRES_VAR, use_backend, use_postgres};
pub use fake::{Answer, FakeServer, TestCertificates};
pub use http::{Account, client, client_trusting, error_locations, next_link, unique_email};
pub use process::{Server, ServerOptions, binary, taskd_command};
pub use taskctl::{Run, Taskctl};

/// The secret tests sign with; long enough for production mode.
pub const SECRET_KEY: &str = "test-secret-key-0123456789abcdef-0123456789";
