//! Completions of one repeating task sent at once each record one
//! occurrence, and leave no row the task's chain does not hold. On
//! PostgreSQL the writers run at once: a completion that lost the race
//! records its occurrence again after reading the task again, and takes
//! back the row it had added.

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

#[test]
fn sqlite() {
    completions_sent_at_once_each_record_one_occurrence_and_no_stray_row(&super::sqlite());
}

#[test]
fn postgres() {
    if let Some(database) = super::postgres() {
        completions_sent_at_once_each_record_one_occurrence_and_no_stray_row(&database);
    }
}
