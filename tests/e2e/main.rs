//! End-to-end tests: the real taskd binary, over HTTP, on its own SQLite file.

mod api_tokens;
mod auth;
mod backup;
mod connections;
mod devices;
mod errors;
mod hostile;
mod hostile_data;
mod hostile_transfers;
mod observability;
mod planning;
mod postgres_tls;
mod process;
mod scale_out;
mod sessions;
mod taskctl;
mod taskctl_devices;
mod taskctl_hostile;
mod taskctl_planning;
mod taskctl_sessions;
mod taskctl_tls;
mod tasks;
mod tokens;
mod visible_sessions;
mod writer;
