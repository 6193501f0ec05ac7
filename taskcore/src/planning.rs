//! What people plan with: priority, when a task is due, tags and the
//! user's time zone.
//!
//! A task is due either on a calendar day (`due_date`, all day, in the
//! owner's zone, never shifted) or at an instant (`due_at`, UTC). To sort
//! and filter both together, each due task has a *due key*: the instant it
//! is due by. For `due_at` that is the instant itself; for `due_date` it is
//! the last microsecond of that day in the owner's zone, so a task due on a
//! day sorts after the timed tasks of that day and is overdue from the next
//! day on.

use std::fmt;
use std::str::FromStr;

use chrono::{
    DateTime, Datelike, Days, LocalResult, NaiveDate, NaiveTime, TimeDelta, TimeZone, Utc,
};
use serde::{Deserialize, Serialize};

use crate::types::Invalid;

/// Longest tag, in characters.
pub const TAG_MAX_CHARS: usize = 64;
/// Most tags on one task.
pub const TAGS_MAX: usize = 32;

/// How important a task is. Tasks without one rank below `low`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Priority {
    /// Can wait.
    Low,
    /// Normal.
    Medium,
    /// Matters most.
    High,
}

impl Priority {
    /// Every priority, lowest first.
    pub const ALL: [Priority; 3] = [Priority::Low, Priority::Medium, Priority::High];

    /// The name the API uses: the one spelling of each priority, which every
    /// reader and writer (server, docs, taskctl) takes from here.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Low => "low",
            Self::Medium => "medium",
            Self::High => "high",
        }
    }

    /// The letter tables show: the name's first, upper-cased (`L`, `M`, `H`).
    pub fn letter(self) -> char {
        self.as_str()
            .chars()
            .next()
            .unwrap_or('?')
            .to_ascii_uppercase()
    }

    /// Parses a priority's name, exactly as [`Priority::as_str`] spells it.
    pub fn parse(input: &str) -> Result<Self, Invalid> {
        Self::ALL
            .into_iter()
            .find(|priority| priority.as_str() == input)
            .ok_or_else(|| {
                Invalid::new("enum", format!("Input should be {}", Self::choices(false)))
            })
    }

    /// The names, quoted and listed for a message: `'low', 'medium' or
    /// 'high'`, with `'none'` first when `with_none`.
    pub fn choices(with_none: bool) -> String {
        let mut names: Vec<String> = Self::ALL
            .iter()
            .map(|priority| format!("'{}'", priority.as_str()))
            .collect();
        if with_none {
            names.insert(0, format!("'{NO_PRIORITY}'"));
        }
        let last = names.pop().unwrap_or_default();
        format!("{} or {last}", names.join(", "))
    }

    /// The stored rank: 1 (low) to 3 (high); no priority is 0.
    pub fn rank(priority: Option<Self>) -> i64 {
        match priority {
            None => 0,
            Some(Self::Low) => 1,
            Some(Self::Medium) => 2,
            Some(Self::High) => 3,
        }
    }

    /// The priority of a stored rank; 0 (and anything unknown) is none.
    pub fn from_rank(rank: i64) -> Option<Self> {
        match rank {
            1 => Some(Self::Low),
            2 => Some(Self::Medium),
            3 => Some(Self::High),
            _ => None,
        }
    }
}

/// How a listing's `priority` filter and taskctl name "no priority".
pub const NO_PRIORITY: &str = "none";

impl FromStr for Priority {
    type Err = Invalid;

    fn from_str(input: &str) -> Result<Self, Invalid> {
        Self::parse(input)
    }
}

