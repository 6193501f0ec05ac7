//! Every route of the API, in one table: taskd serves it, documents it,
//! names it in logs and metrics and answers 405 from it; taskctl calls it.

use std::fmt;

/// Where the API is served unless taskd is configured otherwise.
pub const DEFAULT_PREFIX: &str = "/api/v1";

/// One route: its path under the API prefix and the methods it answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Route {
    /// The path template; `{id}` stands for the id of a task, a session or a token.
    pub path: &'static str,
    /// The methods it answers, as an `Allow` header lists them.
    pub allow: &'static str,
}

/// `POST`: create an account.
pub const REGISTER: Route = Route {
    path: "/auth/register",
    allow: "POST",
};
/// `GET`: how this server takes new accounts.
pub const REGISTRATION: Route = Route {
    path: "/auth/registration",
    allow: "GET",
};
/// `POST`: log in, with the OAuth2 password form or JSON.
pub const LOGIN: Route = Route {
    path: "/auth/login",
    allow: "POST",
};
/// `POST`: trade a refresh token for new tokens.
pub const REFRESH: Route = Route {
    path: "/auth/refresh",
    allow: "POST",
};
/// `POST`: end this token's session.
pub const LOGOUT: Route = Route {
    path: "/auth/logout",
    allow: "POST",
};
/// `POST`: change the password.
pub const PASSWORD: Route = Route {
    path: "/auth/password",
    allow: "POST",
};
/// `GET`: who am I; `PATCH`: change settings (time zone); `DELETE`: delete the account.
pub const ME: Route = Route {
    path: "/auth/me",
    allow: "GET, PATCH, DELETE",
};
/// `GET`: your API tokens; `POST`: make one.
pub const TOKENS: Route = Route {
    path: "/auth/tokens",
    allow: "GET, POST",
};
/// `DELETE`: revoke one of your API tokens.
pub const TOKEN: Route = Route {
    path: "/auth/tokens/{id}",
    allow: "DELETE",
};
/// `GET`: your live sessions; `DELETE`: end all but this one.
pub const SESSIONS: Route = Route {
    path: "/auth/sessions",
    allow: "GET, DELETE",
};
/// `DELETE`: end one of your sessions.
pub const SESSION: Route = Route {
    path: "/auth/sessions/{id}",
    allow: "DELETE",
};
/// `GET`: list tasks; `POST`: create one.
pub const TASKS: Route = Route {
    path: "/tasks",
    allow: "GET, POST",
};
/// `GET`, `PATCH`, `DELETE`: one task.
pub const TASK: Route = Route {
    path: "/tasks/{id}",
    allow: "GET, PATCH, DELETE",
};
/// `GET`: a repeating task's completed occurrences, newest first.
pub const COMPLETIONS: Route = Route {
    path: "/tasks/{id}/completions",
    allow: "GET",
};
/// `POST`: move a repeating task to its next occurrence, recording nothing.
pub const SKIP: Route = Route {
    path: "/tasks/{id}/skip",
    allow: "POST",
};
/// `POST`: take back a repeating task's newest completed occurrence.
pub const UNCOMPLETE: Route = Route {
    path: "/tasks/{id}/uncomplete",
    allow: "POST",
};
/// `GET`: your tags with counts.
pub const TAGS: Route = Route {
    path: "/tags",
    allow: "GET",
};
/// `GET`: your deleted tasks, newest deletion first.
pub const TRASH: Route = Route {
    path: "/trash",
    allow: "GET",
};
/// `DELETE`: erase a trashed task for good.
pub const TRASHED: Route = Route {
    path: "/trash/{id}",
    allow: "DELETE",
};
/// `POST`: put a trashed task back.
pub const RESTORE: Route = Route {
    path: "/trash/{id}/restore",
    allow: "POST",
};
/// `GET`: what changed since a cursor (or every task, to start).
pub const CHANGES: Route = Route {
    path: "/changes",
    allow: "GET",
};
/// `GET`: every task of yours, as one JSON document.
pub const EXPORT: Route = Route {
    path: "/export",
    allow: "GET",
};
/// `POST`: create tasks from an export (taskd's or Taskwarrior's).
pub const IMPORT: Route = Route {
    path: "/import",
    allow: "POST",
};
/// `GET`: liveness and database check (also served at the root).
pub const HEALTH: Route = Route {
    path: "/health",
    allow: "GET",
};

/// `GET`: your lists; `POST`: make one.
pub const LISTS: Route = Route {
    path: "/lists",
    allow: "GET, POST",
};
/// `GET`, `PATCH`, `DELETE`: one list.
pub const LIST: Route = Route {
    path: "/lists/{id}",
    allow: "GET, PATCH, DELETE",
};

/// Every route under the API prefix.
pub const ALL: [Route; 26] = [
    REGISTER,
    REGISTRATION,
    LOGIN,
    REFRESH,
    LOGOUT,
    PASSWORD,
    ME,
    SESSIONS,
    SESSION,
    TOKENS,
    TOKEN,
    TASKS,
    TASK,
    COMPLETIONS,
    SKIP,
    UNCOMPLETE,
    LISTS,
    LIST,
    TAGS,
    TRASH,
    TRASHED,
    RESTORE,
    CHANGES,
    EXPORT,
    IMPORT,
    HEALTH,
];

impl Route {
    /// The path with its `{id}` filled in.
    pub fn with_id(&self, id: impl fmt::Display) -> String {
        self.path.replace("{id}", &id.to_string())
    }

    /// The methods it answers, one by one.
    pub fn methods(&self) -> impl Iterator<Item = &'static str> {
        self.allow.split(", ")
    }

    /// Whether `path` (under the prefix, without query) is served by this
    /// route: its segments equal, `{id}` matching any one non-empty segment.
    pub fn matches(&self, path: &str) -> bool {
        // One pass over both, byte by byte: every request's path is matched
        // against the table to name its route in logs and metrics.
        let (mut template, mut path) = (self.path.as_bytes(), path.as_bytes());
        loop {
            if let Some(rest) = template.strip_prefix(b"{id}") {
                let segment = path
                    .iter()
                    .position(|&byte| byte == b'/')
                    .unwrap_or(path.len());
                if segment == 0 {
                    return false;
                }
                (template, path) = (rest, &path[segment..]);
                continue;
            }
            match (template.split_first(), path.split_first()) {
                (None, None) => return true,
                (Some((expected, template_rest)), Some((byte, path_rest))) if expected == byte => {
                    (template, path) = (template_rest, path_rest);
                }
                _ => return false,
            }
        }
    }

    /// The route serving `path`, if any.
    pub fn find(path: &str) -> Option<Route> {
        ALL.into_iter().find(|route| route.matches(path))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_find_their_route_and_ids_fill_in() {
        assert_eq!(Route::find("/tasks/42"), Some(TASK));
        assert_eq!(Route::find("/tasks"), Some(TASKS));
        assert_eq!(Route::find("/tasks/"), None);
        assert_eq!(Route::find("/tasks/42/x"), None);
        assert_eq!(Route::find("/tasks//completions"), None);
        assert_eq!(Route::find("/tasks/42/completions"), Some(COMPLETIONS));
        assert_eq!(Route::find("/tasks/42/completions/"), None);
        assert_eq!(Route::find("/task"), None);
        assert_eq!(Route::find(""), None);
        assert_eq!(Route::find("/auth/me"), Some(ME));
        assert_eq!(TASK.with_id(7), "/tasks/7");
        assert_eq!(ME.methods().collect::<Vec<_>>(), ["GET", "PATCH", "DELETE"]);
    }
}
