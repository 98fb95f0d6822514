//! The checkout form's card fields: `app::domain::card::Card::parse` (number with spaces and
//! dashes, Luhn check, MM/YY or MM/YYYY expiry, CVC) and the form's
//! `app::bookings::form::card_from_form`, which the sandbox payment provider receives.
//!
//! Input: text, one field a line: card number, expiry, CVC, and optionally the moment of
//! checkout as Unix seconds (else 3 Dec 2026, 06:00 UTC).
//!
//! Invariants: an accepted card is 12 to 19 digits that pass Luhn (checked here
//! independently), is the typed number without its spaces and dashes, has a month 1-12 not
//! before today's, a 3- or 4-digit CVC, and never shows its number in `Debug`; a refusal names
//! each bad field once, in form order; extra spaces or dashes in the number change nothing;
//! the form agrees with `Card::parse` at the day the form checks against.
#![no_main]

use app::bookings::form::card_from_form;
use app::domain::card::{Card, CardField};
use app::error::AppError;
use chrono::{DateTime, Datelike, Duration, NaiveDate, TimeZone, Utc};
use libfuzzer_sys::fuzz_target;

fn luhn_ok(digits: &str) -> bool {
    let mut sum = 0;
    for (i, b) in digits.bytes().rev().enumerate() {
        let d = u32::from(b - b'0');
        sum += if i % 2 == 1 {
            let twice = d * 2;
            if twice > 9 {
                twice - 9
            } else {
                twice
            }
        } else {
            d
        };
    }
    sum % 10 == 0
}

fn check(number: &str, expiry: &str, cvc: &str, today: NaiveDate) -> Result<Card, Vec<CardField>> {
    match Card::parse(number, expiry, cvc, today) {
        Ok(card) => {
            let digits: String = number.chars().filter(|c| !matches!(c, ' ' | '-')).collect();
            assert_eq!(card.number(), digits);
            assert!(card.number().bytes().all(|b| b.is_ascii_digit()));
            assert!((12..=19).contains(&card.number().len()));
            assert!(luhn_ok(card.number()), "{} fails Luhn", card.number());
            assert_eq!(card.last4(), &digits[digits.len() - 4..]);
            assert!((1..=12).contains(&card.expiry_month));
            assert!(
                (card.expiry_year, card.expiry_month) >= (today.year(), today.month()),
                "expired {}/{} accepted on {today}",
                card.expiry_month,
                card.expiry_year
            );
            assert_eq!(card.cvc(), cvc.trim());
            assert!(matches!(card.cvc().len(), 3 | 4));
            assert!(card.cvc().bytes().all(|b| b.is_ascii_digit()));
            let shown = format!("{card:?}");
            assert!(
                !shown.contains(card.number()),
                "Debug shows the number: {shown}"
            );
            Ok(card)
        }
        Err(problems) => {
            assert!(!problems.is_empty() && problems.len() <= 3);
            let fields: Vec<CardField> = problems.iter().map(|p| p.field).collect();
            let order = |f: &CardField| match f {
                CardField::Number => 0,
                CardField::Expiry => 1,
                CardField::Cvc => 2,
            };
            assert!(
                fields.windows(2).all(|w| order(&w[0]) < order(&w[1])),
                "fields repeated or out of order: {fields:?}"
            );
            assert!(problems.iter().all(|p| !p.message.is_empty()));
            Err(fields)
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let mut lines = text.split('\n');
    let mut field = || lines.next().unwrap_or("");
    let (number, expiry, cvc, at) = (field(), field(), field(), field());
    let now: DateTime<Utc> = at
        .trim()
        .parse::<i64>()
        .ok()
        // Checkout happens now: any moment from 1970 to 2200.
        .map(|s| s.rem_euclid(7_258_118_400))
        .and_then(|s| Utc.timestamp_opt(s, 0).single())
        .unwrap_or_else(|| Utc.with_ymd_and_hms(2026, 12, 3, 6, 0, 0).unwrap());
    let today = (now - Duration::hours(12)).date_naive();

    let result = check(number, expiry, cvc, today);

    // Spaces and dashes between the digits are ignored.
    let spaced: String = number
        .chars()
        .enumerate()
        .flat_map(|(i, c)| {
            let sep = match i % 4 {
                0 if i > 0 => Some(' '),
                2 if i % 8 == 2 => Some('-'),
                _ => None,
            };
            sep.into_iter().chain(std::iter::once(c))
        })
        .collect();
    let again = check(&spaced, expiry, cvc, today);
    assert_eq!(
        result.as_ref().map(Card::last4).map_err(Clone::clone),
        again.as_ref().map(Card::last4).map_err(Clone::clone),
        "separators changed the outcome: {number:?} vs {spaced:?}"
    );

    // The form: the same decision, refusals named by the form's field names.
    match (card_from_form(number, expiry, cvc, now), &result) {
        (Ok(card), Ok(expected)) => assert_eq!(&card, expected),
        (Err(AppError::Invalid(problems)), Err(fields)) => {
            let names: Vec<&str> = problems.iter().map(|p| p.field.as_str()).collect();
            let expected: Vec<&str> = fields.iter().map(|f| f.name()).collect();
            assert_eq!(names, expected);
        }
        (form, direct) => panic!("the form said {form:?}, Card::parse said {direct:?}"),
    }
});
