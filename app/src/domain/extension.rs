//! Extensions: the renter keeps the gear longer, on the same unit. The whole stay is priced
//! again by the listing's prices of today (a longer stay may reach its weekly or monthly
//! price), and the renter pays the difference to what the booking already costs. Never less
//! than nothing: a renter who asks for more days is not refunded because the owner has
//! lowered the price since.

use super::money::Money;
use super::period::{day_text, PeriodError, RentalPeriod};
use super::pricing::{price, ListingPrices, Quote, QuoteError};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::fmt;

/// A priced extension of a booking to a later return day.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Extension {
    /// The new return day (exclusive, as a booking's `to`).
    pub to: NaiveDate,
    /// The booking's quote once extended: its days, and what it has cost in all.
    pub quote: Quote,
    /// What the renter pays now: rental and service fee.
    pub charge: Money,
}

/// Why a booking cannot be extended to a day.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExtensionError {
    /// The new return day is not after the current one.
    NotLater {
        current: NaiveDate,
    },
    Period(PeriodError),
    /// The longer stay breaks the listing's maximum, or the listing cannot be priced.
    Quote(QuoteError),
    /// The listing is priced in another currency than the booking was paid in.
    CurrencyChanged,
}

impl fmt::Display for ExtensionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NotLater { current } => write!(
                f,
                "Pick a return date after the current one, {}.",
                day_text(*current)
            ),
            Self::Period(error) => error.fmt(f),
            Self::Quote(error) => error.fmt(f),
            Self::CurrencyChanged => f.write_str(
                "The owner now prices this listing in another currency, so it can't be extended here. Ask the owner.",
            ),
        }
    }
}

impl ExtensionError {
    /// The form field the refusal belongs next to: the new return date, or none.
    pub fn field(self) -> Option<&'static str> {
        match self {
            Self::NotLater { .. } | Self::Period(_) | Self::Quote(QuoteError::TooLong { .. }) => {
                Some("to")
            }
            Self::Quote(_) | Self::CurrencyChanged => None,
        }
    }
}

