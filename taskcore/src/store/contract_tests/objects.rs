//! Tasks as CalDAV objects: written and served back whole, conditional
//! writes, subtasks that come before their parent, refusals, and another
//! user's calendar never found.

use super::*;
use crate::model::{Expect, NewList, PutCondition, Task, TaskPatch};
use crate::types::ListId;
use crate::wire::{Body, ListCreate};
use crate::{CalendarRefusal, Due};

fn default_list(store: &Store, owner: UserId) -> ListId {
    let lists = store.lists(owner).all().expect("lists");
    lists
        .iter()
        .find(|list| list.is_default)
        .expect("a default list")
        .id
}

/// A VTODO object with `lines` between its UID and its end.
fn todo(uid: &str, lines: &[&str]) -> String {
    let mut text = format!(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Example//EN\r\nBEGIN:VTODO\r\nUID:{uid}\r\n"
    );
    for line in lines {
        text.push_str(line);
        text.push_str("\r\n");
    }
    text.push_str("END:VTODO\r\nEND:VCALENDAR\r\n");
    text
}

fn put(store: &Store, owner: UserId, list: ListId, name: &str, text: &str) -> Task {
    store
        .tasks(owner)
        .put_object(list, name, text, &PutCondition::Any)
        .expect("put")
        .task
}

