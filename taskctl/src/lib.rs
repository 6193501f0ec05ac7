//! taskctl as a library: a typed client for the taskd API and the saved session.
//!
//! ```no_run
//! use taskctl::client::{Client, ClientOptions};
//! use taskcore::TaskCreate;
//!
//! # fn main() -> Result<(), taskctl::client::ClientError> {
//! let client = Client::new("https://tasks.example.com", &ClientOptions::default())?;
//! let token = client.login("jane@example.com", "password123")?;
//! let client = client.with_token(token.access_token);
//! let task = client.create_task(&TaskCreate {
//!     title: "Buy milk".into(),
//!     ..TaskCreate::default()
//! })?;
//! println!("created task {}", task.value.id);
//! # Ok(())
//! # }
//! ```

pub mod client;
pub mod journal;
pub mod renewal;
pub mod session;
