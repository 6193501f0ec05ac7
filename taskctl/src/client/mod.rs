//! A typed, blocking HTTP client for the taskd API.
//!
//! Every call returns taskcore's models together with the JSON the server
//! sent, so callers can show either.

mod access;
mod account;
mod connection;
mod error;
mod lists;
mod options;
mod tasks;
mod transfer;

pub use self::connection::{
    ANSWER_MAX_BYTES, API_PREFIX, Client, EXPORT_MAX_BYTES, Fetched, etag_version,
};
pub use self::error::ClientError;
pub use self::options::{ClientOptions, Timeouts};
pub use self::tasks::TaskList;
pub use self::transfer::ImportSummary;
