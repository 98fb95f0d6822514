//! What the admin pages read and do (server only).

use super::model::{FailedJob, KindLine, MonthMoney, Overview, Queue, ReportLine};
use crate::accounts::audit::{AuditEvent, AuditKind, Client};
use crate::accounts::model::CurrentUser;
use crate::error::AppError;
use crate::reports::ReportSubject;
use crate::store::Db;
use chrono::{DateTime, Datelike, Duration, TimeZone, Utc};
use uuid::Uuid;

/// Failed jobs and open reports a page lists at most.
const LISTED: i64 = 200;

pub async fn overview(
    db: &Db,
    payments_accepting: bool,
    now: DateTime<Utc>,
) -> Result<Overview, AppError> {
    let today = now.date_naive();
    let day_start = today.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc();
    let week_start = day_start - Duration::days(today.weekday().num_days_from_monday().into());
    let month_start = Utc
        .with_ymd_and_hms(today.year(), today.month(), 1, 0, 0, 0)
        .single()
        .unwrap_or(day_start);
    let accounts = crate::accounts::store::admin_overview(db).await?;
    let (bookings_today, bookings_week, open_disputes) =
        db.booking_counts(day_start, week_start).await?;
    let money = db
        .money_since(month_start)
        .await?
        .into_iter()
        .map(|(currency, gross, fees)| MonthMoney {
            currency: currency.0,
            gross,
            fees,
        })
        .collect();
    let (_, failed_jobs) = db.failed_jobs(0).await?;
    Ok(Overview {
        accounts: accounts.accounts,
        suspended: accounts.suspended,
        bookings_today,
        bookings_week,
        money,
        open_disputes,
        open_reports: db.open_report_count().await?,
        failed_jobs,
        payments_accepting,
    })
}

pub async fn queue(db: &Db, now: DateTime<Utc>) -> Result<Queue, AppError> {
    let now_ms = now.timestamp_millis();
    let kinds = db
        .queue_depths(now)
        .await?
        .into_iter()
        .map(|(kind, waiting, due, oldest)| KindLine {
            kind,
            waiting,
            due,
            oldest_wait_seconds: oldest.map(|at| (now_ms - at).max(0) / 1000),
        })
        .collect();
    let (rows, failed_count) = db.failed_jobs(LISTED).await?;
    let failed = rows
        .into_iter()
        .map(|(id, kind, attempts, last_error, at)| FailedJob {
            id,
            kind,
            attempts,
            last_error,
            failed_at: at.and_then(DateTime::from_timestamp_millis),
        })
        .collect();
    Ok(Queue {
        kinds,
        failed,
        failed_count,
    })
}

/// Gives failed job `id` one more attempt, now; audited.
pub async fn retry_job(
    db: &Db,
    admin: &CurrentUser,
    client: &Client,
    id: Uuid,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let mut tx = db.begin_write().await?;
    let Some(kind) = tx.retry_failed_job(id, now).await? else {
        return Err(AppError::Conflict(
            "This job is no longer failed: it was retried already.".into(),
        ));
    };
    let event = AuditEvent::new(AuditKind::JobRetried, Some(admin.id), None, client)
        .with_detail(serde_json::json!({ "job": id, "kind": kind }));
    tx.record_audit(&event, now).await?;
    tx.commit().await?;
    Ok(())
}

fn subject_label(subject: ReportSubject) -> &'static str {
    match subject {
        ReportSubject::Conversation => "Conversation",
        ReportSubject::Review => "Review",
        ReportSubject::Listing => "Listing",
        ReportSubject::Person => "Person",
    }
}

/// The open reports, oldest first, each with where to act on its subject.
pub async fn reports(db: &Db) -> Result<Vec<ReportLine>, AppError> {
    let rows = db.open_report_lines(LISTED).await?;
    Ok(rows
        .into_iter()
        .map(
            |(id, subject, subject_id, reviewed, reporter, reason, at)| {
                // A review is acted on from the profile of the member it is about.
                let href = match (subject.0, reviewed) {
                    (ReportSubject::Conversation, _) => format!("/messages/{subject_id}"),
                    (ReportSubject::Listing, _) => format!("/gear/{subject_id}"),
                    (ReportSubject::Person, _) => format!("/people/{subject_id}"),
                    (ReportSubject::Review, Some(member)) => format!("/people/{member}"),
                    (ReportSubject::Review, None) => "/admin/reports".to_owned(),
                };
                ReportLine {
                    id,
                    subject: subject_label(subject.0).to_owned(),
                    href,
                    reporter,
                    reason,
                    at,
                }
            },
        )
        .collect())
}

/// Dismisses open report `id` with a note saying why; audited.
pub async fn dismiss_report(
    db: &Db,
    admin: &CurrentUser,
    client: &Client,
    id: Uuid,
    note: &str,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let note = crate::domain::message::ReportReason::parse(note)
        .map_err(|problem| AppError::validation("note", problem.to_string()))?;
    let note = note.as_str();
    let mut tx = db.begin_write().await?;
    let Some((subject, subject_id)) = tx.dismiss_report(id).await? else {
        return Err(AppError::Conflict(
            "This report is no longer open: another admin dealt with it.".into(),
        ));
    };
    let event = AuditEvent::new(AuditKind::ReportDismissed, Some(admin.id), None, client)
        .with_detail(serde_json::json!({
            "report": id,
            "subject": subject.0.as_str(),
            "subject_id": subject_id,
            "note": note,
        }));
    tx.record_audit(&event, now).await?;
    tx.commit().await?;
    Ok(())
}
