//! An owner's side of listings (server only): create, edit with optimistic locking, pause,
//! archive, and block dates. Every change is written with its audit record in one
//! transaction; who may change a listing is checked here, in the statement where possible.

use super::draft::ListingDraft;
use super::model::{photo_variants, ListingEdit, ListingStatus, OwnerListingRow, PhotoRef};
use crate::accounts::audit::{AuditEvent, AuditKind, Client};
use crate::accounts::model::CurrentUser;
use crate::db::{Arg, Db};
use crate::domain::{GeoPoint, Money, RentalPeriod};
use crate::error::{AppError, FieldProblem};
use crate::events::{self, NewEvent, Stream};
use crate::media::batch::{kept_or_forgotten, photo_refusal, process_uploads, store_all};
use crate::media::photos::{self, MediaStore};
use crate::media::uploads::Upload;
use crate::request::Caller;
use crate::{bind_args, insert_audit, on_pool};
use chrono::{DateTime, NaiveDate, Utc};
use serde_json::json;
use sqlx::FromRow;
use uuid::Uuid;

pub const CHANGED_ELSEWHERE: &str =
    "This listing was changed elsewhere (another tab or device) after you opened it. \
     Your typed changes are still in the form: copy what you need, then reload the page.";

fn invalid(field: &str, message: impl Into<String>) -> AppError {
    AppError::Invalid(vec![FieldProblem {
        field: field.to_owned(),
        message: message.into(),
    }])
}

fn audit(
    kind: AuditKind,
    user: &CurrentUser,
    owner: Uuid,
    listing: Uuid,
    client: &Client,
) -> AuditEvent {
    AuditEvent::new(kind, Some(user.id), Some(owner), client)
        .with_detail(json!({ "listing": listing }))
}

/// The columns a draft sets, in the order of [`draft_args`].
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

fn draft_args(draft: &ListingDraft, time_zone: &str) -> Vec<Arg> {
    vec![
        Arg::Text(draft.title.clone()),
        Arg::Text(draft.description.clone()),
        Arg::Text(draft.category.clone()),
        Arg::Text(draft.condition.as_str().to_owned()),
        Arg::Text(draft.brand.clone()),
        Arg::Text(draft.model.clone()),
        Arg::Text(draft.currency.code().to_owned()),
        Arg::Int(draft.daily_minor),
        Arg::OptInt(draft.weekly_minor),
        Arg::OptInt(draft.monthly_minor),
        Arg::Int(draft.deposit_minor),
        Arg::Int(draft.min_days),
        Arg::OptInt(draft.max_days),
        Arg::Int(draft.lead_time_days),
        Arg::Int(draft.buffer_days),
        Arg::Bool(draft.instant_booking),
        Arg::Text(draft.city.clone()),
        Arg::Float(draft.position.latitude),
        Arg::Float(draft.position.longitude),
        Arg::Text(draft.pickup_instructions.clone()),
        Arg::Text(time_zone.to_owned()),
        Arg::Text(draft.cancellation_policy.as_str().to_owned()),
        Arg::Text(draft.included_items.clone()),
        Arg::Int(draft.late_fee_minor),
    ]
}

/// The zone of the draft's city, else the owner's own.
async fn time_zone_for(db: &Db, draft: &ListingDraft, owner: Uuid) -> Result<String, AppError> {
    if let Some(zone) = draft.time_zone {
        return Ok(zone.to_owned());
    }
    let zone: Option<String> = on_pool!(db, pool => sqlx::query_scalar("SELECT time_zone FROM users WHERE id = $1")
        .bind(owner).fetch_optional(pool).await)?;
    Ok(zone.unwrap_or_else(|| "UTC".to_owned()))
}

async fn check_category(db: &Db, slug: &str) -> Result<(), AppError> {
    let known: Option<String> = on_pool!(db, pool => sqlx::query_scalar("SELECT slug FROM categories WHERE slug = $1")
        .bind(slug).fetch_optional(pool).await)?;
    known
        .map(|_| ())
        .ok_or_else(|| invalid("category", "Choose a category from the list."))
}

