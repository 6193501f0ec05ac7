//! Error bodies, as taskd sends them and clients read them.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::error::FieldError;

/// Error body with a message: `{"detail": "…"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ErrorDetail {
    /// What went wrong, in a sentence.
    #[cfg_attr(feature = "openapi", schema(example = "Task not found"))]
    pub detail: String,
}

/// Error body of a validation failure: `{"detail": [{"loc", "msg", "type"}, …]}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ValidationDetail {
    /// Every broken rule.
    pub detail: Vec<FieldError>,
}

/// Any error body taskd answers with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum ErrorBody {
    /// A validation failure, field by field.
    Validation(ValidationDetail),
    /// Any other refusal.
    Message(ErrorDetail),
}

/// Told apart by the type of `detail` (a list or a sentence) rather than
/// by serde's untagged trial and error, which costs clients code size.
impl<'de> Deserialize<'de> for ErrorBody {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let mut body = serde_json::Map::deserialize(deserializer)?;
        let detail = body
            .remove("detail")
            .ok_or_else(|| serde::de::Error::missing_field("detail"))?;
        let body = match detail {
            serde_json::Value::String(detail) => ErrorBody::Message(ErrorDetail { detail }),
            serde_json::Value::Array(list) => ErrorBody::Validation(ValidationDetail {
                detail: list.iter().map(field_error).collect(),
            }),
            other => ErrorBody::Message(ErrorDetail {
                detail: other.to_string(),
            }),
        };
        Ok(body)
    }
}

/// One entry of a 422 list, read leniently: a client shows what it can of
/// an entry whose location holds indexes or that lacks a field.
fn field_error(entry: &serde_json::Value) -> FieldError {
    let text = |value: &serde_json::Value| match value {
        serde_json::Value::String(text) => text.clone(),
        other => other.to_string(),
    };
    FieldError {
        loc: entry["loc"]
            .as_array()
            .map(|loc| loc.iter().map(text).collect())
            .unwrap_or_default(),
        msg: entry["msg"].as_str().unwrap_or("invalid").to_owned(),
        kind: entry["type"].as_str().unwrap_or_default().to_owned(),
    }
}

impl fmt::Display for ErrorBody {
    /// `Task not found`, or `title: String should…; JSON decode error`: each
    /// field error named by its location past the source, when it has one.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ErrorBody::Message(message) => f.write_str(&message.detail),
            ErrorBody::Validation(validation) => {
                for (index, error) in validation.detail.iter().enumerate() {
                    if index > 0 {
                        f.write_str("; ")?;
                    }
                    // The location past its source: `title`, or `tags.0`.
                    let past_source = match error.loc.first().map(String::as_str) {
                        Some("body" | "query" | "path") => &error.loc[1..],
                        _ => &error.loc[..],
                    };
                    let field = past_source.join(".");
                    if field.is_empty() {
                        f.write_str(&error.msg)?;
                    } else {
                        write!(f, "{field}: {}", error.msg)?;
                    }
                }
                Ok(())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn both_shapes_read_back_and_describe_their_fields() {
        let validation: ErrorBody = serde_json::from_value(json!({"detail": [
            {"loc": ["body", "title"], "msg": "String should have at least 1 character", "type": "string_too_short"},
            {"loc": ["body"], "msg": "JSON decode error", "type": "json_invalid"},
        ]}))
        .expect("validation body");
        assert_eq!(
            validation.to_string(),
            "title: String should have at least 1 character; JSON decode error"
        );
        let indexed: ErrorBody = serde_json::from_value(json!({"detail": [
            {"loc": ["body", "tags", 0], "msg": "Tag too long"},
        ]}))
        .expect("an index in loc");
        assert_eq!(indexed.to_string(), "tags.0: Tag too long");
        let message: ErrorBody =
            serde_json::from_value(json!({"detail": "Task not found"})).expect("message body");
        assert_eq!(message.to_string(), "Task not found");
        assert_eq!(
            serde_json::to_value(&message).expect("serialise"),
            json!({"detail": "Task not found"})
        );
    }
}
