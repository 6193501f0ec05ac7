//! Guessed API tokens count as failed password checks of the client
//! address: a token is a password a script keeps. Only refused tokens
//! count, after their lookup: a good token is never slowed by the limit.

use std::net::IpAddr;

use super::{Limits, RetryAfter, address_key};

impl Limits {
    /// Call when a token from `address` was refused: counts it, and says
    /// how long until the address may try again once it is over the limit.
    pub async fn token_refused(&self, address: Option<IpAddr>) -> Result<(), RetryAfter> {
        match (&self.per_address, address.map(address_key)) {
            (Some(counter), Some(address)) => counter.take(&address).await,
            _ => Ok(()),
        }
    }
}
