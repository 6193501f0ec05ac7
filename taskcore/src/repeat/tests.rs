//! The recurrence table: each row a rule, where the series counts from, the
//! due and when it was done, and the due that follows (or none).

use chrono::{DateTime, NaiveDate, Utc};

use crate::model::Due;
use crate::planning::Zone;
use crate::repeat::{Occurrence, RepeatFrom, RepeatRule, from_taskwarrior};

fn day(text: &str) -> Due {
    Due::Date(NaiveDate::parse_from_str(text, "%Y-%m-%d").expect("a day"))
}

fn at(text: &str) -> Due {
    Due::At(instant(text))
}

fn instant(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text)
        .expect("an instant")
        .with_timezone(&Utc)
}

struct Row {
    why: &'static str,
    zone: &'static str,
    rule: &'static str,
    from: RepeatFrom,
    anchor: Due,
    due: Due,
    done_at: &'static str,
    done: u32,
    next: Option<Due>,
}

#[allow(clippy::too_many_arguments)]
fn row(
    why: &'static str,
    zone: &'static str,
    rule: &'static str,
    from: RepeatFrom,
    anchor: Due,
    due: Due,
    done_at: &'static str,
    next: Option<Due>,
) -> Row {
    Row {
        why,
        zone,
        rule,
        from,
        anchor,
        due,
        done_at,
        done: 1,
        next,
    }
}

use RepeatFrom::{Completion, Due as FromDue};

