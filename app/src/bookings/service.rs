//! Booking requests and every later change (server only). Each change is one write
//! transaction that reads the booking's events, asks `domain::booking::decide`, and writes the
//! new events, the bookings row they imply and the unit's reservation together.
//!
//! The guarantee that a unit is never booked twice rests on the database: PostgreSQL's
//! exclusion constraint on `reservations`, and on SQLite a `BEGIN IMMEDIATE` transaction in
//! which the free-unit check and the insert cannot interleave with another writer. On
//! PostgreSQL a request also locks its listing row first, so concurrent requests for one
//! listing queue instead of both picking the same free unit and one failing needlessly.

use super::limits::{decline_limits, RequestLimits, RequestRefusal};
use super::model::NO_LONGER_AVAILABLE;
use super::settle::SETTLE_JOB;
use crate::accounts::limits::minutes_to_wait;
use crate::accounts::model::CurrentUser;
use crate::db::{Arg, Db};
use crate::domain::booking::{
    decide, evolve, open, replay, Actor, Booking, BookingEvent, Command, NewBooking, Refusal,
};
use crate::domain::card::Card;
use crate::domain::late::GRACE;
use crate::domain::ledger::{target, EntryKind};
use crate::domain::pricing::DateField;
use crate::domain::{quote, BookingStatus, CancellationPolicy, Quote, QuoteError, RentalPeriod};
use crate::error::AppError;
use crate::events::{self, NewEvent, Stream};
use crate::jobs::NewJob;
use crate::listings::repo::{lock_listing_sql, PriceColumns};
use crate::payments::gateway::{GatewayError, PaymentGateway};
use crate::payments::ledger::{entry_args, movement_event, INSERT_ENTRY_SQL};
use crate::payments::settle::{authorize_request, payment_problem, release_quietly, Authorized};
use crate::payments::unused::{Guards, DROP_GUARD_SQL};
use crate::{bind_args, insert_job, on_pool};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use sqlx::FromRow;
use uuid::Uuid;

/// The job that expires an unanswered request; its payload is the booking id.
pub const EXPIRE_JOB: &str = "expire_booking";
/// The job that releases a returned booking's deposit when the claim window closes.
pub const RELEASE_JOB: &str = "release_deposit";
/// The job that marks gear overdue when it is not back by its due time and grace.
pub const OVERDUE_JOB: &str = "mark_overdue";

/// What the marketplace charges and how long owners have to answer.
#[derive(Clone, Copy, Debug)]
pub struct BookingRules {
    pub service_fee_bps: u32,
    pub request_expiry: Duration,
    /// How long after the return the owner may claim on the deposit.
    pub claim_window: Duration,
    pub limits: RequestLimits,
}

/// A renter's request, as the form sent it.
#[derive(Clone, Copy, Debug)]
pub struct BookingRequest {
    pub listing: Uuid,
    pub period: RentalPeriod,
    /// The form's idempotency key: the same key from the same renter is the same booking.
    pub key: Uuid,
}

/// The acting member as the booking rules see them. An admin acts as one only with two-factor
/// authentication on, as everywhere in the admin area.
pub fn actor_of(user: &CurrentUser) -> Actor {
    Actor::Member {
        user: user.id,
        is_admin: user.is_admin() && user.two_factor_on,
    }
}

#[derive(FromRow)]
pub(super) struct ListingTerms {
    pub(super) owner_id: Uuid,
    pub(super) status: String,
    #[sqlx(flatten)]
    pub(super) prices: PriceColumns,
    pub(super) buffer_days: i64,
    pub(super) instant_booking: bool,
    pub(super) time_zone: String,
    pub(super) cancellation_policy: String,
    pub(super) included_items: String,
    pub(super) late_fee_minor: i64,
}

/// The columns of [`ListingTerms`] for listing $1.
macro_rules! terms_select {
    () => {
        concat!("SELECT ", terms_columns!(), " FROM listings WHERE id = $1")
    };
}

macro_rules! terms_columns {
    () => {
        "owner_id, status, currency, daily_price_minor, weekly_price_minor, \
         monthly_price_minor, deposit_minor, min_days, max_days, lead_time_days, buffer_days, \
         instant_booking, time_zone, cancellation_policy, included_items, late_fee_minor"
    };
}

/// Listing $1's terms, renter $2's booking made with key $3, and a unit free on `[$4, $5)`,
/// in one statement: the first look of a request, before any lock.
const GLANCE_SQL: &str = concat!(
    "SELECT ",
    terms_columns!(),
    ", (SELECT b.id FROM bookings b WHERE b.renter_id = $2 AND b.idempotency_key = $3) AS earlier, \
     (SELECT COUNT(*) FROM bookings b WHERE b.renter_id = $2 AND b.status = 'requested') \
       AS open_requests, \
     (SELECT u.id FROM listing_units u WHERE u.listing_id = $1 AND u.active AND NOT EXISTS ( \
         SELECT 1 FROM reservations r WHERE r.unit_id = u.id \
         AND r.starts_on < $5 AND r.ends_on > $4) LIMIT 1) AS unit \
     FROM listings WHERE id = $1"
);

