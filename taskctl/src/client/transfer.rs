//! Whole-account transfers: export to a file, import from a document.

use reqwest::blocking::Response;
use serde_json::Value;
use taskcore::routes;

use super::connection::{Client, EXPORT_MAX_BYTES, Fetched, root_cause};
use super::error::ClientError;

/// What an import did, as the server reports it.
#[derive(Debug, Clone, serde::Deserialize)]
pub struct ImportSummary {
    /// Tasks created (or, in a dry run, that would be).
    pub created: u64,
    /// Tasks an earlier import brought already.
    pub skipped: u64,
    /// Entries that cannot be imported: `{"index", "detail"}`.
    pub errors: Vec<Value>,
    /// The tasks created live, with their versions (for undo); a server
    /// before this list sends none.
    #[serde(default)]
    pub created_tasks: Vec<taskcore::import::CreatedTask>,
    /// Fields the server had no place for, with how many entries had each.
    #[serde(default)]
    pub dropped_fields: std::collections::BTreeMap<String, u64>,
    /// Taskwarrior occurrences left out, each series imported as one
    /// repeating task.
    #[serde(default)]
    pub recurring_occurrences: u64,
}

impl Client {
    /// `GET /export`, copied into `out` as it arrives and checked to be one
    /// JSON document as it goes (at most [`EXPORT_MAX_BYTES`]); returns the
    /// bytes written. An answer that is not JSON (by its type, or by what
    /// it holds) is an error: what was written of it is incomplete.
    pub fn export(&self, out: &mut dyn std::io::Write) -> Result<u64, ClientError> {
        let response = self.send(self.http.get(self.url(routes::EXPORT.path)))?;
        let media_type = response
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|value| value.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        if !media_type.starts_with("application/json") {
            return Err(self.invalid(format!(
                "the export is not JSON (Content-Type: {media_type:?}); nothing was written"
            )));
        }
        let mut copy = CheckedCopy {
            from: response,
            to: out,
            written: 0,
            failed: None,
        };
        let checked = serde_json::from_reader::<_, serde::de::IgnoredAny>(
            std::io::BufReader::with_capacity(64 * 1024, &mut copy),
        );
        if let Some(failure) = copy.failed.take() {
            return Err(self.invalid(failure));
        }
        if let Err(error) = checked {
            return Err(self.invalid(format!(
                "the export is not one JSON document ({error}); what was written of it is incomplete"
            )));
        }
        Ok(copy.written)
    }

    /// `POST /import` of a document (taskd's export or Taskwarrior's).
    pub fn import(
        &self,
        document: Vec<u8>,
        dry_run: bool,
    ) -> Result<Fetched<ImportSummary>, ClientError> {
        let request = self
            .http
            .post(self.url(routes::IMPORT.path))
            .query(&[("dry_run", dry_run.to_string())])
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .body(document);
        let response = self.send(request)?;
        self.read(response)
    }
}

/// Copies what it reads from an answer into `to`, up to
/// [`EXPORT_MAX_BYTES`]; a write that fails, or too much, ends the reading
/// with the reason kept in `failed`.
struct CheckedCopy<'a> {
    from: Response,
    to: &'a mut dyn std::io::Write,
    written: u64,
    failed: Option<String>,
}

impl std::io::Read for CheckedCopy<'_> {
    fn read(&mut self, buffer: &mut [u8]) -> std::io::Result<usize> {
        let read = self.from.read(buffer).inspect_err(|error| {
            self.failed = Some(format!("the export was cut short: {}", root_cause(error)));
        })?;
        self.written += read as u64;
        if self.written > EXPORT_MAX_BYTES {
            let failure = format!(
                "the export is larger than {} GiB; taskctl wrote no more of it",
                EXPORT_MAX_BYTES >> 30
            );
            self.failed = Some(failure.clone());
            return Err(std::io::Error::other(failure));
        }
        self.to.write_all(&buffer[..read]).inspect_err(|error| {
            self.failed = Some(format!("cannot write the export: {error}"));
        })?;
        Ok(read)
    }
}
