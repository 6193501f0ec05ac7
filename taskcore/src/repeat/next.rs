//! The next due of a repeating task, once an occurrence is done or skipped.
//!
//! The expansion (months without a 31st, `-1FR`, leap days, wall-clock
//! times across clock changes) is the `rrule` crate's; this module chooses
//! where a series starts and which occurrence comes next:
//! - from the due: the series starts at its anchor (the due when the rule
//!   was set) and the next due is its first occurrence strictly after both
//!   the current due and the completion (a daily task done three days late
//!   moves to tomorrow);
//! - from the completion: the series starts again on the completion day,
//!   and the next due is its first occurrence on a later day.
//!
//! An all-day due stays all-day. A timed due keeps its wall-clock time in
//! the owner's zone (09:00 in Paris stays 09:00 across clock changes); a
//! time the clocks skip that day is read with the offset before the gap,
//! as RFC 5545 says (02:30 becomes 03:30).

use chrono::{DateTime, Days, Month, NaiveDate, NaiveTime, TimeZone, Utc};
use rrule::{NWeekday, RRule, RRuleSet, Tz};

use crate::model::Due;
use crate::planning::Zone;
use crate::repeat::rule::{Frequency, RepeatEnd, RepeatFrom, RepeatRule, Until};

/// Where a repeating task stands when one of its occurrences is done.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Occurrence {
    /// The series' start: the due when the rule was set.
    pub anchor: Due,
    /// The due of the occurrence being done.
    pub due: Due,
    /// When it was done (or skipped).
    pub at: DateTime<Utc>,
    /// Occurrences done or skipped so far, this one included: what
    /// `COUNT` counts when the series starts again at each completion.
    pub done: u32,
    /// The owner's time zone.
    pub zone: Zone,
}

impl RepeatRule {
    /// The due after `occurrence` is done, or `None` when the series has
    /// no further occurrence (`COUNT` reached, past `UNTIL`, or a rule no
    /// date matches). From the due, `COUNT` counts the anchored series'
    /// occurrences, so one done late uses up those it skipped; from the
    /// completion, it counts the occurrences done.
    pub fn next_due(&self, from: RepeatFrom, occurrence: &Occurrence) -> Option<Due> {
        let next = match from {
            RepeatFrom::Due => self.next_in_series(occurrence, true),
            RepeatFrom::Completion => self.next_from_completion(occurrence),
        }?;
        self.before_until(next, occurrence.zone).then_some(next)
    }

    /// The due after `occurrence` is skipped: the next occurrence of the
    /// series after the current due, whenever the skip happens. A series
    /// that starts again at each completion starts again on the skip day.
    pub fn skipped_due(&self, from: RepeatFrom, occurrence: &Occurrence) -> Option<Due> {
        let next = match from {
            RepeatFrom::Due => self.next_in_series(occurrence, false),
            RepeatFrom::Completion => self.next_from_completion(occurrence),
        }?;
        self.before_until(next, occurrence.zone).then_some(next)
    }

    /// The first occurrence of the anchored series after the current due
    /// (and after the completion, when `after_completion`).
    fn next_in_series(&self, occurrence: &Occurrence, after_completion: bool) -> Option<Due> {
        let zone = occurrence.zone;
        let count = match self.end() {
            Some(RepeatEnd::Count(count)) => Some(count),
            _ => None,
        };
        match occurrence.due {
            Due::Date(due) => {
                let anchor = occurrence.anchor.date().unwrap_or(due);
                let mut last = due;
                if after_completion {
                    last = last.max(zone.day_of(occurrence.at));
                }
                let after = last.checked_add_days(Days::new(1))?;
                first_day(self, anchor, count, after).map(Due::Date)
            }
            Due::At(due) => {
                let anchor = occurrence.anchor.at().unwrap_or(due);
                let mut last = due;
                if after_completion {
                    last = last.max(occurrence.at);
                }
                first_instant(self, anchor, zone, count, last).map(Due::At)
            }
        }
    }

    /// The series started again on the completion day: its first
    /// occurrence on a later day.
    fn next_from_completion(&self, occurrence: &Occurrence) -> Option<Due> {
        if let Some(RepeatEnd::Count(count)) = self.end()
            && occurrence.done >= count
        {
            return None;
        }
        let zone = occurrence.zone;
        let day = zone.day_of(occurrence.at);
        let tomorrow = day.checked_add_days(Days::new(1))?;
        match occurrence.due {
            Due::Date(_) => first_day(self, day, None, tomorrow).map(Due::Date),
            Due::At(due) => {
                // Started on the completion day at the due's time of day.
                let time = due.with_timezone(&zone.tz()).time();
                let start = wall_clock(zone, day, time)?;
                let first_instant_tomorrow = zone.start_of(tomorrow);
                let not_before = first_instant_tomorrow - chrono::TimeDelta::microseconds(1);
                first_instant(self, start, zone, None, not_before.max(start)).map(Due::At)
            }
        }
    }