/// Refuses a listing past the `per_day` an owner may publish: `published` in the last day, the
/// oldest of them at `oldest`. A bound on what one account can put in front of every visitor.
fn within_daily_listings(
    published: i64,
    oldest: Option<DateTime<Utc>>,
    per_day: u32,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    if published < i64::from(per_day) {
        return Ok(());
    }
    let wait = oldest.map_or(chrono::Duration::days(1), |oldest| {
        oldest + chrono::Duration::days(1) - now
    });
    let when = match wait.num_minutes() {
        ..=59 => crate::error::minutes(u32::try_from(wait.num_minutes().max(1)).unwrap_or(1)),
        minutes => match (minutes + 59) / 60 {
            1 => "1 hour".to_owned(),
            hours => format!("{hours} hours"),
        },
    };
    Err(AppError::LimitReached(format!(
        "You have published {per_day} listings in the last 24 hours, the most one owner can. \
         Try again in {when}."
    )))
}

/// Serialises one owner's new listings on PostgreSQL so that the daily count cannot be passed
/// by two at once; SQLite's `BEGIN IMMEDIATE` already serialises every writer.
fn owner_lock_sql(db: &Db) -> Option<&'static str> {
    match db {
        Db::Sqlite(_) => None,
        Db::Postgres(_) => Some("SELECT pg_advisory_xact_lock(hashtext('owner:' || $1::text))"),
    }
}

/// A fresh public position for a listing at `exact` (see [`GeoPoint::approximate`]).
pub fn public_position(exact: GeoPoint) -> GeoPoint {
    use rand::Rng;
    let mut rng = rand::thread_rng();
    let (least, most) = crate::domain::places::PUBLIC_OFFSET_METRES;
    exact.approximate(rng.gen_range(0.0..360.0), rng.gen_range(least..=most))
}

/// Gives every listing an older version stored without a public position one; run at every
/// start before serving. Returns how many were placed.
pub async fn place_unplaced(db: &Db) -> Result<u64, AppError> {
    let unplaced: Vec<(Uuid, f64, f64)> = on_pool!(db, pool => sqlx::query_as(
        "SELECT id, latitude, longitude FROM listings WHERE public_latitude IS NULL")
        .fetch_all(pool).await)?;
    let mut placed = 0;
    for (id, latitude, longitude) in unplaced {
        let public = public_position(GeoPoint {
            latitude,
            longitude,
        });
        placed += on_pool!(db, pool => sqlx::query(
            "UPDATE listings SET public_latitude = $2, public_longitude = $3 \
             WHERE id = $1 AND public_latitude IS NULL")
            .bind(id).bind(public.latitude).bind(public.longitude)
            .execute(pool).await.map(|done| done.rows_affected()))?;
    }
    Ok(placed)
}

/// Publishes a new listing with its units, if the owner has published fewer than `per_day`
/// in the last day; returns its id.
pub async fn create(
    db: &Db,
    actor: &Caller,
    draft: &ListingDraft,
    per_day: u32,
) -> Result<Uuid, AppError> {
    let (owner, client, now) = (&actor.user, &actor.client, actor.now);
    check_category(db, &draft.category).await?;
    let time_zone = time_zone_for(db, draft, owner.id).await?;
    let id = Uuid::new_v4();
    let mut args = vec![Arg::Uuid(id), Arg::Uuid(owner.id)];
    args.extend(draft_args(draft, &time_zone));
    args.extend([Arg::Time(now), Arg::Time(now)]);
    let public = public_position(draft.position);
    args.extend([Arg::Float(public.latitude), Arg::Float(public.longitude)]);
    let columns = ["id", "owner_id"]
        .iter()
        .chain(DRAFT_COLUMNS.iter())
        .chain(
            [
                "created_at",
                "updated_at",
                "public_latitude",
                "public_longitude",
            ]
            .iter(),
        )
        .copied()
        .collect::<Vec<_>>();
    let placeholders: Vec<String> = (1..=columns.len()).map(|n| format!("${n}")).collect();
    let insert = format!(
        "INSERT INTO listings ({}, status, version) VALUES ({}, 'active', 1)",
        columns.join(", "),
        placeholders.join(", ")
    );
    let event = audit(AuditKind::ListingCreated, owner, owner.id, id, client);
    on_pool!(db, pool => {
        let _writer = db.writer().await?;
        let mut tx = pool.begin_with(db.write_transaction_sql()).await?;
        if let Some(lock) = owner_lock_sql(db) {
            sqlx::query(lock).bind(owner.id).execute(&mut *tx).await?;
        }
        let (published, oldest): (i64, Option<DateTime<Utc>>) = sqlx::query_as(
            "SELECT COUNT(*), MIN(created_at) FROM listings WHERE owner_id = $1 AND created_at > $2")
            .bind(owner.id).bind(now - chrono::Duration::days(1))
            .fetch_one(&mut *tx).await?;
        within_daily_listings(published, oldest, per_day, now)?;
        bind_args!(sqlx::query(&insert), &args).execute(&mut *tx).await?;
        for n in 1..=draft.units {
            sqlx::query("INSERT INTO listing_units (id, listing_id, label, active, created_at) VALUES ($1, $2, $3, TRUE, $4)")
                .bind(Uuid::new_v4()).bind(id).bind(format!("Unit {n}")).bind(now)
                .execute(&mut *tx).await?;
        }
        insert_audit!(&mut *tx, &event, now).await?;
        let change = listing_event(id, "created", serde_json::json!({}), owner);
        events::append(&mut tx, &[change], now).await?;
        tx.commit().await?;
        events::bus::appended();
    });
    Ok(id)
}

