//! A typed, blocking HTTP client for the taskd API.
//!
//! Every call returns taskcore's models together with the JSON the server
//! sent, so callers can show either.

use std::time::Duration;

use reqwest::StatusCode;
use reqwest::blocking::{RequestBuilder, Response};
use serde::de::DeserializeOwned;
use serde_json::Value;
use taskcore::routes::{self, LOGIN, LOGOUT, ME, PASSWORD, REFRESH, REGISTER, TAGS, TASK, TASKS};
use taskcore::{
    AccountDelete, ErrorBody, PasswordChangeRequest, RefreshRequest, TagCount, Task, TaskCreate,
    TaskUpdate, Token, TrashedTask, User, UserCreate, UserUpdate,
};

/// The API's path under the server URL.
pub const API_PREFIX: &str = routes::DEFAULT_PREFIX;

/// The largest JSON answer taskctl reads: a page of 200 tasks with every
/// field at its longest is under 4 MiB.
pub const ANSWER_MAX_BYTES: u64 = 16 * 1024 * 1024;
/// The largest tag list read: it is not paged, and an account may have
/// hundreds of thousands of tags.
const TAGS_MAX_BYTES: u64 = 128 * 1024 * 1024;
/// The largest error answer read for its message.
const ERROR_MAX_BYTES: u64 = 64 * 1024;
/// The largest export written: it goes to a file, as it arrives.
pub const EXPORT_MAX_BYTES: u64 = 4 * 1024 * 1024 * 1024;
/// Redirects followed within the server before taskctl gives up.
const MAX_REDIRECTS: usize = 5;

/// How long to wait for the server.
#[derive(Debug, Clone, Copy)]
pub struct Timeouts {
    /// To open a connection.
    pub connect: Duration,
    /// For a whole request.
    pub request: Duration,
}

/// How to reach the server: timeouts, and certificate authorities to trust
/// besides the platform's (a self-hosted CA).
#[derive(Debug, Clone, Default)]
pub struct ClientOptions {
    /// How long to wait.
    pub timeouts: Timeouts,
    /// Extra trusted roots, for HTTPS to a server with a private CA.
    pub root_certificates: Vec<reqwest::Certificate>,
}

impl ClientOptions {
    /// Reads the PEM certificates of a CA file (one or several).
    pub fn trust_pem_file(mut self, path: &std::path::Path) -> Result<Self, ClientError> {
        let unusable = |reason: String| ClientError::CaCertificate {
            path: path.display().to_string(),
            reason,
        };
        let pem = std::fs::read(path).map_err(|error| unusable(error.to_string()))?;
        let certificates = reqwest::Certificate::from_pem_bundle(&pem)
            .map_err(|error| unusable(error.to_string()))?;
        if certificates.is_empty() {
            return Err(unusable("no PEM certificate in it".to_owned()));
        }
        self.root_certificates.extend(certificates);
        Ok(self)
    }
}

impl Default for Timeouts {
    fn default() -> Self {
        Self {
            connect: Duration::from_secs(5),
            request: Duration::from_secs(30),
        }
    }
}

/// Why a call failed.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// The server URL is not an http(s) URL.
    #[error("'{0}' is not a server URL: use http://HOST:PORT")]
    InvalidServerUrl(String),
    /// The CA file given to trust cannot be used.
    #[error("cannot use the CA certificate file {path}: {reason}")]
    CaCertificate { path: String, reason: String },
    /// No answer: refused, timed out, unknown host.
    #[error("cannot reach taskd at {server}: {reason}")]
    Unreachable { server: String, reason: String },
    /// 401: no, expired or revoked credentials, or a failed login.
    #[error("{detail}")]
    Unauthorized { detail: String },
    /// 404.
    #[error("{detail}")]
    NotFound { detail: String },
    /// 412: a change guarded by `If-Match` found the task at another version;
    /// nothing changed.
    #[error("{detail}")]
    Changed {
        current: Option<i64>,
        detail: String,
    },
    /// Another 4xx: the request was refused (validation, conflict…).
    #[error("{detail}")]
    Refused { status: u16, detail: String },
    /// 5xx.
    #[error("the server failed ({status}): {detail}")]
    Server { status: u16, detail: String },
    /// A redirect to another origin, not followed: it would carry the
    /// request's body (a password, a refresh token) to another server.
    #[error(
        "{server} redirected to {location}; taskctl follows no redirect to another server, so nothing was sent there (if taskd has moved, use --server with its new address)"
    )]
    Redirected { server: String, location: String },
    /// Redirects within the server that lead back where they began, or
    /// on and on.
    #[error(
        "{server} {reason}; taskctl stopped following them (check --server and the proxy in front of taskd)"
    )]
    RedirectLoop { server: String, reason: String },
    /// The answer was not what the API promises.
    #[error("unexpected answer from {server}: {reason}")]
    InvalidResponse { server: String, reason: String },
}

