//! The booking form's input, checked the same way in the browser and on the server.

use crate::domain::{parse_iso_date, RentalPeriod};
use crate::error::{AppError, FieldProblem};

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

#[cfg(test)]
mod tests {
    use super::*;

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
