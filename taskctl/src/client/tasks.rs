//! Task calls: listing, reading, changing, the trash and tags.

use reqwest::blocking::RequestBuilder;
use serde_json::Value;
use taskcore::routes::{self, TAGS, TASK, TASKS};
use taskcore::{Completion, TagCount, Task, TaskCreate, TaskQuery, TaskUpdate, TrashedTask};

use super::connection::{Client, Fetched, TAGS_MAX_BYTES};
use super::error::ClientError;

/// One page of tasks and the total the server reported.
#[derive(Debug, Clone)]
pub struct TaskList {
    pub tasks: Vec<Task>,
    pub json: Vec<Value>,
    pub total: u64,
    /// The `next` page's path and query, from the `Link` header.
    pub next: Option<String>,
}

impl Client {
    /// `GET /tags`.
    pub fn tags(&self) -> Result<Fetched<Vec<TagCount>>, ClientError> {
        let response = self.send(self.http.get(self.url(TAGS.path)))?;
        self.read_up_to(response, TAGS_MAX_BYTES)
    }

    /// `POST /tasks`.
    pub fn create_task(&self, task: &TaskCreate) -> Result<Fetched<Task>, ClientError> {
        let response = self.send(self.http.post(self.url(TASKS.path)).json(task))?;
        self.read(response)
    }

    /// `GET /tasks` for this listing (filters, sort, page), written as the
    /// server reads it.
    pub fn list_tasks(&self, query: &TaskQuery) -> Result<TaskList, ClientError> {
        let request = self.http.get(self.url(TASKS.path)).query(&query.to_pairs());
        self.task_list(request)
    }

    /// The page a listing's `next` link names (a path on this server).
    pub fn next_tasks(&self, next: &str) -> Result<TaskList, ClientError> {
        if !next.starts_with('/') || next.starts_with("//") {
            return Err(self.invalid(format!("a next link off this server: {next}")));
        }
        self.task_list(self.http.get(format!("{}{next}", self.server)))
    }

    fn task_list(&self, request: RequestBuilder) -> Result<TaskList, ClientError> {
        let response = self.send(request)?;
        let headers = response.headers();
        let total = headers
            .get("x-total-count")
            .and_then(|value| value.to_str().ok())
            .and_then(|text| text.parse().ok())
            .ok_or_else(|| self.invalid("no X-Total-Count header".to_owned()))?;
        let next = headers
            .get(reqwest::header::LINK)
            .and_then(|value| value.to_str().ok())
            .and_then(next_link);
        let fetched: Fetched<Vec<Task>> = self.read(response)?;
        let json = match fetched.json {
            Value::Array(items) => items,
            other => vec![other],
        };
        Ok(TaskList {
            tasks: fetched.value,
            json,
            total,
            next,
        })
    }

    /// `GET /tasks/{id}/completions`: the newest `limit` completed
    /// occurrences of a repeating task.
    pub fn completions(
        &self,
        id: i64,
        limit: u32,
    ) -> Result<Fetched<Vec<Completion>>, ClientError> {
        let request = self
            .http
            .get(self.url(&routes::COMPLETIONS.with_id(id)))
            .query(&[("limit", limit.to_string())]);
        let response = self.send(request)?;
        self.read(response)
    }

    /// `GET /tasks/{id}`.
    pub fn task(&self, id: i64) -> Result<Fetched<Task>, ClientError> {
        let response = self.send(self.http.get(self.url(&TASK.with_id(id))))?;
        self.read(response)
    }

    /// `PATCH /tasks/{id}`.
    pub fn update_task(&self, id: i64, patch: &TaskUpdate) -> Result<Fetched<Task>, ClientError> {
        let response = self.send(self.http.patch(self.url(&TASK.with_id(id))).json(patch))?;
        self.read(response)
    }

    /// `PATCH /tasks/{id}` with `If-Match`: only if the task is still at
    /// `version` ([`ClientError::Changed`] otherwise).
    pub fn update_task_at(
        &self,
        id: i64,
        version: i64,
        patch: &TaskUpdate,
    ) -> Result<Fetched<Task>, ClientError> {
        let request = self
            .http
            .patch(self.url(&TASK.with_id(id)))
            .header(reqwest::header::IF_MATCH, format!("\"{version}\""))
            .json(patch);
        let response = self.send(request)?;
        self.read(response)
    }

