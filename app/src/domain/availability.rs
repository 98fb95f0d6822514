//! Which days a listing cannot be booked at all: every one of its units is taken. The listing
//! page's calendar shows them; the database still decides each request (see
//! `bookings::service`), so this is for people, not for correctness.

use super::ids::UnitId;
use chrono::{Days, NaiveDate};

/// Days the listing page's calendar covers, from today: three months.
pub const CALENDAR_DAYS: u64 = 92;

/// One unit taken for the half-open days `[from, to)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Taken {
    pub unit: UnitId,
    pub from: NaiveDate,
    pub to: NaiveDate,
}

/// The days of `first .. first + days` on which `units` distinct units are all taken.
pub fn fully_taken_days(
    taken: &[Taken],
    units: usize,
    first: NaiveDate,
    days: u64,
) -> Vec<NaiveDate> {
    if units == 0 {
        return Vec::new();
    }
    (0..days)
        .filter_map(|offset| first.checked_add_days(Days::new(offset)))
        .filter(|day| {
            let mut busy: Vec<UnitId> = taken
                .iter()
                .filter(|t| t.from <= *day && *day < t.to)
                .map(|t| t.unit)
                .collect();
            busy.sort_unstable();
            busy.dedup();
            busy.len() >= units
        })
        .collect()
}

/// Whether the days `[from, to)` include one of `unavailable`.
pub fn touches(unavailable: &[NaiveDate], from: NaiveDate, to: NaiveDate) -> bool {
    unavailable.iter().any(|day| from <= *day && *day < to)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 8, d).unwrap()
    }

    fn taken(unit: u128, from: u32, to: u32) -> Taken {
        Taken {
            unit: UnitId::from_u128(unit),
            from: day(from),
            to: day(to),
        }
    }

    #[test]
    fn a_day_is_unavailable_only_when_every_unit_is_taken() {
        let reservations = [taken(1, 3, 6), taken(2, 5, 8), taken(1, 7, 9)];
        assert_eq!(
            fully_taken_days(&reservations, 2, day(1), 10),
            vec![day(5), day(7)]
        );
        assert_eq!(
            fully_taken_days(&reservations, 1, day(1), 10),
            (3..9).map(day).collect::<Vec<_>>()
        );
    }

    #[test]
    fn two_reservations_of_one_unit_count_once() {
        let reservations = [taken(1, 3, 5), taken(1, 4, 6)];
        assert!(fully_taken_days(&reservations, 2, day(1), 10).is_empty());
    }

    #[test]
    fn the_return_day_is_free_again() {
        let unavailable = fully_taken_days(&[taken(1, 3, 5)], 1, day(1), 10);
        assert!(touches(&unavailable, day(4), day(6)));
        assert!(!touches(&unavailable, day(5), day(7)));
        assert!(!touches(&unavailable, day(1), day(3)));
    }
}
