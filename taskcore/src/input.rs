//! Request bodies (as JSON values) into checked domain values.
//!
//! Each parser looks at every field and reports every problem, including
//! missing fields and wrong JSON types, in one [`Error::Validation`].

use serde_json::{Map, Value};

use crate::error::{Error, Result, Source, ValidationErrors};
use crate::model::{NewTask, NewUser, PasswordChange, TaskPatch};
use crate::types::{Description, Email, Invalid, Password, Title};

/// A JSON field as found in a body: absent, explicitly null, or present.
enum Field<'a> {
    Absent,
    Null,
    Present(&'a Value),
}

struct Fields<'a> {
    object: Option<&'a Map<String, Value>>,
    errors: ValidationErrors,
}

impl<'a> Fields<'a> {
    fn new(body: &'a Value) -> Self {
        let mut errors = ValidationErrors::new();
        let object = body.as_object();
        if object.is_none() {
            errors.add(
                Source::Body,
                "",
                "model_attributes_type",
                "Input should be a valid dictionary or object to extract fields from",
            );
        }
        Self { object, errors }
    }

    fn get(&self, name: &str) -> Field<'a> {
        match self.object.and_then(|object| object.get(name)) {
            None => Field::Absent,
            Some(Value::Null) => Field::Null,
            Some(value) => Field::Present(value),
        }
    }

    fn missing(&mut self, name: &str) {
        self.errors
            .add(Source::Body, name, "missing", "Field required");
    }

    fn wrong_type(&mut self, name: &str, kind: &str, msg: &str) {
        self.errors.add(Source::Body, name, kind, msg);
    }

    fn string_value(&mut self, name: &str, value: &'a Value) -> Option<&'a str> {
        let text = value.as_str();
        if text.is_none() {
            self.wrong_type(name, "string_type", "Input should be a valid string");
        }
        text
    }

    /// A string that must be present and not null.
    fn required_string(&mut self, name: &str) -> Option<&'a str> {
        match self.get(name) {
            Field::Absent => {
                // Only report missing fields of an object; a non-object body is already reported.
                if self.object.is_some() {
                    self.missing(name);
                }
                None
            }
            Field::Null => {
                self.wrong_type(name, "string_type", "Input should be a valid string");
                None
            }
            Field::Present(value) => self.string_value(name, value),
        }
    }

    /// A string that may be absent (`None`) or null (`Some(None)`).
    fn nullable_string(&mut self, name: &str) -> Option<Option<&'a str>> {
        match self.get(name) {
            Field::Absent => None,
            Field::Null => Some(None),
            Field::Present(value) => self.string_value(name, value).map(Some),
        }
    }

    /// A string that may be absent but, when present, must not be null.
    fn optional_string(&mut self, name: &str) -> Option<&'a str> {
        match self.get(name) {
            Field::Absent => None,
            Field::Null => {
                self.wrong_type(name, "string_type", "Input should be a valid string");
                None
            }
            Field::Present(value) => self.string_value(name, value),
        }
    }

    /// A boolean that may be absent but, when present, must be `true` or `false`.
    fn optional_bool(&mut self, name: &str) -> Option<bool> {
        match self.get(name) {
            Field::Absent => None,
            Field::Present(Value::Bool(flag)) => Some(*flag),
            Field::Null | Field::Present(_) => {
                self.wrong_type(name, "bool_type", "Input should be a valid boolean");
                None
            }
        }
    }

    /// Records the outcome of a domain check on a field.
    fn check<T>(&mut self, name: &str, outcome: Result<T, Invalid>) -> Option<T> {
        outcome
            .map_err(|invalid| {
                self.errors
                    .add(Source::Body, name, invalid.kind, invalid.msg)
            })
            .ok()
    }

    fn finish<T>(self, value: Option<T>) -> Result<T> {
        match value {
            Some(value) if self.errors.is_empty() => Ok(value),
            _ => Err(Error::Validation(self.errors)),
        }
    }
}

impl NewUser {
    /// Parses a registration body `{"email", "password"}`.
    pub fn from_json(body: &Value) -> Result<Self> {
        let mut fields = Fields::new(body);
        let email = fields.required_string("email");
        let password = fields.required_string("password");
        let email = email.and_then(|email| fields.check("email", Email::parse(email)));
        let password =
            password.and_then(|password| fields.check("password", Password::parse(password)));
        let user = email
            .zip(password)
            .map(|(email, password)| NewUser { email, password });
        fields.finish(user)
    }
}

impl PasswordChange {
    /// Parses `{"current_password", "new_password"}`; the new password must be acceptable.
    pub fn from_json(body: &Value) -> Result<Self> {
        let mut fields = Fields::new(body);
        let current = fields.required_string("current_password");
        let new = fields.required_string("new_password");
        let new = new.and_then(|new| fields.check("new_password", Password::parse(new)));
        let change = current.zip(new).map(|(current, new)| PasswordChange {
            current_password: current.to_owned(),
            new_password: new,
        });
        fields.finish(change)
    }
}

/// Reads one required string field of a body, such as `{"password"}` or
/// `{"refresh_token"}`.
pub fn required_field(body: &Value, name: &str) -> Result<String> {
    let mut fields = Fields::new(body);
    let value = fields.required_string(name).map(str::to_owned);
    fields.finish(value)
}

