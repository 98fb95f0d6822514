//! The SQL of `saved_searches`: the searches members keep.

use crate::domain::ids::SavedSearchId;
use crate::domain::UserId;
use crate::listings::saved_searches::SavedSearch;
use crate::store::{Db, Tx};
use crate::{on_pool, on_tx};
use chrono::{DateTime, Utc};

/// A saved search as the matching job reads it.
#[derive(sqlx::FromRow)]
pub(crate) struct KeptSearch {
    pub(crate) id: SavedSearchId,
    pub(crate) user_id: UserId,
    pub(crate) query: String,
}

impl Db {
    /// `member`'s saved searches, the latest first.
    pub(crate) async fn saved_searches(
        &self,
        member: UserId,
    ) -> Result<Vec<SavedSearch>, sqlx::Error> {
        on_pool!(self, pool => sqlx::query_as(
                "SELECT id, label, query FROM saved_searches WHERE user_id = $1 \
                 ORDER BY created_at DESC, id")
            .bind(member).fetch_all(pool).await)
    }

    /// Up to `limit` saved searches of active members after `after` (by id), for the
    /// matching job to go through all of them a page at a time.
    pub(crate) async fn kept_searches_after(
        &self,
        after: Option<SavedSearchId>,
        limit: i64,
    ) -> Result<Vec<KeptSearch>, sqlx::Error> {
        on_pool!(self, pool => sqlx::query_as(
                "SELECT s.id, s.user_id, s.query FROM saved_searches s \
                 JOIN users u ON u.id = s.user_id AND u.status = 'active' \
                 WHERE ($1 IS NULL OR s.id > $1) ORDER BY s.id LIMIT $2")
            .bind(after).bind(limit).fetch_all(pool).await)
    }
}

impl Tx {
    pub(crate) async fn saved_search_count(&mut self, member: UserId) -> Result<i64, sqlx::Error> {
        on_tx!(self, conn => sqlx::query_scalar(
                "SELECT COUNT(*) FROM saved_searches WHERE user_id = $1")
            .bind(member).fetch_one(&mut *conn).await)
    }

    /// Keeps `query` for `member`; false when they kept it already.
    pub(crate) async fn add_saved_search(
        &mut self,
        member: UserId,
        query: &str,
        label: &str,
        now: DateTime<Utc>,
    ) -> Result<bool, sqlx::Error> {
        on_tx!(self, conn => sqlx::query(
                "INSERT INTO saved_searches (id, user_id, query, label, created_at) \
                 VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING")
            .bind(SavedSearchId::new()).bind(member).bind(query).bind(label).bind(now)
            .execute(&mut *conn).await.map(|done| done.rows_affected() == 1))
    }

    /// Forgets `member`'s search `id`; false when they have none of that id.
    pub(crate) async fn remove_saved_search(
        &mut self,
        member: UserId,
        id: SavedSearchId,
    ) -> Result<bool, sqlx::Error> {
        on_tx!(self, conn => sqlx::query(
                "DELETE FROM saved_searches WHERE id = $1 AND user_id = $2")
            .bind(id).bind(member).execute(&mut *conn).await
            .map(|done| done.rows_affected() == 1))
    }

    /// How many entries search `id` has brought its member since `since`.
    pub(crate) async fn finds_since(
        &mut self,
        id: SavedSearchId,
        since: DateTime<Utc>,
    ) -> Result<i64, sqlx::Error> {
        on_tx!(self, conn => sqlx::query_scalar(
                "SELECT COUNT(*) FROM notifications WHERE saved_search_id = $1 AND created_at >= $2")
            .bind(id).bind(since).fetch_one(&mut *conn).await)
    }
}