/// A value read from the API and the JSON it was read from.
#[derive(Debug, Clone)]
pub struct Fetched<T> {
    pub value: T,
    pub json: Value,
}

/// What an import did, as the server reports it.
#[derive(Debug, Clone, serde::Deserialize)]
pub struct ImportSummary {
    /// Tasks created (or, in a dry run, that would be).
    pub created: u64,
    /// Tasks an earlier import brought already.
    pub skipped: u64,
    /// Entries that cannot be imported: `{"index", "detail"}`.
    pub errors: Vec<Value>,
}

/// The version an ETag names (`"3"`), if it names one.
pub fn etag_version(etag: Option<&str>) -> Option<i64> {
    etag?
        .trim()
        .strip_prefix('"')?
        .strip_suffix('"')?
        .parse()
        .ok()
}

/// One page of tasks and the total the server reported.
#[derive(Debug, Clone)]
pub struct TaskList {
    pub tasks: Vec<Task>,
    pub json: Vec<Value>,
    pub total: u64,
    /// The `next` page's path and query, from the `Link` header.
    pub next: Option<String>,
}

/// A connection to one taskd server, optionally with a bearer token.
#[derive(Debug, Clone)]
pub struct Client {
    http: reqwest::blocking::Client,
    server: String,
    token: Option<String>,
}

impl Client {
    /// A client for `server` (such as `https://tasks.example.com` or
    /// `http://127.0.0.1:8000`).
    pub fn new(server: &str, options: &ClientOptions) -> Result<Self, ClientError> {
        let server = normalise_server(server)?;
        let mut builder = reqwest::blocking::Client::builder()
            .redirect(same_origin_redirects())
            .connect_timeout(options.timeouts.connect)
            .timeout(options.timeouts.request)
            .https_only(server.starts_with("https://"))
            .user_agent(concat!("taskctl/", env!("CARGO_PKG_VERSION")));
        for certificate in &options.root_certificates {
            builder = builder.add_root_certificate(certificate.clone());
        }
        let http = builder.build().map_err(|error| ClientError::Unreachable {
            server: server.clone(),
            reason: error.to_string(),
        })?;
        Ok(Self {
            http,
            server,
            token: None,
        })
    }

    /// The same client, sending `token` as its bearer token.
    pub fn with_token(mut self, token: impl Into<String>) -> Self {
        self.token = Some(token.into());
        self
    }

    /// The server URL, normalised.
    pub fn server(&self) -> &str {
        &self.server
    }

    fn url(&self, path: &str) -> String {
        format!("{}{API_PREFIX}{path}", self.server)
    }

    fn authorised(&self, request: RequestBuilder) -> RequestBuilder {
        match &self.token {
            Some(token) => request.bearer_auth(token),
            None => request,
        }
    }

    fn send(&self, request: RequestBuilder) -> Result<Response, ClientError> {
        let response = self
            .authorised(request)
            .send()
            .map_err(|error| self.unreachable(&error))?;
        if response.status().is_success() {
            Ok(response)
        } else {
            Err(self.refusal(response))
        }
    }

    fn read<T: DeserializeOwned>(&self, response: Response) -> Result<Fetched<T>, ClientError> {
        self.read_up_to(response, ANSWER_MAX_BYTES)
    }

    fn read_up_to<T: DeserializeOwned>(
        &self,
        response: Response,
        limit: u64,
    ) -> Result<Fetched<T>, ClientError> {
        let body = self.body(response, limit)?;
        let json: Value =
            serde_json::from_slice(&body).map_err(|error| self.invalid(error.to_string()))?;
        let value = serde_json::from_value(json.clone())
            .map_err(|error| self.invalid(error.to_string()))?;
        Ok(Fetched { value, json })
    }

