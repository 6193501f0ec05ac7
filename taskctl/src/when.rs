//! Dates as people type them, and the local time zone they are read in.

use chrono::{DateTime, Datelike, Days, NaiveDate, NaiveTime, Utc, Weekday};
use taskcore::Zone;

/// What `--due` may be, for `--help` and error messages.
pub const DUE_FORMS: &str = "today, tomorrow, a weekday (mon … sun: the next one), \
+3d, +2w, YYYY-MM-DD (all day), YYYY-MM-DD HH:MM or fri 17:00 (local time), none (clear)";

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

/// The local zone, UTC when it cannot be told.
pub fn local_zone() -> Zone {
    local_zone_name()
        .and_then(|name| Zone::parse(&name).ok())
        .unwrap_or_default()
}

/// Reads a due as typed, relative to `now` in `zone`.
pub fn parse_due(input: &str, zone: Zone, now: DateTime<Utc>) -> Result<Due, String> {
    let text = input.trim().to_lowercase();
    let wrong = || format!("'{input}' is not a due date; use {DUE_FORMS}");
    if text == "none" {
        return Ok(Due::Clear);
    }
    let (day_text, time_text) = match text.split_once(char::is_whitespace) {
        Some((day, time)) => (day, Some(time.trim())),
        None => (text.as_str(), None),
    };
    let day = parse_day(day_text, zone.day_of(now)).ok_or_else(wrong)?;
    match time_text {
        None => Ok(Due::Date(day)),
        Some(time) => {
            let time = NaiveTime::parse_from_str(time, "%H:%M").map_err(|_| wrong())?;
            Ok(Due::At(zone.instant_of(day.and_time(time))))
        }
    }
}

/// Reads a day: the same forms as a due, without a time.
pub fn parse_day_input(input: &str, zone: Zone, now: DateTime<Utc>) -> Result<NaiveDate, String> {
    parse_day(&input.trim().to_lowercase(), zone.day_of(now)).ok_or_else(|| {
        format!("'{input}' is not a date; use today, tomorrow, a weekday, +3d, +2w or YYYY-MM-DD")
    })
}

fn parse_day(text: &str, today: NaiveDate) -> Option<NaiveDate> {
    match text {
        "today" => return Some(today),
        "tomorrow" => return today.checked_add_days(Days::new(1)),
        "yesterday" => return today.checked_sub_days(Days::new(1)),
        _ => {}
    }
    if let Some(weekday) = weekday(text) {
        // The next one: a week ahead when it is today.
        let ahead =
            (7 + weekday.num_days_from_monday() - today.weekday().num_days_from_monday()) % 7;
        let ahead = if ahead == 0 { 7 } else { ahead };
        return today.checked_add_days(Days::new(u64::from(ahead)));
    }
    if let Some(offset) = text.strip_prefix('+') {
        let days = if let Some(count) = offset.strip_suffix('d') {
            count.parse::<u64>().ok()?
        } else if let Some(count) = offset.strip_suffix('w') {
            count.parse::<u64>().ok()?.checked_mul(7)?
        } else {
            return None;
        };
        if days > 36_500 {
            return None;
        }
        return today.checked_add_days(Days::new(days));
    }
    taskcore::planning::parse_date(text).ok()
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
mod tests {
    use super::*;

    fn at(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text)
            .expect("time")
            .with_timezone(&Utc)
    }

    fn day(text: &str) -> Due {
        Due::Date(NaiveDate::parse_from_str(text, "%Y-%m-%d").expect("date"))
    }

    #[test]
    fn people_dates_are_read_in_the_local_zone() {
        let paris = Zone::parse("Europe/Paris").expect("zone");
        // Wednesday 2025-01-15, 23:30 in Paris (22:30 UTC).
        let now = at("2025-01-15T22:30:00Z");
        assert_eq!(parse_due("today", paris, now), Ok(day("2025-01-15")));
        assert_eq!(parse_due("tomorrow", paris, now), Ok(day("2025-01-16")));
        assert_eq!(parse_due("fri", paris, now), Ok(day("2025-01-17")));
        assert_eq!(parse_due("Wednesday", paris, now), Ok(day("2025-01-22")));
        assert_eq!(parse_due("+3d", paris, now), Ok(day("2025-01-18")));
        assert_eq!(parse_due("+2w", paris, now), Ok(day("2025-01-29")));
        assert_eq!(parse_due("2025-03-01", paris, now), Ok(day("2025-03-01")));
        assert_eq!(
            parse_due("fri 17:00", paris, now),
            Ok(Due::At(at("2025-01-17T16:00:00Z")))
        );
        assert_eq!(
            parse_due("2025-07-01 09:30", paris, now),
            Ok(Due::At(at("2025-07-01T07:30:00Z")))
        );
        assert_eq!(parse_due("none", paris, now), Ok(Due::Clear));
        for wrong in [
            "+3é",
            "+é",
            "soon",
            "+3",
            "+xd",
            "fr",
            "2025-02-30",
            "fri 25:00",
            "+999999w",
        ] {
            let error = parse_due(wrong, paris, now).unwrap_err();
            assert!(error.contains("tomorrow"), "{wrong}: {error}");
        }
    }

    #[test]
    fn tz_is_read_as_posix_programs_read_it() {
        assert_eq!(zone_of_tz(":Europe/Paris").as_deref(), Some("Europe/Paris"));
        assert_eq!(zone_of_tz("").as_deref(), Some("UTC"));
        assert_eq!(
            zone_of_tz("/usr/share/zoneinfo/posix/Asia/Tokyo").as_deref(),
            Some("Asia/Tokyo")
        );
        assert_eq!(zone_of_tz("CET-1CEST,M3.5.0,M10.5.0/3"), None);
    }

    #[test]
    fn due_labels_count_days_and_flag_what_is_past() {
        let utc = Zone::default();
        let now = at("2025-01-15T12:00:00Z");
        let date = |text: &str| NaiveDate::parse_from_str(text, "%Y-%m-%d").ok();
        assert_eq!(
            due_label(date("2025-01-16"), None, false, utc, now),
            Some(("tomorrow".into(), false))
        );
        assert_eq!(
            due_label(date("2025-01-13"), None, false, utc, now),
            Some(("2 days ago".into(), true))
        );
        assert_eq!(
            due_label(date("2025-01-13"), None, true, utc, now),
            Some(("2 days ago".into(), false))
        );
        assert_eq!(
            due_label(None, Some(at("2025-01-15T17:00:00Z")), false, utc, now),
            Some(("today 17:00".into(), false))
        );
        assert_eq!(
            due_label(date("2025-01-18"), None, false, utc, now),
            Some(("in 3 days".into(), false))
        );
        assert_eq!(due_label(None, None, false, utc, now), None);
    }
}
