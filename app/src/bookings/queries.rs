//! What the booking pages read (server only). Lists read the bookings table; one booking's
//! page reads its events too, because the actions it offers are the state machine's answer.

use super::model::{
    BookingAction, BookingLine, BookingView, LateNotice, PendingRequest, RenterRecord,
    RequestsOverview, TimelineEntry,
};
use super::service::{actor_of, events_of};
use super::store::LineRow;
use crate::accounts::model::CurrentUser;
use crate::domain::booking::{
    allowed, cancellation_outcome, extendable, replay, Booking, BookingEvent, Command, Step,
};
use crate::domain::cancellation::Refund;
use crate::domain::ledger::Position;
use crate::domain::{BookingId, UserId};
use crate::domain::{BookingStatus, Money, Party, RentalPeriod};
use crate::error::AppError;
use crate::listings::store::read::currency;
use crate::store::{Db, Text};
use chrono::{DateTime, NaiveDate, Utc};

/// What the ledger holds for each booking of a list (none for one never charged).
type Charged = std::collections::HashMap<BookingId, Position>;

/// The ledger positions of the bookings of `rows`, in one read for the whole list.
async fn charged<'r>(
    db: &Db,
    rows: impl Iterator<Item = &'r LineRow>,
) -> Result<Charged, AppError> {
    let ids: Vec<BookingId> = rows.map(|row| row.id).collect();
    crate::payments::ledger::positions(db, &ids).await
}

/// `rows` as the lines of a list.
async fn lines(db: &Db, rows: Vec<LineRow>) -> Result<Vec<BookingLine>, AppError> {
    let charged = charged(db, rows.iter()).await?;
    rows.into_iter()
        .map(|row| row.into_line(&charged))
        .collect()
}

impl LineRow {
    fn into_line(self, charged: &Charged) -> Result<BookingLine, AppError> {
        let currency = currency(&self.currency)?;
        let Text(status) = self.status;
        // What the card gave (rental, fee, extensions and any deposit kept) and got back.
        let position = charged.get(&self.id).copied().unwrap_or_default();
        Ok(BookingLine {
            id: self.id,
            listing_id: self.listing_id,
            listing_title: self.listing_title,
            period: RentalPeriod::new(self.starts_on, self.ends_on)
                .map_err(|e| AppError::internal("booking period", e))?,
            status,
            total: Money::new(self.total_minor, currency),
            captured: Money::new(position.captured + position.deposit_captured, currency),
            refunded: Money::new(position.refunded, currency),
            counterpart: self.counterpart,
            at_risk: self.at_risk
                && matches!(status, BookingStatus::Accepted | BookingStatus::Paid),
            time_zone: self.time_zone,
            overdue: self.overdue,
        })
    }
}

/// The renter's bookings, the latest pickup first.
pub async fn renter_bookings(db: &Db, renter: UserId) -> Result<Vec<BookingLine>, AppError> {
    lines(db, db.renter_booking_rows(renter).await?).await
}

/// The owner's unanswered requests (soonest deadline first), and accepted bookings not yet
/// returned.
pub async fn owner_requests(
    db: &Db,
    owner: UserId,
    today: NaiveDate,
) -> Result<RequestsOverview, AppError> {
    let (pending, upcoming) = db.owner_request_rows(owner, today).await?;
    let ids: Vec<BookingId> = pending.iter().map(|row| row.line.id).collect();
    let mut notes = crate::messages::service::request_notes(db, &ids).await?;
    let charged = charged(db, pending.iter().map(|row| &row.line)).await?;
    Ok(RequestsOverview {
        pending: pending
            .into_iter()
            .map(|row| {
                let currency = currency(&row.line.currency)?;
                let note = notes.remove(&row.line.id);
                Ok(PendingRequest {
                    booking: row.line.into_line(&charged)?,
                    unit_label: row.unit_label,
                    rental: Money::new(row.rental_minor, currency),
                    expires_at: row.expires_at,
                    renter: row.renter_id,
                    renter_rating: crate::listings::model::Rating {
                        count: row.renter_rating_count,
                        sum: row.renter_rating_sum,
                    },
                    renter_record: RenterRecord {
                        since: row.renter_since,
                        completed: row.renter_completed,
                        returned: row.renter_returned,
                        returned_late: row.renter_returned_late,
                        claims: row.renter_claims,
                    },
                    note,
                })
            })
            .collect::<Result<_, AppError>>()?,
        upcoming: lines(db, upcoming).await?,
    })
}

/// The owner's bookings whose gear is overdue, the longest overdue first.
pub async fn owner_overdue(db: &Db, owner: UserId) -> Result<Vec<BookingLine>, AppError> {
    lines(db, db.owner_overdue_rows(owner).await?).await
}

