//! The SQL of `reviews` and the rating totals kept with them.

use crate::domain::review::{ReviewDraft, ReviewSide};
use crate::domain::{BookingId, ListingId, ReviewId, UserId};
use crate::store::{Db, Text, Tx};
use crate::{on_pool, on_tx};
use chrono::{DateTime, Utc};
use sqlx::FromRow;

crate::stored_text!(ReviewSide, "review side");

/// A review to write: whose, of whom, about what.
pub(super) struct NewReview<'a> {
    pub(super) id: ReviewId,
    pub(super) booking: BookingId,
    pub(super) listing: ListingId,
    pub(super) author: UserId,
    pub(super) subject: UserId,
    pub(super) side: ReviewSide,
    pub(super) draft: &'a ReviewDraft,
}

/// A stored review with its author's name.
#[derive(Clone, FromRow)]
pub(super) struct ReviewRow {
    pub(super) id: ReviewId,
    pub(super) author_name: String,
    pub(super) side: Text<ReviewSide>,
    pub(super) overall: i64,
    pub(super) accuracy: Option<i64>,
    pub(super) communication: Option<i64>,
    pub(super) body: String,
    pub(super) published_at: Option<DateTime<Utc>>,
    pub(super) reply: Option<String>,
    pub(super) hidden_reason: Option<String>,
}

const SELECT: &str = "SELECT r.id, a.name AS author_name, r.side, r.overall, r.accuracy, \
     r.communication, r.body, r.published_at, r.reply, r.hidden_reason \
     FROM reviews r JOIN users a ON a.id = r.author_id";

/// A review just hidden: whose, about whom, and what it counted for.
#[derive(FromRow)]
pub(super) struct HiddenReview {
    pub(super) author_id: UserId,
    pub(super) subject_id: UserId,
    pub(super) listing_id: ListingId,
    pub(super) side: Text<ReviewSide>,
    pub(super) overall: i64,
}

/// What a publication added to the totals.
#[derive(FromRow)]
struct Published {
    side: Text<ReviewSide>,
    subject_id: UserId,
    listing_id: ListingId,
    overall: i64,
}

impl Tx {
    /// Holds booking `booking`'s reviews until the transaction ends (on PostgreSQL the
    /// booking's row lock; SQLite's one writer holds everything): the two sides' reviews and
    /// the publishing job then come one after another, so the second review always sees the
    /// first.
    pub(super) async fn hold_reviews(&mut self, booking: BookingId) -> Result<(), sqlx::Error> {
        let sql = format!(
            "SELECT id FROM bookings WHERE id = $1{}",
            self.dialect().lock_rows()
        );
        let _: Option<BookingId> = on_tx!(self, conn => sqlx::query_scalar(&sql)
            .bind(booking).fetch_optional(&mut *conn).await)?;
        Ok(())
    }

    /// Writes `review` unless its side of the booking has one; answers whether it was written.
    pub(super) async fn write_review(
        &mut self,
        review: &NewReview<'_>,
        now: DateTime<Utc>,
    ) -> Result<bool, sqlx::Error> {
        let stars = |s: Option<crate::domain::review::Stars>| s.map(|s| i64::from(s.get()));
        let written = on_tx!(self, conn => sqlx::query(
                "INSERT INTO reviews (id, booking_id, listing_id, author_id, subject_id, side, \
                     overall, accuracy, communication, body, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) \
                 ON CONFLICT (booking_id, side) DO NOTHING")
            .bind(review.id).bind(review.booking).bind(review.listing).bind(review.author)
            .bind(review.subject).bind(Text(review.side))
            .bind(i64::from(review.draft.overall.get())).bind(stars(review.draft.accuracy))
            .bind(stars(review.draft.communication)).bind(review.draft.body.as_str()).bind(now)
            .execute(&mut *conn).await.map(|done| done.rows_affected()))?;
        Ok(written > 0)
    }