    /// The body of `response`, refused past `limit` bytes: before reading
    /// when its `Content-Length` says so, else once it has sent more.
    fn body(&self, response: Response, limit: u64) -> Result<Vec<u8>, ClientError> {
        use std::io::Read;
        let too_large = || {
            self.invalid(format!(
                "the answer is larger than {} MiB, more than any taskd sends; taskctl read no more of it",
                limit / (1024 * 1024)
            ))
        };
        if response
            .content_length()
            .is_some_and(|length| length > limit)
        {
            return Err(too_large());
        }
        let mut body = Vec::new();
        response
            .take(limit + 1)
            .read_to_end(&mut body)
            .map_err(|error| {
                self.invalid(format!("the answer was cut short: {}", root_cause(&error)))
            })?;
        if body.len() as u64 > limit {
            return Err(too_large());
        }
        Ok(body)
    }

    /// `GET /health` (at the root): is the server there and its database answering?
    pub fn health(&self) -> Result<Value, ClientError> {
        let response = self.send(self.http.get(format!(
            "{}{}",
            self.server,
            routes::HEALTH.path
        )))?;
        Ok(self.read::<Value>(response)?.value)
    }

    /// `POST /auth/register`.
    pub fn register(
        &self,
        email: &str,
        password: &str,
        timezone: Option<&str>,
    ) -> Result<Fetched<User>, ClientError> {
        let body = UserCreate {
            email: email.to_owned(),
            password: password.to_owned(),
            timezone: timezone.map(str::to_owned),
        };
        let response = self.send(self.http.post(self.url(REGISTER.path)).json(&body))?;
        self.read(response)
    }

    /// `POST /auth/login` with the OAuth2 password form.
    pub fn login(&self, email: &str, password: &str) -> Result<Token, ClientError> {
        let form = [
            ("grant_type", "password"),
            ("username", email),
            ("password", password),
        ];
        let response = self.send(self.http.post(self.url(LOGIN.path)).form(&form))?;
        Ok(self.read::<Token>(response)?.value)
    }

    /// `POST /auth/refresh`: spends `refresh_token` for a new access token
    /// and the next refresh token.
    pub fn refresh(&self, refresh_token: &str) -> Result<Token, ClientError> {
        let body = RefreshRequest {
            refresh_token: refresh_token.to_owned(),
        };
        // Anonymous: the access token may be the expired one being replaced.
        let request = self.http.post(self.url(REFRESH.path)).json(&body);
        let response = request.send().map_err(|error| self.unreachable(&error))?;
        if !response.status().is_success() {
            return Err(self.refusal(response));
        }
        Ok(self.read::<Token>(response)?.value)
    }

    /// `POST /auth/logout`: ends this token's session on the server.
    pub fn logout(&self) -> Result<(), ClientError> {
        self.send(self.http.post(self.url(LOGOUT.path)))?;
        Ok(())
    }

    /// `POST /auth/password`: every other session of the account ends.
    pub fn change_password(
        &self,
        current_password: &str,
        new_password: &str,
    ) -> Result<(), ClientError> {
        let body = PasswordChangeRequest {
            current_password: current_password.to_owned(),
            new_password: new_password.to_owned(),
        };
        self.send(self.http.post(self.url(PASSWORD.path)).json(&body))?;
        Ok(())
    }

    /// `DELETE /auth/me`: deletes the account and all its tasks.
    pub fn delete_account(&self, password: &str) -> Result<(), ClientError> {
        let body = AccountDelete {
            password: password.to_owned(),
        };
        self.send(self.http.delete(self.url(ME.path)).json(&body))?;
        Ok(())
    }

    /// `GET /auth/me`.
    pub fn me(&self) -> Result<Fetched<User>, ClientError> {
        let response = self.send(self.http.get(self.url(ME.path)))?;
        self.read(response)
    }

    /// `PATCH /auth/me`.
    pub fn update_me(&self, update: &UserUpdate) -> Result<Fetched<User>, ClientError> {
        let response = self.send(self.http.patch(self.url(ME.path)).json(update))?;
        self.read(response)
    }

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

