//! An import document as it is parsed: its entries counted while they are
//! read and kept only up to [`IMPORT_MAX_ENTRIES`], and of its other fields
//! only those an import reads. A 20 MiB `[0,0,0,…]` parses into a hundred
//! thousand values, not ten million.

use std::fmt;

use serde::Deserialize;
use serde::de::{self, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};

use super::IMPORT_MAX_ENTRIES;
use crate::types::Invalid;

/// The top-level fields of taskd's export that an import reads, besides
/// `tasks`.
const HEAD_FIELDS: [&str; 4] = ["format", "version", "exported_at", "user"];

/// Lists of taskd's export an import reads (their colour and position, for
/// those it makes); more are read past, not kept.
pub(super) const LISTS_KEPT: usize = 1000;

/// One entry of a taskd export's `lists`: what an import gives a list it
/// makes by that name.
#[derive(Debug, Clone, Default, Deserialize)]
pub(super) struct ExportedList {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub color: Option<String>,
    #[serde(default)]
    pub position: Option<i64>,
}

/// The first [`LISTS_KEPT`] entries of `lists`.
struct Lists(Vec<ExportedList>);

impl<'de> Deserialize<'de> for Lists {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Kept;
        impl<'de> Visitor<'de> for Kept {
            type Value = Lists;

            fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
                formatter.write_str("a list of lists")
            }

            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Lists, A::Error> {
                let mut kept = Vec::new();
                while kept.len() < LISTS_KEPT {
                    match seq.next_element::<ExportedList>()? {
                        Some(list) => kept.push(list),
                        None => return Ok(Lists(kept)),
                    }
                }
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(Lists(kept))
            }
        }
        deserializer.deserialize_seq(Kept)
    }
}

/// What the document is at its top level.
#[derive(Debug, Default)]
pub(super) enum Shape {
    /// A JSON array: Taskwarrior's export.
    Array,
    /// A JSON object, and what its `tasks` is.
    Object(Tasks),
    /// Anything else.
    #[default]
    Other,
}

/// An object's `tasks` field.
#[derive(Debug, Default, PartialEq, Eq)]
pub(super) enum Tasks {
    #[default]
    Missing,
    List,
    NotAList,
}

/// A parsed import document.
#[derive(Debug, Default)]
pub struct Document {
    pub(super) shape: Shape,
    /// An object's fields among [`HEAD_FIELDS`].
    pub(super) head: Map<String, Value>,
    /// The entries (of the array, or of `tasks`), the first
    /// [`IMPORT_MAX_ENTRIES`] and one more.
    pub(super) entries: Vec<Value>,
    /// How many entries there are in all.
    pub(super) counted: usize,
    /// A taskd export's lists, as far as kept.
    pub(super) lists: Vec<ExportedList>,
}

impl Document {
    /// Parses a JSON body; an error (kind `json_invalid`) says where the
    /// JSON is wrong (not JSON, cut short).
    pub fn parse(bytes: &[u8]) -> Result<Self, Invalid> {
        serde_json::from_slice(bytes)
            .map_err(|error| Invalid::new("json_invalid", format!("JSON decode error: {error}")))
    }
}

/// A list of entries, kept up to one past the limit and counted whole.
struct Entries {
    kept: Vec<Value>,
    counted: usize,
}

impl<'de> Deserialize<'de> for Entries {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Counting;
        impl<'de> Visitor<'de> for Counting {
            type Value = Entries;

            fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
                formatter.write_str("a list of tasks")
            }

            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Entries, A::Error> {
                let mut kept = Vec::new();
                let mut counted = 0;
                while counted <= IMPORT_MAX_ENTRIES {
                    match seq.next_element::<Value>()? {
                        Some(entry) => {
                            kept.push(entry);
                            counted += 1;
                        }
                        None => return Ok(Entries { kept, counted }),
                    }
                }
                // Past the limit the rest is only counted, for the message.
                while seq.next_element::<IgnoredAny>()?.is_some() {
                    counted += 1;
                }
                Ok(Entries { kept, counted })
            }
        }
        deserializer.deserialize_seq(Counting)
    }
}

/// An object's `tasks`: a list, or something else (not kept).
enum TasksValue {
    List(Entries),
    NotAList,
}

impl<'de> Deserialize<'de> for TasksValue {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Either;
        impl<'de> Visitor<'de> for Either {
            type Value = TasksValue;

            fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
                formatter.write_str("any JSON value")
            }

            fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<TasksValue, A::Error> {
                Entries::deserialize(de::value::SeqAccessDeserializer::new(seq))
                    .map(TasksValue::List)
            }

            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<TasksValue, A::Error> {
                IgnoredAny::deserialize(de::value::MapAccessDeserializer::new(map))?;
                Ok(TasksValue::NotAList)
            }