    /// The booking's reviews, inside the transaction that writes one.
    pub(super) async fn reviews_of_booking(
        &mut self,
        booking: BookingId,
    ) -> Result<Vec<ReviewRow>, sqlx::Error> {
        let sql = format!("{SELECT} WHERE r.booking_id = $1");
        on_tx!(self, conn => sqlx::query_as(&sql).bind(booking).fetch_all(&mut *conn).await)
    }

    /// Publishes the booking's unpublished reviews at `now` and adds them to the totals (each
    /// in its table's home): a renter's to the owner's and the listing's, an owner's to the
    /// renter's as a renter.
    /// Answers, for each review published, the member it is about, its side and listing.
    pub(super) async fn publish_reviews(
        &mut self,
        booking: BookingId,
        now: DateTime<Utc>,
    ) -> Result<Vec<(UserId, ReviewSide, ListingId)>, sqlx::Error> {
        let published: Vec<Published> = on_tx!(self, conn => sqlx::query_as(
                "UPDATE reviews SET published_at = $2 WHERE booking_id = $1 \
                 AND published_at IS NULL AND hidden_at IS NULL \
                 RETURNING side, subject_id, listing_id, overall")
            .bind(booking).bind(now).fetch_all(&mut *conn).await)?;
        for review in &published {
            match review.side.0 {
                ReviewSide::Renter => {
                    self.add_member_rating(review.subject_id, review.overall, false)
                        .await?;
                    self.add_listing_rating(review.listing_id, review.overall)
                        .await?;
                }
                ReviewSide::Owner => {
                    self.add_member_rating(review.subject_id, review.overall, true)
                        .await?;
                }
            }
        }
        Ok(published
            .iter()
            .map(|r| (r.subject_id, r.side.0, r.listing_id))
            .collect())
    }

    /// Hides published review `id` for `reason`, once; answers what it had added to the
    /// totals (so they can be taken away), or `None` when it is hidden already, unpublished or
    /// unknown.
    pub(super) async fn hide_review(
        &mut self,
        id: ReviewId,
        reason: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<HiddenReview>, sqlx::Error> {
        on_tx!(self, conn => sqlx::query_as(
                "UPDATE reviews SET hidden_reason = $2, hidden_at = $3 \
                 WHERE id = $1 AND hidden_at IS NULL AND published_at IS NOT NULL \
                 RETURNING author_id, subject_id, listing_id, side, overall")
            .bind(id).bind(reason).bind(now).fetch_optional(&mut *conn).await)
    }

    /// Sets the reply of the member reviewed to published review `id`, once; answers whether
    /// it was set.
    pub(super) async fn reply_to_review(
        &mut self,
        id: ReviewId,
        subject: UserId,
        reply: &str,
        now: DateTime<Utc>,
    ) -> Result<bool, sqlx::Error> {
        let set = on_tx!(self, conn => sqlx::query(
                "UPDATE reviews SET reply = $3, replied_at = $4 WHERE id = $1 \
                 AND subject_id = $2 AND side = 'renter' AND published_at IS NOT NULL \
                 AND reply IS NULL AND hidden_at IS NULL")
            .bind(id).bind(subject).bind(reply).bind(now)
            .execute(&mut *conn).await.map(|done| done.rows_affected()))?;
        Ok(set > 0)
    }
}

/// A member's public facts.
#[derive(FromRow)]
pub(super) struct ProfileRow {
    pub(super) name: String,
    pub(super) created_at: DateTime<Utc>,
    pub(super) city: Option<String>,
    pub(super) status: String,
    pub(super) rating_count: i64,
    pub(super) rating_sum: i64,
    pub(super) renter_rating_count: i64,
    pub(super) renter_rating_sum: i64,
}

impl Db {
    /// Whether review `id` is hidden; `None` when there is no such review.
    pub(super) async fn review_hidden(&self, id: ReviewId) -> Result<Option<bool>, sqlx::Error> {
        on_pool!(self, pool => sqlx::query_scalar(
            "SELECT hidden_at IS NOT NULL FROM reviews WHERE id = $1")
            .bind(id).fetch_optional(pool).await)
    }