/// The bookings that hold a unit of `owner`'s on some day of `[from, to)`, the latest first
/// (at most [`super::model::MOST_HOLDS`]).
pub async fn owner_holds(
    db: &Db,
    owner: UserId,
    (from, to): (NaiveDate, NaiveDate),
) -> Result<Vec<super::model::UnitHold>, AppError> {
    db.owner_hold_rows(owner, (from, to))
        .await?
        .into_iter()
        .map(|row| {
            let Text(status) = row.status;
            Ok(super::model::UnitHold {
                booking: row.id,
                unit: row.unit_id,
                status,
                renter: row.renter,
                period: RentalPeriod::new(row.starts_on, row.ends_on)
                    .map_err(|e| AppError::internal("booking period", e))?,
                held_until: row.held_until,
                rental: Money::new(row.rental_minor, currency(&row.currency)?),
            })
        })
        .collect()
}

/// The requests made of `owner` in `[since, until)` and their first answers, the earliest
/// first.
pub async fn owner_answers(
    db: &Db,
    owner: UserId,
    (since, until): (DateTime<Utc>, DateTime<Utc>),
) -> Result<Vec<super::model::RequestAnswer>, AppError> {
    Ok(db
        .owner_answer_rows(owner, (since, until))
        .await?
        .into_iter()
        .map(|row| {
            let answer = match row.answer.as_deref() {
                Some("accepted") => Some(BookingStatus::Accepted),
                Some("declined") => Some(BookingStatus::Declined),
                Some("expired") => Some(BookingStatus::Expired),
                _ => None,
            };
            super::model::RequestAnswer {
                asked_at: row.asked_at,
                answer: answer.zip(row.answered_at),
            }
        })
        .collect())
}

/// Bookings as admins filter them, the newest first, with their owners' names.
pub async fn for_admins(
    db: &Db,
    filter: &super::store::AdminFilter,
) -> Result<Vec<super::model::AdminBookingLine>, AppError> {
    let rows = db.admin_booking_rows(filter).await?;
    let charged = charged(db, rows.iter().map(|row| &row.line)).await?;
    rows.into_iter()
        .map(|row| {
            Ok(super::model::AdminBookingLine {
                owner: row.owner_name,
                line: row.line.into_line(&charged)?,
            })
        })
        .collect()
}

/// The disputed bookings as `admin` sees them, the longest waiting first (at most `limit`).
pub async fn disputes(
    db: &Db,
    admin: &CurrentUser,
    limit: i64,
    now: DateTime<Utc>,
) -> Result<Vec<BookingView>, AppError> {
    let mut views = Vec::new();
    for id in db.disputed_ids(limit).await? {
        views.push(view(db, admin, id, now).await?);
    }
    Ok(views)
}

/// The late fee so far, while the gear is overdue or once it came back late.
fn late_notice(booking: &Booking, now: DateTime<Utc>) -> Option<LateNotice> {
    let still_out = booking.handover.overdue && booking.status == BookingStatus::PickedUp;
    let fee = booking.late_fee(now);
    (still_out || (booking.handover.returned_at.is_some() && fee.minor > 0)).then(|| LateNotice {
        due_at: booking.due_at(),
        per_day: Money::new(booking.terms.late_fee_per_day_minor, fee.currency),
        fee,
        still_out,
    })
}

/// What cancelling now does to the money, in a sentence for the side about to cancel.
fn cancel_sentence(booking: &Booking, party: Party, refund: Refund) -> String {
    let quote = &booking.terms.quote;
    let paid = quote.charge();
    let back = Money::new(refund.total_minor(), paid.currency);
    // Before the payment is taken the card is only authorised: nothing comes back, it is let go.
    let charged = booking.status == BookingStatus::Paid;
    let deposit = if quote.deposit.minor > 0 {
        format!(" The {} deposit hold is released too.", quote.deposit)
    } else {
        String::new()
    };
    match party {
        Party::Renter if back == paid && charged => {
            format!("You get all {paid} back.{deposit}")
        }
        Party::Renter if back == paid => {
            format!("Nothing is charged: the {paid} authorised on your card is released.{deposit}")
        }
        Party::Renter => {
            let kept = Money::new(paid.minor - back.minor, paid.currency);
            format!(
                "Under the {} cancellation policy you get {back} of {paid} back, and {kept} is \
                 kept.{deposit}",
                booking.terms.policy.label()
            )
        }
        Party::Owner => format!(
            "The renter gets all {paid} back and you earn nothing from this booking; the unit \
             is free again for those dates."
        ),
        Party::Admin | Party::System => format!(
            "The renter gets all {paid} back: a cancellation by GearShare refunds in full, \
             whatever the policy.{deposit}"
        ),
    }
}

