//! The sandbox provider's own tables (`sandbox_payments`, `sandbox_requests`), as a real
//! provider keeps its own database: the app's storage never reads them, only the sandbox and
//! `gearshare reconcile`, which checks the ledger against the provider's records.

use crate::domain::Money;
use crate::payments::gateway::Purpose;
use crate::store::{Db, Tx};
use crate::{on_pool, on_tx};
use chrono::{DateTime, Utc};

/// A payment's amount, captured, released and refunded amounts, and status.
pub(super) type PaymentRow = (i64, i64, i64, i64, String);

/// A provider payment as the sandbox records it: reference, purpose, amount, captured,
/// released, refunded, status.
pub type SandboxPayment = (String, String, i64, i64, i64, i64, String);

pub(super) const AUTHORIZED: &str = "authorized";
pub(super) const CAPTURED: &str = "captured";

/// What recording a call's answer did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Recorded {
    Done,
    /// Another call with the key recorded its answer first.
    Raced,
}

impl Db {
    /// The answer of the authorisation made under `key`, if one was.
    pub(super) async fn sandbox_authorization(
        &self,
        key: &str,
    ) -> Result<Option<String>, sqlx::Error> {
        on_pool!(self, pool => sqlx::query_scalar(
                "SELECT answer FROM sandbox_requests \
                 WHERE idempotency_key = $1 AND operation = 'authorize'")
            .bind(key).fetch_optional(pool).await)
    }
}

impl Tx {
    /// Payment `reference`, held until the transaction ends.
    pub(super) async fn hold_sandbox_payment(
        &mut self,
        reference: &str,
    ) -> Result<Option<PaymentRow>, sqlx::Error> {
        let sql = format!(
            "SELECT amount_minor, captured_minor, released_minor, refunded_minor, status \
             FROM sandbox_payments WHERE reference = $1{}",
            self.dialect().lock_rows()
        );
        on_tx!(self, conn => sqlx::query_as(&sql).bind(reference).fetch_optional(conn).await)
    }

    /// The call recorded under `key`: its operation, fingerprint and answer.
    pub(super) async fn sandbox_request(
        &mut self,
        key: &str,
    ) -> Result<Option<(String, String, String)>, sqlx::Error> {
        on_tx!(self, conn => sqlx::query_as(
                "SELECT operation, fingerprint, answer FROM sandbox_requests \
                 WHERE idempotency_key = $1")
            .bind(key).fetch_optional(conn).await)
    }

    pub(super) async fn add_sandbox_payment(
        &mut self,
        reference: &str,
        purpose: Purpose,
        amount: Money,
        card_last4: &str,
        now: DateTime<Utc>,
    ) -> Result<(), sqlx::Error> {
        on_tx!(self, conn => sqlx::query(
                "INSERT INTO sandbox_payments (reference, purpose, currency, amount_minor, \
                 status, card_last4, created_at) VALUES ($1, $2, $3, $4, 'authorized', $5, $6)")
            .bind(reference).bind(purpose.as_str()).bind(amount.currency.code())
            .bind(amount.minor).bind(card_last4).bind(now)
            .execute(conn).await.map(|done| done.rows_affected()))?;
        Ok(())
    }

    pub(super) async fn capture_sandbox_payment(
        &mut self,
        reference: &str,
        amount: i64,
        released: i64,
    ) -> Result<(), sqlx::Error> {
        on_tx!(self, conn => sqlx::query(
                "UPDATE sandbox_payments SET captured_minor = $2, released_minor = $3, \
                 status = 'captured' WHERE reference = $1")
            .bind(reference).bind(amount).bind(released)
            .execute(conn).await.map(|done| done.rows_affected()))?;
        Ok(())
    }

    pub(super) async fn void_sandbox_payment(
        &mut self,
        reference: &str,
    ) -> Result<(), sqlx::Error> {
        on_tx!(self, conn => sqlx::query(
                "UPDATE sandbox_payments SET released_minor = amount_minor, status = 'voided' \
                 WHERE reference = $1")
            .bind(reference).execute(conn).await.map(|done| done.rows_affected()))?;
        Ok(())
    }

    pub(super) async fn refund_sandbox_payment(
        &mut self,
        reference: &str,
        amount: i64,
    ) -> Result<(), sqlx::Error> {
        on_tx!(self, conn => sqlx::query(
                "UPDATE sandbox_payments SET refunded_minor = refunded_minor + $2 \
                 WHERE reference = $1")
            .bind(reference).bind(amount).execute(conn).await.map(|done| done.rows_affected()))?;
        Ok(())
    }

    /// Records the answer of the call `key` (its operation and fingerprint).
    pub(super) async fn record_sandbox_request(
        &mut self,
        key: &str,
        (operation, fingerprint): (&str, &str),
        answer: &str,
        now: DateTime<Utc>,
    ) -> Result<Recorded, sqlx::Error> {
        let recorded = on_tx!(self, conn => sqlx::query(
                "INSERT INTO sandbox_requests (idempotency_key, operation, fingerprint, answer, \
                 created_at) VALUES ($1, $2, $3, $4, $5)")
            .bind(key).bind(operation).bind(fingerprint).bind(answer).bind(now)
            .execute(conn).await.map(|done| done.rows_affected()));
        match recorded {
            Err(sqlx::Error::Database(e)) if e.is_unique_violation() => Ok(Recorded::Raced),
            Err(error) => Err(error),
            Ok(_) => Ok(Recorded::Done),
        }
    }

    pub async fn sandbox_payment_rows(&mut self) -> Result<Vec<SandboxPayment>, sqlx::Error> {
        on_tx!(self, conn => sqlx::query_as(
                "SELECT reference, purpose, amount_minor, captured_minor, released_minor, \
                 refunded_minor, status FROM sandbox_payments")
            .fetch_all(conn).await)
    }

    /// The answers of the authorisations made under `keys`.
    pub async fn sandbox_authorizations(
        &mut self,
        keys: &[String; 2],
    ) -> Result<Vec<String>, sqlx::Error> {
        on_tx!(self, conn => sqlx::query_scalar(
                "SELECT answer FROM sandbox_requests \
                 WHERE idempotency_key IN ($1, $2) AND operation = 'authorize'")
            .bind(&keys[0]).bind(&keys[1]).fetch_all(conn).await)
    }
}