/// Saves `draft` over version `version` of the listing; returns the new version. Refused with
/// [`CHANGED_ELSEWHERE`] when someone saved in between, and when fewer units are asked for
/// than upcoming bookings need.
pub async fn update(
    db: &Db,
    actor: &Caller,
    id: Uuid,
    version: i64,
    draft: &ListingDraft,
) -> Result<i64, AppError> {
    let (user, client, now) = (&actor.user, &actor.client, actor.now);
    let owner = owned_unarchived(db, user, id).await?;
    check_category(db, &draft.category).await?;
    let time_zone = time_zone_for(db, draft, owner).await?;
    let mut args = draft_args(draft, &time_zone);
    let sets: Vec<String> = DRAFT_COLUMNS
        .iter()
        .enumerate()
        .map(|(i, column)| format!("{column} = ${}", i + 1))
        .collect();
    let n = args.len();
    let public = public_position(draft.position);
    args.extend([
        Arg::Time(now),
        Arg::Uuid(id),
        Arg::Int(version),
        Arg::Float(public.latitude),
        Arg::Float(public.longitude),
    ]);
    // The version check is the first statement of the transaction, so on SQLite it takes the
    // write lock before anything is read, and two saves of one version cannot both pass.
    // The public position moves only when the exact one does (the right-hand sides read the
    // row as it was), so saving other fields never gives searchers a fresh sample.
    let (lat, lon) = (
        DRAFT_COLUMNS
            .iter()
            .position(|c| *c == "latitude")
            .unwrap_or(0)
            + 1,
        DRAFT_COLUMNS
            .iter()
            .position(|c| *c == "longitude")
            .unwrap_or(0)
            + 1,
    );
    let moved = format!("public_latitude IS NULL OR latitude <> ${lat} OR longitude <> ${lon}");
    let update = format!(
        "UPDATE listings SET {sets}, version = version + 1, updated_at = ${now}, \
         public_latitude = CASE WHEN {moved} THEN ${plat} ELSE public_latitude END, \
         public_longitude = CASE WHEN {moved} THEN ${plon} ELSE public_longitude END \
         WHERE id = ${id} AND version = ${version} AND status <> 'archived'",
        sets = sets.join(", "),
        now = n + 1,
        id = n + 2,
        version = n + 3,
        plat = n + 4,
        plon = n + 5,
    );
    let today = now.date_naive();
    let event = audit(AuditKind::ListingUpdated, user, owner, id, client)
        .with_detail(json!({ "listing": id, "version": version.saturating_add(1) }));
    on_pool!(db, pool => {
        let _writer = db.writer().await?;
        let mut tx = pool.begin_with(db.write_transaction_sql()).await?;
        let changed = bind_args!(sqlx::query(&update), &args).execute(&mut *tx).await?.rows_affected();
        if changed != 1 {
            return Err(AppError::Conflict(CHANGED_ELSEWHERE.into()));
        }
        let units: Vec<(Uuid, String, bool, i64)> = sqlx::query_as(
            "SELECT u.id, u.label, u.active, \
                    (SELECT COUNT(*) FROM reservations r WHERE r.unit_id = u.id \
                        AND r.kind = 'booking' AND r.ends_on > $2) AS upcoming \
             FROM listing_units u WHERE u.listing_id = $1")
            .bind(id).bind(today).fetch_all(&mut *tx).await?;
        let plan = plan_units(&units, draft.units)?;
        for (unit, active) in plan.toggles {
            sqlx::query("UPDATE listing_units SET active = $1 WHERE id = $2")
                .bind(active).bind(unit).execute(&mut *tx).await?;
        }
        for label in plan.new_labels {
            sqlx::query("INSERT INTO listing_units (id, listing_id, label, active, created_at) VALUES ($1, $2, $3, TRUE, $4)")
                .bind(Uuid::new_v4()).bind(id).bind(label).bind(now)
                .execute(&mut *tx).await?;
        }
        insert_audit!(&mut *tx, &event, now).await?;
        let change = listing_event(id, "changed", serde_json::json!({ "version": version.saturating_add(1) }), user);
        events::append(&mut tx, &[change], now).await?;
        tx.commit().await?;
        events::bus::appended();
    });
    Ok(version.saturating_add(1))
}

