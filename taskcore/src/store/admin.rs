//! What a server's administrator does on the database directly: invitations
//! to register, and accounts listed, disabled, deleted or given a new
//! password (taskd's `user` and `invite` commands).

use chrono::{DateTime, Utc};
use rand::Rng;
use rand::distr::Alphanumeric;

use super::backend::Mode;
use super::database::{Store, now};
use super::roster::{Invite, UserSummary};
use crate::api_tokens::hash_api_token;
use crate::auth::PasswordHasher;
use crate::error::{Error, Result};
use crate::model::{NewUser, User};
use crate::session::RevokeReason;
use crate::types::{Email, Password, UserId};

/// Every invite code starts with this.
pub const INVITE_PREFIX: &str = "tdi_";
/// Random letters and digits after the prefix: 95 bits.
const INVITE_CHARS: usize = 16;

/// An invitation named by its id or by its code's hash.
enum InviteRef {
    Id(i64),
    Hash(String),
}

impl Store {
    /// Makes an invitation allowing `uses` registrations, until `expires_at`
    /// if given; returns it and its code, which is shown only now.
    pub fn create_invite(
        &self,
        uses: u32,
        expires_at: Option<DateTime<Utc>>,
    ) -> Result<(Invite, String)> {
        if uses == 0 {
            return Err(Error::Conflict(
                "an invite allows at least one registration".to_owned(),
            ));
        }
        let random: String = rand::rng()
            .sample_iter(Alphanumeric)
            .take(INVITE_CHARS)
            .map(char::from)
            .collect();
        let code = format!("{INVITE_PREFIX}{random}");
        let hint = code
            .chars()
            .take(INVITE_PREFIX.len() + 4)
            .collect::<String>();
        let hash = hash_api_token(&code);
        let invite = self.write(move |store| {
            let mut work = store.backend.accounts(Mode::Statement)?;
            let invite = work.insert_invite(&hash, &hint, uses, now(), expires_at)?;
            work.commit()?;
            Ok(invite)
        })?;
        Ok((invite, code))
    }

    /// Every invitation, oldest first.
    pub fn invites(&self) -> Result<Vec<Invite>> {
        let mut work = self.backend.accounts(Mode::Statement)?;
        let invites = work.invites()?;
        work.commit()?;
        Ok(invites)
    }

    /// Revokes the invitation with this code, or this id (as
    /// [`Store::invites`] lists it); [`Error::InviteNotFound`] when there
    /// is none (or it was revoked already).
    pub fn revoke_invite(&self, code_or_id: &str) -> Result<()> {
        let code_or_id = code_or_id.trim();
        let target = match code_or_id.parse::<i64>() {
            Ok(id) => InviteRef::Id(id),
            Err(_) => InviteRef::Hash(hash_api_token(code_or_id)),
        };
        self.write(move |store| {
            let mut work = store.backend.accounts(Mode::Statement)?;
            let revoked = match &target {
                InviteRef::Id(id) => work.revoke_invite_by_id(*id, now())?,
                InviteRef::Hash(hash) => work.revoke_invite(hash, now())?,
            };
            work.commit()?;
            if revoked {
                Ok(())
            } else {
                Err(Error::InviteNotFound)
            }
        })
    }

    /// Creates an account with an invitation's code, taking one of its
    /// uses in the same transaction: of two registrations racing for a
    /// code's last use, exactly one succeeds. A code that is unknown,
    /// expired, revoked or used up is [`Error::Forbidden`].
    pub fn register_user_invited(
        &self,
        new_user: &NewUser,
        hasher: &PasswordHasher,
        code: &str,
    ) -> Result<User> {
        let hashed_password = hasher.hash(new_user.password.expose())?;
        let (email, zone) = (
            new_user.email.as_str().to_owned(),
            new_user.zone.name().to_owned(),
        );
        let code_hash = hash_api_token(code.trim());
        self.write(move |store| {
            let now = now();
            let mut work = store.backend.accounts(Mode::Write)?;
            if !work.take_invite(&code_hash, now)? {
                return Err(Error::Forbidden(
                    "The invite is unknown, expired, revoked or used up: ask the server's \
                     administrator for a new one"
                        .to_owned(),
                ));
            }
            let user = work.insert_user(&email, &hashed_password, &zone, now)?;
            work.commit()?;
            Ok(user)
        })
    }

    /// Every account, oldest first, with what it holds.
    pub fn user_summaries(&self) -> Result<Vec<UserSummary>> {
        let mut work = self.backend.accounts(Mode::Snapshot)?;
        let users = work.user_summaries(now())?;
        work.commit()?;
        Ok(users)
    }

    /// Disables (`true`) or enables the account with this email. Disabling
    /// ends every session of the account; its logins are refused (403) and
    /// its API tokens (401) until it is enabled again, when the tokens work
    /// again and its user logs in anew.
    pub fn set_user_disabled(&self, email: &str, disabled: bool) -> Result<()> {
        let user = self.account_id(email)?;
        self.write(move |store| {
            let now = now();
            let mut work = store.backend.accounts(Mode::Write)?;
            let changed = work.set_disabled(user, disabled.then_some(now))?;
            if disabled {
                work.revoke_all_sessions(user, RevokeReason::Disabled, now)?;
            }
            work.commit()?;
            if changed {
                Ok(())
            } else {
                Err(Error::UserNotFound)
            }
        })
    }

    /// Gives the account with this email a new password, and ends every one
    /// of its sessions and deletes its API tokens: whoever held them must
    /// log in with the new password.
    pub fn reset_password(
        &self,
        email: &str,
        password: &Password,
        hasher: &PasswordHasher,
    ) -> Result<()> {
        let user = self.account_id(email)?;
        let hashed = hasher.hash(password.expose())?;
        self.write(move |store| {
            let now = now();
            let mut work = store.backend.accounts(Mode::Write)?;
            if !work.set_password_hash(user, &hashed)? {
                return Err(Error::UserNotFound);
            }
            work.revoke_all_sessions(user, RevokeReason::PasswordReset, now)?;
            work.delete_api_tokens(user)?;
            work.commit()
        })
    }

    /// Deletes the account with this email, its tasks, sessions and tokens.
    pub fn delete_user_by_email(&self, email: &str) -> Result<()> {
        let user = self.account_id(email)?;
        self.write(move |store| {
            let mut work = store.backend.accounts(Mode::Statement)?;
            let deleted = work.delete_user(user)?;
            work.commit()?;
            if deleted {
                Ok(())
            } else {
                Err(Error::UserNotFound)
            }
        })
    }

    /// The id of the account with this email, disabled or not.
    fn account_id(&self, email: &str) -> Result<UserId> {
        let email = Email::parse(email)?;
        let mut work = self.backend.accounts(Mode::Statement)?;
        let found = work.user_credentials(email.as_str())?;
        work.commit()?;
        found.map(|(user, _)| user.id).ok_or(Error::UserNotFound)
    }
}