impl fmt::Display for Priority {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Earliest and latest year of a due: a zone's offset can never carry a due
/// key out of the years every backend stores.
pub(crate) const YEARS: std::ops::RangeInclusive<i32> = 2..=9998;

/// Parses an all-day due date: exactly `YYYY-MM-DD`, a real day of the
/// years 0002 to 9998.
pub fn parse_date(input: &str) -> Result<NaiveDate, Invalid> {
    let wrong = || {
        Invalid::new(
            "date_parsing",
            "Input should be a valid date in the format YYYY-MM-DD (years 0002 to 9998)",
        )
    };
    let bytes = input.as_bytes();
    let shaped = bytes.len() == 10
        && bytes[4] == b'-'
        && bytes[7] == b'-'
        && bytes
            .iter()
            .enumerate()
            .all(|(index, byte)| index == 4 || index == 7 || byte.is_ascii_digit());
    if !shaped {
        return Err(wrong());
    }
    let date = NaiveDate::parse_from_str(input, "%Y-%m-%d").map_err(|_| wrong())?;
    check_date(date).map_err(|_| wrong())
}

/// Checks an all-day due date given as a date: a day of the years 0002 to 9998.
fn check_date(date: NaiveDate) -> Result<NaiveDate, Invalid> {
    if YEARS.contains(&date.year()) {
        Ok(date)
    } else {
        Err(Invalid::new(
            "date_parsing",
            "A due date should be in the years 0002 to 9998",
        ))
    }
}

/// Parses a due instant: `YYYY-MM-DDTHH:MM:SS`, optional fraction (up to 9
/// digits), then `Z` or `±HH:MM`; kept to the microsecond, returned in UTC.
pub fn parse_instant(input: &str) -> Result<DateTime<Utc>, Invalid> {
    let wrong = || {
        Invalid::new(
            "datetime_parsing",
            "Input should be a valid RFC 3339 date-time with an offset, such as 2025-01-31T17:00:00Z (years 0002 to 9998)",
        )
    };
    let (date, rest) = input.split_at_checked(10).ok_or_else(wrong)?;
    parse_date(date).map_err(|_| wrong())?;
    let rest = rest.strip_prefix('T').ok_or_else(wrong)?;
    let digits = |text: &str, max: u32| {
        text.len() == 2
            && text.bytes().all(|byte| byte.is_ascii_digit())
            && text.parse::<u32>().is_ok_and(|value| value <= max)
    };
    let (clock, zone) = rest.split_at_checked(8).ok_or_else(wrong)?;
    let clock_ok = clock.as_bytes().get(2) == Some(&b':')
        && clock.as_bytes().get(5) == Some(&b':')
        && digits(&clock[0..2], 23)
        && digits(&clock[3..5], 59)
        && digits(&clock[6..8], 59);
    let zone = match zone.strip_prefix('.') {
        Some(fraction) => {
            let length = fraction.bytes().take_while(u8::is_ascii_digit).count();
            if !(1..=9).contains(&length) {
                return Err(wrong());
            }
            &fraction[length..]
        }
        None => zone,
    };
    let zone_ok = zone == "Z"
        || (zone.len() == 6
            && matches!(zone.as_bytes()[0], b'+' | b'-')
            && zone.as_bytes()[3] == b':'
            && digits(&zone[1..3], 23)
            && digits(&zone[4..6], 59));
    if !(clock_ok && zone_ok) {
        return Err(wrong());
    }
    let instant = DateTime::parse_from_rfc3339(input).map_err(|_| wrong())?;
    let instant = instant.with_timezone(&Utc);
    DateTime::from_timestamp_micros(instant.timestamp_micros()).ok_or_else(wrong)
}

/// Checks and normalises one tag: trimmed, lower-cased, 1 to 64 characters
/// from letters, digits and `-_.:/`.
pub fn parse_tag(input: &str) -> Result<String, Invalid> {
    let tag = input.trim().to_lowercase();
    if tag.is_empty() {
        return Err(Invalid::new(
            "string_too_short",
            "A tag should have at least 1 character",
        ));
    }
    if tag.chars().count() > TAG_MAX_CHARS {
        return Err(Invalid::new(
            "string_too_long",
            format!("A tag should have at most {TAG_MAX_CHARS} characters"),
        ));
    }
    // The characters typed are checked, not their lower case: lower-casing
    // `İ` gives `i` and a combining dot, which nobody typed.
    if let Some(bad) = input
        .trim()
        .chars()
        .find(|c| !(c.is_alphanumeric() || "-_.:/".contains(*c)))
    {
        return Err(Invalid::new(
            "string_pattern_mismatch",
            format!(
                "A tag may hold letters, digits and - _ . : / only, not {:?}",
                bad
            ),
        ));
    }
    Ok(tag)
}

/// Checks a list of tags: each as [`parse_tag`] says, no two the same once
/// lower-cased, at most `TAGS_MAX`. Returns them normalised and sorted.
pub fn parse_tags(input: &[String]) -> Result<Vec<String>, Invalid> {
    let mut tags = Vec::with_capacity(input.len());
    for (index, tag) in input.iter().enumerate() {
        let tag = parse_tag(tag).map_err(|invalid| Invalid {
            msg: format!("Tag {index}: {}", invalid.msg),
            ..invalid
        })?;
        tags.push(tag);
    }
    tags.sort();
    if let Some(pair) = tags.windows(2).find(|pair| pair[0] == pair[1]) {
        return Err(Invalid::new(
            "value_error",
            format!("Tags should not repeat; '{}' appears twice", pair[0]),
        ));
    }
    if tags.len() > TAGS_MAX {
        return Err(Invalid::new(
            "too_long",
            format!("A task has at most {TAGS_MAX} tags"),
        ));
    }
    Ok(tags)
}

/// A time zone of the IANA database, such as `Europe/Paris`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Zone(chrono_tz::Tz);

impl Default for Zone {
    fn default() -> Self {
        Self(chrono_tz::Tz::UTC)
    }
}

impl Zone {
    /// Parses an IANA zone name (exact spelling, as the database has it).
    pub fn parse(input: &str) -> Result<Self, Invalid> {
        chrono_tz::Tz::from_str(input).map(Self).map_err(|_| {
            Invalid::new(
                "value_error",
                "Input should be a time zone of the IANA database, such as 'Europe/Paris' or 'UTC'",
            )
        })
    }

