//! Dates as people type them, and the local time zone they are read in.

use chrono::{DateTime, Datelike, Days, NaiveDate, NaiveTime, Utc, Weekday};
use taskcore::Zone;

/// What `--due` may be, for `--help` and error messages.
pub const DUE_FORMS: &str = "today, tomorrow, a weekday (mon … sun: the nearest, today \
included), next week (its Monday), next month (its 1st), in 3 days / 2 weeks / 1 month, \
+3d, +2w, +1m, dec 24 or 24 dec, eod, eow, eom (all day), YYYY-MM-DD or DD.MM.YYYY; \
any of them followed by a time (17:00, 5pm), or a time alone (today, or tomorrow once \
past); none (clear)";

/// A due as typed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Due {
    /// All day, on this date.
    Date(NaiveDate),
    /// At this instant.
    At(DateTime<Utc>),
    /// No due.
    Clear,
}

/// The local time zone's IANA name: `TZ` when it is set, as POSIX programs
/// read it (a leading `:` or a path into a zoneinfo directory allowed; empty
/// means UTC), else the system's; `None` when it names no zone taskd knows.
pub fn local_zone_name() -> Option<String> {
    match std::env::var("TZ") {
        Ok(tz) => zone_of_tz(&tz),
        Err(_) => iana_time_zone::get_timezone()
            .ok()
            .filter(|name| Zone::parse(name).is_ok()),
    }
}

fn zone_of_tz(tz: &str) -> Option<String> {
    let name = tz.strip_prefix(':').unwrap_or(tz);
    if name.is_empty() {
        return Some("UTC".to_owned());
    }
    // /usr/share/zoneinfo/Europe/Paris, …/zoneinfo/posix/Europe/Paris
    let name = name.split_once("zoneinfo/").map_or(name, |(_, zone)| zone);
    let name = ["posix/", "right/"]
        .iter()
        .find_map(|prefix| name.strip_prefix(prefix))
        .unwrap_or(name);
    Zone::parse(name).ok().map(|_| name.to_owned())
}

/// The IANA spelling of a zone typed in any case (`europe/berlin`), if
/// it names one.
pub fn zone_name_ignoring_case(typed: &str) -> Option<String> {
    let typed = typed.trim();
    chrono_tz::TZ_VARIANTS
        .iter()
        .map(|zone| zone.name())
        .find(|name| name.eq_ignore_ascii_case(typed))
        .map(str::to_owned)
}

/// The local zone, UTC when it cannot be told.
pub fn local_zone() -> Zone {
    local_zone_name()
        .and_then(|name| Zone::parse(&name).ok())
        .unwrap_or_default()
}

/// Reads a due as typed, relative to `now` in `zone`. A weekday, or a time
/// alone, is the next one still ahead: `fri 17:00` typed on a Friday at
/// 14:30 is today; typed at 18:00, next Friday.
pub fn parse_due(input: &str, zone: Zone, now: DateTime<Utc>) -> Result<Due, String> {
    let text = words(input);
    let wrong = || format!("'{}' is not a due date; use {DUE_FORMS}", input.trim());
    if text == "none" {
        return Ok(Due::Clear);
    }
    let today = zone.day_of(now);
    let timed = |day: NaiveDate, time: NaiveTime, rolls_by: u64| {
        let at = zone.instant_of(day.and_time(time));
        if at > now || rolls_by == 0 {
            return Some(at);
        }
        let later = day.checked_add_days(Days::new(rolls_by))?;
        Some(zone.instant_of(later.and_time(time)))
    };
    // A time alone: today, or tomorrow once it has passed.
    if let Some(time) = parse_time(&text) {
        return timed(today, time, 1).map(Due::At).ok_or_else(wrong);
    }
    // A day and a time.
    if let Some((day_text, time_text)) = text.rsplit_once(' ')
        && let Some(time) = parse_time(time_text)
    {
        let (day, weekday) = parse_day(day_text, today).ok_or_else(wrong)?;
        let rolls_by = if weekday { 7 } else { 0 };
        return timed(day, time, rolls_by).map(Due::At).ok_or_else(wrong);
    }
    parse_day(&text, today)
        .map(|(day, _)| Due::Date(day))
        .ok_or_else(wrong)
}

