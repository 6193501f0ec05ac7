//! Objects as the clients write them, read and written back.

use calcard::icalendar::{ICalendar, ICalendarComponentType, ICalendarProperty};
use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use chrono_tz::Europe::Paris;

use super::{Refusal, Todo, read, write};
use crate::model::{Due, Lead, Reminder, Task};
use crate::planning::Priority;
use crate::repeat::{RepeatFrom, RepeatRule};
use crate::types::{ListId, TaskId, UserId};

/// An instant, UTC.
fn at(year: i32, month: u32, day: u32, hour: u32, minute: u32, second: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(year, month, day, hour, minute, second)
        .single()
        .expect("a valid instant")
}

/// A task as taskd would hold one read from `todo`.
fn task_of(todo: &Todo) -> Task {
    let made = at(2030, 1, 1, 8, 0, 0);
    Task {
        id: TaskId(7),
        uid: todo.uid.clone(),
        title: todo.title.clone(),
        description: todo.description.clone(),
        completed: todo.completed,
        priority: todo.priority,
        due_date: todo.due.and_then(Due::date),
        due_at: todo.due.and_then(Due::at),
        tags: todo.tags.clone(),
        completed_at: todo.completed_at,
        list_id: ListId(1),
        parent_id: None,
        repeat: todo.repeat.clone(),
        repeat_from: todo.repeat_from,
        reminders: todo.reminders.clone(),
        owner_id: UserId(1),
        created_at: made,
        updated_at: made,
        version: 1,
    }
}

/// The content lines of `object`'s VTODO and its alarms, unfolded, but
/// those taskd writes on every change (DTSTAMP, LAST-MODIFIED).
fn todo_lines(object: &str) -> Vec<String> {
    let calendar = ICalendar::parse(object).expect("iCalendar");
    let mut lines = Vec::new();
    for component in &calendar.components {
        if matches!(
            component.component_type,
            ICalendarComponentType::VTodo | ICalendarComponentType::VAlarm
        ) {
            for entry in &component.entries {
                if matches!(
                    entry.name,
                    ICalendarProperty::Dtstamp | ICalendarProperty::LastModified
                ) {
                    continue;
                }
                let mut line = String::new();
                entry.write_to(&mut line).expect("write");
                lines.push(line.replace("\r\n ", "").trim_end().to_owned());
            }
        }
    }
    lines.sort();
    lines
}

fn object(lines: &[&str]) -> String {
    let mut text = String::new();
    for line in lines {
        text.push_str(line);
        text.push_str("\r\n");
    }
    text
}

/// As Tasks.org (through DAVx5) writes a weekly task with a subtask's
/// parent, categories, a reminder and its own properties.
fn tasks_org() -> String {
    object(&[
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:+//IDN tasks.org//android-130804//EN",
        "BEGIN:VTODO",
        "DTSTAMP:20301120T101500Z",
        "UID:6213390154929286428",
        "CREATED:20301120T101455Z",
        "LAST-MODIFIED:20301120T101500Z",
        "SUMMARY:Take the bins out",
        "DESCRIPTION:Both bins\\, then the glass",
        "PRIORITY:9",
        "STATUS:NEEDS-ACTION",
        "X-APPLE-SORT-ORDER:744721500",
        "CATEGORIES:Home,errands",
        "RELATED-TO:1855421917838410022",
        "DUE;VALUE=DATE:20301202",
        "RRULE:FREQ=WEEKLY;BYDAY=MO",
        "BEGIN:VALARM",
        "TRIGGER;RELATED=END:-PT15M",
        "ACTION:DISPLAY",
        "DESCRIPTION:Default Tasks.org description",
        "END:VALARM",
        "END:VTODO",
        "END:VCALENDAR",
    ])
}

