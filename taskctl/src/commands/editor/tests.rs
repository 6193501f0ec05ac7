//! The editor's form: written, read back, and refused where it cannot be read.

use super::*;

fn task() -> Task {
    let now = Utc::now();
    Task {
        id: taskcore::TaskId(62),
        uid: "uid-62".to_owned(),
        title: "Write report".to_owned(),
        description: Some("First draft\nthen the figures".to_owned()),
        completed: false,
        priority: Some(Priority::High),
        due_date: "2026-12-04".parse().ok(),
        due_at: None,
        tags: vec!["reports".into(), "work".into()],
        completed_at: None,
        list_id: taskcore::ListId(1),
        parent_id: None,
        repeat: None,
        repeat_from: taskcore::repeat::RepeatFrom::Due,
        reminders: Vec::new(),
        owner_id: taskcore::UserId(1),
        created_at: now,
        updated_at: now,
        version: 3,
    }
}

fn lists() -> Vec<TaskList> {
    serde_json::from_value(serde_json::json!([
        {"id": 1, "name": "Tasks", "color": null, "position": 1, "is_default": true,
         "open": 1, "total": 1, "created_at": "2026-01-01T00:00:00Z",
         "updated_at": "2026-01-01T00:00:00Z", "version": 1},
        {"id": 2, "name": "Work", "color": null, "position": 2, "is_default": false,
         "open": 0, "total": 0, "created_at": "2026-01-01T00:00:00Z",
         "updated_at": "2026-01-01T00:00:00Z", "version": 1}
    ]))
    .expect("lists")
}

#[test]
fn a_form_left_as_it_was_changes_nothing_and_each_change_is_its_own_field() {
    let paris = Zone::parse("Europe/Paris").expect("zone");
    let now = Utc::now();
    let form = write_form(&task(), paris, &lists());
    assert!(
        read_form(&form, &task(), paris, now, &lists())
            .expect("read")
            .is_empty(),
        "{form}"
    );

    let edited = form
        .replace("title: Write report", "title: Write the report")
        .replace("priority: high", "priority: l")
        .replace("tags: reports work", "tags: work Home")
        .replace("due: 2026-12-04", "due: 2026-12-05 17:00")
        .replace("list: Tasks", "list: work");
    let patch = read_form(&edited, &task(), paris, now, &lists()).expect("read");
    assert_eq!(patch.title.as_deref(), Some("Write the report"));
    assert_eq!(patch.priority, Some(Some("low".to_owned())));
    assert_eq!(patch.add_tags, Some(vec!["home".to_owned()]));
    assert_eq!(patch.remove_tags, Some(vec!["reports".to_owned()]));
    assert_eq!(patch.due_date, Some(None));
    assert_eq!(
        patch.due_at,
        Some(Some("2026-12-05T16:00:00+00:00".to_owned()))
    );
    assert_eq!(patch.description, None, "the description is as it was");
    assert_eq!(patch.list_id, Some(2));

    let described = form.replace("then the figures", "then the figures\n# not a comment here");
    let patch = read_form(&described, &task(), paris, now, &lists()).expect("read");
    assert_eq!(
        patch.description,
        Some(Some(
            "First draft\nthen the figures\n# not a comment here".to_owned()
        ))
    );
}