/// What to change so that exactly `wanted` units are active.
#[derive(Debug, PartialEq)]
struct UnitPlan {
    toggles: Vec<(Uuid, bool)>,
    new_labels: Vec<String>,
}

/// Units go away from the highest label down, never one with an upcoming booking; more units
/// bring retired ones back first, then new ones are numbered after the highest label.
fn plan_units(units: &[(Uuid, String, bool, i64)], wanted: i64) -> Result<UnitPlan, AppError> {
    let number = |label: &str| {
        label
            .trim_start_matches("Unit ")
            .parse::<i64>()
            .unwrap_or(0)
    };
    let mut active: Vec<_> = units.iter().filter(|u| u.2).collect();
    active.sort_by_key(|u| std::cmp::Reverse(number(&u.1)));
    let mut plan = UnitPlan {
        toggles: vec![],
        new_labels: vec![],
    };
    let count = active.len() as i64;
    if wanted < count {
        let booked = active.iter().filter(|u| u.3 > 0).count() as i64;
        if wanted < booked {
            return Err(invalid(
                "quantity",
                format!(
                    "{booked} units have upcoming bookings, so this listing needs at least {booked} units until they are over."
                ),
            ));
        }
        let removable = active.iter().filter(|u| u.3 == 0);
        plan.toggles = removable
            .take((count - wanted) as usize)
            .map(|u| (u.0, false))
            .collect();
    } else if wanted > count {
        let mut retired: Vec<_> = units.iter().filter(|u| !u.2).collect();
        retired.sort_by_key(|u| number(&u.1));
        let missing = (wanted - count) as usize;
        plan.toggles = retired.iter().take(missing).map(|u| (u.0, true)).collect();
        let highest = units.iter().map(|u| number(&u.1)).max().unwrap_or(0);
        plan.new_labels = (1..=(missing - plan.toggles.len()) as i64)
            .map(|k| format!("Unit {}", highest + k))
            .collect();
    }
    Ok(plan)
}

/// The listing's owner and status, once `user` is known to be allowed to change it (its
/// owner, or an admin).
/// What the listing's stream hears of a change to it: the kind, and no more than anyone
/// may see on the listing's page.
fn listing_event(
    listing: Uuid,
    kind: &'static str,
    payload: serde_json::Value,
    user: &CurrentUser,
) -> NewEvent {
    NewEvent {
        stream: Stream::Listing(listing),
        kind,
        payload,
        actor: Some(user.id),
    }
}

fn status_kind(status: ListingStatus) -> &'static str {
    match status {
        ListingStatus::Draft => "drafted",
        ListingStatus::Active => "published",
        ListingStatus::Paused => "paused",
        ListingStatus::Archived => "archived",
    }
}

pub(crate) async fn owned(
    db: &Db,
    user: &CurrentUser,
    listing: Uuid,
) -> Result<(Uuid, ListingStatus), AppError> {
    let row: Option<(Uuid, String)> = on_pool!(db, pool => sqlx::query_as(
        "SELECT owner_id, status FROM listings WHERE id = $1").bind(listing).fetch_optional(pool).await)?;
    let (owner, status) = row.ok_or(AppError::NotFound)?;
    crate::accounts::guard::ensure_owner(user, owner)?;
    let status = ListingStatus::parse(&status)
        .ok_or_else(|| AppError::internal("listing status", format!("unknown value {status:?}")))?;
    Ok((owner, status))
}

/// The listing's owner, as [`owned`], for a change an archived listing no longer takes.
async fn owned_unarchived(db: &Db, user: &CurrentUser, listing: Uuid) -> Result<Uuid, AppError> {
    match owned(db, user, listing).await? {
        (_, ListingStatus::Archived) => Err(AppError::Conflict(
            "Archived listings can't be changed.".into(),
        )),
        (owner, _) => Ok(owner),
    }
}