/// As Thunderbird writes a task due at a time in its own zone, in
/// progress.
fn thunderbird() -> String {
    object(&[
        "BEGIN:VCALENDAR",
        "PRODID:-//Mozilla.org/NONSGML Mozilla Calendar V1.1//EN",
        "VERSION:2.0",
        "BEGIN:VTIMEZONE",
        "TZID:Europe/Berlin",
        "BEGIN:DAYLIGHT",
        "TZOFFSETFROM:+0100",
        "TZOFFSETTO:+0200",
        "TZNAME:CEST",
        "DTSTART:19700329T020000",
        "RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=3",
        "END:DAYLIGHT",
        "BEGIN:STANDARD",
        "TZOFFSETFROM:+0200",
        "TZOFFSETTO:+0100",
        "TZNAME:CET",
        "DTSTART:19701025T030000",
        "RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=10",
        "END:STANDARD",
        "END:VTIMEZONE",
        "BEGIN:VTODO",
        "CREATED:20301120T090000Z",
        "LAST-MODIFIED:20301120T090500Z",
        "DTSTAMP:20301120T090500Z",
        "UID:b1c6f0e5-29a8-4b8a-a2d4-6f1f0b7d2c11",
        "SUMMARY:Write the report",
        "STATUS:IN-PROCESS",
        "PERCENT-COMPLETE:40",
        "X-MOZ-GENERATION:3",
        "LOCATION:Office\\; room 4",
        "DUE;TZID=Europe/Berlin:20301201T090000",
        "DTSTART;TZID=Europe/Berlin:20301125T090000",
        "SEQUENCE:2",
        "BEGIN:VALARM",
        "ACTION:DISPLAY",
        "TRIGGER;VALUE=DATE-TIME:20301130T170000Z",
        "DESCRIPTION:Report",
        "X-MOZ-LASTACK:20301120T090500Z",
        "END:VALARM",
        "END:VTODO",
        "END:VCALENDAR",
    ])
}

#[test]
fn a_tasks_org_object_gives_the_task_fields_it_maps() {
    let todo = read(&tasks_org(), Paris).expect("read");
    assert_eq!(todo.uid, "6213390154929286428");
    assert_eq!(todo.title, "Take the bins out");
    assert_eq!(
        todo.description.as_deref(),
        Some("Both bins, then the glass")
    );
    assert_eq!(todo.priority, Some(Priority::Low));
    assert_eq!(todo.tags, ["errands", "home"]);
    assert!(!todo.completed);
    assert_eq!(todo.parent_uid.as_deref(), Some("1855421917838410022"));
    assert_eq!(
        todo.due,
        Some(Due::Date(
            NaiveDate::from_ymd_opt(2030, 12, 2).expect("valid")
        ))
    );
    assert_eq!(
        todo.repeat,
        Some(RepeatRule::parse("FREQ=WEEKLY;BYDAY=MO").expect("valid"))
    );
    assert_eq!(todo.repeat_from, RepeatFrom::Due);
    assert_eq!(
        todo.reminders,
        [Reminder::Before(Lead::parse("PT15M").expect("valid"))]
    );
}

#[test]
fn a_tasks_org_object_comes_back_with_every_property_it_wrote() {
    let written = tasks_org();
    let todo = read(&written, Paris).expect("read");
    let back = write(
        &task_of(&todo),
        todo.parent_uid.as_deref(),
        Some(&todo.kept),
        Paris,
    );
    assert_eq!(todo_lines(&back), todo_lines(&written), "{back}");
    // taskd's own stamps, from the task.
    assert!(back.contains("DTSTAMP:20300101T080000Z"), "{back}");
}

