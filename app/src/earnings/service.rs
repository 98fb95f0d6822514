//! An owner's earnings, worked out from the ledger alone (server only).

use super::model::{csv, summarise, Earnings, Line, Row};
use crate::domain::UserId;
use crate::error::AppError;
use crate::store::Db;
use chrono::{DateTime, Datelike, NaiveDate, Utc};

/// The owner's lines and the day each instant falls on in their time zone.
async fn lines(db: &Db, owner: UserId) -> Result<(Vec<Line>, chrono_tz::Tz), AppError> {
    let zone = crate::accounts::service::time_zone(db, owner).await?;
    Ok((db.owner_ledger_lines(owner, None).await?, zone))
}

fn local_day(zone: chrono_tz::Tz) -> impl Fn(DateTime<Utc>) -> NaiveDate {
    move |at| at.with_timezone(&zone).date_naive()
}

/// What `owner` earned, per month, listing and booking.
pub async fn earnings(db: &Db, owner: UserId) -> Result<Earnings, AppError> {
    let (lines, zone) = lines(db, owner).await?;
    Ok(summarise(&lines, local_day(zone)))
}

/// The month of `now` (the owner's) as [`earnings`] shows it, one row per currency: read from
/// the bookings with money moving this month only, since the other bookings' lines all fall
/// in earlier months (the owner's dashboard asks on every live event).
pub async fn this_month(db: &Db, owner: UserId, now: DateTime<Utc>) -> Result<Vec<Row>, AppError> {
    let zone = crate::accounts::service::time_zone(db, owner).await?;
    let today = now.with_timezone(&zone).date_naive();
    let first = today.with_day(1).unwrap_or(today);
    let since = crate::calendar::local_moment(first, 0, zone.name());
    let lines = db.owner_ledger_lines(owner, Some(since)).await?;
    let month = Some((today.year(), today.month()));
    Ok(summarise(&lines, local_day(zone))
        .months
        .into_iter()
        .filter(|row| row.month == month)
        .collect())
}

/// The CSV export of every line behind [`earnings`].
pub async fn export(db: &Db, owner: UserId) -> Result<String, AppError> {
    let (lines, _) = lines(db, owner).await?;
    Ok(csv(&lines))
}
