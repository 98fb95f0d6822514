//! An owner's side of listings (server only): create, edit with optimistic locking, pause,
//! archive, and block dates. Every change is written with its audit record in one
//! transaction; who may change a listing is checked here, in the statement where possible.

use super::draft::ListingDraft;
use super::model::{photo_variants, ListingEdit, ListingStatus, OwnerListingRow, PhotoRef};
use super::store::{NewPhoto, UnitRow};
use crate::accounts::audit::{AuditEvent, AuditKind, Client};
use crate::accounts::model::CurrentUser;
use crate::domain::{BlockId, ListingId, PhotoId, UnitId, UserId};
use crate::domain::{GeoPoint, Money, RentalPeriod};
use crate::error::{AppError, FieldProblem};
use crate::events::{self, NewEvent, Stream};
use crate::media::batch::{kept_or_forgotten, photo_refusal, process_uploads, store_all};
use crate::media::photos::{self, MediaStore};
use crate::media::uploads::Upload;
use crate::request::Caller;
use crate::store::{Db, Reserved};
use chrono::{DateTime, NaiveDate, Utc};
use serde_json::json;

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
    owner: UserId,
    listing: ListingId,
    client: &Client,
) -> AuditEvent {
    AuditEvent::new(kind, Some(user.id), Some(owner), client)
        .with_detail(json!({ "listing": listing }))
}

/// The zone of the draft's city, else the owner's own.
async fn time_zone_for(db: &Db, draft: &ListingDraft, owner: UserId) -> Result<String, AppError> {
    if let Some(zone) = &draft.time_zone {
        return Ok(zone.clone());
    }
    let zone = db.owner_time_zone(owner).await?;
    Ok(zone.unwrap_or_else(|| "UTC".to_owned()))
}

