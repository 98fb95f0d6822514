use chrono::{DateTime, Datelike, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use std::fmt;

/// The longest rental anyone can ask for; keeps every price computation far from overflow.
pub const MAX_RENTAL_DAYS: i64 = 366;

/// A rental period as a half-open range of days `[from, to)`: the renter picks the gear up on
/// `from` and returns it on `to`, when the unit is free again. `from < to` always holds, so a
/// period lasts at least one day.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct RentalPeriod {
    from: NaiveDate,
    to: NaiveDate,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum PeriodError {
    /// The return day is on or before the pickup day.
    EndNotAfterStart,
    /// Longer than [`MAX_RENTAL_DAYS`].
    TooLong,
}

impl fmt::Display for PeriodError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::EndNotAfterStart => f.write_str("Pick a return date after the pickup date."),
            Self::TooLong => write!(f, "A rental can last at most {MAX_RENTAL_DAYS} days."),
        }
    }
}

/// Reads the `YYYY-MM-DD` a date input submits. Written by hand rather than with chrono's
/// format parser, which would add its whole strftime machinery to the wasm.
pub fn parse_iso_date(text: &str) -> Option<NaiveDate> {
    let mut parts = text.trim().splitn(3, '-');
    let year = parts.next().filter(|y| y.len() == 4)?.parse().ok()?;
    let month = parts.next().filter(|m| m.len() == 2)?.parse().ok()?;
    let day = parts.next().filter(|d| d.len() == 2)?.parse().ok()?;
    NaiveDate::from_ymd_opt(year, month, day)
}

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

const MONTH_NAMES: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// "December 2026", for month `month` (1 to 12) of `year`.
pub fn month_text(year: i32, month: u32) -> String {
    let name = MONTH_NAMES
        .get(month.wrapping_sub(1) as usize)
        .unwrap_or(&"");
    format!("{name} {year}")
}

/// "Member since March 2026", built on [`month_text`]: chrono's formatter would add to the
/// wasm, where profiles and requests are drawn too.
pub fn member_since_text(since: DateTime<Utc>) -> String {
    format!("Member since {}", month_text(since.year(), since.month()))
}

/// "Tue 1 Dec": a day near enough that its year goes without saying.
pub fn weekday_text(date: NaiveDate) -> String {
    const WEEKDAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
    format!(
        "{} {} {}",
        WEEKDAYS[date.weekday().num_days_from_monday() as usize],
        date.day(),
        MONTHS[date.month0() as usize]
    )
}

/// "20 Jul 2026", by hand for the same reason as [`parse_iso_date`].
pub fn day_text(date: NaiveDate) -> String {
    format!(
        "{} {} {}",
        date.day(),
        MONTHS[date.month0() as usize],
        date.year()
    )
}

impl RentalPeriod {
    pub fn new(from: NaiveDate, to: NaiveDate) -> Result<Self, PeriodError> {
        let days = (to - from).num_days();
        if days < 1 {
            Err(PeriodError::EndNotAfterStart)
        } else if days > MAX_RENTAL_DAYS {
            Err(PeriodError::TooLong)
        } else {
            Ok(Self { from, to })
        }
    }

    pub fn from(&self) -> NaiveDate {
        self.from
    }

    pub fn to(&self) -> NaiveDate {
        self.to
    }

    /// Number of rental days, between 1 and [`MAX_RENTAL_DAYS`].
    pub fn days(&self) -> i64 {
        (self.to - self.from).num_days()
    }

    /// "20 Jul 2026 to 23 Jul 2026": pickup day to return day.
    pub fn describe(&self) -> String {
        format!("{} to {}", day_text(self.from), day_text(self.to))
    }

    /// Half-open overlap: a period ending on the day another starts does not clash with it.
    pub fn overlaps(&self, other: &RentalPeriod) -> bool {
        self.from < other.to && other.from < self.to
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn member_since_names_the_month_in_full() {
        let since = chrono::TimeZone::with_ymd_and_hms(&Utc, 2026, 3, 31, 23, 0, 0).unwrap();
        assert_eq!(member_since_text(since), "Member since March 2026");
    }

    fn day(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 7, d).unwrap()
    }

    #[test]
    fn iso_dates_parse_and_anything_else_is_refused() {
        assert_eq!(parse_iso_date("2026-07-03"), Some(day(3)));
        for bad in [
            "",
            "2026-7-3",
            "2026-02-30",
            "03/07/2026",
            "2026-07-03x",
            "+2026-07-03",
        ] {
            assert_eq!(parse_iso_date(bad), None, "{bad}");
        }
    }

    proptest! {
        #[test]
        fn dates_round_trip_through_their_iso_text(offset in 0i64..200_000) {
            let date = NaiveDate::from_ymd_opt(1970, 1, 1).unwrap() + chrono::Duration::days(offset);
            prop_assert_eq!(parse_iso_date(&date.to_string()), Some(date));
        }
    }

    #[test]
    fn periods_read_as_pickup_and_return_days() {
        let period = RentalPeriod::new(day(20), day(23)).unwrap();
        assert_eq!(period.describe(), "20 Jul 2026 to 23 Jul 2026");
    }

    #[test]
    fn a_period_lasts_at_least_one_day() {
        assert_eq!(
            RentalPeriod::new(day(3), day(3)),
            Err(PeriodError::EndNotAfterStart)
        );
        assert_eq!(
            RentalPeriod::new(day(4), day(3)),
            Err(PeriodError::EndNotAfterStart)
        );
        assert_eq!(RentalPeriod::new(day(3), day(4)).unwrap().days(), 1);
    }

    #[test]
    fn periods_longer_than_the_maximum_are_refused() {
        let start = day(1);
        let end = start + chrono::Days::new(MAX_RENTAL_DAYS as u64 + 1);
        assert_eq!(RentalPeriod::new(start, end), Err(PeriodError::TooLong));
    }

    #[test]
    fn back_to_back_periods_do_not_overlap() {
        let first = RentalPeriod::new(day(1), day(5)).unwrap();
        let next = RentalPeriod::new(day(5), day(8)).unwrap();
        let clash = RentalPeriod::new(day(4), day(6)).unwrap();
        assert!(!first.overlaps(&next));
        assert!(first.overlaps(&clash) && next.overlaps(&clash));
    }

    proptest! {
        #[test]
        fn overlap_is_symmetric_and_matches_shared_days(
            a in 1u32..20, la in 1u32..10, b in 1u32..20, lb in 1u32..10,
        ) {
            let p = RentalPeriod::new(day(a), day(a + la)).unwrap();
            let q = RentalPeriod::new(day(b), day(b + lb)).unwrap();
            let shares_a_day = (a..a + la).any(|d| (b..b + lb).contains(&d));
            prop_assert_eq!(p.overlaps(&q), q.overlaps(&p));
            prop_assert_eq!(p.overlaps(&q), shares_a_day);
        }
    }
}
