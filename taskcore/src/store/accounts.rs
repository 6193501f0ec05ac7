//! Accounts and login sessions, written once over the backends' units of work.

use std::time::Duration;

use chrono::{DateTime, Utc};

use super::backend::Mode;
use super::changes::KEY_HOURS;
use super::database::{Store, lifetime, now};
use crate::auth::PasswordHasher;
use crate::error::SessionEnd;
use crate::error::{Error, Result, Source, ValidationErrors};
use crate::model::{NewUser, PasswordChange, User};
use crate::session::{Refresh, RefreshToken, RevokeReason, Verdict, hash_refresh_token};
use crate::wire::SessionInfo;

/// Longest session name kept, in characters.
pub const CLIENT_MAX_CHARS: usize = 100;
use crate::types::{Email, SessionId, UserId};

/// A successful login: the user, the session it opened and that session's
/// first refresh token.
#[derive(Debug)]
#[non_exhaustive]
pub struct Login {
    /// Who logged in.
    pub user: User,
    /// The new session.
    pub session: SessionId,
    /// Its first refresh token.
    pub refresh_token: RefreshToken,
}

impl Store {
    /// Creates an account. Fails with [`Error::EmailTaken`] when the email is in use.
    pub fn register_user(&self, new_user: &NewUser, hasher: &PasswordHasher) -> Result<User> {
        let hashed_password = hasher.hash(new_user.password.expose())?;
        self.insert_user(
            new_user.email.as_str().to_owned(),
            hashed_password,
            new_user.zone.name().to_owned(),
        )
    }

    fn insert_user(
        &self,
        email: String,
        hashed_password: String,
        timezone: String,
    ) -> Result<User> {
        self.write(move |store| {
            // The account and its default list, together.
            let mut work = store.backend.accounts(Mode::Write)?;
            let user = work.insert_user(&email, &hashed_password, &timezone, now())?;
            work.commit()?;
            Ok(user)
        })
    }

    /// Finds the account for a login and checks its password.
    ///
    /// Unknown emails and wrong passwords both give
    /// [`Error::InvalidCredentials`] and take about the same time.
    pub fn authenticate(
        &self,
        email: &str,
        password: &str,
        hasher: &PasswordHasher,
    ) -> Result<User> {
        self.check_credentials(email, password, hasher)
            .map(|(user, _)| user)
    }

    /// Checks a login and opens a session for it: the session's id and its
    /// first refresh token, valid for `refresh_lifetime`. Fails like
    /// [`Store::authenticate`].
    ///
    /// `client` names the session in its user's list of sessions (see
    /// [`Store::sessions`]): what logged in, such as "taskctl on laptop";
    /// it is cut to 100 characters.
    pub fn log_in(
        &self,
        email: &str,
        password: &str,
        hasher: &PasswordHasher,
        refresh_lifetime: Duration,
        client: &str,
    ) -> Result<Login> {
        let (user, verified_hash) = self.check_credentials(email, password, hasher)?;
        let refresh_token = RefreshToken::generate(now() + lifetime(refresh_lifetime));
        let client: String = client.trim().chars().take(CLIENT_MAX_CHARS).collect();
        let session = self.open_session(user.id, verified_hash, client, refresh_token.clone())?;
        Ok(Login {
            user,
            session,
            refresh_token,
        })
    }

    /// Opens a session with its first refresh token, provided the password
    /// hash is still `verified_hash`.
    fn open_session(
        &self,
        user: UserId,
        verified_hash: String,
        client: String,
        refresh_token: RefreshToken,
    ) -> Result<SessionId> {
        self.write(move |store| {
            let now = now();
            let mut work = store.backend.accounts(Mode::Write)?;
            // The password may have changed since it was checked (bcrypt is
            // slow): then no session is opened, or it would outlive the change.
            let session = work
                .insert_session(
                    user,
                    &verified_hash,
                    &client,
                    now,
                    refresh_token.expires_at(),
                )?
                .ok_or(Error::InvalidCredentials)?;
            work.insert_refresh_token(
                session,
                refresh_token.hash(),
                now,
                refresh_token.expires_at(),
            )?;
            work.commit()?;
            Ok(session)
        })
    }

