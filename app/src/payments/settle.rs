//! Settlement (server only): makes a booking's money follow its status. A status change
//! writes a settlement job in its own transaction, so the money moves even when the provider
//! is down at that moment; the person's request also tries it at once, so usually it has
//! moved by the time the page reloads. Each provider call has a key of its own per payment
//! (one capture, one void, one refund, ...), so two settlements running at once, or one run
//! again after its answer was lost, move the money once.

use super::gateway::{GatewayError, PaymentGateway, Purpose};
use super::ledger::{self, Call, Entry};
use super::unused::{authorize_key, hold_key};
use crate::bookings::service::{act, booking_of};
use crate::db::Db;
use crate::domain::booking::{Actor, Booking, Command};
use crate::domain::card::Card;
use crate::domain::ledger::{plan, target, EntryKind, Position, Step};
use crate::domain::{BookingStatus, Money, Quote};
use crate::error::AppError;
use chrono::{DateTime, Utc};
use uuid::Uuid;

/// The job that settles a booking's money; its payload is the booking id.
pub const SETTLE_JOB: &str = "settle_payment";

/// A provider error, as the person who caused the call should read it.
pub fn payment_problem(error: GatewayError) -> AppError {
    match error {
        GatewayError::Declined(decline) => AppError::validation("card_number", decline.message()),
        GatewayError::Unavailable(cause) => {
            tracing::warn!(%cause, "payment provider unavailable");
            AppError::PaymentUnavailable
        }
        GatewayError::Rejected(cause) => AppError::internal("payment provider", cause),
        // A form sent again with other details; or two settlements that planned differently,
        // and the job's next try plans again from what the ledger says.
        GatewayError::KeyReused(_) => {
            AppError::Conflict(crate::bookings::service::FORM_USED.into())
        }
    }
}

/// The authorisations a request made: the rental and fee, and the deposit hold if any.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Authorized {
    pub charge: String,
    pub deposit: Option<String>,
    pub card_last4: String,
}

/// Authorises `quote`'s rental and fee and holds its deposit on `card`, under keys of the
/// call `attempt` (the retries of one call share them; a new call gets new ones). If the hold
/// fails after the charge was authorised, the charge is released again: nothing stays
/// authorised.
pub async fn authorize_request<G: PaymentGateway>(
    gateway: &G,
    attempt: Uuid,
    quote: &Quote,
    card: &Card,
) -> Result<Authorized, GatewayError> {
    let charge = gateway
        .authorize(
            &authorize_key(attempt),
            Purpose::Rental,
            quote.charge(),
            card,
        )
        .await?;
    let deposit = if quote.deposit.minor > 0 {
        let hold = gateway
            .hold_deposit(&hold_key(attempt), quote.deposit, card)
            .await;
        match hold {
            Ok(reference) => Some(reference),
            Err(error) => {
                release_quietly(gateway, &charge).await;
                return Err(error);
            }
        }
    } else {
        None
    };
    Ok(Authorized {
        charge,
        deposit,
        card_last4: card.last4().to_owned(),
    })
}

/// Authorises `amount` of rental and fee on `card` under the key of the call `attempt`: a
/// request's charge, or an extension's.
pub async fn authorize_charge<G: PaymentGateway>(
    gateway: &G,
    attempt: Uuid,
    amount: Money,
    card: &Card,
) -> Result<String, AppError> {
    gateway
        .authorize(&authorize_key(attempt), Purpose::Rental, amount, card)
        .await
        .map_err(payment_problem)
}

/// Releases an authorisation no booking will use. If the provider cannot be reached, the
/// authorisation lapses at the provider after some days anyway; the failure is logged and
/// `gearshare reconcile` lists it.
pub async fn release_quietly<G: PaymentGateway>(gateway: &G, reference: &str) {
    if let Err(error) = release(gateway, reference).await {
        tracing::warn!(%error, reference, "could not release an unused authorisation");
    }
}

/// Voids `reference` under the one key its release has, whoever asks for it.
pub async fn release<G: PaymentGateway>(gateway: &G, reference: &str) -> Result<i64, GatewayError> {
    gateway
        .void(&format!("release:{reference}"), reference)
        .await
}

/// The booking and its ledger as they are now. The entries are read first: a change that
/// adds an authorisation (an extension) writes its entry with its event, so the events read
/// after are at least as new, and a settlement never sees a payment its booking does not yet
/// ask for (and voids it).
async fn load(db: &Db, id: Uuid) -> Result<(Booking, Vec<Entry>), AppError> {
    let entries = ledger::entries(db, id).await?;
    Ok((booking_of(db, id).await?, entries))
}

