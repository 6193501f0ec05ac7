//! The statements on API tokens, both backends.

use chrono::{DateTime, Utc};

use super::dialect::Dialect;
use super::unit::Unit;
use super::value::{Connection, RowValues, SqlResult, SqlValue};
use crate::api_tokens::{ApiToken, ApiTokenId, Scopes};
use crate::error::{Error, Result};
use crate::store::backend::{StoredApiToken, TokenWork};
use crate::types::UserId;

use SqlValue::{Int, MaybeTime, OwnedText, Text, Time};

/// The columns a listed token reads, in [`token_from_row`]'s order.
const LISTED: &str = "id, name, scopes, created_at, expires_at, last_used_at";

fn token_from_row(row: &dyn RowValues) -> Result<ApiToken> {
    Ok(ApiToken {
        id: ApiTokenId(row.int(0)?),
        name: row.text(1)?,
        scopes: Scopes::from_text(&row.text(2)?).list(),
        created_at: row.time(3)?,
        expires_at: row.optional_time(4)?,
        last_used_at: row.optional_time(5)?,
    })
}

impl<C: Connection> TokenWork for Unit<C> {
    fn count_api_tokens(&mut self, user: UserId, now: DateTime<Utc>) -> Result<u64> {
        // The account row, locked: two creations count one after the other.
        self.row(
            &format!(
                "SELECT id FROM users WHERE id = ?1{}",
                C::Dialect::LOCK_FOR_UPDATE
            ),
            &[Int(user.0)],
            |row| row.int(0),
        )
        .sql()?;
        let count = self
            .row(
                "SELECT count(*) FROM api_tokens
                 WHERE user_id = ?1 AND (expires_at IS NULL OR expires_at > ?2)",
                &[Int(user.0), Time(now)],
                |row| row.int(0),
            )
            .sql()?
            .unwrap_or_default();
        Ok(u64::try_from(count).unwrap_or_default())
    }

    fn insert_api_token(
        &mut self,
        user: UserId,
        name: &str,
        scopes: Scopes,
        token_hash: &str,
        now: DateTime<Utc>,
        expires_at: Option<DateTime<Utc>>,
    ) -> Result<ApiToken> {
        self.row(
            &format!(
                "INSERT INTO api_tokens (user_id, name, scopes, token_hash, created_at, expires_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)
                 RETURNING {LISTED}"
            ),
            &[
                Int(user.0),
                Text(Some(name)),
                OwnedText(scopes.to_text()),
                Text(Some(token_hash)),
                Time(now),
                MaybeTime(expires_at),
            ],
            token_from_row,
        )
        .sql()?
        .ok_or_else(|| Error::storage("INSERT returned no row"))
    }

    fn api_tokens(&mut self, user: UserId) -> Result<Vec<ApiToken>> {
        let mut tokens = Vec::new();
        self.connection
            .rows(
                &super::value::numbered::<C::Dialect>(&format!(
                    "SELECT {LISTED} FROM api_tokens WHERE user_id = ?1 ORDER BY id"
                )),
                &[Int(user.0)],
                &mut |row| {
                    tokens.push(token_from_row(row)?);
                    Ok(())
                },
            )
            .sql()?;
        Ok(tokens)
    }

    fn delete_api_token(&mut self, user: UserId, id: ApiTokenId) -> Result<bool> {
        let deleted = self.execute(
            "DELETE FROM api_tokens WHERE id = ?1 AND user_id = ?2",
            &[Int(id.0), Int(user.0)],
        )?;
        Ok(deleted > 0)
    }

    fn api_token(&mut self, token_hash: &str) -> Result<Option<StoredApiToken>> {
        self.row(
            "SELECT id, user_id, scopes, expires_at, last_used_at
             FROM api_tokens WHERE token_hash = ?1",
            &[Text(Some(token_hash))],
            |row| {
                Ok(StoredApiToken {
                    id: ApiTokenId(row.int(0)?),
                    user: UserId(row.int(1)?),
                    scopes: Scopes::from_text(&row.text(2)?),
                    expires_at: row.optional_time(3)?,
                    last_used_at: row.optional_time(4)?,
                })
            },
        )
        .sql()
    }

    fn touch_api_token(&mut self, id: ApiTokenId, now: DateTime<Utc>) -> Result<()> {
        let minute_ago = now - chrono::Duration::minutes(1);
        self.execute(
            "UPDATE api_tokens SET last_used_at = ?1
             WHERE id = ?2 AND (last_used_at IS NULL OR last_used_at <= ?3)",
            &[Time(now), Int(id.0), Time(minute_ago)],
        )?;
        Ok(())
    }
}
