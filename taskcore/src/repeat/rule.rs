//! A repeat rule as taskd keeps it: the part of RFC 5545's RRULE that task
//! apps use, checked part by part and written back in one normal form.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc, Weekday};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::types::Invalid;

/// Longest rule accepted, in characters.
pub const RULE_MAX_CHARS: usize = 300;
/// Largest `INTERVAL`.
pub const INTERVAL_MAX: u16 = 999;
/// Largest `COUNT`.
pub const COUNT_MAX: u32 = 9999;

/// How often a rule's periods come.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Frequency {
    /// `FREQ=DAILY`
    Daily,
    /// `FREQ=WEEKLY` (weeks start on Monday)
    Weekly,
    /// `FREQ=MONTHLY`
    Monthly,
    /// `FREQ=YEARLY`
    Yearly,
}

impl Frequency {
    fn name(self) -> &'static str {
        match self {
            Self::Daily => "DAILY",
            Self::Weekly => "WEEKLY",
            Self::Monthly => "MONTHLY",
            Self::Yearly => "YEARLY",
        }
    }
}

/// One `BYDAY` entry: a weekday, with an ordinal within the month or year
/// (`1MO` the first Monday, `-1FR` the last Friday) for monthly and yearly
/// rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ByDay {
    /// `None` for every such weekday of the period.
    pub ordinal: Option<i8>,
    /// The weekday.
    pub weekday: Weekday,
}

/// Where a series ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum RepeatEnd {
    /// After this many occurrences.
    Count(u32),
    /// With the last occurrence on or before this day or instant.
    Until(Until),
}

/// An `UNTIL` value: a day (`20261231`) or an instant in UTC
/// (`20261231T170000Z`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Until {
    /// The last day occurrences may fall on.
    Date(NaiveDate),
    /// The last instant occurrences may fall on.
    At(DateTime<Utc>),
}

/// A checked repeat rule. [`fmt::Display`] writes it in normal form: parts
/// in the order RFC 5545 lists them, upper case, lists sorted without
/// duplicates, `INTERVAL=1` left out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RepeatRule {
    frequency: Frequency,
    interval: u16,
    by_day: Vec<ByDay>,
    by_month_day: Vec<i8>,
    by_month: Vec<u8>,
    end: Option<RepeatEnd>,
}

impl RepeatRule {
    /// A rule with no parts but its frequency (every day, week, ...).
    pub fn every(frequency: Frequency, interval: u16) -> Result<Self, Invalid> {
        if !(1..=INTERVAL_MAX).contains(&interval) {
            return Err(part_error(
                "INTERVAL",
                &format!("should be 1 to {INTERVAL_MAX}"),
            ));
        }
        Ok(Self {
            frequency,
            interval,
            by_day: Vec::new(),
            by_month_day: Vec::new(),
            by_month: Vec::new(),
            end: None,
        })
    }

    /// Reads an RRULE value (`FREQ=WEEKLY;BYDAY=MO,WE`, case-insensitive).
    /// `FREQ` (DAILY, WEEKLY, MONTHLY or YEARLY) is required; `INTERVAL`,
    /// `BYDAY`, `BYMONTHDAY`, `BYMONTH` and one of `COUNT` or `UNTIL` may
    /// follow. The error names the part at fault.
    pub fn parse(input: &str) -> Result<Self, Invalid> {
        let input = input.trim();
        let input = input
            .strip_prefix("RRULE:")
            .or_else(|| input.strip_prefix("rrule:"))
            .unwrap_or(input);
        if input.chars().count() > RULE_MAX_CHARS {
            return Err(Invalid::new(
                "string_too_long",
                format!("A repeat rule should have at most {RULE_MAX_CHARS} characters"),
            ));
        }
        let mut parts = Parts::default();
        for part in input.split(';').filter(|part| !part.is_empty()) {
            let Some((name, value)) = part.split_once('=') else {
                return Err(Invalid::new(
                    "value_error",
                    format!("Repeat rule part '{part}' should be NAME=VALUE"),
                ));
            };
            parts.take(&name.trim().to_ascii_uppercase(), value.trim())?;
        }
        parts.finish()
    }

