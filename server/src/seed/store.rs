//! The seed's bulk load: demo rows written straight into the accounts' and listings' tables
//! in one transaction, batch by batch with sqlx's `QueryBuilder` (the services would write
//! them one by one, with audit records and events nobody needs for demo data).

use app::domain::GeoPoint;
use app::domain::{ListingId, PhotoId, UnitId, UserId};
use app::store::{Db, Tx};
use app::{on_pool, on_tx};
use chrono::{DateTime, Utc};

pub(super) struct DemoOwner {
    pub(super) id: UserId,
    pub(super) email: String,
    pub(super) name: String,
    pub(super) time_zone: &'static str,
    pub(super) city: &'static str,
    pub(super) bio: String,
    pub(super) since: DateTime<Utc>,
}

pub(super) struct DemoListing {
    pub(super) id: ListingId,
    pub(super) owner_id: UserId,
    pub(super) category_slug: &'static str,
    pub(super) title: String,
    pub(super) description: String,
    pub(super) brand: &'static str,
    pub(super) model: &'static str,
    pub(super) condition: &'static str,
    pub(super) currency: &'static str,
    pub(super) daily_price_minor: i64,
    pub(super) weekly_price_minor: Option<i64>,
    pub(super) monthly_price_minor: Option<i64>,
    pub(super) deposit_minor: i64,
    pub(super) min_days: i64,
    pub(super) max_days: Option<i64>,
    pub(super) lead_time_days: i64,
    pub(super) buffer_days: i64,
    pub(super) instant_booking: bool,
    pub(super) city: &'static str,
    pub(super) position: GeoPoint,
    pub(super) time_zone: &'static str,
    pub(super) pickup_instructions: String,
    pub(super) created_at: DateTime<Utc>,
    pub(super) public_position: GeoPoint,
}

pub(super) struct DemoUnit {
    pub(super) id: UnitId,
    pub(super) listing_id: ListingId,
    pub(super) label: String,
    pub(super) created_at: DateTime<Utc>,
}

pub(super) struct DemoPhoto {
    pub(super) id: PhotoId,
    pub(super) listing_id: ListingId,
    pub(super) position: i64,
    pub(super) storage_key: String,
    pub(super) size: (i64, i64),
    pub(super) alt_text: String,
    pub(super) created_at: DateTime<Utc>,
}

/// Rows per INSERT: well under both backends' limits on bound parameters (27 columns of a
/// listing make 10,800 values a batch).
const BATCH_ROWS: usize = 400;

/// Every table a reset empties, the ones that point at others first.
const RESET_ORDER: [&str; 13] = [
    "jobs",
    "payment_calls",
    "ledger_entries",
    "sandbox_requests",
    "sandbox_payments",
    "booking_photos",
    "booking_events",
    "reservations",
    "bookings",
    "listing_photos",
    "listing_units",
    "listings",
    "users",
];

pub(super) async fn listing_count(db: &Db) -> Result<i64, sqlx::Error> {
    on_pool!(db, pool => sqlx::query_scalar("SELECT COUNT(*) FROM listings").fetch_one(pool).await)
}

/// Writes `data` in one transaction, after deleting everything first when `reset`; then
/// refreshes the planner's statistics, so it picks the search indexes at once.
pub(super) async fn load(db: &Db, data: &super::DemoData, reset: bool) -> Result<(), sqlx::Error> {
    let mut tx = db.begin_write().await?;
    if reset {
        for table in RESET_ORDER {
            on_tx!(tx, conn => sqlx::query(&format!("DELETE FROM {table}"))
                .execute(conn).await.map(|done| done.rows_affected()))?;
        }
    }
    for owners in data.users.chunks(BATCH_ROWS) {
        insert_owners(&mut tx, owners).await?;
    }
    for listings in data.listings.chunks(BATCH_ROWS) {
        insert_listings(&mut tx, listings).await?;
    }
    for units in data.units.chunks(BATCH_ROWS) {
        insert_units(&mut tx, units).await?;
    }
    for photos in data.photo_rows.chunks(BATCH_ROWS) {
        insert_photos(&mut tx, photos).await?;
    }
    tx.commit().await?;
    let analyze = db.dialect().analyze();
    on_pool!(db, pool => sqlx::query(analyze).execute(pool).await.map(|done| done.rows_affected()))?;
    Ok(())
}

