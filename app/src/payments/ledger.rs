//! The ledger's rows (server only): reading a booking's entries and recording movements.
//! A movement is recorded under its idempotency key, so recording it again changes nothing.

use crate::db::{Arg, Db};
use crate::domain::ledger::{by_payment, EntryKind, Position, Step};
use crate::domain::{Currency, Money};
use crate::error::AppError;
use crate::events::{NewEvent, Stream};
use crate::{bind_args, on_pool};
use chrono::{DateTime, Utc};
use uuid::Uuid;

pub const INSERT_ENTRY_SQL: &str = "INSERT INTO ledger_entries (booking_id, kind, amount_minor, \
     currency, payment_ref, idempotency_key, at) VALUES ($1, $2, $3, $4, $5, $6, $7) \
     ON CONFLICT (idempotency_key) DO NOTHING";

/// The event of a movement the ledger recorded, on its booking's stream: what moved and how
/// much, never the provider's reference. `actor`: who caused it, when a member did.
pub fn movement_event(
    booking: Uuid,
    kind: EntryKind,
    amount: Money,
    actor: Option<Uuid>,
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

/// The arguments of [`INSERT_ENTRY_SQL`]: `amount` of `kind` for `booking`, named `key`.
pub fn entry_args(
    booking: Uuid,
    kind: EntryKind,
    amount: Money,
    payment_ref: &str,
    key: &str,
    at: DateTime<Utc>,
) -> Vec<Arg> {
    vec![
        Arg::Uuid(booking),
        Arg::Text(kind.as_str().to_owned()),
        Arg::Int(amount.minor),
        Arg::Text(amount.currency.code().to_owned()),
        Arg::Text(payment_ref.to_owned()),
        Arg::Text(key.to_owned()),
        Arg::Time(at),
    ]
}

type EntryRow = (String, i64, String, String, DateTime<Utc>);

fn entry(row: EntryRow) -> Result<Entry, AppError> {
    let (kind, minor, currency, payment_ref, at) = row;
    let kind = EntryKind::parse(&kind)
        .ok_or_else(|| AppError::internal("ledger", format!("unknown entry kind {kind:?}")))?;
    let currency = Currency::parse(&currency)
        .ok_or_else(|| AppError::internal("ledger", format!("unknown currency {currency:?}")))?;
    Ok(Entry {
        kind,
        amount: Money::new(minor, currency),
        payment_ref,
        at,
    })
}

/// Booking `id`'s entries, oldest first.
pub async fn entries(db: &Db, id: Uuid) -> Result<Vec<Entry>, AppError> {
    let rows: Vec<EntryRow> = on_pool!(db, pool => sqlx::query_as(
        "SELECT kind, amount_minor, currency, payment_ref, at FROM ledger_entries \
         WHERE booking_id = $1 ORDER BY id")
        .bind(id).fetch_all(pool).await)?;
    rows.into_iter().map(entry).collect()
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
    booking: Uuid,
    key: &str,
    call: &Call,
    at: DateTime<Utc>,
) -> Result<(), AppError> {
    let step = serde_json::to_string(call).map_err(|e| AppError::internal("payment call", e))?;
    on_pool!(db, pool => sqlx::query(
        "INSERT INTO payment_calls (idempotency_key, booking_id, step, created_at) \
         VALUES ($1, $2, $3, $4) ON CONFLICT (idempotency_key) DO NOTHING")
        .bind(key).bind(booking).bind(step).bind(at).execute(pool).await.map(|_| ()))?;
    Ok(())
}

/// The calls of `booking` that went to the provider and whose answer was never recorded,
/// with the keys they went under. (The `step` column holds a [`Call`]; before extensions it
/// held a bare step, and such a row, unanswered across the upgrade, is refused here.)
pub async fn unanswered_calls(db: &Db, booking: Uuid) -> Result<Vec<(String, Call)>, AppError> {
    let rows: Vec<(String, String)> = on_pool!(db, pool => sqlx::query_as(
        "SELECT idempotency_key, step FROM payment_calls WHERE booking_id = $1 ORDER BY created_at")
        .bind(booking).fetch_all(pool).await)?;
    rows.into_iter()
        .map(|(key, call)| {
            let call =
                serde_json::from_str(&call).map_err(|e| AppError::internal("payment call", e))?;
            Ok((key, call))
        })
        .collect()
}

/// Records what one provider call did: `moved` entries (zero amounts left out), the first
/// under `key`, each later one under `key` and its kind; and that the call is answered.
pub async fn record(
    db: &Db,
    booking: Uuid,
    currency: Currency,
    payment_ref: &str,
    key: &str,
    moved: &[(EntryKind, i64)],
    at: DateTime<Utc>,
) -> Result<(), AppError> {
    let begin = db.write_transaction_sql();
    on_pool!(db, pool => {
        let _writer = db.writer().await?;
        let mut tx = pool.begin_with(begin).await?;
        let mut outbox = Vec::new();
        for (index, (kind, amount)) in moved.iter().enumerate().filter(|(_, (_, a))| *a > 0) {
            let key = if index == 0 { key.to_owned() } else { format!("{key}:{}", kind.as_str()) };
            let amount = Money::new(*amount, currency);
            let args = entry_args(booking, *kind, amount, payment_ref, &key, at);
            let done = bind_args!(sqlx::query(INSERT_ENTRY_SQL), &args).execute(&mut *tx).await?;
            // Recorded before: its event went with it.
            if done.rows_affected() == 1 {
                outbox.push(movement_event(booking, *kind, amount, None));
            }
        }
        sqlx::query("DELETE FROM payment_calls WHERE idempotency_key = $1")
            .bind(key).execute(&mut *tx).await?;
        let appended = crate::events::append(&mut tx, &outbox, at).await?;
        tx.commit().await?;
        if appended.is_some() {
            crate::events::bus::appended();
        }
    });
    Ok(())
}
