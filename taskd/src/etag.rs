//! A task's entity tag: its version in quotes (RFC 9110 section 8.8.3).

use warp::http::HeaderValue;

/// The ETag of a task at `version`: a strong validator.
pub fn etag(version: i64) -> HeaderValue {
    HeaderValue::from(version)
        .to_str()
        .ok()
        .and_then(|digits| HeaderValue::from_str(&format!("\"{digits}\"")).ok())
        .unwrap_or_else(|| HeaderValue::from_static("\"0\""))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_etag_is_the_version_in_quotes() {
        assert_eq!(etag(12), "\"12\"");
    }
}