/// Brings booking `id`'s money to where its status says, and marks an accepted booking Paid
/// once its charge is captured. An error leaves the rest for the settlement job's next try.
pub async fn settle<G: PaymentGateway>(
    db: &Db,
    gateway: &G,
    id: Uuid,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    // Calls whose answer was lost go again first, as they were; then what the status asks.
    // The fee and payout are planned only once the money steps are done: a later round.
    for _ in 0..3 {
        let (booking, entries) = load(db, id).await?;
        let mut calls = ledger::unanswered_calls(db, id).await?;
        if calls.is_empty() {
            calls = planned_calls(&booking, &entries)
                .into_iter()
                .map(|call| (call_key(id, &call), call))
                .collect();
        }
        if calls.is_empty() {
            break;
        }
        for (key, call) in calls {
            perform(db, gateway, &booking, &key, call, now).await?;
        }
    }
    let (booking, entries) = load(db, id).await?;
    let captured_minor = ledger::position(&entries).captured;
    // Checked here first so that a capture still waiting (an outage) costs no write; the state
    // machine checks it again under the booking's lock.
    if booking.status == BookingStatus::Accepted
        && captured_minor >= booking.terms.quote.charge().minor
    {
        match act(
            db,
            id,
            &Command::ConfirmPayment { captured_minor },
            Actor::System,
            now,
        )
        .await
        {
            // An extension or a cancellation came meanwhile: a later settlement captures or
            // refunds.
            Ok(_) | Err(AppError::Conflict(_)) => {}
            Err(error) => return Err(error),
        }
    }
    Ok(())
}

/// What the booking's status asks of its payments, as calls on them.
fn planned_calls(booking: &Booking, entries: &[Entry]) -> Vec<Call> {
    let payments = ledger::payments(entries);
    let positions: Vec<Position> = payments.iter().map(|(_, p)| *p).collect();
    plan(&positions, &target(booking))
        .into_iter()
        .map(|planned| Call {
            payment_ref: planned
                .payment
                .map_or_else(String::new, |index| payments[index].0.to_owned()),
            step: planned.step,
        })
        .collect()
}

/// The provider key of `call`: each kind of call happens once per payment, and each record
/// once per booking (`id`).
fn call_key(id: Uuid, call: &Call) -> String {
    let kind = match call.step {
        Step::Capture { .. } => "capture",
        Step::Void { .. } => "void",
        Step::Refund { .. } => "refund",
        Step::CaptureDeposit { .. } => "deposit-capture",
        Step::ReleaseDeposit { .. } => "deposit-release",
        Step::Record { kind, .. } => return format!("{}:{id}", kind.as_str()),
    };
    format!("{kind}:{}", call.payment_ref)
}

async fn perform<G: PaymentGateway>(
    db: &Db,
    gateway: &G,
    booking: &Booking,
    key: &str,
    call: Call,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let id = booking.terms.id;
    let currency = booking.terms.quote.total.currency;
    let step = call.step;
    let reference = call.payment_ref.as_str();
    if !matches!(step, Step::Record { .. }) {
        ledger::begin_call(db, id, key, &call, now).await?;
    }
    let moved = match step {
        Step::Capture { amount, .. } => {
            let done = gateway
                .capture(key, reference, amount)
                .await
                .map_err(payment_problem)?;
            vec![
                (EntryKind::Capture, done.captured),
                (EntryKind::Void, done.released),
            ]
        }
        Step::Void { .. } => {
            let released = gateway
                .void(key, reference)
                .await
                .map_err(payment_problem)?;
            vec![(EntryKind::Void, released)]
        }
        Step::Refund { amount } => {
            let refunded = gateway
                .refund(key, reference, amount)
                .await
                .map_err(payment_problem)?;
            vec![(EntryKind::Refund, refunded)]
        }
        Step::CaptureDeposit { amount, .. } => {
            let done = gateway
                .capture_deposit(key, reference, amount)
                .await
                .map_err(payment_problem)?;
            vec![
                (EntryKind::DepositCapture, done.captured),
                (EntryKind::DepositRelease, done.released),
            ]
        }
        Step::ReleaseDeposit { .. } => {
            let released = gateway
                .release_deposit(key, reference)
                .await
                .map_err(payment_problem)?;
            vec![(EntryKind::DepositRelease, released)]
        }
        Step::Record { kind, amount } => vec![(kind, amount)],
    };
    ledger::record(db, id, currency, reference, key, &moved, now).await
}

/// The booking page's lines for `entries`, without GearShare's internal split for the renter.
pub fn lines(entries: &[Entry], show_split: bool) -> Vec<super::model::PaymentLine> {
    entries
        .iter()
        .filter(|e| show_split || !matches!(e.kind, EntryKind::ServiceFee | EntryKind::OwnerPayout))
        .map(|e| super::model::PaymentLine {
            at: e.at,
            label: e.kind.label().to_owned(),
            amount: e.amount,
        })
        .collect()
}
