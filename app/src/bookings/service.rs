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
use super::store::{self, EventRow, Keyed};
use crate::accounts::limits::minutes_to_wait;
use crate::accounts::model::CurrentUser;
use crate::domain::booking::{
    decide, evolve, open, replay, Actor, Booking, BookingEvent, Command, NewBooking, Refusal,
};
use crate::domain::card::Card;
use crate::domain::late::GRACE;
use crate::domain::ledger::{target, EntryKind};
use crate::domain::pricing::DateField;
use crate::domain::{
    quote, BookingStatus, CancellationPolicy, Money, Quote, QuoteError, RentalPeriod,
};
use crate::domain::{BookingId, ListingId, Party, RequestKey, UnitId, UserId};
use crate::error::AppError;
use crate::events::{self, NewEvent, Stream};
use crate::jobs::NewJob;
use crate::listings::model::ListingStatus;
use crate::listings::store::read::PriceColumns;
use crate::meters;
use crate::notifications::rules as notifications;
use crate::notifications::store::Scope;
use crate::payments::gateway::{GatewayError, PaymentGateway};
use crate::payments::ledger::movement_event;
use crate::payments::settle::{authorize_request, payment_problem, release_quietly, Authorized};
use crate::payments::unused::Guards;
use crate::store::{Db, Reserved, Text, Tx};
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
    pub listing: ListingId,
    pub period: RentalPeriod,
    /// The form's idempotency key: the same key from the same renter is the same booking.
    pub key: RequestKey,
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
    pub(super) owner_id: UserId,
    pub(super) status: Text<ListingStatus>,
    #[sqlx(flatten)]
    pub(super) prices: PriceColumns,
    pub(super) buffer_days: i64,
    pub(super) instant_booking: bool,
    pub(super) time_zone: String,
    pub(super) cancellation_policy: String,
    pub(super) included_items: String,
    pub(super) late_fee_minor: i64,
}

impl ListingTerms {
    /// Whether the listing takes bookings now (published, not paused or archived).
    pub(super) fn is_bookable(&self) -> bool {
        self.status == Text(ListingStatus::Active)
    }
}

/// A quote's refusal, next to the booking form's field it is about.
fn quote_problem(error: QuoteError) -> AppError {
    let field = error.field().map_or("booking", DateField::name);
    AppError::validation(field, error.to_string())
}

/// Why a booking request made no booking. Callers decide by the variant (the demo rentals
/// pass over a listing whose rules refuse the dates); people read it as an [`AppError`].
#[derive(Debug)]
pub enum RequestError {
    /// No such listing, or it takes no bookings now (paused, archived).
    Unbookable,
    /// The renter owns the listing.
    OwnListing,
    /// The dates break the listing's rules, or are past: said next to the field.
    Dates(QuoteError),
    /// Someone else took the last free unit for those days.
    Taken,
    /// The owner changed the price between the quote and the booking; nothing was charged.
    PriceChanged,
    /// The form's key was sent before for other dates.
    FormUsed,
    /// Too many requests waiting, sent in the hour, or declined cards.
    Limit(RequestRefusal),
    /// The card was declined or the provider failed.
    Payment(GatewayError),
    /// The database or something else of ours failed.
    Failed(AppError),
}

impl From<RequestError> for AppError {
    fn from(error: RequestError) -> Self {
        match error {
            RequestError::Unbookable => AppError::NotFound,
            RequestError::OwnListing => AppError::validation(
                "booking",
                "This is your own listing: block dates on its edit page instead.",
            ),
            RequestError::Dates(problem) => quote_problem(problem),
            RequestError::Taken => AppError::Conflict(NO_LONGER_AVAILABLE.into()),
            RequestError::PriceChanged => AppError::Conflict(PRICE_CHANGED.into()),
            RequestError::FormUsed => AppError::Conflict(FORM_USED.into()),
            RequestError::Limit(refusal) => refusal.into(),
            RequestError::Payment(error) => payment_problem(error),
            RequestError::Failed(error) => error,
        }
    }
}

impl From<RequestRefusal> for RequestError {
    fn from(refusal: RequestRefusal) -> Self {
        RequestError::Limit(refusal)
    }
}

impl From<AppError> for RequestError {
    fn from(error: AppError) -> Self {
        RequestError::Failed(error)
    }
}

impl From<sqlx::Error> for RequestError {
    fn from(error: sqlx::Error) -> Self {
        RequestError::Failed(error.into())
    }
}

