//! The rules of the bodies that JSON Schema can state but the schema derive
//! cannot: fields that exclude each other, and the time zones the server
//! knows. [`add_body_rules`] writes them into the document, so a client (or a
//! fuzzer) that follows the schema sends what the server accepts.

use serde_json::{Value, json};
use utoipa::openapi::extensions::Extensions;
use utoipa::openapi::schema::{ObjectBuilder, Schema, Type};
use utoipa::openapi::{OpenApi, RefOr};

/// Schema of a time zone name: every name of the IANA database this build
/// knows, exactly as [`crate::Zone::parse`] accepts it.
#[derive(Debug)]
#[allow(dead_code)] // Describes a string; never built.
pub struct ZoneName(String);

impl utoipa::PartialSchema for ZoneName {
    fn schema() -> RefOr<Schema> {
        let names: Vec<&str> = chrono_tz::TZ_VARIANTS
            .iter()
            .map(|zone| zone.name())
            .collect();
        ObjectBuilder::new()
            .schema_type(Type::String)
            .description(Some(
                "A time zone of the IANA database, such as `Europe/Paris` or `UTC`.",
            ))
            .enum_values(Some(names))
            .examples(["Europe/Paris"])
            .into()
    }
}

impl utoipa::ToSchema for ZoneName {}

/// Fields of one body that are refused together (422), as the body's checks
/// refuse them: `due_date` and `due_at` both set; `tags` with `add_tags` or
/// `remove_tags`.
fn exclusions(body: &str) -> Option<Value> {
    let both_dues = json!({
        "required": ["due_date", "due_at"],
        "properties": {"due_date": {"type": "string"}, "due_at": {"type": "string"}}
    });
    match body {
        "TaskCreate" => Some(both_dues),
        "TaskUpdate" => Some(json!({
            "anyOf": [
                both_dues,
                {"required": ["tags", "add_tags"]},
                {"required": ["tags", "remove_tags"]}
            ]
        })),
        _ => None,
    }
}

/// Adds to the document's body schemas the rules their derive cannot state
/// (see the module docs).
pub fn add_body_rules(openapi: &mut OpenApi) {
    let Some(components) = openapi.components.as_mut() else {
        return;
    };
    for (name, schema) in components.schemas.iter_mut() {
        if let (Some(rule), RefOr::T(Schema::Object(object))) = (exclusions(name), schema) {
            // JSON Schema's `not`, which utoipa's model has no field for:
            // its extensions are written into the schema object as they are.
            object
                .extensions
                .get_or_insert_with(Extensions::default)
                .insert("not".to_owned(), rule);
        }
    }
}