    /// The account and its password hash, if `password` is its password.
    fn check_credentials(
        &self,
        email: &str,
        password: &str,
        hasher: &PasswordHasher,
    ) -> Result<(User, String)> {
        let found = match Email::parse(email) {
            Ok(email) => {
                let mut work = self.backend.accounts(Mode::Statement)?;
                let found = work.user_credentials(email.as_str())?;
                work.commit()?;
                found
            }
            Err(_) => None,
        };
        match found {
            Some((user, hash)) if hasher.verify(password, &hash) => {
                // Told only to whoever knows the password.
                let mut work = self.backend.accounts(Mode::Statement)?;
                let disabled = work.is_disabled(user.id)?;
                work.commit()?;
                if disabled {
                    return Err(Error::Forbidden(
                        "This account is disabled: ask the server's administrator".to_owned(),
                    ));
                }
                Ok((user, hash))
            }
            Some(_) => Err(Error::InvalidCredentials),
            None => {
                hasher.verify_dummy(password);
                Err(Error::InvalidCredentials)
            }
        }
    }

    /// The account with this email address (any case, surrounding spaces
    /// ignored), if there is one; an address that cannot be one is refused.
    pub fn user_by_email(&self, email: &str) -> Result<Option<User>> {
        let email = Email::parse(email)?;
        let mut work = self.backend.accounts(Mode::Statement)?;
        let found = work.user_credentials(email.as_str())?;
        work.commit()?;
        Ok(found.map(|(user, _)| user))
    }

    /// The account with this id, if it still exists.
    pub fn user(&self, id: UserId) -> Result<Option<User>> {
        let mut work = self.backend.accounts(Mode::Statement)?;
        let user = work.user(id)?;
        work.commit()?;
        Ok(user)
    }

    /// Spends a refresh token for the next one of its chain, valid for
    /// `refresh_lifetime`. A token spent before revokes its whole session.
    pub fn refresh_session(&self, presented: &str, refresh_lifetime: Duration) -> Result<Refresh> {
        let presented = hash_refresh_token(presented);
        // A token never issued is refused from a plain read: a flood of
        // guesses never queues for the write lock (SQLite has one writer).
        let mut lookup = self.backend.accounts(Mode::Statement)?;
        let issued = lookup.refresh_token_exists(&presented)?;
        lookup.commit()?;
        if !issued {
            return Ok(Refresh::Refused);
        }
        self.rotate(presented, refresh_lifetime)
    }

    /// Spends an issued refresh token (given by its hash).
    fn rotate(&self, presented: String, refresh_lifetime: Duration) -> Result<Refresh> {
        self.write(move |store| {
            let now = now();
            let next = RefreshToken::generate(now + lifetime(refresh_lifetime));
            // One unit of work, the token locked: two refreshes with the same
            // token run one after the other, so the second sees it spent.
            let mut work = store.backend.accounts(Mode::Write)?;
            let Some(stored) = work.refresh_token(&presented)? else {
                return Ok(Refresh::Refused);
            };
            let refresh = match stored.verdict(now) {
                Verdict::Refuse if stored.session_revoked => work
                    .session_end(stored.user, stored.session)?
                    .as_deref()
                    .and_then(SessionEnd::from_stored)
                    .map_or(Refresh::Refused, Refresh::Ended),
                Verdict::Refuse => Refresh::Refused,
                Verdict::RevokeChain => {
                    work.revoke_session(
                        stored.user,
                        stored.session,
                        RevokeReason::RefreshTokenReuse,
                        now,
                    )?;
                    Refresh::Reused {
                        user: stored.user,
                        session: stored.session,
                    }
                }
                Verdict::Rotate => {
                    // A disabled account's sessions renew nothing.
                    let Some(user) = work.user(stored.user)? else {
                        return Ok(Refresh::Refused);
                    };
                    work.spend_refresh_token(stored.token_id, now)?;
                    work.insert_refresh_token(stored.session, next.hash(), now, next.expires_at())?;
                    work.extend_session(stored.session, next.expires_at(), now)?;
                    Refresh::Rotated {
                        user,
                        session: stored.session,
                        refresh_token: next,
                    }
                }
            };
            work.commit()?;
            Ok(refresh)
        })
    }

