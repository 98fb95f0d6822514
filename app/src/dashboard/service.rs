//! Today at a glance, gathered from the features that own each figure (server only).

use super::model::{Glance, NextStep, RenterBookings, RenterLine, Stage};
use crate::bookings::model::BookingLine;
use crate::domain::{BookingStatus, UserId};
use crate::error::AppError;
use crate::store::Db;
use chrono::{DateTime, Duration, Utc};

/// `owner`'s glance at `now`, their days counted in their own time zone.
pub async fn glance(db: &Db, owner: UserId, now: DateTime<Utc>) -> Result<Glance, AppError> {
    let zone = crate::accounts::service::time_zone(db, owner).await?;
    let today = now.with_timezone(&zone).date_naive();
    let tomorrow = today + Duration::days(1);
    let soon = |day: chrono::NaiveDate| day == today || day == tomorrow;
    let overview = crate::bookings::queries::owner_requests(db, owner, today).await?;
    let (pickups, returns): (Vec<BookingLine>, Vec<BookingLine>) = overview
        .upcoming
        .into_iter()
        .filter(|line| match line.status {
            BookingStatus::Accepted | BookingStatus::Paid => soon(line.period.from()),
            BookingStatus::PickedUp => soon(line.period.to()),
            _ => false,
        })
        .partition(|line| line.status != BookingStatus::PickedUp);
    let overdue = crate::bookings::queries::owner_overdue(db, owner).await?;
    let month = crate::earnings::service::this_month(db, owner, now).await?;
    Ok(Glance {
        today,
        requests: overview.pending,
        pickups,
        returns: returns
            .into_iter()
            .filter(|line| !overdue.iter().any(|o| o.id == line.id))
            .collect(),
        overdue,
        month,
        unread_messages: crate::messages::service::unread(db, owner).await?,
    })
}

/// The next step of `line` for its renter at `now`, given whether they may still review it.
/// The pickup opens on the pickup day where the gear is (the listing's zone).
fn next_step(line: &BookingLine, now: DateTime<Utc>, may_review: bool) -> Option<NextStep> {
    let today = crate::listings::store::read::local_today(now, &line.time_zone);
    match line.status {
        BookingStatus::Paid if line.period.from() <= today => Some(NextStep::ConfirmPickup),
        BookingStatus::PickedUp if line.overdue => Some(NextStep::ReturnNow),
        BookingStatus::PickedUp => Some(NextStep::ConfirmReturn),
        BookingStatus::Disputed => Some(NextStep::ReadClaim),
        BookingStatus::Returned | BookingStatus::Completed if may_review => {
            Some(NextStep::LeaveReview)
        }
        _ => None,
    }
}

/// `renter`'s bookings as `/bookings` shows them: upcoming soonest first, in progress, and
/// past latest first, each with its next step.
pub async fn renter_bookings(
    db: &Db,
    renter: UserId,
    now: DateTime<Utc>,
) -> Result<RenterBookings, AppError> {
    let window = Duration::days(crate::domain::review::REVIEW_WINDOW_DAYS + 1);
    let mut parts = RenterBookings::default();
    for line in crate::bookings::queries::renter_bookings(db, renter).await? {
        // Only a booking back within the review window may still want a review.
        let recent = line.period.to() + window >= now.date_naive();
        let may_review = recent
            && matches!(
                line.status,
                BookingStatus::Returned | BookingStatus::Completed
            )
            && crate::reviews::service::booking_reviews(db, renter, line.id, now)
                .await?
                .can_write
                .is_some();
        let next = next_step(&line, now, may_review);
        let part = match Stage::of(line.status) {
            Stage::Upcoming => &mut parts.upcoming,
            Stage::InProgress => &mut parts.in_progress,
            Stage::Past => &mut parts.past,
        };
        part.push(RenterLine { line, next });
    }
    // The list comes latest pickup first: what is to come reads soonest first.
    parts.upcoming.reverse();
    Ok(parts)
}
