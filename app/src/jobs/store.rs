//! The SQL of the `jobs` table. Times are stored in milliseconds ([`super::due_millis`]).

use super::{due_millis, ClaimedJob, NewJob, Settled};
use crate::store::{Db, Tx};
use crate::{on_pool, on_tx};
use chrono::{DateTime, Utc};
use uuid::Uuid;

const INSERT: &str = "INSERT INTO jobs (id, kind, payload, run_at, max_attempts, created_at) \
                      VALUES ($1, $2, $3, $4, $5, $6)";

pub(crate) async fn insert(
    tx: &mut Tx,
    id: Uuid,
    job: &NewJob,
    now: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    on_tx!(tx, conn => sqlx::query(INSERT)
        .bind(id)
        .bind(job.kind)
        .bind(job.payload.as_str())
        .bind(due_millis(job.run_at))
        .bind(job.max_attempts)
        .bind(now.timestamp_millis())
        .execute(conn).await.map(|done| done.rows_affected()))?;
    Ok(())
}

impl Tx {
    /// Moves the job of `kind` for `payload` that has not run yet to `at` (the overdue mark of
    /// gear already out, when the booking is extended); answers whether there was one.
    pub async fn reschedule(
        &mut self,
        kind: &str,
        payload: &str,
        at: DateTime<Utc>,
    ) -> Result<bool, sqlx::Error> {
        let moved = on_tx!(self, conn => sqlx::query(
                "UPDATE jobs SET run_at = $3 WHERE kind = $1 AND payload = $2 AND outcome IS NULL")
            .bind(kind).bind(payload).bind(due_millis(at)).execute(conn).await.map(|done| done.rows_affected()))?;
        Ok(moved > 0)
    }

    /// Deletes the job of `kind` for `payload` that has not run yet, if there is one.
    pub async fn drop_pending(&mut self, kind: &str, payload: &str) -> Result<(), sqlx::Error> {
        on_tx!(self, conn => sqlx::query(
                "DELETE FROM jobs WHERE kind = $1 AND payload = $2 AND outcome IS NULL")
            .bind(kind).bind(payload).execute(conn).await.map(|done| done.rows_affected()))?;
        Ok(())
    }

    /// The payloads of the jobs of `kind` that have not finished.
    pub async fn pending_payloads(&mut self, kind: &str) -> Result<Vec<String>, sqlx::Error> {
        on_tx!(self, conn => sqlx::query_scalar(
                "SELECT payload FROM jobs WHERE kind = $1 AND outcome IS NULL")
            .bind(kind).fetch_all(conn).await)
    }

    /// The payloads of the jobs of `kind` waiting to run: not finished, and not held by a
    /// worker at `now` (one held may already be past the work a new job would be for).
    pub async fn waiting_payloads(
        &mut self,
        kind: &str,
        now: DateTime<Utc>,
    ) -> Result<Vec<String>, sqlx::Error> {
        on_tx!(self, conn => sqlx::query_scalar(
                "SELECT payload FROM jobs WHERE kind = $1 AND outcome IS NULL \
                 AND (locked_until IS NULL OR locked_until <= $2)")
            .bind(kind).bind(due_millis(now)).fetch_all(conn).await)
    }

    /// Deletes job `id` before it runs, with the change that made it unnecessary.
    pub async fn drop_job(&mut self, id: Uuid) -> Result<(), sqlx::Error> {
        on_tx!(self, conn => sqlx::query("DELETE FROM jobs WHERE id = $1").bind(id).execute(conn).await.map(|done| done.rows_affected()))?;
        Ok(())
    }
}

