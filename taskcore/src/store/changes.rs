//! What a create made once per key holds on to: the idempotency key, and
//! the answer a remembered create replays.

use crate::error::{Error, Source, ValidationErrors};
use crate::model::Task;
use crate::types::TaskId;

/// How long a create is remembered under its idempotency key, in hours.
pub const KEY_HOURS: i64 = 24;

/// An `Idempotency-Key`: 1 to 255 visible ASCII characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdempotencyKey(String);

/// The header's name, where its errors are located.
const HEADER: &str = "Idempotency-Key";

impl IdempotencyKey {
    /// Checks a key as a client sent it.
    pub fn parse(text: &str) -> Result<Self, Error> {
        let valid = (1..=255).contains(&text.len()) && text.bytes().all(|b| b.is_ascii_graphic());
        if valid {
            Ok(Self(text.to_owned()))
        } else {
            Err(Error::Validation(ValidationErrors::single(
                Source::Header,
                HEADER,
                "value_error",
                "An Idempotency-Key is 1 to 255 visible ASCII characters (no spaces)",
            )))
        }
    }

    /// The key.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The key was used for another request.
    pub(crate) fn reused() -> Error {
        Error::Validation(ValidationErrors::single(
            Source::Header,
            HEADER,
            "idempotency_key_reused",
            "This Idempotency-Key was used for a different request in the last 24 hours; \
             use a new key for a new task",
        ))
    }

    /// The key's first request has not finished.
    pub(crate) fn in_progress() -> Error {
        Error::Conflict(
            "A request with this Idempotency-Key is still in progress; retry in a moment"
                .to_owned(),
        )
    }
}

/// The answer to a create made once per idempotency key.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Replay {
    /// The task created.
    pub id: TaskId,
    /// The body of the first answer: the task as it was created.
    pub body: String,
    /// Whether this is a repeat, answered from memory.
    pub replayed: bool,
}

impl Replay {
    /// The task as it was created (read from [`Replay::body`]).
    pub fn task(&self) -> Result<Task, Error> {
        serde_json::from_str(&self.body)
            .map_err(|error| Error::Internal(format!("a remembered answer is not a task: {error}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_visible_ascii_of_1_to_255_characters() {
        assert!(IdempotencyKey::parse("a").is_ok());
        assert!(IdempotencyKey::parse(&"k".repeat(255)).is_ok());
        for bad in ["", "a b", "é", "tab\t", &"k".repeat(256)] {
            assert!(IdempotencyKey::parse(bad).is_err(), "{bad:?}");
        }
    }
}
