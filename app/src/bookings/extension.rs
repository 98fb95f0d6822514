//! Extensions (server only): the renter keeps the gear longer, on the same unit. The booking's
//! reservation grows in place, so the unit's other bookings and blocks decide. The write
//! transaction holds the listing, as every writer of its reservations does, and checks the
//! unit's other reservations on both backends, so both refuse with the same sentence naming
//! the first taken day; PostgreSQL's exclusion constraint still refuses an overlapping row
//! should anything get past that. Like a request, the card is authorised for the difference
//! before the write transaction and released if it refuses.

use super::model::{ExtensionOffer, ExtensionPage};
use super::service::{
    actor_of, due_at, event_rows, hold, outbox_events, refused, BookingRules, ListingTerms,
    FORM_USED, OVERDUE_JOB, PRICE_CHANGED,
};
use super::settle::SETTLE_JOB;
use crate::accounts::model::CurrentUser;
use crate::domain::booking::{
    decide, evolve, extendable, Booking, Command, ExtensionMark, Refusal,
};
use crate::domain::card::Card;
use crate::domain::extension::{price_extension, Extension, ExtensionError};
use crate::domain::ledger::{target, EntryKind};
use crate::domain::{day_text, Party};
use crate::domain::{BookingId, RequestKey};
use crate::error::AppError;
use crate::jobs::NewJob;
use crate::payments::gateway::PaymentGateway;
use crate::payments::ledger::movement_event;
use crate::payments::settle::{authorize_charge, release_quietly};
use crate::payments::unused::Guards;
use crate::store::{Db, Reserved};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use uuid::Uuid;

/// The renter's extension, as the form sent it.
#[derive(Clone, Copy, Debug)]
pub struct ExtensionRequest {
    pub booking: BookingId,
    /// The new return day.
    pub to: NaiveDate,
    /// The form's idempotency key: sent twice, it extends once.
    pub key: RequestKey,
}

/// The days the unit would be held to return it on `to`: from the pickup day to the new
/// return day and the turnaround after it (the booking's own reservation aside).
fn wanted_days(booking: &Booking, to: NaiveDate) -> (NaiveDate, NaiveDate) {
    (
        booking.terms.period.from(),
        to + Duration::days(booking.terms.buffer_days),
    )
}

/// Why an extension extended nothing. Callers decide by the variant; people read it as an
/// [`AppError`].
#[derive(Debug)]
pub enum ExtendError {
    /// The renter's own booking only: its other parties may look at it but not extend it.
    NotRenters,
    /// No such booking, for this renter (anyone else learns nothing), or no such listing.
    Missing,
    /// The booking's state refuses it (not picked up yet, already returned, …).
    Refused(Refusal),
    /// The owner paused the listing.
    Paused,
    /// The new return day breaks the listing's rules: said next to the field.
    Dates(ExtensionError),
    /// Another booking or an owner's block holds the unit from `from`; `latest` is the last
    /// return day that would still fit, if any is later than today's.
    Taken {
        from: NaiveDate,
        latest: Option<NaiveDate>,
    },
    /// PostgreSQL's exclusion constraint refused the grown reservation, and a read now no
    /// longer sees what held the days.
    Clashed,
    /// The extension costs something and the form had no card.
    NoCard,
    /// The form's key was used before for another return day.
    FormUsed,
    /// Another window extended the booking between this one's price and its payment.
    ExtendedMeanwhile,
    /// The owner changed the price between the quote and the payment.
    PriceChanged,
    /// The card was declined, the provider failed, or the database did.
    Failed(AppError),
}

/// Another window extended the booking between this one's price and its payment.
const EXTENDED_MEANWHILE: &str = "This booking was extended meanwhile, in another window, and nothing was charged. Reload to see its dates and price.";

