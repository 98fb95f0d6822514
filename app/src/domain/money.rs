use serde::{Deserialize, Serialize};
use std::fmt;

/// An ISO 4217 currency code. Only currencies the marketplace settles in are accepted, so
/// every `Currency` knows how to print itself.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Currency {
    Eur,
    Gbp,
    Usd,
}

impl Currency {
    pub fn parse(code: &str) -> Option<Self> {
        match code.trim().to_ascii_uppercase().as_str() {
            "EUR" => Some(Self::Eur),
            "GBP" => Some(Self::Gbp),
            "USD" => Some(Self::Usd),
            _ => None,
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Self::Eur => "EUR",
            Self::Gbp => "GBP",
            Self::Usd => "USD",
        }
    }

    pub fn symbol(self) -> &'static str {
        match self {
            Self::Eur => "€",
            Self::Gbp => "£",
            Self::Usd => "$",
        }
    }
}

/// An amount in integer minor units (cents, pence) of one currency. Money never touches
/// floating point: prices, fees and deposits add up exactly.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Money {
    pub minor: i64,
    pub currency: Currency,
}

impl Money {
    pub fn new(minor: i64, currency: Currency) -> Self {
        Self { minor, currency }
    }

    /// Adds two amounts of the same currency; `None` on overflow or a currency mismatch.
    pub fn checked_add(self, other: Money) -> Option<Money> {
        (self.currency == other.currency)
            .then(|| self.minor.checked_add(other.minor))
            .flatten()
            .map(|minor| Money::new(minor, self.currency))
    }
}

impl fmt::Display for Money {
    /// "€1,234.50": symbol, thousands separators, always two decimals.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.minor < 0 { "-" } else { "" };
        let abs = self.minor.unsigned_abs();
        let (units, cents) = (abs / 100, abs % 100);
        let digits = units.to_string();
        let mut grouped = String::with_capacity(digits.len() + digits.len() / 3);
        for (i, c) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i) % 3 == 0 {
                grouped.push(',');
            }
            grouped.push(c);
        }
        write!(f, "{sign}{}{grouped}.{cents:02}", self.currency.symbol())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn formats_with_symbol_grouping_and_cents() {
        assert_eq!(Money::new(0, Currency::Eur).to_string(), "€0.00");
        assert_eq!(Money::new(5, Currency::Usd).to_string(), "$0.05");
        assert_eq!(
            Money::new(123_456_789, Currency::Gbp).to_string(),
            "£1,234,567.89"
        );
        assert_eq!(Money::new(-1050, Currency::Eur).to_string(), "-€10.50");
    }

    #[test]
    fn currency_codes_round_trip_and_unknown_codes_are_refused() {
        for c in [Currency::Eur, Currency::Gbp, Currency::Usd] {
            assert_eq!(Currency::parse(c.code()), Some(c));
        }
        assert_eq!(Currency::parse(" eur "), Some(Currency::Eur));
        assert_eq!(Currency::parse("XYZ"), None);
    }

    #[test]
    fn adding_different_currencies_is_refused() {
        let eur = Money::new(100, Currency::Eur);
        assert_eq!(eur.checked_add(Money::new(1, Currency::Usd)), None);
        assert_eq!(eur.checked_add(eur), Some(Money::new(200, Currency::Eur)));
        assert_eq!(Money::new(i64::MAX, Currency::Eur).checked_add(eur), None);
    }

    proptest! {
        #[test]
        fn display_keeps_every_digit(minor in 0i64..10_000_000_000) {
            let text = Money::new(minor, Currency::Eur).to_string();
            let digits: String = text.chars().filter(char::is_ascii_digit).collect();
            prop_assert_eq!(digits.parse::<i64>().unwrap(), minor);
        }
    }
}