#[derive(FromRow)]
struct Glance {
    #[sqlx(flatten)]
    terms: ListingTerms,
    earlier: Option<Uuid>,
    unit: Option<Uuid>,
    open_requests: i64,
}

/// The listing's terms, for a plain read.
pub(super) const TERMS_SQL: &str = terms_select!();

/// The listing's terms, read under its lock on PostgreSQL (see [`lock_listing_sql`]).
pub(super) fn terms_sql(db: &Db) -> &'static str {
    match db {
        Db::Sqlite(_) => TERMS_SQL,
        Db::Postgres(_) => concat!(terms_select!(), " FOR UPDATE"),
    }
}

/// A quote's refusal, next to the booking form's field it is about.
fn quote_problem(error: QuoteError) -> AppError {
    let field = error.field().map_or("booking", DateField::name);
    AppError::validation(field, error.to_string())
}

/// The instant a local day starts in `time_zone` (UTC for an unknown zone; the first instant
/// after a gap when midnight does not exist there).
pub fn start_of_day(day: NaiveDate, time_zone: &str) -> DateTime<Utc> {
    use chrono::TimeZone;
    let midnight = day.and_hms_opt(0, 0, 0).unwrap_or_default();
    match time_zone.parse::<chrono_tz::Tz>() {
        Ok(zone) => zone
            .from_local_datetime(&midnight)
            .earliest()
            .or_else(|| {
                zone.from_local_datetime(&(midnight + Duration::hours(1)))
                    .earliest()
            })
            .map_or_else(|| midnight.and_utc(), |t| t.with_timezone(&Utc)),
        Err(_) => midnight.and_utc(),
    }
}

/// When gear returned on `to` is due: the end of that day in the listing's `time_zone`.
pub(super) fn due_at(to: NaiveDate, time_zone: &str) -> DateTime<Utc> {
    start_of_day(to + Duration::days(1), time_zone)
}

/// Creates the booking `request` asks for, with a unit reserved for it and `card` authorised
/// for its rental and fee and held for its deposit, or finds the one an earlier submission of
/// the same form created. Returns the booking's id.
///
/// A plain read first refuses taken dates and bad input before the card is touched. The card
/// is authorised before the write transaction, which must not wait on the provider; if the
/// transaction then refuses (someone took the last unit meanwhile), the authorisations are
/// released again.
#[allow(clippy::too_many_arguments)]
pub async fn request<G: PaymentGateway>(
    db: &Db,
    (gateway, guards): (&G, &Guards),
    renter: &CurrentUser,
    address: &str,
    request: &BookingRequest,
    card: &Card,
    rules: BookingRules,
    now: DateTime<Utc>,
) -> Result<Uuid, AppError> {
    // Most requests for taken dates are answered from one plain read, without waiting for
    // the write lock: the dates were taken at that moment, which is all a refusal claims. (It
    // looks at the rental days only; the transaction also checks the turnaround.)
    let glance: Option<Glance> = on_pool!(db, pool => sqlx::query_as(GLANCE_SQL)
        .bind(request.listing).bind(renter.id).bind(request.key)
        .bind(request.period.from()).bind(request.period.to())
        .fetch_optional(pool).await)?;
    let (earlier, unit, open_requests) = glance
        .as_ref()
        .map_or((None, None, 0), |g| (g.earlier, g.unit, g.open_requests));
    let priced = new_booking(glance.map(|g| g.terms), renter, request, rules, now)?;
    if earlier.is_some() {
        if let Some(id) = keyed_booking(db, renter, request).await? {
            return Ok(id);
        }
    }
    if unit.is_none() {
        return Err(AppError::Conflict(NO_LONGER_AVAILABLE.into()));
    }
    if !priced.instant {
        within_open_requests(open_requests, rules.limits)?;
    }
    let declines = decline_limits(rules.limits);
    let decline_keys = [renter.id.to_string(), address.to_owned()];
    for (limit, key) in declines.iter().zip(&decline_keys) {
        if let Some(wait) = limit.wait(db, key, now.timestamp()).await? {
            let minutes = minutes_to_wait(wait);
            return Err(RequestRefusal::TooManyDeclines { minutes }.into());
        }
    }
    // Keys of this call's own: a form sent again after a failure authorises afresh, never on
    // an authorisation released meanwhile. Two submissions at once both authorise; the one
    // that finds the other's booking releases its own.
    // Written before the card is touched: if this process dies before the booking commits,
    // the guard releases what was authorised.
    guards.guard(priced.id, now).await?;
    let authorized = match authorize_request(gateway, priced.id, &priced.quote, card).await {
        Ok(authorized) => authorized,
        Err(error) => {
            if matches!(error, GatewayError::Declined(_)) {
                for (limit, key) in declines.iter().zip(&decline_keys) {
                    limit.record(db, key, now.timestamp()).await?;
                }
            }
            return Err(payment_problem(error));
        }
    };
    let outcome = insert_booking(
        db,
        renter,
        request,
        rules,
        now,
        (priced.id, &priced.quote, &authorized),
    )
    .await;
    if !matches!(outcome, Ok(Inserted::New(_))) {
        release_quietly(gateway, &authorized.charge).await;
        if let Some(deposit) = &authorized.deposit {
            release_quietly(gateway, deposit).await;
        }
    }
    match outcome {
        Ok(Inserted::New(id) | Inserted::Earlier(id)) => Ok(id),
        Ok(Inserted::Raced) => keyed_booking(db, renter, request).await?.ok_or_else(|| {
            AppError::internal(
                "booking request",
                "a duplicate key with no booking behind it",
            )
        }),
        Err(error) => Err(error),
    }
}

