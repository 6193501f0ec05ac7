//! Reads a JSON object into a body type, reporting every field that has the
//! wrong shape, not only the first.
//!
//! serde's derived `Deserialize` stops at the first problem. To find them all,
//! the body is read again after each one, with the faulty field replaced by a
//! placeholder that satisfies whatever type asks for it (an empty string,
//! `false`, `None`, an empty list) or, for an unknown field, left out. Each
//! pass gets further; the body type is only ever described once, by its own
//! struct and its serde attributes.

use std::collections::BTreeSet;
use std::fmt;

use serde::de::value::StrDeserializer;
use serde::de::{self, DeserializeOwned, DeserializeSeed, IntoDeserializer, MapAccess, Visitor};
use serde_json::{Map, Value};

use crate::error::{Source, ValidationErrors};

/// Unknown fields named one by one in an error list; more are counted in one error.
const EXTRA_FIELDS_NAMED: usize = 5;

/// A JSON body read into `T`, and every shape problem met on the way.
pub(crate) struct Lenient<T> {
    /// The body, when it could be read at all (with placeholders where fields failed).
    pub value: Option<T>,
    /// One error per faulty field, in the order the type declares its fields.
    pub errors: ValidationErrors,
    /// The fields reported in `errors`: later checks leave them alone.
    pub failed: BTreeSet<String>,
}

/// Reads `json` into `T`, collecting every shape error under `source`.
pub(crate) fn read<T: DeserializeOwned>(json: &Value, source: Source) -> Lenient<T> {
    let mut errors = ValidationErrors::new();
    let Some(object) = json.as_object() else {
        errors.add(
            source,
            "",
            "model_attributes_type",
            "Input should be a valid dictionary or object to extract fields from",
        );
        return Lenient {
            value: None,
            errors,
            failed: BTreeSet::new(),
        };
    };
    let mut state = Pass {
        object,
        placeholders: BTreeSet::new(),
        skipped: BTreeSet::new(),
        declared: Vec::new(),
    };
    let mut found: Vec<Failed> = Vec::new();
    let mut value = None;
    let mut passes = 0;
    // Each pass fixes one declared field, or every unknown key at once, so
    // the passes are bounded by the type's fields, whatever the body holds.
    while passes <= state.declared.len() + 2 {
        passes += 1;
        match T::deserialize(Body { pass: &mut state }) {
            Ok(read) => {
                value = Some(read);
                break;
            }
            Err(Failure::Field(failed)) if failed.kind == "extra_forbidden" => {
                // The type refuses unknown fields: every key it does not
                // declare is one. The first few are named; the rest counted,
                // so a body of many keys cannot make a huge answer.
                let unknown: Vec<&String> = object
                    .keys()
                    .filter(|key| !state.declared.contains(&key.as_str()))
                    .collect();
                for key in unknown.iter().take(EXTRA_FIELDS_NAMED) {
                    found.push(Failed {
                        field: (*key).clone(),
                        kind: "extra_forbidden",
                        msg: "Extra inputs are not permitted".to_owned(),
                    });
                }
                if unknown.len() > EXTRA_FIELDS_NAMED {
                    found.push(Failed {
                        field: String::new(),
                        kind: "extra_forbidden",
                        msg: format!(
                            "Extra inputs are not permitted: {} more unknown fields",
                            unknown.len() - EXTRA_FIELDS_NAMED
                        ),
                    });
                }
                if unknown.is_empty() {
                    // Not a key of this object after all: give up on reading it.
                    found.push(failed);
                    break;
                }
                state.skipped.extend(unknown.into_iter().cloned());
            }
            Err(Failure::Field(failed)) => {
                if !state.placeholders.insert(failed.field.clone()) {
                    // Even its placeholder fails: the field is already
                    // reported, and the body cannot be read further.
                    break;
                }
                found.push(failed);
            }
            Err(Failure::Other(message)) => {
                found.push(Failed {
                    field: String::new(),
                    kind: "value_error",
                    msg: message,
                });
                break;
            }
        }
    }
    // Declared fields in declaration order, then unknown ones as met.
    let rank = |field: &str| {
        state
            .declared
            .iter()
            .position(|declared| *declared == field)
            .unwrap_or(usize::MAX)
    };
    found.sort_by_key(|failed| rank(&failed.field));
    let mut failed_fields = BTreeSet::new();
    for failed in found {
        errors.add(source, &failed.field, failed.kind, failed.msg);
        failed_fields.insert(failed.field);
    }
    Lenient {
        value,
        errors,
        failed: failed_fields,
    }
}