/// Pauses, resumes or archives a listing. A paused listing leaves search but keeps its
/// bookings; an archived one is gone for good.
pub async fn set_status(
    db: &Db,
    actor: &Caller,
    id: Uuid,
    wanted: ListingStatus,
) -> Result<(), AppError> {
    let (user, client, now) = (&actor.user, &actor.client, actor.now);
    let (owner, current) = owned(db, user, id).await?;
    if !current.can_become(wanted) {
        return Err(AppError::Conflict(format!(
            "A listing that is {} can't be {}.",
            current.label().to_lowercase(),
            wanted.verb()
        )));
    }
    let event = audit(AuditKind::ListingStatusChanged, user, owner, id, client)
        .with_detail(json!({ "listing": id, "from": current.as_str(), "to": wanted.as_str() }));
    on_pool!(db, pool => {
        let _writer = db.writer().await?;
        let mut tx = pool.begin_with(db.write_transaction_sql()).await?;
        let changed = sqlx::query("UPDATE listings SET status = $1, version = version + 1, updated_at = $2 WHERE id = $3 AND status = $4")
            .bind(wanted.as_str()).bind(now).bind(id).bind(current.as_str())
            .execute(&mut *tx).await?.rows_affected();
        if changed != 1 {
            return Err(AppError::Conflict(CHANGED_ELSEWHERE.into()));
        }
        insert_audit!(&mut *tx, &event, now).await?;
        let change = listing_event(id, status_kind(wanted), serde_json::json!({ "status": wanted.as_str() }), user);
        events::append(&mut tx, &[change], now).await?;
        tx.commit().await?;
        events::bus::appended();
    });
    Ok(())
}

#[derive(FromRow)]
struct OwnerRow {
    id: Uuid,
    title: String,
    status: String,
    currency: String,
    daily_price_minor: i64,
    units: i64,
    photo_key: Option<String>,
    photo_alt: Option<String>,
    photo_variants: Option<String>,
    updated_at: DateTime<Utc>,
}

/// The owner's listings, archived ones last, newest first within each group.
pub async fn owned_by(db: &Db, owner: Uuid) -> Result<Vec<OwnerListingRow>, AppError> {
    const SQL: &str = "SELECT l.id, l.title, l.status, l.currency, l.daily_price_minor, \
            (SELECT COUNT(*) FROM listing_units u WHERE u.listing_id = l.id AND u.active) AS units, \
            p.storage_key AS photo_key, p.alt_text AS photo_alt, p.variants AS photo_variants, l.updated_at \
         FROM listings l \
         LEFT JOIN listing_photos p ON p.listing_id = l.id AND p.position = 0 \
         WHERE l.owner_id = $1 \
         ORDER BY CASE WHEN l.status = 'archived' THEN 1 ELSE 0 END, l.created_at DESC, l.id DESC";
    let rows: Vec<OwnerRow> =
        on_pool!(db, pool => sqlx::query_as(SQL).bind(owner).fetch_all(pool).await)?;
    rows.into_iter()
        .map(|row| {
            Ok(OwnerListingRow {
                id: row.id,
                title: row.title,
                status: ListingStatus::parse(&row.status).ok_or_else(|| {
                    AppError::internal("listing status", format!("unknown value {:?}", row.status))
                })?,
                price_per_day: Money::new(
                    row.daily_price_minor,
                    super::repo::currency(&row.currency)?,
                ),
                units: row.units,
                photo: row.photo_key.zip(row.photo_alt).map(|(key, alt)| {
                    PhotoRef::new(key, alt, row.photo_variants.as_deref().unwrap_or_default())
                }),
                updated_at: row.updated_at,
            })
        })
        .collect()
}

/// Everything the edit page shows, for the owner (or an admin) only.
pub async fn for_edit(
    db: &Db,
    actor: &Caller,
    id: Uuid,
    today: NaiveDate,
) -> Result<ListingEdit, AppError> {
    owned(db, &actor.user, id).await?;
    super::repo::edit_view(db, id, today).await
}

/// Dates an owner takes out of rental: on one unit, or on all when `unit` is `None`.
pub struct BlockRequest {
    pub unit: Option<Uuid>,
    pub period: RentalPeriod,
    pub note: String,
}