/// Refuses a request that would wait for an answer beside `open` others of the renter's.
fn within_open_requests(open: i64, limits: RequestLimits) -> Result<(), RequestRefusal> {
    let most = limits.open_requests;
    match u32::try_from(open) {
        Ok(open) if open < most => Ok(()),
        _ => Err(RequestRefusal::OpenRequests(most)),
    }
}

/// Serialises one renter's requests on PostgreSQL (two for different listings hold different
/// listing locks), so the count of their open requests cannot be passed by two at once; it
/// is taken after the listing's lock, in the one order every writer takes them. SQLite's
/// `BEGIN IMMEDIATE` already serialises every writer.
fn renter_lock_sql(db: &Db) -> Option<&'static str> {
    match db {
        Db::Sqlite(_) => None,
        Db::Postgres(_) => Some("SELECT pg_advisory_xact_lock(hashtext('renter:' || $1::text))"),
    }
}

const OPEN_REQUESTS_SQL: &str =
    "SELECT COUNT(*) FROM bookings WHERE renter_id = $1 AND status = 'requested'";

/// What a request's write transaction did: made the booking, found the one an earlier
/// submission of the same form made, or lost the race to insert to it.
enum Inserted {
    New(Uuid),
    Earlier(Uuid),
    /// A second submission of the form committed its booking first; nothing was written.
    Raced,
}

/// The booking an earlier submission of this form made, if it asked for the same thing.
async fn keyed_booking(
    db: &Db,
    renter: &CurrentUser,
    request: &BookingRequest,
) -> Result<Option<Uuid>, AppError> {
    let keyed: Option<Keyed> = on_pool!(db, pool => sqlx::query_as(KEYED_SQL)
        .bind(renter.id).bind(request.key).fetch_optional(pool).await)?;
    earlier_booking(keyed, request.listing, request.period)
}

/// The booking `request` asks for, priced by the listing's `terms` as they are now, before a
/// unit is chosen; or why it cannot be made (a listing that is not bookable, the renter's own,
/// dates its rules refuse).
fn new_booking(
    terms: Option<ListingTerms>,
    renter: &CurrentUser,
    request: &BookingRequest,
    rules: BookingRules,
    now: DateTime<Utc>,
) -> Result<NewBooking, AppError> {
    let terms = terms
        .filter(|t| t.status == "active")
        .ok_or(AppError::NotFound)?;
    if terms.owner_id == renter.id {
        return Err(AppError::validation(
            "booking",
            "This is your own listing: block dates on its edit page instead.",
        ));
    }
    let period = request.period;
    let today = crate::listings::repo::local_today(now, &terms.time_zone);
    let quote = quote(
        &terms.prices.prices()?,
        period.from(),
        period.to(),
        today,
        rules.service_fee_bps,
    )
    .map_err(quote_problem)?;
    let pickup_at = start_of_day(period.from(), &terms.time_zone);
    Ok(NewBooking {
        id: Uuid::new_v4(),
        listing: request.listing,
        // Chosen inside the transaction.
        unit: Uuid::nil(),
        renter: renter.id,
        owner: terms.owner_id,
        period,
        buffer_days: terms.buffer_days,
        quote,
        policy: CancellationPolicy::parse(&terms.cancellation_policy).unwrap_or_default(),
        pickup_at,
        // A request lapses after the expiry time, or at the end of its pickup day if sooner.
        expires_at: (now + rules.request_expiry).min(pickup_at + Duration::days(1)),
        instant: terms.instant_booking,
        claim_window_minutes: rules.claim_window.num_minutes(),
        included: terms
            .included_items
            .lines()
            .map(str::trim)
            .filter(|item| !item.is_empty())
            .map(str::to_owned)
            .collect(),
        late_fee_per_day_minor: terms.late_fee_minor,
        due_at: Some(due_at(period.to(), &terms.time_zone)),
        time_zone: Some(terms.time_zone.clone()),
    })
}

const KEYED_SQL: &str = "SELECT id, listing_id, starts_on, ends_on FROM bookings \
     WHERE renter_id = $1 AND idempotency_key = $2";