/// Reads a day: the same forms as a due, without a time.
pub fn parse_day_input(input: &str, zone: Zone, now: DateTime<Utc>) -> Result<NaiveDate, String> {
    parse_day(&words(input), zone.day_of(now))
        .map(|(day, _)| day)
        .ok_or_else(|| {
            format!(
                "'{}' is not a date; use today, tomorrow, a weekday, next week, in 3 days, \
                 +3d, +2w, +1m, dec 24, YYYY-MM-DD or DD.MM.YYYY",
                input.trim()
            )
        })
}

/// Reads a day looking back, for what was done (`ls --done --since mon`):
/// a weekday is the latest such day, today included; `dec 24` this year's,
/// or last year's while this year's is ahead; `this week` and `last week`
/// their Mondays, `this month` and `last month` their first days; any other
/// form as [`parse_day_input`] reads it.
pub fn parse_past_day_input(
    input: &str,
    zone: Zone,
    now: DateTime<Utc>,
) -> Result<NaiveDate, String> {
    let text = words(input);
    let today = zone.day_of(now);
    let monday =
        today.checked_sub_days(Days::new(u64::from(today.weekday().num_days_from_monday())));
    let back = match text.as_str() {
        "this week" => monday,
        "last week" => monday.and_then(|day| day.checked_sub_days(Days::new(7))),
        "this month" => today.with_day(1),
        "last month" => today
            .with_day(1)
            .and_then(|day| day.checked_sub_months(chrono::Months::new(1))),
        _ => None,
    };
    if let Some(day) = back {
        return Ok(day);
    }
    if let Some(weekday) = weekday(&text) {
        let behind =
            (7 + today.weekday().num_days_from_monday() - weekday.num_days_from_monday()) % 7;
        if let Some(day) = today.checked_sub_days(Days::new(u64::from(behind))) {
            return Ok(day);
        }
    }
    // A month and day: the latest one not after today.
    if let Some(ahead) = month_day(&text, today) {
        let latest = (0..=8)
            .filter_map(|behind| {
                NaiveDate::from_ymd_opt(today.year() - behind, ahead.month(), ahead.day())
            })
            .find(|date| *date <= today);
        if let Some(day) = latest {
            return Ok(day);
        }
    }
    parse_day_input(input, zone, now)
}

/// Lower case, single spaces, `5 pm` as `5pm`.
fn words(input: &str) -> String {
    input
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
        .replace(" pm", "pm")
        .replace(" am", "am")
}

/// Longest offset accepted, in days (about a hundred years).
const MAX_DAYS: u64 = 36_500;

/// A day as typed, and whether it was a weekday (which rolls to next week
/// when a time given with it has passed).
fn parse_day(text: &str, today: NaiveDate) -> Option<(NaiveDate, bool)> {
    let day = match text {
        "today" | "eod" => Some(today),
        "tomorrow" => today.checked_add_days(Days::new(1)),
        "yesterday" => today.checked_sub_days(Days::new(1)),
        "eow" => today.checked_add_days(Days::new(u64::from(
            6 - today.weekday().num_days_from_monday(),
        ))),
        "eom" => first_of_next_month(today)?.pred_opt(),
        "next week" => today.checked_add_days(Days::new(u64::from(
            7 - today.weekday().num_days_from_monday(),
        ))),
        "next month" => first_of_next_month(today),
        _ => None,
    };
    if day.is_some() {
        return day.map(|day| (day, false));
    }
    if let Some(weekday) = weekday(text) {
        // The nearest one, today included.
        let ahead =
            (7 + weekday.num_days_from_monday() - today.weekday().num_days_from_monday()) % 7;
        return today
            .checked_add_days(Days::new(u64::from(ahead)))
            .map(|day| (day, true));
    }
    let offset = text
        .strip_prefix('+')
        .and_then(short_offset)
        .or_else(|| text.strip_prefix("in ").and_then(long_offset));
    if let Some((count, unit)) = offset {
        return add(today, count, unit).map(|day| (day, false));
    }
    month_day(text, today)
        .or_else(|| dotted(text))
        .or_else(|| taskcore::planning::parse_date(text).ok())
        .map(|day| (day, false))
}

