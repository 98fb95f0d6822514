//! What the booking pages show, as it crosses from server to browser.

use crate::domain::evidence::PhotoStage;
use crate::domain::{BookingId, ListingId, PhotoId, RequestKey, UnitId, UserId};
use crate::domain::{BookingStatus, Money, Party, RentalPeriod};
use crate::error::AppError;
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

/// The message CONTRACT.md promises when someone else took the dates first.
pub const NO_LONGER_AVAILABLE: &str = "Those dates are no longer available: no unit is free \
     for them and the owner's turnaround after them. Pick other dates.";

/// The most bookings holding units one read of an owner's calendar answers (the latest):
/// a year of a few thousand bookings is a very busy shop.
pub const MOST_HOLDS: i64 = 5000;

/// A booking holding its unit: the rental days, then the owner's turnaround up to
/// `held_until` (exclusive).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnitHold {
    pub booking: BookingId,
    pub unit: UnitId,
    pub status: BookingStatus,
    pub renter: String,
    pub period: RentalPeriod,
    pub held_until: NaiveDate,
    /// The rental of all its days.
    pub rental: Money,
}

/// A request made of an owner and its first answer: accepted, declined or expired, and when.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequestAnswer {
    pub asked_at: DateTime<Utc>,
    pub answer: Option<(BookingStatus, DateTime<Utc>)>,
}

/// One line of a list of bookings (the renter's, or an owner's upcoming ones).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BookingLine {
    pub id: BookingId,
    pub listing_id: ListingId,
    pub listing_title: String,
    pub period: RentalPeriod,
    pub status: BookingStatus,
    pub total: Money,
    /// Taken from the renter's card (rental, fee, extensions and any deposit kept)...
    pub captured: Money,
    /// ...and given back to it.
    pub refunded: Money,
    /// The other side: the owner for a renter's list, the renter for an owner's.
    pub counterpart: String,
    /// Accepted or paid, and the unit's previous renter is overdue: the pickup may slip.
    pub at_risk: bool,
    /// The listing's time zone, whose days the booking's days are.
    pub time_zone: String,
    /// Out past its return time (and grace), as the clock marked it.
    pub overdue: bool,
}

impl BookingLine {
    /// What the booking has cost the renter's card so far, in the lists' "Charged" column:
    /// a request's money is only authorised, and a declined or lapsed one took nothing.
    pub fn charged_text(&self) -> String {
        let (captured, refunded) = (self.captured.minor, self.refunded.minor);
        let currency = self.total.currency;
        if captured > 0 {
            let net = Money::new(captured - refunded, currency);
            return match refunded {
                0 => net.to_string(),
                _ if net.minor <= 0 => format!("{} refunded", self.refunded),
                _ => format!("{net} ({} refunded)", self.refunded),
            };
        }
        match self.status {
            BookingStatus::Requested | BookingStatus::Accepted => {
                format!("{} authorised", self.total)
            }
            _ => "Nothing charged".to_owned(),
        }
    }
}

/// A booking in the admins' list: the line (its counterpart is the renter) and the owner.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdminBookingLine {
    pub line: BookingLine,
    pub owner: String,
}

/// A request waiting for its owner's answer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingRequest {
    pub booking: BookingLine,
    pub unit_label: String,
    pub rental: Money,
    pub expires_at: DateTime<Utc>,
    /// The renter, and how owners rated them as a renter.
    pub renter: UserId,
    pub renter_rating: crate::listings::model::Rating,
    pub renter_record: RenterRecord,
    /// What the renter wrote with the request, if anything.
    pub note: Option<String>,
}

/// How a renter has done on GearShare, for an owner deciding on their request.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RenterRecord {
    pub since: DateTime<Utc>,
    pub completed: i64,
    /// Rentals whose gear came back, and of those, how many late.
    pub returned: i64,
    pub returned_late: i64,
    /// Rentals where an owner claimed part of the deposit for damage.
    pub claims: i64,
}

impl RenterRecord {
    /// "Member since March 2026 · 3 completed rentals".
    pub fn summary(&self) -> String {
        let rentals = match self.completed {
            0 => "no completed rentals yet".to_owned(),
            1 => "1 completed rental".to_owned(),
            n => format!("{n} completed rentals"),
        };
        format!(
            "{} · {rentals}",
            crate::domain::member_since_text(self.since)
        )
    }

    /// "Returned 4 of 5 on time · no damage claims", or nothing before a first return.
    pub fn reliability(&self) -> Option<String> {
        if self.returned == 0 {
            return None;
        }
        let on_time = self.returned - self.returned_late;
        let claims = match self.claims {
            0 => "no damage claims".to_owned(),
            1 => "1 damage claim".to_owned(),
            n => format!("{n} damage claims"),
        };
        Some(format!(
            "Returned {on_time} of {} on time · {claims}",
            self.returned
        ))
    }
}

/// The owner's requests page.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequestsOverview {
    pub pending: Vec<PendingRequest>,
    pub upcoming: Vec<BookingLine>,
}

/// One entry of a booking's timeline.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimelineEntry {
    pub at: DateTime<Utc>,
    pub text: String,
}

/// What the person looking at a booking may do with it now.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum BookingAction {
    Accept,
    Decline,
    Cancel,
    ConfirmPickup,
    ConfirmReturn,
    ClaimDamage,
    ResolveDispute,
    Extend,
}