/// What one pass knows from the earlier ones.
struct Pass<'a> {
    object: &'a Map<String, Value>,
    /// Fields to read as placeholders: absent or of the wrong shape.
    placeholders: BTreeSet<String>,
    /// Unknown fields the type refuses: left out.
    skipped: BTreeSet<String>,
    /// The type's fields in declaration order, as serde names them.
    declared: Vec<&'static str>,
}

/// One field that failed, in FastAPI's terms.
#[derive(Debug)]
struct Failed {
    field: String,
    kind: &'static str,
    msg: String,
}

/// Why a pass stopped.
#[derive(Debug)]
enum Failure {
    /// A field of the body failed.
    Field(Failed),
    /// Something not tied to a field.
    Other(String),
}

impl Failure {
    fn field(field: &str, kind: &'static str, msg: impl Into<String>) -> Self {
        Failure::Field(Failed {
            field: field.to_owned(),
            kind,
            msg: msg.into(),
        })
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Failure::Field(failed) => write!(f, "{}: {}", failed.field, failed.msg),
            Failure::Other(message) => f.write_str(message),
        }
    }
}

impl std::error::Error for Failure {}

impl de::Error for Failure {
    fn custom<T: fmt::Display>(message: T) -> Self {
        Failure::Other(message.to_string())
    }

    fn missing_field(field: &'static str) -> Self {
        Failure::field(field, "missing", "Field required")
    }

    fn unknown_field(field: &str, _expected: &'static [&'static str]) -> Self {
        Failure::field(field, "extra_forbidden", "Extra inputs are not permitted")
    }
}

/// The body as a whole: a JSON object read field by field.
struct Body<'p, 'a> {
    pass: &'p mut Pass<'a>,
}

impl<'de> de::Deserializer<'de> for Body<'_, '_> {
    type Error = Failure;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Failure> {
        self.deserialize_map(visitor)
    }

    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Failure> {
        let Pass {
            object,
            placeholders,
            skipped,
            declared,
        } = &*self.pass;
        // Declared fields first, in order, so passes are repeatable.
        let mut entries: Vec<(String, Option<&Value>)> = Vec::new();
        for name in declared {
            if placeholders.contains(*name) {
                entries.push(((*name).to_owned(), None));
            } else if let Some(value) = object.get(*name) {
                entries.push(((*name).to_owned(), Some(value)));
            }
        }
        for (name, value) in object.iter() {
            if declared.contains(&name.as_str()) || skipped.contains(name) {
                continue;
            }
            let value = (!placeholders.contains(name)).then_some(value);
            entries.push((name.clone(), value));
        }
        visitor.visit_map(Fields {
            entries: entries.into_iter(),
            current: None,
        })
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Failure> {
        self.pass.declared = fields.to_vec();
        self.deserialize_map(visitor)
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf option unit unit_struct newtype_struct seq tuple
        tuple_struct enum identifier ignored_any
    }
}

/// The fields of the body, one at a time.
struct Fields<'a, I: Iterator<Item = (String, Option<&'a Value>)>> {
    entries: I,
    /// The field whose value is read next: its name and value (`None`: a placeholder).
    current: Option<(String, Option<&'a Value>)>,
}

impl<'de, 'a, I> MapAccess<'de> for Fields<'a, I>
where
    I: Iterator<Item = (String, Option<&'a Value>)>,
{
    type Error = Failure;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, Failure> {
        let Some((name, value)) = self.entries.next() else {
            return Ok(None);
        };
        let key: StrDeserializer<'_, Failure> = name.as_str().into_deserializer();
        let key = seed.deserialize(key)?;
        self.current = Some((name, value));
        Ok(Some(key))
    }

    fn next_value_seed<S: DeserializeSeed<'de>>(&mut self, seed: S) -> Result<S::Value, Failure> {
        let Some((name, value)) = self.current.take() else {
            return Err(Failure::Other("a value was read before its key".to_owned()));
        };
        let read = seed.deserialize(FieldValue { name: &name, value });
        // A failure inside the value belongs to this field.
        read.map_err(|failure| match failure {
            Failure::Other(message) => Failure::field(&name, "value_error", message),
            field => field,
        })
    }
}

/// One field's value; `None` is a placeholder that reads as the type's
/// emptiest value.
struct FieldValue<'n, 'a> {
    name: &'n str,
    value: Option<&'a Value>,
}

impl FieldValue<'_, '_> {
    fn wrong(&self, kind: &'static str, msg: &'static str) -> Failure {
        Failure::field(self.name, kind, msg)
    }