/// A unit of an offset.
#[derive(Debug, Clone, Copy)]
enum Unit {
    Days,
    Weeks,
    Months,
}

/// `3d`, `2w`, `1m`.
fn short_offset(text: &str) -> Option<(u64, Unit)> {
    let unit = match text.chars().last()? {
        'd' => Unit::Days,
        'w' => Unit::Weeks,
        'm' => Unit::Months,
        _ => return None,
    };
    let count = text[..text.len() - 1].parse().ok()?;
    Some((count, unit))
}

/// `3 days`, `a week`, `1 month`.
fn long_offset(text: &str) -> Option<(u64, Unit)> {
    let (count, unit) = text.split_once(' ')?;
    let count = match count {
        "a" | "an" | "one" => 1,
        count => count.parse().ok()?,
    };
    let unit = match unit {
        "day" | "days" => Unit::Days,
        "week" | "weeks" => Unit::Weeks,
        "month" | "months" => Unit::Months,
        _ => return None,
    };
    Some((count, unit))
}

fn add(today: NaiveDate, count: u64, unit: Unit) -> Option<NaiveDate> {
    match unit {
        Unit::Days if count <= MAX_DAYS => today.checked_add_days(Days::new(count)),
        Unit::Weeks if count <= MAX_DAYS / 7 => today.checked_add_days(Days::new(count * 7)),
        // The same day of the month, or the month's last when it has none.
        Unit::Months if count <= MAX_DAYS / 30 => {
            today.checked_add_months(chrono::Months::new(u32::try_from(count).ok()?))
        }
        Unit::Days | Unit::Weeks | Unit::Months => None,
    }
}

fn first_of_next_month(today: NaiveDate) -> Option<NaiveDate> {
    today
        .with_day(1)?
        .checked_add_months(chrono::Months::new(1))
}

/// `24.12.2026`: day, month and a four-digit year.
fn dotted(text: &str) -> Option<NaiveDate> {
    let year = text.rsplit('.').next()?;
    if year.len() != 4 || !year.bytes().all(|byte| byte.is_ascii_digit()) {
        return None;
    }
    NaiveDate::parse_from_str(text, "%d.%m.%Y").ok()
}

/// `dec 24` or `24 dec` (`december` too): this year, or next once past.
fn month_day(text: &str, today: NaiveDate) -> Option<NaiveDate> {
    let (first, second) = text.split_once(' ')?;
    let (month, day) = match (month(first), month(second)) {
        (Some(month), None) => (month, second),
        (None, Some(month)) => (month, first),
        _ => return None,
    };
    let day: u32 = day.parse().ok()?;
    // This year's, or the next that has it (29 February: a leap year).
    (0..=8)
        .filter_map(|ahead| NaiveDate::from_ymd_opt(today.year() + ahead, month, day))
        .find(|date| *date >= today)
}

fn month(text: &str) -> Option<u32> {
    const NAMES: [&str; 12] = [
        "january",
        "february",
        "march",
        "april",
        "may",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
    ];
    if text.len() < 3 {
        return None;
    }
    let number = NAMES.iter().position(|name| name.starts_with(text))?;
    u32::try_from(number + 1).ok()
}

/// Whether `text` alone reads as a time of day (`17:00`, `5pm`).
pub fn is_time(text: &str) -> bool {
    parse_time(&words(text)).is_some()
}