    /// The zone as chrono-tz has it.
    #[cfg(feature = "repeat")]
    pub(crate) fn tz(&self) -> chrono_tz::Tz {
        self.0
    }

    /// The zone's name.
    pub fn name(&self) -> &'static str {
        self.0.name()
    }

    /// The calendar day an instant falls on in this zone.
    pub fn day_of(&self, instant: DateTime<Utc>) -> NaiveDate {
        instant.with_timezone(&self.0).date_naive()
    }

    /// The first instant of a day in this zone. Where a clock change skips
    /// midnight, the day starts when the clocks resume.
    pub fn start_of(&self, day: NaiveDate) -> DateTime<Utc> {
        self.instant_of(day.and_time(NaiveTime::MIN))
    }

    /// The instant a wall-clock time names in this zone: the earlier one
    /// when clocks repeat it, the first after the gap when they skip it.
    pub fn instant_of(&self, local: chrono::NaiveDateTime) -> DateTime<Utc> {
        let mut probe = local;
        for _ in 0..16 {
            match self.0.from_local_datetime(&probe) {
                LocalResult::Single(instant) | LocalResult::Ambiguous(instant, _) => {
                    return instant.with_timezone(&Utc);
                }
                LocalResult::None => probe += TimeDelta::minutes(15),
            }
        }
        local.and_utc()
    }

    /// An instant as wall-clock time in this zone, formatted with a chrono
    /// pattern (`%Z` gives the zone's abbreviation).
    pub fn format(&self, instant: DateTime<Utc>, pattern: &str) -> String {
        instant.with_timezone(&self.0).format(pattern).to_string()
    }

