//! Users and tasks as the API shows them.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::types::{TaskId, UserId};

/// A registered account, as shown to its owner. The password hash never leaves storage.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct User {
    /// Account id.
    #[cfg_attr(feature = "openapi", schema(value_type = i64, example = 1))]
    pub id: UserId,
    /// Normalised (lower-case) email address.
    #[cfg_attr(feature = "openapi", schema(example = "jane@example.com"))]
    pub email: String,
    /// When the account was created (UTC).
    pub created_at: DateTime<Utc>,
}

/// A task, as stored and as returned by the API.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Task {
    /// Task id; never reused.
    #[cfg_attr(feature = "openapi", schema(value_type = i64, example = 1))]
    pub id: TaskId,
    /// Title, 1 to 255 characters.
    #[cfg_attr(feature = "openapi", schema(example = "Buy milk"))]
    pub title: String,
    /// Optional description, at most 2,000 characters.
    pub description: Option<String>,
    /// Whether the task is done.
    pub completed: bool,
    /// The owner's account id.
    #[cfg_attr(feature = "openapi", schema(value_type = i64, example = 1))]
    pub owner_id: UserId,
    /// When the task was created (UTC); never changes.
    pub created_at: DateTime<Utc>,
    /// When the task last changed (UTC).
    pub updated_at: DateTime<Utc>,
}

/// One page of a task listing and the total number of tasks the owner has.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskPage {
    /// The tasks on this page, oldest first.
    pub tasks: Vec<Task>,
    /// How many tasks the owner has in all.
    pub total: u64,
}
