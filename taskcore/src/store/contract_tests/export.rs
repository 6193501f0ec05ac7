//! An export reads every task of its owner, live and trashed, page by page.

use super::*;

contract! {
    fn an_export_pages_live_and_trashed_tasks_by_id_each_once(store: &Store) {
        let (alice, bob) = two_users(store);
        let tasks = store.tasks(alice);
        let made: Vec<_> = (0..7)
            .map(|n| create_task(store, alice, serde_json::json!({"title": format!("t{n}")})))
            .collect();
        create_task(store, bob, serde_json::json!({"title": "bob's"}));
        for trashed in [1, 2, 5] {
            tasks.delete(made[trashed].id).expect("delete");
        }
        let mut seen = Vec::new();
        let mut after = TaskId(0);
        loop {
            let page = tasks.export_page(after, 2).expect("a page");
            assert!(page.len() <= 2);
            let Some(last) = page.last() else { break };
            after = last.task.id;
            seen.extend(page.into_iter().map(|exported| (exported.task.id, exported.deleted_at.is_some())));
        }
        let expected: Vec<_> = made
            .iter()
            .enumerate()
            .map(|(n, task)| (task.id, [1, 2, 5].contains(&n)))
            .collect();
        assert_eq!(seen, expected);
    }
}

contract! {
    fn a_library_export_imports_back_and_reports_as_taskd_does(store: &Store) {
        let (alice, bob) = two_users(store);
        let tasks = store.tasks(alice);
        let made: Vec<_> = (0..3)
            .map(|n| create_task(store, alice, serde_json::json!({"title": format!("t{n}"), "tags": ["x"]})))
            .collect();
        tasks.delete(made[1].id).expect("delete");
        let mut document = Vec::new();
        assert_eq!(tasks.export(&mut document).expect("export"), 3);
        let parsed: serde_json::Value = serde_json::from_slice(&document).expect("one JSON document");
        assert_eq!(parsed["format"], "taskd-export");
        assert_eq!(parsed["tasks"].as_array().map(Vec::len), Some(3));
        assert!(parsed["tasks"][1]["deleted_at"].is_string());

        // Into another account: a dry run writes nothing, then the import
        // makes all three (one in the trash), and a second one skips them.
        let theirs = store.tasks(bob);
        let dry = theirs.import(&document, true).expect("dry run");
        assert_eq!((dry.created, dry.skipped), (3, 0));
        assert_eq!(theirs.list(&TaskQuery::default()).expect("list").total, 0);
        let report = theirs.import(&document, false).expect("import");
        assert_eq!((report.created, report.skipped, report.errors.len()), (3, 0, 0));
        assert_eq!(theirs.list(&TaskQuery::default()).expect("list").total, 2);
        assert_eq!(theirs.trash(Page::default()).expect("trash").total, 1);
        let again = theirs.import(&document, false).expect("import again");
        assert_eq!((again.created, again.skipped), (0, 3));

        // Not JSON: refused as a whole, nothing written.
        let refused = theirs.import(b"{\"format\":", false).expect_err("cut short");
        assert_eq!(refused.field_errors()[0].kind, "json_invalid");
    }
}

contract! {
    fn an_export_page_of_long_histories_ends_early_and_the_next_goes_on_after_it(store: &Store) {
        let (alice, _) = two_users(store);
        let tasks = store.tasks(alice);
        // Eleven repeating tasks, each with as long a history as an export
        // keeps, brought in by an import.
        let history: Vec<serde_json::Value> = (0..crate::import::EXPORTED_COMPLETIONS)
            .map(|_| serde_json::json!({"due": "2030-01-01", "completed_at": "2030-01-01T08:00:00Z"}))
            .collect();
        let entries: Vec<serde_json::Value> = (1..=11)
            .map(|n| serde_json::json!({
                "id": n, "title": format!("daily {n}"), "due_date": "2030-01-02",
                "repeat": "FREQ=DAILY", "completions": history,
            }))
            .collect();
        let document = serde_json::json!({"format": "taskd-export", "version": 1, "tasks": entries});
        let report = tasks.import(document.to_string().as_bytes(), false).expect("import");
        assert_eq!((report.created, report.errors.len()), (11, 0));

        let first = tasks.export_page(TaskId(0), 100).expect("a page");
        assert_eq!(first.len(), 10, "ten histories fill a page");
        assert!(first.iter().all(|exported| exported.completions.len() == history.len()));
        let last = first.last().expect("a task").task.id;
        let second = tasks.export_page(last, 100).expect("the next page");
        assert_eq!(second.len(), 1);
        assert_eq!(second[0].task.title, "daily 11");
        assert_eq!(second[0].completions.len(), history.len());
    }
}