impl From<ExtendError> for AppError {
    fn from(error: ExtendError) -> Self {
        match error {
            ExtendError::NotRenters => AppError::Forbidden,
            ExtendError::Missing => AppError::NotFound,
            ExtendError::Refused(refusal) => refused(refusal),
            ExtendError::Paused => AppError::Conflict(
                "The owner has paused this listing, so it can't be extended now. Ask the owner."
                    .into(),
            ),
            ExtendError::Dates(problem) => {
                AppError::validation(problem.field().unwrap_or("booking"), problem.to_string())
            }
            ExtendError::Taken { from, latest } => {
                let from = day_text(from);
                AppError::Conflict(match latest {
                    Some(latest) => format!(
                        "Your unit is not available from {from}, so you can extend until {} at the latest.",
                        day_text(latest)
                    ),
                    None => format!(
                        "Your unit is not available from {from}, so this booking can't be extended."
                    ),
                })
            }
            ExtendError::Clashed => AppError::Conflict(CLASH.into()),
            ExtendError::NoCard => AppError::validation(
                "card_number",
                "Enter the card that pays for the extra days.",
            ),
            ExtendError::FormUsed => AppError::Conflict(FORM_USED.into()),
            ExtendError::ExtendedMeanwhile => AppError::Conflict(EXTENDED_MEANWHILE.into()),
            ExtendError::PriceChanged => AppError::Conflict(PRICE_CHANGED.into()),
            ExtendError::Failed(error) => error,
        }
    }
}

impl From<AppError> for ExtendError {
    fn from(error: AppError) -> Self {
        ExtendError::Failed(error)
    }
}

impl From<sqlx::Error> for ExtendError {
    fn from(error: sqlx::Error) -> Self {
        ExtendError::Failed(error.into())
    }
}

/// The refusal when another booking or an owner's block holds the unit from `first_taken`,
/// with the latest return day that would still fit.
fn taken(booking: &Booking, first_taken: NaiveDate) -> ExtendError {
    let latest = first_taken - Duration::days(booking.terms.buffer_days);
    ExtendError::Taken {
        from: first_taken,
        latest: (latest > booking.terms.period.to()).then_some(latest),
    }
}

/// The form's key came back with another day: a stale or altered form, answered no.
fn form_used_for(mark: &ExtensionMark, request: &ExtensionRequest) -> Result<(), ExtendError> {
    if mark.to == request.to {
        Ok(())
    } else {
        Err(ExtendError::FormUsed)
    }
}

/// The booking the renter wants to extend, if `renter` is its renter: its other parties may
/// look at it but not extend it, and anyone else learns nothing.
async fn renters_booking(
    db: &Db,
    renter: &CurrentUser,
    id: BookingId,
) -> Result<Booking, ExtendError> {
    let booking = match super::service::booking_of(db, id).await {
        Err(AppError::NotFound) => return Err(ExtendError::Missing),
        read => read?,
    };
    match actor_of(renter).party(&booking) {
        Some(Party::Renter) => Ok(booking),
        Some(_) => Err(ExtendError::NotRenters),
        None => Err(ExtendError::Missing),
    }
}

/// The listing's terms of today, if it still takes bookings.
fn open_terms(terms: Option<ListingTerms>) -> Result<ListingTerms, ExtendError> {
    match terms {
        Some(terms) if terms.is_bookable() => Ok(terms),
        Some(_) => Err(ExtendError::Paused),
        None => Err(ExtendError::Missing),
    }
}

fn priced(
    booking: &Booking,
    terms: &ListingTerms,
    to: NaiveDate,
    rules: BookingRules,
) -> Result<Extension, ExtendError> {
    price_extension(
        &booking.terms.quote,
        booking.terms.period,
        to,
        &terms.prices.prices()?,
        rules.service_fee_bps,
    )
    .map_err(ExtendError::Dates)
}

/// What extending the renter's `booking` to `to` costs now, by the listing's prices of
/// today; or why it can't be extended (not now, dates the listing's rules refuse, the unit
/// taken). A plain read: the extension's transaction checks all of it again.
async fn price_now(
    db: &Db,
    booking: &Booking,
    to: NaiveDate,
    rules: BookingRules,
    now: DateTime<Utc>,
) -> Result<Extension, ExtendError> {
    let id = booking.terms.id;
    extendable(booking, now).map_err(ExtendError::Refused)?;
    let terms = db.listing_terms(booking.terms.listing).await?;
    let extension = priced(booking, &open_terms(terms)?, to, rules)?;
    let (from, until) = wanted_days(booking, to);
    let first_taken = db
        .first_taken_day(booking.terms.unit, id, (from, until))
        .await?;
    match first_taken {
        Some(day) => Err(taken(booking, day)),
        None => Ok(extension),
    }
}