            fn visit_bool<E>(self, _: bool) -> Result<TasksValue, E> {
                Ok(TasksValue::NotAList)
            }
            fn visit_i64<E>(self, _: i64) -> Result<TasksValue, E> {
                Ok(TasksValue::NotAList)
            }
            fn visit_u64<E>(self, _: u64) -> Result<TasksValue, E> {
                Ok(TasksValue::NotAList)
            }
            fn visit_f64<E>(self, _: f64) -> Result<TasksValue, E> {
                Ok(TasksValue::NotAList)
            }
            fn visit_str<E>(self, _: &str) -> Result<TasksValue, E> {
                Ok(TasksValue::NotAList)
            }
            fn visit_unit<E>(self) -> Result<TasksValue, E> {
                Ok(TasksValue::NotAList)
            }
        }
        deserializer.deserialize_any(Either)
    }
}

impl<'de> Deserialize<'de> for Document {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Top;
        impl<'de> Visitor<'de> for Top {
            type Value = Document;

            fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
                formatter.write_str("an import document")
            }

            fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Document, A::Error> {
                let entries = Entries::deserialize(de::value::SeqAccessDeserializer::new(seq))?;
                Ok(Document {
                    shape: Shape::Array,
                    head: Map::new(),
                    entries: entries.kept,
                    counted: entries.counted,
                    lists: Vec::new(),
                })
            }

            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Document, A::Error> {
                let mut document = Document {
                    shape: Shape::Object(Tasks::Missing),
                    ..Document::default()
                };
                while let Some(key) = map.next_key::<String>()? {
                    if key == "tasks" {
                        // A repeated key counts once, as its last value.
                        document.entries.clear();
                        document.counted = 0;
                        document.shape = Shape::Object(match map.next_value::<TasksValue>()? {
                            TasksValue::List(entries) => {
                                document.entries = entries.kept;
                                document.counted = entries.counted;
                                Tasks::List
                            }
                            TasksValue::NotAList => Tasks::NotAList,
                        });
                    } else if key == "lists" {
                        document.lists = map.next_value::<Lists>()?.0;
                    } else if HEAD_FIELDS.contains(&key.as_str()) {
                        let value = map.next_value::<Value>()?;
                        document.head.insert(key, value);
                    } else {
                        map.next_value::<IgnoredAny>()?;
                    }
                }
                Ok(document)
            }

            fn visit_bool<E>(self, _: bool) -> Result<Document, E> {
                Ok(Document::default())
            }
            fn visit_i64<E>(self, _: i64) -> Result<Document, E> {
                Ok(Document::default())
            }
            fn visit_u64<E>(self, _: u64) -> Result<Document, E> {
                Ok(Document::default())
            }
            fn visit_f64<E>(self, _: f64) -> Result<Document, E> {
                Ok(Document::default())
            }
            fn visit_str<E>(self, _: &str) -> Result<Document, E> {
                Ok(Document::default())
            }
            fn visit_unit<E>(self) -> Result<Document, E> {
                Ok(Document::default())
            }
        }
        deserializer.deserialize_any(Top)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_past_the_limit_are_counted_not_kept() {
        let body = format!("[{}0]", "0,".repeat(IMPORT_MAX_ENTRIES + 10));
        let document = Document::parse(body.as_bytes()).expect("JSON");
        assert!(matches!(document.shape, Shape::Array));
        assert_eq!(document.entries.len(), IMPORT_MAX_ENTRIES + 1);
        assert_eq!(document.counted, IMPORT_MAX_ENTRIES + 11);
    }

    #[test]
    fn an_object_keeps_its_head_fields_and_its_tasks_only() {
        let body = br#"{"format":"taskd-export","version":1,"junk":[1,2,3],"user":{"email":"a@b.cd"},"tasks":[{"id":1}]}"#;
        let document = Document::parse(body).expect("JSON");
        assert!(matches!(document.shape, Shape::Object(Tasks::List)));
        assert_eq!(document.head.len(), 3);
        assert!(!document.head.contains_key("junk"));
        assert_eq!(document.entries, [serde_json::json!({"id": 1})]);
        let document = Document::parse(br#"{"tasks":{"a":1}}"#).expect("JSON");
        assert!(matches!(document.shape, Shape::Object(Tasks::NotAList)));
        for other in [&b"\"text\""[..], b"3", b"null", b"true"] {
            assert!(matches!(
                Document::parse(other).expect("JSON").shape,
                Shape::Other
            ));
        }
        assert!(Document::parse(b"[1,").is_err());
    }
}