    /// `FREQ`.
    pub fn frequency(&self) -> Frequency {
        self.frequency
    }

    /// `INTERVAL` (1 when not given).
    pub fn interval(&self) -> u16 {
        self.interval
    }

    /// `BYDAY`, sorted (empty when not given).
    pub fn by_day(&self) -> &[ByDay] {
        &self.by_day
    }

    /// `BYMONTHDAY`, sorted (empty when not given).
    pub fn by_month_day(&self) -> &[i8] {
        &self.by_month_day
    }

    /// `BYMONTH`, sorted (empty when not given).
    pub fn by_month(&self) -> &[u8] {
        &self.by_month
    }

    /// `COUNT` or `UNTIL`, if either is given.
    pub fn end(&self) -> Option<RepeatEnd> {
        self.end
    }

    /// The same rule ending as `end` says.
    #[must_use]
    pub fn with_end(mut self, end: Option<RepeatEnd>) -> Self {
        self.end = end;
        self
    }
}

impl fmt::Display for RepeatRule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "FREQ={}", self.frequency.name())?;
        match self.end {
            Some(RepeatEnd::Until(Until::Date(day))) => {
                write!(f, ";UNTIL={}", day.format("%Y%m%d"))?
            }
            Some(RepeatEnd::Until(Until::At(at))) => {
                write!(f, ";UNTIL={}", at.format("%Y%m%dT%H%M%SZ"))?;
            }
            Some(RepeatEnd::Count(count)) => write!(f, ";COUNT={count}")?,
            None => {}
        }
        if self.interval != 1 {
            write!(f, ";INTERVAL={}", self.interval)?;
        }
        if !self.by_day.is_empty() {
            let days: Vec<String> = self
                .by_day
                .iter()
                .map(|day| match day.ordinal {
                    Some(ordinal) => format!("{ordinal}{}", weekday_code(day.weekday)),
                    None => weekday_code(day.weekday).to_owned(),
                })
                .collect();
            write!(f, ";BYDAY={}", days.join(","))?;
        }
        write_list(f, "BYMONTHDAY", &self.by_month_day)?;
        write_list(f, "BYMONTH", &self.by_month)
    }
}

impl FromStr for RepeatRule {
    type Err = Invalid;

    fn from_str(input: &str) -> Result<Self, Invalid> {
        Self::parse(input)
    }
}

impl Serialize for RepeatRule {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for RepeatRule {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Self::parse(&text).map_err(serde::de::Error::custom)
    }
}

fn write_list<T: fmt::Display>(
    f: &mut fmt::Formatter<'_>,
    name: &str,
    values: &[T],
) -> fmt::Result {
    if values.is_empty() {
        return Ok(());
    }
    let values: Vec<String> = values.iter().map(ToString::to_string).collect();
    write!(f, ";{name}={}", values.join(","))
}

/// Where a series is counted from when an occurrence is done.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum RepeatFrom {
    /// The series keeps its dates: the next one after the old due and the
    /// completion.
    #[default]
    Due,
    /// The series starts again on the day it was done ("3 days after I
    /// last did it").
    Completion,
}

impl RepeatFrom {
    /// Reads `due` or `completion`.
    pub fn parse(input: &str) -> Result<Self, Invalid> {
        match input {
            "due" => Ok(Self::Due),
            "completion" => Ok(Self::Completion),
            _ => Err(Invalid::new(
                "enum",
                "Input should be 'due' or 'completion'",
            )),
        }
    }

    /// `due` or `completion`, as the API spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Due => "due",
            Self::Completion => "completion",
        }
    }
}

fn part_error(part: &str, message: &str) -> Invalid {
    Invalid::new("value_error", format!("Repeat rule part {part} {message}"))
}

const WEEKDAYS: [(&str, Weekday); 7] = [
    ("MO", Weekday::Mon),
    ("TU", Weekday::Tue),
    ("WE", Weekday::Wed),
    ("TH", Weekday::Thu),
    ("FR", Weekday::Fri),
    ("SA", Weekday::Sat),
    ("SU", Weekday::Sun),
];

