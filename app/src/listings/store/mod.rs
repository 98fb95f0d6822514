//! The SQL of the listings' tables: `listings`, `listing_units`, `listing_photos` and the
//! owners' blocks in `reservations`. What the owner's changes write is here; what pages and
//! searches read is in `read`.

mod categories;
mod favourites;
pub mod read;
mod saved_searches;

use crate::domain::{BlockId, ListingId, PhotoId, UnitId, UserId};
use crate::domain::{GeoPoint, RentalPeriod};
use crate::listings::draft::ListingDraft;
use crate::listings::model::ListingStatus;
use crate::store::{Db, Reserved, Tx};
use crate::{on_pool, on_tx};
use chrono::{DateTime, NaiveDate, Utc};
use sqlx::FromRow;

impl Tx {
    /// Adds a review of `stars` to listing `id`'s rating totals (`-stars`: takes one away).
    pub async fn add_listing_rating(
        &mut self,
        id: ListingId,
        stars: i64,
    ) -> Result<(), sqlx::Error> {
        on_tx!(self, conn => sqlx::query(
                "UPDATE listings SET rating_count = rating_count + $3, \
                 rating_sum = rating_sum + $2 WHERE id = $1")
            .bind(id).bind(stars).bind(stars.signum())
            .execute(&mut *conn).await.map(|done| done.rows_affected()))?;
        Ok(())
    }

    /// Holds listing `id` until the transaction ends and answers its status (`None`: no such
    /// listing). Every writer of the listing's reservations holds it first (requests, owner
    /// blocks, extensions, replay's rewrite), so on PostgreSQL they queue on its row instead
    /// of racing for the same free unit; a writer that also holds a booking takes the listing
    /// first. SQLite's one writer at a time holds everything already.
    pub async fn lock_listing(&mut self, id: ListingId) -> Result<Option<String>, sqlx::Error> {
        let sql = format!(
            "SELECT status FROM listings WHERE id = $1{}",
            self.dialect().lock_rows()
        );
        on_tx!(self, conn => sqlx::query_scalar(&sql).bind(id).fetch_optional(conn).await)
    }
}

/// The columns a draft sets, in the order [`bind_draft`] binds them.
const DRAFT_COLUMNS: [&str; 24] = [
    "title",
    "description",
    "category_slug",
    "condition",
    "brand",
    "model",
    "currency",
    "daily_price_minor",
    "weekly_price_minor",
    "monthly_price_minor",
    "deposit_minor",
    "min_days",
    "max_days",
    "lead_time_days",
    "buffer_days",
    "instant_booking",
    "city",
    "latitude",
    "longitude",
    "pickup_instructions",
    "time_zone",
    "cancellation_policy",
    "included_items",
    "late_fee_minor",
];

/// Binds `draft`'s values (with its `time_zone`) in the order of [`DRAFT_COLUMNS`].
fn bind_draft<'q, DB: sqlx::Database>(
    values: &mut sqlx::query_builder::Separated<'_, 'q, DB, &'static str>,
    draft: &'q ListingDraft,
    time_zone: &'q str,
) where
    &'q str: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    i64: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    Option<i64>: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    bool: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    f64: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
{
    values
        .push_bind(draft.title.as_str())
        .push_bind(draft.description.as_str())
        .push_bind(draft.category.as_str())
        .push_bind(draft.condition.as_str())
        .push_bind(draft.brand.as_str())
        .push_bind(draft.model.as_str())
        .push_bind(draft.currency.code())
        .push_bind(draft.daily_minor)
        .push_bind(draft.weekly_minor)
        .push_bind(draft.monthly_minor)
        .push_bind(draft.deposit_minor)
        .push_bind(draft.min_days)
        .push_bind(draft.max_days)
        .push_bind(draft.lead_time_days)
        .push_bind(draft.buffer_days)
        .push_bind(draft.instant_booking)
        .push_bind(draft.city.as_str())
        .push_bind(draft.position.latitude)
        .push_bind(draft.position.longitude)
        .push_bind(draft.pickup_instructions.as_str())
        .push_bind(time_zone)
        .push_bind(draft.cancellation_policy.as_str())
        .push_bind(draft.included_items.as_str())
        .push_bind(draft.late_fee_minor);
}

