//! The SQL of `reports`.

use super::ReportSubject;
use crate::domain::UserId;
use crate::store::{Db, Text, Tx};
use crate::{on_pool, on_tx};
use chrono::{DateTime, Utc};
use uuid::Uuid;

crate::stored_text!(ReportSubject, "report subject");

/// An open report: id, subject, subject id, the member a reported review is about, the
/// reporter's name, the reason, when.
pub type OpenReport = (
    Uuid,
    Text<ReportSubject>,
    Uuid,
    Option<UserId>,
    String,
    String,
    DateTime<Utc>,
);

impl Tx {
    /// Files `reporter`'s report about a subject; false when they had reported it already.
    pub async fn file_report(
        &mut self,
        subject: ReportSubject,
        subject_id: Uuid,
        reporter: UserId,
        reason: &str,
        now: DateTime<Utc>,
    ) -> Result<bool, sqlx::Error> {
        on_tx!(self, conn => sqlx::query(
            "INSERT INTO reports (id, subject, subject_id, reporter_id, reason, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING")
            .bind(Uuid::new_v4()).bind(Text(subject)).bind(subject_id).bind(reporter)
            .bind(reason).bind(now).execute(&mut *conn).await
            .map(|done| done.rows_affected() > 0))
    }
}

impl Tx {
    /// Dismisses open report `id`; its subject, or `None` when no open report has that id.
    pub async fn dismiss_report(
        &mut self,
        id: Uuid,
    ) -> Result<Option<(Text<ReportSubject>, Uuid)>, sqlx::Error> {
        on_tx!(self, conn => sqlx::query_as(
            "UPDATE reports SET status = 'dismissed' WHERE id = $1 AND status = 'open' \
             RETURNING subject, subject_id")
            .bind(id).fetch_optional(&mut *conn).await)
    }

    /// Marks the open reports about a subject as acted on (an admin hid it).
    pub async fn act_on_reports(
        &mut self,
        subject: ReportSubject,
        subject_id: Uuid,
    ) -> Result<u64, sqlx::Error> {
        on_tx!(self, conn => sqlx::query(
            "UPDATE reports SET status = 'acted' WHERE subject = $1 AND subject_id = $2 \
             AND status = 'open'")
            .bind(Text(subject)).bind(subject_id).execute(&mut *conn).await
            .map(|done| done.rows_affected()))
    }
}

impl Db {
    /// Whether `reporter` has reported the subject.
    pub async fn has_reported(
        &self,
        subject: ReportSubject,
        subject_id: Uuid,
        reporter: UserId,
    ) -> Result<bool, sqlx::Error> {
        on_pool!(self, pool => sqlx::query_scalar(
            "SELECT EXISTS (SELECT 1 FROM reports WHERE subject = $1 AND subject_id = $2 \
                 AND reporter_id = $3)")
            .bind(Text(subject)).bind(subject_id).bind(reporter).fetch_one(pool).await)
    }

    /// The open reports, oldest first (at most `limit`), in one read.
    pub async fn open_report_lines(&self, limit: i64) -> Result<Vec<OpenReport>, sqlx::Error> {
        on_pool!(self, pool => sqlx::query_as(
            "SELECT r.id, r.subject, r.subject_id, rv.subject_id, u.name, r.reason, r.created_at \
             FROM reports r JOIN users u ON u.id = r.reporter_id \
             LEFT JOIN reviews rv ON r.subject = 'review' AND rv.id = r.subject_id \
             WHERE r.status = 'open' ORDER BY r.created_at, r.id LIMIT $1")
            .bind(limit).fetch_all(pool).await)
    }

    /// How many reports wait for an admin.
    pub async fn open_report_count(&self) -> Result<i64, sqlx::Error> {
        on_pool!(self, pool => sqlx::query_scalar(
            "SELECT COUNT(*) FROM reports WHERE status = 'open'").fetch_one(pool).await)
    }

    /// Open reports of one kind, for the admins' queue and the tests.
    pub async fn open_reports(
        &self,
        subject: ReportSubject,
    ) -> Result<Vec<(Uuid, UserId, String)>, sqlx::Error> {
        on_pool!(self, pool => sqlx::query_as(
            "SELECT subject_id, reporter_id, reason FROM reports \
             WHERE subject = $1 AND status = 'open' ORDER BY created_at LIMIT 500")
            .bind(Text(subject)).fetch_all(pool).await)
    }
}