    /// The first instant of the day after `day` in this zone.
    pub fn end_of(&self, day: NaiveDate) -> DateTime<Utc> {
        match day.checked_add_days(Days::new(1)) {
            Some(next) => self.start_of(next),
            None => DateTime::<Utc>::MAX_UTC,
        }
    }
}

impl fmt::Display for Zone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The instant a task is due by, given its due fields and its owner's zone:
/// `due_at`, or the last microsecond of `due_date` in the zone.
pub fn due_key(
    due_date: Option<NaiveDate>,
    due_at: Option<DateTime<Utc>>,
    zone: Zone,
) -> Option<DateTime<Utc>> {
    match (due_at, due_date) {
        (Some(at), _) => Some(at),
        (None, Some(day)) => Some(zone.end_of(day) - TimeDelta::microseconds(1)),
        (None, None) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_are_trimmed_lower_cased_sorted_and_unique() {
        let tags = parse_tags(&[" Home ".into(), "money".into(), "été:2/x".into()]).expect("ok");
        assert_eq!(tags, ["home", "money", "été:2/x"]);
        assert!(parse_tags(&["Home".into(), "home".into()]).is_err());
        assert!(parse_tags(&["a b".into()]).is_err());
        assert!(parse_tags(&[" ".into()]).is_err());
        assert!(parse_tag(&"x".repeat(64)).is_ok());
        assert!(parse_tag(&"x".repeat(65)).is_err());
        let many: Vec<String> = (0..33).map(|n| format!("t{n}")).collect();
        assert_eq!(parse_tags(&many).unwrap_err().kind, "too_long");
        assert!(parse_tags(&many[..32]).is_ok());
    }

    #[test]
    fn a_tag_is_checked_as_typed_and_its_refusal_names_a_typed_character() {
        // Lower-cased, `İ` is `i` and a combining dot nobody typed.
        assert_eq!(parse_tag("İstanbul").as_deref(), Ok("i\u{307}stanbul"));
        let refused = parse_tag("İst anbul").unwrap_err();
        assert!(refused.msg.ends_with("not ' '"), "{}", refused.msg);
    }

    #[test]
    fn dates_are_strict_and_instants_need_an_offset() {
        assert!(parse_date("2025-02-28").is_ok());
        for wrong in [
            "2025-02-30",
            "2025-2-28",
            "20250228",
            "2025-02-28T00:00:00Z",
            "+12025-01-01",
            "0000-01-01",
        ] {
            assert!(parse_date(wrong).is_err(), "{wrong}");
        }
        let instant = parse_instant("2025-03-01T18:30:00+02:00").expect("ok");
        assert_eq!(instant.to_rfc3339(), "2025-03-01T16:30:00+00:00");
        assert!(parse_instant("2025-03-01T18:30:00").is_err());
        assert!(parse_instant("tomorrow").is_err());
    }

    #[test]
    fn a_due_date_is_due_by_the_end_of_its_day_in_the_zone() {
        let day = NaiveDate::from_ymd_opt(2025, 6, 1).expect("date");
        let paris = Zone::parse("Europe/Paris").expect("zone");
        let key = due_key(Some(day), None, paris).expect("key");
        assert_eq!(key.to_rfc3339(), "2025-06-01T21:59:59.999999+00:00");
        let auckland = Zone::parse("Pacific/Auckland").expect("zone");
        assert_eq!(
            auckland.start_of(day).to_rfc3339(),
            "2025-05-31T12:00:00+00:00"
        );
        assert!(Zone::parse("Mars/Olympus").is_err());
    }

    #[test]
    fn a_day_that_skips_midnight_starts_when_the_clocks_resume() {
        // Santiago moved its clocks from 00:00 to 01:00 on 2022-09-11.
        let santiago = Zone::parse("America/Santiago").expect("zone");
        let day = NaiveDate::from_ymd_opt(2022, 9, 11).expect("date");
        assert_eq!(
            santiago.start_of(day).to_rfc3339(),
            "2022-09-11T04:00:00+00:00"
        );
    }
}