/// One booking as its renter, its owner or an admin sees it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BookingView {
    pub line: BookingLine,
    /// How the viewer takes part.
    pub viewer: Party,
    pub renter_name: String,
    pub owner_name: String,
    pub unit_label: String,
    pub rental: Money,
    pub service_fee: Money,
    pub deposit: Money,
    pub policy_summary: String,
    /// Shown once the owner has accepted.
    pub pickup_instructions: Option<String>,
    pub decline_reason: Option<String>,
    pub expires_at: Option<DateTime<Utc>>,
    pub timeline: Vec<TimelineEntry>,
    pub actions: Vec<BookingAction>,
    /// Every movement of the booking's money; the owner and admins also see the split.
    pub payments: Vec<crate::payments::model::PaymentLine>,
    /// The renter's card, for the renter and admins only.
    pub card_last4: Option<String>,
    /// What is handed over and back, while the handover is to come or under way.
    pub checklist: Vec<String>,
    /// What the handover waits for, in a sentence.
    pub waiting_for: Option<String>,
    /// Until when the owner may claim on the deposit, once the gear is back.
    pub claim_deadline: Option<DateTime<Utc>>,
    pub claim: Option<crate::domain::booking::Claim>,
    pub resolution: Option<crate::domain::booking::Resolution>,
    /// A late return: said to both sides while the gear is overdue, and once it is back late.
    pub late: Option<LateNotice>,
    /// The unit's previous renter is overdue: this booking's pickup may slip.
    pub at_risk: bool,
    /// The handover's and the claim's photos, oldest first.
    pub photos: Vec<EvidencePhoto>,
    /// The moment the viewer's photos would document now, if they may add some.
    pub photo_stage: Option<PhotoStage>,
    /// What cancelling now would do to the money, said before the viewer confirms; `None`
    /// when they may not cancel.
    pub cancel_outcome: Option<String>,
}

/// One evidence photo of a booking; its file is `/bookings/{booking}/photos/{id}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EvidencePhoto {
    pub id: PhotoId,
    pub stage: PhotoStage,
    pub by: Party,
    pub width: u32,
    pub height: u32,
}

/// What a late return costs so far.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LateNotice {
    pub due_at: DateTime<Utc>,
    pub per_day: Money,
    pub fee: Money,
    /// Still out (overdue), or back late.
    pub still_out: bool,
}

/// The extend page: the booking as it stands, and the new return day asked for, priced.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExtensionPage {
    pub booking: BookingId,
    pub listing_title: String,
    pub current: RentalPeriod,
    /// Why the booking can't be extended now, if it can't.
    pub closed: Option<String>,
    /// The return day asked for, priced; or why it can't be had.
    pub offer: Option<Result<ExtensionOffer, AppError>>,
    /// The payment form's idempotency key.
    pub key: RequestKey,
}

/// What extending to a new return day costs.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExtensionOffer {
    pub extended: RentalPeriod,
    /// The booking's rental and service fee once extended, in all.
    pub rental: Money,
    pub service_fee: Money,
    /// What the card pays now.
    pub charge: Money,
    pub deposit: Money,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Currency;
    use chrono::TimeZone;

    fn line(status: BookingStatus, captured: i64, refunded: i64) -> BookingLine {
        let euros = |minor| Money::new(minor, Currency::Eur);
        let day = |d| NaiveDate::from_ymd_opt(2026, 7, d).unwrap();
        BookingLine {
            id: BookingId::from_u128(1),
            listing_id: ListingId::from_u128(2),
            listing_title: "Tent".into(),
            period: RentalPeriod::new(day(20), day(23)).unwrap(),
            status,
            total: euros(6_600),
            captured: euros(captured),
            refunded: euros(refunded),
            counterpart: "Olga".into(),
            at_risk: false,
            time_zone: "UTC".into(),
            overdue: false,
        }
    }

    #[test]
    fn lists_show_what_the_card_actually_gave() {
        use BookingStatus::*;
        assert_eq!(line(Requested, 0, 0).charged_text(), "€66.00 authorised");
        assert_eq!(line(Declined, 0, 0).charged_text(), "Nothing charged");
        assert_eq!(line(Expired, 0, 0).charged_text(), "Nothing charged");
        assert_eq!(line(Cancelled, 0, 0).charged_text(), "Nothing charged");
        assert_eq!(line(Paid, 6_600, 0).charged_text(), "€66.00");
        assert_eq!(
            line(Cancelled, 6_600, 6_600).charged_text(),
            "€66.00 refunded"
        );
        assert_eq!(
            line(Cancelled, 6_600, 3_300).charged_text(),
            "€33.00 (€33.00 refunded)"
        );
    }

    #[test]
    fn a_renter_s_record_in_words() {
        let record = |completed, returned, returned_late, claims| RenterRecord {
            since: Utc.with_ymd_and_hms(2026, 3, 14, 9, 0, 0).unwrap(),
            completed,
            returned,
            returned_late,
            claims,
        };
        assert_eq!(
            record(0, 0, 0, 0).summary(),
            "Member since March 2026 · no completed rentals yet"
        );
        assert_eq!(record(0, 0, 0, 0).reliability(), None);
        assert_eq!(
            record(3, 5, 1, 1).summary(),
            "Member since March 2026 · 3 completed rentals"
        );
        assert_eq!(
            record(3, 5, 1, 1).reliability().as_deref(),
            Some("Returned 4 of 5 on time · 1 damage claim")
        );
        assert_eq!(
            record(1, 1, 0, 0).reliability().as_deref(),
            Some("Returned 1 of 1 on time · no damage claims")
        );
    }
}