/// Prices the extension of a booking of `period`, which has cost `booked` so far, to `to`, by
/// the listing's `prices` of today and a service fee of `fee_bps`. Of the listing's rules
/// only the maximum stay applies: notice and minimum were met when the booking was made.
pub fn price_extension(
    booked: &Quote,
    period: RentalPeriod,
    to: NaiveDate,
    prices: &ListingPrices,
    fee_bps: u32,
) -> Result<Extension, ExtensionError> {
    if to <= period.to() {
        return Err(ExtensionError::NotLater {
            current: period.to(),
        });
    }
    if prices.currency != booked.rental.currency {
        return Err(ExtensionError::CurrencyChanged);
    }
    let longer = RentalPeriod::new(period.from(), to).map_err(ExtensionError::Period)?;
    if let Some(max_days) = prices.max_days.filter(|max| longer.days() > *max) {
        return Err(ExtensionError::Quote(QuoteError::TooLong { max_days }));
    }
    let whole = price(prices, &longer, fee_bps).map_err(ExtensionError::Quote)?;
    let more = |now: Money, then: Money| Money::new((now.minor - then.minor).max(0), then.currency);
    let extra_rental = more(whole.rental, booked.rental);
    let extra_fee = more(whole.service_fee, booked.service_fee);
    let overflow = || ExtensionError::Quote(QuoteError::InvalidPrices);
    let rental = booked
        .rental
        .checked_add(extra_rental)
        .ok_or_else(overflow)?;
    let service_fee = booked
        .service_fee
        .checked_add(extra_fee)
        .ok_or_else(overflow)?;
    let total = rental
        .checked_add(service_fee)
        .and_then(|m| m.checked_add(booked.deposit))
        .ok_or_else(overflow)?;
    Ok(Extension {
        to,
        quote: Quote {
            days: whole.days,
            rate: whole.rate,
            per_day: Money::new(rental.minor / whole.days, rental.currency),
            rental,
            service_fee,
            // The deposit held at booking covers the longer stay too.
            deposit: booked.deposit,
            total,
        },
        charge: Money::new(extra_rental.minor + extra_fee.minor, rental.currency),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{quote, Currency};
    use proptest::prelude::*;

    fn prices(daily_minor: i64, weekly_minor: Option<i64>) -> ListingPrices {
        ListingPrices {
            currency: Currency::Eur,
            daily_minor,
            weekly_minor,
            monthly_minor: None,
            deposit_minor: 10_000,
            min_days: 2,
            max_days: Some(30),
            lead_time_days: 3,
        }
    }

    fn day(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 7, d).unwrap()
    }

    fn booked(p: &ListingPrices, from: u32, to: u32) -> (Quote, RentalPeriod) {
        let quote = quote(p, day(from), day(to), day(1), 1_000).unwrap();
        (quote, RentalPeriod::new(day(from), day(to)).unwrap())
    }

    #[test]
    fn two_more_days_cost_two_days_and_their_fee() {
        let p = prices(2_000, None);
        let (quote, period) = booked(&p, 10, 13);
        let extension = price_extension(&quote, period, day(15), &p, 1_000).unwrap();
        assert_eq!(extension.charge, Money::new(4_400, Currency::Eur));
        assert_eq!(extension.quote.days, 5);
        assert_eq!(extension.quote.rental.minor, 10_000);
        assert_eq!(extension.quote.deposit, quote.deposit);
        assert_eq!(extension.quote.total.minor, 10_000 + 1_000 + 10_000);
    }

    #[test]
    fn a_longer_stay_reaches_the_weekly_price() {
        let p = prices(2_000, Some(10_000));
        let (quote, period) = booked(&p, 10, 15);
        let extension = price_extension(&quote, period, day(17), &p, 1_000).unwrap();
        // Five days at 20 cost 100; a week costs 100 too: the two days are free.
        assert_eq!(extension.quote.rental.minor, 10_000);
        assert_eq!(extension.charge.minor, 0);
    }

    #[test]
    fn the_new_return_day_must_be_later_and_within_the_maximum() {
        let p = prices(2_000, None);
        let (quote, period) = booked(&p, 10, 13);
        let not_later = price_extension(&quote, period, day(13), &p, 1_000).unwrap_err();
        assert_eq!(not_later, ExtensionError::NotLater { current: day(13) });
        assert_eq!(not_later.field(), Some("to"));
        let too_long = price_extension(
            &quote,
            period,
            day(10) + chrono::Duration::days(31),
            &p,
            1_000,
        );
        assert_eq!(
            too_long.unwrap_err(),
            ExtensionError::Quote(QuoteError::TooLong { max_days: 30 })
        );
    }

    #[test]
    fn a_stay_under_way_is_not_refused_for_short_notice() {
        // Booked for the 10th with three days' notice; extended on the 12th, after pickup.
        let p = prices(2_000, None);
        let (quote, period) = booked(&p, 10, 13);
        assert!(price_extension(&quote, period, day(14), &p, 1_000).is_ok());
    }

    #[test]
    fn another_currency_is_refused() {
        let p = prices(2_000, None);
        let (quote, period) = booked(&p, 10, 13);
        let dollars = ListingPrices {
            currency: Currency::Usd,
            ..p
        };
        assert_eq!(
            price_extension(&quote, period, day(14), &dollars, 1_000).unwrap_err(),
            ExtensionError::CurrencyChanged
        );
    }

    proptest! {
        /// Whatever the prices did since the booking, the renter pays exactly the difference
        /// between the old and the new cost, never a negative one, and the deposit stays; with
        /// unchanged prices the extended booking costs what booking the longer stay would.
        #[test]
        fn the_charge_is_the_difference_and_never_negative(
            daily in 100i64..50_000,
            new_daily in 100i64..50_000,
            weekly in prop::option::of(500i64..200_000),
            days in 1i64..10,
            more in 1i64..20,
            fee_bps in 0u32..3_000,
        ) {
            let then = ListingPrices { min_days: 1, lead_time_days: 0, ..prices(daily, weekly) };
            let now = ListingPrices { daily_minor: new_daily, ..then.clone() };
            let from = day(1);
            let period = RentalPeriod::new(from, from + chrono::Duration::days(days)).unwrap();
            let booked = quote(&then, period.from(), period.to(), from, fee_bps).unwrap();
            let to = period.to() + chrono::Duration::days(more);
            let extension = price_extension(&booked, period, to, &now, fee_bps).unwrap();
            let cost = |q: &Quote| q.rental.minor + q.service_fee.minor;
            prop_assert!(extension.charge.minor >= 0);
            prop_assert_eq!(cost(&extension.quote) - cost(&booked), extension.charge.minor);
            prop_assert_eq!(extension.quote.deposit, booked.deposit);
            prop_assert_eq!(extension.quote.days, days + more);
            prop_assert_eq!(extension.quote.total.minor, cost(&extension.quote) + booked.deposit.minor);
            let same = price_extension(&booked, period, to, &then, fee_bps).unwrap();
            let direct = price(&then, &RentalPeriod::new(from, to).unwrap(), fee_bps).unwrap();
            prop_assert!(cost(&same.quote) >= cost(&direct));
            if cost(&direct) >= cost(&booked) {
                prop_assert_eq!(cost(&same.quote), cost(&direct));
            }
        }
    }
}
