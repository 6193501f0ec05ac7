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
