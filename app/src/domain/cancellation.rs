//! Cancellation policies: what a renter gets back when a booking is cancelled, decided by the
//! listing's policy and how long before the pickup the cancellation comes. The deposit is a
//! hold, never a charge, so it is always released in full and is not part of a refund.

use super::money::Money;
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum CancellationPolicy {
    Flexible,
    #[default]
    Moderate,
    Strict,
}

/// How the policy treats a cancellation by the renter: a full refund (rental and service
/// fee) up to `full_before` the pickup, half the rental up to `half_before`, nothing after.
struct Terms {
    full_before: Duration,
    half_before: Duration,
}

impl CancellationPolicy {
    pub const ALL: [CancellationPolicy; 3] = [Self::Flexible, Self::Moderate, Self::Strict];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Flexible => "flexible",
            Self::Moderate => "moderate",
            Self::Strict => "strict",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.as_str() == text.trim())
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Flexible => "Flexible",
            Self::Moderate => "Moderate",
            Self::Strict => "Strict",
        }
    }

    /// The policy in one sentence, as renters read it before they book.
    pub fn summary(self) -> &'static str {
        match self {
            Self::Flexible => {
                "Full refund up to 24 hours before pickup, then half the rental until pickup."
            }
            Self::Moderate => {
                "Full refund up to 5 days before pickup, then half the rental until 24 hours before."
            }
            Self::Strict => {
                "Full refund up to 14 days before pickup, then half the rental until 7 days before."
            }
        }
    }

    fn terms(self) -> Terms {
        let (full, half) = match self {
            Self::Flexible => (Duration::hours(24), Duration::zero()),
            Self::Moderate => (Duration::days(5), Duration::hours(24)),
            Self::Strict => (Duration::days(14), Duration::days(7)),
        };
        Terms {
            full_before: full,
            half_before: half,
        }
    }
}

/// What the renter paid (or was authorised for) apart from the deposit.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Charged {
    pub rental: Money,
    pub service_fee: Money,
}

/// The part of [`Charged`] that goes back to the renter.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Refund {
    pub rental: Money,
    pub service_fee: Money,
}

impl Refund {
    pub fn full(charged: Charged) -> Self {
        Self {
            rental: charged.rental,
            service_fee: charged.service_fee,
        }
    }

    pub fn total_minor(&self) -> i64 {
        self.rental.minor + self.service_fee.minor
    }
}

/// The refund for a renter who cancels at `at` a booking picked up at `pickup_at`. An owner's
/// or an admin's cancellation, and any cancellation before the owner accepted, refund in full:
/// the booking decides that, see `booking::decide`.
pub fn renter_refund(
    policy: CancellationPolicy,
    charged: Charged,
    pickup_at: DateTime<Utc>,
    at: DateTime<Utc>,
) -> Refund {
    let notice = pickup_at - at;
    let terms = policy.terms();
    let currency = charged.rental.currency;
    if notice >= terms.full_before {
        Refund::full(charged)
    } else if notice >= terms.half_before && notice > Duration::zero() {
        // Rounded down: a refund never exceeds the share the policy promises.
        Refund {
            rental: Money::new(charged.rental.minor / 2, currency),
            service_fee: Money::new(0, charged.service_fee.currency),
        }
    } else {
        Refund {
            rental: Money::new(0, currency),
            service_fee: Money::new(0, charged.service_fee.currency),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Currency;
    use chrono::TimeZone;
    use proptest::prelude::*;

    fn charged() -> Charged {
        Charged {
            rental: Money::new(10_001, Currency::Eur),
            service_fee: Money::new(1_000, Currency::Eur),
        }
    }

    fn pickup() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 7, 20, 0, 0, 0).unwrap()
    }

    fn refund_at(policy: CancellationPolicy, before: Duration) -> i64 {
        renter_refund(policy, charged(), pickup(), pickup() - before).total_minor()
    }

    #[test]
    fn each_policy_refunds_in_full_then_half_the_rental_then_nothing() {
        use CancellationPolicy::*;
        let table = [
            (Flexible, Duration::hours(24), 11_001),
            (Flexible, Duration::hours(23), 5_000),
            (Flexible, Duration::minutes(1), 5_000),
            (Flexible, Duration::zero(), 0),
            (Moderate, Duration::days(5), 11_001),
            (Moderate, Duration::days(4), 5_000),
            (Moderate, Duration::hours(24), 5_000),
            (Moderate, Duration::hours(23), 0),
            (Strict, Duration::days(14), 11_001),
            (Strict, Duration::days(7), 5_000),
            (Strict, Duration::days(6), 0),
        ];
        for (policy, before, expected) in table {
            assert_eq!(refund_at(policy, before), expected, "{policy:?} {before}");
        }
    }

    #[test]
    fn after_pickup_nothing_is_refunded() {
        for policy in CancellationPolicy::ALL {
            assert_eq!(refund_at(policy, Duration::hours(-3)), 0);
        }
    }

    #[test]
    fn policies_round_trip_through_their_names() {
        for policy in CancellationPolicy::ALL {
            assert_eq!(CancellationPolicy::parse(policy.as_str()), Some(policy));
        }
        assert_eq!(CancellationPolicy::parse("lenient"), None);
    }

    proptest! {
        #[test]
        fn a_refund_never_exceeds_what_was_paid_and_never_grows_closer_to_pickup(
            rental in 0i64..10_000_000, fee in 0i64..1_000_000,
            early in -400i64..10_000, later in 0i64..400,
            policy in prop::sample::select(CancellationPolicy::ALL.to_vec()),
        ) {
            let charged = Charged {
                rental: Money::new(rental, Currency::Gbp),
                service_fee: Money::new(fee, Currency::Gbp),
            };
            let at = pickup() - Duration::hours(early);
            let refund = renter_refund(policy, charged, pickup(), at);
            prop_assert!(refund.rental.minor >= 0 && refund.rental.minor <= rental);
            prop_assert!(refund.service_fee.minor >= 0 && refund.service_fee.minor <= fee);
            let closer = renter_refund(policy, charged, pickup(), at + Duration::hours(later));
            prop_assert!(closer.total_minor() <= refund.total_minor());
        }
    }
}