/// Blocks `period` on one unit, or on every active unit. Nothing is blocked when any of them
/// is already taken on one of those days.
pub async fn block(
    db: &Db,
    actor: &Caller,
    listing: Uuid,
    request: &BlockRequest,
) -> Result<usize, AppError> {
    let BlockRequest { unit, period, note } = request;
    let (unit, period) = (*unit, *period);
    let (user, client, now) = (&actor.user, &actor.client, actor.now);
    let owner = owned_unarchived(db, user, listing).await?;
    let event = audit(AuditKind::DatesBlocked, user, owner, listing, client).with_detail(json!({
        "listing": listing, "unit": unit, "from": period.from(), "to": period.to(),
    }));
    let begin = db.write_transaction_sql();
    let lock = super::repo::lock_listing_sql(db);
    let blocked = on_pool!(db, pool => {
        // On SQLite, BEGIN IMMEDIATE takes the write lock first: the overlap check and the
        // inserts below cannot interleave with another writer's. PostgreSQL's exclusion
        // constraint refuses an overlap whatever the interleaving, and the listing lock
        // queues this behind booking requests, so neither fails for a unit the other took.
        let _writer = db.writer().await?;
        let mut tx = pool.begin_with(begin).await?;
        sqlx::query(lock).bind(listing).execute(&mut *tx).await?;
        let units: Vec<(Uuid, String)> = sqlx::query_as(
            "SELECT id, label FROM listing_units WHERE listing_id = $1 AND active \
             AND ($2 IS NULL OR id = $2) ORDER BY label")
            .bind(listing).bind(unit).fetch_all(&mut *tx).await?;
        if units.is_empty() {
            return Err(invalid("unit", "Choose a unit of this listing."));
        }
        for (unit_id, label) in &units {
            let taken: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM reservations WHERE unit_id = $1 AND starts_on < $2 AND ends_on > $3")
                .bind(unit_id).bind(period.to()).bind(period.from())
                .fetch_one(&mut *tx).await?;
            if taken > 0 {
                return Err(AppError::Conflict(format!(
                    "{label} is already blocked or booked on some of those days. Nothing was blocked."
                )));
            }
            sqlx::query(
                "INSERT INTO reservations (id, listing_id, unit_id, kind, starts_on, ends_on, note, created_by, created_at) \
                 VALUES ($1, $2, $3, 'block', $4, $5, $6, $7, $8)")
                .bind(Uuid::new_v4()).bind(listing).bind(unit_id).bind(period.from()).bind(period.to())
                .bind(note.as_str()).bind(user.id).bind(now)
                .execute(&mut *tx).await.map_err(overlap_is_conflict)?;
        }
        insert_audit!(&mut *tx, &event, now).await?;
        let change = listing_event(listing, events::AVAILABILITY, serde_json::json!({ "from": period.from(), "to": period.to() }), user);
        events::append(&mut tx, &[change], now).await?;
        tx.commit().await?;
        events::bus::appended();
        units.len()
    });
    Ok(blocked)
}

/// PostgreSQL's exclusion constraint speaking: the dates were taken in between.
fn overlap_is_conflict(error: sqlx::Error) -> AppError {
    match &error {
        sqlx::Error::Database(db) if db.code().as_deref() == Some("23P01") => AppError::Conflict(
            "Those dates are no longer available: they were taken a moment ago.".into(),
        ),
        _ => error.into(),
    }
}

/// Removes one of the listing's blocks (never a booking).
pub async fn unblock(db: &Db, actor: &Caller, listing: Uuid, block: Uuid) -> Result<(), AppError> {
    let (user, client, now) = (&actor.user, &actor.client, actor.now);
    let (owner, _) = owned(db, user, listing).await?;
    let event = audit(AuditKind::BlockRemoved, user, owner, listing, client)
        .with_detail(json!({ "listing": listing, "block": block }));
    on_pool!(db, pool => {
        let _writer = db.writer().await?;
        let mut tx = pool.begin_with(db.write_transaction_sql()).await?;
        let removed = sqlx::query("DELETE FROM reservations WHERE id = $1 AND listing_id = $2 AND kind = 'block'")
            .bind(block).bind(listing).execute(&mut *tx).await?.rows_affected();
        if removed != 1 {
            return Err(AppError::NotFound);
        }
        insert_audit!(&mut *tx, &event, now).await?;
        let change = listing_event(listing, events::AVAILABILITY, serde_json::json!({}), user);
        events::append(&mut tx, &[change], now).await?;
        tx.commit().await?;
        events::bus::appended();
    });
    Ok(())
}

/// Photos a listing may have.
pub const MAX_PHOTOS: usize = 12;