#[test]
fn a_thunderbird_object_keeps_its_zone_progress_and_alarm() {
    let written = thunderbird();
    let todo = read(&written, Paris).expect("read");
    // 09:00 in Berlin, in winter: 08:00 UTC.
    assert_eq!(todo.due, Some(Due::At(at(2030, 12, 1, 8, 0, 0))));
    assert!(!todo.completed, "IN-PROCESS is not done");
    assert_eq!(todo.reminders, [Reminder::At(at(2030, 11, 30, 17, 0, 0))]);
    let back = write(&task_of(&todo), None, Some(&todo.kept), Paris);
    assert_eq!(todo_lines(&back), todo_lines(&written), "{back}");
    assert!(back.contains("BEGIN:VTIMEZONE"), "{back}");
}

#[test]
fn an_edit_elsewhere_changes_the_properties_it_touches_and_keeps_the_rest() {
    let todo = read(&thunderbird(), Paris).expect("read");
    let mut task = task_of(&todo);
    task.title = "Write the annual report".to_owned();
    task.priority = Some(Priority::Medium);
    task.tags = vec!["work".to_owned()];
    let back = write(&task, None, Some(&todo.kept), Paris);
    let lines = todo_lines(&back);
    for kept in [
        "STATUS:IN-PROCESS",
        "PERCENT-COMPLETE:40",
        "X-MOZ-GENERATION:3",
        "LOCATION:Office\\; room 4",
        "DUE;TZID=Europe/Berlin:20301201T090000",
        "SEQUENCE:2",
    ] {
        assert!(lines.iter().any(|line| line == kept), "{kept} in {back}");
    }
    for changed in [
        "SUMMARY:Write the annual report",
        "PRIORITY:5",
        "CATEGORIES:work",
    ] {
        assert!(
            lines.iter().any(|line| line == changed),
            "{changed} in {back}"
        );
    }
    assert!(!back.contains("Write the report\r\n"), "{back}");

    // Done elsewhere: STATUS and COMPLETED say so; the rest stays.
    let done_at = at(2030, 11, 28, 16, 30, 0);
    task.completed = true;
    task.completed_at = Some(done_at);
    let back = write(&task, None, Some(&todo.kept), Paris);
    let again = read(&back, Paris).expect("read back");
    assert!(again.completed);
    assert_eq!(again.completed_at, Some(done_at));
    assert!(back.contains("PERCENT-COMPLETE:40"), "{back}");
    assert!(!back.contains("IN-PROCESS"), "{back}");

    // A due moved elsewhere is written in UTC.
    task.due_at = Some(at(2030, 12, 3, 10, 0, 0));
    let back = write(&task, None, Some(&todo.kept), Paris);
    assert!(back.contains("DUE:20301203T100000Z"), "{back}");
    assert!(
        back.contains("DTSTART;TZID=Europe/Berlin:20301125T090000"),
        "{back}"
    );
}

#[test]
fn a_reminder_removed_elsewhere_takes_its_alarm_and_one_added_gets_a_new_one() {
    let todo = read(&tasks_org(), Paris).expect("read");
    let mut task = task_of(&todo);
    task.reminders = vec![Reminder::Before(Lead::parse("P1D").expect("valid"))];
    let back = write(&task, todo.parent_uid.as_deref(), Some(&todo.kept), Paris);
    assert!(!back.contains("Default Tasks.org description"), "{back}");
    let again = read(&back, Paris).expect("read back");
    assert_eq!(again.reminders, task.reminders);
    assert_eq!(back.matches("BEGIN:VALARM").count(), 1, "{back}");
    assert!(back.contains("TRIGGER;RELATED=END:-P1D"), "{back}");
}

