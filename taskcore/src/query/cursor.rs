//! The keyset cursor of a listing's next page: opaque to clients.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::types::Invalid;

/// The value of one sort key in a row, as a cursor carries it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
#[non_exhaustive]
pub enum KeyValue {
    /// An integer (priority rank).
    Int(i64),
    /// A timestamp, in microseconds since the epoch.
    Time(TimeValue),
    /// Text (the title).
    Text(String),
}

/// A timestamp in a cursor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimeValue {
    /// Microseconds since the epoch.
    pub t: i64,
}

impl TimeValue {
    /// The instant.
    pub fn instant(self) -> Option<DateTime<Utc>> {
        DateTime::from_timestamp_micros(self.t)
    }
}

/// The refusal of a cursor that no listing of this server made.
pub(crate) fn not_given_out() -> Invalid {
    Invalid::new(
        "value_error",
        "Not a cursor this server gave out; follow the Link header's 'next'",
    )
}

/// Where a page ends: the sort key values and the id of its last task, and
/// the order they belong to. Opaque to clients.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cursor {
    /// The order, as [`TaskQuery::sort_text`](super::TaskQuery::sort_text) writes it.
    #[serde(rename = "s")]
    pub sort: String,
    /// The values of the sort keys before the id, in order.
    #[serde(rename = "v")]
    pub values: Vec<KeyValue>,
    /// The id of the last task.
    #[serde(rename = "i")]
    pub id: i64,
}

impl Cursor {
    /// The cursor as it travels in a URL.
    pub fn encode(&self) -> String {
        URL_SAFE_NO_PAD.encode(serde_json::to_vec(self).unwrap_or_default())
    }

    /// Reads a cursor made for the order `sort`; whether its values are of
    /// the order's keys is for the listing to check.
    pub fn decode(text: &str, sort: &str) -> Result<Self, Invalid> {
        let wrong = not_given_out;
        // A title of 255 characters, each escaped in JSON, fits with room.
        if text.len() > 16 * 1024 {
            return Err(wrong());
        }
        let bytes = URL_SAFE_NO_PAD.decode(text.trim()).map_err(|_| wrong())?;
        let cursor: Cursor = serde_json::from_slice(&bytes).map_err(|_| wrong())?;
        if cursor.sort != sort {
            return Err(Invalid::new(
                "value_error",
                format!(
                    "This cursor belongs to sort={}, not sort={sort}; keep the other parameters of the page it came from",
                    cursor.sort
                ),
            ));
        }
        Ok(cursor)
    }
}
