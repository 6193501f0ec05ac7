//! When a task is due: on a day or at an instant.

use chrono::{DateTime, NaiveDate, Utc};

/// When a task is due: on a calendar day (all day, in the owner's zone) or
/// at an instant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Due {
    /// All day on this day, in the owner's time zone.
    Date(NaiveDate),
    /// At this instant.
    At(DateTime<Utc>),
}

/// Written as the API writes it: a day (`2026-12-24`) or an instant in
/// UTC (RFC 3339).
impl serde::Serialize for Due {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Self::Date(day) => serializer.collect_str(&day.format("%Y-%m-%d")),
            Self::At(at) => serializer.collect_str(&at.to_rfc3339()),
        }
    }
}

impl<'de> serde::Deserialize<'de> for Due {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        if let Ok(day) = NaiveDate::parse_from_str(&text, "%Y-%m-%d") {
            return Ok(Self::Date(day));
        }
        DateTime::parse_from_rfc3339(&text)
            .map(|at| Self::At(at.with_timezone(&Utc)))
            .map_err(|_| serde::de::Error::custom("a due is a day or an RFC 3339 instant"))
    }
}

impl Due {
    /// The day, if due on one.
    pub fn date(self) -> Option<NaiveDate> {
        match self {
            Self::Date(day) => Some(day),
            Self::At(_) => None,
        }
    }

    /// The instant, if due at one.
    pub fn at(self) -> Option<DateTime<Utc>> {
        match self {
            Self::At(instant) => Some(instant),
            Self::Date(_) => None,
        }
    }
}