fn table() -> Vec<Row> {
    vec![
        row(
            "daily, done on the day",
            "UTC",
            "FREQ=DAILY",
            FromDue,
            day("2026-12-04"),
            day("2026-12-04"),
            "2026-12-04T10:00:00Z",
            Some(day("2026-12-05")),
        ),
        row(
            "daily, done three days late: tomorrow, not the day after the old due",
            "UTC",
            "FREQ=DAILY",
            FromDue,
            day("2026-12-01"),
            day("2026-12-01"),
            "2026-12-04T10:00:00Z",
            Some(day("2026-12-05")),
        ),
        row(
            "daily, done early: the day after the due",
            "UTC",
            "FREQ=DAILY",
            FromDue,
            day("2026-12-10"),
            day("2026-12-10"),
            "2026-12-04T10:00:00Z",
            Some(day("2026-12-11")),
        ),
        row(
            "the completion day is the owner's: 23:30 in Los Angeles is still the 4th",
            "America/Los_Angeles",
            "FREQ=DAILY",
            FromDue,
            day("2026-12-04"),
            day("2026-12-04"),
            "2026-12-05T07:30:00Z",
            Some(day("2026-12-05")),
        ),
        row(
            "weekly on Monday and Wednesday",
            "UTC",
            "FREQ=WEEKLY;BYDAY=MO,WE",
            FromDue,
            day("2026-12-07"),
            day("2026-12-07"),
            "2026-12-07T09:00:00Z",
            Some(day("2026-12-09")),
        ),
        row(
            "every other Friday",
            "UTC",
            "FREQ=WEEKLY;INTERVAL=2;BYDAY=FR",
            FromDue,
            day("2026-12-04"),
            day("2026-12-04"),
            "2026-12-04T09:00:00Z",
            Some(day("2026-12-18")),
        ),
        row(
            "the 31st skips months without one",
            "UTC",
            "FREQ=MONTHLY;BYMONTHDAY=31",
            FromDue,
            day("2026-01-31"),
            day("2026-01-31"),
            "2026-01-31T09:00:00Z",
            Some(day("2026-03-31")),
        ),
        row(
            "monthly from the 31st without BYMONTHDAY skips them too",
            "UTC",
            "FREQ=MONTHLY",
            FromDue,
            day("2026-01-31"),
            day("2026-01-31"),
            "2026-01-31T09:00:00Z",
            Some(day("2026-03-31")),
        ),
        row(
            "-1 is the last day of February",
            "UTC",
            "FREQ=MONTHLY;BYMONTHDAY=-1",
            FromDue,
            day("2026-01-31"),
            day("2026-01-31"),
            "2026-01-31T09:00:00Z",
            Some(day("2026-02-28")),
        ),
        row(
            "-1 in a leap year is the 29th",
            "UTC",
            "FREQ=MONTHLY;BYMONTHDAY=-1",
            FromDue,
            day("2028-01-31"),
            day("2028-01-31"),
            "2028-01-31T09:00:00Z",
            Some(day("2028-02-29")),
        ),
        row(
            "the last Friday of the month",
            "UTC",
            "FREQ=MONTHLY;BYDAY=-1FR",
            FromDue,
            day("2026-01-30"),
            day("2026-01-30"),
            "2026-01-30T09:00:00Z",
            Some(day("2026-02-27")),
        ),
        row(
            "the first Monday of the month",
            "UTC",
            "FREQ=MONTHLY;BYDAY=1MO",
            FromDue,
            day("2026-12-07"),
            day("2026-12-07"),
            "2026-12-07T09:00:00Z",
            Some(day("2027-01-04")),
        ),
        row(
            "29 February comes back in four years",
            "UTC",
            "FREQ=YEARLY",
            FromDue,
            day("2024-02-29"),
            day("2024-02-29"),
            "2024-02-29T09:00:00Z",
            Some(day("2028-02-29")),
        ),
        row(
            "COUNT=3: the second of three is followed by the third",
            "UTC",
            "FREQ=DAILY;COUNT=3",
            FromDue,
            day("2026-12-01"),
            day("2026-12-02"),
            "2026-12-02T09:00:00Z",
            Some(day("2026-12-03")),
        ),
        row(
            "COUNT=3: the third is the last",
            "UTC",
            "FREQ=DAILY;COUNT=3",
            FromDue,
            day("2026-12-01"),
            day("2026-12-03"),
            "2026-12-03T09:00:00Z",
            None,
        ),
        row(
            "UNTIL: the last day is included",
            "UTC",
            "FREQ=DAILY;UNTIL=20261205",
            FromDue,
            day("2026-12-01"),
            day("2026-12-04"),
            "2026-12-04T09:00:00Z",
            Some(day("2026-12-05")),
        ),
        row(
            "UNTIL: nothing after it",
            "UTC",
            "FREQ=DAILY;UNTIL=20261205",
            FromDue,
            day("2026-12-01"),
            day("2026-12-05"),
            "2026-12-05T09:00:00Z",
            None,
        ),
        row(
            "from completion: three days after it was done",
            "UTC",
            "FREQ=DAILY;INTERVAL=3",
            Completion,
            day("2026-12-01"),
            day("2026-12-01"),
            "2026-12-04T18:00:00Z",
            Some(day("2026-12-07")),
        ),
        row(
            "from completion: the next Monday after the day it was done",
            "UTC",
            "FREQ=WEEKLY;BYDAY=MO",
            Completion,
            day("2026-11-30"),
            day("2026-11-30"),
            "2026-12-02T18:00:00Z",
            Some(day("2026-12-07")),
        ),
        row(
            "timed, across spring's clock change: 09:00 in Paris stays 09:00",
            "Europe/Paris",
            "FREQ=DAILY",
            FromDue,
            at("2026-03-28T08:00:00Z"),
            at("2026-03-28T08:00:00Z"),
            "2026-03-28T08:30:00Z",
            Some(at("2026-03-29T07:00:00Z")),
        ),
        row(
            "timed, across autumn's clock change",
            "Europe/Paris",
            "FREQ=DAILY",
            FromDue,
            at("2026-10-24T07:00:00Z"),
            at("2026-10-24T07:00:00Z"),
            "2026-10-24T07:30:00Z",
            Some(at("2026-10-25T08:00:00Z")),
        ),
        row(
            "timed weekly across New York's spring change",
            "America/New_York",
            "FREQ=WEEKLY",
            FromDue,
            at("2026-03-02T14:00:00Z"),
            at("2026-03-02T14:00:00Z"),
            "2026-03-02T15:00:00Z",
            Some(at("2026-03-09T13:00:00Z")),
        ),
        row(
            "a time the clocks skip takes the offset before the gap (02:30 is 03:30)",
            "Europe/Paris",
            "FREQ=DAILY",
            FromDue,
            at("2026-03-28T01:30:00Z"),
            at("2026-03-28T01:30:00Z"),
            "2026-03-28T02:00:00Z",
            Some(at("2026-03-29T01:30:00Z")),
        ),
        row(
            "a time the clocks repeat is the first of the two",
            "Europe/Paris",
            "FREQ=DAILY",
            FromDue,
            at("2026-10-24T00:30:00Z"),
            at("2026-10-24T00:30:00Z"),
            "2026-10-24T01:00:00Z",
            Some(at("2026-10-25T00:30:00Z")),
        ),
        row(
            "timed, done late: the next one after the completion instant",
            "Europe/Paris",
            "FREQ=DAILY",
            FromDue,
            at("2026-12-01T08:00:00Z"),
            at("2026-12-01T08:00:00Z"),
            "2026-12-04T12:00:00Z",
            Some(at("2026-12-05T08:00:00Z")),
        ),
        row(
            "timed, done late but before today's time: today's",
            "Europe/Paris",
            "FREQ=DAILY",
            FromDue,
            at("2026-12-01T08:00:00Z"),
            at("2026-12-01T08:00:00Z"),
            "2026-12-04T07:00:00Z",
            Some(at("2026-12-04T08:00:00Z")),
        ),
        row(
            "timed from completion: two days after, at the due's time of day",
            "Europe/Paris",
            "FREQ=DAILY;INTERVAL=2",
            Completion,
            at("2026-12-01T08:00:00Z"),
            at("2026-12-01T08:00:00Z"),
            "2026-12-04T20:00:00Z",
            Some(at("2026-12-06T08:00:00Z")),
        ),
        row(
            "timed from completion across a clock change keeps the wall clock",
            "Europe/Paris",
            "FREQ=WEEKLY",
            Completion,
            at("2026-03-18T08:00:00Z"),
            at("2026-03-18T08:00:00Z"),
            "2026-03-25T10:00:00Z",
            Some(at("2026-04-01T07:00:00Z")),
        ),
        row(
            "timed UNTIL: an instant past it ends the series",
            "UTC",
            "FREQ=DAILY;UNTIL=20261205T000000Z",
            FromDue,
            at("2026-12-03T08:00:00Z"),
            at("2026-12-04T08:00:00Z"),
            "2026-12-04T09:00:00Z",
            None,
        ),
        row(
            "UNTIL before the next occurrence ends the series",
            "UTC",
            "FREQ=MONTHLY;UNTIL=20260215",
            FromDue,
            day("2026-01-31"),
            day("2026-01-31"),
            "2026-01-31T09:00:00Z",
            None,
        ),
    ]
}

