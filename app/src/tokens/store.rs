//! The SQL of `api_tokens`.

use super::TokenScope;
use crate::domain::{ApiTokenId, UserId};
use crate::store::{Db, Text, Tx};
use crate::{on_pool, on_tx};
use chrono::{DateTime, Utc};

crate::stored_text!(TokenScope, "token scope");

/// A token as the account page lists it: id, name, prefix, scope, created, expires, last
/// used, revoked.
pub(super) type TokenRow = (
    ApiTokenId,
    String,
    String,
    Text<TokenScope>,
    DateTime<Utc>,
    Option<DateTime<Utc>>,
    Option<DateTime<Utc>>,
    Option<DateTime<Utc>>,
);

/// What checking a presented token needs: id, member, scope, expires, revoked, last used.
pub(super) type TokenCheck = (
    ApiTokenId,
    UserId,
    Text<TokenScope>,
    Option<DateTime<Utc>>,
    Option<DateTime<Utc>>,
    Option<DateTime<Utc>>,
);

impl Db {
    /// The member's tokens, newest first: those that work at `now`, and those revoked or
    /// expired since `since`, so the list says what became of a token for a while.
    pub(super) async fn api_tokens(
        &self,
        user: UserId,
        now: DateTime<Utc>,
        since: DateTime<Utc>,
    ) -> Result<Vec<TokenRow>, sqlx::Error> {
        on_pool!(self, pool => sqlx::query_as(
                "SELECT id, name, prefix, scope, created_at, expires_at, last_used_at, revoked_at \
                 FROM api_tokens WHERE user_id = $1 \
                 AND ((revoked_at IS NULL AND (expires_at IS NULL OR expires_at > $2)) \
                      OR COALESCE(revoked_at, expires_at) > $3) \
                 ORDER BY created_at DESC, id LIMIT 100")
            .bind(user).bind(now).bind(since)
            .fetch_all(pool).await)
    }

    /// The token whose secret hashes to `hash`, if any.
    pub(super) async fn api_token_by_hash(
        &self,
        hash: &str,
    ) -> Result<Option<TokenCheck>, sqlx::Error> {
        on_pool!(self, pool => sqlx::query_as(
                "SELECT id, user_id, scope, expires_at, revoked_at, last_used_at \
                 FROM api_tokens WHERE secret_hash = $1")
            .bind(hash).fetch_optional(pool).await)
    }

    /// Notes that the token was used at `at`.
    pub(super) async fn api_token_used(
        &self,
        id: ApiTokenId,
        at: DateTime<Utc>,
    ) -> Result<(), sqlx::Error> {
        on_pool!(self, pool => sqlx::query(
                "UPDATE api_tokens SET last_used_at = $2 WHERE id = $1")
            .bind(id).bind(at).execute(pool).await.map(|done| done.rows_affected()))?;
        Ok(())
    }
}

impl Tx {
    /// How many of the member's tokens still work at `now`.
    pub(super) async fn live_api_tokens(
        &mut self,
        user: UserId,
        now: DateTime<Utc>,
    ) -> Result<i64, sqlx::Error> {
        on_tx!(self, conn => sqlx::query_scalar(
                "SELECT COUNT(*) FROM api_tokens WHERE user_id = $1 AND revoked_at IS NULL \
                 AND (expires_at IS NULL OR expires_at > $2)")
            .bind(user).bind(now).fetch_one(&mut *conn).await)
    }

    #[allow(clippy::too_many_arguments)]
    pub(super) async fn insert_api_token(
        &mut self,
        id: ApiTokenId,
        user: UserId,
        name: &str,
        hash: &str,
        prefix: &str,
        scope: TokenScope,
        created_at: DateTime<Utc>,
        expires_at: Option<DateTime<Utc>>,
    ) -> Result<(), sqlx::Error> {
        on_tx!(self, conn => sqlx::query(
                "INSERT INTO api_tokens (id, user_id, name, secret_hash, prefix, scope, \
                 created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)")
            .bind(id).bind(user).bind(name).bind(hash).bind(prefix).bind(Text(scope))
            .bind(created_at).bind(expires_at)
            .execute(&mut *conn).await.map(|done| done.rows_affected()))?;
        Ok(())
    }

    /// Revokes the member's token `id` at `at`; its name when it was theirs and still live.
    pub(super) async fn revoke_api_token(
        &mut self,
        id: ApiTokenId,
        user: UserId,
        at: DateTime<Utc>,
    ) -> Result<Option<String>, sqlx::Error> {
        on_tx!(self, conn => sqlx::query_scalar(
                "UPDATE api_tokens SET revoked_at = $3 \
                 WHERE id = $1 AND user_id = $2 AND revoked_at IS NULL RETURNING name")
            .bind(id).bind(user).bind(at).fetch_optional(&mut *conn).await)
    }
}
