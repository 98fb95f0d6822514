//! The SQL of the payments tables this app writes: the ledger (`ledger_entries`) and the
//! write-ahead log of provider calls (`payment_calls`). The sandbox provider keeps its own
//! tables in `sandbox.rs`, as a real provider keeps its own database.

use crate::domain::ledger::EntryKind;
use crate::domain::BookingId;
use crate::domain::{Currency, Money};
use crate::store::{Db, Text, Tx};
use crate::{on_pool, on_tx};
use chrono::{DateTime, Utc};

/// Writes a ledger row, once per idempotency key.
const INSERT_ENTRY_SQL: &str = "INSERT INTO ledger_entries (booking_id, kind, amount_minor, \
     currency, payment_ref, idempotency_key, at) VALUES ($1, $2, $3, $4, $5, $6, $7) \
     ON CONFLICT (idempotency_key) DO NOTHING";

/// A ledger row as stored: kind, amount, currency, the provider's reference, time.
pub(super) type EntryRow = (Text<EntryKind>, i64, Text<Currency>, String, DateTime<Utc>);

impl Db {
    /// The sums of `bookings`' ledger rows by booking and kind, in one read.
    pub(super) async fn ledger_sums(
        &self,
        bookings: &[BookingId],
    ) -> Result<Vec<(BookingId, Text<EntryKind>, i64)>, sqlx::Error> {
        self.rows_for_bookings(
            "SELECT booking_id, kind, CAST(SUM(amount_minor) AS BIGINT) FROM ledger_entries \
             WHERE booking_id IN ({ids}) GROUP BY booking_id, kind",
            bookings,
        )
        .await
    }

    /// Booking `id`'s ledger rows, oldest first.
    pub(super) async fn ledger_rows(&self, id: BookingId) -> Result<Vec<EntryRow>, sqlx::Error> {
        on_pool!(self, pool => sqlx::query_as(
            "SELECT kind, amount_minor, currency, payment_ref, at FROM ledger_entries \
             WHERE booking_id = $1 ORDER BY id")
            .bind(id).fetch_all(pool).await)
    }

    /// Whether any ledger row names the provider's payment `reference`.
    pub(super) async fn payment_recorded(&self, reference: &str) -> Result<bool, sqlx::Error> {
        let found: Option<i64> = on_pool!(self, pool => sqlx::query_scalar(
                "SELECT 1 FROM ledger_entries WHERE payment_ref = $1 LIMIT 1")
            .bind(reference).fetch_optional(pool).await)?;
        Ok(found.is_some())
    }

    /// Notes the call `key` (its `step`, JSON) for `booking` before it goes to the provider.
    pub(super) async fn note_payment_call(
        &self,
        booking: BookingId,
        key: &str,
        step: &str,
        at: DateTime<Utc>,
    ) -> Result<(), sqlx::Error> {
        on_pool!(self, pool => sqlx::query(
            "INSERT INTO payment_calls (idempotency_key, booking_id, step, created_at) \
             VALUES ($1, $2, $3, $4) ON CONFLICT (idempotency_key) DO NOTHING")
            .bind(key).bind(booking).bind(step).bind(at).execute(pool).await.map(|done| done.rows_affected()))?;
        Ok(())
    }

    /// The calls of `booking` noted and not yet answered: their keys and steps (JSON).
    pub(super) async fn unanswered_payment_calls(
        &self,
        booking: BookingId,
    ) -> Result<Vec<(String, String)>, sqlx::Error> {
        on_pool!(self, pool => sqlx::query_as(
            "SELECT idempotency_key, step FROM payment_calls WHERE booking_id = $1 \
             ORDER BY created_at")
            .bind(booking).fetch_all(pool).await)
    }
}

impl Tx {
    /// Writes `amount` of `kind` for `booking` under `key`; false when a row with that key
    /// was written before (and nothing changed).
    pub async fn record_entry(
        &mut self,
        booking: BookingId,
        kind: EntryKind,
        amount: Money,
        payment_ref: &str,
        key: &str,
        at: DateTime<Utc>,
    ) -> Result<bool, sqlx::Error> {
        let done = on_tx!(self, conn => sqlx::query(INSERT_ENTRY_SQL)
            .bind(booking)
            .bind(Text(kind))
            .bind(amount.minor)
            .bind(Text(amount.currency))
            .bind(payment_ref)
            .bind(key)
            .bind(at)
            .execute(conn).await.map(|done| done.rows_affected()))?;
        Ok(done == 1)
    }

    /// Marks the provider call `key` answered.
    pub async fn answer_payment_call(&mut self, key: &str) -> Result<(), sqlx::Error> {
        on_tx!(self, conn => sqlx::query("DELETE FROM payment_calls WHERE idempotency_key = $1")
            .bind(key).execute(conn).await.map(|done| done.rows_affected()))?;
        Ok(())
    }
}

impl Tx {
    /// Every ledger row as `(booking, kind, amount, payment reference)`, oldest first.
    pub async fn all_ledger_rows(
        &mut self,
    ) -> Result<Vec<(BookingId, String, i64, String)>, sqlx::Error> {
        on_tx!(self, conn => sqlx::query_as(
                "SELECT booking_id, kind, amount_minor, payment_ref FROM ledger_entries ORDER BY id")
            .fetch_all(conn).await)
    }

    /// The bookings with provider calls made or about to be made whose answers the ledger
    /// does not record yet: mid-settlement.
    pub async fn bookings_with_unanswered_calls(&mut self) -> Result<Vec<BookingId>, sqlx::Error> {
        on_tx!(self, conn => sqlx::query_scalar(
                "SELECT DISTINCT booking_id FROM payment_calls")
            .fetch_all(conn).await)
    }
}

crate::stored_text!(EntryKind, "ledger entry kind");

// Stored as its ISO code.
crate::stored_text!(Currency, "currency", code);