/// Extends booking `request.booking` to `request.to`, charging the difference to `card` (not
/// needed when the extension costs nothing). A form sent again changes nothing more.
pub async fn extend<G: PaymentGateway>(
    db: &Db,
    (gateway, guards): (&G, &Guards),
    renter: &CurrentUser,
    request: &ExtensionRequest,
    card: Option<&Card>,
    rules: BookingRules,
    now: DateTime<Utc>,
) -> Result<(), ExtendError> {
    let booking = renters_booking(db, renter, request.booking).await?;
    if let Some(mark) = booking.extensions.iter().find(|m| m.key == request.key) {
        return form_used_for(mark, request);
    }
    let extension = price_now(db, &booking, request.to, rules, now).await?;
    let authorized = match (extension.charge.minor, card) {
        (0, _) => None,
        (_, None) => return Err(ExtendError::NoCard),
        // Keys of this call's own, as for a request: a form sent twice authorises twice, and
        // the submission that finds the extension made releases its own.
        (_, Some(card)) => {
            let attempt = Uuid::new_v4();
            guards.guard(attempt, now).await?;
            let reference = authorize_charge(gateway, attempt, extension.charge, card).await?;
            Some((attempt, reference))
        }
    };
    let outcome = write(
        db,
        renter,
        request,
        rules,
        now,
        (
            booking.terms.period.to(),
            &extension,
            authorized.as_ref().map(|(a, r)| (*a, r.as_str())),
        ),
    )
    .await;
    if !matches!(outcome, Ok(Written::New)) {
        if let Some((_, reference)) = &authorized {
            release_quietly(gateway, reference).await;
        }
    }
    match outcome {
        Ok(Written::New | Written::Earlier) => Ok(()),
        // PostgreSQL's constraint refused the grown reservation (the check before it should
        // have): say from when, as a read now sees it.
        Ok(Written::Clashed) => {
            let again = price_now(db, &booking, request.to, rules, now).await;
            Err(again.err().unwrap_or(ExtendError::Clashed))
        }
        Err(error) => Err(error),
    }
}

/// What the write transaction did: extended the booking, found this form's extension, or
/// met another reservation of the unit on the new days (PostgreSQL's exclusion constraint;
/// nothing was written).
enum Written {
    New,
    Earlier,
    Clashed,
}

/// Another reservation of the unit overlaps the grown one (PostgreSQL's exclusion constraint).
const CLASH: &str = "Your unit is not available on those days, so this booking can't be extended.";

