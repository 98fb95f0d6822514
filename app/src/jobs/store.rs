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
