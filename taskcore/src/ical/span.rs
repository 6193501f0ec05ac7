//! When a VTODO happens, as a CalDAV `time-range` filter asks (RFC 4791,
//! 9.9): the table there reads its DTSTART, DURATION, DUE, COMPLETED and
//! CREATED. A date (`VALUE=DATE`) and a floating time are read in the
//! owner's zone. A repeating task that is not done happens at each of its
//! occurrences from the current one on: the one to test is the first that
//! ends at or after the range's start.

use calcard::icalendar::{ICalendar, ICalendarEntry, ICalendarProperty, ICalendarValue};
use chrono::{DateTime, TimeDelta, Utc};

use super::mapped::{self, Zones};
use super::read::the_todo;
use crate::model::Due;
use crate::planning::Zone;

/// A `time-range`: from `start` (inclusive where RFC 4791 says so) to
/// `end`; either side open when absent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct TimeRange {
    /// The range's start.
    pub start: Option<DateTime<Utc>>,
    /// The range's end.
    pub end: Option<DateTime<Utc>>,
}

impl TimeRange {
    /// The range from `start` to `end`.
    pub fn new(start: Option<DateTime<Utc>>, end: Option<DateTime<Utc>>) -> Self {
        Self { start, end }
    }
}

/// The times of one occurrence that RFC 4791's table reads.
#[derive(Debug, Clone, Copy)]
struct Times {
    start: Option<DateTime<Utc>>,
    /// DTSTART + DURATION.
    start_plus_duration: Option<DateTime<Utc>>,
    due: Option<DateTime<Utc>>,
    completed: Option<DateTime<Utc>>,
    created: Option<DateTime<Utc>>,
}

impl Times {
    fn shifted(self, by: TimeDelta) -> Self {
        let shift = |at: Option<DateTime<Utc>>| at.map(|at| at + by);
        Self {
            start: shift(self.start),
            start_plus_duration: shift(self.start_plus_duration),
            due: shift(self.due),
            ..self
        }
    }

    /// The latest of its start and due: when the occurrence is over.
    fn last(&self) -> Option<DateTime<Utc>> {
        self.due.max(self.start_plus_duration).max(self.start)
    }

    /// RFC 4791, 9.9, the table for VTODO.
    fn overlaps(&self, range: &TimeRange) -> bool {
        // An open side holds for every time.
        let starts_before = |at: DateTime<Utc>| range.start.is_none_or(|start| start < at);
        let starts_by = |at: DateTime<Utc>| range.start.is_none_or(|start| start <= at);
        let ends_after = |at: DateTime<Utc>| range.end.is_none_or(|end| end > at);
        let ends_by = |at: DateTime<Utc>| range.end.is_none_or(|end| end >= at);
        match (self.start, self.start_plus_duration, self.due) {
            (Some(start), Some(until), _) => {
                starts_by(until) && (ends_after(start) || ends_by(until))
            }
            (Some(start), None, Some(due)) => {
                (starts_before(due) || starts_by(start)) && (ends_after(start) || ends_by(due))
            }
            (Some(start), None, None) => starts_by(start) && ends_after(start),
            (None, _, Some(due)) => starts_before(due) && ends_by(due),
            (None, _, None) => match (self.completed, self.created) {
                (Some(completed), Some(created)) => {
                    (starts_by(created) || starts_by(completed))
                        && (ends_by(created) || ends_by(completed))
                }
                (Some(completed), None) => starts_by(completed) && ends_by(completed),
                (None, Some(created)) => ends_after(created),
                (None, None) => true,
            },
        }
    }
}

/// Whether the VTODO in `object` happens within `range`, for an owner in
/// `zone`. An object taskd cannot read happens never.
pub fn overlaps(object: &str, zone: Zone, range: &TimeRange) -> bool {
    let Ok(calendar) = ICalendar::parse(object) else {
        return false;
    };
    let Ok(todo) = the_todo(&calendar) else {
        return false;
    };
    let zones = Zones {
        resolver: calendar.build_tz_resolver(),
        owner: zone.tz(),
    };
    let instant = |property: ICalendarProperty| -> Option<(Due, DateTime<Utc>)> {
        let due = mapped::due(todo.property(&property)?, &zones).ok()?;
        let at = match due {
            Due::Date(day) => zone.start_of(day),
            Due::At(at) => at,
        };
        Some((due, at))
    };
    let start = instant(ICalendarProperty::Dtstart);
    let due = instant(ICalendarProperty::Due);
    let duration = todo
        .property(&ICalendarProperty::Duration)
        .and_then(seconds);
    let times = Times {
        start: start.map(|(_, at)| at),
        start_plus_duration: start
            .zip(duration)
            .map(|((_, at), seconds)| at + TimeDelta::seconds(seconds)),
        due: due.map(|(_, at)| at),
        completed: instant(ICalendarProperty::Completed).map(|(_, at)| at),
        created: instant(ICalendarProperty::Created).map(|(_, at)| at),
    };
    let done = todo
        .property(&ICalendarProperty::Status)
        .is_some_and(mapped::is_done_status)
        || times.completed.is_some();
    let rule = todo
        .property(&ICalendarProperty::Rrule)
        .and_then(|entry| mapped::repeat(entry).ok());
    let (Some(rule), false, Some(range_start)) = (rule, done, range.start) else {
        return times.overlaps(range);
    };
    // The series runs from its DUE (DTSTART without one); the occurrence
    // to test is the first one over at or after the range's start.
    let Some((anchor, anchor_at)) = due.or(start) else {
        return times.overlaps(range);
    };
    let length = times
        .last()
        .map_or(TimeDelta::zero(), |last| last - anchor_at);
    let mut occurrence = anchor;
    let mut occurrence_at = anchor_at;
    if occurrence_at + length < range_start {
        let after = range_start - length - TimeDelta::seconds(1);
        let Some(next) = rule.occurrence_after(anchor, zone, after) else {
            return false;
        };
        occurrence = next;
        occurrence_at = match next {
            Due::Date(day) => zone.start_of(day),
            Due::At(at) => at,
        };
    }
    // That one, or (at the range's strict edges) the one after it.
    for _ in 0..2 {
        if times.shifted(occurrence_at - anchor_at).overlaps(range) {
            return true;
        }
        let Some(next) = rule.occurrence_after(occurrence, zone, occurrence_at) else {
            return false;
        };
        occurrence = next;
        occurrence_at = match next {
            Due::Date(day) => zone.start_of(day),
            Due::At(at) => at,
        };
    }
    false
}

/// A DURATION's length in seconds.
fn seconds(entry: &ICalendarEntry) -> Option<i64> {
    match entry.values.first()? {
        ICalendarValue::Duration(duration) => Some(duration.as_seconds()),
        _ => None,
    }
}
