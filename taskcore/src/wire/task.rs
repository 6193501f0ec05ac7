//! Task bodies: a new task and a partial update.

use serde::{Deserialize, Serialize};

use super::{Body, Checks, Valid, nullable, present};
use crate::error::Result;
use crate::types::{Description, Title};

/// Wire type: body of `POST /tasks`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TaskCreate {
    /// Title: at most 255 characters, at least one of them not white space
    /// (Unicode White_Space, as the pattern lists), no NUL; stored trimmed.
    #[cfg_attr(
        feature = "openapi",
        schema(
            example = "Buy milk",
            min_length = 1,
            max_length = 255,
            pattern = "^[^\\u0000]*[^\\u0000\\t\\n\\u000B\\u000C\\r \\u0085\\u00A0\\u1680\\u2000-\\u200A\\u2028\\u2029\\u202F\\u205F\\u3000][^\\u0000]*$"
        )
    )]
    pub title: String,
    /// Optional description, at most 2,000 characters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(
        feature = "openapi",
        schema(max_length = 2000, pattern = "^[^\\u0000]*$")
    )]
    pub description: Option<String>,
    /// Whether the task starts out done; default false.
    #[serde(default)]
    pub completed: bool,
}

/// Wire type: body of `PATCH /tasks/{id}`; only the fields present change.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TaskUpdate {
    /// New title; trimmed, 1 to 255 characters; `null` is refused.
    #[serde(
        default,
        deserialize_with = "present",
        skip_serializing_if = "Option::is_none"
    )]
    #[cfg_attr(feature = "openapi", schema(value_type = String, min_length = 1, max_length = 255, pattern = "^[^\\u0000]*[^\\u0000\\t\\n\\u000B\\u000C\\r \\u0085\\u00A0\\u1680\\u2000-\\u200A\\u2028\\u2029\\u202F\\u205F\\u3000][^\\u0000]*$"))]
    pub title: Option<String>,
    /// New description; `null` clears it.
    #[serde(
        default,
        deserialize_with = "nullable",
        skip_serializing_if = "Option::is_none"
    )]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, max_length = 2000, pattern = "^[^\\u0000]*$"))]
    pub description: Option<Option<String>>,
    /// New completion state; `null` is refused.
    #[serde(
        default,
        deserialize_with = "present",
        skip_serializing_if = "Option::is_none"
    )]
    #[cfg_attr(feature = "openapi", schema(value_type = bool))]
    pub completed: Option<bool>,
}

impl Body for TaskCreate {
    fn check(mut self, checks: &mut Checks) -> Self {
        if let Some(title) = checks.field("title", Title::parse(&self.title)) {
            self.title = title.into_string();
        }
        if let Some(description) = &self.description {
            checks.field("description", Description::parse(description));
        }
        self
    }
}

impl Valid<TaskCreate> {
    /// A task with this title, no description, not completed.
    pub fn new(title: &str) -> Result<Self> {
        TaskCreate {
            title: title.to_owned(),
            ..TaskCreate::default()
        }
        .validate()
    }
}

impl Body for TaskUpdate {
    fn check(mut self, checks: &mut Checks) -> Self {
        if let Some(title) = &self.title
            && let Some(title) = checks.field("title", Title::parse(title))
        {
            self.title = Some(title.into_string());
        }
        if let Some(Some(description)) = &self.description {
            checks.field("description", Description::parse(description));
        }
        self
    }
}

impl TaskUpdate {
    /// True when the update would change nothing.
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }
}
