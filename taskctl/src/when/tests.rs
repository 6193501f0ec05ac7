//! The date forms, against a fixed clock.
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
fn days_looking_back_are_the_latest_such_days() {
    let paris = Zone::parse("Europe/Paris").expect("zone");
    // Friday 2026-12-04, 14:30 in Paris.
    let now = at("2026-12-04T13:30:00Z");
    let back = |text: &str| {
        parse_past_day_input(text, paris, now).map(|day| day.format("%Y-%m-%d").to_string())
    };
    assert_eq!(back("mon").as_deref(), Ok("2026-11-30"));
    assert_eq!(
        back("Friday").as_deref(),
        Ok("2026-12-04"),
        "today included"
    );
    assert_eq!(back("sat").as_deref(), Ok("2026-11-28"));
    assert_eq!(back("this week").as_deref(), Ok("2026-11-30"));
    assert_eq!(back("last week").as_deref(), Ok("2026-11-23"));
    assert_eq!(back("this month").as_deref(), Ok("2026-12-01"));
    assert_eq!(back("last month").as_deref(), Ok("2026-11-01"));
    assert_eq!(back("dec 24").as_deref(), Ok("2025-12-24"));
    assert_eq!(back("1 dec").as_deref(), Ok("2026-12-01"));
    assert_eq!(back("yesterday").as_deref(), Ok("2026-12-03"));
    assert_eq!(back("2026-11-02").as_deref(), Ok("2026-11-02"));
    assert!(back("someday").is_err());
}

#[test]
fn people_dates_are_read_in_the_local_zone() {
    let paris = Zone::parse("Europe/Paris").expect("zone");
    // Wednesday 2025-01-15, 23:30 in Paris (22:30 UTC).
    let now = at("2025-01-15T22:30:00Z");
    assert_eq!(parse_due("today", paris, now), Ok(day("2025-01-15")));
    assert_eq!(parse_due("tomorrow", paris, now), Ok(day("2025-01-16")));
    assert_eq!(parse_due("fri", paris, now), Ok(day("2025-01-17")));
    // The nearest Wednesday is today.
    assert_eq!(parse_due("Wednesday", paris, now), Ok(day("2025-01-15")));
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
fn dates_as_people_say_them_on_a_friday_afternoon() {
    let paris = Zone::parse("Europe/Paris").expect("zone");
    // Friday 2026-12-04, 14:30 in Paris.
    let now = at("2026-12-04T13:30:00Z");
    let timed = |text: &str| Ok(Due::At(at(text)));
    for (typed, expected) in [
        ("fri", Ok(day("2026-12-04"))),
        ("fri 17:00", timed("2026-12-04T16:00:00Z")),
        ("fri 14:00", timed("2026-12-11T13:00:00Z")),
        ("mon", Ok(day("2026-12-07"))),
        ("thu", Ok(day("2026-12-10"))),
        ("next week", Ok(day("2026-12-07"))),
        ("next month", Ok(day("2027-01-01"))),
        ("in 3 days", Ok(day("2026-12-07"))),
        ("in 2 weeks", Ok(day("2026-12-18"))),
        ("in 1 month", Ok(day("2027-01-04"))),
        ("in a week", Ok(day("2026-12-11"))),
        ("+1m", Ok(day("2027-01-04"))),
        ("+3d", Ok(day("2026-12-07"))),
        ("dec 24", Ok(day("2026-12-24"))),
        ("24 dec", Ok(day("2026-12-24"))),
        ("24 December", Ok(day("2026-12-24"))),
        ("dec 1", Ok(day("2027-12-01"))),
        ("dec 4", Ok(day("2026-12-04"))),
        ("5pm", timed("2026-12-04T16:00:00Z")),
        ("5 PM", timed("2026-12-04T16:00:00Z")),
        ("17:00", timed("2026-12-04T16:00:00Z")),
        ("2pm", timed("2026-12-05T13:00:00Z")),
        ("9:30am", timed("2026-12-05T08:30:00Z")),
        ("12am", timed("2026-12-04T23:00:00Z")),
        ("eod", Ok(day("2026-12-04"))),
        ("eow", Ok(day("2026-12-06"))),
        ("eom", Ok(day("2026-12-31"))),
        ("24.12.2026", Ok(day("2026-12-24"))),
        ("feb 29", Ok(day("2028-02-29"))),
        ("24.12.2026 17:00", timed("2026-12-24T16:00:00Z")),
        ("tomorrow 5pm", timed("2026-12-05T16:00:00Z")),
        ("dec 24 17:00", timed("2026-12-24T16:00:00Z")),
        ("next week 9:00", timed("2026-12-07T08:00:00Z")),
        // An explicit day keeps its time even when it has passed.
        ("today 09:00", timed("2026-12-04T08:00:00Z")),
    ] {
        assert_eq!(parse_due(typed, paris, now), expected, "{typed}");
    }
    for wrong in [
        "13pm",
        "0am",
        "17:0",
        "+5:00",
        "dec",
        "dec 32",
        "feb 30",
        "in 3 years",
        "next year",
        "31.02.2026",
        "24.12.26",
        "24.12.0026x",
        "dec 32",
    ] {
        assert!(parse_due(wrong, paris, now).is_err(), "{wrong}");
    }
}

#[test]
fn add_says_the_due_it_understood_with_the_zone_of_a_time() {
    let paris = Zone::parse("Europe/Paris").expect("zone");
    let now = at("2026-12-04T13:30:00Z");
    let date = NaiveDate::from_ymd_opt(2026, 12, 4);
    assert_eq!(
        due_words(date, None, paris, now).as_deref(),
        Some("Fri 4 Dec")
    );
    assert_eq!(
        due_words(None, Some(at("2026-12-04T16:00:00Z")), paris, now).as_deref(),
        Some("Fri 4 Dec 17:00 CET")
    );
    assert_eq!(
        due_words(NaiveDate::from_ymd_opt(2027, 1, 4), None, paris, now).as_deref(),
        Some("Mon 4 Jan 2027")
    );
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