    /// Lets serde_json read the value, its errors becoming this field's.
    fn delegate<'de, V: Visitor<'de>>(
        &self,
        value: &Value,
        read: impl FnOnce(Value, V) -> Result<V::Value, serde_json::Error>,
        visitor: V,
    ) -> Result<V::Value, Failure> {
        read(value.clone(), visitor)
            .map_err(|error| Failure::field(self.name, "value_error", error.to_string()))
    }
}

impl<'de> de::Deserializer<'de> for FieldValue<'_, '_> {
    type Error = Failure;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Failure> {
        match self.value {
            None => visitor.visit_unit(),
            Some(value) => self.delegate(value, |v, visitor| v.deserialize_any(visitor), visitor),
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Failure> {
        match self.value {
            None | Some(Value::Null) => visitor.visit_none(),
            Some(_) => visitor.visit_some(self),
        }
    }

    fn deserialize_str<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Failure> {
        match self.value {
            None => visitor.visit_str(""),
            Some(Value::String(text)) => visitor.visit_str(text),
            Some(_) => Err(self.wrong("string_type", "Input should be a valid string")),
        }
    }

    fn deserialize_string<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Failure> {
        self.deserialize_str(visitor)
    }

    fn deserialize_bool<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Failure> {
        match self.value {
            None => visitor.visit_bool(false),
            Some(Value::Bool(flag)) => visitor.visit_bool(*flag),
            Some(_) => Err(self.wrong("bool_type", "Input should be a valid boolean")),
        }
    }

    fn deserialize_i64<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Failure> {
        self.deserialize_u64(visitor)
    }

    fn deserialize_u64<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Failure> {
        match self.value {
            None => visitor.visit_u64(0),
            // serde_json hands over the number; the visitor checks its range.
            Some(value @ Value::Number(number)) if !number.is_f64() => {
                self.delegate(value, |v, visitor| v.deserialize_any(visitor), visitor)
            }
            Some(_) => Err(self.wrong("int_type", "Input should be a valid integer")),
        }
    }

    fn deserialize_f64<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Failure> {
        match self.value {
            None => visitor.visit_f64(0.0),
            Some(value @ Value::Number(_)) => {
                self.delegate(value, |v, visitor| v.deserialize_any(visitor), visitor)
            }
            Some(_) => Err(self.wrong("float_type", "Input should be a valid number")),
        }
    }

    fn deserialize_char<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Failure> {
        match self.value {
            None => visitor.visit_char(' '),
            Some(_) => self.deserialize_str(visitor),
        }
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Failure> {
        match self.value {
            None => visitor.visit_seq(de::value::SeqDeserializer::<_, Failure>::new(
                std::iter::empty::<()>(),
            )),
            Some(value @ Value::Array(_)) => {
                self.delegate(value, |v, visitor| v.deserialize_seq(visitor), visitor)
            }
            Some(_) => Err(self.wrong("list_type", "Input should be a valid list")),
        }
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Failure> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_i8<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Failure> {
        self.deserialize_u64(visitor)
    }

    fn deserialize_i16<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Failure> {
        self.deserialize_u64(visitor)
    }

    fn deserialize_i32<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Failure> {
        self.deserialize_u64(visitor)
    }

    fn deserialize_u8<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Failure> {
        self.deserialize_u64(visitor)
    }

    fn deserialize_u16<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Failure> {
        self.deserialize_u64(visitor)
    }

    fn deserialize_u32<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Failure> {
        self.deserialize_u64(visitor)
    }

    fn deserialize_f32<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Failure> {
        self.deserialize_f64(visitor)
    }

    serde::forward_to_deserialize_any! {
        i128 u128 bytes byte_buf unit unit_struct tuple
        tuple_struct map struct enum identifier ignored_any
    }
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;
    use serde_json::json;

    use super::*;

    #[derive(Debug, Deserialize, PartialEq)]
    struct Sample {
        name: String,
        #[serde(default)]
        flag: bool,
        note: Option<String>,
    }

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Strict {
        name: String,
    }

    fn kinds<T>(read: &Lenient<T>) -> Vec<(String, String)> {
        read.errors
            .errors()
            .iter()
            .map(|error| (error.loc.join("."), error.kind.clone()))
            .collect()
    }

    #[test]
    fn a_well_formed_body_reads_as_serde_would() {
        let read = read::<Sample>(&json!({"name": "x", "note": null}), Source::Body);
        assert!(read.errors.is_empty());
        assert_eq!(
            read.value,
            Some(Sample {
                name: "x".into(),
                flag: false,
                note: None
            })
        );
    }

    #[test]
    fn every_faulty_field_is_reported_in_declaration_order() {
        let read = read::<Sample>(&json!({"note": 3, "flag": "yes"}), Source::Body);
        assert_eq!(
            kinds(&read),
            [
                ("body.name".to_owned(), "missing".to_owned()),
                ("body.flag".to_owned(), "bool_type".to_owned()),
                ("body.note".to_owned(), "string_type".to_owned()),
            ]
        );
        assert_eq!(read.failed.len(), 3);
    }

    #[test]
    fn unknown_fields_are_reported_after_the_declared_ones() {
        let read = read::<Strict>(&json!({"zeta": 1, "alpha": 2, "name": 5}), Source::Body);
        let mut found = kinds(&read);
        assert_eq!(
            found.remove(0),
            ("body.name".to_owned(), "string_type".to_owned())
        );
        // The unknown ones come in the order the JSON map keeps its keys.
        found.sort();
        assert_eq!(
            found,
            [
                ("body.alpha".to_owned(), "extra_forbidden".to_owned()),
                ("body.zeta".to_owned(), "extra_forbidden".to_owned()),
            ]
        );
    }

    #[test]
    fn many_unknown_fields_make_a_short_answer_in_few_passes() {
        let mut body = serde_json::Map::new();
        body.insert("name".into(), json!("x"));
        for n in 0..20_000 {
            body.insert(format!("extra{n}"), json!(n));
        }
        let read = read::<Strict>(&Value::Object(body), Source::Body);
        let found = kinds(&read);
        assert_eq!(found.len(), EXTRA_FIELDS_NAMED + 1, "{found:?}");
        assert!(found.iter().all(|(_, kind)| kind == "extra_forbidden"));
        let last = read.errors.errors().last().expect("summary");
        assert!(
            last.msg.ends_with("19995 more unknown fields"),
            "{}",
            last.msg
        );
    }

    #[test]
    fn every_primitive_has_a_placeholder_so_later_fields_are_still_read() {
        #[derive(Debug, Deserialize)]
        #[allow(dead_code)]
        struct Numbers {
            small: u8,
            ratio: f64,
            name: String,
        }
        let read = read::<Numbers>(&json!({"small": "x", "name": 1}), Source::Body);
        assert_eq!(
            kinds(&read),
            [
                ("body.small".to_owned(), "int_type".to_owned()),
                ("body.ratio".to_owned(), "missing".to_owned()),
                ("body.name".to_owned(), "string_type".to_owned()),
            ]
        );
        assert!(read.value.is_some());
    }

    #[test]
    fn a_body_that_is_not_an_object_is_one_error() {
        let read = read::<Sample>(&json!(["name"]), Source::Body);
        assert_eq!(
            kinds(&read),
            [("body".to_owned(), "model_attributes_type".to_owned())]
        );
        assert!(read.value.is_none());
    }
}