#[test]
fn a_task_made_elsewhere_is_written_whole_and_reads_back_the_same() {
    let mut task = task_of(&read(&tasks_org(), Paris).expect("read"));
    task.uid = "made-over-rest".to_owned();
    task.description = None;
    task.priority = Some(Priority::High);
    task.due_date = None;
    task.due_at = Some(at(2030, 12, 1, 8, 30, 0));
    task.repeat_from = RepeatFrom::Completion;
    task.reminders = vec![
        Reminder::Before(Lead::parse("PT1H").expect("valid")),
        Reminder::At(at(2030, 11, 30, 18, 0, 0)),
    ];
    let written = write(&task, Some("the-parent"), None, Paris);
    assert!(written.starts_with("BEGIN:VCALENDAR\r\n"), "{written}");
    assert!(written.contains("PRODID:-//taskd//taskd//EN"), "{written}");
    assert!(
        written.contains("X-TASKD-REPEAT-FROM:COMPLETION"),
        "{written}"
    );
    let todo = read(&written, Paris).expect("read");
    assert_eq!(task_of(&todo), task);
    assert_eq!(todo.parent_uid.as_deref(), Some("the-parent"));
}

#[test]
fn a_floating_time_is_read_in_the_owners_zone() {
    let written = object(&[
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//todoman//EN",
        "BEGIN:VTODO",
        "UID:floating",
        "SUMMARY:Call",
        "DUE:20300701T090000",
        "END:VTODO",
        "END:VCALENDAR",
    ]);
    let todo = read(&written, Paris).expect("read");
    // 09:00 in Paris, in summer: 07:00 UTC.
    assert_eq!(todo.due, Some(Due::At(at(2030, 7, 1, 7, 0, 0))));
    let back = write(&task_of(&todo), None, Some(&todo.kept), Paris);
    assert!(
        back.contains("DUE:20300701T090000\r\n"),
        "as written: {back}"
    );
}

#[test]
fn priorities_map_by_range_and_completed_without_status_is_done() {
    for (written, expected) in [
        ("0", None),
        ("1", Some(Priority::High)),
        ("4", Some(Priority::High)),
        ("5", Some(Priority::Medium)),
        ("6", Some(Priority::Low)),
        ("9", Some(Priority::Low)),
    ] {
        let text = object(&[
            "BEGIN:VCALENDAR",
            "VERSION:2.0",
            "BEGIN:VTODO",
            "UID:p",
            "SUMMARY:P",
            &format!("PRIORITY:{written}"),
            "COMPLETED:20301201T100000Z",
            "END:VTODO",
            "END:VCALENDAR",
        ]);
        let todo = read(&text, Paris).expect("read");
        assert_eq!(todo.priority, expected, "PRIORITY:{written}");
        assert!(todo.completed);
    }
}

/// The refusal `lines`, a VTODO's properties, get.
fn refusal(lines: &[&str]) -> Refusal {
    let mut all = vec!["BEGIN:VCALENDAR", "VERSION:2.0", "BEGIN:VTODO"];
    all.extend_from_slice(lines);
    all.extend_from_slice(&["END:VTODO", "END:VCALENDAR"]);
    read(&object(&all), Paris).expect_err("refused")
}

