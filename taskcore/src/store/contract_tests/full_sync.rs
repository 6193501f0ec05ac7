//! A full sync of the change feed (no `since`) pages to its end even after
//! deletions have been forgotten, and hands over to incremental syncs
//! without losing a change.

use super::*;

type Replica = std::collections::BTreeMap<i64, crate::model::Task>;

/// A month after `deletions`: the trash emptied and every deletion
/// forgotten, as housekeeping does with the default retention.
fn forget_deletions(store: &Store) {
    let later = chrono::Utc::now() + chrono::Duration::days(31);
    let month = Duration::from_secs(30 * 24 * 3600);
    store
        .purge_deleted_as_of(later, month, month)
        .expect("purge");
}

/// Four tasks of `owner`, then the last one deleted and forgotten: the
/// feed's `forgotten` mark is past the change numbers of the three live ones.
fn three_live_tasks_after_a_forgotten_deletion(store: &Store, owner: UserId) -> ChangeCursor {
    let tasks = store.tasks(owner);
    let made: Vec<_> = (1..=4)
        .map(|n| create_task(store, owner, serde_json::json!({"title": format!("t{n}")})))
        .collect();
    let old = ChangeCursor::decode(&tasks.changes(None, 10).expect("sync").cursor).expect("cursor");
    tasks.delete(made[3].id).expect("delete");
    forget_deletions(store);
    old
}

/// The replica loop the README gives: follow the feed from `cursor`; on
/// 410 start over without `since` from an empty copy. Returns the last
/// cursor and how many times it started over.
fn replicate(
    store: &Store,
    owner: UserId,
    mut cursor: Option<ChangeCursor>,
    limit: u32,
    replica: &mut Replica,
    between_pages: &mut dyn FnMut(usize),
) -> (ChangeCursor, usize) {
    let mut restarts = 0;
    let mut pages = 0;
    loop {
        match store.tasks(owner).changes(cursor.as_ref(), limit) {
            Ok(page) => {
                if cursor.is_none() {
                    replica.clear();
                }
                apply(replica, &page);
                let next = ChangeCursor::decode(&page.cursor).expect("a cursor");
                if !page.has_more {
                    return (next, restarts);
                }
                cursor = Some(next);
                pages += 1;
                between_pages(pages);
            }
            Err(Error::CursorExpired) => {
                restarts += 1;
                assert!(restarts < 3, "the loop keeps starting over");
                cursor = None;
            }
            Err(other) => panic!("changes: {other:?}"),
        }
    }
}

contract! {
    fn a_full_sync_after_forgotten_deletions_pages_to_its_end(store: &Store) {
        let (alice, _) = two_users(store);
        let old = three_live_tasks_after_a_forgotten_deletion(store, alice);
        // The control: an incremental cursor from before the forgotten
        // deletion has missed it.
        assert!(matches!(store.tasks(alice).changes(Some(&old), 10), Err(Error::CursorExpired)));

        // One task a page: page two continues below the forgotten mark.
        let mut replica = Replica::new();
        let cursor = sync(store, alice, None, 1, &mut replica);
        assert_eq!(replica, every_task(store, alice));
        assert_eq!(replica.len(), 3);
        // The last page's cursor is an incremental one that sees what
        // comes next.
        let task = create_task(store, alice, serde_json::json!({"title": "after"}));
        let page = store.tasks(alice).changes(Some(&cursor), 10).expect("after the full sync");
        assert!(matches!(&page.changes[..], [crate::model::Change::Upsert { task: seen }] if seen.id == task.id), "{page:?}");
        // The old incremental cursor is still refused.
        assert!(matches!(store.tasks(alice).changes(Some(&old), 10), Err(Error::CursorExpired)));
    }

    fn a_full_sync_sees_every_write_made_between_and_after_its_pages(store: &Store) {
        let (alice, _) = two_users(store);
        three_live_tasks_after_a_forgotten_deletion(store, alice);
        let extra: Vec<_> = (0..4)
            .map(|n| create_task(store, alice, serde_json::json!({"title": format!("more {n}")})))
            .collect();
        let tasks = store.tasks(alice);
        let first = every_task(store, alice).into_values().next().expect("a task");
        let mut replica = Replica::new();
        let mut writes = |page: usize| match page {
            // The first page's task changes, a new one comes, one is deleted.
            1 => {
                tasks.update(first.id, &completed(true)).expect("update");
                create_task(store, alice, serde_json::json!({"title": "during"}));
                tasks.delete(extra[0].id).expect("delete");
            }
            2 => {
                tasks.delete(first.id).expect("delete");
                tasks.erase(first.id).expect("erase");
                tasks.delete(extra[1].id).expect("delete");
                tasks.restore(extra[1].id).expect("restore");
            }
            3 => {
                tasks.update(extra[3].id, &patch(serde_json::json!({"title": "renamed"}))).expect("update");
            }
            _ => {}
        };
        let (cursor, restarts) = replicate(store, alice, None, 2, &mut replica, &mut writes);
        assert_eq!(restarts, 0);
        assert_eq!(replica, every_task(store, alice));

        // After the full sync: the next incremental sync sees everything.
        tasks.update(extra[2].id, &completed(true)).expect("update");
        tasks.delete(extra[3].id).expect("delete");
        create_task(store, alice, serde_json::json!({"title": "later"}));
        let (_, restarts) = replicate(store, alice, Some(cursor), 2, &mut replica, &mut |_| {});
        assert_eq!(restarts, 0);
        assert_eq!(replica, every_task(store, alice));
    }

    fn the_replica_loop_ends_whatever_the_feed_has_forgotten(store: &Store) {
        let (alice, _) = two_users(store);
        let old = three_live_tasks_after_a_forgotten_deletion(store, alice);
        // From an expired cursor: one start over, then to the end.
        let mut replica = Replica::new();
        let (cursor, restarts) = replicate(store, alice, Some(old), 1, &mut replica, &mut |_| {});
        assert_eq!(restarts, 1);
        assert_eq!(replica, every_task(store, alice));

        // A deletion made during a full sync and forgotten before its next
        // page: that page is refused (the replica would keep the task), and
        // the second full sync ends.
        let tasks = store.tasks(alice);
        let doomed = every_task(store, alice).into_values().next().expect("a task");
        let mut replica = Replica::new();
        let mut forget_once = |page: usize| {
            if page == 1 {
                tasks.delete(doomed.id).expect("delete");
                forget_deletions(store);
            }
        };
        let (_, restarts) = replicate(store, alice, None, 1, &mut replica, &mut forget_once);
        assert_eq!(restarts, 1);
        assert_eq!(replica, every_task(store, alice));
        assert!(!replica.contains_key(&doomed.id.0));

        // And from the cursor of that sync, nothing is missing later.
        let (_, restarts) = replicate(store, alice, Some(cursor), 1, &mut replica, &mut |_| {});
        assert_eq!(restarts, 1, "the cursor from before the forgotten deletion expired");
        assert_eq!(replica, every_task(store, alice));
    }
}
