//! Completions of one repeating task sent at once each record one
//! occurrence, and leave no row the task's chain does not hold. On
//! PostgreSQL the writers run at once: a completion that lost the race
//! records its occurrence again after reading the task again, and takes
//! back the row it had added. Taking occurrences back at once takes each
//! back once, and one recorded without where its series stood is taken
//! back from where the series stands.

use super::*;

/// How many rows `table` holds.
fn rows_in(database: &TestDatabase, table: &str) -> i64 {
    let sql = format!("SELECT COUNT(*) FROM {table}");
    match (&database.postgres, &database._directory) {
        (Some((admin, name)), _) => {
            let mut config = admin.clone();
            config.dbname(name);
            let mut client = config.connect(::postgres::NoTls).expect("connect");
            client.query_one(&sql, &[]).expect("count").get(0)
        }
        (None, Some(directory)) => rusqlite::Connection::open(directory.path().join("tasks.db"))
            .expect("open")
            .query_row(&sql, [], |row| row.get(0))
            .expect("count"),
        (None, None) => panic!("a test database is a SQLite file or a PostgreSQL database"),
    }
}

/// Runs one statement on the test database, beside the store.
fn execute(database: &TestDatabase, sql: &str) {
    match (&database.postgres, &database._directory) {
        (Some((admin, name)), _) => {
            let mut config = admin.clone();
            config.dbname(name);
            let mut client = config.connect(::postgres::NoTls).expect("connect");
            client.execute(sql, &[]).expect("execute");
        }
        (None, Some(directory)) => {
            rusqlite::Connection::open(directory.path().join("tasks.db"))
                .expect("open")
                .execute(sql, [])
                .expect("execute");
        }
        (None, None) => panic!("a test database is a SQLite file or a PostgreSQL database"),
    }
}

fn completions_sent_at_once_each_record_one_occurrence_and_no_stray_row(database: &TestDatabase) {
    let store = &database.store;
    let (alice, _bob) = two_users(store);
    let daily = create_task(
        store,
        alice,
        serde_json::json!({"title": "Stretch", "due_date": "2030-01-01", "repeat": "FREQ=DAILY"}),
    );
    let senders: Vec<_> = (0..8)
        .map(|_| {
            let store = store.clone();
            std::thread::spawn(move || {
                store
                    .tasks(alice)
                    .update(daily.id, &patch(serde_json::json!({"completed": true})))
            })
        })
        .collect();
    let done = senders
        .into_iter()
        .map(|sender| sender.join().expect("no panic"))
        .filter(|answer| match answer {
            Ok(_) => true,
            // Kept changing through every attempt: refused whole.
            Err(Error::Conflict(_)) => false,
            Err(other) => panic!("{other:?}"),
        })
        .count();
    assert!(done >= 1);
    let page = store
        .tasks(alice)
        .completions(daily.id, Page::default())
        .expect("completions");
    let mut dues: Vec<crate::model::Due> = page
        .completions
        .iter()
        .map(|completion| completion.due)
        .collect();
    dues.sort_by_key(|due| due.date());
    let expected: Vec<crate::model::Due> = (1..=done)
        .map(|day| {
            let day = u32::try_from(day).expect("a day of January");
            crate::model::Due::Date(chrono::NaiveDate::from_ymd_opt(2030, 1, day).expect("a day"))
        })
        .collect();
    assert_eq!(dues, expected, "one occurrence each, none twice");
    assert_eq!(page.total, done as u64);
    assert_eq!(
        rows_in(database, "task_completions"),
        done as i64,
        "every recorded row is one of the task's occurrences"
    );
}