/// Adds uploaded photos after the listing's last one: every file is checked and re-encoded
/// first, so one bad file refuses the whole upload and nothing is stored. A refusal is
/// `Validation` on "photos" with a code for `media::photo_problem_text`.
pub async fn add_photos(
    db: &Db,
    media: &MediaStore,
    actor: &Caller,
    listing: Uuid,
    uploads: Vec<Upload>,
) -> Result<usize, AppError> {
    let (user, client, now) = (&actor.user, &actor.client, actor.now);
    let owner = owned_unarchived(db, user, listing).await?;
    if uploads.is_empty() {
        return Err(photo_refusal("none"));
    }
    let (count, title): (i64, String) = on_pool!(db, pool => sqlx::query_as(
        "SELECT (SELECT COUNT(*) FROM listing_photos WHERE listing_id = $1), title FROM listings WHERE id = $1")
        .bind(listing).fetch_one(pool).await)?;
    if count as usize + uploads.len() > MAX_PHOTOS {
        return Err(photo_refusal("too_many_photos"));
    }
    let processed = process_uploads(uploads).await?;
    let folder = photos::listing_folder(listing);
    let stored = store_all(media, &folder, &processed).await?;
    let event = audit(AuditKind::PhotoAdded, user, owner, listing, client)
        .with_detail(json!({ "listing": listing, "photos": stored.len() }));
    // Uploads to one listing at the same time are serialised here: SQLite's write lock at
    // BEGIN IMMEDIATE, PostgreSQL's row lock on the listing. The count is checked again
    // inside, since the one above was read before the slow processing.
    let begin = db.write_transaction_sql();
    let lock = match db {
        Db::Sqlite(_) => "SELECT 1 FROM listings WHERE id = $1",
        Db::Postgres(_) => "SELECT 1 FROM listings WHERE id = $1 FOR UPDATE",
    };
    let saved: Result<bool, sqlx::Error> = on_pool!(db, pool => async {
        let _writer = db.writer().await?;
        let mut tx = pool.begin_with(begin).await?;
        sqlx::query(lock).bind(listing).execute(&mut *tx).await?;
        let (count, next): (i64, i64) = sqlx::query_as(
            "SELECT COUNT(*), COALESCE(MAX(position) + 1, 0) FROM listing_photos WHERE listing_id = $1")
            .bind(listing).fetch_one(&mut *tx).await?;
        if count as usize + stored.len() > MAX_PHOTOS {
            return Ok(false);
        }
        for (n, (id, files)) in stored.iter().enumerate() {
            let position = next + n as i64;
            let shown = files.shown();
            sqlx::query(
                "INSERT INTO listing_photos (id, listing_id, position, storage_key, content_type, width, height, alt_text, variants, created_at) \
                 VALUES ($1, $2, $3, $4, 'image/jpeg', $5, $6, $7, $8, $9)")
                .bind(id).bind(listing).bind(position).bind(&shown.key)
                .bind(i64::from(shown.width)).bind(i64::from(shown.height))
                .bind(format!("{title}, photo {}", position + 1))
                .bind(variants_text(files)).bind(now)
                .execute(&mut *tx).await?;
        }
        insert_audit!(&mut *tx, &event, now).await?;
        let change = listing_event(listing, "photos", serde_json::json!({}), user);
        events::append(&mut tx, &[change], now).await?;
        tx.commit().await?;
        events::bus::appended();
        Ok(true)
    }.await);
    let saved = saved.map(|kept| (!kept).then_some("too_many_photos"));
    kept_or_forgotten(media, &stored, saved).await
}

/// `key width` pairs of every size, smallest first, as `srcset` wants them; the original is
/// the largest choice.
fn variants_text(files: &photos::StoredPhoto) -> String {
    files
        .variants
        .iter()
        .chain(std::iter::once(&files.original))
        .map(|f| format!("{} {}", f.key, f.width))
        .collect::<Vec<_>>()
        .join(",")
}