/// A unit of a listing as its edit plans it: id, label, active, upcoming bookings.
pub(super) type UnitRow = (UnitId, String, bool, i64);

/// One of the owner's listings as their list shows it.
#[derive(FromRow)]
pub(super) struct OwnerRow {
    pub(super) id: ListingId,
    pub(super) title: String,
    pub(super) status: String,
    pub(super) currency: String,
    pub(super) daily_price_minor: i64,
    pub(super) units: i64,
    pub(super) photo_key: Option<String>,
    pub(super) photo_alt: Option<String>,
    pub(super) photo_variants: Option<String>,
    pub(super) updated_at: DateTime<Utc>,
    pub(super) hidden_reason: Option<String>,
}

/// A listing as the admins' list shows it.
#[derive(FromRow)]
pub(crate) struct AdminListingRow {
    pub(crate) id: ListingId,
    pub(crate) title: String,
    pub(crate) owner_name: String,
    pub(crate) status: String,
    pub(crate) city: String,
    pub(crate) hidden_reason: Option<String>,
    pub(crate) created_at: DateTime<Utc>,
}

/// A photo to record: its id, where its shown size is stored, its size, alt text and every
/// size as `srcset` wants them.
pub(super) struct NewPhoto<'a> {
    pub(super) id: PhotoId,
    pub(super) key: &'a str,
    pub(super) width: u32,
    pub(super) height: u32,
    pub(super) alt: String,
    pub(super) variants: String,
}

impl Db {
    /// Listings an older version stored without a public position: id and exact position.
    pub(super) async fn unplaced_listings(
        &self,
    ) -> Result<Vec<(ListingId, f64, f64)>, sqlx::Error> {
        on_pool!(self, pool => sqlx::query_as(
            "SELECT id, latitude, longitude FROM listings WHERE public_latitude IS NULL")
            .fetch_all(pool).await)
    }

    /// Gives listing `id` its public position, unless it has one; answers whether it did.
    pub(super) async fn place_listing(
        &self,
        id: ListingId,
        public: GeoPoint,
    ) -> Result<bool, sqlx::Error> {
        let placed = on_pool!(self, pool => sqlx::query(
            "UPDATE listings SET public_latitude = $2, public_longitude = $3 \
             WHERE id = $1 AND public_latitude IS NULL")
            .bind(id).bind(public.latitude).bind(public.longitude)
            .execute(pool).await.map(|done| done.rows_affected()))?;
        Ok(placed == 1)
    }

    /// The time zone of `owner`'s account.
    pub(super) async fn owner_time_zone(
        &self,
        owner: UserId,
    ) -> Result<Option<String>, sqlx::Error> {
        on_pool!(self, pool => sqlx::query_scalar("SELECT time_zone FROM users WHERE id = $1")
            .bind(owner).fetch_optional(pool).await)
    }

    /// Whether category `slug` takes listings: it exists and is not retired, unless listing
    /// `kept` is in it already.
    pub(super) async fn category_open(
        &self,
        slug: &str,
        kept: Option<ListingId>,
    ) -> Result<bool, sqlx::Error> {
        let known: Option<String> = on_pool!(self, pool => sqlx::query_scalar(
                "SELECT slug FROM categories WHERE slug = $1 AND (retired_at IS NULL \
                 OR EXISTS (SELECT 1 FROM listings WHERE id = $2 AND category_slug = $1))")
            .bind(slug).bind(kept).fetch_optional(pool).await)?;
        Ok(known.is_some())
    }