    /// The user behind an access token, if its session is still live.
    pub fn session_user(&self, user: UserId, session: SessionId) -> Result<Option<User>> {
        let mut work = self.backend.accounts(Mode::Statement)?;
        let found = work.session_user(user, session)?;
        work.commit()?;
        Ok(found)
    }

    /// Why `user`'s `session` ended, if it was ended (and the reason was
    /// recorded). For telling a refused token's holder why; not on the
    /// request path of a live session.
    pub fn session_end(&self, user: UserId, session: SessionId) -> Result<Option<SessionEnd>> {
        let mut work = self.backend.accounts(Mode::Statement)?;
        let reason = work.session_end(user, session)?;
        work.commit()?;
        Ok(reason.as_deref().and_then(SessionEnd::from_stored))
    }

    /// Ends a session: its refresh tokens and access tokens stop working.
    pub fn close_session(&self, user: UserId, session: SessionId) -> Result<()> {
        self.write(move |store| {
            let mut work = store.backend.accounts(Mode::Statement)?;
            work.revoke_session(user, session, RevokeReason::Logout, now())?;
            work.commit()
        })
    }

    /// `user`'s live sessions, oldest first; `current` is marked.
    pub fn sessions(&self, user: UserId, current: SessionId) -> Result<Vec<SessionInfo>> {
        let mut work = self.backend.accounts(Mode::Statement)?;
        let mut sessions = work.live_sessions(user, now())?;
        work.commit()?;
        for session in &mut sessions {
            session.current = session.id == current;
        }
        Ok(sessions)
    }

    /// Ends one of `user`'s live sessions, as a logout of it would: its
    /// access and refresh tokens stop at once. [`Error::SessionNotFound`]
    /// when `user` has no live session with that id.
    pub fn end_session(&self, user: UserId, session: SessionId) -> Result<()> {
        self.write(move |store| {
            let mut work = store.backend.accounts(Mode::Statement)?;
            let ended = work.revoke_session(user, session, RevokeReason::Logout, now())?;
            work.commit()?;
            if ended {
                Ok(())
            } else {
                Err(Error::SessionNotFound)
            }
        })
    }

    /// Ends every live session of `user` but `keep`; returns how many.
    pub fn end_other_sessions(&self, user: UserId, keep: SessionId) -> Result<u64> {
        self.write(move |store| {
            let mut work = store.backend.accounts(Mode::Statement)?;
            let ended = work.revoke_other_sessions(user, keep, RevokeReason::Logout, now())?;
            work.commit()?;
            Ok(ended)
        })
    }

    /// Changes a user's password after checking the current one, and revokes
    /// every session of the user except `current`, which goes on working.
    /// Returns how many sessions were revoked.
    pub fn change_password(
        &self,
        user: UserId,
        current: SessionId,
        change: &PasswordChange,
        hasher: &PasswordHasher,
    ) -> Result<u64> {
        let verified_hash = match self.confirm_password(user, &change.current_password, hasher) {
            // Another change got there first: it changed the password and
            // ended this session, which is what to tell the caller.
            Err(Error::WrongPassword) if self.session_user(user, current)?.is_none() => {
                return Err(Error::InvalidToken);
            }
            checked => checked?,
        };
        if change.new_password.expose() == change.current_password {
            return Err(ValidationErrors::single(
                Source::Body,
                "new_password",
                "value_error",
                "Value error, must differ from the current password",
            )
            .into());
        }
        let hashed = hasher.hash(change.new_password.expose())?;
        self.replace_password(user, current, &verified_hash, &hashed)
    }

