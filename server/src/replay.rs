//! `gearshare replay`: rebuilds every booking from its events and compares the result with
//! the bookings table and the reservations that hold units. In a healthy database there is no
//! difference; `--apply` writes the rebuilt values over the stored ones.

use app::bookings::service::reserved_until;
use app::bookings::store::StoredBooking;
use app::domain::booking::{replay, Booking, BookingEvent};
use app::domain::BookingId;
use app::store::Db;
use std::collections::BTreeMap;
use std::fmt;

/// One way the stored state disagrees with the events.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Difference {
    pub booking: BookingId,
    pub what: &'static str,
    pub stored: String,
    pub rebuilt: String,
}

impl fmt::Display for Difference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "booking {}: {} is {:?}, the events say {:?}",
            self.booking, self.what, self.stored, self.rebuilt
        )
    }
}

#[derive(Debug, Default)]
pub struct Report {
    pub bookings: usize,
    pub events: usize,
    pub differences: Vec<Difference>,
    /// Pairs of reservations holding one unit on a shared day: always 0.
    pub overlaps: i64,
}

fn text<T: fmt::Debug>(value: T) -> String {
    format!("{value:?}")
}

/// The columns a booking row should hold, as (name, stored, rebuilt).
fn compare(row: &StoredBooking, booking: &Booking) -> Vec<(&'static str, String, String)> {
    let t = &booking.terms;
    let (cancelled_by, refund) = match booking.cancellation {
        Some((by, refund)) => (Some(by.as_str().to_owned()), Some(refund.total_minor())),
        None => (None, None),
    };
    vec![
        (
            "status",
            row.status.clone(),
            booking.status.as_str().to_owned(),
        ),
        ("listing", text(row.listing_id), text(t.listing)),
        ("unit", text(row.unit_id), text(t.unit)),
        ("renter", text(row.renter_id), text(t.renter)),
        (
            "dates",
            text((row.starts_on, row.ends_on)),
            text((t.period.from(), t.period.to())),
        ),
        (
            "total",
            row.total_minor.to_string(),
            t.quote.total.minor.to_string(),
        ),
        (
            "decline reason",
            text(&row.decline_reason),
            text(&booking.decline_reason),
        ),
        ("cancelled by", text(&row.cancelled_by), text(&cancelled_by)),
        ("refund", text(row.refund_minor), text(refund)),
        (
            "overdue",
            row.overdue.to_string(),
            booking.handover.overdue.to_string(),
        ),
        (
            "reservation",
            text((row.held_unit, row.held_from, row.held_until)),
            text(if booking.status.holds_unit() {
                (Some(t.unit), Some(t.period.from()), Some(reserved_until(t)))
            } else {
                (None, None, None)
            }),
        ),
    ]
}

/// Every booking's events, in order.
pub type Logs = BTreeMap<BookingId, Vec<BookingEvent>>;

/// Each booking's events, from `(booking, payload)` rows in order; and the payloads that
/// could not be read, with why.
pub fn group_events(rows: Vec<(BookingId, String)>) -> (Logs, Vec<(BookingId, String)>) {
    let mut logs: BTreeMap<BookingId, Vec<BookingEvent>> = BTreeMap::new();
    let mut unreadable = Vec::new();
    for (booking, payload) in rows {
        match serde_json::from_str(&payload) {
            Ok(event) => logs.entry(booking).or_default().push(event),
            Err(error) => unreadable.push((booking, error.to_string())),
        }
    }
    (logs, unreadable)
}

/// Rebuilds every booking from its events and lists where the stored state differs.
pub async fn check(db: &Db) -> Result<Report, sqlx::Error> {
    // One snapshot, so that a booking changed by a running server between two reads is not
    // reported as a difference.
    let mut tx = db.begin_snapshot().await?;
    let events = tx.all_booking_events().await?;
    let rows = tx.stored_bookings().await?;
    let overlaps = tx.overlapping_reservations().await?;
    tx.commit().await?;
    let mut report = Report {
        events: events.len(),
        overlaps,
        ..Report::default()
    };
    let (logs, unreadable) = group_events(events);
    for (booking, error) in unreadable {
        report.differences.push(Difference {
            booking,
            what: "event",
            stored: error,
            rebuilt: "a readable event".into(),
        });
    }
    let mut rows: BTreeMap<BookingId, StoredBooking> =
        rows.into_iter().map(|r| (r.id, r)).collect();
    report.bookings = logs.len().max(rows.len());
    for (id, log) in &logs {
        let rebuilt = match replay(log) {
            Ok(booking) => booking,
            Err(error) => {
                report.differences.push(Difference {
                    booking: *id,
                    what: "events",
                    stored: error.to_string(),
                    rebuilt: "a valid history".into(),
                });
                continue;
            }
        };
        let Some(row) = rows.remove(id) else {
            report.differences.push(Difference {
                booking: *id,
                what: "row",
                stored: "missing".into(),
                rebuilt: rebuilt.status.as_str().into(),
            });
            continue;
        };
        for (what, stored, rebuilt) in compare(&row, &rebuilt) {
            if stored != rebuilt {
                report.differences.push(Difference {
                    booking: *id,
                    what,
                    stored,
                    rebuilt,
                });
            }
        }
    }
    for id in rows.into_keys() {
        report.differences.push(Difference {
            booking: id,
            what: "events",
            stored: "none".into(),
            rebuilt: "a request".into(),
        });
    }
    Ok(report)
}

/// Writes what the events say over every booking that differs: its row, and the reservation
/// of its unit. Returns how many were rewritten, and why the others could not be (no
/// readable events, or a unit someone else reserved meanwhile).
pub async fn apply(db: &Db, report: &Report) -> (usize, Vec<(BookingId, String)>) {
    let mut ids: Vec<BookingId> = report.differences.iter().map(|d| d.booking).collect();
    ids.sort_unstable();
    ids.dedup();
    let mut changed = 0;
    let mut failed = Vec::new();
    for id in ids {
        match app::bookings::service::overwrite_row(db, id, chrono::Utc::now()).await {
            Ok(()) => changed += 1,
            Err(error) => failed.push((id, error.to_string())),
        }
    }
    (changed, failed)
}
