//! Who a CalDAV request comes from: HTTP Basic with the account's email and
//! an API token with the `caldav` scope (an app password). The account
//! password is not taken here: a bcrypt check on every request of every
//! sync would hand anyone a CPU amplifier.

use std::net::IpAddr;

use base64::Engine;
use taskcore::User;
use taskcore::api_tokens::Scope;
use warp::http::HeaderValue;

use crate::state::{AppState, blocking};

/// Why a request is not let in.
pub enum Refused {
    /// No credential, a wrong one, or one without the scope: 401.
    Unauthorized,
    /// The address failed too often: 429, for this many seconds.
    TooMany(u64),
    /// The database failed: 503.
    Unavailable,
}

/// The user a request's Basic credential names, if it is good: the email
/// of the token's account and a live token with the `caldav` scope. A
/// credential presented and refused counts against the address.
pub async fn user(
    state: &AppState,
    header: Option<&HeaderValue>,
    address: Option<IpAddr>,
) -> Result<User, Refused> {
    let Some((email, secret)) = header.and_then(basic) else {
        return Err(Refused::Unauthorized);
    };
    let store = state.store.clone();
    let found = blocking(move || store.api_token_user(&secret))
        .await
        .map_err(|_| Refused::Unavailable)?;
    match found {
        Some((user, scopes))
            if scopes.contains(Scope::Caldav) && user.email.eq_ignore_ascii_case(email.trim()) =>
        {
            Ok(user)
        }
        _ => match state.limits.token_refused(address).await {
            Ok(()) => Err(Refused::Unauthorized),
            Err(wait) => Err(Refused::TooMany(wait.seconds())),
        },
    }
}

/// The email and secret of a Basic credential.
fn basic(header: &HeaderValue) -> Option<(String, String)> {
    let text = header.to_str().ok()?;
    let (scheme, encoded) = text.trim().split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded.trim())
        .ok()?;
    let decoded = String::from_utf8(decoded).ok()?;
    let (email, secret) = decoded.split_once(':')?;
    Some((email.to_owned(), secret.to_owned()))
}
