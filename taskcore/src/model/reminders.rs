//! Reminders: a lead before a task's due (`{"before": "PT15M"}`) or an
//! instant (`{"at": "2026-12-24T08:00:00Z"}`). taskd keeps them; CalDAV
//! clients ring them (VALARM) and taskctl shows the next one.
//!
//! ```
//! use taskcore::model::{Lead, Reminder, normalise_reminders};
//!
//! let lead = Lead::parse("pt90m").unwrap();
//! assert_eq!(lead.to_string(), "PT1H30M");
//! let reminders = normalise_reminders(vec![
//!     Reminder::Before(Lead::parse("PT15M").unwrap()),
//!     Reminder::Before(Lead::parse("P1D").unwrap()),
//!     Reminder::Before(Lead::parse("PT900S").unwrap()),
//! ]);
//! assert_eq!(reminders.len(), 2); // PT900S is PT15M
//! assert_eq!(reminders[0], Reminder::Before(Lead::parse("P1D").unwrap()));
//! ```

use std::fmt;

use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::types::Invalid;

/// Most reminders a task carries.
pub const REMINDERS_MAX: usize = 10;
/// Longest lead before a due, in seconds: a year of days.
pub const LEAD_MAX_SECONDS: u32 = 366 * 86_400;

/// How long before its due a reminder rings, to the second: RFC 5545's
/// duration (`P1W`, `P2D`, `PT1H30M`, `P1DT12H`), without a sign.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Lead(u32);

impl Lead {
    /// A lead of this many seconds (at most [`LEAD_MAX_SECONDS`]).
    pub fn from_seconds(seconds: u32) -> Result<Self, Invalid> {
        if seconds > LEAD_MAX_SECONDS {
            return Err(Invalid::new(
                "value_error",
                "A reminder rings at most 366 days before the due",
            ));
        }
        Ok(Self(seconds))
    }

    /// The lead in seconds.
    pub fn seconds(self) -> u32 {
        self.0
    }

    /// The lead as a span of time.
    pub fn delta(self) -> TimeDelta {
        TimeDelta::seconds(i64::from(self.0))
    }

    /// Reads `P[nW]` or `P[nD][T[nH][nM][nS]]` (case-insensitive), as RFC
    /// 5545 writes durations; no sign, no years or months (their length
    /// depends on the date).
    pub fn parse(input: &str) -> Result<Self, Invalid> {
        let refused = || {
            Invalid::new(
                "value_error",
                format!(
                    "'{}' is not a duration such as PT15M, PT1H, P1D or P1W",
                    input.chars().take(40).collect::<String>()
                ),
            )
        };
        let text = input.trim().to_ascii_uppercase();
        let rest = text.strip_prefix('P').ok_or_else(refused)?;
        if rest.is_empty() {
            return Err(refused());
        }
        let (date, time) = match rest.split_once('T') {
            Some((date, time)) if !time.is_empty() => (date, Some(time)),
            Some(_) => return Err(refused()),
            None => (rest, None),
        };
        let mut seconds: u64 = 0;
        let mut add = |text: &str, units: &[(char, u64)]| -> Result<(), Invalid> {
            let mut digits = String::new();
            let mut last = 0;
            for c in text.chars() {
                if c.is_ascii_digit() {
                    digits.push(c);
                    continue;
                }
                let position = units
                    .iter()
                    .position(|(unit, _)| *unit == c)
                    .filter(|position| {
                        *position + 1 > last && !digits.is_empty() && digits.len() <= 9
                    })
                    .ok_or_else(refused)?;
                last = position + 1;
                let count: u64 = digits.parse().map_err(|_| refused())?;
                seconds = seconds.saturating_add(count.saturating_mul(units[position].1));
                digits.clear();
            }
            if digits.is_empty() {
                Ok(())
            } else {
                Err(refused())
            }
        };
        add(date, &[('W', 7 * 86_400), ('D', 86_400)])?;
        if let Some(time) = time {
            add(time, &[('H', 3_600), ('M', 60), ('S', 1)])?;
        }
        Self::from_seconds(u32::try_from(seconds).unwrap_or(u32::MAX))
    }
}