#[test]
fn the_recurrence_table() {
    let mut failures = Vec::new();
    for row in table() {
        let rule = RepeatRule::parse(row.rule).expect(row.rule);
        let occurrence = Occurrence {
            anchor: row.anchor,
            due: row.due,
            at: instant(row.done_at),
            done: row.done,
            zone: Zone::parse(row.zone).expect("zone"),
        };
        let next = rule.next_due(row.from, &occurrence);
        if next != row.next {
            failures.push(format!(
                "{}: {} → {next:?}, expected {:?}",
                row.why, row.rule, row.next
            ));
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

#[test]
fn count_from_completion_counts_the_occurrences_done() {
    let rule = RepeatRule::parse("FREQ=DAILY;COUNT=2").expect("rule");
    let mut occurrence = Occurrence {
        anchor: day("2026-12-01"),
        due: day("2026-12-01"),
        at: instant("2026-12-01T09:00:00Z"),
        done: 1,
        zone: Zone::default(),
    };
    assert_eq!(
        rule.next_due(Completion, &occurrence),
        Some(day("2026-12-02"))
    );
    occurrence.done = 2;
    assert_eq!(rule.next_due(Completion, &occurrence), None);
}

#[test]
fn a_skip_moves_past_the_due_whenever_it_happens() {
    let rule = RepeatRule::parse("FREQ=DAILY").expect("rule");
    let occurrence = Occurrence {
        anchor: day("2026-12-01"),
        due: day("2026-12-01"),
        at: instant("2026-12-04T09:00:00Z"),
        done: 1,
        zone: Zone::default(),
    };
    assert_eq!(
        rule.skipped_due(FromDue, &occurrence),
        Some(day("2026-12-02"))
    );
    // Done (not skipped) at the same time moves past the completion day.
    assert_eq!(rule.next_due(FromDue, &occurrence), Some(day("2026-12-05")));
}

#[test]
fn rules_are_written_back_in_one_normal_form() {
    for (given, normal) in [
        (
            "freq=weekly;byday=we,mo,mo;interval=2",
            "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,WE",
        ),
        ("RRULE:FREQ=DAILY;INTERVAL=1", "FREQ=DAILY"),
        (
            "BYMONTH=12,1;FREQ=YEARLY;BYMONTHDAY=-1",
            "FREQ=YEARLY;BYMONTHDAY=-1;BYMONTH=1,12",
        ),
        (
            "FREQ=MONTHLY;BYDAY=+1MO;COUNT=5",
            "FREQ=MONTHLY;COUNT=5;BYDAY=1MO",
        ),
        (
            "FREQ=DAILY;UNTIL=20261231t170000z",
            "FREQ=DAILY;UNTIL=20261231T170000Z",
        ),
        ("FREQ=DAILY;UNTIL=20261231", "FREQ=DAILY;UNTIL=20261231"),
    ] {
        let rule = RepeatRule::parse(given).unwrap_or_else(|error| panic!("{given}: {error}"));
        assert_eq!(rule.to_string(), normal, "{given}");
        assert_eq!(
            RepeatRule::parse(normal),
            Ok(rule),
            "the normal form reads back the same"
        );
    }
}

#[test]
fn refused_rules_name_the_part_at_fault() {
    for (given, part) in [
        ("FREQ=WEEKLY;BYSETPOS=1", "BYSETPOS"),
        ("FREQ=WEEKLY;WKST=SU", "WKST"),
        ("FREQ=HOURLY", "FREQ"),
        ("INTERVAL=2", "FREQ"),
        ("FREQ=DAILY;COUNT=3;UNTIL=20261231", "UNTIL"),
        ("FREQ=DAILY;INTERVAL=0", "INTERVAL"),
        ("FREQ=DAILY;INTERVAL=1000", "INTERVAL"),
        ("FREQ=WEEKLY;BYDAY=1MO", "BYDAY"),
        ("FREQ=MONTHLY;BYDAY=6MO", "BYDAY"),
        ("FREQ=WEEKLY;BYDAY=XX", "BYDAY"),
        ("FREQ=WEEKLY;BYDAY=", "BYDAY"),
        ("FREQ=WEEKLY;BYMONTHDAY=1", "BYMONTHDAY"),
        ("FREQ=MONTHLY;BYMONTHDAY=32", "BYMONTHDAY"),
        ("FREQ=MONTHLY;BYMONTHDAY=0", "BYMONTHDAY"),
        ("FREQ=YEARLY;BYMONTH=13", "BYMONTH"),
        ("FREQ=DAILY;COUNT=0", "COUNT"),
        ("FREQ=DAILY;UNTIL=tomorrow", "UNTIL"),
        ("FREQ=DAILY;FREQ=WEEKLY", "FREQ"),
        ("FREQ=DAILY;COUNT", "COUNT"),
        // Not ASCII: refused, never cut inside a character.
        ("FREQ=WEEKLY;BYDAY=éa", "BYDAY"),
        ("FREQ=MONTHLY;BYDAY=1€", "BYDAY"),
        ("FREQ=WEEKLY;BYDAY=ÉMO", "BYDAY"),
        // No month has such a day: a series that would never come.
        ("FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30", "BYMONTHDAY"),
        ("FREQ=MONTHLY;BYMONTH=4,6;BYMONTHDAY=31", "BYMONTHDAY"),
        ("FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=-30", "BYMONTHDAY"),
    ] {
        let refused = RepeatRule::parse(given).expect_err(given);
        assert!(refused.msg.contains(part), "{given}: {}", refused.msg);
    }
    let long = format!("FREQ=DAILY;{}", "BYMONTH=1;".repeat(40));
    assert_eq!(
        RepeatRule::parse(&long).expect_err("too long").kind,
        "string_too_long"
    );
}

#[test]
fn every_rule_the_parser_takes_the_engine_expands() {
    // The parser's limits are the engine's: an accepted rule always builds.
    let occurrence = Occurrence {
        anchor: day("2026-01-01"),
        due: day("2026-01-01"),
        at: instant("2026-01-01T09:00:00Z"),
        done: 1,
        zone: Zone::default(),
    };
    for rule in [
        "FREQ=MONTHLY;BYDAY=5FR",
        "FREQ=MONTHLY;BYDAY=-4FR",
        "FREQ=YEARLY;BYDAY=53MO",
        "FREQ=YEARLY;BYDAY=-52SU",
        "FREQ=DAILY;BYMONTHDAY=-31",
        "FREQ=DAILY;INTERVAL=999;COUNT=9999",
        "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29",
        "FREQ=DAILY;BYDAY=MO,TU;BYMONTH=1,6",
    ] {
        let parsed = RepeatRule::parse(rule).expect(rule);
        assert!(parsed.next_due(FromDue, &occurrence).is_some(), "{rule}");
    }
}

#[test]
fn taskwarrior_recur_values_become_rules_or_are_reported() {
    for (recur, rule) in [
        ("daily", "FREQ=DAILY"),
        ("weekly", "FREQ=WEEKLY"),
        ("monthly", "FREQ=MONTHLY"),
        ("yearly", "FREQ=YEARLY"),
        ("3d", "FREQ=DAILY;INTERVAL=3"),
        ("2w", "FREQ=WEEKLY;INTERVAL=2"),
        ("6m", "FREQ=MONTHLY;INTERVAL=6"),
        ("1y", "FREQ=YEARLY"),
        ("2wks", "FREQ=WEEKLY;INTERVAL=2"),
        ("biweekly", "FREQ=WEEKLY;INTERVAL=2"),
        ("quarterly", "FREQ=MONTHLY;INTERVAL=3"),
        ("weekdays", "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR"),
    ] {
        let mapped = from_taskwarrior(recur).unwrap_or_else(|| panic!("{recur} maps"));
        assert_eq!(mapped.to_string(), rule, "{recur}");
    }
    for recur in ["", "3h", "every tuesday", "0d", "1000d", "5x"] {
        assert_eq!(
            from_taskwarrior(recur),
            None,
            "{recur:?} is reported, not guessed"
        );
    }
}

#[test]
fn a_series_started_again_at_its_next_occurrence_goes_on_as_before() {
    // Each completion may move the series' start to the new due (so that the
    // next expansion is short): walked 60 occurrences, done on time and
    // done late, the dues are those of the series kept at its first start.
    for (zone, rule, anchor) in [
        ("UTC", "FREQ=DAILY", day("2026-12-01")),
        ("UTC", "FREQ=DAILY;INTERVAL=3", day("2026-12-01")),
        (
            "UTC",
            "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,WE",
            day("2026-12-02"),
        ),
        (
            "UTC",
            "FREQ=WEEKLY;INTERVAL=2;BYDAY=SU,MO",
            day("2026-11-29"),
        ),
        ("UTC", "FREQ=MONTHLY;BYMONTHDAY=31", day("2026-01-31")),
        ("UTC", "FREQ=MONTHLY;BYMONTHDAY=-1", day("2026-01-31")),
        (
            "UTC",
            "FREQ=MONTHLY;INTERVAL=2;BYDAY=-1FR",
            day("2026-01-30"),
        ),
        ("UTC", "FREQ=MONTHLY", day("2026-01-31")),
        ("UTC", "FREQ=YEARLY", day("2028-02-29")),
        (
            "UTC",
            "FREQ=YEARLY;INTERVAL=2;BYMONTH=3,9",
            day("2026-03-10"),
        ),
        ("UTC", "FREQ=DAILY;UNTIL=20270115", day("2026-12-01")),
        ("UTC", "FREQ=DAILY;COUNT=20", day("2026-12-01")),
        ("Europe/Paris", "FREQ=DAILY", at("2026-03-20T01:30:00Z")),
        ("Europe/Paris", "FREQ=DAILY", at("2026-10-20T08:00:00Z")),
        (
            "Europe/Paris",
            "FREQ=WEEKLY;BYDAY=SU",
            at("2026-03-01T01:30:00Z"),
        ),
        (
            "America/New_York",
            "FREQ=DAILY;INTERVAL=2",
            at("2026-03-01T07:00:00Z"),
        ),
    ] {
        let rule = RepeatRule::parse(rule).expect(rule);
        let zone = Zone::parse(zone).expect("zone");
        for late_days in [0, 3] {
            let mut moved = anchor;
            let mut due = anchor;
            for done in 1..=60 {
                let at = match due {
                    Due::Date(day) => zone.start_of(day) + chrono::TimeDelta::hours(12),
                    Due::At(at) => at,
                } + chrono::TimeDelta::days(late_days);
                let occurrence = |anchor| Occurrence {
                    anchor,
                    due,
                    at,
                    done,
                    zone,
                };
                let expected = rule.next_due(FromDue, &occurrence(anchor));
                let got = rule.next_due(FromDue, &occurrence(moved));
                assert_eq!(got, expected, "{rule}, {late_days} days late, from {due:?}");
                let Some(next) = expected else { break };
                moved = rule.anchor_after(FromDue, &occurrence(moved), next);
                due = next;
            }
        }
    }
}
