//! Reminders: jobs written with the booking, each due at a local hour of the listing's time
//! zone, that tell its members what comes next. One job per reminder and booking (payload
//! `{reminder}:{booking}`); the return reminder moves with an extension, and all of them go
//! when the booking ends early (cancelled, declined, expired). A reminder that finds its booking
//! elsewhere than it expected (a request already answered, gear already back) tells nobody.

use super::service::{hold, local_moment};
use crate::domain::booking::Booking;
use crate::domain::{BookingId, BookingStatus};
use crate::error::AppError;
use crate::jobs::NewJob;
use crate::notifications::rules::{About, Notice, NoticeKind};
use crate::store::{Db, Tx};
use chrono::{DateTime, Duration, Utc};

pub const REMIND_JOB: &str = "remind";

/// How long before a request lapses its owner is reminded.
pub const BEFORE_EXPIRY: Duration = Duration::hours(2);
/// The local hour of the evening before the pickup day.
const PICKUP_EVE_HOUR: u32 = 18;
/// The local hour of the morning of the return day.
const RETURN_MORNING_HOUR: u32 = 9;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reminder {
    /// Owner: the request lapses in two hours.
    Expiring,
    /// Both: the pickup is tomorrow.
    Pickup,
    /// Both: the gear is due back today.
    ReturnDue,
}

impl Reminder {
    const ALL: [Reminder; 3] = [Self::Expiring, Self::Pickup, Self::ReturnDue];

    fn as_str(self) -> &'static str {
        match self {
            Self::Expiring => "expiring",
            Self::Pickup => "pickup",
            Self::ReturnDue => "return_due",
        }
    }

    fn kind(self) -> NoticeKind {
        match self {
            Self::Expiring => NoticeKind::Expiring,
            Self::Pickup => NoticeKind::Pickup,
            Self::ReturnDue => NoticeKind::ReturnDue,
        }
    }

    pub fn payload(self, booking: BookingId) -> String {
        format!("{}:{booking}", self.as_str())
    }

    fn parse(payload: &str) -> Option<(Self, BookingId)> {
        let (name, id) = payload.split_once(':')?;
        let reminder = Self::ALL.into_iter().find(|r| r.as_str() == name)?;
        Some((reminder, id.parse().ok()?))
    }

    /// When it is due for `booking`: two hours before a request lapses, 18:00 on the eve of
    /// the pickup day and 09:00 on the return day, in the listing's zone.
    pub fn due(self, booking: &Booking) -> DateTime<Utc> {
        let t = &booking.terms;
        let zone = t.time_zone.as_deref().unwrap_or("UTC");
        match self {
            Self::Expiring => t.expires_at - BEFORE_EXPIRY,
            Self::Pickup => {
                local_moment(t.period.from() - Duration::days(1), PICKUP_EVE_HOUR, zone)
            }
            Self::ReturnDue => local_moment(t.period.to(), RETURN_MORNING_HOUR, zone),
        }
    }

    /// Whether `booking`, as it stands, still needs this reminder.
    fn applies(self, booking: &Booking) -> bool {
        let handover = &booking.handover;
        match self {
            Self::Expiring => booking.status == BookingStatus::Requested,
            Self::Pickup => {
                matches!(
                    booking.status,
                    BookingStatus::Accepted | BookingStatus::Paid
                ) && handover.pickup_by.is_empty()
            }
            Self::ReturnDue => {
                booking.status == BookingStatus::PickedUp && handover.return_by.is_empty()
            }
        }
    }

    /// Who is reminded, and the key that makes it once per reminder and day.
    fn notices(self, booking: &Booking) -> Vec<Notice> {
        let t = &booking.terms;
        let (recipients, day) = match self {
            Self::Expiring => (vec![booking.owner], None),
            Self::Pickup => (vec![booking.renter, booking.owner], Some(t.period.from())),
            Self::ReturnDue => (vec![booking.renter, booking.owner], Some(t.period.to())),
        };
        let key = match day {
            Some(day) => format!("{}:{}:{day}", self.as_str(), t.id),
            None => format!("{}:{}", self.as_str(), t.id),
        };
        recipients
            .into_iter()
            .map(|recipient| Notice {
                recipient,
                kind: self.kind(),
                about: About::Booking(t.id),
                key: key.clone(),
            })
            .collect()
    }
}

/// Writes the reminders of a new booking that are still ahead at `now`.
pub(super) async fn schedule(
    tx: &mut Tx,
    booking: &Booking,
    now: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    for reminder in Reminder::ALL {
        if reminder == Reminder::Expiring && booking.terms.instant {
            continue;
        }
        let at = reminder.due(booking);
        if at > now {
            let job = NewJob::once(REMIND_JOB, reminder.payload(booking.terms.id), at);
            tx.enqueue(&job, now).await?;
        }
    }
    Ok(())
}

/// Moves the return reminder of an extended booking to its new return day (or writes it
/// again, when the old one has already run).
pub(super) async fn move_return(
    tx: &mut Tx,
    booking: &Booking,
    now: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    let payload = Reminder::ReturnDue.payload(booking.terms.id);
    let at = Reminder::ReturnDue.due(booking);
    if !tx.reschedule(REMIND_JOB, &payload, at).await? && at > now {
        tx.enqueue(&NewJob::once(REMIND_JOB, payload, at), now)
            .await?;
    }
    Ok(())
}

/// Drops the reminders of a booking that ended before its time.
pub(super) async fn drop_all(tx: &mut Tx, id: BookingId) -> Result<(), sqlx::Error> {
    for reminder in Reminder::ALL {
        tx.drop_pending(REMIND_JOB, &reminder.payload(id)).await?;
    }
    Ok(())
}

/// Runs the reminder job with `payload` at `now`.
pub async fn remind(db: &Db, payload: &str, now: DateTime<Utc>) -> Result<(), AppError> {
    let (reminder, id) =
        Reminder::parse(payload).ok_or_else(|| AppError::internal("reminder", payload))?;
    let mut tx = db.begin_write().await?;
    let booking = match hold(&mut tx, id).await {
        Ok((_, booking)) => booking,
        Err(AppError::NotFound) => return Ok(()),
        Err(error) => return Err(error),
    };
    // Moved later (an extension while this job was being claimed): its new job tells.
    if !reminder.applies(&booking) || reminder.due(&booking) > now {
        return Ok(());
    }
    let told = tx.notify(&reminder.notices(&booking), now).await?;
    tx.append(&told, now).await?;
    tx.commit().await?;
    Ok(())
}
