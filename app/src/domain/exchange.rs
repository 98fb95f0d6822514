//! Prices across currencies. Search compares every listing's price in one reference currency,
//! the euro, through rates an admin keeps (`exchange_rates`): each is an exact integer, euros
//! per unit times [`MICROS_PER_EURO`], so a conversion is integer arithmetic that the SQL of
//! both databases and the in-memory catalogue do alike, to the same minor unit.
//!
//! Every currency here has two decimals, so a conversion goes from minor units to minor units.

use super::{Currency, Money};
use std::fmt;

/// A rate is euros per unit times this ("micro-euros"): six decimals, exactly.
pub const MICROS_PER_EURO: i64 = 1_000_000;
/// The highest rate an admin may set: 1,000 euros per unit.
pub const MAX_RATE_MICROS: i64 = 1_000 * MICROS_PER_EURO;
/// The highest price that has a converted price: 90 million a day, far above any listing's
/// (`listings::draft::MAX_PRICE_MINOR` is 100,000 a day). With [`MAX_RATE_MICROS`],
/// `minor × rate + half` stays below `i64::MAX` (9.0e18 + 5e5 < 9.22e18), in Rust and in SQL.
pub const MAX_CONVERTIBLE_MINOR: i64 = 9_000_000_000;

/// `minor` units of a currency worth `micros` micro-euros each, in euro cents, rounded half
/// up (the nearest cent, halves upwards). `None` outside the bounds above: a negative or huge
/// price, a rate that is not one. The SQL's `read::PRICE_IN_EUROS` computes exactly this.
pub fn to_reference(minor: i64, micros: i64) -> Option<i64> {
    let in_bounds =
        (0..=MAX_CONVERTIBLE_MINOR).contains(&minor) && (1..=MAX_RATE_MICROS).contains(&micros);
    in_bounds.then(|| (minor * micros + MICROS_PER_EURO / 2) / MICROS_PER_EURO)
}

/// The rates in force: micro-euros per unit of each currency that has one.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Rates {
    micros: [Option<i64>; 3],
}

fn slot(currency: Currency) -> usize {
    match currency {
        Currency::Eur => 0,
        Currency::Gbp => 1,
        Currency::Usd => 2,
    }
}

impl Rates {
    /// The rates of `pairs`; one out of bounds counts as none.
    pub fn new(pairs: impl IntoIterator<Item = (Currency, i64)>) -> Self {
        let mut rates = Rates::default();
        for (currency, micros) in pairs {
            rates.micros[slot(currency)] =
                (1..=MAX_RATE_MICROS).contains(&micros).then_some(micros);
        }
        rates
    }

    pub fn micros(&self, currency: Currency) -> Option<i64> {
        self.micros[slot(currency)]
    }

    /// A price in euro cents, as search compares it; `None` when its currency has no rate.
    pub fn to_reference(&self, minor: i64, currency: Currency) -> Option<i64> {
        to_reference(minor, self.micros(currency)?)
    }

    /// An amount a visitor typed in their currency, in euro cents: as it is when that
    /// currency has no rate (then the visitor's amounts are taken as euros).
    pub fn bound_to_reference(&self, minor: i64, currency: Currency) -> i64 {
        self.to_reference(minor, currency).unwrap_or(minor)
    }

    /// `money` in `to`, rounded half up to a minor unit, for showing ("≈ £80.10"); `None`
    /// without both rates or out of bounds. Computed in 128 bits: it never overflows.
    pub fn convert(&self, money: Money, to: Currency) -> Option<Money> {
        if money.currency == to {
            return Some(money);
        }
        let (from, into) = (self.micros(money.currency)?, self.micros(to)?);
        if !(0..=MAX_CONVERTIBLE_MINOR).contains(&money.minor) {
            return None;
        }
        let minor =
            (i128::from(money.minor) * i128::from(from) + i128::from(into) / 2) / i128::from(into);
        Some(Money::new(i64::try_from(minor).ok()?, to))
    }
}

/// Why a rate an admin typed was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RateProblem {
    Empty,
    NotANumber,
    TooManyDecimals,
    NotPositive,
    TooHigh,
}

impl fmt::Display for RateProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Empty => "Enter the rate, e.g. 1.1548.",
            Self::NotANumber => "Enter a number like 1.1548, with a point for decimals.",
            Self::TooManyDecimals => "Use at most 6 decimals.",
            Self::NotPositive => "The rate must be more than 0.",
            Self::TooHigh => "The rate must be at most 1000 euros.",
        })
    }
}

/// Euros per unit as typed ("1.1548", "0.86", "1"), in micro-euros: digits with at most one
/// point and six decimals, more than 0 and at most 1,000. No float is involved, so the stored
/// rate is exactly what was typed.
pub fn parse_rate(text: &str) -> Result<i64, RateProblem> {
    let text = text.trim();
    if text.is_empty() {
        return Err(RateProblem::Empty);
    }
    if text.len() > 20 {
        return Err(RateProblem::NotANumber);
    }
    let (whole, decimals) = text.split_once('.').unwrap_or((text, ""));
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if (whole.is_empty() && decimals.is_empty()) || !digits(whole) || !digits(decimals) {
        return Err(RateProblem::NotANumber);
    }
    if decimals.len() > 6 {
        return Err(RateProblem::TooManyDecimals);
    }
    let whole: i64 = match whole {
        "" => 0,
        whole => whole.parse().map_err(|_| RateProblem::TooHigh)?,
    };
    let fraction: i64 = format!("{decimals:0<6}")
        .parse()
        .map_err(|_| RateProblem::NotANumber)?;
    let micros = whole
        .checked_mul(MICROS_PER_EURO)
        .and_then(|w| w.checked_add(fraction))
        .ok_or(RateProblem::TooHigh)?;
    match micros {
        0 => Err(RateProblem::NotPositive),
        m if m > MAX_RATE_MICROS => Err(RateProblem::TooHigh),
        m => Ok(m),
    }
}

