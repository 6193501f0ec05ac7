//! End-to-end tests: the real taskd binary, over HTTP, on its own SQLite file.

mod auth;
mod errors;
mod process;
mod tasks;
mod tokens;