/// `17:00`, `5pm`, `5:30pm`, `12am` (midnight).
fn parse_time(text: &str) -> Option<NaiveTime> {
    let (clock, afternoon) = match (text.strip_suffix("pm"), text.strip_suffix("am")) {
        (Some(clock), _) => (clock, Some(true)),
        (_, Some(clock)) => (clock, Some(false)),
        _ => (text, None),
    };
    let (hour, minute) = match clock.split_once(':') {
        Some((hour, minute)) if minute.len() == 2 => {
            (hour.parse::<u32>().ok()?, minute.parse().ok()?)
        }
        Some(_) => return None,
        None if afternoon.is_some() => (clock.parse::<u32>().ok()?, 0),
        None => return None,
    };
    if hour.to_string() != hour_text(clock) {
        return None;
    }
    let hour = match afternoon {
        None => hour,
        Some(_) if !(1..=12).contains(&hour) => return None,
        Some(true) => hour % 12 + 12,
        Some(false) => hour % 12,
    };
    NaiveTime::from_hms_opt(hour, minute, 0)
}

/// The hour as typed, without a leading zero (`09` reads as `9`).
fn hour_text(clock: &str) -> String {
    let hour = clock.split(':').next().unwrap_or(clock);
    let trimmed = hour.trim_start_matches('0');
    if trimmed.is_empty() {
        "0".to_owned()
    } else {
        trimmed.to_owned()
    }
}

fn weekday(text: &str) -> Option<Weekday> {
    const NAMES: [(&str, Weekday); 7] = [
        ("monday", Weekday::Mon),
        ("tuesday", Weekday::Tue),
        ("wednesday", Weekday::Wed),
        ("thursday", Weekday::Thu),
        ("friday", Weekday::Fri),
        ("saturday", Weekday::Sat),
        ("sunday", Weekday::Sun),
    ];
    if text.len() < 3 {
        return None;
    }
    NAMES
        .iter()
        .find(|(name, _)| name.starts_with(text))
        .map(|(_, day)| *day)
}

/// A due as `add` says it understood it: `Fri 4 Dec`, or `Fri 4 Dec 17:00
/// CET` with the zone it was read in (the year when it is not this one).
pub fn due_words(
    due_date: Option<NaiveDate>,
    due_at: Option<DateTime<Utc>>,
    zone: Zone,
    now: DateTime<Utc>,
) -> Option<String> {
    let this_year = zone.day_of(now).year();
    match (due_date, due_at) {
        (_, Some(at)) => {
            let year = if zone.day_of(at).year() == this_year {
                ""
            } else {
                " %Y"
            };
            Some(zone.format(at, &format!("%a %-d %b{year} %H:%M %Z")))
        }
        (Some(day), None) => {
            let year = if day.year() == this_year { "" } else { " %Y" };
            Some(day.format(&format!("%a %-d %b{year}")).to_string())
        }
        (None, None) => None,
    }
}

/// How far a due is from today, for people: `today`, `tomorrow`,
/// `in 3 days`, `2 days ago`, `today 17:00`; and whether it is past.
pub fn due_label(
    due_date: Option<NaiveDate>,
    due_at: Option<DateTime<Utc>>,
    completed: bool,
    zone: Zone,
    now: DateTime<Utc>,
) -> Option<(String, bool)> {
    let today = zone.day_of(now);
    let (day, time, overdue) = match (due_date, due_at) {
        (_, Some(at)) => (zone.day_of(at), Some(zone.format(at, "%H:%M")), at <= now),
        (Some(day), None) => (day, None, day < today),
        (None, None) => return None,
    };
    let days = (day - today).num_days();
    let mut label = match days {
        0 => "today".to_owned(),
        1 => "tomorrow".to_owned(),
        -1 => "yesterday".to_owned(),
        2..=13 => format!("in {days} days"),
        -13..=-2 => format!("{} days ago", -days),
        _ => day.format("%Y-%m-%d").to_string(),
    };
    if let Some(time) = time {
        label = format!("{label} {time}");
    }
    Some((label, overdue && !completed))
}

#[cfg(test)]
mod tests;