    /// `POST /tasks/{id}/uncomplete` with `If-Match`: takes back a
    /// repeating task's newest completed occurrence, only if the task is
    /// still at `version` ([`ClientError::Changed`] otherwise).
    pub fn uncomplete_task_at(&self, id: i64, version: i64) -> Result<Fetched<Task>, ClientError> {
        let request = self
            .http
            .post(self.url(&routes::UNCOMPLETE.with_id(id)))
            .header(reqwest::header::IF_MATCH, format!("\"{version}\""));
        let response = self.send(request)?;
        self.read(response)
    }

    /// `DELETE /tasks/{id}`: moves the task to the trash.
    pub fn delete_task(&self, id: i64) -> Result<(), ClientError> {
        self.send(self.http.delete(self.url(&TASK.with_id(id))))?;
        Ok(())
    }

    /// `DELETE /tasks/{id}` with `If-Match`: only if the task is still at
    /// `version`.
    pub fn delete_task_at(&self, id: i64, version: i64) -> Result<(), ClientError> {
        let request = self
            .http
            .delete(self.url(&TASK.with_id(id)))
            .header(reqwest::header::IF_MATCH, format!("\"{version}\""));
        self.send(request)?;
        Ok(())
    }

    /// `POST /tasks` with an `Idempotency-Key`: sent again with the same
    /// key, it creates nothing new and answers with the same task.
    pub fn create_task_once(
        &self,
        task: &TaskCreate,
        key: &str,
    ) -> Result<Fetched<Task>, ClientError> {
        let request = self
            .http
            .post(self.url(TASKS.path))
            .header("idempotency-key", key)
            .json(task);
        let response = self.send(request)?;
        self.read(response)
    }

    /// `GET /trash`: one page of trashed tasks, newest deletion first, and
    /// how many there are.
    pub fn trash(
        &self,
        skip: u64,
        limit: u32,
    ) -> Result<(Fetched<Vec<TrashedTask>>, u64), ClientError> {
        let request = self
            .http
            .get(self.url(routes::TRASH.path))
            .query(&[("skip", skip.to_string()), ("limit", limit.to_string())]);
        let response = self.send(request)?;
        let total = response
            .headers()
            .get("x-total-count")
            .and_then(|value| value.to_str().ok())
            .and_then(|text| text.parse().ok())
            .ok_or_else(|| self.invalid("no X-Total-Count header".to_owned()))?;
        Ok((self.read(response)?, total))
    }

    /// `DELETE /trash/{id}`: erases a trashed task for good.
    pub fn erase_task(&self, id: i64) -> Result<(), ClientError> {
        self.send(self.http.delete(self.url(&routes::TRASHED.with_id(id))))?;
        Ok(())
    }

    /// `POST /trash/{id}/restore`.
    pub fn restore_task(&self, id: i64) -> Result<Fetched<Task>, ClientError> {
        let response = self.send(self.http.post(self.url(&routes::RESTORE.with_id(id))))?;
        self.read(response)
    }
}

/// The target of the `rel="next"` entry of an RFC 8288 `Link` value.
fn next_link(link: &str) -> Option<String> {
    link.split(',').find_map(|entry| {
        let (target, parameters) = entry.trim().split_once(';')?;
        let is_next = parameters
            .split(';')
            .any(|parameter| parameter.trim().replace(' ', "") == "rel=\"next\"");
        let target = target.trim().strip_prefix('<')?.strip_suffix('>')?;
        is_next.then(|| target.to_owned())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_next_link_is_found_among_others() {
        assert_eq!(
            next_link("</api/v1/tasks?skip=0&limit=2>; rel=\"prev\", </api/v1/tasks?limit=2&cursor=x>; rel=\"next\"")
                .as_deref(),
            Some("/api/v1/tasks?limit=2&cursor=x")
        );
        assert_eq!(next_link("</a>; rel=\"prev\""), None);
    }
}
