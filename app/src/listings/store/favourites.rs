//! The SQL of `favourites`: the listings each member saved.

use crate::domain::{ListingId, UserId};
use crate::store::{Db, Tx};
use crate::{on_pool, on_tx};
use chrono::{DateTime, Utc};

impl Tx {
    /// How many active listings `member` has saved (those paused or archived, which the
    /// favourites page cannot offer to remove, do not count).
    pub(crate) async fn favourite_count(&mut self, member: UserId) -> Result<i64, sqlx::Error> {
        on_tx!(self, conn => sqlx::query_scalar(
                "SELECT COUNT(*) FROM favourites f JOIN listings l ON l.id = f.listing_id \
                 WHERE f.user_id = $1 AND l.status = 'active'")
            .bind(member).fetch_one(&mut *conn).await)
    }

    /// Saves listing `id` for `member` if it is active; false when it is not (or was saved).
    pub(crate) async fn add_favourite(
        &mut self,
        member: UserId,
        id: ListingId,
        now: DateTime<Utc>,
    ) -> Result<bool, sqlx::Error> {
        on_tx!(self, conn => sqlx::query(
                "INSERT INTO favourites (user_id, listing_id, created_at) \
                 SELECT $1, id, $3 FROM listings WHERE id = $2 AND status = 'active' \
                 ON CONFLICT DO NOTHING")
            .bind(member).bind(id).bind(now).execute(&mut *conn).await
            .map(|done| done.rows_affected() == 1))
    }

    pub(crate) async fn remove_favourite(
        &mut self,
        member: UserId,
        id: ListingId,
    ) -> Result<(), sqlx::Error> {
        on_tx!(self, conn => sqlx::query(
                "DELETE FROM favourites WHERE user_id = $1 AND listing_id = $2")
            .bind(member).bind(id).execute(&mut *conn).await.map(|done| done.rows_affected()))?;
        Ok(())
    }
}

impl Db {
    /// Whether `member` saved listing `id`.
    pub(crate) async fn is_favourite(
        &self,
        member: UserId,
        id: ListingId,
    ) -> Result<bool, sqlx::Error> {
        on_pool!(self, pool => sqlx::query_scalar(
                "SELECT EXISTS (SELECT 1 FROM favourites WHERE user_id = $1 AND listing_id = $2)")
            .bind(member).bind(id).fetch_one(pool).await)
    }

    /// The listings `member` saved, the latest first.
    pub(crate) async fn favourite_ids(
        &self,
        member: UserId,
    ) -> Result<Vec<ListingId>, sqlx::Error> {
        on_pool!(self, pool => sqlx::query_scalar(
                "SELECT listing_id FROM favourites WHERE user_id = $1 \
                 ORDER BY created_at DESC, listing_id")
            .bind(member).fetch_all(pool).await)
    }
}