/// "Waiting for the owner to confirm the pickup.", when one side has confirmed a handover.
fn waiting_for(booking: &Booking) -> Option<String> {
    let (step, confirmed) = match booking.status {
        BookingStatus::Paid => ("pickup", &booking.handover.pickup_by),
        BookingStatus::PickedUp => ("return", &booking.handover.return_by),
        _ => return None,
    };
    let other = match confirmed.as_slice() {
        [Party::Renter] => "the owner",
        [Party::Owner] => "the renter",
        _ => return None,
    };
    Some(format!("Waiting for {other} to confirm the {step}."))
}

/// Booking `id` as `viewer` sees it; `Forbidden` unless they rent it, own it or are an admin.
pub async fn view(
    db: &Db,
    viewer: &CurrentUser,
    id: BookingId,
    now: DateTime<Utc>,
) -> Result<BookingView, AppError> {
    let row = db.booking_view_row(id).await?.ok_or(AppError::NotFound)?;
    let events = events_of(db, id).await?;
    let booking = replay(&events.iter().map(|(_, e)| e.clone()).collect::<Vec<_>>())
        .map_err(|e| AppError::internal("booking events", e))?;
    let actor = actor_of(viewer);
    let viewer_party = actor.party(&booking).ok_or(AppError::Forbidden)?;
    let actions = allowed(&booking, actor, now)
        .into_iter()
        .map(|command| match command {
            Command::Accept => BookingAction::Accept,
            Command::Decline { .. } => BookingAction::Decline,
            Command::ConfirmHandover {
                step: Step::Pickup, ..
            } => BookingAction::ConfirmPickup,
            Command::ConfirmHandover { .. } => BookingAction::ConfirmReturn,
            Command::ClaimDamage { .. } => BookingAction::ClaimDamage,
            Command::ResolveDispute { .. } => BookingAction::ResolveDispute,
            _ => BookingAction::Cancel,
        })
        .chain(
            (viewer_party == Party::Renter && extendable(&booking, now).is_ok())
                .then_some(BookingAction::Extend),
        )
        .collect();
    let handing_over = matches!(
        booking.status,
        BookingStatus::Paid | BookingStatus::PickedUp
    );
    let checklist = match booking.terms.included.is_empty() {
        _ if !handing_over => Vec::new(),
        true => vec!["The gear as the listing describes it".to_owned()],
        false => booking.terms.included.clone(),
    };
    let owner_name = row.line.counterpart.clone();
    let at_risk = row.line.at_risk;
    let entries = crate::payments::ledger::entries(db, id).await?;
    let charged = Charged::from([(id, crate::payments::ledger::position(&entries))]);
    let mut line = row.line.into_line(&charged)?;
    // The events decide; the row is their projection, written in the same transaction.
    line.status = booking.status;
    let quote = &booking.terms.quote;
    let shows_pickup = booking.status.holds_unit() && booking.status != BookingStatus::Requested;
    Ok(BookingView {
        line,
        viewer: viewer_party,
        renter_name: row.renter_name,
        owner_name,
        unit_label: row.unit_label,
        rental: quote.rental,
        service_fee: quote.service_fee,
        deposit: quote.deposit,
        policy_summary: format!(
            "{}: {}",
            booking.terms.policy.label(),
            booking.terms.policy.summary()
        ),
        pickup_instructions: shows_pickup.then_some(row.pickup_instructions),
        decline_reason: booking.decline_reason.clone(),
        expires_at: (booking.status == BookingStatus::Requested)
            .then_some(booking.terms.expires_at),
        timeline: timeline(&events),
        actions,
        payments: crate::payments::settle::lines(&entries, viewer_party != Party::Renter),
        card_last4: matches!(viewer_party, Party::Renter | Party::Admin)
            .then_some(row.card_last4)
            .flatten(),
        checklist,
        waiting_for: waiting_for(&booking),
        claim_deadline: (booking.status == BookingStatus::Returned)
            .then(|| booking.claim_deadline())
            .flatten(),
        claim: booking.handover.claim.clone(),
        resolution: booking.handover.resolution.clone(),
        late: late_notice(&booking, now),
        at_risk: at_risk
            && matches!(
                booking.status,
                BookingStatus::Accepted | BookingStatus::Paid
            ),
        photos: super::photos::photos_of(db, id).await?,
        photo_stage: crate::domain::evidence::photo_stage(&booking, viewer_party).ok(),
        cancel_outcome: cancellation_outcome(&booking, actor, now)
            .map(|refund| cancel_sentence(&booking, viewer_party, refund)),
    })
}

/// The booking's events in sentences, each told whether the card had been charged yet.
fn timeline(events: &[(DateTime<Utc>, BookingEvent)]) -> Vec<TimelineEntry> {
    let mut charged = false;
    events
        .iter()
        .map(|(at, event)| {
            let text = event.describe(charged);
            charged |= matches!(event, BookingEvent::Paid { .. });
            TimelineEntry { at: *at, text }
        })
        .collect()
}
