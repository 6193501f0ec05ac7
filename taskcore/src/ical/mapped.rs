//! The VTODO properties taskd maps to task fields, each read the one way
//! both directions use: reading an object a client wrote, and deciding
//! whether the property a client wrote still says what the task says (then
//! it is written back exactly as the client wrote it).

use calcard::common::timezone::Tz as CalendarZone;
use calcard::icalendar::{
    ICalendarComponent, ICalendarEntry, ICalendarParameterName, ICalendarParameterValue,
    ICalendarProperty, ICalendarRelated, ICalendarRelationshipType, ICalendarStatus,
    ICalendarValue, ICalendarValueType,
};
use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc};

use crate::model::{Due, Lead, Reminder};
use crate::planning::{Priority, parse_tags};
use crate::repeat::{RepeatFrom, RepeatRule};

/// The property a client that counts a series from the completion writes,
/// with the value `COMPLETION` (or `DUE`). No standard property says it;
/// this is taskd's own, and a client that knows it keeps it.
pub const REPEAT_FROM_PROPERTY: &str = "X-TASKD-REPEAT-FROM";

/// Where a floating or zoned time is read: the time zones the object
/// defines or names, and the owner's zone for a floating time.
pub(super) struct Zones<'a> {
    pub(super) resolver: calcard::icalendar::timezone::TzResolver<&'a str>,
    pub(super) owner: chrono_tz::Tz,
}

/// The first value of `entry` as text.
pub(super) fn text(entry: &ICalendarEntry) -> Option<&str> {
    entry.values.first().and_then(ICalendarValue::as_text)
}

/// Whether `entry` is the property `name`, an `X-` one included.
pub(super) fn is_named(entry: &ICalendarEntry, name: &str) -> bool {
    entry.name.as_str().eq_ignore_ascii_case(name)
}

/// The entries of `component` that are the property `property`.
pub(super) fn entries<'a>(
    component: &'a ICalendarComponent,
    property: &'a ICalendarProperty,
) -> impl Iterator<Item = &'a ICalendarEntry> + 'a {
    component
        .entries
        .iter()
        .filter(move |entry| &entry.name == property)
}

/// A DUE (or an absolute TRIGGER): a day, or an instant read in its
/// `TZID`, in UTC (`Z`), or floating in the owner's zone.
pub(super) fn due(entry: &ICalendarEntry, zones: &Zones<'_>) -> Result<Due, String> {
    let name = entry.name.as_str().to_owned();
    let Some(ICalendarValue::PartialDateTime(value)) = entry.values.first() else {
        return Err(format!("{name} is not a date or a date-time"));
    };
    let day = match (value.year, value.month, value.day) {
        (Some(year), Some(month), Some(day)) => {
            NaiveDate::from_ymd_opt(i32::from(year), u32::from(month), u32::from(day))
        }
        _ => None,
    }
    .ok_or_else(|| format!("{name} is not a valid date"))?;
    let is_date = entry.is_type(&ICalendarValueType::Date) || value.hour.is_none();
    if is_date {
        return Ok(Due::Date(day));
    }
    let time = NaiveTime::from_hms_opt(
        u32::from(value.hour.unwrap_or_default()),
        u32::from(value.minute.unwrap_or_default()),
        u32::from(value.second.unwrap_or_default()).min(59),
    )
    .ok_or_else(|| format!("{name} is not a valid time of day"))?;
    let local = NaiveDateTime::new(day, time);
    if value.tz_hour.is_some() {
        // iCalendar writes only UTC this way (`Z`).
        let offset = i32::from(value.tz_hour.unwrap_or_default()) * 3600
            + i32::from(value.tz_minute.unwrap_or_default()) * 60;
        let offset = if value.tz_minus { -offset } else { offset };
        return Ok(Due::At(Utc.from_utc_datetime(
            &(local - chrono::TimeDelta::seconds(i64::from(offset))),
        )));
    }
    let at = match entry.tz_id() {
        Some(zone_name) => {
            let zone: CalendarZone = zones.resolver.resolve(zone_name).ok_or_else(|| {
                format!("{name} names a time zone taskd does not know: {zone_name}")
            })?;
            zone.from_local_datetime(&local)
                .earliest()
                .map(|at| at.with_timezone(&Utc))
        }
        None => zones
            .owner
            .from_local_datetime(&local)
            .earliest()
            .map(|at| at.with_timezone(&Utc)),
    };
    at.map(Due::At)
        .ok_or_else(|| format!("{name} names a time the clocks skip in its time zone"))
}

/// PRIORITY: 1–4 high, 5 medium, 6–9 low, 0 none.
pub(super) fn priority(entry: &ICalendarEntry) -> Result<Option<Priority>, String> {
    match entry.values.first() {
        Some(ICalendarValue::Integer(0)) => Ok(None),
        Some(ICalendarValue::Integer(1..=4)) => Ok(Some(Priority::High)),
        Some(ICalendarValue::Integer(5)) => Ok(Some(Priority::Medium)),
        Some(ICalendarValue::Integer(6..=9)) => Ok(Some(Priority::Low)),
        _ => Err("PRIORITY is an integer from 0 to 9".to_owned()),
    }
}

