//! The OpenAPI document, generated from the handlers' annotations.

use std::collections::BTreeMap;

use utoipa::openapi::security::{
    Flow, HttpAuthScheme, HttpBuilder, OAuth2, Password, Scopes, SecurityScheme,
};
use utoipa::{Modify, OpenApi};

use crate::problem::{ErrorDetail, ValidationDetail};
use crate::routes;

#[derive(OpenApi)]
#[openapi(
    info(
        description = "A personal task manager: register, log in with the OAuth2 password form to get a \
                       short-lived bearer token and a refresh token, then create, list, read, update and \
                       delete your own tasks. Refresh tokens are single-use: each refresh returns the next \
                       one, and a spent one presented again revokes its session. Logging out, changing the \
                       password or deleting the account revokes tokens at once. Errors are JSON with a \
                       `detail` key; brute-force limits answer 429 with `Retry-After`."
    ),
    paths(
        routes::auth::register,
        routes::auth::registration,
        routes::auth::login,
        routes::auth::refresh,
        routes::auth::logout,
        routes::auth::change_password,
        routes::auth::me,
        routes::auth::update_me,
        routes::auth::delete_me,
        routes::sessions::list_sessions,
        routes::sessions::end_other_sessions,
        routes::sessions::end_session,
        routes::tokens::create_token,
        routes::tokens::list_tokens,
        routes::tokens::delete_token,
        routes::tasks::list_tasks,
        routes::tasks::create_task,
        routes::tasks::get_task,
        routes::tasks::update_task,
        routes::tasks::delete_task,
        routes::tasks::list_tags,
        routes::repeating::list_completions,
        routes::repeating::skip_occurrence,
        routes::repeating::uncomplete_occurrence,
        routes::lists::list_lists,
        routes::lists::create_list,
        routes::lists::get_list,
        routes::lists::update_list,
        routes::lists::delete_list,
        routes::sync::list_trash,
        routes::sync::restore_task,
        routes::sync::erase_task,
        routes::sync::list_changes,
        routes::portability::export_tasks,
        routes::portability::import_tasks,
        routes::health::health,
    ),
    components(schemas(ErrorDetail, ValidationDetail, taskcore::FieldError)),
    tags(
        (name = "auth", description = "Accounts and tokens"),
        (name = "tasks", description = "Your tasks"),
        (name = "lists", description = "Your lists: every task is in one"),
        (name = "trash", description = "Deleted tasks, until restored or erased"),
        (name = "sync", description = "What changed since you last looked"),
        (name = "health", description = "Probes"),
    ),
)]
struct ApiDoc;

/// The document for a server with this name and API prefix: paths are
/// written without the prefix in the annotations and prefixed here, so the
/// document always matches the configured routes.
pub fn document(project_name: &str, api_prefix: &str) -> utoipa::openapi::OpenApi {
    let mut openapi = ApiDoc::openapi();
    openapi.info.title = project_name.to_owned();
    openapi.info.version = env!("CARGO_PKG_VERSION").to_owned();
    let paths = std::mem::take(&mut openapi.paths.paths);
    openapi.paths.paths = paths
        .into_iter()
        .map(|(path, item)| (format!("{api_prefix}{path}"), item))
        .collect::<BTreeMap<_, _>>();
    SecuritySchemes { api_prefix }.modify(&mut openapi);
    taskcore::wire::rules::add_body_rules(&mut openapi);
    openapi
}

/// Declares the bearer token twice: as the OAuth2 password flow (so Swagger
/// UI's "Authorize" can log in with email and password) and as a plain HTTP
/// bearer scheme (to paste a token).
struct SecuritySchemes<'a> {
    api_prefix: &'a str,
}

impl Modify for SecuritySchemes<'_> {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        let token_url = format!("{}/auth/login", self.api_prefix);
        components.add_security_scheme(
            "OAuth2PasswordBearer",
            SecurityScheme::OAuth2(OAuth2::new([Flow::Password(Password::new(
                token_url,
                Scopes::new(),
            ))])),
        );
        components.add_security_scheme(
            "bearerAuth",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .build(),
            ),
        );
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use taskcore::routes;

    use super::*;

    /// Every `$ref` in the document names a schema the document holds: a
    /// dangling one makes clients and fuzzers skip that part.
    #[test]
    fn every_reference_resolves() {
        fn references<'v>(value: &'v serde_json::Value, found: &mut Vec<&'v str>) {
            match value {
                serde_json::Value::Object(map) => {
                    if let Some(serde_json::Value::String(target)) = map.get("$ref") {
                        found.push(target);
                    }
                    map.values().for_each(|inner| references(inner, found));
                }
                serde_json::Value::Array(items) => {
                    items.iter().for_each(|inner| references(inner, found));
                }
                _ => {}
            }
        }
        let document = serde_json::to_value(document("taskd", "/api/v1")).expect("JSON");
        let mut found = Vec::new();
        references(&document, &mut found);
        assert!(found.len() > 10, "{} references", found.len());
        let dangling: Vec<&&str> = found
            .iter()
            .filter(|target| {
                let pointer = target.trim_start_matches('#');
                !target.starts_with("#/") || document.pointer(pointer).is_none()
            })
            .collect();
        assert!(dangling.is_empty(), "{dangling:?}");
    }

    /// Every route of the table is documented with exactly its methods, and
    /// nothing else is: a route cannot be served but undocumented, or the reverse.
    #[test]
    fn the_document_lists_the_route_table() {
        let document = serde_json::to_value(document("taskd", "/api/v1")).expect("JSON");
        let documented: BTreeMap<String, Vec<String>> = document["paths"]
            .as_object()
            .expect("paths")
            .iter()
            .map(|(path, item)| {
                let mut methods: Vec<String> = item
                    .as_object()
                    .expect("path item")
                    .keys()
                    .filter(|key| {
                        matches!(key.as_str(), "get" | "post" | "put" | "patch" | "delete")
                    })
                    .map(|method| method.to_uppercase())
                    .collect();
                methods.sort();
                (path.clone(), methods)
            })
            .collect();
        let table: BTreeMap<String, Vec<String>> = routes::ALL
            .iter()
            .map(|route| {
                let mut methods: Vec<String> = route.methods().map(str::to_owned).collect();
                methods.sort();
                (format!("/api/v1{}", route.path), methods)
            })
            .collect();
        assert_eq!(documented, table);
    }
}