    /// Listing `id`'s owner and status.
    pub(super) async fn owner_and_status(
        &self,
        id: ListingId,
    ) -> Result<Option<(UserId, String)>, sqlx::Error> {
        on_pool!(self, pool => sqlx::query_as("SELECT owner_id, status FROM listings WHERE id = $1")
            .bind(id).fetch_optional(pool).await)
    }

    /// The owner's listings, archived ones last, newest first within each group.
    pub(super) async fn owner_rows(&self, owner: UserId) -> Result<Vec<OwnerRow>, sqlx::Error> {
        const SQL: &str = "SELECT l.id, l.title, l.status, l.currency, l.daily_price_minor, \
                (SELECT COUNT(*) FROM listing_units u WHERE u.listing_id = l.id AND u.active) \
                    AS units, \
                p.storage_key AS photo_key, p.alt_text AS photo_alt, \
                p.variants AS photo_variants, l.updated_at, l.hidden_reason \
             FROM listings l \
             LEFT JOIN listing_photos p ON p.listing_id = l.id AND p.position = 0 \
             WHERE l.owner_id = $1 \
             ORDER BY CASE WHEN l.status = 'archived' THEN 1 ELSE 0 END, l.created_at DESC, \
                 l.id DESC";
        on_pool!(self, pool => sqlx::query_as(SQL).bind(owner).fetch_all(pool).await)
    }

    /// Why an admin hid listing `id`, if one did.
    pub(crate) async fn hidden_reason(&self, id: ListingId) -> Result<Option<String>, sqlx::Error> {
        let reason: Option<Option<String>> = on_pool!(self, pool => sqlx::query_scalar(
                "SELECT hidden_reason FROM listings WHERE id = $1")
            .bind(id).fetch_optional(pool).await)?;
        Ok(reason.flatten())
    }

    /// Listings for the admins (at most 100, the newest first): whose title or owner's name
    /// holds `q`, with status `status` (`hidden`: hidden by an admin), each as given.
    pub(crate) async fn admin_listing_rows(
        &self,
        q: &str,
        status: Option<&str>,
    ) -> Result<Vec<AdminListingRow>, sqlx::Error> {
        let pattern = crate::store::contains_pattern(q);
        on_pool!(self, pool => sqlx::query_as(
                "SELECT l.id, l.title, u.name AS owner_name, l.status, l.city, l.hidden_reason, \
                 l.created_at FROM listings l JOIN users u ON u.id = l.owner_id \
                 WHERE (LOWER(l.title) LIKE $1 ESCAPE '\\' OR LOWER(u.name) LIKE $1 ESCAPE '\\') \
                 AND ($2 IS NULL OR l.status = $2 OR ($2 = 'hidden' AND l.hidden_reason IS NOT NULL)) \
                 ORDER BY l.created_at DESC, l.id LIMIT 100")
            .bind(pattern).bind(status).fetch_all(pool).await)
    }

    /// How many photos listing `id` has, and its title.
    pub(super) async fn photo_count_and_title(
        &self,
        id: ListingId,
    ) -> Result<(i64, String), sqlx::Error> {
        on_pool!(self, pool => sqlx::query_as(
            "SELECT (SELECT COUNT(*) FROM listing_photos WHERE listing_id = $1), title \
             FROM listings WHERE id = $1")
            .bind(id).fetch_one(pool).await)
    }
}

impl Tx {
    /// How many listings `owner` published after `since`, and when the oldest of them was.
    pub(super) async fn published_since(
        &mut self,
        owner: UserId,
        since: DateTime<Utc>,
    ) -> Result<(i64, Option<DateTime<Utc>>), sqlx::Error> {
        on_tx!(self, conn => sqlx::query_as(
            "SELECT COUNT(*), MIN(created_at) FROM listings WHERE owner_id = $1 AND created_at > $2")
            .bind(owner).bind(since).fetch_one(conn).await)
    }

