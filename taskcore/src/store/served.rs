//! Objects as CalDAV serves them, remembered: writing one parses what its
//! client wrote and writes it again, which is most of a calendar read's
//! cost, and phones read the same objects over and over.
//!
//! An object is remembered under everything it is written from: the
//! task's id, version and last change (a task's version moves with every
//! change to it or to what CalDAV keeps of it), its UID, its parent's UID
//! and the owner's time zone. A change makes a new key; the old entry is
//! never read again and ages out.

use std::sync::{Arc, OnceLock};

use chrono::{DateTime, Utc};
use quick_cache::Weighter;
use quick_cache::sync::Cache;

use crate::model::Task;
use crate::planning::Zone;
use crate::types::{TaskId, UserId};

/// Most bytes the remembered objects take (their text and keys).
pub const SERVED_OBJECTS_BYTES: u64 = 8 * 1024 * 1024;

/// The served objects of every owner, within [`SERVED_OBJECTS_BYTES`].
pub(crate) struct ServedObjects {
    /// Made at the first object served (a store that serves none, such
    /// as the SQLite writer's, holds nothing).
    cache: OnceLock<Cache<ServedKey, Arc<str>, ByBytes>>,
}

impl std::fmt::Debug for ServedObjects {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let cache = self.cache.get();
        formatter
            .debug_struct("ServedObjects")
            .field("objects", &cache.map_or(0, Cache::len))
            .field("bytes", &cache.map_or(0, Cache::weight))
            .finish()
    }
}

/// What a served object is written from.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct ServedKey {
    owner: UserId,
    task: TaskId,
    version: i64,
    updated_at: DateTime<Utc>,
    uid: String,
    parent_uid: Option<String>,
    zone: chrono_tz::Tz,
}

impl ServedKey {
    pub(crate) fn new(task: &Task, parent_uid: Option<&str>, zone: Zone) -> Self {
        Self {
            owner: task.owner_id,
            task: task.id,
            version: task.version,
            updated_at: task.updated_at,
            uid: task.uid.clone(),
            parent_uid: parent_uid.map(str::to_owned),
            zone: zone.tz(),
        }
    }
}

/// An entry's weight: its text, its key's text and what it holds besides.
#[derive(Debug, Clone)]
struct ByBytes;

/// What an entry takes besides its texts: the key's fixed part, the
/// text's pointer and the cache's own bookkeeping, roughly.
const ENTRY_OVERHEAD: u64 = 128;

impl Weighter<ServedKey, Arc<str>> for ByBytes {
    fn weight(&self, key: &ServedKey, text: &Arc<str>) -> u64 {
        let texts = key.uid.len() + key.parent_uid.as_ref().map_or(0, String::len) + text.len();
        u64::try_from(texts).unwrap_or(u64::MAX) + ENTRY_OVERHEAD
    }
}

impl ServedObjects {
    pub(crate) fn new() -> Self {
        Self {
            cache: OnceLock::new(),
        }
    }

    fn cache(&self) -> &Cache<ServedKey, Arc<str>, ByBytes> {
        self.cache.get_or_init(|| {
            // About 1 KiB an object: the number only sizes the tables.
            let estimated = usize::try_from(SERVED_OBJECTS_BYTES / 1024).unwrap_or(usize::MAX);
            Cache::with_weighter(estimated, SERVED_OBJECTS_BYTES, ByBytes)
        })
    }

    /// The object written from `key`, if remembered.
    pub(crate) fn get(&self, key: &ServedKey) -> Option<Arc<str>> {
        self.cache().get(key)
    }

    /// Remembers `text`, the object written from `key`.
    pub(crate) fn remember(&self, key: ServedKey, text: String) -> Arc<str> {
        let text: Arc<str> = text.into();
        self.cache().insert(key, text.clone());
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(task: i64) -> ServedKey {
        ServedKey {
            owner: UserId(1),
            task: TaskId(task),
            version: 1,
            updated_at: DateTime::<Utc>::UNIX_EPOCH,
            uid: format!("uid-{task}"),
            parent_uid: None,
            zone: chrono_tz::UTC,
        }
    }

    #[test]
    fn remembered_objects_stay_within_their_byte_budget() {
        let served = ServedObjects::new();
        let object = "x".repeat(64 * 1024);
        // Four times the budget written: the oldest go.
        let written = 4 * SERVED_OBJECTS_BYTES / 65_536;
        for task in 0..i64::try_from(written).expect("a count") {
            served.remember(key(task), object.clone());
            assert!(served.cache().weight() <= SERVED_OBJECTS_BYTES);
        }
        let held = served.cache().len();
        assert!(
            held > 0 && held < usize::try_from(written).expect("a count") / 3,
            "{held}"
        );
    }

    #[test]
    fn an_object_is_remembered_under_its_key_alone() {
        let served = ServedObjects::new();
        served.remember(key(1), "first".to_owned());
        assert_eq!(served.get(&key(1)).as_deref(), Some("first"));
        assert_eq!(served.get(&key(2)), None);
    }
}