fn occurrences_taken_back_at_once_are_each_taken_back_once(database: &TestDatabase) {
    let store = &database.store;
    let (alice, _bob) = two_users(store);
    let daily = create_task(
        store,
        alice,
        serde_json::json!({"title": "Stretch", "due_date": "2030-01-01", "repeat": "FREQ=DAILY"}),
    );
    let done = patch(serde_json::json!({"completed": true}));
    for _ in 0..3 {
        store.tasks(alice).update(daily.id, &done).expect("done");
    }
    let takers: Vec<_> = (0..8)
        .map(|_| {
            let store = store.clone();
            std::thread::spawn(move || store.tasks(alice).uncomplete(daily.id, &Expect::Any))
        })
        .collect();
    let mut taken = 0;
    for taker in takers {
        match taker.join().expect("no panic") {
            Ok(_) => taken += 1,
            // None left, or kept changing through every attempt.
            Err(Error::Conflict(_)) => {}
            Err(other) => panic!("{other:?}"),
        }
    }
    let task = store.tasks(alice).get(daily.id).expect("task");
    let page = store
        .tasks(alice)
        .completions(daily.id, Page::default())
        .expect("completions");
    assert_eq!(
        (
            task.due_date,
            page.total,
            rows_in(database, "task_completions")
        ),
        (
            chrono::NaiveDate::from_ymd_opt(2030, 1, 1 + 3 - taken),
            u64::from(3 - taken),
            i64::from(3 - taken)
        ),
        "each occurrence taken back once ({taken} taken)"
    );
    assert!(taken >= 1);
    // The series still counts from where it was: done again, the next day.
    let moved = store.tasks(alice).update(daily.id, &done).expect("done");
    assert_eq!(
        moved.due_date,
        chrono::NaiveDate::from_ymd_opt(2030, 1, 2 + 3 - taken)
    );
}

fn occurrences_recorded_without_their_series_are_taken_back_from_where_it_stands(
    database: &TestDatabase,
) {
    let store = &database.store;
    let (alice, _bob) = two_users(store);
    let done = patch(serde_json::json!({"completed": true}));
    let day = |day| chrono::NaiveDate::from_ymd_opt(2030, 1, day);
    // Moved on three times: the series starts at its latest due.
    let daily = create_task(
        store,
        alice,
        serde_json::json!({"title": "Stretch", "due_date": "2030-01-01", "repeat": "FREQ=DAILY"}),
    );
    for _ in 0..3 {
        store.tasks(alice).update(daily.id, &done).expect("done");
    }
    // Counted from the completion, twice: the second ends it.
    let twice = create_task(
        store,
        alice,
        serde_json::json!({"title": "Water", "due_date": "2030-01-01",
            "repeat": "FREQ=DAILY;COUNT=2", "repeat_from": "completion"}),
    );
    store.tasks(alice).update(twice.id, &done).expect("done");
    let ended = store.tasks(alice).update(twice.id, &done).expect("done");
    assert!(ended.completed);
    // As an occurrence recorded before the log kept the series, or imported.
    execute(
        database,
        "UPDATE task_completions SET anchor_date = NULL, anchor_at = NULL, repeat_done = NULL",
    );

    let tasks = store.tasks(alice);
    assert_eq!(
        tasks
            .uncomplete(daily.id, &Expect::Any)
            .expect("back")
            .due_date,
        day(3)
    );
    assert_eq!(
        tasks
            .uncomplete(daily.id, &Expect::Any)
            .expect("back")
            .due_date,
        day(2)
    );
    assert_eq!(
        tasks.update(daily.id, &done).expect("done").due_date,
        day(3),
        "the series from the 1st, not from the 4th it had moved to"
    );
    let reopened = tasks.uncomplete(twice.id, &Expect::Any).expect("back");
    assert!(!reopened.completed);
    assert!(
        tasks.update(twice.id, &done).expect("done").completed,
        "its second occurrence again: the count did not go back"
    );
}

#[test]
fn sqlite() {
    completions_sent_at_once_each_record_one_occurrence_and_no_stray_row(&super::sqlite());
    occurrences_taken_back_at_once_are_each_taken_back_once(&super::sqlite());
    occurrences_recorded_without_their_series_are_taken_back_from_where_it_stands(&super::sqlite());
}

#[test]
fn postgres() {
    if let Some(database) = super::postgres() {
        completions_sent_at_once_each_record_one_occurrence_and_no_stray_row(&database);
    }
    if let Some(database) = super::postgres() {
        occurrences_taken_back_at_once_are_each_taken_back_once(&database);
    }
    if let Some(database) = super::postgres() {
        occurrences_recorded_without_their_series_are_taken_back_from_where_it_stands(&database);
    }
}