/// The instant a local day starts in `time_zone` (UTC for an unknown zone; the first instant
/// after a gap when midnight does not exist there).
pub fn start_of_day(day: NaiveDate, time_zone: &str) -> DateTime<Utc> {
    local_moment(day, 0, time_zone)
}

pub use crate::calendar::local_moment;

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
) -> Result<BookingId, RequestError> {
    // Most requests for taken dates are answered from one plain read, without waiting for
    // the write lock: the dates were taken at that moment, which is all a refusal claims. (It
    // looks at the rental days only; the transaction also checks the turnaround.)
    let glance = db
        .glance(
            request.listing,
            renter.id,
            request.key,
            (request.period.from(), request.period.to()),
        )
        .await?;
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
        return Err(RequestError::Taken);
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
    guards.guard(priced.id.uuid(), now).await?;
    let authorized = match authorize_request(gateway, priced.id.uuid(), &priced.quote, card).await {
        Ok(authorized) => authorized,
        Err(error) => {
            if matches!(error, GatewayError::Declined(_)) {
                for (limit, key) in declines.iter().zip(&decline_keys) {
                    limit.record(db, key, now.timestamp()).await?;
                }
            }
            return Err(RequestError::Payment(error));
        }
    };
    let outcome = insert_booking(
        db,
        renter,
        request,
        rules,
        now,
        (priced.id.uuid(), &priced.quote, &authorized),
    )
    .await;
    if !matches!(outcome, Ok(Inserted::New(..))) {
        release_quietly(gateway, &authorized.charge).await;
        if let Some(deposit) = &authorized.deposit {
            release_quietly(gateway, deposit).await;
        }
    }
    if let Ok(Inserted::New(_, instant)) = outcome {
        meters::booking_moved(None, BookingStatus::Requested);
        if instant {
            meters::booking_moved(Some(BookingStatus::Requested), BookingStatus::Accepted);
        }
    }
    match outcome {
        Ok(Inserted::New(id, _) | Inserted::Earlier(id)) => Ok(id),
        Ok(Inserted::Raced) => keyed_booking(db, renter, request).await?.ok_or_else(|| {
            RequestError::Failed(AppError::internal(
                "booking request",
                "a duplicate key with no booking behind it",
            ))
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

/// What a request's write transaction did: made the booking, found the one an earlier
/// submission of the same form made, or lost the race to insert to it.
enum Inserted {
    /// With whether it was booked instantly (accepted at once), as the listing said then.
    New(BookingId, bool),
    Earlier(BookingId),
    /// A second submission of the form committed its booking first; nothing was written.
    Raced,
}

/// The booking an earlier submission of this form made, if it asked for the same thing.
async fn keyed_booking(
    db: &Db,
    renter: &CurrentUser,
    request: &BookingRequest,
) -> Result<Option<BookingId>, RequestError> {
    let keyed = db.keyed_booking(renter.id, request.key).await?;
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
) -> Result<NewBooking, RequestError> {
    let terms = terms
        .filter(ListingTerms::is_bookable)
        .ok_or(RequestError::Unbookable)?;
    if terms.owner_id == renter.id {
        return Err(RequestError::OwnListing);
    }
    let period = request.period;
    let today = crate::listings::store::read::local_today(now, &terms.time_zone);
    let quote = quote(
        &terms.prices.prices()?,
        period.from(),
        period.to(),
        today,
        rules.service_fee_bps,
    )
    .map_err(RequestError::Dates)?;
    let pickup_at = start_of_day(period.from(), &terms.time_zone);
    Ok(NewBooking {
        id: BookingId::new(),
        listing: request.listing,
        // Chosen inside the transaction.
        unit: UnitId::from_uuid(Uuid::nil()),
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

/// The booking an earlier submission of this form made, if it asked for the same thing. A
/// key reused for other dates (a stale tab, a tampered form) is refused rather than answered
/// with a booking the person did not ask for.
fn earlier_booking(
    keyed: Option<Keyed>,
    listing: ListingId,
    period: RentalPeriod,
) -> Result<Option<BookingId>, RequestError> {
    match keyed {
        None => Ok(None),
        Some((id, l, from, to)) if l == listing && from == period.from() && to == period.to() => {
            Ok(Some(id))
        }
        Some(_) => Err(RequestError::FormUsed),
    }
}

/// The owner changed the prices between the card's authorisation and the booking.
pub const PRICE_CHANGED: &str =
    "The owner changed the price while you were booking, and nothing was charged. Check the new total and try again.";

pub use crate::payments::settle::FORM_USED;

/// The last day the unit is busy (exclusive): the return day plus the owner's turnaround.
pub fn reserved_until(terms: &NewBooking) -> NaiveDate {
    terms.period.to() + Duration::days(terms.buffer_days)
}

/// The rows of `events`, numbered after the `already` events the booking has.
pub(super) fn event_rows(
    booking: &Booking,
    events: &[BookingEvent],
    already: usize,
    actor: Actor,
    at: DateTime<Utc>,
) -> Result<Vec<EventRow>, AppError> {
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
            Ok(EventRow {
                booking: booking.terms.id,
                seq: (already + i + 1) as i64,
                kind: event.kind(),
                actor: actor_id,
                role,
                payload,
                at,
            })
        })
        .collect()
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
    if !events.is_empty() {
        let changes: Vec<&'static str> = events.iter().map(BookingEvent::kind).collect();
        outbox.append(&mut party_copies(after, actor, &changes));
    }
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

/// Each party's copy of a change to booking `after` on their own stream, once per change: what
/// their open pages follow (a status change, or money that moved afterwards) and webhooks
/// announce (`changes`, the booking events' kinds; none when only money moved).
pub(super) fn party_copies(
    after: &Booking,
    actor: Option<UserId>,
    changes: &[&'static str],
) -> Vec<NewEvent> {
    let t = &after.terms;
    [(t.renter, Party::Renter), (t.owner, Party::Owner)]
        .into_iter()
        .map(|(member, role)| NewEvent {
            stream: Stream::User(member),
            kind: events::BOOKING,
            payload: serde_json::json!({
                "booking": t.id,
                "status": after.status.as_str(),
                "role": role.as_str(),
                "events": changes,
            }),
            actor,
        })
        .collect()
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
) -> Result<Inserted, RequestError> {
    let mut tx = db.begin_write().await?;
    let terms = tx.listing_terms(request.listing).await?;
    let mut new = new_booking(terms, renter, request, rules, now)?;
    let days = (new.period.from(), reserved_until(&new));
    let (earlier, unit) = tx
        .earlier_and_free_unit((renter.id, request.key), new.listing, days)
        .await?;
    // A second submission that waited for the first one's transaction finds its booking
    // here, rather than a unit the first one just took.
    if earlier.is_some() {
        let keyed = tx.keyed_booking(renter.id, request.key).await?;
        if let Some(earlier) = earlier_booking(keyed, new.listing, new.period)? {
            return Ok(Inserted::Earlier(earlier));
        }
    }
    new.unit = unit.ok_or(RequestError::Taken)?;
    if !new.instant {
        // One renter's requests for different listings hold different listing locks: their
        // count is taken under a lock of the renter's, after the listing's, in the one
        // order every writer takes them.
        tx.lock_name(&format!("renter:{}", renter.id)).await?;
        within_open_requests(tx.open_requests(renter.id).await?, rules.limits)?;
    }
    if &new.quote != authorized_quote {
        return Err(RequestError::PriceChanged);
    }
    let id = new.id;
    let events = open(new.clone());
    let booking = replay(&events).map_err(|e| AppError::internal("new booking", e))?;
    let inserted = tx
        .insert_booking(&booking, request.key, &authorized.card_last4, now)
        .await?;
    if inserted == store::Inserted::KeyTaken {
        return Ok(Inserted::Raced);
    }
    if tx.reserve(&new, days, renter.id, now).await? == Reserved::Clashed {
        return Err(RequestError::Taken);
    }
    tx.add_booking_events(&event_rows(&booking, &events, 0, actor_of(renter), now)?)
        .await?;
    tx.continue_inquiry(new.listing, renter.id, id).await?;
    let mut movements = Vec::new();
    for (kind, amount, reference, key) in authorization_entries(&new, authorized) {
        tx.record_entry(id, kind, amount, reference, &key, now)
            .await?;
        movements.push(movement_event(id, kind, amount, Some(new.renter)));
    }
    tx.drop_job(attempt).await?;
    let job = if new.instant {
        NewJob::persistent(SETTLE_JOB, id.to_string(), now)
    } else {
        NewJob::once(EXPIRE_JOB, id.to_string(), new.expires_at)
    };
    tx.enqueue(&job, now).await?;
    super::reminders::schedule(&mut tx, &booking, now).await?;
    let mut outbox = outbox_events(&booking, &events, 0, actor_of(renter), true);
    outbox.append(&mut movements);
    outbox.extend(
        tx.notify(&notifications::of_booking(&booking, &events, 0), now)
            .await?,
    );
    tx.append(&outbox, now).await?;
    tx.commit().await?;
    Ok(Inserted::New(id, new.instant))
}

/// The ledger's first entries of a new booking, its authorisation and its deposit hold: kind,
/// amount, the provider's reference and the entry's key.
fn authorization_entries<'a>(
    new: &NewBooking,
    authorized: &'a Authorized,
) -> Vec<(EntryKind, Money, &'a str, String)> {
    let quote = &new.quote;
    let mut moved = vec![(
        EntryKind::Authorization,
        quote.charge(),
        authorized.charge.as_str(),
        format!("authorization:{}", new.id),
    )];
    if let Some(deposit) = &authorized.deposit {
        moved.push((
            EntryKind::DepositHold,
            quote.deposit,
            deposit.as_str(),
            format!("deposit_hold:{}", new.id),
        ));
    }
    moved
}

/// What a refusal means to the person: not theirs to do, or not possible any more.
pub fn refused(refusal: Refusal) -> AppError {
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

/// Holds booking `id` in `tx` and rebuilds it from its events: how many events it has and the
/// booking; `NotFound` when there is none.
pub(super) async fn hold(tx: &mut Tx, id: BookingId) -> Result<(usize, Booking), AppError> {
    let payloads = tx.hold_booking(id).await?.ok_or(AppError::NotFound)?;
    let booking =
        replay(&parse_events(&payloads)?).map_err(|e| AppError::internal("booking events", e))?;
    Ok((payloads.len(), booking))
}

/// Applies `command` from `actor` at `now` to booking `id`; returns the booking after it.
pub async fn act(
    db: &Db,
    id: BookingId,
    command: &Command,
    actor: Actor,
    now: DateTime<Utc>,
) -> Result<Booking, AppError> {
    try_act(db, id, command, actor, now).await?.map_err(refused)
}

/// [`act`], with the rules' refusal as it is (nothing written), for callers that decide by it.
pub async fn try_act(
    db: &Db,
    id: BookingId,
    command: &Command,
    actor: Actor,
    now: DateTime<Utc>,
) -> Result<Result<Booking, Refusal>, AppError> {
    let mut tx = db.begin_write().await?;
    let (logged, before) = hold(&mut tx, id).await?;
    let events = match decide(&before, command, actor, now) {
        Ok(events) => events,
        Err(refusal) => return Ok(Err(refusal)),
    };
    // Each status the events pass through counts in /metrics, the ones in between too.
    let mut moves = Vec::new();
    let after = events
        .iter()
        .try_fold(before.clone(), |b, e| {
            let from = b.status;
            let next = evolve(Some(b), e)?;
            if next.status != from {
                moves.push((from, next.status));
            }
            Ok::<_, crate::domain::booking::ReplayError>(next)
        })
        .map_err(|e| AppError::internal("booking decision", e))?;
    tx.update_booking(&after, now).await?;
    if before.status.holds_unit() && !after.status.holds_unit() {
        tx.release_unit(id).await?;
    }
    tx.add_booking_events(&event_rows(&before, &events, logged, actor, now)?)
        .await?;
    // An admin acting on other people's booking (an operator's cancellation with its full
    // refund, a decision on a claim) is in the audit log too, with the change.
    if let (Some(Party::Admin), Actor::Member { user, .. }) = (actor.party(&before), actor) {
        use crate::accounts::audit::{AuditEvent, AuditKind, Client};
        let audit = AuditEvent::new(
            AuditKind::BookingActedOn,
            Some(user),
            Some(before.renter),
            &Client::current(),
        )
        .with_detail(serde_json::json!({
            "booking": id,
            "from": before.status.as_str(),
            "to": after.status.as_str(),
        }));
        tx.record_audit(&audit, now).await?;
    }
    // Money follows the status: a settlement job, written with the change, moves it.
    if target(&before) != target(&after) {
        let job = NewJob::persistent(SETTLE_JOB, id.to_string(), now);
        tx.enqueue(&job, now).await?;
    }
    // Out: the gear is marked overdue if it is not back by its due time and grace.
    if before.status == BookingStatus::Paid && after.status == BookingStatus::PickedUp {
        let job = NewJob::persistent(OVERDUE_JOB, id.to_string(), after.due_at() + GRACE);
        tx.enqueue(&job, now).await?;
    }
    // Back: the deposit is released when the claim window closes, unless claimed.
    if let (false, Some(deadline)) = (before.claim_deadline().is_some(), after.claim_deadline()) {
        let job = NewJob::persistent(RELEASE_JOB, id.to_string(), deadline);
        tx.enqueue(&job, now).await?;
    }
    // Ended before its time: nothing left to remind anyone of.
    if matches!(
        after.status,
        BookingStatus::Declined | BookingStatus::Expired | BookingStatus::Cancelled
    ) && before.status != after.status
    {
        super::reminders::drop_all(&mut tx, id).await?;
    }
    let holds_changed = before.status.holds_unit() != after.status.holds_unit();
    let mut outbox = outbox_events(&after, &events, logged, actor, holds_changed);
    outbox.extend(
        tx.notify(&notifications::of_booking(&after, &events, logged), now)
            .await?,
    );
    // Acting on a booking is reading what one was told about it.
    if let Actor::Member { user, .. } = actor {
        let read = tx.read_notifications(user, Scope::Booking(id), now).await?;
        outbox.extend(read);
    }
    tx.append(&outbox, now).await?;
    tx.commit().await?;
    for &(from, to) in &moves {
        meters::booking_moved(Some(from), to);
        if (from, to) == (BookingStatus::Requested, BookingStatus::Accepted) {
            // A figure, not part of the change: a failed read only leaves this one out.
            if let Ok(Some(requested)) = db.requested_at(id).await {
                meters::request_accepted_after((now - requested).to_std().unwrap_or_default());
            }
        }
    }
    Ok(Ok(after))
}

/// Writes what its events say over booking `id`'s row and reservation (`gearshare replay
/// --apply`), in one transaction that holds the booking as `act` does. A booking that holds a
/// unit gets its reservation back as the events describe it; if another reservation took
/// those days meanwhile, that is a conflict for a person to resolve, and nothing is written.
pub async fn overwrite_row(db: &Db, id: BookingId, now: DateTime<Utc>) -> Result<(), AppError> {
    let mut tx = db.begin_write().await?;
    tx.hold_listing_of(id).await?.ok_or(AppError::NotFound)?;
    let (_, booking) = hold(&mut tx, id).await?;
    tx.update_booking(&booking, now).await?;
    tx.release_unit(id).await?;
    if booking.status.holds_unit() {
        let t = &booking.terms;
        let days = (t.period.from(), reserved_until(t));
        if tx.reservations_of_unit(t.unit, days).await? > 0 {
            return Err(AppError::Conflict(format!(
                "booking {id}: its unit was reserved by someone else meanwhile"
            )));
        }
        if tx.reserve(t, days, t.renter, now).await? == Reserved::Clashed {
            return Err(AppError::Conflict(NO_LONGER_AVAILABLE.into()));
        }
    }
    tx.commit().await?;
    Ok(())
}

/// A job's command: expiry lapses booking `id` if it is still unanswered, release gives its
/// deposit back if it is still unclaimed. A booking that moved on meanwhile needs nothing, so
/// a job that runs twice or late does no harm; one that runs early fails, so that the queue
/// tries again later. Answers whether the command took effect.
pub async fn run_due_command(
    db: &Db,
    id: BookingId,
    command: &Command,
    now: DateTime<Utc>,
) -> Result<bool, AppError> {
    match try_act(db, id, command, Actor::System, now).await {
        Ok(Ok(_)) => Ok(true),
        Ok(Err(Refusal::NotDue)) => Err(refused(Refusal::NotDue)),
        // Moved on meanwhile; a refusal of another kind (not allowed, bad input) is a fault.
        Ok(Err(refusal)) if refusal.is_moved_on() => Ok(false),
        Ok(Err(refusal)) => Err(refused(refusal)),
        Err(AppError::NotFound) => Ok(false),
        Err(error) => Err(error),
    }
}

/// Booking `id` rebuilt from its events; `NotFound` when it has none.
pub async fn booking_of(db: &Db, id: BookingId) -> Result<Booking, AppError> {
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
pub async fn events_of(
    db: &Db,
    id: BookingId,
) -> Result<Vec<(DateTime<Utc>, BookingEvent)>, AppError> {
    db.booking_event_rows(id)
        .await?
        .into_iter()
        .map(|(at, payload)| Ok((at, parse_event(&payload)?)))
        .collect()
}