    /// Inserts listing `id` of `owner` from `draft`, published, at `public` for searchers.
    pub(super) async fn insert_listing(
        &mut self,
        (id, owner): (ListingId, UserId),
        draft: &ListingDraft,
        time_zone: &str,
        public: GeoPoint,
        now: DateTime<Utc>,
    ) -> Result<(), sqlx::Error> {
        on_tx!(self, conn => {
            let mut insert = sqlx::QueryBuilder::new("INSERT INTO listings (id, owner_id, ");
            insert.push(DRAFT_COLUMNS.join(", "));
            insert.push(", created_at, updated_at, public_latitude, public_longitude, status, \
                         version) VALUES (");
            let mut values = insert.separated(", ");
            values.push_bind(id).push_bind(owner);
            bind_draft(&mut values, draft, time_zone);
            values.push_bind(now).push_bind(now).push_bind(public.latitude)
                .push_bind(public.longitude);
            insert.push(", 'active', 1)");
            insert.build().execute(conn).await.map(|done| done.rows_affected())
        })?;
        Ok(())
    }

    /// Saves `draft` over version `version` of listing `id`, which must not be archived;
    /// false when that version is not the current one (nothing written). The public position
    /// moves only when the exact one does (the right-hand sides read the row as it was), so
    /// saving other fields never gives searchers a fresh sample.
    pub(super) async fn update_listing(
        &mut self,
        (id, version): (ListingId, i64),
        draft: &ListingDraft,
        time_zone: &str,
        public: GeoPoint,
        now: DateTime<Utc>,
    ) -> Result<bool, sqlx::Error> {
        let (latitude, longitude) = (draft.position.latitude, draft.position.longitude);
        let changed = on_tx!(self, conn => {
            let mut update = sqlx::QueryBuilder::new("UPDATE listings SET (");
            update.push(DRAFT_COLUMNS.join(", ")).push(") = (");
            bind_draft(&mut update.separated(", "), draft, time_zone);
            update.push("), version = version + 1, updated_at = ").push_bind(now);
            for (column, exact) in [("public_latitude", "latitude"), ("public_longitude", "longitude")] {
                let value = if exact == "latitude" { public.latitude } else { public.longitude };
                update.push(format!(", {column} = CASE WHEN public_latitude IS NULL OR latitude <> "))
                    .push_bind(latitude).push(" OR longitude <> ").push_bind(longitude)
                    .push(" THEN ").push_bind(value).push(format!(" ELSE {column} END"));
            }
            update.push(" WHERE id = ").push_bind(id).push(" AND version = ").push_bind(version)
                .push(" AND status <> 'archived'");
            update.build().execute(conn).await.map(|done| done.rows_affected())
        })?;
        Ok(changed == 1)
    }

    /// Listing `id`'s units, each with its bookings not over by `today`.
    pub(super) async fn units_of(
        &mut self,
        id: ListingId,
        today: NaiveDate,
    ) -> Result<Vec<UnitRow>, sqlx::Error> {
        on_tx!(self, conn => sqlx::query_as(
            "SELECT u.id, u.label, u.active, \
                    (SELECT COUNT(*) FROM reservations r WHERE r.unit_id = u.id \
                        AND r.kind = 'booking' AND r.ends_on > $2) AS upcoming \
             FROM listing_units u WHERE u.listing_id = $1")
            .bind(id).bind(today).fetch_all(conn).await)
    }

    pub(super) async fn set_unit_active(
        &mut self,
        unit: UnitId,
        active: bool,
    ) -> Result<(), sqlx::Error> {
        on_tx!(self, conn => sqlx::query("UPDATE listing_units SET active = $1 WHERE id = $2")
            .bind(active).bind(unit).execute(conn).await.map(|done| done.rows_affected()))?;
        Ok(())
    }

