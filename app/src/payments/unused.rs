//! Authorisations no booking uses (server only). A request authorises the card before its
//! write transaction, so a process that dies between the two, or an answer lost on the way
//! back, leaves money held on a card with nothing in the ledger. Before it authorises, a call
//! writes a guard: a job, due some minutes later, that finds the payments its keys made and
//! releases each one no ledger entry names. The transaction that records the payments
//! deletes the guard with them, so a booking that went through costs no job run.

use super::gateway::{GatewayError, PaymentGateway};
use super::settle::release;
use crate::db::Db;
use crate::error::AppError;
use crate::jobs::NewJob;
use crate::{insert_job_with_id, on_pool};
use chrono::{DateTime, Duration, Utc};
use uuid::Uuid;

/// The guard's job; its payload is the attempt's id.
pub const RELEASE_UNUSED_JOB: &str = "release_unused_payment";

/// Deletes attempt `$1`'s guard, inside the transaction that records its payments.
pub const DROP_GUARD_SQL: &str = "DELETE FROM jobs WHERE id = $1";

/// The key an attempt's rental authorisation is sent under.
pub fn authorize_key(attempt: Uuid) -> String {
    format!("authorize:{}", attempt.simple())
}

/// The key an attempt's deposit hold is sent under.
pub fn hold_key(attempt: Uuid) -> String {
    format!("hold:{}", attempt.simple())
}

/// Writes attempt `attempt`'s guard, due `wait` after `now`, before its first provider call.
/// `wait` must be longer than the call can still be running (see `AppState::payment_guard`),
/// or the guard could release what the call is about to record. The job's id is the
/// attempt's, so the recording transaction can delete it without a search.
pub async fn guard(
    db: &Db,
    attempt: Uuid,
    now: DateTime<Utc>,
    wait: Duration,
) -> Result<(), AppError> {
    let job = NewJob::persistent(RELEASE_UNUSED_JOB, attempt.to_string(), now + wait);
    on_pool!(db, pool => insert_job_with_id!(pool, attempt, &job, now).await.map(|_| ()))?;
    Ok(())
}

/// What a guard did: the payments it released.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Released(pub Vec<String>);

/// Releases every payment attempt `attempt` made that no ledger entry names. Safe to run
/// again: a release has its key per payment, and a payment already released answers so.
pub async fn release_unused<G: PaymentGateway>(
    db: &Db,
    gateway: &G,
    attempt: Uuid,
) -> Result<Released, AppError> {
    let mut released = Vec::new();
    for key in [authorize_key(attempt), hold_key(attempt)] {
        let found = gateway
            .authorized_under(&key)
            .await
            .map_err(|e| AppError::internal("finding an unused authorisation", e))?;
        let Some(reference) = found else { continue };
        let recorded: Option<i64> = on_pool!(db, pool => sqlx::query_scalar(
                "SELECT 1 FROM ledger_entries WHERE payment_ref = $1 LIMIT 1")
            .bind(&reference).fetch_optional(pool).await)?;
        if recorded.is_some() {
            continue;
        }
        match release(gateway, &reference).await {
            Ok(_) => {
                tracing::info!(%attempt, reference, "released an authorisation no booking used");
                released.push(reference);
            }
            // Spent or gone at the provider: nothing is held, and asking again cannot help.
            Err(GatewayError::Rejected(cause)) => {
                tracing::warn!(%attempt, reference, %cause, "an unused authorisation is not open");
            }
            Err(error) => {
                return Err(AppError::internal(
                    "releasing an unused authorisation",
                    error,
                ))
            }
        }
    }
    Ok(Released(released))
}
