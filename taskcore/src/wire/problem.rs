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
            list => ErrorBody::Validation(ValidationDetail {
                detail: serde_json::from_value(list).map_err(serde::de::Error::custom)?,
            }),
        };
        Ok(body)
    }
}

impl fmt::Display for ErrorBody {
    /// `Task not found`, or `title: String should…; JSON decode error`: each
    /// field error named by its field, when it has one.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ErrorBody::Message(message) => f.write_str(&message.detail),
            ErrorBody::Validation(validation) => {
                for (index, error) in validation.detail.iter().enumerate() {
                    if index > 0 {
                        f.write_str("; ")?;
                    }
                    let field = error
                        .loc
                        .last()
                        .filter(|field| !matches!(field.as_str(), "body" | "query" | "path"));
                    match field {
                        Some(field) => write!(f, "{field}: {}", error.msg)?,
                        None => f.write_str(&error.msg)?,
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
        let message: ErrorBody =
            serde_json::from_value(json!({"detail": "Task not found"})).expect("message body");
        assert_eq!(message.to_string(), "Task not found");
        assert_eq!(
            serde_json::to_value(&message).expect("serialise"),
            json!({"detail": "Task not found"})
        );
    }
}