    /// Whether review `id` is published and not hidden: what a member may report.
    pub(super) async fn review_is_shown(&self, id: ReviewId) -> Result<bool, sqlx::Error> {
        let found: Option<i64> = on_pool!(self, pool => sqlx::query_scalar(
            "SELECT CAST(1 AS BIGINT) FROM reviews WHERE id = $1 \
             AND published_at IS NOT NULL AND hidden_at IS NULL")
            .bind(id).fetch_optional(pool).await)?;
        Ok(found.is_some())
    }

    pub(super) async fn profile_row(&self, id: UserId) -> Result<Option<ProfileRow>, sqlx::Error> {
        on_pool!(self, pool => sqlx::query_as(
            "SELECT name, created_at, city, status, rating_count, rating_sum, \
                 renter_rating_count, renter_rating_sum FROM users WHERE id = $1")
            .bind(id).fetch_optional(pool).await)
    }

    /// The latest `limit` published, visible reviews of member `id`.
    pub(super) async fn reviews_of_member(
        &self,
        id: UserId,
        limit: i64,
    ) -> Result<Vec<ReviewRow>, sqlx::Error> {
        let sql = format!(
            "{SELECT} WHERE r.subject_id = $1 AND r.published_at IS NOT NULL \
             AND r.hidden_at IS NULL ORDER BY r.published_at DESC, r.id LIMIT $2"
        );
        on_pool!(self, pool => sqlx::query_as(&sql).bind(id).bind(limit).fetch_all(pool).await)
    }

    /// Member `id`'s listings open for booking, the newest first.
    pub(super) async fn open_listings_of(
        &self,
        id: UserId,
        limit: i64,
    ) -> Result<Vec<(ListingId, String)>, sqlx::Error> {
        on_pool!(self, pool => sqlx::query_as(
            "SELECT id, title FROM listings WHERE owner_id = $1 AND status = 'active' \
             ORDER BY created_at DESC, id LIMIT $2")
            .bind(id).bind(limit).fetch_all(pool).await)
    }

    pub(super) async fn reviews_of_booking(
        &self,
        booking: BookingId,
    ) -> Result<Vec<ReviewRow>, sqlx::Error> {
        let sql = format!("{SELECT} WHERE r.booking_id = $1");
        on_pool!(self, pool => sqlx::query_as(&sql).bind(booking).fetch_all(pool).await)
    }

    /// Published, visible reviews renters wrote of `listing`, the newest first: `limit` from
    /// `offset`.
    pub(super) async fn reviews_of_listing(
        &self,
        listing: ListingId,
        limit: i64,
        offset: i64,
    ) -> Result<Vec<ReviewRow>, sqlx::Error> {
        let sql = format!(
            "{SELECT} WHERE r.listing_id = $1 AND r.side = 'renter' \
             AND r.published_at IS NOT NULL AND r.hidden_at IS NULL \
             ORDER BY r.published_at DESC, r.id LIMIT $2 OFFSET $3"
        );
        on_pool!(self, pool => sqlx::query_as(&sql)
            .bind(listing).bind(limit).bind(offset).fetch_all(pool).await)
    }

    /// A member's name.
    pub(super) async fn member_name(&self, id: UserId) -> Result<Option<String>, sqlx::Error> {
        on_pool!(self, pool => sqlx::query_scalar("SELECT name FROM users WHERE id = $1")
            .bind(id).fetch_optional(pool).await)
    }

    /// The rating totals of listing `listing`, while it is open to booking: how many reviews,
    /// and their stars added up.
    pub(super) async fn listing_rating(
        &self,
        listing: ListingId,
    ) -> Result<Option<(i64, i64)>, sqlx::Error> {
        on_pool!(self, pool => sqlx::query_as(
            "SELECT rating_count, rating_sum FROM listings WHERE id = $1 AND status = 'active'")
            .bind(listing).fetch_optional(pool).await)
    }
}
