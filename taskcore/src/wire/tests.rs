//! Bodies read as the server reads them: every field error at once.

use serde_json::json;

use super::*;
use crate::error::Error;

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
    let error = UserCreate::from_json(&json!({"email": "nope", "password": "short"})).unwrap_err();
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
    let error = UserCreate::from_json(&json!({"password": 12345678})).unwrap_err();
    assert_eq!(
        locations(error),
        pairs(&[("body.email", "missing"), ("body.password", "string_type")])
    );
}

#[test]
fn registration_normalises_the_email() {
    let user =
        UserCreate::from_json(&json!({"email": " Jane@Example.COM ", "password": "password123"}))
            .expect("valid");
    assert_eq!(user.email.as_str(), "jane@example.com");
}

#[test]
fn non_object_body_is_one_error_about_the_body() {
    let error = TaskCreate::from_json(&json!(["title"])).unwrap_err();
    assert_eq!(
        locations(error),
        pairs(&[("body", "model_attributes_type")])
    );
}

#[test]
fn new_task_collects_title_description_and_completed_errors() {
    let body = json!({"title": "  ", "description": "x".repeat(2001), "completed": "yes"});
    let error = TaskCreate::from_json(&body).unwrap_err();
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
    let task =
        TaskCreate::from_json(&json!({"title": " Buy milk ", "description": null})).expect("valid");
    assert_eq!(task.title.as_str(), "Buy milk");
    assert!(task.description.is_none());
    assert!(!task.completed);
}

#[test]
fn a_mistyped_field_is_not_also_checked_against_its_rules() {
    // A number is no title: one error, not "string_type" and "too short".
    let error = TaskCreate::from_json(&json!({"title": 5})).unwrap_err();
    assert_eq!(locations(error), pairs(&[("body.title", "string_type")]));
}

#[test]
fn password_change_checks_the_new_password_only() {
    let errors = locations(
        PasswordChangeRequest::from_json(&json!({"current_password": 1, "new_password": "short"}))
            .unwrap_err(),
    );
    assert_eq!(
        errors,
        pairs(&[
            ("body.current_password", "string_type"),
            ("body.new_password", "string_too_short")
        ])
    );
    let change = PasswordChangeRequest::from_json(
        &json!({"current_password": "x", "new_password": "long enough"}),
    )
    .expect("valid");
    assert_eq!(change.current_password, "x");
    assert!(!format!("{change:?}").contains("long enough"));
    let errors = locations(AccountDelete::from_json(&json!({})).unwrap_err());
    assert_eq!(errors, pairs(&[("body.password", "missing")]));
}

#[test]
fn patch_distinguishes_absent_from_null() {
    let patch = TaskUpdate::from_json(&json!({"description": null})).expect("valid");
    assert!(patch.title.is_none());
    assert_eq!(patch.description, Some(None));
    assert!(patch.completed.is_none());

    let empty = TaskUpdate::from_json(&json!({})).expect("valid");
    assert!(empty.is_empty());
}

#[test]
fn patch_refuses_null_title_and_null_completed() {
    let error = TaskUpdate::from_json(&json!({"title": null, "completed": null})).unwrap_err();
    assert_eq!(
        locations(error),
        pairs(&[
            ("body.title", "string_type"),
            ("body.completed", "bool_type")
        ])
    );
}

#[test]
fn json_login_refuses_other_fields_by_name() {
    let error = LoginRequest::from_json(&json!({"email": "a@b.co", "password": 1, "username": ""}))
        .unwrap_err();
    assert_eq!(
        locations(error),
        pairs(&[
            ("body.password", "string_type"),
            ("body.username", "extra_forbidden")
        ])
    );
}

#[test]
fn form_login_reads_fields_as_fastapi_does() {
    let form = |fields: &[(&str, &str)]| -> Vec<(String, String)> {
        fields
            .iter()
            .map(|(name, value)| (name.to_string(), value.to_string()))
            .collect()
    };
    // The last value wins; an empty value is no value.
    let login = LoginForm::from_pairs(&form(&[
        ("username", "first@example.com"),
        ("username", "jane@example.com"),
        ("password", "secret"),
        ("grant_type", ""),
    ]))
    .expect("valid");
    assert_eq!(login.username, "jane@example.com");
    assert_eq!(login.grant_type, None);
    let error = LoginForm::from_pairs(&form(&[
        ("grant_type", "client_credentials"),
        ("password", ""),
    ]))
    .unwrap_err();
    assert_eq!(
        locations(error),
        pairs(&[
            ("body.grant_type", "string_pattern_mismatch"),
            ("body.username", "missing"),
            ("body.password", "missing"),
        ])
    );
}

#[test]
fn what_a_client_sends_reads_back_unchanged() {
    let update = TaskUpdate {
        title: Some("Call mum".into()),
        description: Some(None),
        ..TaskUpdate::default()
    };
    let sent = serde_json::to_value(&update).expect("serialise");
    assert_eq!(sent, json!({"title": "Call mum", "description": null}));
    assert_eq!(
        TaskUpdate::from_json(&sent).expect("valid"),
        crate::model::TaskPatch {
            title: Some(crate::types::Title::parse("Call mum").expect("title")),
            description: Some(None),
            ..crate::model::TaskPatch::default()
        }
    );
}

#[test]
fn a_checked_body_is_sent_as_the_body_it_holds() {
    let login = LoginRequest {
        email: "jane@example.com".to_owned(),
        password: "password123".to_owned(),
        client_name: Some("a test".to_owned()),
    };
    let checked = login.clone().validate().expect("a login has no rules");
    assert_eq!(
        serde_json::to_value(&checked).expect("serialises"),
        serde_json::to_value(&login).expect("serialises")
    );
}