type Keyed = (Uuid, Uuid, NaiveDate, NaiveDate);

/// The booking an earlier submission of this form made, if it asked for the same thing. A
/// key reused for other dates (a stale tab, a tampered form) is refused rather than answered
/// with a booking the person did not ask for.
fn earlier_booking(
    keyed: Option<Keyed>,
    listing: Uuid,
    period: RentalPeriod,
) -> Result<Option<Uuid>, AppError> {
    match keyed {
        None => Ok(None),
        Some((id, l, from, to)) if l == listing && from == period.from() && to == period.to() => {
            Ok(Some(id))
        }
        Some(_) => Err(AppError::Conflict(FORM_USED.into())),
    }
}

/// The owner changed the prices between the card's authorisation and the booking.
pub const PRICE_CHANGED: &str =
    "The owner changed the price while you were booking, and nothing was charged. Check the new total and try again.";

pub use crate::payments::settle::FORM_USED;

pub(super) fn lock_booking_sql(db: &Db) -> &'static str {
    match db {
        Db::Sqlite(_) => "SELECT id FROM bookings WHERE id = $1",
        Db::Postgres(_) => "SELECT id FROM bookings WHERE id = $1 FOR UPDATE",
    }
}

/// The booking the renter ($1) already made with this form's key ($2), and the first active
/// unit of listing $3 with nothing reserved on `[$4, $5)`.
const KEY_AND_UNIT_SQL: &str = "SELECT \
     (SELECT b.id FROM bookings b WHERE b.renter_id = $1 AND b.idempotency_key = $2) AS earlier, \
     (SELECT u.id FROM listing_units u \
      WHERE u.listing_id = $3 AND u.active AND NOT EXISTS ( \
          SELECT 1 FROM reservations r WHERE r.unit_id = u.id \
          AND r.starts_on < $5 AND r.ends_on > $4) \
      ORDER BY u.label LIMIT 1) AS unit";

const INSERT_BOOKING_SQL: &str = "INSERT INTO bookings (id, listing_id, unit_id, renter_id, \
     owner_id, status, starts_on, ends_on, buffer_days, currency, days, rental_minor, \
     service_fee_minor, deposit_minor, total_minor, cancellation_policy, instant, pickup_at, \
     expires_at, decline_reason, cancelled_by, refund_minor, idempotency_key, created_at, \
     updated_at, card_last4) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, \
     $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24, $24, $25)";

pub(super) const UPDATE_BOOKING_SQL: &str =
    "UPDATE bookings SET status = $2, decline_reason = $3, \
     cancelled_by = $4, refund_minor = $5, updated_at = $6, overdue = $7, ends_on = $8, \
     days = $9, rental_minor = $10, service_fee_minor = $11, total_minor = $12 WHERE id = $1";

const INSERT_RESERVATION_SQL: &str = "INSERT INTO reservations (id, listing_id, unit_id, kind, \
     starts_on, ends_on, note, created_by, created_at, booking_id) \
     VALUES ($1, $2, $3, 'booking', $4, $5, '', $6, $7, $8)";

/// Inserts `events` rows of booking events at once.
pub(super) fn insert_events_sql(events: usize) -> String {
    let rows: Vec<String> = (0..events)
        .map(|row| {
            let first = row * 7 + 1;
            let params: Vec<String> = (first..first + 7).map(|n| format!("${n}")).collect();
            format!("({})", params.join(", "))
        })
        .collect();
    format!(
        "INSERT INTO booking_events (booking_id, seq, kind, actor_id, actor_role, payload, at) \
         VALUES {}",
        rows.join(", ")
    )
}

/// The last day the unit is busy (exclusive): the return day plus the owner's turnaround.
pub fn reserved_until(terms: &NewBooking) -> NaiveDate {
    terms.period.to() + Duration::days(terms.buffer_days)
}

/// The columns of the bookings row that change after the request ($2..$5 of the update).
fn changing_args(booking: &Booking) -> [Arg; 4] {
    let (cancelled_by, refund) = match booking.cancellation {
        Some((by, refund)) => (Some(by.as_str().to_owned()), Some(refund.total_minor())),
        None => (None, None),
    };
    [
        Arg::Text(booking.status.as_str().to_owned()),
        Arg::OptText(booking.decline_reason.clone()),
        Arg::OptText(cancelled_by),
        Arg::OptInt(refund),
    ]
}

