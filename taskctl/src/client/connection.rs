//! A connection to one taskd server: how requests are sent and answers
//! read, within their limits, and how failures are told.

use reqwest::StatusCode;
use reqwest::blocking::{RequestBuilder, Response};
use serde::de::DeserializeOwned;
use serde_json::Value;
use taskcore::{ErrorBody, routes};

use super::error::ClientError;
use super::options::ClientOptions;

/// The API's path under the server URL.
pub const API_PREFIX: &str = routes::DEFAULT_PREFIX;

/// The largest JSON answer taskctl reads: a page of 200 tasks with every
/// field at its longest is under 4 MiB.
pub const ANSWER_MAX_BYTES: u64 = 16 * 1024 * 1024;
/// The largest tag list read: it is not paged, and an account may have
/// hundreds of thousands of tags.
pub(super) const TAGS_MAX_BYTES: u64 = 128 * 1024 * 1024;
/// The largest error answer read for its message.
const ERROR_MAX_BYTES: u64 = 64 * 1024;
/// The largest export written: it goes to a file, as it arrives.
pub const EXPORT_MAX_BYTES: u64 = 4 * 1024 * 1024 * 1024;
/// Redirects followed within the server before taskctl gives up.
const MAX_REDIRECTS: usize = 5;

/// A value read from the API and the JSON it was read from.
#[derive(Debug, Clone)]
pub struct Fetched<T> {
    pub value: T,
    pub json: Value,
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

/// A connection to one taskd server, optionally with a bearer token.
#[derive(Debug, Clone)]
pub struct Client {
    pub(super) http: reqwest::blocking::Client,
    pub(super) server: String,
    pub(super) token: Option<String>,
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

    pub(super) fn url(&self, path: &str) -> String {
        format!("{}{API_PREFIX}{path}", self.server)
    }

    pub(super) fn authorised(&self, request: RequestBuilder) -> RequestBuilder {
        match &self.token {
            Some(token) => request.bearer_auth(token),
            None => request,
        }
    }

    pub(super) fn send(&self, request: RequestBuilder) -> Result<Response, ClientError> {
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

    pub(super) fn read<T: DeserializeOwned>(
        &self,
        response: Response,
    ) -> Result<Fetched<T>, ClientError> {
        self.read_up_to(response, ANSWER_MAX_BYTES)
    }

    pub(super) fn read_up_to<T: DeserializeOwned>(
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
    pub(super) fn body(&self, response: Response, limit: u64) -> Result<Vec<u8>, ClientError> {
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

    pub(super) fn invalid(&self, reason: String) -> ClientError {
        ClientError::InvalidResponse {
            server: self.server.clone(),
            reason,
        }
    }

    pub(super) fn unreachable(&self, error: &reqwest::Error) -> ClientError {
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

    pub(super) fn refusal(&self, response: Response) -> ClientError {
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

pub(super) fn root_cause(error: &dyn std::error::Error) -> String {
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
