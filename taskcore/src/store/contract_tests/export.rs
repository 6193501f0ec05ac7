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
            let Some((last, _)) = page.last() else { break };
            after = last.id;
            seen.extend(page.into_iter().map(|(task, deleted_at)| (task.id, deleted_at.is_some())));
        }
        let expected: Vec<_> = made
            .iter()
            .enumerate()
            .map(|(n, task)| (task.id, [1, 2, 5].contains(&n)))
            .collect();
        assert_eq!(seen, expected);
    }
}