    /// Stores a new password hash, if the stored one is still `verified_hash`
    /// and `session` still live, and in the same unit of work revokes every
    /// other live session of the user; returns how many were revoked.
    pub(super) fn replace_password(
        &self,
        user: UserId,
        session: SessionId,
        verified_hash: &str,
        hashed: &str,
    ) -> Result<u64> {
        let (verified_hash, hashed) = (verified_hash.to_owned(), hashed.to_owned());
        self.write(move |store| {
            let mut work = store.backend.accounts(Mode::Write)?;
            if !work.replace_password_hash(user, session, &verified_hash, &hashed)? {
                // Something changed since the password was checked (bcrypt is
                // slow): another change revoked this session, the account went
                // away, or the same session changed the password meanwhile.
                return Err(match work.session_user(user, session)? {
                    Some(_) => Error::Conflict("The password was changed meanwhile".to_owned()),
                    None => Error::InvalidToken,
                });
            }
            let revoked =
                work.revoke_other_sessions(user, session, RevokeReason::PasswordChanged, now())?;
            work.commit()?;
            Ok(revoked)
        })
    }

    /// Deletes an account after checking its password; its tasks and sessions go with it.
    pub fn delete_account(
        &self,
        user: UserId,
        password: &str,
        hasher: &PasswordHasher,
    ) -> Result<()> {
        self.confirm_password(user, password, hasher)?;
        self.erase_account(user)
    }

    fn erase_account(&self, user: UserId) -> Result<()> {
        self.write(move |store| {
            let mut work = store.backend.accounts(Mode::Statement)?;
            work.delete_user(user)?;
            work.commit()
        })
    }

    /// Deletes sessions whose last refresh token has expired, and expired
    /// refresh tokens of live sessions; returns how many sessions went.
    pub fn purge_expired_sessions(&self) -> Result<u64> {
        self.write(move |store| {
            let now = now();
            let mut work = store.backend.accounts(Mode::Write)?;
            let purged = work.delete_expired_sessions(now)?;
            // Spent tokens are kept to recognise their reuse, but an expired one
            // is refused before that matters.
            work.delete_expired_refresh_tokens(now)?;
            work.commit()?;
            Ok(purged)
        })
    }

    /// Housekeeping of deletions: erases the tasks trashed more than
    /// `trash_retention` ago, forgets the deletions made more than
    /// `changes_retention` ago (a change feed cursor from before one of
    /// them is then expired), and forgets idempotency keys older than a
    /// day. Returns how many tasks were erased and deletions forgotten.
    pub fn purge_deleted(
        &self,
        trash_retention: Duration,
        changes_retention: Duration,
    ) -> Result<(u64, u64)> {
        self.purge_deleted_as_of(now(), trash_retention, changes_retention)
    }

    /// [`Store::purge_deleted`] as it would run at `now`.
    pub fn purge_deleted_as_of(
        &self,
        now: DateTime<Utc>,
        trash_retention: Duration,
        changes_retention: Duration,
    ) -> Result<(u64, u64)> {
        self.write(move |store| {
            let mut work = store.backend.accounts(Mode::Write)?;
            let purged = work.purge_deleted(
                now - lifetime(trash_retention),
                now - lifetime(changes_retention),
            )?;
            work.purge_idempotency_keys(now - chrono::Duration::hours(KEY_HOURS))?;
            work.commit()?;
            Ok(purged)
        })
    }

    /// The user's password hash, if `password` is the user's password;
    /// [`Error::WrongPassword`] otherwise.
    fn confirm_password(
        &self,
        user: UserId,
        password: &str,
        hasher: &PasswordHasher,
    ) -> Result<String> {
        let mut work = self.backend.accounts(Mode::Statement)?;
        let hash = work.password_hash(user)?;
        work.commit()?;
        match hash {
            Some(hash) if hasher.verify(password, &hash) => Ok(hash),
            Some(_) => Err(Error::WrongPassword),
            // The account went away under a valid token.
            None => Err(Error::InvalidToken),
        }
    }
}