#[test]
fn what_taskd_cannot_hold_as_written_is_refused_with_a_reason() {
    let control = object(&[
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "BEGIN:VTODO",
        "UID:ok",
        "SUMMARY:Fine",
        "RRULE:FREQ=MONTHLY;BYMONTHDAY=-1",
        "END:VTODO",
        "END:VCALENDAR",
    ]);
    assert!(read(&control, Paris).is_ok());

    let Refusal::InvalidData(reason) = refusal(&["SUMMARY:No uid"]) else {
        panic!("no UID")
    };
    assert!(reason.contains("UID"), "{reason}");
    let Refusal::InvalidData(reason) = refusal(&[
        "UID:r",
        "SUMMARY:R",
        "RRULE:FREQ=MONTHLY;BYSETPOS=-1;BYDAY=MO,TU",
    ]) else {
        panic!("a rule beyond taskd's")
    };
    assert!(reason.starts_with("RRULE"), "{reason}");
    let Refusal::InvalidData(reason) = refusal(&[
        "UID:z",
        "SUMMARY:Z",
        "DUE;TZID=Mars/Olympus:20301201T090000",
    ]) else {
        panic!("an unknown zone")
    };
    assert!(reason.contains("Mars/Olympus"), "{reason}");
    let Refusal::InvalidData(reason) = refusal(&["UID:t", "SUMMARY:T", "CATEGORIES:two words"])
    else {
        panic!("a tag taskd refuses")
    };
    assert!(reason.starts_with("CATEGORIES"), "{reason}");
    let Refusal::InvalidData(reason) = refusal(&[
        "UID:d",
        "SUMMARY:D",
        "DUE;VALUE=DATE:20301201",
        "DUE;VALUE=DATE:20301202",
    ]) else {
        panic!("two dues")
    };
    assert!(reason.contains("more than one DUE"), "{reason}");
    let Refusal::InvalidData(reason) = refusal(&["UID:p", "SUMMARY:P", "PRIORITY:12"]) else {
        panic!("a priority out of range")
    };
    assert!(reason.contains("PRIORITY"), "{reason}");

    let event = object(&[
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "BEGIN:VEVENT",
        "UID:e",
        "DTSTART:20301201T090000Z",
        "END:VEVENT",
        "END:VCALENDAR",
    ]);
    assert!(matches!(read(&event, Paris), Err(Refusal::Component(_))));
    let two = object(&[
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "BEGIN:VTODO",
        "UID:a",
        "END:VTODO",
        "BEGIN:VTODO",
        "UID:a",
        "RECURRENCE-ID:20301201T090000Z",
        "END:VTODO",
        "END:VCALENDAR",
    ]);
    assert!(matches!(read(&two, Paris), Err(Refusal::InvalidData(_))));
    assert!(matches!(
        read("this is not a calendar", Paris),
        Err(Refusal::InvalidData(_))
    ));
}

/// Properties a client may write, in forms taskd maps and forms it keeps.
const LINES: [&str; 24] = [
    "SUMMARY:Water the plants",
    "SUMMARY:Comma\\, semicolon\\; and a\\nnew line",
    "DESCRIPTION:Twice a week",
    "DUE;VALUE=DATE:20301224",
    "DUE:20301224T180000Z",
    "DUE;TZID=America/New_York:20300310T023000",
    "DUE:20301027T023000",
    "PRIORITY:2",
    "PRIORITY:0",
    "CATEGORIES:Garden,home",
    "CATEGORIES:HOME",
    "STATUS:COMPLETED",
    "STATUS:IN-PROCESS",
    "STATUS:CANCELLED",
    "COMPLETED:20301201T101010Z",
    "RELATED-TO;RELTYPE=PARENT:parent-1",
    "RELATED-TO;RELTYPE=SIBLING:other-2",
    "RRULE:FREQ=DAILY;INTERVAL=3",
    "RRULE:FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29",
    "X-TASKD-REPEAT-FROM:COMPLETION",
    "PERCENT-COMPLETE:20",
    "URL:https://example.com/a?b=c",
    "X-CUSTOM;X-PARAM=\"a:b\":value",
    "DTSTART;VALUE=DATE:20301201",
];

