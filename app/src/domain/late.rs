//! Late returns: when gear is due back, and what a late return costs. The fee is the
//! listing's late fee for every day or part of a day past the grace period, taken from the
//! deposit and never more than the deposit.

use super::Money;
use chrono::{DateTime, Duration, Utc};

/// The grace after the due time before a return counts as late.
pub const GRACE: Duration = Duration::hours(2);

/// The fee for gear due at `due_at` and back at `returned_at`, at `per_day` for each day or
/// part of one past the grace, capped at `deposit`.
pub fn late_fee(
    per_day: Money,
    deposit: Money,
    due_at: DateTime<Utc>,
    returned_at: DateTime<Utc>,
) -> Money {
    let late = returned_at - (due_at + GRACE);
    if late <= Duration::zero() || per_day.minor <= 0 {
        return Money::new(0, deposit.currency);
    }
    let days = (late.num_seconds() + 86_399) / 86_400;
    let fee = per_day.minor.saturating_mul(days).min(deposit.minor.max(0));
    Money::new(fee, deposit.currency)
}

/// Whether gear due at `due_at` is overdue at `now`.
pub fn overdue(due_at: DateTime<Utc>, now: DateTime<Utc>) -> bool {
    now >= due_at + GRACE
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Currency;
    use chrono::TimeZone;
    use proptest::prelude::*;

    fn eur(minor: i64) -> Money {
        Money::new(minor, Currency::Eur)
    }

    fn due() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 7, 23, 0, 0, 0).unwrap()
    }

    #[test]
    fn a_return_within_the_grace_costs_nothing_and_each_started_day_after_it_costs_a_fee() {
        let at = |hours| due() + Duration::hours(hours);
        assert_eq!(late_fee(eur(1_500), eur(10_000), due(), at(2)).minor, 0);
        assert!(!overdue(due(), at(1)));
        assert!(overdue(due(), at(2)));
        assert_eq!(late_fee(eur(1_500), eur(10_000), due(), at(3)).minor, 1_500);
        assert_eq!(
            late_fee(eur(1_500), eur(10_000), due(), at(26)).minor,
            1_500
        );
        assert_eq!(
            late_fee(eur(1_500), eur(10_000), due(), at(27)).minor,
            3_000
        );
        assert_eq!(
            late_fee(eur(1_500), eur(2_000), due(), at(100)).minor,
            2_000,
            "capped"
        );
        assert_eq!(late_fee(eur(0), eur(10_000), due(), at(100)).minor, 0);
    }

    proptest! {
        #[test]
        fn a_late_fee_never_exceeds_the_deposit_and_never_shrinks_with_time(
            per_day in 0i64..1_000_000,
            deposit in 0i64..10_000_000,
            first in -100_000i64..10_000_000,
            more in 0i64..10_000_000,
        ) {
            let earlier = due() + Duration::seconds(first);
            let later = earlier + Duration::seconds(more);
            let a = late_fee(eur(per_day), eur(deposit), due(), earlier);
            let b = late_fee(eur(per_day), eur(deposit), due(), later);
            prop_assert!(a.minor >= 0 && b.minor <= deposit);
            prop_assert!(a.minor <= b.minor);
        }
    }
}