fn weekday_code(weekday: Weekday) -> &'static str {
    WEEKDAYS[weekday.num_days_from_monday() as usize].0
}

/// The parts as read, before they are checked together.
#[derive(Default)]
struct Parts {
    frequency: Option<Frequency>,
    interval: Option<u16>,
    by_day: Option<Vec<ByDay>>,
    by_month_day: Option<Vec<i8>>,
    by_month: Option<Vec<u8>>,
    count: Option<u32>,
    until: Option<Until>,
}

impl Parts {
    fn take(&mut self, name: &str, value: &str) -> Result<(), Invalid> {
        let seen = match name {
            "FREQ" => self.frequency.replace(frequency(value)?).is_some(),
            "INTERVAL" => self
                .interval
                .replace(number(name, value, 1, INTERVAL_MAX)?)
                .is_some(),
            "BYDAY" => self.by_day.replace(by_days(value)?).is_some(),
            "BYMONTHDAY" => self.by_month_day.replace(month_days(value)?).is_some(),
            "BYMONTH" => self
                .by_month
                .replace(list(name, value, |item| number(name, item, 1u8, 12))?)
                .is_some(),
            "COUNT" => self
                .count
                .replace(number(name, value, 1, COUNT_MAX)?)
                .is_some(),
            "UNTIL" => self.until.replace(until(value)?).is_some(),
            "" => return Err(part_error("''", "has no name")),
            other => {
                return Err(part_error(
                    other,
                    "is not supported: use FREQ, INTERVAL, BYDAY, BYMONTHDAY, BYMONTH, and COUNT or UNTIL",
                ));
            }
        };
        if seen {
            return Err(part_error(name, "is given twice"));
        }
        Ok(())
    }

    fn finish(self) -> Result<RepeatRule, Invalid> {
        let Some(frequency) = self.frequency else {
            return Err(part_error(
                "FREQ",
                "is required (DAILY, WEEKLY, MONTHLY or YEARLY)",
            ));
        };
        let end = match (self.count, self.until) {
            (Some(_), Some(_)) => {
                return Err(part_error(
                    "UNTIL",
                    "cannot be given with COUNT: choose one",
                ));
            }
            (Some(count), None) => Some(RepeatEnd::Count(count)),
            (None, Some(until)) => Some(RepeatEnd::Until(until)),
            (None, None) => None,
        };
        let mut by_day = self.by_day.unwrap_or_default();
        let by_month_day = self.by_month_day.unwrap_or_default();
        let by_month = self.by_month.unwrap_or_default();
        // The ordinals the occurrence engine expands (rrule's ranges).
        let ordinal_limit = match frequency {
            Frequency::Monthly => Some((-4, 5)),
            Frequency::Yearly => Some((-52, 53)),
            Frequency::Daily | Frequency::Weekly => None,
        };
        for day in &by_day {
            if let Some(ordinal) = day.ordinal {
                match ordinal_limit {
                    None => {
                        return Err(part_error(
                            "BYDAY",
                            "takes an ordinal (such as 1MO or -1FR) only with FREQ=MONTHLY or YEARLY",
                        ));
                    }
                    Some((low, high)) if ordinal == 0 || !(low..=high).contains(&ordinal) => {
                        return Err(part_error(
                            "BYDAY",
                            &format!(
                                "ordinals should be 1 to {high} or -1 to {low} with FREQ={}",
                                frequency.name()
                            ),
                        ));
                    }
                    Some(_) => {}
                }
            }
        }
        if frequency == Frequency::Weekly && !by_month_day.is_empty() {
            return Err(part_error("BYMONTHDAY", "cannot be used with FREQ=WEEKLY"));
        }
        if !by_month.is_empty()
            && !by_month_day.is_empty()
            && !by_month.iter().any(|month| {
                by_month_day
                    .iter()
                    .any(|day| day.unsigned_abs() <= longest_month(*month))
            })
        {
            return Err(part_error(
                "BYMONTHDAY",
                "names no day those months have (BYMONTH): the task would never come",
            ));
        }
        // One normal form: by ordinal (none counting as 0), then Monday first.
        by_day.sort_by_key(|day| (day.ordinal.unwrap_or(0), day.weekday.num_days_from_monday()));
        by_day.dedup();
        Ok(RepeatRule {
            frequency,
            interval: self.interval.unwrap_or(1),
            by_day,
            by_month_day: sorted(by_month_day),
            by_month: sorted(by_month),
            end,
        })
    }
}