contract! {
    fn an_object_written_is_served_back_whole_with_its_version_as_its_etag(store: &Store) {
        let (alice, bob) = two_users(store);
        let list = default_list(store, alice);
        let tasks = store.tasks(alice);
        let text = todo("walk-1", &["SUMMARY:Walk the dog", "PERCENT-COMPLETE:10", "LOCATION:Park"]);
        let made = tasks.put_object(list, "walk.ics", &text, &PutCondition::Absent).expect("put");
        assert!(made.created);
        assert_eq!((made.task.title.as_str(), made.task.uid.as_str()), ("Walk the dog", "walk-1"));
        let listed = tasks.calendar(list).expect("calendar");
        assert_eq!(listed.len(), 1);
        assert_eq!((listed[0].name.as_str(), listed[0].version), ("walk.ics", 1));
        let served = tasks.object(list, "walk.ics").expect("object");
        assert!(served.ical.contains("LOCATION:Park"), "{}", served.ical);

        // If-None-Match: * finds it there; If-Match names its version.
        let again = tasks.put_object(list, "walk.ics", &text, &PutCondition::Absent);
        assert!(matches!(again, Err(Error::VersionMismatch { current: 1 })), "{again:?}");
        let stale = tasks.put_object(list, "walk.ics", &text, &PutCondition::Match(vec![7]));
        assert!(matches!(stale, Err(Error::VersionMismatch { .. })), "{stale:?}");
        let progressed = todo("walk-1", &["SUMMARY:Walk the dog", "PERCENT-COMPLETE:50", "LOCATION:Park"]);
        let changed = tasks
            .put_object(list, "walk.ics", &progressed, &PutCondition::Match(vec![1]))
            .expect("put");
        assert!(!changed.created);
        assert_eq!(changed.task.version, 2, "a kept property changed: a new ETag");

        // A title edited over REST: the rest stays as the client wrote it.
        tasks.update(made.task.id, &patch(serde_json::json!({"title": "Walk the dogs"}))).expect("update");
        let served = tasks.object(list, "walk.ics").expect("object");
        assert!(served.ical.contains("SUMMARY:Walk the dogs"), "{}", served.ical);
        assert!(served.ical.contains("PERCENT-COMPLETE:50"), "{}", served.ical);
        assert_eq!(served.task.version, 3);

        // Another user: no calendar, no object.
        assert!(matches!(store.tasks(bob).calendar(list), Err(Error::ListNotFound)));
        assert!(matches!(store.tasks(bob).object(list, "walk.ics"), Err(Error::TaskNotFound)));
        let theirs = store.tasks(bob).put_object(list, "walk.ics", &text, &PutCondition::Any);
        assert!(matches!(theirs, Err(Error::ListNotFound)), "{theirs:?}");
    }

    fn a_task_made_elsewhere_is_served_under_its_uid(store: &Store) {
        let (alice, _) = two_users(store);
        let list = default_list(store, alice);
        let made = create_task(store, alice, serde_json::json!({"title": "Pay rent", "due_date": "2030-01-31", "priority": "high"}));
        let name = format!("{}.ics", made.uid);
        let listed = store.tasks(alice).calendar(list).expect("calendar");
        assert_eq!(listed[0].name, name);
        let served = store.tasks(alice).object(list, &name).expect("object");
        for line in ["SUMMARY:Pay rent", "DUE;VALUE=DATE:20300131", "PRIORITY:1", "STATUS:NEEDS-ACTION"] {
            assert!(served.ical.contains(line), "{line} in {}", served.ical);
        }
        assert!(served.ical.contains(&format!("UID:{}", made.uid)), "{}", served.ical);
    }

    fn a_subtask_written_before_its_parent_is_linked_when_the_parent_comes(store: &Store) {
        let (alice, _) = two_users(store);
        let list = default_list(store, alice);
        let child = put(store, alice, list, "child.ics", &todo("child", &["SUMMARY:Pack", "RELATED-TO:trip"]));
        assert_eq!(child.parent_id, None, "no task has the parent's UID yet");
        let served = store.tasks(alice).object(list, "child.ics").expect("object");
        assert!(served.ical.contains("RELATED-TO:trip"), "kept while it waits: {}", served.ical);
        let parent = put(store, alice, list, "trip.ics", &todo("trip", &["SUMMARY:Trip"]));
        let child = store.tasks(alice).get(child.id).expect("child");
        assert_eq!(child.parent_id, Some(parent.id));
        // One that comes after its parent is linked at once.
        let second = put(store, alice, list, "tickets.ics", &todo("tickets", &["SUMMARY:Tickets", "RELATED-TO;RELTYPE=PARENT:trip"]));
        assert_eq!(second.parent_id, Some(parent.id));
    }

    fn completing_a_repeating_task_over_caldav_advances_it_unless_the_client_did(store: &Store) {
        let (alice, _) = two_users(store);
        let list = default_list(store, alice);
        let weekly = ["SUMMARY:Bins", "RRULE:FREQ=WEEKLY", "DUE;VALUE=DATE:20300107"];
        put(store, alice, list, "bins.ics", &todo("bins", &weekly));
        // Done with the old due: the server moves it, as over REST.
        let done = todo("bins", &["SUMMARY:Bins", "RRULE:FREQ=WEEKLY", "DUE;VALUE=DATE:20300107", "STATUS:COMPLETED", "COMPLETED:20300107T100000Z"]);
        let moved = put(store, alice, list, "bins.ics", &done);
        assert!(!moved.completed);
        assert_eq!(Due::of(&moved), Some(Due::Date(chrono::NaiveDate::from_ymd_opt(2030, 1, 14).expect("valid"))));
        // A client that moved the due itself and wrote it open: as written.
        let advanced = todo("bins", &["SUMMARY:Bins", "RRULE:FREQ=WEEKLY", "DUE;VALUE=DATE:20300121", "STATUS:NEEDS-ACTION"]);
        let taken = put(store, alice, list, "bins.ics", &advanced);
        assert!(!taken.completed);
        // A timed task whose DUE the client removed has none.
        put(store, alice, list, "call.ics", &todo("call", &["SUMMARY:Call", "DUE:20300107T090000Z"]));
        let undue = put(store, alice, list, "call.ics", &todo("call", &["SUMMARY:Call"]));
        assert_eq!((undue.due_at, undue.due_date), (None, None));
        assert_eq!(Due::of(&taken), Some(Due::Date(chrono::NaiveDate::from_ymd_opt(2030, 1, 21).expect("valid"))));
    }

    fn an_object_taskd_cannot_hold_is_refused_and_nothing_is_kept(store: &Store) {
        let (alice, _) = two_users(store);
        let list = default_list(store, alice);
        let tasks = store.tasks(alice);
        put(store, alice, list, "one.ics", &todo("one", &["SUMMARY:One"]));
        let refusal = |result: Result<crate::model::PutOutcome>| match result {
            Err(Error::CalendarObject { refusal, message }) => (refusal, message),
            other => panic!("refused: {other:?}"),
        };
        let (kind, message) = refusal(tasks.put_object(list, "other.ics", &todo("one", &["SUMMARY:Same UID"]), &PutCondition::Any));
        assert_eq!(kind, CalendarRefusal::UidConflict, "{message}");
        let long = format!("SUMMARY:{}", "x".repeat(300));
        let (kind, message) = refusal(tasks.put_object(list, "long.ics", &todo("long", &[&long]), &PutCondition::Any));
        assert_eq!(kind, CalendarRefusal::InvalidData);
        assert!(message.starts_with("SUMMARY"), "{message}");
        let event = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:e\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";
        let (kind, _) = refusal(tasks.put_object(list, "event.ics", event, &PutCondition::Any));
        assert_eq!(kind, CalendarRefusal::Component);
        let names: Vec<String> = tasks.calendar(list).expect("calendar").into_iter().map(|entry| entry.name).collect();
        assert_eq!(names, ["one.ics"]);
    }

    fn an_erased_task_frees_its_name(store: &Store) {
        let (alice, _) = two_users(store);
        let list = default_list(store, alice);
        let tasks = store.tasks(alice);
        let first = put(store, alice, list, "same.ics", &todo("first", &["SUMMARY:First"]));
        tasks.delete(first.id).expect("trash");
        assert!(matches!(tasks.object(list, "same.ics"), Err(Error::TaskNotFound)));
        tasks.erase(first.id).expect("erase");
        let second = tasks
            .put_object(list, "same.ics", &todo("second", &["SUMMARY:Second"]), &PutCondition::Absent)
            .expect("the name is free");
        assert!(second.created);
        assert_eq!(tasks.object(list, "same.ics").expect("object").task.uid, "second");
    }

    fn an_object_served_again_is_written_from_the_task_as_it_is_now(store: &Store) {
        // Served objects are remembered: each serving must still be what
        // writing the object afresh gives.
        let (alice, _) = two_users(store);
        let list = default_list(store, alice);
        let tasks = store.tasks(alice);
        let text = todo("tea", &["SUMMARY:Tea", "DUE:20261224T090000", "PERCENT-COMPLETE:40"]);
        let made = put(store, alice, list, "tea.ics", &text);
        let fresh = |task: &Task, zone: &str| {
            crate::ical::write(task, None, Some(&text), crate::Zone::parse(zone).expect("zone").tz())
        };
        let first = tasks.object(list, "tea.ics").expect("object");
        assert_eq!(first.ical, fresh(&made, "UTC"));
        // Asked for again, and twice at once (a multiget may repeat an href).
        let twice = tasks.objects(list, &["tea.ics".to_owned(), "tea.ics".to_owned()]).expect("objects");
        let texts: Vec<Option<&str>> = twice.iter().map(|found| found.as_ref().map(|object| object.ical.as_str())).collect();
        assert_eq!(texts, [Some(first.ical.as_str()), Some(first.ical.as_str())]);

        // A change over the API.
        let renamed = tasks
            .update(made.id, &TaskPatch::builder().title("Green tea").build().expect("patch"))
            .expect("update");
        let served = tasks.object(list, "tea.ics").expect("renamed");
        assert!(served.ical.contains("SUMMARY:Green tea"), "{}", served.ical);
        assert!(served.ical.contains("PERCENT-COMPLETE:40"), "{}", served.ical);
        assert_eq!(served.ical, fresh(&renamed, "UTC"));

        // The owner's zone: the floating DUE no longer says the task's due.
        tasks.set_zone(crate::Zone::parse("Asia/Tokyo").expect("zone")).expect("zone");
        let moved = tasks.object(list, "tea.ics").expect("in Tokyo");
        assert_eq!(moved.ical, fresh(&renamed, "Asia/Tokyo"));
        assert_ne!(moved.ical, served.ical);

        // Erased, and the same name and UID written again: another task.
        tasks.delete(made.id).expect("trash");
        tasks.erase(made.id).expect("erase");
        let other = todo("tea", &["SUMMARY:Black tea"]);
        put(store, alice, list, "tea.ics", &other);
        let again = tasks.object(list, "tea.ics").expect("written again");
        assert!(again.ical.contains("SUMMARY:Black tea"), "{}", again.ical);
    }
}

