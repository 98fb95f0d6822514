//! The ledger's rows (server only): reading a booking's entries and recording movements.
//! A movement is recorded under its idempotency key, so recording it again changes nothing.

use super::store::EntryRow;
use crate::domain::ledger::{by_payment, EntryKind, Position, Step};
use crate::domain::{BookingId, UserId};
use crate::domain::{Currency, Money};
use crate::error::AppError;
use crate::events::{NewEvent, Stream};
use crate::store::Db;
use chrono::{DateTime, Utc};

/// The event of a movement the ledger recorded, on its booking's stream: what moved and how
/// much, never the provider's reference. `actor`: who caused it, when a member did.
pub fn movement_event(
    booking: BookingId,
    kind: EntryKind,
    amount: Money,
    actor: Option<UserId>,
) -> NewEvent {
    NewEvent {
        stream: Stream::Booking(booking),
        kind: MOVEMENT,
        payload: serde_json::json!({
            "entry": kind.as_str(),
            "amount_minor": amount.minor,
            "currency": amount.currency.code(),
        }),
        actor,
    }
}

/// The kind of [`movement_event`]s.
pub const MOVEMENT: &str = "ledger_movement";

/// One row of the ledger.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    pub kind: EntryKind,
    pub amount: Money,
    pub payment_ref: String,
    pub at: DateTime<Utc>,
}

fn entry((kind, minor, currency, payment_ref, at): EntryRow) -> Entry {
    Entry {
        kind: kind.0,
        amount: Money::new(minor, currency.0),
        payment_ref,
        at,
    }
}

/// Booking `id`'s entries, oldest first.
pub async fn entries(db: &Db, id: BookingId) -> Result<Vec<Entry>, AppError> {
    Ok(db.ledger_rows(id).await?.into_iter().map(entry).collect())
}

/// The ledger positions of `bookings` (those without entries are missing), in one read: what
/// the lists of bookings show as charged.
pub async fn positions(
    db: &Db,
    bookings: &[BookingId],
) -> Result<std::collections::HashMap<BookingId, Position>, AppError> {
    let mut positions = std::collections::HashMap::new();
    for (booking, kind, sum) in db.ledger_sums(bookings).await? {
        positions
            .entry(booking)
            .or_insert_with(Position::default)
            .add(kind.0, sum);
    }
    Ok(positions)
}

pub fn position(entries: &[Entry]) -> Position {
    Position::of(entries.iter().map(|e| (e.kind, e.amount.minor)))
}

/// The booking's provider payments (its authorisations and its deposit hold) with their
/// sums, in the order they were made.
pub fn payments(entries: &[Entry]) -> Vec<(&str, Position)> {
    by_payment(
        entries
            .iter()
            .map(|e| (e.payment_ref.as_str(), e.kind, e.amount.minor)),
    )
}

/// One step for the provider, on the payment it names (none for the split, which is only
/// recorded): what the write-ahead log of calls keeps.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Call {
    pub payment_ref: String,
    pub step: Step,
}

/// Notes that the call `key` making `call` for `booking` is about to go to the provider.
pub async fn begin_call(
    db: &Db,
    booking: BookingId,
    key: &str,
    call: &Call,
    at: DateTime<Utc>,
) -> Result<(), AppError> {
    let step = serde_json::to_string(call).map_err(|e| AppError::internal("payment call", e))?;
    db.note_payment_call(booking, key, &step, at).await?;
    Ok(())
}

/// The calls of `booking` that went to the provider and whose answer was never recorded,
/// with the keys they went under. (The `step` column holds a [`Call`]; before extensions it
/// held a bare step, and such a row, unanswered across the upgrade, is refused here.)
pub async fn unanswered_calls(
    db: &Db,
    booking: BookingId,
) -> Result<Vec<(String, Call)>, AppError> {
    db.unanswered_payment_calls(booking)
        .await?
        .into_iter()
        .map(|(key, call)| {
            let call =
                serde_json::from_str(&call).map_err(|e| AppError::internal("payment call", e))?;
            Ok((key, call))
        })
        .collect()
}

/// Records what one provider call did: `moved` entries (zero amounts left out), the first
/// under `key`, each later one under `key` and its kind; and that the call is answered. When
/// anything was recorded, the `also` events go to the outbox with the movements.
pub async fn record(
    db: &Db,
    booking: BookingId,
    currency: Currency,
    payment_ref: &str,
    key: &str,
    (moved, also): (&[(EntryKind, i64)], &[NewEvent]),
    at: DateTime<Utc>,
) -> Result<(), AppError> {
    let mut tx = db.begin_write().await?;
    let mut outbox = Vec::new();
    for (index, (kind, amount)) in moved.iter().enumerate().filter(|(_, (_, a))| *a > 0) {
        let key = if index == 0 {
            key.to_owned()
        } else {
            format!("{key}:{}", kind.as_str())
        };
        let amount = Money::new(*amount, currency);
        // Recorded before: its event went with it.
        if tx
            .record_entry(booking, *kind, amount, payment_ref, &key, at)
            .await?
        {
            outbox.push(movement_event(booking, *kind, amount, None));
        }
    }
    if !outbox.is_empty() {
        outbox.extend_from_slice(also);
    }
    tx.answer_payment_call(key).await?;
    tx.append(&outbox, at).await?;
    tx.commit().await?;
    Ok(())
}
