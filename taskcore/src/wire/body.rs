//! What every request body shares: its checks, every broken rule at once,
//! and the checked value they give.

use std::collections::BTreeSet;
use std::fmt;
use std::ops::Deref;

use serde::Deserializer;
use serde::de::{Deserialize, DeserializeOwned};
use serde_json::Value;

use super::lenient;
use crate::error::{Error, Result, Source, ValidationErrors};
use crate::types::Invalid;

/// A body whose every field passed its checks, for bodies that are used as
/// they are (a login, a refresh). Only [`Body::validate`] and
/// [`Body::from_json`] make one.
#[derive(Clone, PartialEq, Eq)]
pub struct Valid<T>(pub(super) T);

impl<T> Valid<T> {
    /// The checked body.
    pub fn into_inner(self) -> T {
        self.0
    }
}

/// Serialised as the body it holds: a checked body is sent as it is.
impl<T: serde::Serialize> serde::Serialize for Valid<T> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(serializer)
    }
}

impl<T> Deref for Valid<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T: fmt::Debug> fmt::Debug for Valid<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// A request body: its fields' rules, and what it is once they hold.
pub trait Body: Sized {
    /// The body checked: a domain type (a new task, a change to one) or,
    /// for bodies read as they are, [`Valid`] of the body itself.
    type Checked;

    /// Checks and normalises each field, recording every broken rule in
    /// `checks`; the checked value when every rule held.
    fn check(self, checks: &mut Checks) -> Option<Self::Checked>;

    /// Checks a body built in code; every broken rule at once.
    fn validate(self) -> Result<Self::Checked> {
        let mut checks = Checks::new(Source::Body);
        let checked = self.check(&mut checks);
        checks.finish(checked)
    }

    /// Reads and checks a JSON body: missing fields, fields of the wrong type
    /// and broken rules, all reported at once.
    fn from_json(json: &Value) -> Result<Self::Checked>
    where
        Self: DeserializeOwned,
    {
        let read = lenient::read::<Self>(json, Source::Body);
        let mut checks = Checks {
            source: Source::Body,
            errors: read.errors,
            failed: read.failed,
        };
        match read.value {
            Some(body) => {
                let checked = body.check(&mut checks);
                checks.finish(checked)
            }
            None => Err(Error::Validation(checks.errors)),
        }
    }
}

/// The broken rules found in one body so far.
#[derive(Debug)]
pub struct Checks {
    source: Source,
    errors: ValidationErrors,
    /// Fields already reported (of the wrong shape): their rules are not checked.
    failed: BTreeSet<String>,
}

impl Checks {
    fn new(source: Source) -> Self {
        Self {
            source,
            errors: ValidationErrors::new(),
            failed: BTreeSet::new(),
        }
    }

    /// Records the outcome of one field's rule and hands back the value when
    /// it passed. A field already reported for its shape is not reported again.
    pub fn field<T>(&mut self, name: &str, outcome: Result<T, Invalid>) -> Option<T> {
        match outcome {
            Ok(value) => Some(value),
            Err(invalid) => {
                if self.failed.insert(name.to_owned()) {
                    self.errors
                        .add(self.source, name, invalid.kind, invalid.msg);
                }
                None
            }
        }
    }

    fn finish<T>(self, value: Option<T>) -> Result<T> {
        if !self.errors.is_empty() {
            return Err(Error::Validation(self.errors));
        }
        value.ok_or_else(|| Error::Internal("a body failed a check that reported nothing".into()))
    }
}

/// For `Option` fields where `null` is refused: absent is `None`, a value is
/// `Some`, and `null` is an error of the field's type.
pub(crate) fn present<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    T::deserialize(deserializer).map(Some)
}

/// For `Option<Option<…>>` fields of a partial update: absent is `None`
/// (unchanged), `null` is `Some(None)` (cleared).
pub(crate) fn nullable<'de, D, T>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(deserializer).map(Some)
}

/// An integer as JSON Schema counts one: `2172` or `2172.0`.
struct Whole(i64);

impl<'de> Deserialize<'de> for Whole {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let number = serde_json::Number::deserialize(deserializer)?;
        number
            .as_i64()
            .or_else(|| {
                number
                    .as_f64()
                    .filter(|value| value.fract() == 0.0 && value.abs() < 1e15)
                    .map(|value| value as i64)
            })
            .map(Whole)
            .ok_or_else(|| serde::de::Error::custom("Input should be a valid integer"))
    }
}

/// For `Option<i64>` fields that may be absent or `null`: a whole number.
pub(crate) fn whole<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<i64>, D::Error> {
    Option::<Whole>::deserialize(deserializer).map(|number| number.map(|Whole(number)| number))
}

/// [`present`] for a whole number.
pub(crate) fn present_whole<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<i64>, D::Error> {
    Whole::deserialize(deserializer).map(|Whole(number)| Some(number))
}

/// [`nullable`] for a whole number.
pub(crate) fn nullable_whole<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<Option<i64>>, D::Error> {
    Option::<Whole>::deserialize(deserializer)
        .map(|number| Some(number.map(|Whole(number)| number)))
}
