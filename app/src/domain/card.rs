//! A payment card as the checkout form sends it. The number lives only in memory for the one
//! call to the payment provider: GearShare keeps its last four digits and nothing else, and
//! `Debug` never prints it.

use chrono::{Datelike, NaiveDate};
use std::fmt;

/// A field of the checkout form.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CardField {
    Number,
    Expiry,
    Cvc,
}

impl CardField {
    /// The form field's name, which the page uses to put a message next to it.
    pub fn name(self) -> &'static str {
        match self {
            Self::Number => "card_number",
            Self::Expiry => "card_expiry",
            Self::Cvc => "card_cvc",
        }
    }
}

/// Why a card was refused before it reached the provider.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CardProblem {
    pub field: CardField,
    pub message: &'static str,
}

/// A card that passed the checks a form can make: digits that pass the Luhn check, an expiry
/// not in the past, a three- or four-digit security code.
#[derive(Clone, PartialEq, Eq)]
pub struct Card {
    number: String,
    pub expiry_month: u32,
    pub expiry_year: i32,
    cvc: String,
}

impl fmt::Debug for Card {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Card(•••• {})", self.last4())
    }
}

impl Card {
    /// Checks the three fields as typed (spaces and dashes in the number are fine) against
    /// `today`; every field's problem is reported at once.
    pub fn parse(
        number: &str,
        expiry: &str,
        cvc: &str,
        today: NaiveDate,
    ) -> Result<Card, Vec<CardProblem>> {
        let mut problems = Vec::new();
        let digits: String = number.chars().filter(|c| !matches!(c, ' ' | '-')).collect();
        let number_ok = digits.chars().all(|c| c.is_ascii_digit())
            && (12..=19).contains(&digits.len())
            && luhn(&digits);
        if !number_ok {
            problems.push(CardProblem {
                field: CardField::Number,
                message: "Enter the card number as printed on the card.",
            });
        }
        let expiry = parse_expiry(expiry);
        match expiry {
            None => problems.push(CardProblem {
                field: CardField::Expiry,
                message: "Enter the expiry date as MM/YY.",
            }),
            Some((month, year)) if (year, month) < (today.year(), today.month()) => {
                problems.push(CardProblem {
                    field: CardField::Expiry,
                    message: "This card has expired.",
                })
            }
            Some(_) => {}
        }
        let cvc = cvc.trim();
        if !(cvc.len() == 3 || cvc.len() == 4) || !cvc.chars().all(|c| c.is_ascii_digit()) {
            problems.push(CardProblem {
                field: CardField::Cvc,
                message: "Enter the 3 or 4 digits on the back of the card.",
            });
        }
        match (problems.is_empty(), expiry) {
            (true, Some((expiry_month, expiry_year))) => Ok(Card {
                number: digits,
                expiry_month,
                expiry_year,
                cvc: cvc.to_owned(),
            }),
            _ => Err(problems),
        }
    }

    /// The last four digits: all GearShare keeps of a card.
    pub fn last4(&self) -> &str {
        &self.number[self.number.len() - 4..]
    }

    /// The whole number, for the payment provider's request only.
    pub fn number(&self) -> &str {
        &self.number
    }

    pub fn cvc(&self) -> &str {
        &self.cvc
    }
}

/// "MM/YY", "MM / YY", "MM/YYYY", or the digits alone as a phone's number pad types them
/// ("1230", "122030"; "MM YY" and "MM-YY" too).
fn parse_expiry(text: &str) -> Option<(u32, i32)> {
    let text: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    let (month, year) = match text.split_once(['/', '-']) {
        Some(parts) => parts,
        None if matches!(text.len(), 4 | 6) && text.bytes().all(|b| b.is_ascii_digit()) => {
            text.split_at(2)
        }
        None => return None,
    };
    let month = month.trim();
    if month.is_empty() || month.len() > 2 {
        return None;
    }
    let month: u32 = month.parse().ok().filter(|m| (1..=12).contains(m))?;
    let year = year.trim();
    let year: i32 = match year.len() {
        2 => 2000 + year.parse::<i32>().ok()?,
        4 => year.parse().ok()?,
        _ => return None,
    };
    Some((month, year))
}

/// The Luhn checksum every card number carries, which catches a mistyped digit.
fn luhn(digits: &str) -> bool {
    let sum: u32 = digits
        .bytes()
        .rev()
        .enumerate()
        .map(|(i, b)| {
            let d = u32::from(b - b'0');
            match (!i.is_multiple_of(2), d * 2) {
                (true, doubled) if doubled > 9 => doubled - 9,
                (true, doubled) => doubled,
                (false, _) => d,
            }
        })
        .sum();
    sum.is_multiple_of(10)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 24).unwrap()
    }

    #[test]
    fn a_good_card_keeps_only_its_last_four_digits_in_sight() {
        let card = Card::parse("4242 4242 4242 4242", "12/27", "123", today()).unwrap();
        assert_eq!(card.last4(), "4242");
        assert_eq!((card.expiry_month, card.expiry_year), (12, 2027));
        assert_eq!(format!("{card:?}"), "Card(•••• 4242)");
        assert!(!format!("{card:?}").contains("424242"));
    }

    #[test]
    fn every_bad_field_is_named_at_once() {
        let problems = Card::parse("4242 4242 4242 4241", "13/27", "12", today()).unwrap_err();
        let fields: Vec<_> = problems.iter().map(|p| p.field).collect();
        assert_eq!(
            fields,
            [CardField::Number, CardField::Expiry, CardField::Cvc]
        );
    }

    #[test]
    fn a_card_is_good_through_its_expiry_month() {
        assert!(Card::parse("4000000000000002", "11/26", "1234", today()).is_ok());
        let expired = Card::parse("4000000000000002", "10/2026", "123", today()).unwrap_err();
        assert_eq!(expired[0].message, "This card has expired.");
    }

    #[test]
    fn an_expiry_typed_as_digits_alone_is_read_as_mm_yy() {
        for typed in [
            "1230", "12/30", "12 / 30", "12-30", "12 30", "122030", "12/2030",
        ] {
            let card = Card::parse("4242424242424242", typed, "123", today()).unwrap();
            assert_eq!((card.expiry_month, card.expiry_year), (12, 2030), "{typed}");
        }
        for typed in ["130", "1330", "12345", "/30", "123/30", "ab/cd", ""] {
            assert!(
                Card::parse("4242424242424242", typed, "123", today()).is_err(),
                "{typed}"
            );
        }
    }

    proptest! {
        #[test]
        fn one_mistyped_digit_is_always_caught(position in 0usize..16, bump in 1u8..10) {
            let good = "4242424242424242";
            let mut bytes = good.as_bytes().to_vec();
            bytes[position] = b'0' + (bytes[position] - b'0' + bump) % 10;
            let typo = String::from_utf8(bytes).unwrap();
            prop_assert!(Card::parse(&typo, "12/30", "123", today()).is_err());
        }
    }
}
