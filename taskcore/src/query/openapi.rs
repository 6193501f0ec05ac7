//! The listing's query string as the OpenAPI document describes it, from
//! the same vocabularies and limits the parser reads it with.

use serde_json::{Value, json};
use utoipa::openapi::path::{Parameter, ParameterIn};

use super::listing::{DueFilter, SortKey, TaskQuery};
use super::pairs::{FILTER_MAX_VALUES, SEARCH_MAX_CHARS, SEARCH_MAX_WORDS};
use crate::planning::{NO_PRIORITY, Priority};
use crate::types::{PAGE_DEFAULT_LIMIT, PAGE_MAX_LIMIT};

impl utoipa::IntoParams for TaskQuery {
    fn into_params(_: impl Fn() -> Option<ParameterIn>) -> Vec<Parameter> {
        let priorities: Vec<&str> = std::iter::once(NO_PRIORITY)
            .chain(Priority::ALL.map(Priority::as_str))
            .collect();
        let dues = DueFilter::ALL.map(DueFilter::as_str);
        let parameters = [
            json!({
                "name": "completed",
                "description": "Only done (`true`) or only open (`false`) tasks.",
                "schema": {"type": "boolean"}
            }),
            json!({
                "name": "priority",
                "description": format!(
                    "Tasks with this priority; repeat for any of several. `{NO_PRIORITY}`: no priority."
                ),
                "style": "form", "explode": true,
                "schema": {
                    "type": "array", "maxItems": FILTER_MAX_VALUES,
                    "items": {
                        "type": "string", "enum": priorities,
                        "description": "A priority to filter by, or none."
                    }
                }
            }),
            json!({
                "name": "tag",
                "description": "Tasks carrying this tag (case-insensitive); repeat to require every one.",
                "style": "form", "explode": true,
                "schema": {
                    "type": "array", "maxItems": FILTER_MAX_VALUES,
                    "items": {"$ref": "#/components/schemas/Tag"}
                }
            }),
            json!({
                "name": "due_before",
                "description": "Tasks due on or before this day in your time zone (a `due_at` counts by its day).",
                "schema": {"type": "string", "format": "date"}
            }),
            json!({
                "name": "due_after",
                "description": "Tasks due on or after this day in your time zone.",
                "schema": {"type": "string", "format": "date"}
            }),
            json!({
                "name": "due",
                "description": "`none`: no due; `any`: some due; `today`: due today in your time zone;\n`overdue`: open and past due.",
                "schema": {
                    "type": "string", "enum": dues,
                    "description": "Tasks by whether and when they are due."
                }
            }),
            json!({
                "name": "list_id",
                "description": "Tasks in this list of yours.",
                "schema": {"type": "integer", "format": "int64", "minimum": 1, "maximum": i64::MAX}
            }),
            json!({
                "name": "parent_id",
                "description": "Subtasks of this task of yours; `none`: top-level tasks only.",
                "schema": {"type": "string", "pattern": "^(none|[1-9][0-9]{0,17})$"}
            }),
            json!({
                "name": "completed_after",
                "description": "Tasks completed on or after this day in your time zone.",
                "schema": {"type": "string", "format": "date"}
            }),
            json!({
                "name": "completed_before",
                "description": "Tasks completed on or before this day in your time zone.",
                "schema": {"type": "string", "format": "date"}
            }),
            json!({
                "name": "q",
                "description": format!(
                    "Words that must each begin a word of the title or description\n(case-insensitive): at least one letter or digit, at most {SEARCH_MAX_WORDS} words."
                ),
                "schema": {"type": "string", "maxLength": SEARCH_MAX_CHARS, "format": "search"}
            }),
            json!({
                "name": "sort",
                "description": format!(
                    "Comma-separated keys {}, each optionally `-` for descending; the id breaks ties. Tasks without a due (or, for `completed_at`, open tasks) come last both ways. Default `id`.",
                    SortKey::ALL
                        .map(|key| format!("`{}`", key.name()))
                        .join(", ")
                ),
                "example": "-priority,due",
                "schema": {"type": "string", "format": "task-sort"}
            }),
            json!({
                "name": "skip",
                "description": "Tasks to skip (after `cursor`, if given).",
                "schema": {"type": "integer", "format": "int64", "minimum": 0, "default": 0}
            }),
            json!({
                "name": "limit",
                "description": format!("Tasks to return, 1 to {PAGE_MAX_LIMIT}."),
                "schema": {
                    "type": "integer", "format": "int64", "minimum": 1,
                    "maximum": PAGE_MAX_LIMIT, "default": PAGE_DEFAULT_LIMIT
                }
            }),
            json!({
                "name": "cursor",
                "description": "Where to continue: the cursor from the `Link` header's `next`; keep\nthe other parameters as they were.",
                "schema": {"type": "string", "minLength": 1}
            }),
        ];
        parameters
            .into_iter()
            .filter_map(|mut parameter| {
                parameter["in"] = Value::from("query");
                parameter["required"] = Value::from(false);
                serde_json::from_value(parameter).ok()
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use utoipa::IntoParams;

    use super::*;

    #[test]
    fn every_parameter_the_parser_reads_is_described() {
        let names: Vec<String> = TaskQuery::into_params(|| None)
            .into_iter()
            .map(|parameter| parameter.name)
            .collect();
        assert_eq!(
            names,
            [
                "completed",
                "priority",
                "tag",
                "due_before",
                "due_after",
                "due",
                "list_id",
                "parent_id",
                "completed_after",
                "completed_before",
                "q",
                "sort",
                "skip",
                "limit",
                "cursor"
            ]
        );
    }
}
