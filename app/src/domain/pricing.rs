//! The quote: what a rental costs. The listing page computes it in the browser as the renter
//! picks dates and the server computes it again when it charges; both call [`quote`].

use super::money::{Currency, Money};
use super::period::{PeriodError, RentalPeriod};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::fmt;

/// Days that a monthly price covers.
pub const DAYS_PER_MONTH: i64 = 30;
const DAYS_PER_WEEK: i64 = 7;
const BASIS_POINTS: i128 = 10_000;

/// The price list and rental rules of one listing, as the quote needs them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListingPrices {
    pub currency: Currency,
    pub daily_minor: i64,
    pub weekly_minor: Option<i64>,
    pub monthly_minor: Option<i64>,
    pub deposit_minor: i64,
    pub min_days: i64,
    pub max_days: Option<i64>,
    /// Days of notice the owner needs: the earliest pickup is `today + lead_time_days`.
    pub lead_time_days: i64,
}

/// A listing's prices for tests of the rules built on quotes: 20.00 a day, a deposit of 100,
/// no other price and no rules to speak of.
#[cfg(test)]
pub(crate) fn sample_prices() -> ListingPrices {
    ListingPrices {
        currency: Currency::Eur,
        daily_minor: 2_000,
        weekly_minor: None,
        monthly_minor: None,
        deposit_minor: 10_000,
        min_days: 1,
        max_days: None,
        lead_time_days: 0,
    }
}

/// Which of the listing's prices produced the rental amount.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum RateKind {
    Daily,
    Weekly,
    Monthly,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Quote {
    pub days: i64,
    pub rate: RateKind,
    /// The rental amount divided by the days, rounded down: what a day effectively costs.
    pub per_day: Money,
    pub rental: Money,
    pub service_fee: Money,
    /// Refundable: held at booking and released after a good return.
    pub deposit: Money,
    /// Rental, service fee and deposit together: what the renter's card is charged or held.
    pub total: Money,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum QuoteError {
    Period(PeriodError),
    StartsInPast,
    NoticeTooShort {
        lead_time_days: i64,
    },
    TooShort {
        min_days: i64,
    },
    TooLong {
        max_days: i64,
    },
    /// The listing's prices are not positive, or the amount does not fit in a `Money`.
    InvalidPrices,
}

impl fmt::Display for QuoteError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Period(e) => e.fmt(f),
            Self::StartsInPast => f.write_str("The pickup date is in the past."),
            Self::NoticeTooShort { lead_time_days } => {
                write!(
                    f,
                    "The owner needs {} of notice.",
                    plural_days(*lead_time_days)
                )
            }
            Self::TooShort { min_days } => {
                write!(f, "The minimum rental is {}.", plural_days(*min_days))
            }
            Self::TooLong { max_days } => {
                write!(f, "The maximum rental is {}.", plural_days(*max_days))
            }
            Self::InvalidPrices => f.write_str("This listing cannot be priced right now."),
        }
    }
}

/// Which date of a booking form a refusal is about, so it is shown next to that field.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DateField {
    From,
    To,
}

impl DateField {
    /// The field's name in the booking form.
    pub fn name(self) -> &'static str {
        match self {
            Self::From => "from",
            Self::To => "to",
        }
    }
}

impl Quote {
    /// What the renter's card is charged: the rental and the service fee (the deposit is only
    /// held). It fits: the quote's total, which adds the deposit, does.
    pub fn charge(&self) -> Money {
        Money::new(
            self.rental.minor + self.service_fee.minor,
            self.rental.currency,
        )
    }
}

impl QuoteError {
    /// The date the refusal is about; `None` when it is about the listing itself.
    pub fn field(self) -> Option<DateField> {
        match self {
            Self::StartsInPast | Self::NoticeTooShort { .. } => Some(DateField::From),
            Self::Period(_) | Self::TooShort { .. } | Self::TooLong { .. } => Some(DateField::To),
            Self::InvalidPrices => None,
        }
    }
}

pub fn plural_days(n: i64) -> String {
    if n == 1 {
        "1 day".to_owned()
    } else {
        format!("{n} days")
    }
}