proptest::proptest! {
    #[test]
    fn any_text_is_read_or_refused_never_a_panic(text in "(?s).{0,300}") {
        let _ = read(&text, Paris);
        let framed = format!("BEGIN:VCALENDAR\r\nBEGIN:VTODO\r\nUID:x\r\n{text}\r\nEND:VTODO\r\nEND:VCALENDAR\r\n");
        let _ = read(&framed, Paris);
    }

    #[test]
    fn an_object_read_and_written_back_reads_the_same(
        picked in proptest::collection::vec(proptest::sample::select(LINES.to_vec()), 0..7),
        alarm in proptest::option::of(proptest::sample::select(vec![
            "TRIGGER;RELATED=END:-PT30M",
            "TRIGGER:-P1D",
            "TRIGGER;VALUE=DATE-TIME:20301130T080000Z",
            "TRIGGER;RELATED=START:PT5M",
        ])),
    ) {
        let mut lines = vec!["BEGIN:VCALENDAR", "VERSION:2.0", "BEGIN:VTODO", "UID:round"];
        lines.extend(picked.iter().copied());
        if let Some(trigger) = alarm {
            lines.extend(["BEGIN:VALARM", "ACTION:DISPLAY", trigger, "END:VALARM"]);
        }
        lines.extend(["END:VTODO", "END:VCALENDAR"]);
        let written = object(&lines);
        if let Ok(todo) = read(&written, Paris) {
            let back = write(&task_of(&todo), todo.parent_uid.as_deref(), Some(&todo.kept), Paris);
            let again = read(&back, Paris).expect("what taskd writes, it reads");
            proptest::prop_assert_eq!(task_of(&again), task_of(&todo));
            proptest::prop_assert_eq!(again.parent_uid, todo.parent_uid);
            let lines = todo_lines(&back);
            for line in todo_lines(&written) {
                proptest::prop_assert!(lines.contains(&line), "{} lost: {}", line, back);
            }
        }
    }
}

/// A VTODO with `lines`, for the time-range table.
fn dated(lines: &[&str]) -> String {
    let mut text = String::from(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Test//EN\r\nBEGIN:VTODO\r\nUID:t\r\nSUMMARY:T\r\n",
    );
    for line in lines {
        text.push_str(line);
        text.push_str("\r\n");
    }
    text.push_str("END:VTODO\r\nEND:VCALENDAR\r\n");
    text
}