/// The bookings row of `booking`, as [`INSERT_BOOKING_SQL`] binds it.
fn row_args(booking: &Booking, key: Uuid, at: DateTime<Utc>) -> Vec<Arg> {
    let t = &booking.terms;
    let [status, decline_reason, cancelled_by, refund] = changing_args(booking);
    vec![
        Arg::Uuid(t.id),
        Arg::Uuid(t.listing),
        Arg::Uuid(t.unit),
        Arg::Uuid(t.renter),
        Arg::Uuid(t.owner),
        status,
        Arg::Date(t.period.from()),
        Arg::Date(t.period.to()),
        Arg::Int(t.buffer_days),
        Arg::Text(t.quote.total.currency.code().to_owned()),
        Arg::Int(t.quote.days),
        Arg::Int(t.quote.rental.minor),
        Arg::Int(t.quote.service_fee.minor),
        Arg::Int(t.quote.deposit.minor),
        Arg::Int(t.quote.total.minor),
        Arg::Text(t.policy.as_str().to_owned()),
        Arg::Bool(t.instant),
        Arg::Time(t.pickup_at),
        Arg::Time(t.expires_at),
        decline_reason,
        cancelled_by,
        refund,
        Arg::Uuid(key),
        Arg::Time(at),
    ]
}

/// The rows of `events`, numbered after the `already` events the booking has.
pub(super) fn event_rows(
    booking: &Booking,
    events: &[BookingEvent],
    already: usize,
    actor: Actor,
    at: DateTime<Utc>,
) -> Result<Vec<Vec<Arg>>, AppError> {
    let actor_id = match actor {
        Actor::Member { user, .. } => Some(user),
        Actor::System => None,
    };
    events
        .iter()
        .enumerate()
        .map(|(i, event)| {
            // Instant confirmation is GearShare's doing, whoever asked.
            let role = match event {
                BookingEvent::Accepted { by } | BookingEvent::Cancelled { by, .. } => *by,
                BookingEvent::Requested { .. } | BookingEvent::Extended { .. } => {
                    crate::domain::Party::Renter
                }
                BookingEvent::Declined { .. } => {
                    actor.party(booking).unwrap_or(crate::domain::Party::Owner)
                }
                BookingEvent::HandoverConfirmed { by, .. } => *by,
                BookingEvent::DamageClaimed { .. } => crate::domain::Party::Owner,
                BookingEvent::DisputeResolved { .. } => crate::domain::Party::Admin,
                BookingEvent::Expired
                | BookingEvent::Paid { .. }
                | BookingEvent::PickedUp
                | BookingEvent::Returned { .. }
                | BookingEvent::DepositReleased
                | BookingEvent::Overdue => crate::domain::Party::System,
            };
            let actor_id = if role == crate::domain::Party::System {
                None
            } else {
                actor_id
            };
            let payload =
                serde_json::to_string(event).map_err(|e| AppError::internal("booking event", e))?;
            Ok(vec![
                Arg::Uuid(booking.terms.id),
                Arg::Int((already + i + 1) as i64),
                Arg::Text(event.kind().to_owned()),
                Arg::OptUuid(actor_id),
                Arg::Text(role.as_str().to_owned()),
                Arg::Text(payload),
                Arg::Time(at),
            ])
        })
        .collect()
}

/// Is `error` PostgreSQL's exclusion constraint, or the renter's key taken meanwhile?
fn classify(error: sqlx::Error) -> AppError {
    if let sqlx::Error::Database(db) = &error {
        if db.code().as_deref() == Some("23P01") {
            return AppError::Conflict(NO_LONGER_AVAILABLE.into());
        }
    }
    error.into()
}

/// What a booking change tells the event stream: each event on the booking's own stream
/// (its kind and the status after it, for the booking's people), and, when the days its unit
/// is held for changed, one on the listing's stream that says which days and nothing of who.
pub(super) fn outbox_events(
    after: &Booking,
    events: &[BookingEvent],
    already: usize,
    actor: Actor,
    holds_changed: bool,
) -> Vec<NewEvent> {
    let actor = match actor {
        Actor::Member { user, .. } => Some(user),
        Actor::System => None,
    };
    let t = &after.terms;
    let mut outbox: Vec<NewEvent> = events
        .iter()
        .enumerate()
        .map(|(i, event)| NewEvent {
            stream: Stream::Booking(t.id),
            kind: event.kind(),
            payload: serde_json::json!({ "seq": already + i + 1, "status": after.status.as_str() }),
            actor,
        })
        .collect();
    if holds_changed {
        outbox.push(NewEvent {
            stream: Stream::Listing(t.listing),
            kind: events::AVAILABILITY,
            payload: serde_json::json!({ "from": t.period.from(), "to": reserved_until(t) }),
            actor,
        });
    }
    outbox
}