    /// `GET /tasks` with these query parameters (filters, sort, page).
    pub fn list_tasks(&self, query: &[(&str, String)]) -> Result<TaskList, ClientError> {
        let request = self.http.get(self.url(TASKS.path)).query(query);
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

    /// `POST /trash/{id}/restore`.
    pub fn restore_task(&self, id: i64) -> Result<Fetched<Task>, ClientError> {
        let response = self.send(self.http.post(self.url(&routes::RESTORE.with_id(id))))?;
        self.read(response)
    }

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

    fn invalid(&self, reason: String) -> ClientError {
        ClientError::InvalidResponse {
            server: self.server.clone(),
            reason,
        }
    }

    fn unreachable(&self, error: &reqwest::Error) -> ClientError {
        if error.is_redirect() {
            return ClientError::RedirectLoop {
                server: self.server.clone(),
                reason: root_cause(error),
            };
        }
        let reason = if error.is_timeout() {
            "timed out".to_owned()
        } else if error.is_connect() {
            connect_reason(error)
        } else {
            root_cause(error)
        };
        ClientError::Unreachable {
            server: self.server.clone(),
            reason,
        }
    }

    fn refusal(&self, response: Response) -> ClientError {
        let status = response.status();
        if status.is_redirection() {
            let location = response
                .headers()
                .get(reqwest::header::LOCATION)
                .and_then(|value| value.to_str().ok())
                .unwrap_or("another address");
            return ClientError::Redirected {
                server: self.server.clone(),
                location: location.to_owned(),
            };
        }
        let etag = response
            .headers()
            .get(reqwest::header::ETAG)
            .and_then(|value| value.to_str().ok())
            .map(str::to_owned);
        let detail = self
            .body(response, ERROR_MAX_BYTES)
            .ok()
            .and_then(|body| serde_json::from_slice::<ErrorBody>(&body).ok())
            .map(|body| body.to_string())
            .filter(|detail| !detail.is_empty())
            .unwrap_or_else(|| status.canonical_reason().unwrap_or("error").to_owned());
        match status {
            StatusCode::PRECONDITION_FAILED => ClientError::Changed {
                current: etag_version(etag.as_deref()),
                detail,
            },
            StatusCode::UNAUTHORIZED => ClientError::Unauthorized { detail },
            StatusCode::NOT_FOUND => ClientError::NotFound { detail },
            status if status.is_server_error() => ClientError::Server {
                status: status.as_u16(),
                detail,
            },
            status => ClientError::Refused {
                status: status.as_u16(),
                detail,
            },
        }
    }
}

/// Follows redirects within the server's origin only (a few at most):
/// reqwest would otherwise re-send a 307's body, such as a login password,
/// to wherever it points. One to another origin stops (and is reported as
/// such); one back to an address already visited, or one too many, is an
/// error that says so.
fn same_origin_redirects() -> reqwest::redirect::Policy {
    reqwest::redirect::Policy::custom(|attempt| {
        let same_origin = attempt
            .previous()
            .first()
            .is_some_and(|first| first.origin() == attempt.url().origin());
        if !same_origin {
            attempt.stop()
        } else if attempt.previous().contains(attempt.url()) {
            let target = attempt.url().path().to_owned();
            attempt.error(format!("redirects in a loop (back to {target})"))
        } else if attempt.previous().len() > MAX_REDIRECTS {
            attempt.error(format!("redirects more than {MAX_REDIRECTS} times"))
        } else {
            attempt.follow()
        }
    })
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

fn connect_reason(error: &reqwest::Error) -> String {
    let mut source: Option<&dyn std::error::Error> = Some(error);
    while let Some(current) = source {
        if let Some(io) = current.downcast_ref::<std::io::Error>() {
            return match io.kind() {
                std::io::ErrorKind::ConnectionRefused => "connection refused".to_owned(),
                std::io::ErrorKind::TimedOut => "connection timed out".to_owned(),
                _ => io.to_string(),
            };
        }
        source = current.source();
    }
    root_cause(error)
}

fn root_cause(error: &dyn std::error::Error) -> String {
    let mut current = error;
    while let Some(next) = current.source() {
        current = next;
    }
    current.to_string()
}

fn normalise_server(server: &str) -> Result<String, ClientError> {
    let trimmed = server.trim().trim_end_matches('/');
    let parsed = reqwest::Url::parse(trimmed)
        .map_err(|_| ClientError::InvalidServerUrl(server.to_owned()))?;
    if !matches!(parsed.scheme(), "http" | "https") || parsed.host_str().is_none() {
        return Err(ClientError::InvalidServerUrl(server.to_owned()));
    }
    Ok(trimmed.to_owned())
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

    #[test]
    fn server_urls_are_checked_and_normalised() {
        assert_eq!(
            normalise_server("http://localhost:8000/").expect("valid"),
            "http://localhost:8000"
        );
        assert!(normalise_server("localhost:8000").is_err());
        assert!(normalise_server("ftp://host").is_err());
        assert_eq!(
            normalise_server("https://tasks.example.com/").expect("valid"),
            "https://tasks.example.com"
        );
    }
}