/// The most days `month` (1–12) has, in a leap year.
fn longest_month(month: u8) -> u8 {
    match month {
        2 => 29,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

fn sorted<T: Ord>(mut values: Vec<T>) -> Vec<T> {
    values.sort_unstable();
    values.dedup();
    values
}

fn frequency(value: &str) -> Result<Frequency, Invalid> {
    match value.to_ascii_uppercase().as_str() {
        "DAILY" => Ok(Frequency::Daily),
        "WEEKLY" => Ok(Frequency::Weekly),
        "MONTHLY" => Ok(Frequency::Monthly),
        "YEARLY" => Ok(Frequency::Yearly),
        _ => Err(part_error(
            "FREQ",
            "should be DAILY, WEEKLY, MONTHLY or YEARLY",
        )),
    }
}

fn number<T>(name: &str, value: &str, low: T, high: T) -> Result<T, Invalid>
where
    T: FromStr + PartialOrd + fmt::Display + Copy,
{
    value
        .parse::<T>()
        .ok()
        .filter(|number| (low..=high).contains(number))
        .ok_or_else(|| {
            part_error(
                name,
                &format!("should be a whole number from {low} to {high}"),
            )
        })
}

fn list<T>(
    name: &str,
    value: &str,
    item: impl Fn(&str) -> Result<T, Invalid>,
) -> Result<Vec<T>, Invalid> {
    if value.is_empty() {
        return Err(part_error(name, "needs at least one value"));
    }
    value.split(',').map(|entry| item(entry.trim())).collect()
}

fn by_days(value: &str) -> Result<Vec<ByDay>, Invalid> {
    list("BYDAY", value, |entry| {
        let wrong = || {
            part_error(
                "BYDAY",
                "should list weekdays (MO, TU, WE, TH, FR, SA, SU), such as MO,WE or -1FR",
            )
        };
        // Cut by bytes below: ASCII only.
        if !entry.is_ascii() {
            return Err(wrong());
        }
        let entry = entry.to_ascii_uppercase();
        let split = entry.len().saturating_sub(2);
        let (ordinal, code) = entry.split_at(split);
        let weekday = WEEKDAYS
            .iter()
            .find(|(name, _)| *name == code)
            .map(|(_, weekday)| *weekday)
            .ok_or_else(wrong)?;
        let ordinal = match ordinal {
            "" => None,
            ordinal => Some(
                ordinal
                    .strip_prefix('+')
                    .unwrap_or(ordinal)
                    .parse::<i8>()
                    .map_err(|_| part_error("BYDAY", "has an ordinal that is not a number"))?,
            ),
        };
        Ok(ByDay { ordinal, weekday })
    })
}

fn month_days(value: &str) -> Result<Vec<i8>, Invalid> {
    list("BYMONTHDAY", value, |entry| {
        entry
            .parse::<i8>()
            .ok()
            .filter(|day| *day != 0 && day.unsigned_abs() <= 31)
            .ok_or_else(|| {
                part_error(
                    "BYMONTHDAY",
                    "should be 1 to 31, or -1 (the last day) to -31",
                )
            })
    })
}

fn until(value: &str) -> Result<Until, Invalid> {
    let value = value.to_ascii_uppercase();
    if let Ok(day) = NaiveDate::parse_from_str(&value, "%Y%m%d") {
        return Ok(Until::Date(day));
    }
    value
        .strip_suffix('Z')
        .and_then(|local| NaiveDateTime::parse_from_str(local, "%Y%m%dT%H%M%S").ok())
        .map(|at| Until::At(at.and_utc()))
        .ok_or_else(|| {
            part_error(
                "UNTIL",
                "should be a day (20261231) or a UTC time (20261231T170000Z)",
            )
        })
}
