//! The job worker every instance runs (`serve`): it claims due jobs from the shared queue
//! (`app::jobs`), so with several instances each job still runs once.

use app::bookings::reminders::{remind, REMIND_JOB};
use app::bookings::service::{self, EXPIRE_JOB, OVERDUE_JOB, RELEASE_JOB};
use app::bookings::settle::{settle, SETTLE_JOB};
use app::domain::booking::Command;
use app::domain::BookingId;
use app::jobs::{self, ClaimedJob, Pass};
use app::listings::saved_searches::{announce, MATCH_JOB};
use app::notifications::email::{deliver, Post, EMAIL_JOB};
use app::payments::unused::{release_unused, RELEASE_UNUSED_JOB};
use app::reviews::service::{publish_due, PUBLISH_JOB};
use app::state::AppState;
use app::webhooks::service::{deliver as deliver_webhook, Sending, DELIVER_JOB};
use chrono::{DateTime, Duration, Utc};
use uuid::Uuid;

/// How long a claimed job is this worker's; far longer than any handler takes.
const LEASE: Duration = Duration::minutes(5);

/// Runs due jobs every `poll` until the process stops.
pub async fn run(state: AppState, poll: std::time::Duration) {
    let worker = format!("worker-{}", Uuid::new_v4().simple());
    let mut every = tokio::time::interval(poll);
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        every.tick().await;
        match run_once(&state, &worker, Utc::now).await {
            Ok(pass) if pass != Pass::default() => tracing::info!(?pass, "jobs run"),
            Ok(_) => {}
            Err(error) => tracing::warn!(%error, "could not read the job queue"),
        }
    }
}

/// One pass over the jobs due by `clock` (`Utc::now`, or a fixed time in tests).
pub async fn run_once(
    state: &AppState,
    worker: &str,
    clock: impl Fn() -> DateTime<Utc>,
) -> Result<Pass, sqlx::Error> {
    jobs::run_due(&state.db, worker, clock, LEASE, |job, now| {
        handle(state, job, now)
    })
    .await
}

fn booking_id(job: &ClaimedJob) -> Result<BookingId, String> {
    job.payload
        .parse()
        .map_err(|e| format!("bad booking id: {e}"))
}

// The cause of an internal error is logged where it happened; the job keeps the gist.
async fn handle(state: &AppState, job: ClaimedJob, now: DateTime<Utc>) -> Result<(), String> {
    let db = &state.db;
    match job.kind.as_str() {
        EXPIRE_JOB | RELEASE_JOB | OVERDUE_JOB => {
            let id = booking_id(&job)?;
            let command = match job.kind.as_str() {
                EXPIRE_JOB => Command::Expire,
                RELEASE_JOB => Command::ReleaseDeposit,
                _ => Command::MarkOverdue,
            };
            let done = service::run_due_command(db, id, &command, now)
                .await
                .map_err(|e| e.to_string())?;
            if done {
                tracing::info!(booking = %id, job = job.kind, "booking moved on by the clock");
                state.answers.forget_pages();
            }
            Ok(())
        }
        SETTLE_JOB => {
            let id = booking_id(&job)?;
            // Money moves change no public page.
            settle(db, &*state.payments, id, now)
                .await
                .map_err(|e| e.to_string())
        }
        RELEASE_UNUSED_JOB => {
            let attempt =
                Uuid::parse_str(&job.payload).map_err(|e| format!("bad attempt id: {e}"))?;
            release_unused(db, &*state.payments, attempt)
                .await
                .map(|_| ())
                .map_err(|e| e.to_string())
        }
        EMAIL_JOB => {
            let post = Post {
                mailer: &state.mailer,
                keys: &state.secrets,
                public_url: &state.public_url,
                last_attempt: job.attempts >= job.max_attempts,
            };
            deliver(db, &post, &job.payload, now).await
        }
        PUBLISH_JOB => publish_due(db, &job.payload, now)
            .await
            .map_err(|e| e.to_string()),
        REMIND_JOB => remind(db, &job.payload, now)
            .await
            .map_err(|e| e.to_string()),
        MATCH_JOB => {
            let id = job
                .payload
                .parse()
                .map_err(|e| format!("bad listing id: {e}"))?;
            // A saved search's place is taken as a visitor from nowhere in particular takes it.
            announce(db, id, &state.places.for_visitor(None), now)
                .await
                .map(|told| {
                    if told > 0 {
                        tracing::info!(listing = %id, told, "saved searches told of new gear");
                    }
                })
                .map_err(|e| e.to_string())
        }
        DELIVER_JOB => {
            let id = job
                .payload
                .parse()
                .map_err(|e| format!("bad webhook id: {e}"))?;
            let sending = Sending {
                courier: &*state.webhooks.courier,
                keys: &state.secrets,
                mailer: &state.mailer,
                public_url: &state.public_url,
            };
            deliver_webhook(db, &sending, id, now).await
        }
        other => Err(format!("no handler for jobs of kind {other:?}")),
    }
}
