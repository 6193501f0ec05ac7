//! List calls: your lists, and making, changing and deleting one.

use taskcore::routes::{LIST, LISTS};
use taskcore::{ListCreate, ListUpdate};

use super::connection::{Client, Fetched};
use super::error::ClientError;

impl Client {
    /// `GET /lists`: every list, by position.
    pub fn lists(&self) -> Result<Fetched<Vec<taskcore::TaskList>>, ClientError> {
        let response = self.send(self.http.get(self.url(LISTS.path)))?;
        self.read(response)
    }

    /// `POST /lists`.
    pub fn create_list(
        &self,
        list: &ListCreate,
    ) -> Result<Fetched<taskcore::TaskList>, ClientError> {
        let response = self.send(self.http.post(self.url(LISTS.path)).json(list))?;
        self.read(response)
    }

    /// `PATCH /lists/{id}` with `If-Match`: only if the list is still at
    /// `version`.
    pub fn update_list(
        &self,
        id: i64,
        version: i64,
        patch: &ListUpdate,
    ) -> Result<Fetched<taskcore::TaskList>, ClientError> {
        let request = self
            .http
            .patch(self.url(&LIST.with_id(id)))
            .header(reqwest::header::IF_MATCH, format!("\"{version}\""))
            .json(patch);
        let response = self.send(request)?;
        self.read(response)
    }

    /// `DELETE /lists/{id}` with `If-Match`; with `trash_tasks`, its tasks
    /// go to the trash with it.
    pub fn delete_list(&self, id: i64, version: i64, trash_tasks: bool) -> Result<(), ClientError> {
        let mut request = self
            .http
            .delete(self.url(&LIST.with_id(id)))
            .header(reqwest::header::IF_MATCH, format!("\"{version}\""));
        if trash_tasks {
            request = request.query(&[("tasks", "trash")]);
        }
        self.send(request)?;
        Ok(())
    }
}