async fn insert_owners(tx: &mut Tx, owners: &[DemoOwner]) -> Result<(), sqlx::Error> {
    on_tx!(tx, conn => {
        let mut insert = sqlx::QueryBuilder::new(
            "INSERT INTO users (id, email, name, time_zone, city, bio, created_at, updated_at) ");
        insert.push_values(owners, |mut row, o| {
            row.push_bind(o.id).push_bind(o.email.as_str()).push_bind(o.name.as_str())
                .push_bind(o.time_zone).push_bind(o.city).push_bind(o.bio.as_str())
                .push_bind(o.since).push_bind(o.since);
        });
        insert.build().execute(conn).await.map(|done| done.rows_affected())
    })?;
    Ok(())
}

async fn insert_listings(tx: &mut Tx, listings: &[DemoListing]) -> Result<(), sqlx::Error> {
    on_tx!(tx, conn => {
        let mut insert = sqlx::QueryBuilder::new(
            "INSERT INTO listings (id, owner_id, category_slug, title, description, brand, \
             model, condition, currency, daily_price_minor, weekly_price_minor, \
             monthly_price_minor, deposit_minor, min_days, max_days, lead_time_days, \
             buffer_days, instant_booking, city, latitude, longitude, time_zone, \
             pickup_instructions, created_at, updated_at, public_latitude, public_longitude) ");
        insert.push_values(listings, |mut row, l| {
            row.push_bind(l.id).push_bind(l.owner_id).push_bind(l.category_slug)
                .push_bind(l.title.as_str()).push_bind(l.description.as_str())
                .push_bind(l.brand).push_bind(l.model).push_bind(l.condition)
                .push_bind(l.currency).push_bind(l.daily_price_minor)
                .push_bind(l.weekly_price_minor).push_bind(l.monthly_price_minor)
                .push_bind(l.deposit_minor).push_bind(l.min_days).push_bind(l.max_days)
                .push_bind(l.lead_time_days).push_bind(l.buffer_days)
                .push_bind(l.instant_booking).push_bind(l.city)
                .push_bind(l.position.latitude).push_bind(l.position.longitude)
                .push_bind(l.time_zone).push_bind(l.pickup_instructions.as_str())
                .push_bind(l.created_at).push_bind(l.created_at)
                .push_bind(l.public_position.latitude).push_bind(l.public_position.longitude);
        });
        insert.build().execute(conn).await.map(|done| done.rows_affected())
    })?;
    Ok(())
}

async fn insert_units(tx: &mut Tx, units: &[DemoUnit]) -> Result<(), sqlx::Error> {
    on_tx!(tx, conn => {
        let mut insert =
            sqlx::QueryBuilder::new("INSERT INTO listing_units (id, listing_id, label, created_at) ");
        insert.push_values(units, |mut row, u| {
            row.push_bind(u.id).push_bind(u.listing_id).push_bind(u.label.as_str())
                .push_bind(u.created_at);
        });
        insert.build().execute(conn).await.map(|done| done.rows_affected())
    })?;
    Ok(())
}

async fn insert_photos(tx: &mut Tx, photos: &[DemoPhoto]) -> Result<(), sqlx::Error> {
    on_tx!(tx, conn => {
        let mut insert = sqlx::QueryBuilder::new(
            "INSERT INTO listing_photos (id, listing_id, position, storage_key, content_type, \
             width, height, alt_text, created_at) ");
        insert.push_values(photos, |mut row, p| {
            row.push_bind(p.id).push_bind(p.listing_id).push_bind(p.position)
                .push_bind(p.storage_key.as_str()).push_bind("image/svg+xml")
                .push_bind(p.size.0).push_bind(p.size.1).push_bind(p.alt_text.as_str())
                .push_bind(p.created_at);
        });
        insert.build().execute(conn).await.map(|done| done.rows_affected())
    })?;
    Ok(())
}

/// Writes member `id` (`email`, `name`) with the signed-in session `session` holding `data`,
/// for twelve hours from `now`.
pub(super) async fn member_with_session(
    db: &Db,
    (id, email, name): (UserId, &str, &str),
    (session, data): (&str, &str),
    now: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    let mut tx = db.begin_write().await?;
    on_tx!(tx, conn => {
        sqlx::query("INSERT INTO users (id, email, name, time_zone, created_at, updated_at) \
                     VALUES ($1, $2, $3, 'Europe/Berlin', $4, $4)")
            .bind(id).bind(email).bind(name).bind(now)
            .execute(&mut *conn).await?;
        sqlx::query("INSERT INTO sessions (id, user_id, data, expires_at) VALUES ($1, $2, $3, $4)")
            .bind(session).bind(id).bind(data).bind(now.timestamp() + 12 * 3600)
            .execute(&mut *conn).await.map(|done| done.rows_affected())
    })?;
    tx.commit().await
}