impl NewTask {
    /// Parses a creation body `{"title", "description"?, "completed"?}`.
    pub fn from_json(body: &Value) -> Result<Self> {
        let mut fields = Fields::new(body);
        let title = fields.required_string("title");
        let description = fields.nullable_string("description").flatten();
        let completed = fields.optional_bool("completed").unwrap_or(false);
        let title = title.and_then(|title| fields.check("title", Title::parse(title)));
        let description = match description {
            Some(text) => match fields.check("description", Description::parse(text)) {
                Some(description) => Some(description),
                None => return fields.finish(None),
            },
            None => None,
        };
        let task = title.map(|title| NewTask {
            title,
            description,
            completed,
        });
        fields.finish(task)
    }
}

impl TaskPatch {
    /// Parses a partial update: absent fields stay, `"description": null` clears,
    /// `"title": null` and `"completed": null` are refused.
    pub fn from_json(body: &Value) -> Result<Self> {
        let mut fields = Fields::new(body);
        let title = fields.optional_string("title");
        let description = fields.nullable_string("description");
        let completed = fields.optional_bool("completed");
        let title = match title {
            Some(title) => fields.check("title", Title::parse(title)),
            None => None,
        };
        let description = match description {
            Some(Some(text)) => fields
                .check("description", Description::parse(text))
                .map(|description| Some(Some(description)))
                .unwrap_or(None),
            Some(None) => Some(None),
            None => None,
        };
        let patch = TaskPatch {
            title,
            description,
            completed,
        };
        fields.finish(Some(patch))
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn locations(error: Error) -> Vec<(String, String)> {
        match error {
            Error::Validation(errors) => errors
                .errors()
                .iter()
                .map(|e| (e.loc.join("."), e.kind.clone()))
                .collect(),
            other => panic!("expected a validation error, got {other:?}"),
        }
    }

    fn pairs(expected: &[(&str, &str)]) -> Vec<(String, String)> {
        expected
            .iter()
            .map(|(loc, kind)| (loc.to_string(), kind.to_string()))
            .collect()
    }

    #[test]
    fn registration_reports_every_field_at_once() {
        let error = NewUser::from_json(&json!({"email": "nope", "password": "short"})).unwrap_err();
        assert_eq!(
            locations(error),
            pairs(&[
                ("body.email", "value_error"),
                ("body.password", "string_too_short")
            ])
        );
    }

    #[test]
    fn registration_reports_missing_and_mistyped_fields() {
        let error = NewUser::from_json(&json!({"password": 12345678})).unwrap_err();
        assert_eq!(
            locations(error),
            pairs(&[("body.email", "missing"), ("body.password", "string_type")])
        );
    }

    #[test]
    fn non_object_body_is_one_error_about_the_body() {
        let error = NewTask::from_json(&json!(["title"])).unwrap_err();
        assert_eq!(
            locations(error),
            pairs(&[("body", "model_attributes_type")])
        );
    }

    #[test]
    fn new_task_collects_title_description_and_completed_errors() {
        let body = json!({"title": "  ", "description": "x".repeat(2001), "completed": "yes"});
        let error = NewTask::from_json(&body).unwrap_err();
        assert_eq!(
            locations(error),
            pairs(&[
                ("body.completed", "bool_type"),
                ("body.title", "string_too_short"),
                ("body.description", "string_too_long"),
            ])
        );
    }

    #[test]
    fn new_task_defaults_and_trims() {
        let task = NewTask::from_json(&json!({"title": " Buy milk ", "description": null}))
            .expect("valid");
        assert_eq!(task.title.as_str(), "Buy milk");
        assert!(task.description.is_none());
        assert!(!task.completed);
    }

    #[test]
    fn password_change_checks_the_new_password_only() {
        let errors = locations(
            PasswordChange::from_json(&json!({"current_password": 1, "new_password": "short"}))
                .unwrap_err(),
        );
        assert_eq!(
            errors,
            pairs(&[
                ("body.current_password", "string_type"),
                ("body.new_password", "string_too_short")
            ])
        );
        let change = PasswordChange::from_json(
            &json!({"current_password": "x", "new_password": "long enough"}),
        )
        .expect("valid");
        assert_eq!(change.current_password, "x");
        assert!(!format!("{change:?}").contains("long enough"));
        let errors = locations(required_field(&json!({}), "password").unwrap_err());
        assert_eq!(errors, pairs(&[("body.password", "missing")]));
    }

    #[test]
    fn patch_distinguishes_absent_from_null() {
        let patch = TaskPatch::from_json(&json!({"description": null})).expect("valid");
        assert!(patch.title.is_none());
        assert_eq!(patch.description, Some(None));
        assert!(patch.completed.is_none());

        let empty = TaskPatch::from_json(&json!({})).expect("valid");
        assert!(empty.is_empty());
    }

    #[test]
    fn patch_refuses_null_title_and_null_completed() {
        let error = TaskPatch::from_json(&json!({"title": null, "completed": null})).unwrap_err();
        assert_eq!(
            locations(error),
            pairs(&[
                ("body.title", "string_type"),
                ("body.completed", "bool_type")
            ])
        );
    }
}