/// The write transaction of a request, in as few round trips as the guarantee allows: the
/// listing's terms read under its lock; the form's earlier booking and a free unit in one
/// statement, read after the lock so it sees every booking committed before; then the
/// booking, its reservation, events, ledger entries and expiry job.
async fn insert_booking(
    db: &Db,
    renter: &CurrentUser,
    request: &BookingRequest,
    rules: BookingRules,
    now: DateTime<Utc>,
    (attempt, authorized_quote, authorized): (Uuid, &Quote, &Authorized),
) -> Result<Inserted, AppError> {
    let begin = db.write_transaction_sql();
    let terms_sql = terms_sql(db);
    on_pool!(db, pool => {
        let _writer = db.writer().await?;
        let mut tx = pool.begin_with(begin).await?;
        let terms: Option<ListingTerms> = sqlx::query_as(terms_sql)
            .bind(request.listing).fetch_optional(&mut *tx).await?;
        let mut new = new_booking(terms, renter, request, rules, now)?;
        let (earlier, unit): (Option<Uuid>, Option<Uuid>) = sqlx::query_as(KEY_AND_UNIT_SQL)
            .bind(renter.id).bind(request.key).bind(new.listing)
            .bind(new.period.from()).bind(reserved_until(&new))
            .fetch_one(&mut *tx).await?;
        // A second submission that waited for the first one's transaction finds its booking
        // here, rather than a unit the first one just took.
        if earlier.is_some() {
            let keyed: Option<Keyed> = sqlx::query_as(KEYED_SQL)
                .bind(renter.id).bind(request.key).fetch_optional(&mut *tx).await?;
            if let Some(earlier) = earlier_booking(keyed, new.listing, new.period)? {
                return Ok(Inserted::Earlier(earlier));
            }
        }
        new.unit = unit.ok_or_else(|| AppError::Conflict(NO_LONGER_AVAILABLE.into()))?;
        if !new.instant {
            if let Some(lock) = renter_lock_sql(db) {
                sqlx::query(lock).bind(renter.id).execute(&mut *tx).await?;
            }
            let open: i64 = sqlx::query_scalar(OPEN_REQUESTS_SQL)
                .bind(renter.id).fetch_one(&mut *tx).await?;
            within_open_requests(open, rules.limits)?;
        }
        if &new.quote != authorized_quote {
            return Err(AppError::Conflict(PRICE_CHANGED.into()));
        }
        let id = new.id;
        let events = open(new.clone());
        let booking = replay(&events).map_err(|e| AppError::internal("new booking", e))?;
        let mut row = row_args(&booking, request.key, now);
        row.push(Arg::OptText(Some(authorized.card_last4.clone())));
        // The booking's one unique key besides its random id is the renter's form key.
        let inserted = bind_args!(sqlx::query(INSERT_BOOKING_SQL), &row).execute(&mut *tx).await;
        match inserted {
            Err(sqlx::Error::Database(e)) if e.is_unique_violation() => return Ok(Inserted::Raced),
            inserted => inserted.map_err(classify)?,
        };
        sqlx::query(INSERT_RESERVATION_SQL)
            .bind(Uuid::new_v4()).bind(new.listing).bind(new.unit)
            .bind(new.period.from()).bind(reserved_until(&new))
            .bind(renter.id).bind(now).bind(id)
            .execute(&mut *tx).await.map_err(classify)?;
        let rows = event_rows(&booking, &events, 0, actor_of(renter), now)?;
        let sql = insert_events_sql(rows.len());
        bind_args!(sqlx::query(&sql), rows.iter().flatten()).execute(&mut *tx).await?;
        let mut movements = Vec::new();
        for (args, movement) in authorization_entries(&new, authorized, now) {
            bind_args!(sqlx::query(INSERT_ENTRY_SQL), &args).execute(&mut *tx).await?;
            movements.push(movement);
        }
        sqlx::query(DROP_GUARD_SQL).bind(attempt).execute(&mut *tx).await?;
        if !new.instant {
            let job = NewJob::once(EXPIRE_JOB, id.to_string(), new.expires_at);
            insert_job!(&mut *tx, &job, now).await?;
        } else {
            let job = NewJob::persistent(SETTLE_JOB, id.to_string(), now);
            insert_job!(&mut *tx, &job, now).await?;
        }
        let mut outbox = outbox_events(&booking, &events, 0, actor_of(renter), true);
        outbox.append(&mut movements);
        events::append(&mut tx, &outbox, now).await?;
        tx.commit().await?;
        events::bus::appended();
        Ok(Inserted::New(id))
    })
}

/// The ledger's first entries of a new booking, its authorisation and its deposit hold, each
/// with its event.
fn authorization_entries(
    new: &NewBooking,
    authorized: &Authorized,
    at: DateTime<Utc>,
) -> Vec<(Vec<Arg>, NewEvent)> {
    let quote = &new.quote;
    let mut moved = vec![(
        EntryKind::Authorization,
        quote.charge(),
        &authorized.charge,
        format!("authorization:{}", new.id),
    )];
    if let Some(deposit) = &authorized.deposit {
        moved.push((
            EntryKind::DepositHold,
            quote.deposit,
            deposit,
            format!("deposit_hold:{}", new.id),
        ));
    }
    moved
        .into_iter()
        .map(|(kind, amount, reference, key)| {
            let args = entry_args(new.id, kind, amount, reference, &key, at);
            (args, movement_event(new.id, kind, amount, Some(new.renter)))
        })
        .collect()
}