/// The extension's write transaction: the listing held as every writer of its reservations
/// holds it; the booking held and decided on; the reservation grown; the row, events, the
/// authorisation's ledger entry and the jobs written together. `seen` is the return day the
/// renter's price was made for.
async fn write(
    db: &Db,
    renter: &CurrentUser,
    request: &ExtensionRequest,
    rules: BookingRules,
    now: DateTime<Utc>,
    (seen, extension, authorization): (NaiveDate, &Extension, Option<(Uuid, &str)>),
) -> Result<Written, ExtendError> {
    let id = request.booking;
    let mut tx = db.begin_write().await?;
    let listing = tx.hold_listing_of(id).await?.ok_or(ExtendError::Missing)?;
    let (logged, before) = hold(&mut tx, id).await?;
    if let Some(mark) = before.extensions.iter().find(|m| m.key == request.key) {
        form_used_for(mark, request)?;
        return Ok(Written::Earlier);
    }
    if before.terms.period.to() != seen {
        return Err(ExtendError::ExtendedMeanwhile);
    }
    let terms = open_terms(tx.listing_terms(listing).await?)?;
    if priced(&before, &terms, request.to, rules)? != *extension {
        return Err(ExtendError::PriceChanged);
    }
    let command = Command::Extend {
        extension: extension.clone(),
        // In the zone the booking was made in (older bookings: the listing's of today).
        due_at: due_at(
            request.to,
            before
                .terms
                .time_zone
                .as_deref()
                .unwrap_or(&terms.time_zone),
        ),
        key: request.key,
    };
    let events = decide(&before, &command, actor_of(renter), now).map_err(ExtendError::Refused)?;
    let after = events
        .iter()
        .try_fold(before.clone(), |b, e| evolve(Some(b), e))
        .map_err(|e| AppError::internal("booking decision", e))?;
    let (from, until) = wanted_days(&before, request.to);
    // The same refusal, naming the first taken day, on both backends: every writer of this
    // unit's reservations holds the listing, so the check cannot be overtaken; PostgreSQL's
    // exclusion constraint stays the last word.
    let first_taken = tx
        .first_taken_day(before.terms.unit, id, (from, until))
        .await?;
    if let Some(day) = first_taken {
        return Err(taken(&before, day));
    }
    if tx.grow_reservation(id, until).await? == Reserved::Clashed {
        return Ok(Written::Clashed);
    }
    tx.update_booking(&after, now).await?;
    tx.add_booking_events(&event_rows(
        &before,
        &events,
        logged,
        actor_of(renter),
        now,
    )?)
    .await?;
    let mut movements = Vec::new();
    if let Some((attempt, reference)) = authorization {
        let key = format!("authorization:{id}:{}", request.key);
        let charge = extension.charge;
        tx.record_entry(id, EntryKind::Authorization, charge, reference, &key, now)
            .await?;
        tx.drop_job(attempt).await?;
        movements.push(movement_event(
            id,
            EntryKind::Authorization,
            charge,
            Some(renter.id),
        ));
    }
    if target(&before) != target(&after) {
        let job = NewJob::persistent(SETTLE_JOB, id.to_string(), now);
        tx.enqueue(&job, now).await?;
    }
    let overdue_at = after.due_at() + crate::domain::late::GRACE;
    tx.reschedule(OVERDUE_JOB, &id.to_string(), overdue_at)
        .await?;
    super::reminders::move_return(&mut tx, &after, now).await?;
    let mut outbox = outbox_events(&after, &events, logged, actor_of(renter), true);
    outbox.append(&mut movements);
    let notices = crate::notifications::rules::of_booking(&after, &events, logged);
    outbox.extend(tx.notify(&notices, now).await?);
    let scope = crate::notifications::store::Scope::Booking(id);
    outbox.extend(tx.read_notifications(renter.id, scope, now).await?);
    tx.append(&outbox, now).await?;
    tx.commit().await?;
    Ok(Written::New)
}

/// The extend page for the renter of booking `id`, with the return day `to` (an ISO date, or
/// empty before one is picked) priced.
pub async fn page(
    db: &Db,
    renter: &CurrentUser,
    id: BookingId,
    to: &str,
    rules: BookingRules,
    now: DateTime<Utc>,
) -> Result<ExtensionPage, AppError> {
    let booking = renters_booking(db, renter, id)
        .await
        .map_err(AppError::from)?;
    let listing_title = db
        .listing_title(booking.terms.listing)
        .await?
        .ok_or(AppError::NotFound)?;
    let closed = extendable(&booking, now)
        .err()
        .map(|refusal| refusal.to_string());
    let offer = match (closed.is_some(), to.trim()) {
        (true, _) | (false, "") => None,
        (false, to) => Some(match crate::domain::parse_iso_date(to) {
            None => Err(AppError::validation("to", "Pick the new return date.")),
            Some(to) => price_now(db, &booking, to, rules, now)
                .await
                .map(|extension| offer(&booking, &extension))
                .map_err(AppError::from),
        }),
    };
    Ok(ExtensionPage {
        booking: id,
        listing_title,
        current: booking.terms.period,
        closed,
        offer,
        key: RequestKey::new(),
    })
}

fn offer(booking: &Booking, extension: &Extension) -> ExtensionOffer {
    let quote = &extension.quote;
    ExtensionOffer {
        extended: crate::domain::RentalPeriod::new(booking.terms.period.from(), extension.to)
            .unwrap_or(booking.terms.period),
        rental: quote.rental,
        service_fee: quote.service_fee,
        charge: extension.charge,
        deposit: quote.deposit,
    }
}