    /// Where the series starts once the due has moved from `occurrence` to
    /// `next`: `next` itself when that series is the same one, so that the
    /// expansion of the next completion starts there rather than at the
    /// series' first occurrence (its cost would grow with each occurrence
    /// done); the occurrence's anchor otherwise.
    ///
    /// An occurrence of a series, taken as the start of the same rule, gives
    /// the same later occurrences: the periods an `INTERVAL` steps over are
    /// counted from the start, and the start's period is one of them. That
    /// holds unless the series counts (`COUNT` counts from its first
    /// occurrence), starts again at each completion (its anchor is not read),
    /// or `next` is a wall-clock time the clocks skipped, moved forward by
    /// the gap (a series started there would keep the later time). One
    /// difference remains, by choice: after the owner changes time zone,
    /// the series keeps the wall-clock time of its latest due in the new
    /// zone, where one kept at its first start would keep that start's.
    pub fn anchor_after(&self, from: RepeatFrom, occurrence: &Occurrence, next: Due) -> Due {
        let kept = occurrence.anchor;
        if from != RepeatFrom::Due || matches!(self.end(), Some(RepeatEnd::Count(_))) {
            return kept;
        }
        match (kept, next) {
            (Due::Date(_), Due::Date(_)) => next,
            (Due::At(anchor), Due::At(at)) => {
                let tz = occurrence.zone.tz();
                let same_time = anchor.with_timezone(&tz).time() == at.with_timezone(&tz).time();
                if same_time { next } else { kept }
            }
            _ => kept,
        }
    }

    /// The first occurrence of the series started at `start` that begins
    /// strictly after `after` (an all-day one: on a later day than
    /// `after`'s), within `UNTIL`; `None` past it. `COUNT` is not counted:
    /// the series' earlier occurrences are not known here.
    pub fn occurrence_after(&self, start: Due, zone: Zone, after: DateTime<Utc>) -> Option<Due> {
        let next = match start {
            Due::Date(day) => {
                let from = zone.day_of(after).checked_add_days(Days::new(1))?;
                first_day(self, day, None, from.max(day)).map(Due::Date)
            }
            Due::At(at) if at > after => Some(Due::At(at)),
            Due::At(at) => first_instant(self, at, zone, None, after).map(Due::At),
        }?;
        self.before_until(next, zone).then_some(next)
    }

    /// Whether `next` is within the rule's `UNTIL`, if it has one.
    fn before_until(&self, next: Due, zone: Zone) -> bool {
        let Some(RepeatEnd::Until(until)) = self.end() else {
            return true;
        };
        match (next, until) {
            (Due::Date(day), Until::Date(last)) => day <= last,
            (Due::Date(day), Until::At(last)) => zone.start_of(day) <= last,
            (Due::At(at), Until::Date(last)) => zone.day_of(at) <= last,
            (Due::At(at), Until::At(last)) => at <= last,
        }
    }
}

/// The series as the crate expands it, started at `start`: the rule
/// without its end, with `COUNT` when the series counts from its start.
/// Built from the rule's checked parts: its text is not parsed again at
/// every completion.
fn series(rule: &RepeatRule, start: DateTime<Tz>, count: Option<u32>) -> Option<RRuleSet> {
    let frequency = match rule.frequency() {
        Frequency::Daily => rrule::Frequency::Daily,
        Frequency::Weekly => rrule::Frequency::Weekly,
        Frequency::Monthly => rrule::Frequency::Monthly,
        Frequency::Yearly => rrule::Frequency::Yearly,
    };
    let weekdays = rule
        .by_day()
        .iter()
        .map(|day| match day.ordinal {
            Some(ordinal) => NWeekday::Nth(i16::from(ordinal), day.weekday),
            None => NWeekday::Every(day.weekday),
        })
        .collect();
    let months = rule
        .by_month()
        .iter()
        .map(|&month| Month::try_from(month).ok())
        .collect::<Option<Vec<_>>>()?;
    let mut parts = RRule::new(frequency)
        .interval(rule.interval())
        .by_weekday(weekdays)
        .by_month_day(rule.by_month_day().to_vec())
        .by_month(&months);
    if let Some(count) = count {
        parts = parts.count(count);
    }
    parts.build(start).ok()
}

/// The first day of the all-day series started on `anchor` that is on or
/// after `after`. All-day series run at midnight UTC: days, not instants.
fn first_day(
    rule: &RepeatRule,
    anchor: NaiveDate,
    count: Option<u32>,
    after: NaiveDate,
) -> Option<NaiveDate> {
    let midnight = |day: NaiveDate| Tz::UTC.from_utc_datetime(&day.and_time(NaiveTime::MIN));
    let found = series(rule, midnight(anchor), count)?
        .after(midnight(after))
        .all(1);
    found.dates.first().map(DateTime::date_naive)
}

/// The first instant of the series started at `anchor` (in `zone`'s wall
/// clock) strictly after `last`.
fn first_instant(
    rule: &RepeatRule,
    anchor: DateTime<Utc>,
    zone: Zone,
    count: Option<u32>,
    last: DateTime<Utc>,
) -> Option<DateTime<Utc>> {
    let tz = Tz::Tz(zone.tz());
    let found = series(rule, anchor.with_timezone(&tz), count)?
        .after(last.with_timezone(&tz))
        .all(2);
    found
        .dates
        .into_iter()
        .map(|at| at.with_timezone(&Utc))
        .find(|at| *at > last)
}

/// `time` on `day` in `zone`, read as RFC 5545 reads local times: a time
/// the clocks skip takes the offset before the gap; a repeated one, the
/// first.
fn wall_clock(zone: Zone, day: NaiveDate, time: NaiveTime) -> Option<DateTime<Utc>> {
    let local = day.and_time(time);
    let tz = zone.tz();
    match tz.from_local_datetime(&local) {
        chrono::LocalResult::Single(at) | chrono::LocalResult::Ambiguous(at, _) => {
            Some(at.with_timezone(&Utc))
        }
        chrono::LocalResult::None => {
            // The offset in force just before the gap.
            let before = tz
                .from_local_datetime(&(local - chrono::TimeDelta::hours(3)))
                .earliest()?;
            let offset = chrono::Offset::fix(before.offset());
            offset
                .from_local_datetime(&local)
                .single()
                .map(|at| at.with_timezone(&Utc))
        }
    }
}
