//! Access tokens whose signature was checked, remembered by their text.
//!
//! A client sends the same token with every request until it expires, and
//! checking its signature again (decoding, HMAC, parsing the claims) was a
//! tenth of what an API request cost before it reached the store. What a
//! remembered token says is taken as it was verified; whether it is still
//! in time is checked on every use, and whether its session is still live
//! is the store's to say, as for any token.

use std::fmt;

use quick_cache::sync::Cache;

use super::Claims;

/// Tokens remembered at most (each about 300 bytes and its claims).
const REMEMBERED: usize = 1024;

pub(super) struct Verified {
    tokens: Cache<String, Claims>,
}

impl Verified {
    pub(super) fn new() -> Self {
        Self {
            tokens: Cache::new(REMEMBERED),
        }
    }

    /// The claims of `token`, if its signature was checked by these keys.
    pub(super) fn get(&self, token: &str) -> Option<Claims> {
        self.tokens.get(token)
    }

    /// Remembers `token`, whose signature these keys checked.
    pub(super) fn remember(&self, token: &str, claims: Claims) {
        self.tokens.insert(token.to_owned(), claims);
    }
}

/// Never the tokens: they are credentials.
impl fmt::Debug for Verified {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Verified")
            .field("tokens", &self.tokens.len())
            .finish()
    }
}