/// Prices a rental of `from..to` booked on `today` with a service fee of `fee_bps` basis
/// points (1000 = 10 %), applying the weekly or monthly price whenever it is cheaper.
pub fn quote(
    prices: &ListingPrices,
    from: NaiveDate,
    to: NaiveDate,
    today: NaiveDate,
    fee_bps: u32,
) -> Result<Quote, QuoteError> {
    let period = RentalPeriod::new(from, to).map_err(QuoteError::Period)?;
    check_rules(prices, &period, today)?;
    price(prices, &period, fee_bps)
}

/// Prices `period` by the listing's prices alone, without its booking rules (an extension of
/// a stay that has begun is not refused for short notice).
pub fn price(
    prices: &ListingPrices,
    period: &RentalPeriod,
    fee_bps: u32,
) -> Result<Quote, QuoteError> {
    if !prices_are_valid(prices) {
        return Err(QuoteError::InvalidPrices);
    }
    let days = period.days();
    let (rental, rate) = cheapest_rental(prices, days);
    let fee = (rental * i128::from(fee_bps) + BASIS_POINTS / 2) / BASIS_POINTS;
    let deposit = i128::from(prices.deposit_minor);
    let money = |minor: i128| {
        i64::try_from(minor)
            .map(|m| Money::new(m, prices.currency))
            .map_err(|_| QuoteError::InvalidPrices)
    };
    Ok(Quote {
        days,
        rate,
        per_day: money(rental / i128::from(days))?,
        rental: money(rental)?,
        service_fee: money(fee)?,
        deposit: money(deposit)?,
        total: money(rental + fee + deposit)?,
    })
}

fn check_rules(
    prices: &ListingPrices,
    period: &RentalPeriod,
    today: NaiveDate,
) -> Result<(), QuoteError> {
    let notice = (period.from() - today).num_days();
    if notice < 0 {
        return Err(QuoteError::StartsInPast);
    }
    if notice < prices.lead_time_days {
        return Err(QuoteError::NoticeTooShort {
            lead_time_days: prices.lead_time_days,
        });
    }
    if period.days() < prices.min_days {
        return Err(QuoteError::TooShort {
            min_days: prices.min_days,
        });
    }
    match prices.max_days {
        Some(max_days) if period.days() > max_days => Err(QuoteError::TooLong { max_days }),
        _ => Ok(()),
    }
}

fn prices_are_valid(prices: &ListingPrices) -> bool {
    let positive = |p: Option<i64>| p.is_none_or(|minor| minor > 0);
    prices.daily_minor > 0
        && positive(prices.weekly_minor)
        && positive(prices.monthly_minor)
        && prices.deposit_minor >= 0
}