/// What a refusal means to the person: not theirs to do, or not possible any more.
pub(super) fn refused(refusal: Refusal) -> AppError {
    match refusal {
        Refusal::NotAllowed => AppError::Forbidden,
        Refusal::Reason(message) => AppError::validation("reason", message),
        Refusal::Input { field, message } => AppError::validation(field, message),
        other => AppError::Conflict(other.to_string()),
    }
}

fn parse_event(payload: &str) -> Result<BookingEvent, AppError> {
    serde_json::from_str(payload).map_err(|e| AppError::internal("booking event", e))
}

pub(super) fn parse_events(payloads: &[String]) -> Result<Vec<BookingEvent>, AppError> {
    payloads.iter().map(|p| parse_event(p)).collect()
}

/// Inside a write transaction: holds booking `$id` (`lock_booking_sql`) and rebuilds it from
/// its events. Evaluates to how many events it has and the booking; returns `NotFound` early.
macro_rules! held_booking {
    ($tx:ident, $lock:expr, $id:expr) => {{
        let found: Option<Uuid> = sqlx::query_scalar($lock)
            .bind($id)
            .fetch_optional(&mut *$tx)
            .await?;
        found.ok_or(AppError::NotFound)?;
        let payloads: Vec<String> = sqlx::query_scalar(
            "SELECT payload FROM booking_events WHERE booking_id = $1 ORDER BY seq",
        )
        .bind($id)
        .fetch_all(&mut *$tx)
        .await?;
        let booking = replay(&parse_events(&payloads)?)
            .map_err(|e| AppError::internal("booking events", e))?;
        (payloads.len(), booking)
    }};
}
pub(super) use held_booking;

/// Inside a write transaction: holds the listing of booking `$id` (`lock_listing_sql`), before
/// the booking itself, in the order every writer of a listing's reservations takes them.
macro_rules! held_listing_of {
    ($tx:ident, $lock:expr, $id:expr) => {{
        let listing: Option<Uuid> =
            sqlx::query_scalar("SELECT listing_id FROM bookings WHERE id = $1")
                .bind($id)
                .fetch_optional(&mut *$tx)
                .await?;
        let listing = listing.ok_or(AppError::NotFound)?;
        sqlx::query($lock).bind(listing).execute(&mut *$tx).await?;
        listing
    }};
}
pub(super) use held_listing_of;

/// The arguments of [`UPDATE_BOOKING_SQL`] for `booking` changed at `now`.
pub(super) fn update_args(booking: &Booking, now: DateTime<Utc>) -> Vec<Arg> {
    let mut update = vec![Arg::Uuid(booking.terms.id)];
    update.extend(changing_args(booking));
    let t = &booking.terms;
    update.extend([
        Arg::Time(now),
        Arg::Bool(booking.handover.overdue),
        // An extension moves the return day and the price.
        Arg::Date(t.period.to()),
        Arg::Int(t.quote.days),
        Arg::Int(t.quote.rental.minor),
        Arg::Int(t.quote.service_fee.minor),
        Arg::Int(t.quote.total.minor),
    ]);
    update
}

/// Applies `command` from `actor` at `now` to booking `id`; returns the booking after it.
pub async fn act(
    db: &Db,
    id: Uuid,
    command: &Command,
    actor: Actor,
    now: DateTime<Utc>,
) -> Result<Booking, AppError> {
    try_act(db, id, command, actor, now).await?.map_err(refused)
}

/// [`act`], with the rules' refusal as it is (nothing written), for callers that decide by it.
async fn try_act(
    db: &Db,
    id: Uuid,
    command: &Command,
    actor: Actor,
    now: DateTime<Utc>,
) -> Result<Result<Booking, Refusal>, AppError> {
    let begin = db.write_transaction_sql();
    let lock = lock_booking_sql(db);
    on_pool!(db, pool => {
        let _writer = db.writer().await?;
        let mut tx = pool.begin_with(begin).await?;
        let (logged, before) = held_booking!(tx, lock, id);
        let events = match decide(&before, command, actor, now) {
            Ok(events) => events,
            Err(refusal) => return Ok(Err(refusal)),
        };
        let after = events.iter().try_fold(before.clone(), |b, e| evolve(Some(b), e))
            .map_err(|e| AppError::internal("booking decision", e))?;
        let update = update_args(&after, now);
        bind_args!(sqlx::query(UPDATE_BOOKING_SQL), &update).execute(&mut *tx).await?;
        if before.status.holds_unit() && !after.status.holds_unit() {
            sqlx::query("DELETE FROM reservations WHERE booking_id = $1")
                .bind(id).execute(&mut *tx).await?;
        }
        let rows = event_rows(&before, &events, logged, actor, now)?;
        let sql = insert_events_sql(rows.len());
        bind_args!(sqlx::query(&sql), rows.iter().flatten()).execute(&mut *tx).await?;
        // Money follows the status: a settlement job, written with the change, moves it.
        if target(&before) != target(&after) {
            let job = NewJob::persistent(SETTLE_JOB, id.to_string(), now);
            insert_job!(&mut *tx, &job, now).await?;
        }
        // Out: the gear is marked overdue if it is not back by its due time and grace.
        if before.status == BookingStatus::Paid && after.status == BookingStatus::PickedUp {
            let job = NewJob::persistent(OVERDUE_JOB, id.to_string(), after.due_at() + GRACE);
            insert_job!(&mut *tx, &job, now).await?;
        }
        // Back: the deposit is released when the claim window closes, unless claimed.
        if let (false, Some(deadline)) = (before.claim_deadline().is_some(), after.claim_deadline()) {
            let job = NewJob::persistent(RELEASE_JOB, id.to_string(), deadline);
            insert_job!(&mut *tx, &job, now).await?;
        }
        let holds_changed = before.status.holds_unit() != after.status.holds_unit();
        let outbox = outbox_events(&after, &events, logged, actor, holds_changed);
        events::append(&mut tx, &outbox, now).await?;
        tx.commit().await?;
        events::bus::appended();
        Ok(Ok(after))
    })
}