/// PRIORITY as taskd writes it: 1, 5 or 9.
pub(super) fn priority_value(priority: Priority) -> i64 {
    match priority {
        Priority::High => 1,
        Priority::Medium => 5,
        Priority::Low => 9,
    }
}

/// Every CATEGORIES of `component`, as tags (a category written twice,
/// in any case, is one tag).
pub(super) fn tags(component: &ICalendarComponent) -> Result<Vec<String>, String> {
    let mut categories: Vec<String> = entries(component, &ICalendarProperty::Categories)
        .flat_map(|entry| entry.values.iter().filter_map(ICalendarValue::as_text))
        .map(|category| category.trim().to_lowercase())
        .filter(|category| !category.is_empty())
        .collect();
    categories.sort();
    categories.dedup();
    parse_tags(&categories).map_err(|invalid| format!("CATEGORIES: {}", invalid.msg))
}

/// What STATUS says of a task: done or not.
pub(super) fn is_done_status(entry: &ICalendarEntry) -> bool {
    matches!(
        entry.values.first(),
        Some(ICalendarValue::Status(ICalendarStatus::Completed))
    )
}

/// A COMPLETED time (UTC, as RFC 5545 requires; a zoned one is read too).
pub(super) fn completed_at(
    entry: &ICalendarEntry,
    zones: &Zones<'_>,
) -> Result<DateTime<Utc>, String> {
    match due(entry, zones)? {
        Due::At(at) => Ok(at),
        Due::Date(_) => Err("COMPLETED is a date-time, not a date".to_owned()),
    }
}

/// Whether a RELATED-TO names the task's parent: `RELTYPE=PARENT`, or no
/// RELTYPE (RFC 5545's default).
pub(super) fn names_parent(entry: &ICalendarEntry) -> bool {
    match entry.parameter(&ICalendarParameterName::Reltype) {
        None => true,
        Some(ICalendarParameterValue::Reltype(kind)) => *kind == ICalendarRelationshipType::Parent,
        Some(other) => other
            .as_text()
            .is_some_and(|kind| kind.eq_ignore_ascii_case("PARENT")),
    }
}

/// An RRULE, within the rules taskd repeats by.
pub(super) fn repeat(entry: &ICalendarEntry) -> Result<RepeatRule, String> {
    let written = match entry.values.first() {
        Some(ICalendarValue::RecurrenceRule(rule)) => rule.to_string(),
        Some(other) => other.as_text().unwrap_or_default().to_owned(),
        None => String::new(),
    };
    RepeatRule::parse(&written).map_err(|invalid| format!("RRULE: {}", invalid.msg))
}

/// taskd's repeat-from property: `COMPLETION` or `DUE`.
pub(super) fn repeat_from(entry: &ICalendarEntry) -> Result<RepeatFrom, String> {
    match text(entry).map(str::trim) {
        Some(value) if value.eq_ignore_ascii_case("COMPLETION") => Ok(RepeatFrom::Completion),
        Some(value) if value.eq_ignore_ascii_case("DUE") => Ok(RepeatFrom::Due),
        _ => Err(format!("{REPEAT_FROM_PROPERTY} is COMPLETION or DUE")),
    }
}

/// The reminder a VALARM's TRIGGER is, when taskd has one like it: a lead
/// before the due (`RELATED=END`, or no RELATED in a VTODO without a
/// DTSTART) or an instant. `None` for any other alarm, which is kept as
/// the client wrote it.
pub(super) fn reminder(
    alarm: &ICalendarComponent,
    todo_has_start: bool,
    zones: &Zones<'_>,
) -> Option<Reminder> {
    let trigger = alarm
        .entries
        .iter()
        .find(|entry| entry.name == ICalendarProperty::Trigger)?;
    match trigger.values.first()? {
        ICalendarValue::Duration(duration) => {
            let related = match trigger.parameter(&ICalendarParameterName::Related) {
                Some(ICalendarParameterValue::Related(related)) => Some(related.clone()),
                Some(other) => match other.as_text() {
                    Some(text) if text.eq_ignore_ascii_case("END") => Some(ICalendarRelated::End),
                    _ => Some(ICalendarRelated::Start),
                },
                None => None,
            };
            let before_due = match related {
                Some(ICalendarRelated::End) => true,
                Some(ICalendarRelated::Start) => false,
                None => !todo_has_start,
            };
            let seconds = duration.as_seconds();
            if !before_due || seconds > 0 {
                return None;
            }
            let lead = Lead::from_seconds(u32::try_from(-seconds).ok()?).ok()?;
            Some(Reminder::Before(lead))
        }
        ICalendarValue::PartialDateTime(_) => match due(trigger, zones).ok()? {
            Due::At(at) => Some(Reminder::At(at)),
            Due::Date(_) => None,
        },
        _ => None,
    }
}
