//! The fields a body type declares, read from its serde derive.

use serde::de::{self, DeserializeOwned, Visitor};

/// The fields a body type declares, as its serde attributes name them: what
/// an import takes of an exported task, so a field added to the body is
/// imported without being listed again.
pub(crate) fn declared_fields<T: DeserializeOwned>() -> &'static [&'static str] {
    struct Probe<'p>(&'p mut &'static [&'static str]);

    impl<'de> de::Deserializer<'de> for Probe<'_> {
        type Error = de::value::Error;

        fn deserialize_any<V: Visitor<'de>>(self, _visitor: V) -> Result<V::Value, Self::Error> {
            Err(de::Error::custom("not a struct"))
        }

        fn deserialize_struct<V: Visitor<'de>>(
            self,
            _name: &'static str,
            fields: &'static [&'static str],
            _visitor: V,
        ) -> Result<V::Value, Self::Error> {
            *self.0 = fields;
            Err(de::Error::custom("fields read"))
        }

        serde::forward_to_deserialize_any! {
            bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
            bytes byte_buf option unit unit_struct newtype_struct seq tuple
            tuple_struct map enum identifier ignored_any
        }
    }

    let mut fields: &'static [&'static str] = &[];
    let _ = T::deserialize(Probe(&mut fields));
    fields
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::{TaskCreate, TaskUpdate};

    #[test]
    fn a_bodys_fields_are_read_from_its_derive() {
        assert_eq!(
            declared_fields::<TaskCreate>(),
            [
                "uid",
                "title",
                "description",
                "completed",
                "priority",
                "due_date",
                "due_at",
                "tags",
                "list_id",
                "parent_id",
                "repeat",
                "repeat_from",
                "reminders"
            ]
        );
        assert!(declared_fields::<TaskUpdate>().contains(&"add_tags"));
    }
}