    pub(super) async fn add_unit(
        &mut self,
        listing: ListingId,
        label: &str,
        now: DateTime<Utc>,
    ) -> Result<(), sqlx::Error> {
        on_tx!(self, conn => sqlx::query(
                "INSERT INTO listing_units (id, listing_id, label, active, created_at) \
                 VALUES ($1, $2, $3, TRUE, $4)")
            .bind(UnitId::new()).bind(listing).bind(label).bind(now)
            .execute(conn).await.map(|done| done.rows_affected()))?;
        Ok(())
    }

    /// Moves listing `id` from status `from` to `to`; false when it was no longer `from`.
    /// Hides listing `id` with `reason` (pausing it if active), or unhides it (`None`);
    /// its owner, or `None` when there was nothing to change (archived, or hidden already,
    /// or not hidden).
    pub(crate) async fn set_hidden(
        &mut self,
        id: ListingId,
        reason: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<Option<UserId>, sqlx::Error> {
        let sql = match reason {
            Some(_) => {
                "UPDATE listings SET hidden_reason = $2, version = version + 1, \
                 status = CASE WHEN status = 'active' THEN 'paused' ELSE status END, \
                 updated_at = $3 WHERE id = $1 AND status <> 'archived' \
                 AND hidden_reason IS NULL RETURNING owner_id"
            }
            None => {
                "UPDATE listings SET hidden_reason = $2, version = version + 1, \
                 updated_at = $3 WHERE id = $1 AND hidden_reason IS NOT NULL RETURNING owner_id"
            }
        };
        on_tx!(self, conn => sqlx::query_scalar(sql)
            .bind(id).bind(reason).bind(now).fetch_optional(conn).await)
    }

    pub(super) async fn change_listing_status(
        &mut self,
        id: ListingId,
        (from, to): (&str, &str),
        now: DateTime<Utc>,
    ) -> Result<bool, sqlx::Error> {
        let changed = on_tx!(self, conn => sqlx::query(
                "UPDATE listings SET status = $1, version = version + 1, updated_at = $2 \
                 WHERE id = $3 AND status = $4 AND ($1 <> 'active' OR hidden_reason IS NULL)")
            .bind(to).bind(now).bind(id).bind(from)
            .execute(conn).await.map(|done| done.rows_affected()))?;
        Ok(changed == 1)
    }

    /// The active units of `listing` (only `unit` when given): id and label.
    pub(super) async fn active_units(
        &mut self,
        listing: ListingId,
        unit: Option<UnitId>,
    ) -> Result<Vec<(UnitId, String)>, sqlx::Error> {
        on_tx!(self, conn => sqlx::query_as(
                "SELECT id, label FROM listing_units WHERE listing_id = $1 AND active \
                 AND ($2 IS NULL OR id = $2) ORDER BY label")
            .bind(listing).bind(unit).fetch_all(conn).await)
    }

    /// How many reservations hold `unit` on a day of `period`.
    pub(super) async fn reservations_on(
        &mut self,
        unit: UnitId,
        period: RentalPeriod,
    ) -> Result<i64, sqlx::Error> {
        on_tx!(self, conn => sqlx::query_scalar(
                "SELECT COUNT(*) FROM reservations WHERE unit_id = $1 AND starts_on < $2 \
                 AND ends_on > $3")
            .bind(unit).bind(period.to()).bind(period.from()).fetch_one(conn).await)
    }

    /// Blocks `period` on `unit` of `listing`, with the owner's `note`.
    pub(super) async fn add_block(
        &mut self,
        (listing, unit): (ListingId, UnitId),
        period: RentalPeriod,
        note: &str,
        (by, now): (UserId, DateTime<Utc>),
    ) -> Result<Reserved, sqlx::Error> {
        Reserved::of(on_tx!(self, conn => sqlx::query(
                "INSERT INTO reservations (id, listing_id, unit_id, kind, starts_on, ends_on, \
                 note, created_by, created_at) VALUES ($1, $2, $3, 'block', $4, $5, $6, $7, $8)")
            .bind(BlockId::new()).bind(listing).bind(unit).bind(period.from()).bind(period.to())
            .bind(note).bind(by).bind(now)
            .execute(conn).await.map(|_| ())))
    }

    /// Removes block `block` of `listing` (never a booking); false when there is none.
    pub(super) async fn remove_block(
        &mut self,
        listing: ListingId,
        block: BlockId,
    ) -> Result<bool, sqlx::Error> {
        let removed = on_tx!(self, conn => sqlx::query(
                "DELETE FROM reservations WHERE id = $1 AND listing_id = $2 AND kind = 'block'")
            .bind(block).bind(listing).execute(conn).await.map(|done| done.rows_affected()))?;
        Ok(removed == 1)
    }

    /// How many photos `listing` has, and the position after its last.
    pub(super) async fn photo_count_and_next(
        &mut self,
        listing: ListingId,
    ) -> Result<(i64, i64), sqlx::Error> {
        on_tx!(self, conn => sqlx::query_as(
                "SELECT COUNT(*), COALESCE(MAX(position) + 1, 0) FROM listing_photos \
                 WHERE listing_id = $1")
            .bind(listing).fetch_one(conn).await)
    }

    /// Records `photo` of `listing` at `position`.
    pub(super) async fn add_photo(
        &mut self,
        listing: ListingId,
        position: i64,
        photo: &NewPhoto<'_>,
        now: DateTime<Utc>,
    ) -> Result<(), sqlx::Error> {
        on_tx!(self, conn => sqlx::query(
                "INSERT INTO listing_photos (id, listing_id, position, storage_key, content_type, \
                 width, height, alt_text, variants, created_at) \
                 VALUES ($1, $2, $3, $4, 'image/jpeg', $5, $6, $7, $8, $9)")
            .bind(photo.id).bind(listing).bind(position).bind(photo.key)
            .bind(i64::from(photo.width)).bind(i64::from(photo.height))
            .bind(photo.alt.as_str()).bind(photo.variants.as_str()).bind(now)
            .execute(conn).await.map(|done| done.rows_affected()))?;
        Ok(())
    }

    /// Removes photo `photo` of `listing`, the photos after it moving up one place; answers
    /// its storage key and variants, or `None` when there is no such photo.
    pub(super) async fn remove_photo(
        &mut self,
        listing: ListingId,
        photo: PhotoId,
    ) -> Result<Option<(String, String)>, sqlx::Error> {
        on_tx!(self, conn => {
            let row: Option<(String, String, i64)> = sqlx::query_as(
                "DELETE FROM listing_photos WHERE id = $1 AND listing_id = $2 \
                 RETURNING storage_key, variants, position")
                .bind(photo).bind(listing).fetch_optional(&mut *conn).await?;
            let Some((key, variants, position)) = row else {
                return Ok(None);
            };
            // One row at a time, lowest first, so (listing, position) stays unique throughout.
            let later: Vec<PhotoId> = sqlx::query_scalar(
                "SELECT id FROM listing_photos WHERE listing_id = $1 AND position > $2 \
                 ORDER BY position")
                .bind(listing).bind(position).fetch_all(&mut *conn).await?;
            for id in later {
                sqlx::query("UPDATE listing_photos SET position = position - 1 WHERE id = $1")
                    .bind(id).execute(&mut *conn).await?;
            }
            Ok(Some((key, variants)))
        })
    }

    /// Moves photo `photo` of `listing` one place earlier: `Some(false)` when it is first
    /// already, `None` when there is no such photo.
    pub(super) async fn move_photo_earlier(
        &mut self,
        listing: ListingId,
        photo: PhotoId,
    ) -> Result<Option<bool>, sqlx::Error> {
        on_tx!(self, conn => {
            let position: Option<i64> = sqlx::query_scalar(
                "SELECT position FROM listing_photos WHERE id = $1 AND listing_id = $2")
                .bind(photo).bind(listing).fetch_optional(&mut *conn).await?;
            let Some(position) = position else {
                return Ok(None);
            };
            if position > 0 {
                // Through a free position: (listing, position) is unique at every step.
                let parked = 1_000_000 + position;
                for (from, to) in [(position, parked), (position - 1, position), (parked, position - 1)] {
                    sqlx::query(
                        "UPDATE listing_photos SET position = $1 WHERE listing_id = $2 \
                         AND position = $3")
                        .bind(to).bind(listing).bind(from).execute(&mut *conn).await?;
                }
            }
            Ok(Some(position > 0))
        })
    }
}

/// A unit's held days as the calendar feed reads them: unit, first day, day after the last.
pub(super) type HeldDays = (UnitId, NaiveDate, NaiveDate);

impl Db {
    /// The secret of listing `id`'s calendar feed: `fresh` when it had none, or always when
    /// `renew` (the old address then stops working at once).
    pub(super) async fn calendar_token(
        &self,
        id: ListingId,
        fresh: &str,
        renew: bool,
    ) -> Result<Option<String>, sqlx::Error> {
        let set = if renew {
            "UPDATE listings SET calendar_token = $2 WHERE id = $1"
        } else {
            "UPDATE listings SET calendar_token = $2 WHERE id = $1 AND calendar_token IS NULL"
        };
        on_pool!(self, pool => {
            sqlx::query(set).bind(id).bind(fresh).execute(pool).await?;
            sqlx::query_scalar("SELECT calendar_token FROM listings WHERE id = $1")
                .bind(id).fetch_one(pool).await
        })
    }

