//! Every listing cursor the store hands out is one it reads back, whatever
//! values an import managed to store: a property test over generated
//! imports, on each backend.

use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use serde_json::{Value, json};

use super::*;

/// Every order a listing can take.
const SORTS: [&str; 12] = [
    "id",
    "-id",
    "title",
    "-title",
    "priority",
    "-priority",
    "due",
    "-due",
    "created_at",
    "-created_at",
    "-updated_at",
    "-priority,due,title",
];

/// An instant as RFC 3339 text, often at the edges of the years a backend
/// stores (0000, 0001, 9999 are outside what an import takes, which must
/// refuse them), otherwise anywhere in years 0 to 9999.
fn instant() -> impl Strategy<Value = String> {
    let year = prop_oneof![
        prop::sample::select(vec![0, 1, 2, 9998, 9999]),
        1970..2100,
        0..10_000,
    ];
    (
        year,
        1_u32..=12,
        1_u32..=28,
        0_u32..86_400,
        0_u32..1_000_000,
    )
        .prop_map(|(year, month, day, second, micros)| {
            chrono::NaiveDate::from_ymd_opt(year, month, day)
                .and_then(|date| {
                    date.and_hms_micro_opt(second / 3600, second / 60 % 60, second % 60, micros)
                })
                .map(|time| {
                    time.and_utc()
                        .to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true)
                })
                .unwrap_or_default()
        })
}

/// A title of any characters, NUL and controls included.
fn title() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::collection::vec(any::<char>(), 1..6).prop_map(|chars| chars.into_iter().collect()),
        prop::collection::vec(
            prop::sample::select(vec!['a', 'B', 'é', ' ', '\u{0}', 'İ', '😀']),
            1..6
        )
        .prop_map(|chars| chars.into_iter().collect()),
    ]
}

/// One entry of a taskd export, some fields left out.
fn entry() -> impl Strategy<Value = Value> {
    (
        title(),
        prop::option::of(prop::sample::select(vec!["low", "medium", "high"])),
        prop::option::of(instant()),
        prop::option::of(instant()),
        prop::option::of(instant()),
        any::<bool>(),
    )
        .prop_map(
            |(title, priority, created_at, completed_at, due, due_is_a_date)| {
                let mut entry =
                    json!({"title": title, "priority": priority, "created_at": created_at});
                if let Some(completed_at) = completed_at {
                    entry["completed"] = json!(true);
                    entry["completed_at"] = json!(completed_at);
                }
                match (due, due_is_a_date) {
                    (Some(due), true) => entry["due_date"] = json!(due.get(..10)),
                    (Some(due), false) => entry["due_at"] = json!(due),
                    (None, _) => {}
                }
                entry
            },
        )
}

contract! {
    fn every_listing_cursor_handed_out_reads_back(store: &Store) {
        let hasher = hasher();
        let mut runner = TestRunner::new(Config { cases: 24, failure_persistence: None, ..Config::default() });
        let users = std::cell::Cell::new(0);
        let result = runner.run(&prop::collection::vec(entry(), 1..7), |entries| {
            users.set(users.get() + 1);
            let email = format!("cursors-{}@example.com", users.get());
            let owner = store
                .register_user(&NewUser::new(&email, "password-c").expect("valid"), &hasher)
                .expect("register")
                .id;
            let tasks: Vec<Value> = entries
                .into_iter()
                .enumerate()
                .map(|(id, mut entry)| {
                    entry["id"] = json!(id);
                    entry
                })
                .collect();
            let document = json!({"format": "taskd-export", "version": 1, "tasks": tasks});
            let items = crate::import::read(&document).expect("an export").items;
            store.tasks(owner).import_page(&items, false).expect("import");
            let stored = store.tasks(owner).list(&query("limit=100")).expect("list").total;
            for sort in SORTS {
                let mut seen = std::collections::BTreeSet::new();
                let mut next: Option<String> = None;
                loop {
                    let text = match &next {
                        Some(cursor) => format!("sort={sort}&limit=1&cursor={cursor}"),
                        None => format!("sort={sort}&limit=1"),
                    };
                    let pairs: Vec<(String, String)> = text
                        .split('&')
                        .map(|pair| pair.split_once('=').expect("a pair"))
                        .map(|(key, value)| (key.to_owned(), value.to_owned()))
                        .collect();
                    let listing = TaskQuery::from_pairs(&pairs);
                    prop_assert!(listing.is_ok(), "sort={sort}: {next:?} was refused: {listing:?}");
                    let page = store.tasks(owner).list(&listing.expect("checked")).expect("list");
                    for task in &page.tasks {
                        prop_assert!(seen.insert(task.id), "sort={sort}: {:?} twice", task.id);
                    }
                    next = page.next;
                    if next.is_none() {
                        break;
                    }
                }
                prop_assert_eq!(seen.len() as u64, stored, "sort={}", sort);
            }
            Ok(())
        });
        if let Err(failure) = result {
            panic!("{failure}");
        }
    }
}
