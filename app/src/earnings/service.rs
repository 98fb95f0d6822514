//! An owner's earnings, worked out from the ledger alone (server only).

use super::model::{csv, summarise, Earnings, Line};
use crate::domain::UserId;
use crate::error::AppError;
use crate::store::Db;
use chrono::{DateTime, NaiveDate, Utc};

/// The owner's lines and the day each instant falls on in their time zone.
async fn lines(db: &Db, owner: UserId) -> Result<(Vec<Line>, chrono_tz::Tz), AppError> {
    let zone = crate::accounts::service::time_zone(db, owner).await?;
    Ok((db.owner_ledger_lines(owner).await?, zone))
}

fn local_day(zone: chrono_tz::Tz) -> impl Fn(DateTime<Utc>) -> NaiveDate {
    move |at| at.with_timezone(&zone).date_naive()
}

/// What `owner` earned, per month, listing and booking.
pub async fn earnings(db: &Db, owner: UserId) -> Result<Earnings, AppError> {
    let (lines, zone) = lines(db, owner).await?;
    Ok(summarise(&lines, local_day(zone)))
}

/// The CSV export of every line behind [`earnings`].
pub async fn export(db: &Db, owner: UserId) -> Result<String, AppError> {
    let (lines, _) = lines(db, owner).await?;
    Ok(csv(&lines))
}