    /// The listing whose feed secret is `token`: id, time zone and status.
    pub(super) async fn listing_of_calendar(
        &self,
        token: &str,
    ) -> Result<Option<(ListingId, String, String)>, sqlx::Error> {
        on_pool!(self, pool => sqlx::query_as(
                "SELECT id, time_zone, status FROM listings WHERE calendar_token = $1")
            .bind(token).fetch_optional(pool).await)
    }

    pub(super) async fn listing_time_zone(
        &self,
        id: ListingId,
    ) -> Result<Option<String>, sqlx::Error> {
        on_pool!(self, pool => sqlx::query_scalar("SELECT time_zone FROM listings WHERE id = $1")
            .bind(id).fetch_optional(pool).await)
    }

    /// How many active units listing `id` has, and what holds them on `[first, last)`.
    pub(super) async fn held_days(
        &self,
        id: ListingId,
        (first, last): (NaiveDate, NaiveDate),
    ) -> Result<(i64, Vec<HeldDays>), sqlx::Error> {
        on_pool!(self, pool => {
            let units = sqlx::query_scalar(
                "SELECT COUNT(*) FROM listing_units WHERE listing_id = $1 AND active")
                .bind(id).fetch_one(pool).await?;
            let taken = sqlx::query_as(
                "SELECT r.unit_id, r.starts_on, r.ends_on FROM reservations r \
                 JOIN listing_units u ON u.id = r.unit_id \
                 WHERE r.listing_id = $1 AND u.active AND r.ends_on > $2 AND r.starts_on < $3")
                .bind(id).bind(first).bind(last).fetch_all(pool).await?;
            Ok((units, taken))
        })
    }
}

impl Db {
    /// Up to `limit` active listings with their owners, by id (for demo rentals).
    pub async fn active_listings_and_owners(
        &self,
        limit: i64,
    ) -> Result<Vec<(ListingId, UserId)>, sqlx::Error> {
        on_pool!(self, pool => sqlx::query_as(
                "SELECT id, owner_id FROM listings WHERE status = 'active' ORDER BY id LIMIT $1")
            .bind(limit).fetch_all(pool).await)
    }
}

crate::stored_text!(ListingStatus, "listing status");
