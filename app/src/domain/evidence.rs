//! Photos as evidence: what the renter and the owner photograph at the handover, and what the
//! owner shows of a damage claim. Which moment a photo belongs to follows from where the
//! booking stands and who takes it, so nobody files a photo under the wrong moment.

use super::booking::{Booking, BookingStatus, Refusal};
use super::Party;
use serde::{Deserialize, Serialize};

/// A booking keeps at most this many photos per side and moment.
pub const MAX_PHOTOS_PER_STAGE: usize = 8;

/// The moment a photo documents.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum PhotoStage {
    Pickup,
    Return,
    Claim,
}

impl PhotoStage {
    pub const ALL: [PhotoStage; 3] = [Self::Pickup, Self::Return, Self::Claim];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pickup => "pickup",
            Self::Return => "return",
            Self::Claim => "claim",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == text)
    }

    /// The moment in words, for captions and headings.
    pub fn label(self) -> &'static str {
        match self {
            Self::Pickup => "At pickup",
            Self::Return => "At return",
            Self::Claim => "Damage claim",
        }
    }
}

/// The moment `party`'s photos of `booking` document now: the pickup until both sides have
/// confirmed it, then the return; after the return the owner's photos back a damage claim,
/// and the renter may still add to the return's (to answer one).
pub fn photo_stage(booking: &Booking, party: Party) -> Result<PhotoStage, Refusal> {
    if !matches!(party, Party::Renter | Party::Owner) {
        return Err(Refusal::NotAllowed);
    }
    let owner = party == Party::Owner;
    match booking.status {
        BookingStatus::Paid => Ok(PhotoStage::Pickup),
        BookingStatus::PickedUp => Ok(PhotoStage::Return),
        BookingStatus::Returned | BookingStatus::Disputed if owner => Ok(PhotoStage::Claim),
        BookingStatus::Returned | BookingStatus::Disputed => Ok(PhotoStage::Return),
        status => Err(Refusal::NotNow {
            status,
            wanted: "photographed",
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(status: BookingStatus) -> Booking {
        use crate::domain::booking::{open, replay, NewBooking};
        use crate::domain::pricing::sample_prices;
        use crate::domain::{quote, CancellationPolicy, RentalPeriod};
        use chrono::{NaiveDate, TimeZone, Utc};
        let prices = sample_prices();
        let (from, to) = (
            NaiveDate::from_ymd_opt(2026, 7, 20).unwrap(),
            NaiveDate::from_ymd_opt(2026, 7, 23).unwrap(),
        );
        let pickup_at = Utc.with_ymd_and_hms(2026, 7, 20, 0, 0, 0).unwrap();
        let mut booking = replay(&open(NewBooking {
            id: crate::domain::ids::BookingId::from_u128(1),
            listing: crate::domain::ids::ListingId::from_u128(2),
            unit: crate::domain::ids::UnitId::from_u128(3),
            renter: crate::domain::ids::UserId::from_u128(4),
            owner: crate::domain::ids::UserId::from_u128(5),
            period: RentalPeriod::new(from, to).unwrap(),
            buffer_days: 0,
            quote: quote(&prices, from, to, from, 1_000).unwrap(),
            policy: CancellationPolicy::Flexible,
            pickup_at,
            expires_at: pickup_at,
            instant: true,
            claim_window_minutes: 60,
            included: Vec::new(),
            late_fee_per_day_minor: 0,
            due_at: None,
            time_zone: None,
        }))
        .unwrap();
        booking.status = status;
        booking
    }

    #[test]
    fn each_side_photographs_the_moment_the_booking_is_at() {
        use BookingStatus::*;
        for (status, renter, owner) in [
            (Paid, Some(PhotoStage::Pickup), Some(PhotoStage::Pickup)),
            (PickedUp, Some(PhotoStage::Return), Some(PhotoStage::Return)),
            (Returned, Some(PhotoStage::Return), Some(PhotoStage::Claim)),
            (Disputed, Some(PhotoStage::Return), Some(PhotoStage::Claim)),
            (Requested, None, None),
            (Accepted, None, None),
            (Completed, None, None),
            (Cancelled, None, None),
        ] {
            let booking = at(status);
            assert_eq!(
                photo_stage(&booking, Party::Renter).ok(),
                renter,
                "{status:?}"
            );
            assert_eq!(
                photo_stage(&booking, Party::Owner).ok(),
                owner,
                "{status:?}"
            );
            assert_eq!(
                photo_stage(&booking, Party::Admin),
                Err(Refusal::NotAllowed)
            );
        }
    }

    #[test]
    fn stages_read_back_from_their_names() {
        for stage in PhotoStage::ALL {
            assert_eq!(PhotoStage::parse(stage.as_str()), Some(stage));
        }
        assert_eq!(PhotoStage::parse("during"), None);
    }
}
