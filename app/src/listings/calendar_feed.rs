//! Calendar sync (server only): a listing's secret feed address, the feed itself, and busy
//! days imported from an owner's `.ics` file as blocks. The format is `ical`'s business.

use super::manage::{owned, try_block, BlockError, BlockRequest};
use super::model::ListingStatus;
use crate::calendar::ical::{busy_days, feed, ranges};
use crate::calendar::CalendarImportProblem;
use crate::domain::availability::{fully_taken_days, Taken};
use crate::domain::period::MAX_RENTAL_DAYS;
use crate::domain::ListingId;
use crate::domain::RentalPeriod;
use crate::error::AppError;
use crate::request::Caller;
use crate::store::Db;
use chrono::{DateTime, Duration, Utc};
use uuid::Uuid;

/// The feed covers a month back and a year ahead.
const FEED_PAST_DAYS: i64 = 31;
const FEED_DAYS: u64 = 31 + 366;

/// The note of an imported block, as the owner's block list shows it.
pub const IMPORTED_NOTE: &str = "Imported from a calendar";

/// The feed address of `listing` for its owner; the secret in it is made the first time, and
/// made anew when `renew` (the old address then stops working at once: for an address that
/// was shared by mistake).
pub async fn address(
    db: &Db,
    actor: &Caller,
    listing: ListingId,
    public_url: &str,
    renew: bool,
) -> Result<String, AppError> {
    owned(db, &actor.user, listing).await?;
    let fresh = Uuid::new_v4().simple().to_string();
    let token = db.calendar_token(listing, &fresh, renew).await?;
    let token =
        token.ok_or_else(|| AppError::internal("calendar", "no token after setting one"))?;
    Ok(format!("{public_url}/calendar/{token}.ics"))
}

/// The feed of the listing whose secret is `token`: the days on which every active unit is
/// taken (booked or blocked). `None` for an unknown token or an archived listing.
pub async fn feed_for(
    db: &Db,
    token: &str,
    now: DateTime<Utc>,
) -> Result<Option<String>, AppError> {
    let listing = db.listing_of_calendar(token).await?;
    let archived = |status: &str| ListingStatus::parse(status) == Some(ListingStatus::Archived);
    let Some((id, zone, _)) = listing.filter(|(_, _, status)| !archived(status)) else {
        return Ok(None);
    };
    let first = super::store::read::local_today(now, &zone) - Duration::days(FEED_PAST_DAYS);
    let last = first + Duration::days(FEED_DAYS as i64);
    let (units, taken) = db.held_days(id, (first, last)).await?;
    let taken: Vec<Taken> = taken
        .into_iter()
        .map(|(unit, from, to)| Taken { unit, from, to })
        .collect();
    let days = fully_taken_days(&taken, units as usize, first, FEED_DAYS);
    Ok(Some(feed(id, &ranges(&days), now)))
}

/// What an import did: stretches blocked, and stretches skipped because a booking or a block
/// already holds some unit on some of their days.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Imported {
    pub blocked: usize,
    pub skipped: usize,
}

/// Why an import did nothing.
#[derive(Debug)]
pub enum ImportError {
    /// The file was refused: over a bound, or not read; the page says which.
    Refused(CalendarImportProblem),
    Failed(AppError),
}

impl From<AppError> for ImportError {
    fn from(error: AppError) -> Self {
        ImportError::Failed(error)
    }
}

/// How long reading one file may take; the bounds in `ical` keep it far below this, and a
/// file that still takes longer is refused as too complex.
const READ_TIME_BUDGET: std::time::Duration = std::time::Duration::from_secs(5);

/// Blocks every unit of `listing` on the busy days of `ics` from today on. The file is read
/// on a blocking thread, so a heavy one never holds up the async workers.
pub async fn import(
    db: &Db,
    actor: &Caller,
    listing: ListingId,
    ics: String,
) -> Result<Imported, ImportError> {
    owned(db, &actor.user, listing).await?;
    let zone = db
        .listing_time_zone(listing)
        .await
        .map_err(AppError::from)?
        .ok_or(AppError::NotFound)?;
    let tz = zone.parse().unwrap_or(chrono_tz::UTC);
    let today = super::store::read::local_today(actor.now, &zone);
    // As far ahead as the feed shows: a typo'd year must not block centuries.
    let horizon = today + Duration::days(FEED_DAYS as i64);
    let window = crate::calendar::ical::BusyDays {
        from: today,
        to: horizon,
    };
    let reading = tokio::task::spawn_blocking(move || busy_days(&ics, tz, window));
    let busy = match tokio::time::timeout(READ_TIME_BUDGET, reading).await {
        Ok(Ok(Ok(busy))) => busy,
        Ok(Ok(Err(refused))) => {
            tracing::info!(listing.id = %listing, problem = refused.problem.code(), detail = %refused.detail, "calendar file refused");
            return Err(ImportError::Refused(refused.problem));
        }
        Ok(Err(join)) => return Err(AppError::internal("reading a calendar file", join).into()),
        Err(_) => {
            tracing::warn!(listing.id = %listing, "calendar file took too long to read");
            return Err(ImportError::Refused(CalendarImportProblem::TooComplex));
        }
    };
    let mut done = Imported::default();
    for days in busy
        .into_iter()
        .filter(|d| d.to > today && d.from < horizon)
    {
        let mut from = days.from.max(today);
        let until = days.to.min(horizon);
        // A block is at most as long as a rental; a longer absence is several blocks.
        while from < until {
            let to = until.min(from + Duration::days(MAX_RENTAL_DAYS));
            let period = RentalPeriod::new(from, to)
                .map_err(|e| AppError::internal("calendar import", e))?;
            let request = BlockRequest {
                unit: None,
                period,
                note: IMPORTED_NOTE.into(),
            };
            match try_block(db, actor, listing, &request).await {
                Ok(_) => done.blocked += 1,
                Err(BlockError::Taken { .. } | BlockError::Clashed) => done.skipped += 1,
                Err(error) => return Err(AppError::from(error).into()),
            }
            from = to;
        }
    }
    Ok(done)
}