/// Micro-euros as an admin reads and types them: "1.1548", "1".
pub fn rate_text(micros: i64) -> String {
    let (whole, fraction) = (micros / MICROS_PER_EURO, micros % MICROS_PER_EURO);
    if fraction == 0 {
        return whole.to_string();
    }
    let decimals = format!("{fraction:06}");
    format!("{whole}.{}", decimals.trim_end_matches('0'))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn seeded() -> Rates {
        Rates::new([
            (Currency::Eur, 1_000_000),
            (Currency::Gbp, 1_154_800),
            (Currency::Usd, 858_400),
        ])
    }

    #[test]
    fn prices_convert_to_euro_cents_rounded_half_up() {
        let rates = seeded();
        assert_eq!(rates.to_reference(9_250, Currency::Eur), Some(9_250));
        // £97 is €112.0156, $90.50 is €77.6852.
        assert_eq!(rates.to_reference(9_700, Currency::Gbp), Some(11_202));
        assert_eq!(rates.to_reference(9_050, Currency::Usd), Some(7_769));
        // Halves go up: 1 unit at 0.5 euro is half a cent.
        assert_eq!(to_reference(1, 500_000), Some(1));
        assert_eq!(to_reference(1, 499_999), Some(0));
    }

    #[test]
    fn out_of_bounds_has_no_converted_price() {
        assert_eq!(to_reference(-1, 1_000_000), None);
        assert_eq!(to_reference(MAX_CONVERTIBLE_MINOR + 1, 1_000_000), None);
        assert_eq!(to_reference(100, 0), None);
        assert_eq!(to_reference(100, MAX_RATE_MICROS + 1), None);
        assert!(to_reference(MAX_CONVERTIBLE_MINOR, MAX_RATE_MICROS).is_some());
        let no_usd = Rates::new([(Currency::Eur, 1_000_000)]);
        assert_eq!(no_usd.to_reference(100, Currency::Usd), None);
        assert_eq!(no_usd.bound_to_reference(100, Currency::Usd), 100);
        assert_eq!(Rates::new([(Currency::Gbp, 0)]).micros(Currency::Gbp), None);
    }

    #[test]
    fn amounts_show_in_the_visitor_s_currency() {
        let rates = seeded();
        let euros = Money::new(9_250, Currency::Eur);
        assert_eq!(
            rates.convert(euros, Currency::Gbp),
            Some(Money::new(8_010, Currency::Gbp))
        );
        assert_eq!(rates.convert(euros, Currency::Eur), Some(euros));
        let dollars = Money::new(10_000, Currency::Usd);
        assert_eq!(
            rates.convert(dollars, Currency::Gbp).map(|m| m.to_string()),
            Some("£74.33".to_owned())
        );
        assert_eq!(Rates::default().convert(euros, Currency::Usd), None);
    }

    #[test]
    fn rates_are_read_exactly_and_refused_with_a_reason() {
        assert_eq!(parse_rate("1.1548"), Ok(1_154_800));
        assert_eq!(parse_rate(" 0.86 "), Ok(860_000));
        assert_eq!(parse_rate("1"), Ok(1_000_000));
        assert_eq!(parse_rate(".5"), Ok(500_000));
        assert_eq!(parse_rate("0.000001"), Ok(1));
        assert_eq!(parse_rate("1000"), Ok(MAX_RATE_MICROS));
        assert_eq!(parse_rate(""), Err(RateProblem::Empty));
        assert_eq!(parse_rate("1,15"), Err(RateProblem::NotANumber));
        assert_eq!(parse_rate("-1"), Err(RateProblem::NotANumber));
        assert_eq!(parse_rate("1e3"), Err(RateProblem::NotANumber));
        assert_eq!(parse_rate("."), Err(RateProblem::NotANumber));
        assert_eq!(parse_rate("1.2.3"), Err(RateProblem::NotANumber));
        assert_eq!(parse_rate("1.0000001"), Err(RateProblem::TooManyDecimals));
        assert_eq!(parse_rate("0.000000"), Err(RateProblem::NotPositive));
        assert_eq!(parse_rate("1000.000001"), Err(RateProblem::TooHigh));
        assert_eq!(parse_rate("99999999999999999"), Err(RateProblem::TooHigh));
        assert_eq!(parse_rate(&"9".repeat(40)), Err(RateProblem::NotANumber));
        assert_eq!(rate_text(1_154_800), "1.1548");
        assert_eq!(rate_text(1_000_000), "1");
        assert_eq!(rate_text(1), "0.000001");
    }

    proptest! {
        /// Every price and rate in bounds converts without overflow, and conversion keeps
        /// the order of prices (so a sort by converted price is a sort by price per currency).
        #[test]
        fn conversion_never_overflows_and_keeps_order(
            a in 0..=MAX_CONVERTIBLE_MINOR, b in 0..=MAX_CONVERTIBLE_MINOR,
            micros in 1..=MAX_RATE_MICROS,
        ) {
            let (x, y) = (to_reference(a, micros).unwrap(), to_reference(b, micros).unwrap());
            if a <= b {
                prop_assert!(x <= y);
            }
        }

        #[test]
        fn typed_rates_round_trip(micros in 1..=MAX_RATE_MICROS) {
            prop_assert_eq!(parse_rate(&rate_text(micros)), Ok(micros));
        }
    }
}
