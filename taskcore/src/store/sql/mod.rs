//! The SQL both backends share: the task table, the statements built from
//! it, and the units of work that run them, written once over a connection
//! and a dialect that each backend supplies.

pub(crate) mod admin;
pub(crate) mod calendars;
pub(crate) mod dialect;
pub(crate) mod history;
pub(crate) mod list_feed;
pub(crate) mod listing;
pub(crate) mod lists;
pub(crate) mod objects;
pub(crate) mod owner;
pub(crate) mod read_update;
pub(crate) mod repeating;
pub(crate) mod statements;
pub(crate) mod subtasks;
pub(crate) mod table;
pub(crate) mod tokens;
pub(crate) mod uids;
pub(crate) mod unit;
pub(crate) mod value;
