//! Personal API tokens in storage: made, listed, deleted, and checked when
//! a request presents one.

use super::backend::Mode;
use super::database::{Store, now};
use crate::api_tokens::{
    API_TOKENS_MAX, ApiToken, ApiTokenId, ApiTokenSecret, CreatedApiToken, NewApiToken, Scopes,
    hash_api_token, is_api_token,
};
use crate::error::{Error, Result, ValidationErrors};
use crate::model::User;
use crate::types::{SessionId, UserId};

impl Store {
    /// Makes a token for `user`: the answer holds its secret, which is
    /// stored only as a hash and never shown again. An account holds at
    /// most [`API_TOKENS_MAX`] unexpired tokens. With `session`, the token
    /// is made only while that login session is live, in the same
    /// transaction ([`Error::InvalidToken`] otherwise): a session ended
    /// meanwhile cannot leave a token behind.
    pub fn create_api_token(
        &self,
        user: UserId,
        token: &NewApiToken,
        session: Option<SessionId>,
    ) -> Result<CreatedApiToken> {
        let token = token.clone();
        self.write(move |store| {
            let secret = ApiTokenSecret::generate();
            let now = now();
            let expires_at = token
                .expires_in_days
                .map(|days| now + chrono::Duration::days(i64::from(days)));
            let mut work = store.backend.accounts(Mode::Write)?;
            if let Some(session) = session
                && work.session_user(user, session)?.is_none()
            {
                return Err(Error::InvalidToken);
            }
            if work.count_api_tokens(user, now)? >= API_TOKENS_MAX {
                return Err(Error::Validation(ValidationErrors::single(
                    crate::Source::Body,
                    "",
                    "too_many",
                    format!(
                        "An account holds at most {API_TOKENS_MAX} tokens: delete one you no longer use"
                    ),
                )));
            }
            let info = work.insert_api_token(
                user,
                &token.name,
                token.scopes,
                &secret.hash(),
                now,
                expires_at,
            )?;
            work.commit()?;
            Ok(CreatedApiToken {
                info,
                token: secret.expose().to_owned(),
            })
        })
    }

    /// `user`'s tokens, oldest first; never their secrets.
    pub fn api_tokens(&self, user: UserId) -> Result<Vec<ApiToken>> {
        let mut work = self.backend.accounts(Mode::Statement)?;
        let tokens = work.api_tokens(user)?;
        work.commit()?;
        Ok(tokens)
    }

    /// Deletes one of `user`'s tokens: it is refused from its next use on.
    /// [`Error::TokenNotFound`] when `user` has no token with that id.
    pub fn delete_api_token(&self, user: UserId, id: ApiTokenId) -> Result<()> {
        self.write(move |store| {
            let mut work = store.backend.accounts(Mode::Statement)?;
            let deleted = work.delete_api_token(user, id)?;
            work.commit()?;
            if deleted {
                Ok(())
            } else {
                Err(Error::TokenNotFound)
            }
        })
    }

    /// The account a presented token belongs to and what the token may do;
    /// `None` for a token that is malformed, unknown, deleted or expired.
    /// Records the token's use (its first, then at most once a minute).
    pub fn api_token_user(&self, secret: &str) -> Result<Option<(User, Scopes)>> {
        if !is_api_token(secret) {
            return Ok(None);
        }
        let now = now();
        let mut work = self.backend.accounts(Mode::Statement)?;
        let Some(token) = work.api_token(&hash_api_token(secret))? else {
            return Ok(None);
        };
        if token.expires_at.is_some_and(|expires| expires <= now) {
            return Ok(None);
        }
        let Some(user) = work.user(token.user)? else {
            return Ok(None);
        };
        work.commit()?;
        let stale = token
            .last_used_at
            .is_none_or(|used| used <= now - chrono::Duration::minutes(1));
        if stale {
            // Best effort: a request is not refused for want of a timestamp.
            let id = token.id;
            let _ = self.write(move |store| {
                let mut work = store.backend.accounts(Mode::Statement)?;
                work.touch_api_token(id, now)?;
                work.commit()
            });
        }
        Ok(Some((user, token.scopes)))
    }
}
