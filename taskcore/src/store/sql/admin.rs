//! The statements an administrator's commands run: invitations, and
//! accounts listed, disabled, or given a new password.

use chrono::{DateTime, Utc};

use super::unit::Unit;
use super::value::{Connection, RowValues, SqlResult, SqlValue, numbered};
use crate::error::{Error, Result};
use crate::store::backend::AdminWork;
use crate::store::roster::{Invite, UserSummary};
use crate::types::UserId;

use SqlValue::{Int, MaybeTime, Text, Time};

const INVITE: &str = "id, hint, uses_left, created_at, expires_at, revoked_at";

fn invite_from_row(row: &dyn RowValues) -> Result<Invite> {
    Ok(Invite {
        id: row.int(0)?,
        hint: row.text(1)?,
        uses_left: u32::try_from(row.int(2)?).unwrap_or_default(),
        created_at: row.time(3)?,
        expires_at: row.optional_time(4)?,
        revoked: row.optional_time(5)?.is_some(),
    })
}

impl<C: Connection> AdminWork for Unit<C> {
    fn insert_invite(
        &mut self,
        code_hash: &str,
        hint: &str,
        uses: u32,
        now: DateTime<Utc>,
        expires_at: Option<DateTime<Utc>>,
    ) -> Result<Invite> {
        self.row(
            &format!(
                "INSERT INTO invites (code_hash, hint, uses_left, created_at, expires_at)
                 VALUES (?1, ?2, ?3, ?4, ?5) RETURNING {INVITE}"
            ),
            &[
                Text(Some(code_hash)),
                Text(Some(hint)),
                Int(i64::from(uses)),
                Time(now),
                MaybeTime(expires_at),
            ],
            invite_from_row,
        )
        .sql()?
        .ok_or_else(|| Error::storage("INSERT returned no row"))
    }

    fn invites(&mut self) -> Result<Vec<Invite>> {
        let mut invites = Vec::new();
        let text = format!("SELECT {INVITE} FROM invites ORDER BY id");
        let sql = numbered::<C::Dialect>(&text);
        self.connection
            .rows(&sql, &[], &mut |row| {
                invites.push(invite_from_row(row)?);
                Ok(())
            })
            .sql()?;
        Ok(invites)
    }

    fn revoke_invite(&mut self, code_hash: &str, now: DateTime<Utc>) -> Result<bool> {
        let revoked = self.execute(
            "UPDATE invites SET revoked_at = ?1 WHERE code_hash = ?2 AND revoked_at IS NULL",
            &[Time(now), Text(Some(code_hash))],
        )?;
        Ok(revoked > 0)
    }

    fn revoke_invite_by_id(&mut self, id: i64, now: DateTime<Utc>) -> Result<bool> {
        let revoked = self.execute(
            "UPDATE invites SET revoked_at = ?1 WHERE id = ?2 AND revoked_at IS NULL",
            &[Time(now), Int(id)],
        )?;
        Ok(revoked > 0)
    }

    fn take_invite(&mut self, code_hash: &str, now: DateTime<Utc>) -> Result<bool> {
        // One statement decides: of two registrations racing for the last
        // use, the second finds none left.
        let taken = self.execute(
            "UPDATE invites SET uses_left = uses_left - 1
             WHERE code_hash = ?1 AND uses_left > 0 AND revoked_at IS NULL
               AND (expires_at IS NULL OR expires_at > ?2)",
            &[Text(Some(code_hash)), Time(now)],
        )?;
        Ok(taken > 0)
    }

    fn user_summaries(&mut self, now: DateTime<Utc>) -> Result<Vec<UserSummary>> {
        let mut users = Vec::new();
        let sql = numbered::<C::Dialect>(
            "SELECT u.id, u.email, u.created_at, u.disabled_at,
                    (SELECT COUNT(*) FROM tasks t WHERE t.owner_id = u.id)
                  + (SELECT COUNT(*) FROM trashed_tasks d WHERE d.owner_id = u.id),
                    (SELECT COUNT(*) FROM sessions s
                     WHERE s.user_id = u.id AND s.revoked_at IS NULL AND s.expires_at > ?1),
                    (SELECT COUNT(*) FROM api_tokens a WHERE a.user_id = u.id)
             FROM users u ORDER BY u.id",
        );
        self.connection
            .rows(&sql, &[Time(now)], &mut |row| {
                users.push(UserSummary {
                    id: UserId(row.int(0)?),
                    email: row.text(1)?,
                    created_at: row.time(2)?,
                    disabled: row.optional_time(3)?.is_some(),
                    tasks: u64::try_from(row.int(4)?).unwrap_or_default(),
                    sessions: u64::try_from(row.int(5)?).unwrap_or_default(),
                    tokens: u64::try_from(row.int(6)?).unwrap_or_default(),
                });
                Ok(())
            })
            .sql()?;
        Ok(users)
    }

    fn set_disabled(&mut self, user: UserId, disabled_at: Option<DateTime<Utc>>) -> Result<bool> {
        let changed = self.execute(
            "UPDATE users SET disabled_at = ?1 WHERE id = ?2",
            &[MaybeTime(disabled_at), Int(user.0)],
        )?;
        Ok(changed > 0)
    }

    fn set_password_hash(&mut self, user: UserId, hashed_password: &str) -> Result<bool> {
        let changed = self.execute(
            "UPDATE users SET hashed_password = ?1 WHERE id = ?2",
            &[Text(Some(hashed_password)), Int(user.0)],
        )?;
        Ok(changed > 0)
    }

    fn delete_api_tokens(&mut self, user: UserId) -> Result<u64> {
        self.execute("DELETE FROM api_tokens WHERE user_id = ?1", &[Int(user.0)])
    }
}