#[test]
fn repeat_its_start_and_reminders_are_fields_of_the_form_too() {
    let paris = Zone::parse("Europe/Paris").expect("zone");
    let now = Utc::now();
    let mut weekly = task();
    weekly.repeat =
        Some(taskcore::repeat::RepeatRule::parse("FREQ=WEEKLY;BYDAY=MO").expect("rule"));
    weekly.reminders = normalise_reminders(vec![
        Reminder::Before(taskcore::model::Lead::from_seconds(900).expect("lead")),
        Reminder::At("2026-12-24T08:00:00Z".parse().expect("instant")),
    ]);
    let mut odd = weekly.clone();
    odd.reminders = vec![Reminder::Before(
        taskcore::model::Lead::from_seconds(12 * 86_400 + 3_600 + 1).expect("lead"),
    )];
    let odd_form = write_form(&odd, paris, &lists());
    assert!(odd_form.contains("\nremind: 1w5d1h1s\n"), "{odd_form}");
    // Written another way, the same lead: read, and nothing changes.
    let written_again = odd_form.replace("remind: 1w5d1h1s", "remind: 12d1h1s");
    assert!(
        read_form(&written_again, &odd, paris, now, &lists())
            .expect("read")
            .is_empty(),
        "a lead in several units reads back as it was"
    );
    let form = write_form(&weekly, paris, &lists());
    assert!(form.contains("\nrepeat: FREQ=WEEKLY;BYDAY=MO\n"), "{form}");
    assert!(form.contains("\nrepeat from: due\n"), "{form}");
    assert!(form.contains("\nremind: 15m, 2026-12-24 09:00\n"), "{form}");
    let read = |form: &str| read_form(form, &weekly, paris, now, &lists());
    assert!(read(&form).expect("read").is_empty(), "left as it was");
    // The same rule and reminders written another way change nothing.
    let same = form
        .replace("repeat: FREQ=WEEKLY;BYDAY=MO", "repeat: mon")
        .replace(
            "remind: 15m, 2026-12-24 09:00",
            "remind: 2026-12-24 09:00, 15m, 15m",
        );
    assert!(read(&same).expect("read").is_empty(), "{same}");

    let changed = form
        .replace("repeat: FREQ=WEEKLY;BYDAY=MO", "repeat: 2 weeks")
        .replace("repeat from: due", "repeat from: done")
        .replace("remind: 15m, 2026-12-24 09:00", "remind: 1h");
    let patch = read(&changed).expect("read");
    assert_eq!(
        patch.repeat,
        Some(Some("FREQ=WEEKLY;INTERVAL=2".to_owned()))
    );
    assert_eq!(patch.repeat_from.as_deref(), Some("completion"));
    assert_eq!(
        serde_json::to_value(&patch.reminders).expect("JSON"),
        serde_json::json!([{"before": "PT1H"}])
    );
    let cleared = form
        .replace("repeat: FREQ=WEEKLY;BYDAY=MO", "repeat: none")
        .replace("remind: 15m, 2026-12-24 09:00", "remind:");
    let patch = read(&cleared).expect("read");
    assert_eq!(patch.repeat, Some(None));
    assert_eq!(patch.reminders.map(|reminders| reminders.len()), Some(0));

    for (from, to, said) in [
        (
            "repeat: FREQ=WEEKLY;BYDAY=MO",
            "repeat: sometimes",
            "sometimes",
        ),
        (
            "repeat from: due",
            "repeat from: later",
            "'later' is not where a repeat counts from",
        ),
        ("remind: 15m, 2026-12-24 09:00", "remind: 15m, soon", "soon"),
    ] {
        let error = read(&form.replace(from, to)).expect_err(to);
        assert!(error.contains(said), "{to}: {error}");
        // The form's own line is named, not the flag that reads the same.
        let line = to.split(':').next().expect("a line");
        assert!(error.starts_with(&format!("{line}:")), "{to}: {error}");
        assert!(!error.contains("--"), "{to}: {error}");
    }
}

#[test]
fn a_title_of_several_lines_shows_on_one_and_is_kept_unless_changed() {
    let paris = Zone::parse("Europe/Paris").expect("zone");
    let mut meeting = task();
    meeting.title = "Plan\ndue: none".to_owned();
    let form = write_form(&meeting, paris, &lists());
    assert!(form.contains("title: Plan due: none\n"), "{form}");
    let patch = read_form(&form, &meeting, paris, Utc::now(), &lists()).expect("read");
    assert!(patch.is_empty(), "{patch:?}");
    let crlf = form
        .replace('\n', "\r\n")
        .replace("priority: high", "priority: low");
    let patch = read_form(&crlf, &meeting, paris, Utc::now(), &lists()).expect("read");
    assert_eq!((patch.title, patch.description), (None, None));
    assert_eq!(patch.priority, Some(Some("low".to_owned())));
}

#[test]
fn a_form_that_cannot_be_read_says_which_line() {
    let paris = Zone::parse("Europe/Paris").expect("zone");
    let now = Utc::now();
    let form = write_form(&task(), paris, &lists());
    for (from, to, said) in [
        ("title: Write report", "title:", "needs a title"),
        (
            "priority: high",
            "priority: urgent",
            "'urgent' is not a priority",
        ),
        (
            "due: 2026-12-04",
            "due: someday",
            "'someday' is not a due date",
        ),
        ("tags: reports work", "tags: a!b", "'a!b' is not a tag"),
        (
            "tags: reports work",
            "colour: red",
            "'colour' is not a field",
        ),
    ] {
        let error =
            read_form(&form.replace(from, to), &task(), paris, now, &lists()).expect_err(to);
        assert!(error.contains(said), "{to}: {error}");
    }
}