/// The lowest price for `days` days. Whole weeks (months) are charged at the weekly (monthly)
/// price and the remaining days at the cheaper of the shorter rates and one more week (month),
/// so a longer rental never costs less than a shorter one: each candidate never decreases
/// with the days, and neither does their minimum.
fn cheapest_rental(prices: &ListingPrices, days: i64) -> (i128, RateKind) {
    let daily = i128::from(prices.daily_minor);
    let weekly = prices.weekly_minor.map(i128::from);
    let monthly = prices.monthly_minor.map(i128::from);
    let by_day = |d: i64| daily * i128::from(d);
    let by_week = |d: i64| {
        weekly.map_or(by_day(d), |week| {
            // A weekly price above seven days' worth is never the better deal for a week.
            let week = week.min(by_day(DAYS_PER_WEEK));
            i128::from(d / DAYS_PER_WEEK) * week + by_day(d % DAYS_PER_WEEK).min(week)
        })
    };
    let by_month = monthly.map(|month| {
        i128::from(days / DAYS_PER_MONTH) * month + by_week(days % DAYS_PER_MONTH).min(month)
    });
    let mut best = (by_day(days), RateKind::Daily);
    for candidate in [
        Some((by_week(days), RateKind::Weekly)),
        by_month.map(|m| (m, RateKind::Monthly)),
    ]
    .into_iter()
    .flatten()
    {
        if candidate.0 < best.0 {
            best = candidate;
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn today() -> NaiveDate {
        date(2026, 6, 1)
    }

    fn camera() -> ListingPrices {
        ListingPrices {
            currency: Currency::Eur,
            daily_minor: 2_500,
            weekly_minor: Some(14_000),
            monthly_minor: Some(45_000),
            deposit_minor: 30_000,
            min_days: 1,
            max_days: Some(90),
            lead_time_days: 1,
        }
    }

    fn quote_days(prices: &ListingPrices, days: u64) -> Result<Quote, QuoteError> {
        let from = date(2026, 6, 10);
        quote(prices, from, from + chrono::Days::new(days), today(), 1_000)
    }

    #[test]
    fn short_rentals_are_charged_per_day_with_fee_and_deposit() {
        let q = quote_days(&camera(), 3).unwrap();
        assert_eq!((q.days, q.rate), (3, RateKind::Daily));
        assert_eq!(q.rental.minor, 7_500);
        assert_eq!(q.per_day.minor, 2_500);
        assert_eq!(q.service_fee.minor, 750);
        assert_eq!(q.deposit.minor, 30_000);
        assert_eq!(q.total.minor, 38_250);
    }

    #[test]
    fn a_week_uses_the_weekly_price_and_extra_days_never_cost_more_than_a_week() {
        let week = quote_days(&camera(), 7).unwrap();
        assert_eq!((week.rental.minor, week.rate), (14_000, RateKind::Weekly));
        assert_eq!(week.per_day.minor, 2_000);
        let nine = quote_days(&camera(), 9).unwrap();
        assert_eq!(nine.rental.minor, 14_000 + 2 * 2_500);
        let thirteen = quote_days(&camera(), 13).unwrap();
        assert_eq!(
            thirteen.rental.minor,
            2 * 14_000,
            "six extra days cost at most a week"
        );
    }

    #[test]
    fn a_short_rental_never_costs_more_than_the_week_or_month_it_falls_in() {
        let six = quote_days(&camera(), 6).unwrap();
        assert_eq!((six.rental.minor, six.rate), (14_000, RateKind::Weekly));
        let four_weeks = quote_days(&camera(), 28).unwrap();
        assert_eq!(
            (four_weeks.rental.minor, four_weeks.rate),
            (45_000, RateKind::Monthly)
        );
    }

    #[test]
    fn a_weekly_price_above_seven_days_never_makes_leftover_days_dearer() {
        let odd = ListingPrices {
            daily_minor: 100,
            weekly_minor: Some(1_000),
            monthly_minor: Some(2_000),
            ..camera()
        };
        let q = quote_days(&odd, 37).unwrap();
        assert_eq!((q.rental.minor, q.rate), (2_000 + 700, RateKind::Monthly));
    }

    #[test]
    fn a_month_uses_the_monthly_price() {
        let q = quote_days(&camera(), 31).unwrap();
        assert_eq!(
            (q.rental.minor, q.rate),
            (45_000 + 2_500, RateKind::Monthly)
        );
    }

    #[test]
    fn a_weekly_price_that_is_not_cheaper_is_ignored() {
        let prices = ListingPrices {
            weekly_minor: Some(20_000),
            ..camera()
        };
        let q = quote_days(&prices, 7).unwrap();
        assert_eq!((q.rental.minor, q.rate), (17_500, RateKind::Daily));
    }

    #[test]
    fn the_period_is_half_open_and_at_least_one_day() {
        let from = date(2026, 6, 10);
        let same_day = quote(&camera(), from, from, today(), 0);
        assert_eq!(
            same_day,
            Err(QuoteError::Period(PeriodError::EndNotAfterStart))
        );
        let one = quote(&camera(), from, date(2026, 6, 11), today(), 0).unwrap();
        assert_eq!(one.days, 1);
    }

    #[test]
    fn rental_rules_are_explained() {
        let strict = ListingPrices {
            min_days: 3,
            max_days: Some(5),
            lead_time_days: 2,
            ..camera()
        };
        assert_eq!(
            quote_days(&strict, 2),
            Err(QuoteError::TooShort { min_days: 3 })
        );
        assert_eq!(
            quote_days(&strict, 6),
            Err(QuoteError::TooLong { max_days: 5 })
        );
        let tomorrow = today().succ_opt().unwrap();
        let soon = quote(&strict, tomorrow, date(2026, 6, 6), today(), 0);
        assert_eq!(soon, Err(QuoteError::NoticeTooShort { lead_time_days: 2 }));
        let past = quote(&camera(), date(2026, 5, 30), date(2026, 6, 3), today(), 0);
        assert_eq!(past, Err(QuoteError::StartsInPast));
        assert_eq!(
            QuoteError::TooShort { min_days: 3 }.to_string(),
            "The minimum rental is 3 days."
        );
        assert_eq!(
            QuoteError::NoticeTooShort { lead_time_days: 1 }.to_string(),
            "The owner needs 1 day of notice."
        );
    }

    #[test]
    fn nonsensical_prices_are_refused_rather_than_quoted() {
        let free = ListingPrices {
            daily_minor: 0,
            ..camera()
        };
        assert_eq!(quote_days(&free, 2), Err(QuoteError::InvalidPrices));
        let huge = ListingPrices {
            daily_minor: i64::MAX,
            weekly_minor: None,
            monthly_minor: None,
            ..camera()
        };
        assert_eq!(quote_days(&huge, 2), Err(QuoteError::InvalidPrices));
    }

    /// Any prices, including weekly and monthly prices that are worse deals than the daily one.
    fn any_prices() -> impl Strategy<Value = ListingPrices> {
        (
            1i64..1_000_000,
            proptest::option::of(1i64..20_000_000),
            proptest::option::of(1i64..80_000_000),
            0i64..5_000_000,
        )
            .prop_map(|(daily, weekly, monthly, deposit)| ListingPrices {
                currency: Currency::Gbp,
                daily_minor: daily,
                weekly_minor: weekly,
                monthly_minor: monthly,
                deposit_minor: deposit,
                min_days: 1,
                max_days: None,
                lead_time_days: 0,
            })
    }

    proptest! {
        #[test]
        fn quotes_are_deterministic_non_negative_and_add_up(
            prices in any_prices(), days in 1u64..366, fee_bps in 0u32..3_000,
        ) {
            let from = date(2026, 6, 10);
            let to = from + chrono::Days::new(days);
            let q = quote(&prices, from, to, today(), fee_bps).unwrap();
            prop_assert_eq!(&q, &quote(&prices, from, to, today(), fee_bps).unwrap());
            prop_assert!(q.rental.minor > 0 && q.service_fee.minor >= 0);
            prop_assert_eq!(q.days, days as i64);
            prop_assert_eq!(
                q.total.minor,
                q.rental.minor + q.service_fee.minor + q.deposit.minor
            );
            prop_assert!(q.rental.minor <= prices.daily_minor * days as i64);
            prop_assert!(q.per_day.minor * q.days <= q.rental.minor);
            prop_assert!(q.rental.minor - q.per_day.minor * q.days < q.days);
        }

        #[test]
        fn a_longer_rental_never_costs_less(prices in any_prices(), days in 1u64..365) {
            let from = date(2026, 6, 10);
            let rental = |d: u64| {
                quote(&prices, from, from + chrono::Days::new(d), today(), 0).unwrap().rental.minor
            };
            prop_assert!(rental(days) <= rental(days + 1));
        }

        #[test]
        fn the_fee_is_the_rounded_share_of_the_rental(
            prices in any_prices(), days in 1u64..60, fee_bps in 0u32..3_000,
        ) {
            let from = date(2026, 6, 10);
            let q = quote(&prices, from, from + chrono::Days::new(days), today(), fee_bps).unwrap();
            let exact = q.rental.minor as f64 * f64::from(fee_bps) / 10_000.0;
            prop_assert!((q.service_fee.minor as f64 - exact).abs() <= 0.5 + 1e-6);
        }
    }
}
