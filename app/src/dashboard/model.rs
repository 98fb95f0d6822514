//! What the owner's dashboard shows.

use crate::bookings::model::{BookingLine, PendingRequest};
use crate::earnings::model::Row;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// Today at a glance, for one owner, on the day it is where they are.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Glance {
    pub today: NaiveDate,
    /// Requests waiting for an answer, the soonest deadline first.
    pub requests: Vec<PendingRequest>,
    /// Gear to hand over today or tomorrow (accepted or paid bookings starting then).
    pub pickups: Vec<BookingLine>,
    /// Gear due back today or tomorrow.
    pub returns: Vec<BookingLine>,
    /// Gear out past its return.
    pub overdue: Vec<BookingLine>,
    /// This month's earnings row, one per currency.
    pub month: Vec<Row>,
    pub unread_messages: i64,
}

/// Where a renter's booking stands, for the three parts of `/bookings`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Stage {
    /// Asked for, accepted or paid: the pickup is to come.
    Upcoming,
    /// The gear is out, or back with the deposit not yet settled.
    InProgress,
    /// Finished one way or another.
    Past,
}

impl Stage {
    pub fn of(status: crate::domain::BookingStatus) -> Self {
        use crate::domain::BookingStatus::*;
        match status {
            Requested | Accepted | Paid => Self::Upcoming,
            PickedUp | Returned | Disputed => Self::InProgress,
            Completed | Declined | Expired | Cancelled => Self::Past,
        }
    }
}

/// What the renter does next about a booking, on the booking's page.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum NextStep {
    ConfirmPickup,
    ConfirmReturn,
    /// The return day has passed and the gear is still out.
    ReturnNow,
    ReadClaim,
    LeaveReview,
}

impl NextStep {
    pub fn text(self) -> &'static str {
        match self {
            Self::ConfirmPickup => "Confirm pickup",
            Self::ConfirmReturn => "Confirm return",
            Self::ReturnNow => "Return it: overdue",
            Self::ReadClaim => "Read the claim",
            Self::LeaveReview => "Leave a review",
        }
    }
}

/// One of the renter's bookings and what to do next, if anything.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RenterLine {
    pub line: BookingLine,
    pub next: Option<NextStep>,
}

/// The renter's bookings in their three parts, each in the order of the list.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RenterBookings {
    pub upcoming: Vec<RenterLine>,
    pub in_progress: Vec<RenterLine>,
    pub past: Vec<RenterLine>,
}
