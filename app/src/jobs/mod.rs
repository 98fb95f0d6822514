//! A persistent job queue in the app's own database (server only): work that must happen
//! later, such as expiring a request nobody answered.
//!
//! Why not a queue crate (apalis was the candidate): a job must exist exactly when the change
//! that needs it commits, so it is written in that change's transaction ([`Tx::enqueue`]).
//! apalis's SQL storages enqueue through their own pool, and we choose the backend at run
//! time, which its typed storages do not. The queue here is small on purpose:
//! - jobs survive restarts (they are rows);
//! - a worker claims a due job with one atomic UPDATE (`FOR UPDATE SKIP LOCKED` on
//!   PostgreSQL, SQLite's single writer), so with several instances each job runs once;
//! - a claim is a lease: a job whose worker died is due again once the lease runs out;
//! - a failed job is retried with exponential backoff, up to its maximum attempts, and then
//!   kept as `failed` with its last error for an operator to read.
//!
//! Handlers must still tolerate a second run (a lease can run out under a slow handler);
//! expiring a booking does, because the state machine refuses to expire an answered request.

pub mod store;

use crate::store::Db;
#[cfg(doc)]
use crate::store::Tx;
use chrono::{DateTime, Duration, Utc};
use tracing::Instrument;
use uuid::Uuid;

/// Attempts before a job is given up on; with the backoff below, about 21 minutes in all.
pub const DEFAULT_MAX_ATTEMPTS: i64 = 8;
const FIRST_RETRY: Duration = Duration::seconds(10);
const PERSISTENT_MAX_ATTEMPTS: i64 = 24 * 30;
const LONGEST_RETRY: Duration = Duration::hours(1);
/// Jobs one `run_due` call takes on at most, so a backlog cannot starve a shutdown.
const BATCH: usize = 100;

/// A job to write with the change that needs it.
#[derive(Clone, Debug)]
pub struct NewJob {
    pub kind: &'static str,
    pub payload: String,
    pub run_at: DateTime<Utc>,
    pub max_attempts: i64,
}

impl NewJob {
    /// A job that must not give up while its work is still owed, such as moving money: tried
    /// for about a month at the longest backoff.
    pub fn persistent(kind: &'static str, payload: String, run_at: DateTime<Utc>) -> Self {
        Self {
            max_attempts: PERSISTENT_MAX_ATTEMPTS,
            ..Self::once(kind, payload, run_at)
        }
    }

    pub fn once(kind: &'static str, payload: String, run_at: DateTime<Utc>) -> Self {
        Self {
            kind,
            payload,
            run_at,
            max_attempts: DEFAULT_MAX_ATTEMPTS,
        }
    }
}

/// A job's `run_at` for a time: in milliseconds, rounded up, so that a job never becomes due
/// before its time.
pub fn due_millis(at: DateTime<Utc>) -> i64 {
    (at.timestamp_micros() + 999).div_euclid(1000)
}

/// A job a worker holds until its lease runs out.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct ClaimedJob {
    pub id: Uuid,
    pub kind: String,
    pub payload: String,
    /// Including this one.
    pub attempts: i64,
    pub max_attempts: i64,
}

/// Takes the next due job for `worker` until `now + lease`, if there is one.
pub async fn claim(
    db: &Db,
    worker: &str,
    now: DateTime<Utc>,
    lease: Duration,
) -> Result<Option<ClaimedJob>, sqlx::Error> {
    db.claim_job(worker, now, now + lease).await
}

/// The wait before attempt `attempts + 1`: 10 s, 20 s, 40 s… up to an hour.
pub fn backoff(attempts: i64) -> Duration {
    let doublings = attempts.clamp(1, 20) - 1;
    (FIRST_RETRY * 2i32.pow(doublings as u32)).min(LONGEST_RETRY)
}

/// Records `job`'s outcome: done, due again after its backoff, or failed for good. Only the
/// worker that holds the job may: one whose lease ran out and was claimed again writes nothing.
pub async fn settle(
    db: &Db,
    job: &ClaimedJob,
    worker: &str,
    now: DateTime<Utc>,
    result: Result<(), String>,
) -> Result<Settled, sqlx::Error> {
    let settled = match &result {
        Ok(()) => Settled::Done,
        Err(_) if job.attempts >= job.max_attempts => Settled::Failed,
        Err(_) => Settled::Retry,
    };
    let retry_at = now + backoff(job.attempts);
    db.settle_job(job.id, worker, settled, now, retry_at, result.err())
        .await?;
    Ok(settled)
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Settled {
    Done,
    Retry,
    Failed,
}

/// What one pass over the due jobs did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Pass {
    pub done: usize,
    pub retried: usize,
    pub failed: usize,
}

/// Runs every job due (up to a batch) through `handle`, as worker `worker`. `clock` is read
/// afresh for every claim and outcome, so a long batch never takes a lease that has already
/// run out; tests pass a clock that stands still in the future.
pub async fn run_due<C, H, F>(
    db: &Db,
    worker: &str,
    clock: C,
    lease: Duration,
    handle: H,
) -> Result<Pass, sqlx::Error>
where
    C: Fn() -> DateTime<Utc>,
    H: Fn(ClaimedJob, DateTime<Utc>) -> F,
    F: std::future::Future<Output = Result<(), String>>,
{
    let mut pass = Pass::default();
    for _ in 0..BATCH {
        let Some(job) = claim(db, worker, clock(), lease).await? else {
            break;
        };
        let span =
            tracing::info_span!("job", kind = %job.kind, job_id = %job.id, attempt = job.attempts);
        let result = handle(job.clone(), clock()).instrument(span).await;
        if let Err(error) = &result {
            tracing::warn!(job = %job.id, kind = %job.kind, attempt = job.attempts, %error, "job failed");
        }
        let settled = settle(db, &job, worker, clock(), result).await?;
        crate::meters::job_finished(&job.kind, settled);
        match settled {
            Settled::Done => pass.done += 1,
            Settled::Retry => pass.retried += 1,
            Settled::Failed => pass.failed += 1,
        }
    }
    Ok(pass)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_back_off_exponentially_up_to_an_hour() {
        assert_eq!(backoff(1), Duration::seconds(10));
        assert_eq!(backoff(2), Duration::seconds(20));
        assert_eq!(backoff(4), Duration::seconds(80));
        assert_eq!(backoff(12), Duration::hours(1));
        assert_eq!(backoff(1_000), Duration::hours(1));
        let total: Duration = (1..DEFAULT_MAX_ATTEMPTS).map(backoff).sum();
        assert!(total < Duration::minutes(25), "{total}");
    }
}