/// RFC 5545's shortest spelling: weeks when whole, else days and a time.
impl fmt::Display for Lead {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let seconds = self.0;
        if seconds == 0 {
            return f.write_str("PT0S");
        }
        if seconds.is_multiple_of(7 * 86_400) {
            return write!(f, "P{}W", seconds / (7 * 86_400));
        }
        f.write_str("P")?;
        let (days, rest) = (seconds / 86_400, seconds % 86_400);
        if days > 0 {
            write!(f, "{days}D")?;
        }
        if rest > 0 {
            f.write_str("T")?;
            let (hours, minutes, secs) = (rest / 3_600, rest % 3_600 / 60, rest % 60);
            if hours > 0 {
                write!(f, "{hours}H")?;
            }
            if minutes > 0 {
                write!(f, "{minutes}M")?;
            }
            if secs > 0 {
                write!(f, "{secs}S")?;
            }
        }
        Ok(())
    }
}

impl Serialize for Lead {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Lead {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Self::parse(&text).map_err(|invalid| serde::de::Error::custom(invalid.msg))
    }
}

/// When a reminder rings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase", deny_unknown_fields)]
pub enum Reminder {
    /// This long before the due (the task must have one); it follows a
    /// repeating task's due to each occurrence.
    Before(Lead),
    /// At this instant (UTC).
    At(DateTime<Utc>),
}

impl Reminder {
    /// When it rings for a task due at `due` (the start of an all-day
    /// due's day, for a due date); `None` for a lead without a due.
    pub fn rings_at(self, due: Option<DateTime<Utc>>) -> Option<DateTime<Utc>> {
        match self {
            Self::At(at) => Some(at),
            Self::Before(lead) => due.map(|due| due - lead.delta()),
        }
    }

    /// Whether it rings relative to the due.
    pub fn is_relative(self) -> bool {
        matches!(self, Self::Before(_))
    }
}

/// Reminders in the order taskd keeps them, without duplicates: leads
/// first, the longest (earliest ringing) first, then instants, earliest
/// first.
pub fn normalise_reminders(mut reminders: Vec<Reminder>) -> Vec<Reminder> {
    reminders.sort_by_key(|reminder| match reminder {
        Reminder::Before(lead) => (0, u32::MAX - lead.seconds(), None),
        Reminder::At(at) => (1, 0, Some(*at)),
    });
    reminders.dedup();
    reminders
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn leads_read_as_rfc_5545_durations_and_write_back_shortest() {
        for (input, seconds, written) in [
            ("PT15M", 900, "PT15M"),
            ("pt1h", 3_600, "PT1H"),
            ("P1D", 86_400, "P1D"),
            ("P1W", 604_800, "P1W"),
            ("P7D", 604_800, "P1W"),
            ("P1DT2H30M", 95_400, "P1DT2H30M"),
            ("PT90S", 90, "PT1M30S"),
            ("PT0S", 0, "PT0S"),
            (" P2DT0H ", 172_800, "P2D"),
        ] {
            let lead = Lead::parse(input).unwrap_or_else(|_| panic!("{input} reads"));
            assert_eq!(lead.seconds(), seconds, "{input}");
            assert_eq!(lead.to_string(), written, "{input}");
        }
    }

    #[test]
    fn what_is_not_a_duration_is_refused() {
        for input in [
            "",
            "P",
            "PT",
            "15M",
            "-PT15M",
            "P1Y",
            "P1M",
            "PT1H1H",
            "PT1M1H",
            "P1D2W",
            "PT1.5H",
            "P1DT",
            "P367D",
            "P9999999999D",
            "PTXM",
        ] {
            assert!(Lead::parse(input).is_err(), "{input} should be refused");
        }
        assert!(Lead::parse("P366D").is_ok(), "the control");
    }

    #[test]
    fn reminders_serialise_as_the_api_writes_them() {
        let reminders = vec![
            Reminder::At("2026-12-24T08:00:00Z".parse().expect("instant")),
            Reminder::Before(Lead::parse("PT15M").expect("lead")),
        ];
        let json = serde_json::to_string(&normalise_reminders(reminders)).expect("json");
        assert_eq!(
            json,
            r#"[{"before":"PT15M"},{"at":"2026-12-24T08:00:00Z"}]"#
        );
        let back: Vec<Reminder> = serde_json::from_str(&json).expect("read back");
        assert_eq!(back.len(), 2);
    }
}