contract! {
    fn a_calendar_a_client_made_is_at_the_segment_it_chose_and_gone_with_its_list(store: &Store) {
        let (alice, bob) = two_users(store);
        let lists = store.lists(alice);
        let default = default_list(store, alice);
        // A list no client named is at its id.
        assert_eq!(lists.at_calendar(&default.0.to_string()).expect("at"), Some(default));
        let work = ListCreate::from_json(&serde_json::json!({"name": "Work", "color": "#00aa00"}))
            .expect("work");
        let made = lists.create_calendar("5f1c-work", &work).expect("made");
        assert_eq!((made.name.as_str(), made.color.as_deref()), ("Work", Some("#00AA00")));
        assert_eq!(lists.at_calendar("5f1c-work").expect("at"), Some(made.id));
        assert_eq!(lists.at_calendar(&made.id.0.to_string()).expect("at"), None, "one place only");
        let calendars = lists.calendars().expect("calendars");
        let segments: Vec<&str> = calendars.iter().map(|(_, segment)| segment.as_str()).collect();
        assert_eq!(segments, [default.0.to_string().as_str(), "5f1c-work"]);

        // Refused: a segment taken, a name taken, a number; nothing made.
        let taken = lists.create_calendar("5f1c-work", &NewList::new("Other").expect("name"));
        assert!(matches!(taken, Err(Error::Conflict(_))), "{taken:?}");
        let named = lists.create_calendar("other", &NewList::new("work").expect("name"));
        assert!(matches!(named, Err(Error::Conflict(_))), "{named:?}");
        let number = lists.create_calendar("77", &NewList::new("Numbers").expect("name"));
        assert!(matches!(number, Err(Error::Validation(_))), "{number:?}");
        assert_eq!(lists.all().expect("lists").len(), 2);

        // Another user's segment is not found, and theirs are their own.
        assert_eq!(store.lists(bob).at_calendar("5f1c-work").expect("at"), None);
        store.lists(bob).create_calendar("5f1c-work", &NewList::new("Work").expect("name")).expect("bob's own");

        // Deleting the list frees its segment.
        lists.delete_expecting(made.id, &Expect::Any, true).expect("deleted");
        assert_eq!(lists.at_calendar("5f1c-work").expect("at"), None);
        lists.create_calendar("5f1c-work", &NewList::new("Work").expect("name")).expect("made again");
    }
}
