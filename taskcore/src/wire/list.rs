//! List bodies: a new list and a partial change, as clients send them.

use serde::{Deserialize, Serialize};

use super::body::{Body, Checks, nullable, present, present_whole, whole};
use crate::model::{ListPatch, NewList, parse_color, parse_list_name, parse_position};

/// Wire type: body of `POST /lists`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ListCreate {
    /// Name: trimmed, 1 to 100 characters, no control characters; unique
    /// among your lists ignoring case (409 otherwise).
    #[cfg_attr(
        feature = "openapi",
        schema(
            example = "Groceries",
            min_length = 1,
            max_length = 100,
            pattern = "^[^\\u0000-\\u001F\\u007F-\\u009F]*[^\\u0000-\\u0020\\u007F-\\u009F\\u00A0\\u1680\\u2000-\\u200A\\u2028\\u2029\\u202F\\u205F\\u3000][^\\u0000-\\u001F\\u007F-\\u009F]*$"
        )
    )]
    pub name: String,
    /// `#RRGGBB` (either case; returned upper-case), or absent for none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(
        feature = "openapi",
        schema(pattern = "^#[0-9A-Fa-f]{6}$", example = "#1E90FF")
    )]
    pub color: Option<String>,
    /// Where clients show it (0 to 2147483647); absent: after the last.
    #[serde(
        default,
        deserialize_with = "whole",
        skip_serializing_if = "Option::is_none"
    )]
    #[cfg_attr(feature = "openapi", schema(minimum = 0, maximum = 2147483647))]
    pub position: Option<i64>,
}

/// Wire type: body of `PATCH /lists/{id}`; only the fields present change.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ListUpdate {
    /// New name, as for a new list; `null` is refused.
    #[serde(
        default,
        deserialize_with = "present",
        skip_serializing_if = "Option::is_none"
    )]
    #[cfg_attr(feature = "openapi", schema(value_type = String, min_length = 1, max_length = 100, pattern = "^[^\\u0000-\\u001F\\u007F-\\u009F]*[^\\u0000-\\u0020\\u007F-\\u009F\\u00A0\\u1680\\u2000-\\u200A\\u2028\\u2029\\u202F\\u205F\\u3000][^\\u0000-\\u001F\\u007F-\\u009F]*$"))]
    pub name: Option<String>,
    /// New colour, `#RRGGBB`; `null` clears it.
    #[serde(
        default,
        deserialize_with = "nullable",
        skip_serializing_if = "Option::is_none"
    )]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, pattern = "^#[0-9A-Fa-f]{6}$"))]
    pub color: Option<Option<String>>,
    /// New position; `null` is refused.
    #[serde(
        default,
        deserialize_with = "present_whole",
        skip_serializing_if = "Option::is_none"
    )]
    #[cfg_attr(feature = "openapi", schema(value_type = i64, minimum = 0, maximum = 2147483647))]
    pub position: Option<i64>,
    /// `true` makes this list the default (the one that was stops being);
    /// `false` changes nothing on another list and is refused (409) on the
    /// default one: make another list the default instead.
    #[serde(
        default,
        deserialize_with = "present",
        skip_serializing_if = "Option::is_none"
    )]
    #[cfg_attr(feature = "openapi", schema(value_type = bool, example = true))]
    pub is_default: Option<bool>,
}

impl Body for ListCreate {
    type Checked = NewList;

    fn check(self, checks: &mut Checks) -> Option<NewList> {
        let Self {
            name,
            color,
            position,
        } = self;
        let name = checks.field("name", parse_list_name(&name));
        let color = match color {
            Some(color) => checks.field("color", parse_color(&color)).map(Some),
            None => Some(None),
        };
        let position = match position {
            Some(position) => checks.field("position", parse_position(position)).map(Some),
            None => Some(None),
        };
        Some(NewList {
            name: name?,
            color: color?,
            position: position?,
        })
    }
}

impl Body for ListUpdate {
    type Checked = ListPatch;

    fn check(self, checks: &mut Checks) -> Option<ListPatch> {
        let Self {
            name,
            color,
            position,
            is_default,
        } = self;
        let name = match name {
            Some(name) => checks.field("name", parse_list_name(&name)).map(Some),
            None => Some(None),
        };
        let color = match color {
            Some(Some(color)) => checks
                .field("color", parse_color(&color))
                .map(|color| Some(Some(color))),
            Some(None) => Some(Some(None)),
            None => Some(None),
        };
        let position = match position {
            Some(position) => checks.field("position", parse_position(position)).map(Some),
            None => Some(None),
        };
        Some(ListPatch {
            name: name?,
            color: color?,
            position: position?,
            is_default,
        })
    }
}