/// The listing's category must take listings (`kept`: the listing being saved, which may stay
/// in a category retired since).
async fn check_category(db: &Db, slug: &str, kept: Option<ListingId>) -> Result<(), AppError> {
    if db.category_open(slug, kept).await? {
        Ok(())
    } else {
        Err(invalid("category", "Choose a category from the list."))
    }
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
    let unplaced = db.unplaced_listings().await?;
    let mut placed = 0;
    for (id, latitude, longitude) in unplaced {
        let public = public_position(GeoPoint {
            latitude,
            longitude,
        });
        placed += u64::from(db.place_listing(id, public).await?);
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
) -> Result<ListingId, AppError> {
    let (owner, client, now) = (&actor.user, &actor.client, actor.now);
    check_category(db, &draft.category, None).await?;
    let time_zone = time_zone_for(db, draft, owner.id).await?;
    let id = ListingId::new();
    let public = public_position(draft.position);
    let event = audit(AuditKind::ListingCreated, owner, owner.id, id, client);
    let mut tx = db.begin_write().await?;
    // One owner's new listings one after another, so the daily count cannot be passed by two
    // at once.
    tx.lock_name(&format!("owner:{}", owner.id)).await?;
    let (published, oldest) = tx
        .published_since(owner.id, now - chrono::Duration::days(1))
        .await?;
    within_daily_listings(published, oldest, per_day, now)?;
    tx.insert_listing((id, owner.id), draft, &time_zone, public, now)
        .await?;
    for n in 1..=draft.units {
        tx.add_unit(id, &format!("Unit {n}"), now).await?;
    }
    tx.record_audit(&event, now).await?;
    tx.enqueue(&look_for_searches(id, now), now).await?;
    let change = listing_event(id, events::LISTING_CREATED, serde_json::json!({}), owner);
    tx.append(&[change], now).await?;
    tx.commit().await?;
    Ok(id)
}

/// Saves `draft` over version `version` of the listing; returns the new version. Refused with
/// [`CHANGED_ELSEWHERE`] when someone saved in between, and when fewer units are asked for
/// than upcoming bookings need.
pub async fn update(
    db: &Db,
    actor: &Caller,
    id: ListingId,
    version: i64,
    draft: &ListingDraft,
) -> Result<i64, AppError> {
    let (user, client, now) = (&actor.user, &actor.client, actor.now);
    let owner = owned_unarchived(db, user, id).await?;
    check_category(db, &draft.category, Some(id)).await?;
    let time_zone = time_zone_for(db, draft, owner).await?;
    let public = public_position(draft.position);
    let today = now.date_naive();
    let event = audit(AuditKind::ListingUpdated, user, owner, id, client)
        .with_detail(json!({ "listing": id, "version": version.saturating_add(1) }));
    let mut tx = db.begin_write().await?;
    // The version check is the first statement of the transaction, so on SQLite it takes the
    // write lock before anything is read, and two saves of one version cannot both pass.
    if !tx
        .update_listing((id, version), draft, &time_zone, public, now)
        .await?
    {
        return Err(AppError::Conflict(CHANGED_ELSEWHERE.into()));
    }
    let plan = plan_units(&tx.units_of(id, today).await?, draft.units)?;
    for (unit, active) in plan.toggles {
        tx.set_unit_active(unit, active).await?;
    }
    for label in plan.new_labels {
        tx.add_unit(id, &label, now).await?;
    }
    tx.record_audit(&event, now).await?;
    let payload = serde_json::json!({ "version": version.saturating_add(1) });
    tx.append(
        &[listing_event(id, events::LISTING_CHANGED, payload, user)],
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(version.saturating_add(1))
}

/// What to change so that exactly `wanted` units are active.
#[derive(Debug, PartialEq)]
struct UnitPlan {
    toggles: Vec<(UnitId, bool)>,
    new_labels: Vec<String>,
}

/// Units go away from the highest label down, never one with an upcoming booking; more units
/// bring retired ones back first, then new ones are numbered after the highest label.
fn plan_units(units: &[UnitRow], wanted: i64) -> Result<UnitPlan, AppError> {
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
    listing: ListingId,
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

/// The job that tells members whose saved searches find listing `id`, published at `now`
/// (each search once per listing, however often it is published again).
fn look_for_searches(id: ListingId, now: DateTime<Utc>) -> crate::jobs::NewJob {
    crate::jobs::NewJob::once(super::saved_searches::MATCH_JOB, id.to_string(), now)
}

fn status_kind(status: ListingStatus) -> &'static str {
    match status {
        ListingStatus::Draft => events::LISTING_DRAFTED,
        ListingStatus::Active => events::LISTING_PUBLISHED,
        ListingStatus::Paused => events::LISTING_PAUSED,
        ListingStatus::Archived => events::LISTING_ARCHIVED,
    }
}

pub(crate) async fn owned(
    db: &Db,
    user: &CurrentUser,
    listing: ListingId,
) -> Result<(UserId, ListingStatus), AppError> {
    let (owner, status) = db
        .owner_and_status(listing)
        .await?
        .ok_or(AppError::NotFound)?;
    crate::accounts::guard::ensure_owner(user, owner)?;
    let status = ListingStatus::parse(&status)
        .ok_or_else(|| AppError::internal("listing status", format!("unknown value {status:?}")))?;
    Ok((owner, status))
}

/// The listing's owner, as [`owned`], for a change an archived listing no longer takes.
async fn owned_unarchived(
    db: &Db,
    user: &CurrentUser,
    listing: ListingId,
) -> Result<UserId, AppError> {
    match owned(db, user, listing).await? {
        (_, ListingStatus::Archived) => Err(AppError::Conflict(
            "Archived listings can't be changed.".into(),
        )),
        (owner, _) => Ok(owner),
    }
}

/// Why listing `id` may not become `wanted`: an admin hid it, and only they may let it be
/// published again.
async fn hidden_refusal(
    db: &Db,
    id: ListingId,
    wanted: ListingStatus,
) -> Result<Option<AppError>, AppError> {
    if wanted != ListingStatus::Active {
        return Ok(None);
    }
    Ok(db.hidden_reason(id).await?.map(|reason| {
        AppError::Conflict(format!(
            "GearShare hid this listing: {reason} It stays paused until an admin unhides it."
        ))
    }))
}

/// Pauses, resumes or archives a listing. A paused listing leaves search but keeps its
/// bookings; an archived one is gone for good.
pub async fn set_status(
    db: &Db,
    actor: &Caller,
    id: ListingId,
    wanted: ListingStatus,
) -> Result<(), AppError> {
    let (user, client, now) = (&actor.user, &actor.client, actor.now);
    let (owner, current) = owned(db, user, id).await?;
    if let Some(refusal) = hidden_refusal(db, id, wanted).await? {
        return Err(refusal);
    }
    if !current.can_become(wanted) {
        return Err(AppError::Conflict(format!(
            "A listing that is {} can't be {}.",
            current.label().to_lowercase(),
            wanted.verb()
        )));
    }
    let event = audit(AuditKind::ListingStatusChanged, user, owner, id, client)
        .with_detail(json!({ "listing": id, "from": current.as_str(), "to": wanted.as_str() }));
    let mut tx = db.begin_write().await?;
    if !tx
        .change_listing_status(id, (current.as_str(), wanted.as_str()), now)
        .await?
    {
        // Hidden by an admin meanwhile (the update refuses to publish a hidden listing), or
        // changed by another tab.
        drop(tx);
        return Err(hidden_refusal(db, id, wanted)
            .await?
            .unwrap_or_else(|| AppError::Conflict(CHANGED_ELSEWHERE.into())));
    }
    tx.record_audit(&event, now).await?;
    if wanted == ListingStatus::Active {
        tx.enqueue(&look_for_searches(id, now), now).await?;
    }
    let payload = serde_json::json!({ "status": wanted.as_str() });
    let change = listing_event(id, status_kind(wanted), payload, user);
    tx.append(&[change], now).await?;
    tx.commit().await?;
    Ok(())
}

/// The owner's listings, archived ones last, newest first within each group.
pub async fn owned_by(db: &Db, owner: UserId) -> Result<Vec<OwnerListingRow>, AppError> {
    db.owner_rows(owner)
        .await?
        .into_iter()
        .map(|row| {
            Ok(OwnerListingRow {
                id: row.id,
                title: row.title,
                status: ListingStatus::parse(&row.status).ok_or_else(|| {
                    AppError::internal("listing status", format!("unknown value {:?}", row.status))
                })?,
                price_per_day: Money::new(
                    row.daily_price_minor,
                    super::store::read::currency(&row.currency)?,
                ),
                units: row.units,
                photo: row.photo_key.zip(row.photo_alt).map(|(key, alt)| {
                    PhotoRef::new(key, alt, row.photo_variants.as_deref().unwrap_or_default())
                }),
                updated_at: row.updated_at,
                hidden_reason: row.hidden_reason,
            })
        })
        .collect()
}

/// An admin hides listing `id` from renters, with the reason its owner reads: paused, out
/// of search, and not to be published again until an admin unhides it. Its open reports are
/// acted on.
pub async fn hide(db: &Db, admin: &Caller, id: ListingId, reason: &str) -> Result<(), AppError> {
    // The owner reads it: plain text, as a report's reason is.
    let reason = crate::domain::message::ReportReason::parse(reason)
        .map_err(|problem| AppError::validation("reason", problem.to_string()))?;
    let reason = reason.as_str();
    let mut tx = db.begin_write().await?;
    let Some(owner) = tx.set_hidden(id, Some(reason), admin.now).await? else {
        return Err(AppError::Conflict(
            "This listing is hidden already, or archived.".into(),
        ));
    };
    let event = audit(
        AuditKind::ListingHidden,
        &admin.user,
        owner,
        id,
        &admin.client,
    )
    .with_detail(json!({ "listing": id, "reason": reason }));
    tx.record_audit(&event, admin.now).await?;
    tx.act_on_reports(crate::reports::ReportSubject::Listing, id.uuid())
        .await?;
    let payload = json!({ "status": ListingStatus::Paused.as_str(), "hidden": true });
    let change = listing_event(id, events::LISTING_PAUSED, payload, &admin.user);
    tx.append(&[change], admin.now).await?;
    tx.commit().await?;
    Ok(())
}

/// An admin unhides listing `id`: it stays paused, and its owner may publish it again.
pub async fn unhide(db: &Db, admin: &Caller, id: ListingId) -> Result<(), AppError> {
    let mut tx = db.begin_write().await?;
    let Some(owner) = tx.set_hidden(id, None, admin.now).await? else {
        return Err(AppError::Conflict("This listing is not hidden.".into()));
    };
    let event = audit(
        AuditKind::ListingUnhidden,
        &admin.user,
        owner,
        id,
        &admin.client,
    );
    tx.record_audit(&event, admin.now).await?;
    tx.commit().await?;
    Ok(())
}

/// Listings for the admins: by title or owner, with a status (or `hidden`).
pub async fn for_admins(
    db: &Db,
    q: &str,
    status: Option<&str>,
) -> Result<Vec<crate::listings::model::AdminListing>, AppError> {
    let q: String = q.trim().chars().take(100).collect();
    let status = status.filter(|s| *s == "hidden" || ListingStatus::parse(s).is_some());
    db.admin_listing_rows(&q, status)
        .await?
        .into_iter()
        .map(|row| {
            Ok(crate::listings::model::AdminListing {
                status: ListingStatus::parse(&row.status).ok_or_else(|| {
                    AppError::internal("listing status", format!("unknown value {:?}", row.status))
                })?,
                id: row.id,
                title: row.title,
                owner_name: row.owner_name,
                city: row.city,
                hidden_reason: row.hidden_reason,
                created_at: row.created_at,
            })
        })
        .collect()
}

/// Everything the edit page shows, for the owner (or an admin) only.
pub async fn for_edit(
    db: &Db,
    actor: &Caller,
    id: ListingId,
    today: NaiveDate,
) -> Result<ListingEdit, AppError> {
    owned(db, &actor.user, id).await?;
    super::store::read::edit_view(db, id, today).await
}

/// Dates an owner takes out of rental: on one unit, or on all when `unit` is `None`.
pub struct BlockRequest {
    pub unit: Option<UnitId>,
    pub period: RentalPeriod,
    pub note: String,
}

/// Why a block blocked nothing. The calendar import passes over days already taken by the
/// variant; people read it as an [`AppError`].
#[derive(Debug)]
pub enum BlockError {
    /// The unit asked for is not an active unit of this listing.
    NoSuchUnit,
    /// The unit `label` is already blocked or booked on some of the days.
    Taken { label: String },
    /// PostgreSQL's exclusion constraint refused the block: a booking took the days a moment
    /// before.
    Clashed,
    /// Not the caller's listing, an archived one, or the database failed.
    Failed(AppError),
}

impl From<BlockError> for AppError {
    fn from(error: BlockError) -> Self {
        match error {
            BlockError::NoSuchUnit => invalid("unit", "Choose a unit of this listing."),
            BlockError::Taken { label } => AppError::Conflict(format!(
                "{label} is already blocked or booked on some of those days. Nothing was blocked."
            )),
            BlockError::Clashed => AppError::Conflict(
                "Those dates are no longer available: they were taken a moment ago.".into(),
            ),
            BlockError::Failed(error) => error,
        }
    }
}

impl From<AppError> for BlockError {
    fn from(error: AppError) -> Self {
        BlockError::Failed(error)
    }
}

impl From<sqlx::Error> for BlockError {
    fn from(error: sqlx::Error) -> Self {
        BlockError::Failed(error.into())
    }
}

/// Blocks `period` on one unit, or on every active unit. Nothing is blocked when any of them
/// is already taken on one of those days.
pub async fn block(
    db: &Db,
    actor: &Caller,
    listing: ListingId,
    request: &BlockRequest,
) -> Result<usize, AppError> {
    Ok(try_block(db, actor, listing, request).await?)
}

/// [`block`], answering why nothing was blocked as a [`BlockError`].
pub async fn try_block(
    db: &Db,
    actor: &Caller,
    listing: ListingId,
    request: &BlockRequest,
) -> Result<usize, BlockError> {
    let BlockRequest { unit, period, note } = request;
    let (unit, period) = (*unit, *period);
    let (user, client, now) = (&actor.user, &actor.client, actor.now);
    let owner = owned_unarchived(db, user, listing).await?;
    let event = audit(AuditKind::DatesBlocked, user, owner, listing, client).with_detail(json!({
        "listing": listing, "unit": unit, "from": period.from(), "to": period.to(),
    }));
    // The listing held as every writer of its reservations holds it: on PostgreSQL this
    // queues behind booking requests (whose exclusion constraint refuses an overlap whatever
    // the interleaving), on SQLite the one writer makes the check and the inserts one step.
    let mut tx = db.begin_write().await?;
    tx.lock_listing(listing).await?;
    let units = tx.active_units(listing, unit).await?;
    if units.is_empty() {
        return Err(BlockError::NoSuchUnit);
    }
    for (unit_id, label) in &units {
        if tx.reservations_on(*unit_id, period).await? > 0 {
            let label = label.clone();
            return Err(BlockError::Taken { label });
        }
        let added = tx
            .add_block((listing, *unit_id), period, note, (user.id, now))
            .await?;
        if added == Reserved::Clashed {
            return Err(BlockError::Clashed);
        }
    }
    tx.record_audit(&event, now).await?;
    let payload = serde_json::json!({ "from": period.from(), "to": period.to() });
    let change = listing_event(listing, events::AVAILABILITY, payload, user);
    tx.append(&[change], now).await?;
    tx.commit().await?;
    let blocked = units.len();
    Ok(blocked)
}

/// Removes one of the listing's blocks (never a booking).
pub async fn unblock(
    db: &Db,
    actor: &Caller,
    listing: ListingId,
    block: BlockId,
) -> Result<(), AppError> {
    let (user, client, now) = (&actor.user, &actor.client, actor.now);
    let (owner, _) = owned(db, user, listing).await?;
    let event = audit(AuditKind::BlockRemoved, user, owner, listing, client)
        .with_detail(json!({ "listing": listing, "block": block }));
    let mut tx = db.begin_write().await?;
    if !tx.remove_block(listing, block).await? {
        return Err(AppError::NotFound);
    }
    tx.record_audit(&event, now).await?;
    let change = listing_event(listing, events::AVAILABILITY, serde_json::json!({}), user);
    tx.append(&[change], now).await?;
    tx.commit().await?;
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
    listing: ListingId,
    uploads: Vec<Upload>,
) -> Result<usize, AppError> {
    let (user, client, now) = (&actor.user, &actor.client, actor.now);
    let owner = owned_unarchived(db, user, listing).await?;
    if uploads.is_empty() {
        return Err(photo_refusal("none"));
    }
    let (count, title) = db.photo_count_and_title(listing).await?;
    if count as usize + uploads.len() > MAX_PHOTOS {
        return Err(photo_refusal("too_many_photos"));
    }
    let processed = process_uploads(uploads).await?;
    let folder = photos::listing_folder(listing);
    let stored = store_all(media, &folder, &processed).await?;
    let event = audit(AuditKind::PhotoAdded, user, owner, listing, client)
        .with_detail(json!({ "listing": listing, "photos": stored.len() }));
    // Uploads to one listing at the same time are serialised here: SQLite's one writer,
    // PostgreSQL's row lock on the listing. The count is checked again inside, since the one
    // above was read before the slow processing.
    let saved: Result<bool, sqlx::Error> = async {
        let mut tx = db.begin_write().await?;
        tx.lock_listing(listing).await?;
        let (count, next) = tx.photo_count_and_next(listing).await?;
        if count as usize + stored.len() > MAX_PHOTOS {
            return Ok(false);
        }
        for (n, (id, files)) in stored.iter().enumerate() {
            let position = next + n as i64;
            let shown = files.shown();
            let photo = NewPhoto {
                id: *id,
                key: &shown.key,
                width: shown.width,
                height: shown.height,
                alt: format!("{title}, photo {}", position + 1),
                variants: variants_text(files),
            };
            tx.add_photo(listing, position, &photo, now).await?;
        }
        tx.record_audit(&event, now).await?;
        let change = listing_event(listing, events::LISTING_PHOTOS, serde_json::json!({}), user);
        tx.append(&[change], now).await?;
        tx.commit().await?;
        Ok(true)
    }
    .await;
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
    listing: ListingId,
    photo: PhotoId,
) -> Result<(), AppError> {
    let (user, client, now) = (&actor.user, &actor.client, actor.now);
    let (owner, _) = owned(db, user, listing).await?;
    let event = audit(AuditKind::PhotoRemoved, user, owner, listing, client)
        .with_detail(json!({ "listing": listing, "photo": photo }));
    let mut tx = db.begin_write().await?;
    let (key, variants) = tx
        .remove_photo(listing, photo)
        .await?
        .ok_or(AppError::NotFound)?;
    tx.record_audit(&event, now).await?;
    let change = listing_event(listing, events::LISTING_PHOTOS, serde_json::json!({}), user);
    tx.append(&[change], now).await?;
    tx.commit().await?;
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
    listing: ListingId,
    photo: PhotoId,
) -> Result<(), AppError> {
    let (user, client, now) = (&actor.user, &actor.client, actor.now);
    let (owner, _) = owned(db, user, listing).await?;
    let event = audit(AuditKind::PhotosReordered, user, owner, listing, client)
        .with_detail(json!({ "listing": listing, "photo": photo }));
    let mut tx = db.begin_write().await?;
    match tx.move_photo_earlier(listing, photo).await? {
        None => return Err(AppError::NotFound),
        Some(false) => return Ok(()),
        Some(true) => {}
    }
    tx.record_audit(&event, now).await?;
    let change = listing_event(listing, events::LISTING_PHOTOS, serde_json::json!({}), user);
    tx.append(&[change], now).await?;
    tx.commit().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unit(n: i64, active: bool, upcoming: i64) -> (UnitId, String, bool, i64) {
        (
            UnitId::from_u128(n as u128),
            format!("Unit {n}"),
            active,
            upcoming,
        )
    }

    #[test]
    fn fewer_units_retire_the_highest_free_ones() {
        let units = [unit(1, true, 0), unit(2, true, 1), unit(3, true, 0)];
        let plan = plan_units(&units, 2).unwrap();
        assert_eq!(plan.toggles, [(UnitId::from_u128(3), false)]);
        let plan = plan_units(&units, 1).unwrap();
        assert_eq!(
            plan.toggles,
            [(UnitId::from_u128(3), false), (UnitId::from_u128(1), false)]
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
            [(UnitId::from_u128(2), true), (UnitId::from_u128(3), true)]
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
