//! Answers many routes share, described once for the OpenAPI document.
//! Never built: each names a status, a description and the body the one
//! error mapping (`problem.rs`) sends with it.

#![allow(dead_code)] // Describes answers; never built.

use crate::problem::ErrorDetail;

/// 401 of a route that needs a bearer token.
#[derive(utoipa::IntoResponses)]
#[response(
    status = 401,
    description = "Missing, invalid, expired or revoked token"
)]
pub struct Unauthorized(ErrorDetail);

/// 413 and 415 of a route that takes a JSON body of at most 1 MiB (the
/// filters' `BODY_LIMIT`).
#[derive(utoipa::IntoResponses)]
pub enum JsonBodyRefused {
    #[response(status = 413, description = "Body larger than 1 MiB")]
    TooLarge(ErrorDetail),
    #[response(status = 415, description = "Body is not JSON")]
    NotJson(ErrorDetail),
}

/// 400, 412 and 428 of a route that honours `If-Match`.
#[derive(utoipa::IntoResponses)]
pub enum IfMatchRefused {
    #[response(status = 400, description = "If-Match is not a list of entity tags")]
    NotTags(ErrorDetail),
    #[response(
        status = 412,
        description = "The task is at another version; nothing changed",
        headers(("ETag" = String, description = "The task's current version in quotes"))
    )]
    Stale(ErrorDetail),
    #[response(status = 428, description = "The server requires If-Match")]
    Required(ErrorDetail),
}
