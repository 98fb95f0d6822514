//! The booking form's input, checked the same way in the browser and on the server.

use crate::domain::card::Card;
use crate::domain::message::MessageText;
use crate::domain::{parse_iso_date, RentalPeriod};
use crate::error::{AppError, FieldProblem};
use chrono::{DateTime, Utc};

/// The rental period the form's "From" and "To" fields ask for, or why they don't.
pub fn period_from_form(from: &str, to: &str) -> Result<RentalPeriod, AppError> {
    let (from_day, to_day) = (parse_iso_date(from), parse_iso_date(to));
    let (Some(from_day), Some(to_day)) = (from_day, to_day) else {
        let missing = [
            (from_day.is_none(), "from", "Pick a pickup date."),
            (to_day.is_none(), "to", "Pick a return date."),
        ];
        return Err(AppError::Invalid(
            missing
                .into_iter()
                .filter(|(missing, ..)| *missing)
                .map(|(_, field, message)| FieldProblem {
                    field: field.to_owned(),
                    message: message.to_owned(),
                })
                .collect(),
        ));
    };
    RentalPeriod::new(from_day, to_day).map_err(|e| AppError::validation("to", e.to_string()))
}

/// The checkout form's card, or every field's problem. The card's expiry is checked against
/// the date on Earth where it is latest, so a card still valid somewhere is not refused.
pub fn card_from_form(
    number: &str,
    expiry: &str,
    cvc: &str,
    now: DateTime<Utc>,
) -> Result<Card, AppError> {
    let today = (now - chrono::Duration::hours(12)).date_naive();
    Card::parse(number, expiry, cvc, today).map_err(|problems| {
        AppError::Invalid(
            problems
                .into_iter()
                .map(|p| FieldProblem {
                    field: p.field.name().to_owned(),
                    message: p.message.to_owned(),
                })
                .collect(),
        )
    })
}

/// The note the renter sends the owner with a request, if they wrote one: refused under the
/// form's "message" field, with the card and the dates ([`crate::error::every_field`]).
pub fn note_from_form(message: &str) -> Result<Option<MessageText>, AppError> {
    match message.trim() {
        "" => Ok(None),
        text => MessageText::parse(text)
            .map(Some)
            .map_err(|problem| AppError::validation("message", problem.to_string())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bad_card_bad_dates_and_a_long_note_are_reported_together() {
        use crate::error::every_field;
        let now = chrono::TimeZone::with_ymd_and_hms(&Utc, 2026, 11, 24, 12, 0, 0).unwrap();
        let card = card_from_form("1234", "12/30", "123", now);
        let long = "x".repeat(crate::domain::message::MAX_MESSAGE_CHARS + 1);
        let error = every_field((
            card,
            period_from_form("", "2026-12-01"),
            note_from_form(&long),
        ))
        .unwrap_err();
        assert!(error.message_for("card_number").is_some());
        assert_eq!(
            error.message_for("from").as_deref(),
            Some("Pick a pickup date.")
        );
        assert!(error.message_for("message").is_some());
        assert!(every_field((
            card_from_form("4242424242424242", "12/30", "123", now),
            period_from_form("2026-12-01", "2026-12-03"),
            note_from_form("  "),
        ))
        .is_ok_and(|(_, _, note)| note.is_none()));
    }

    #[test]
    fn missing_dates_are_named_and_a_backwards_period_is_refused() {
        let both = period_from_form("", "soon").unwrap_err();
        assert_eq!(
            both.message_for("from").as_deref(),
            Some("Pick a pickup date.")
        );
        assert_eq!(
            both.message_for("to").as_deref(),
            Some("Pick a return date.")
        );
        let backwards = period_from_form("2026-07-05", "2026-07-03").unwrap_err();
        assert_eq!(
            backwards.message_for("to").as_deref(),
            Some("Pick a return date after the pickup date.")
        );
        assert_eq!(
            period_from_form("2026-07-03", "2026-07-05").unwrap().days(),
            2
        );
    }
}