/// Removes a photo and its files; the photos after it move up one place.
pub async fn remove_photo(
    db: &Db,
    media: &MediaStore,
    actor: &Caller,
    listing: Uuid,
    photo: Uuid,
) -> Result<(), AppError> {
    let (user, client, now) = (&actor.user, &actor.client, actor.now);
    let (owner, _) = owned(db, user, listing).await?;
    let event = audit(AuditKind::PhotoRemoved, user, owner, listing, client)
        .with_detail(json!({ "listing": listing, "photo": photo }));
    let (key, variants): (String, String) = on_pool!(db, pool => {
        let _writer = db.writer().await?;
        let mut tx = pool.begin_with(db.write_transaction_sql()).await?;
        let row: Option<(String, String, i64)> = sqlx::query_as(
            "DELETE FROM listing_photos WHERE id = $1 AND listing_id = $2 RETURNING storage_key, variants, position")
            .bind(photo).bind(listing).fetch_optional(&mut *tx).await?;
        let (key, variants, position) = row.ok_or(AppError::NotFound)?;
        // One row at a time, lowest first, so (listing, position) stays unique throughout.
        let later: Vec<Uuid> = sqlx::query_scalar(
            "SELECT id FROM listing_photos WHERE listing_id = $1 AND position > $2 ORDER BY position")
            .bind(listing).bind(position).fetch_all(&mut *tx).await?;
        for id in later {
            sqlx::query("UPDATE listing_photos SET position = position - 1 WHERE id = $1")
                .bind(id).execute(&mut *tx).await?;
        }
        insert_audit!(&mut *tx, &event, now).await?;
        let change = listing_event(listing, "photos", serde_json::json!({}), user);
        events::append(&mut tx, &[change], now).await?;
        tx.commit().await?;
        events::bus::appended();
        (key, variants)
    });
    let mut keys: Vec<String> = photo_variants(&variants)
        .map(|(key, _)| key.to_owned())
        .collect();
    keys.push(key);
    // The row is gone, so the page no longer shows the files; a failed delete only leaks storage.
    if let Err(error) = photos::remove(media, &keys).await {
        tracing::warn!(listing.id = %listing, error = %error, "photo files were not all removed");
    }
    Ok(())
}

/// Moves a photo one place earlier (its first place makes it the cover on cards).
pub async fn move_photo_earlier(
    db: &Db,
    actor: &Caller,
    listing: Uuid,
    photo: Uuid,
) -> Result<(), AppError> {
    let (user, client, now) = (&actor.user, &actor.client, actor.now);
    let (owner, _) = owned(db, user, listing).await?;
    let event = audit(AuditKind::PhotosReordered, user, owner, listing, client)
        .with_detail(json!({ "listing": listing, "photo": photo }));
    let begin = db.write_transaction_sql();
    on_pool!(db, pool => {
        let _writer = db.writer().await?;
        let mut tx = pool.begin_with(begin).await?;
        let position: i64 = sqlx::query_scalar("SELECT position FROM listing_photos WHERE id = $1 AND listing_id = $2")
            .bind(photo).bind(listing).fetch_optional(&mut *tx).await?.ok_or(AppError::NotFound)?;
        if position == 0 {
            return Ok(());
        }
        // Through a free position: (listing, position) is unique at every step.
        let parked = 1_000_000 + position;
        for (from, to) in [(position, parked), (position - 1, position), (parked, position - 1)] {
            sqlx::query("UPDATE listing_photos SET position = $1 WHERE listing_id = $2 AND position = $3")
                .bind(to).bind(listing).bind(from).execute(&mut *tx).await?;
        }
        insert_audit!(&mut *tx, &event, now).await?;
        let change = listing_event(listing, "photos", serde_json::json!({}), user);
        events::append(&mut tx, &[change], now).await?;
        tx.commit().await?;
        events::bus::appended();
    });
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unit(n: i64, active: bool, upcoming: i64) -> (Uuid, String, bool, i64) {
        (
            Uuid::from_u128(n as u128),
            format!("Unit {n}"),
            active,
            upcoming,
        )
    }

    #[test]
    fn fewer_units_retire_the_highest_free_ones() {
        let units = [unit(1, true, 0), unit(2, true, 1), unit(3, true, 0)];
        let plan = plan_units(&units, 2).unwrap();
        assert_eq!(plan.toggles, [(Uuid::from_u128(3), false)]);
        let plan = plan_units(&units, 1).unwrap();
        assert_eq!(
            plan.toggles,
            [(Uuid::from_u128(3), false), (Uuid::from_u128(1), false)]
        );
    }

    #[test]
    fn booked_units_are_never_retired() {
        let units = [unit(1, true, 2), unit(2, true, 1), unit(3, true, 0)];
        let err = plan_units(&units, 1).unwrap_err();
        assert_eq!(
            err.message_for("quantity").unwrap(),
            "2 units have upcoming bookings, so this listing needs at least 2 units until they are over."
        );
    }

    #[test]
    fn more_units_bring_retired_ones_back_before_adding() {
        let units = [unit(1, true, 0), unit(2, false, 0), unit(3, false, 0)];
        let plan = plan_units(&units, 5).unwrap();
        assert_eq!(
            plan.toggles,
            [(Uuid::from_u128(2), true), (Uuid::from_u128(3), true)]
        );
        assert_eq!(plan.new_labels, ["Unit 4", "Unit 5"]);
        assert_eq!(
            plan_units(&units, 1).unwrap(),
            UnitPlan {
                toggles: vec![],
                new_labels: vec![]
            }
        );
    }
}