/// Writes what its events say over booking `id`'s row and reservation (`gearshare replay
/// --apply`), in one transaction that holds the booking as `act` does. A booking that holds a
/// unit gets its reservation back as the events describe it; if another reservation took
/// those days meanwhile, that is a conflict for a person to resolve, and nothing is written.
pub async fn overwrite_row(db: &Db, id: Uuid, now: DateTime<Utc>) -> Result<(), AppError> {
    let begin = db.write_transaction_sql();
    let (lock_listing, lock) = (lock_listing_sql(db), lock_booking_sql(db));
    on_pool!(db, pool => {
        let _writer = db.writer().await?;
        let mut tx = pool.begin_with(begin).await?;
        held_listing_of!(tx, lock_listing, id);
        let (_, booking) = held_booking!(tx, lock, id);
        let update = update_args(&booking, now);
        bind_args!(sqlx::query(UPDATE_BOOKING_SQL), &update).execute(&mut *tx).await?;
        sqlx::query("DELETE FROM reservations WHERE booking_id = $1")
            .bind(id).execute(&mut *tx).await?;
        if booking.status.holds_unit() {
            let t = &booking.terms;
            let clashes: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM reservations WHERE unit_id = $1 AND starts_on < $2 AND ends_on > $3")
                .bind(t.unit).bind(reserved_until(t)).bind(t.period.from())
                .fetch_one(&mut *tx).await?;
            if clashes > 0 {
                return Err(AppError::Conflict(format!(
                    "booking {id}: its unit was reserved by someone else meanwhile"
                )));
            }
            sqlx::query(INSERT_RESERVATION_SQL)
                .bind(Uuid::new_v4()).bind(t.listing).bind(t.unit)
                .bind(t.period.from()).bind(reserved_until(t))
                .bind(t.renter).bind(now).bind(id)
                .execute(&mut *tx).await.map_err(classify)?;
        }
        tx.commit().await?;
    });
    Ok(())
}

/// A job's command: expiry lapses booking `id` if it is still unanswered, release gives its
/// deposit back if it is still unclaimed. A booking that moved on meanwhile needs nothing, so
/// a job that runs twice or late does no harm; one that runs early fails, so that the queue
/// tries again later. Answers whether the command took effect.
pub async fn run_due_command(
    db: &Db,
    id: Uuid,
    command: &Command,
    now: DateTime<Utc>,
) -> Result<bool, AppError> {
    match try_act(db, id, command, Actor::System, now).await {
        Ok(Ok(_)) => Ok(true),
        Ok(Err(Refusal::NotDue)) => Err(refused(Refusal::NotDue)),
        // Moved on meanwhile; a refusal of another kind (not allowed, bad input) is a fault.
        Ok(Err(refusal)) => match refused(refusal) {
            AppError::Conflict(_) => Ok(false),
            fault => Err(fault),
        },
        Err(AppError::NotFound) => Ok(false),
        Err(error) => Err(error),
    }
}

/// Booking `id` rebuilt from its events; `NotFound` when it has none.
pub async fn booking_of(db: &Db, id: Uuid) -> Result<Booking, AppError> {
    let events: Vec<BookingEvent> = events_of(db, id)
        .await?
        .into_iter()
        .map(|(_, event)| event)
        .collect();
    if events.is_empty() {
        return Err(AppError::NotFound);
    }
    replay(&events).map_err(|e| AppError::internal("booking events", e))
}

/// Every booking's events in order, for `replay` and the timeline.
pub async fn events_of(db: &Db, id: Uuid) -> Result<Vec<(DateTime<Utc>, BookingEvent)>, AppError> {
    let rows: Vec<(DateTime<Utc>, String)> = on_pool!(db, pool => sqlx::query_as(
        "SELECT at, payload FROM booking_events WHERE booking_id = $1 ORDER BY seq")
        .bind(id).fetch_all(pool).await)?;
    rows.into_iter()
        .map(|(at, payload)| Ok((at, parse_event(&payload)?)))
        .collect()
}