impl Db {
    /// Takes the next due job for `worker` until `until`: one atomic update, which on
    /// PostgreSQL passes over jobs another worker is claiming.
    pub(crate) async fn claim_job(
        &self,
        worker: &str,
        now: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<Option<ClaimedJob>, sqlx::Error> {
        let sql = format!(
            "UPDATE jobs SET locked_until = $1, locked_by = $2, attempts = attempts + 1 \
             WHERE id = (SELECT id FROM jobs WHERE outcome IS NULL AND run_at <= $3 \
                 AND (locked_until IS NULL OR locked_until <= $3) ORDER BY run_at LIMIT 1{}) \
             RETURNING id, kind, payload, attempts, max_attempts",
            self.dialect().lock_free_rows()
        );
        on_pool!(self, pool => sqlx::query_as(&sql)
            .bind(until.timestamp_millis())
            .bind(worker)
            .bind(now.timestamp_millis())
            .fetch_optional(pool)
            .await)
    }

    /// Records what became of job `id`, if `worker` still holds it.
    pub(crate) async fn settle_job(
        &self,
        id: Uuid,
        worker: &str,
        settled: Settled,
        now: DateTime<Utc>,
        retry_at: DateTime<Utc>,
        error: Option<String>,
    ) -> Result<(), sqlx::Error> {
        let (sql, at) = match settled {
            Settled::Done => (
                "UPDATE jobs SET outcome = 'done', finished_at = $3, locked_until = NULL, \
                 last_error = $4 WHERE id = $1 AND locked_by = $2 AND outcome IS NULL",
                now,
            ),
            Settled::Failed => (
                "UPDATE jobs SET outcome = 'failed', finished_at = $3, locked_until = NULL, \
                 last_error = $4 WHERE id = $1 AND locked_by = $2 AND outcome IS NULL",
                now,
            ),
            Settled::Retry => (
                "UPDATE jobs SET run_at = $3, locked_until = NULL, last_error = $4 \
                 WHERE id = $1 AND locked_by = $2 AND outcome IS NULL",
                retry_at,
            ),
        };
        on_pool!(self, pool => sqlx::query(sql)
            .bind(id).bind(worker).bind(at.timestamp_millis()).bind(error)
            .execute(pool).await.map(|done| done.rows_affected()))?;
        Ok(())
    }
}

/// One kind of job waiting: how many, how many are due, and since when the oldest due one
/// has waited (milliseconds, as stored).
pub type KindDepth = (String, i64, i64, Option<i64>);

/// A job that failed for good: id, kind, attempts, last error, when (milliseconds).
pub type FailedRow = (Uuid, String, i64, Option<String>, Option<i64>);

impl Db {
    /// The jobs not finished, per kind, at `now`.
    pub async fn queue_depths(&self, now: DateTime<Utc>) -> Result<Vec<KindDepth>, sqlx::Error> {
        on_pool!(self, pool => sqlx::query_as(
                "SELECT kind, COUNT(*), SUM(CASE WHEN run_at <= $1 THEN 1 ELSE 0 END), \
                 MIN(CASE WHEN run_at <= $1 THEN run_at END) FROM jobs WHERE outcome IS NULL \
                 GROUP BY kind ORDER BY kind")
            .bind(now.timestamp_millis()).fetch_all(pool).await)
    }

    /// How many jobs of each kind failed for good.
    pub async fn failed_job_counts(&self) -> Result<Vec<(String, i64)>, sqlx::Error> {
        on_pool!(self, pool => sqlx::query_as(
                "SELECT kind, COUNT(*) FROM jobs WHERE outcome = 'failed' GROUP BY kind")
            .fetch_all(pool).await)
    }

    /// The latest jobs that failed for good (at most `limit`), and how many there are.
    pub async fn failed_jobs(&self, limit: i64) -> Result<(Vec<FailedRow>, i64), sqlx::Error> {
        on_pool!(self, pool => {
            let rows = sqlx::query_as(
                    "SELECT id, kind, attempts, last_error, finished_at FROM jobs \
                     WHERE outcome = 'failed' ORDER BY finished_at DESC LIMIT $1")
                .bind(limit).fetch_all(pool).await?;
            let count = sqlx::query_scalar("SELECT COUNT(*) FROM jobs WHERE outcome = 'failed'")
                .fetch_one(pool).await?;
            Ok((rows, count))
        })
    }
}

impl Tx {
    /// Makes failed job `id` due at `now` for one more attempt; its kind, or `None` when no
    /// failed job has that id (already retried, say).
    pub async fn retry_failed_job(
        &mut self,
        id: Uuid,
        now: DateTime<Utc>,
    ) -> Result<Option<String>, sqlx::Error> {
        on_tx!(self, conn => sqlx::query_scalar(
                "UPDATE jobs SET outcome = NULL, finished_at = NULL, locked_until = NULL, \
                 locked_by = NULL, attempts = max_attempts - 1, run_at = $2 \
                 WHERE id = $1 AND outcome = 'failed' RETURNING kind")
            .bind(id).bind(due_millis(now)).fetch_optional(conn).await)
    }
}
