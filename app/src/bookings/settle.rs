//! Settlement (server only): makes a booking's money follow its status. A status change
//! writes a settlement job in its own transaction, so the money moves even when the provider
//! is down at that moment; the person's request also tries it at once, so usually it has
//! moved by the time the page reloads. Each provider call has a key of its own per payment
//! (one capture, one void, one refund, ...), so two settlements running at once, or one run
//! again after its answer was lost, move the money once.

use super::service::{booking_of, party_copies, refused, try_act};
use crate::domain::booking::{Actor, Booking, Command};
use crate::domain::ledger::{plan, target, EntryKind, Position, Step};
use crate::domain::BookingId;
use crate::domain::BookingStatus;
use crate::error::AppError;
use crate::payments::gateway::PaymentGateway;
use crate::payments::ledger::{self, Call, Entry};
use crate::payments::settle::payment_problem;
use crate::store::Db;
use chrono::{DateTime, Utc};

/// The job that settles a booking's money; its payload is the booking id.
pub const SETTLE_JOB: &str = "settle_payment";

/// The booking and its ledger as they are now. The entries are read first: a change that
/// adds an authorisation (an extension) writes its entry with its event, so the events read
/// after are at least as new, and a settlement never sees a payment its booking does not yet
/// ask for (and voids it).
async fn load(db: &Db, id: BookingId) -> Result<(Booking, Vec<Entry>), AppError> {
    let entries = ledger::entries(db, id).await?;
    Ok((booking_of(db, id).await?, entries))
}

/// Brings booking `id`'s money to where its status says, and marks an accepted booking Paid
/// once its charge is captured. An error leaves the rest for the settlement job's next try.
pub async fn settle<G: PaymentGateway>(
    db: &Db,
    gateway: &G,
    id: BookingId,
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
        let command = Command::ConfirmPayment { captured_minor };
        match try_act(db, id, &command, Actor::System, now).await? {
            Ok(_) => {}
            // An extension or a cancellation came meanwhile: a later settlement captures or
            // refunds.
            Err(refusal) if refusal.is_moved_on() => {}
            Err(refusal) => return Err(refused(refusal)),
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
fn call_key(id: BookingId, call: &Call) -> String {
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
    // Money often moves after the status change that asked for it (a deposit released, a
    // void after a cancellation): the parties' open pages hear of it too.
    let copies = party_copies(booking, None, &[]);
    ledger::record(db, id, currency, reference, key, (&moved, &copies), now).await
}