#[test]
fn a_time_range_is_tested_as_rfc_4791_tells_for_each_kind_of_todo() {
    use super::{TimeRange, overlaps};
    let paris = crate::Zone::parse("Europe/Paris").expect("zone");
    let utc = crate::Zone::default();
    let range = |from: DateTime<Utc>, to: DateTime<Utc>| TimeRange::new(Some(from), Some(to));
    // December 10th, the whole day in UTC.
    let day = range(at(2026, 12, 10, 0, 0, 0), at(2026, 12, 11, 0, 0, 0));
    let cases: &[(&str, &[&str], crate::Zone, TimeRange, bool)] = &[
        // DTSTART and DURATION: the span overlaps.
        (
            "start+duration across the start",
            &["DTSTART:20261209T230000Z", "DURATION:PT2H"],
            utc,
            day,
            true,
        ),
        (
            "start+duration before",
            &["DTSTART:20261209T200000Z", "DURATION:PT2H"],
            utc,
            day,
            false,
        ),
        // DTSTART and DUE.
        (
            "start and due around the day",
            &["DTSTART:20261201T090000Z", "DUE:20261220T090000Z"],
            utc,
            day,
            true,
        ),
        (
            "start and due after the day",
            &["DTSTART:20261211T090000Z", "DUE:20261220T090000Z"],
            utc,
            day,
            false,
        ),
        (
            "start and due ending at the start",
            &["DTSTART:20261201T090000Z", "DUE:20261210T000000Z"],
            utc,
            day,
            false,
        ),
        // DTSTART alone: the start is in the range (the end exclusive).
        (
            "start alone inside",
            &["DTSTART:20261210T120000Z"],
            utc,
            day,
            true,
        ),
        (
            "start alone at the end",
            &["DTSTART:20261211T000000Z"],
            utc,
            day,
            false,
        ),
        // DUE alone: start < DUE <= end.
        ("due inside", &["DUE:20261210T170000Z"], utc, day, true),
        ("due at the end", &["DUE:20261211T000000Z"], utc, day, true),
        (
            "due at the start",
            &["DUE:20261210T000000Z"],
            utc,
            day,
            false,
        ),
        // A date, and a floating time, are read in the owner's zone: the
        // 11th starts at 23:00 UTC on the 10th in Paris.
        (
            "a date due in Paris",
            &["DUE;VALUE=DATE:20261211"],
            paris,
            day,
            true,
        ),
        (
            "the same date in UTC",
            &["DUE;VALUE=DATE:20261211"],
            utc,
            day,
            true,
        ),
        (
            "a date due the day after in UTC",
            &["DUE;VALUE=DATE:20261212"],
            utc,
            day,
            false,
        ),
        (
            "a floating time in Paris",
            &["DUE:20261211T003000"],
            paris,
            day,
            true,
        ),
        (
            "a floating time in UTC",
            &["DUE:20261211T003000"],
            utc,
            day,
            false,
        ),
        // Neither: COMPLETED and CREATED.
        (
            "completed inside",
            &["COMPLETED:20261210T100000Z"],
            utc,
            day,
            true,
        ),
        (
            "completed after",
            &["COMPLETED:20261212T100000Z"],
            utc,
            day,
            false,
        ),
        (
            "created before, completed after",
            &["CREATED:20261201T100000Z", "COMPLETED:20261212T100000Z"],
            utc,
            day,
            true,
        ),
        (
            "created and completed before",
            &["CREATED:20261201T100000Z", "COMPLETED:20261202T100000Z"],
            utc,
            day,
            false,
        ),
        (
            "created before the end",
            &["CREATED:20261201T100000Z"],
            utc,
            day,
            true,
        ),
        (
            "created after the end",
            &["CREATED:20261212T100000Z"],
            utc,
            day,
            false,
        ),
        ("nothing: always", &[], utc, day, true),
        // Open sides.
        (
            "due after an open-ended start",
            &["DUE:20270101T000000Z"],
            utc,
            TimeRange::new(Some(at(2026, 12, 10, 0, 0, 0)), None),
            true,
        ),
        (
            "due before an open start's end",
            &["DUE:20200101T000000Z"],
            utc,
            TimeRange::new(None, Some(at(2026, 12, 10, 0, 0, 0))),
            true,
        ),
        // A repeating task happens at each occurrence from its due on.
        (
            "daily, a later day",
            &["DUE:20261201T090000Z", "RRULE:FREQ=DAILY"],
            utc,
            day,
            true,
        ),
        (
            "weekly on Tuesdays, a Thursday",
            &["DUE:20261201T090000Z", "RRULE:FREQ=WEEKLY"],
            utc,
            day,
            false,
        ),
        (
            "weekly, the Thursday of a Thursday series",
            &["DUE:20261203T090000Z", "RRULE:FREQ=WEEKLY"],
            utc,
            day,
            true,
        ),
        (
            "daily until before the day",
            &[
                "DUE:20261201T090000Z",
                "RRULE:FREQ=DAILY;UNTIL=20261205T090000Z",
            ],
            utc,
            day,
            false,
        ),
        (
            "daily all-day, a later day",
            &["DUE;VALUE=DATE:20261201", "RRULE:FREQ=DAILY"],
            paris,
            day,
            true,
        ),
        (
            "daily, a range before its due",
            &["DUE:20261220T090000Z", "RRULE:FREQ=DAILY"],
            utc,
            day,
            false,
        ),
        (
            "daily but done: its own due only",
            &[
                "DUE:20261201T090000Z",
                "RRULE:FREQ=DAILY",
                "STATUS:COMPLETED",
                "COMPLETED:20261201T100000Z",
            ],
            utc,
            day,
            false,
        ),
        (
            "monthly on the 31st skips short months",
            &["DUE:20261031T090000Z", "RRULE:FREQ=MONTHLY;BYMONTHDAY=31"],
            utc,
            range(at(2026, 11, 1, 0, 0, 0), at(2026, 12, 1, 0, 0, 0)),
            false,
        ),
    ];
    for (name, lines, zone, range, expected) in cases {
        assert_eq!(overlaps(&dated(lines), *zone, range), *expected, "{name}");
    }
    assert!(!overlaps("not iCalendar", utc, &day), "unreadable: never");
}
