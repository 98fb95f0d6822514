//! Today at a glance, gathered from the features that own each figure (server only).

use super::calendar::{Hold, Mark, OwnerCalendar, Span, UnitRow, MOST_UNITS};
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

/// `owner`'s calendar over the `span` that holds `day` (today where they are, if `None`).
pub async fn calendar(
    db: &Db,
    owner: UserId,
    span: Span,
    day: Option<chrono::NaiveDate>,
    now: DateTime<Utc>,
) -> Result<OwnerCalendar, AppError> {
    let zone = crate::accounts::service::time_zone(db, owner).await?;
    let today = now.with_timezone(&zone).date_naive();
    let first = span.first_day(day.unwrap_or(today));
    let end = span.end(first);
    let mut units =
        crate::listings::store::read::owner_units(db, owner, MOST_UNITS as i64 + 1).await?;
    let more_units = units.len() > MOST_UNITS;
    units.truncate(MOST_UNITS);
    let mut rows: Vec<UnitRow> = units
        .into_iter()
        .map(|unit| UnitRow {
            listing: unit.listing,
            title: unit.title,
            unit: unit.unit,
            label: unit.label,
            marks: Vec::new(),
        })
        .collect();
    let mut mark = |unit, mark: Mark| {
        if let Some(row) = rows.iter_mut().find(|row| row.unit == unit) {
            row.marks.push(mark);
        }
    };
    for block in crate::listings::store::read::owner_blocks(db, owner, first, end).await? {
        mark(
            block.unit_id,
            Mark {
                from: block.from,
                to: block.to,
                hold: Hold::Block {
                    id: block.id,
                    note: block.note,
                },
            },
        );
    }
    for hold in crate::bookings::queries::owner_holds(db, owner, (first, end)).await? {
        let (from, to) = (hold.period.from(), hold.period.to());
        if hold.held_until > to {
            mark(
                hold.unit,
                Mark {
                    from: to,
                    to: hold.held_until,
                    hold: Hold::Turnaround {
                        booking: hold.booking,
                    },
                },
            );
        }
        mark(
            hold.unit,
            Mark {
                from,
                to,
                hold: Hold::Booking {
                    id: hold.booking,
                    status: hold.status,
                    renter: hold.renter,
                },
            },
        );
    }
    Ok(OwnerCalendar {
        span,
        first,
        end,
        today,
        rows,
        more_units,
    })
}

/// `owner`'s insights over the `days` before today (where they are).
pub async fn insights(
    db: &Db,
    owner: UserId,
    days: u32,
    now: DateTime<Utc>,
) -> Result<super::insights::Insights, AppError> {
    use super::insights::{busy_months, median, months_chart, usage, usage_chart};
    use super::insights::{Answers, Insights, Taken, UnitInput};
    let zone = crate::accounts::service::time_zone(db, owner).await?;
    let today = now.with_timezone(&zone).date_naive();
    let start = today - chrono::Days::new(u64::from(days));
    let this_month = chrono::Datelike::with_day(&today, 1).unwrap_or(today);
    let year_back = this_month
        .checked_sub_months(chrono::Months::new(11))
        .unwrap_or(this_month);
    let next_month = this_month
        .checked_add_months(chrono::Months::new(1))
        .unwrap_or(today);
    let read = (start.min(year_back), next_month);
    let mut units =
        crate::listings::store::read::owner_units(db, owner, MOST_UNITS as i64 + 1).await?;
    let more_units = units.len() > MOST_UNITS;
    units.truncate(MOST_UNITS);
    let holds = crate::bookings::queries::owner_holds(db, owner, read).await?;
    let more_bookings = holds.len() as i64 >= crate::bookings::model::MOST_HOLDS;
    let booked: Vec<Taken> = holds
        .into_iter()
        .filter(|hold| Taken::counts_as_booked(hold.status))
        .map(|hold| Taken {
            unit: hold.unit,
            from: hold.period.from(),
            to: hold.period.to(),
            rental: Some((hold.rental, hold.period.days())),
        })
        .collect();
    let blocked: Vec<Taken> = crate::listings::store::read::owner_blocks(db, owner, read.0, read.1)
        .await?
        .into_iter()
        .map(|block| Taken {
            unit: block.unit_id,
            from: block.from,
            to: block.to,
            rental: None,
        })
        .collect();
    let inputs: Vec<UnitInput> = units
        .into_iter()
        .map(|unit| UnitInput {
            since: unit.created_at.with_timezone(&zone).date_naive(),
            listing: unit.listing,
            title: unit.title,
            label: unit.label,
            unit: unit.unit,
        })
        .collect();
    let listings = usage(&inputs, &booked, &blocked, (start, today));
    let months = busy_months(&booked, today);
    let asked = (now - Duration::days(i64::from(days)), now);
    let mut answers = Answers::default();
    let mut waits = Vec::new();
    for request in crate::bookings::queries::owner_answers(db, owner, asked).await? {
        match request.answer {
            Some((BookingStatus::Accepted, at)) => {
                answers.accepted += 1;
                waits.push((at - request.asked_at).num_minutes());
            }
            Some((BookingStatus::Declined, at)) => {
                answers.declined += 1;
                waits.push((at - request.asked_at).num_minutes());
            }
            Some(_) => answers.lapsed += 1,
            None => answers.other += 1,
        }
    }
    answers.median_minutes = median(waits);
    Ok(Insights {
        days,
        from: start,
        to: today,
        usage_chart: usage_chart(&listings, days),
        months_chart: months_chart(&months),
        listings,
        answers,
        months,
        more_units,
        more_bookings,
    })
}
