//! Authorisations no booking uses (server only). A request authorises the card before its
//! write transaction, so a process that dies between the two, or an answer lost on the way
//! back, leaves money held on a card with nothing in the ledger. Before it authorises, a call
//! writes a guard: a job, due some minutes later, that finds the payments its keys made and
//! releases each one no ledger entry names. The transaction that records the payments
//! deletes the guard with them, so a booking that went through costs no job run.

use super::gateway::{GatewayError, PaymentGateway};
use super::settle::release;
use crate::error::AppError;
use crate::jobs::NewJob;
use crate::store::Db;
use chrono::{DateTime, Duration, Utc};
use std::sync::OnceLock;
use tokio::sync::{mpsc, oneshot};
use uuid::Uuid;

/// The guard's job; its payload is the attempt's id.
pub const RELEASE_UNUSED_JOB: &str = "release_unused_payment";

/// The key an attempt's rental authorisation is sent under.
pub fn authorize_key(attempt: Uuid) -> String {
    format!("authorize:{}", attempt.simple())
}

/// The key an attempt's deposit hold is sent under.
pub fn hold_key(attempt: Uuid) -> String {
    format!("hold:{}", attempt.simple())
}

/// Guards one write transaction takes at most.
const GUARDS_PER_WRITE: usize = 256;

/// Calls waiting for their guard, beyond which a caller waits to queue.
const GUARDS_QUEUED: usize = 1024;

/// Writes guards, many calls' at once: every request that authorises writes one, and on
/// SQLite each write transaction waits for the one before, so calls that arrive while a
/// batch is being written share the next transaction instead of queueing one each.
#[derive(Debug)]
pub struct Guards {
    db: Db,
    wait: Duration,
    queue: OnceLock<mpsc::Sender<Pending>>,
}

struct Pending {
    attempt: Uuid,
    now: DateTime<Utc>,
    written: oneshot::Sender<bool>,
}

impl Guards {
    /// Guards on `db` that come due `wait` after they are written. `wait` must be longer
    /// than a call can still be running (see `AppState::payment_guards`), or a guard could
    /// release what its call is about to record.
    pub fn new(db: Db, wait: Duration) -> Self {
        Self {
            db,
            wait,
            queue: OnceLock::new(),
        }
    }

    pub fn wait(&self) -> Duration {
        self.wait
    }

    /// Writes attempt `attempt`'s guard, due `wait` after `now`, before its first provider
    /// call; answers once it is committed. The job's id is the attempt's, so the recording
    /// transaction can delete it without a search.
    pub async fn guard(&self, attempt: Uuid, now: DateTime<Utc>) -> Result<(), AppError> {
        // The writer starts with the first guard, on the runtime that serves it.
        let queue = self.queue.get_or_init(|| {
            let (sender, receiver) = mpsc::channel(GUARDS_QUEUED);
            tokio::spawn(write_guards(self.db.clone(), self.wait, receiver));
            sender
        });
        let (written, answer) = oneshot::channel();
        let pending = Pending {
            attempt,
            now,
            written,
        };
        let stopped = || AppError::internal("writing a payment guard", "the writer stopped");
        queue.send(pending).await.map_err(|_| stopped())?;
        match answer.await {
            Ok(true) => Ok(()),
            Ok(false) => Err(AppError::internal(
                "writing a payment guard",
                "the database refused it",
            )),
            Err(_) => Err(stopped()),
        }
    }
}

/// Takes whatever guards are waiting, writes them in one transaction and tells each caller.
async fn write_guards(db: Db, wait: Duration, mut queue: mpsc::Receiver<Pending>) {
    let mut batch = Vec::with_capacity(GUARDS_PER_WRITE);
    while queue.recv_many(&mut batch, GUARDS_PER_WRITE).await > 0 {
        let written = write_batch(&db, wait, &batch).await;
        if let Err(error) = &written {
            tracing::warn!(%error, guards = batch.len(), "could not write payment guards");
        }
        for pending in batch.drain(..) {
            let _ = pending.written.send(written.is_ok());
        }
    }
}

async fn write_batch(db: &Db, wait: Duration, batch: &[Pending]) -> Result<(), sqlx::Error> {
    let mut tx = db.begin_write().await?;
    for pending in batch {
        let job = NewJob::persistent(
            RELEASE_UNUSED_JOB,
            pending.attempt.to_string(),
            pending.now + wait,
        );
        tx.enqueue_as(pending.attempt, &job, pending.now).await?;
    }
    tx.commit().await
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
        if db.payment_recorded(&reference).await? {
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
