//! Guessed API tokens count as failed password checks of the client
//! address: a token is a password a script keeps.

use std::net::IpAddr;

use super::{Limits, RetryAfter, address_key};

impl Limits {
    /// Call before looking up an API token from `address`: counts it as a
    /// failed password check of the address (a guessed token is a guessed
    /// password) until told otherwise, or refuses when the address is over
    /// that limit (then nothing is counted).
    pub fn token_attempt(&self, address: Option<IpAddr>) -> Result<TokenAttempt, RetryAfter> {
        let address = address.map(address_key);
        let taken = match (&self.per_address, address) {
            (Some(counter), Some(address)) => {
                counter.take(&address)?;
                true
            }
            _ => false,
        };
        Ok(TokenAttempt {
            limits: self.clone(),
            address: address.filter(|_| taken),
        })
    }
}

/// A counted API token lookup: a failure unless told it succeeded.
#[derive(Debug)]
#[must_use = "say how the token lookup ended"]
pub struct TokenAttempt {
    limits: Limits,
    address: Option<IpAddr>,
}

impl TokenAttempt {
    /// The token was refused: the count stands.
    pub fn failed(self) {}

    /// The token was good, or the lookup failed for another reason: the
    /// address gets its count back.
    pub fn succeeded(self) {
        if let (Some(counter), Some(address)) = (&self.limits.per_address, self.address) {
            counter.give_back(&address);
        }
    }
}
