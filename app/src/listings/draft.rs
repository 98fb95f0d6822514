//! A listing as its owner types it: the form's text ([`ListingForm`]) checked field by field
//! into a [`ListingDraft`] the repository stores. Pure, so the browser and the server apply
//! the same rules.

use super::model::Condition;
use crate::domain::period::MAX_RENTAL_DAYS;
use crate::domain::CancellationPolicy;
use crate::domain::{Currency, GeoPoint, Locate};
use crate::error::{AppError, FieldProblem};
use serde::{Deserialize, Serialize};

pub const TITLE_CHARS: (usize, usize) = (3, 120);
pub const DESCRIPTION_CHARS: (usize, usize) = (20, 5000);
pub const MAX_UNITS: i64 = 50;
/// 100,000 a day in any currency: far above real gear, far below overflow in any quote.
pub const MAX_PRICE_MINOR: i64 = 10_000_000;
pub const MAX_LEAD_DAYS: i64 = 365;
pub const MAX_BUFFER_DAYS: i64 = 30;

/// The listing form's fields as submitted (CONTRACT.md names the visible ones).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ListingForm {
    pub title: String,
    pub description: String,
    pub category: String,
    pub condition: String,
    pub brand: String,
    pub model: String,
    pub currency: String,
    pub daily_price: String,
    pub weekly_price: String,
    pub monthly_price: String,
    pub deposit: String,
    /// Taken from the deposit for each day or part of a day the gear comes back late.
    pub late_fee: String,
    pub quantity: String,
    pub city: String,
    pub latitude: String,
    pub longitude: String,
    pub pickup_instructions: String,
    /// What the renter gets and brings back, one item per line: the handover checklist.
    pub included_items: String,
    pub instant_booking: String,
    pub min_days: String,
    pub max_days: String,
    pub lead_time_days: String,
    pub buffer_days: String,
    /// `flexible`, `moderate` or `strict`; empty means moderate.
    pub cancellation_policy: String,
}

/// A listing that passed every check. Prices are minor units of `currency`.
#[derive(Clone, Debug, PartialEq)]
pub struct ListingDraft {
    pub title: String,
    pub description: String,
    pub category: String,
    pub condition: Condition,
    pub brand: String,
    pub model: String,
    pub currency: Currency,
    pub daily_minor: i64,
    pub weekly_minor: Option<i64>,
    pub monthly_minor: Option<i64>,
    pub deposit_minor: i64,
    pub late_fee_minor: i64,
    pub units: i64,
    pub city: String,
    pub position: GeoPoint,
    /// The zone of a city we know; otherwise the owner's own.
    pub time_zone: Option<String>,
    pub pickup_instructions: String,
    pub included_items: String,
    pub instant_booking: bool,
    pub min_days: i64,
    pub max_days: Option<i64>,
    pub lead_time_days: i64,
    pub buffer_days: i64,
    pub cancellation_policy: CancellationPolicy,
}

/// Collects every refusal of a form, so the owner sees them all at once.
#[derive(Default)]
struct Checks(Vec<FieldProblem>);

impl Checks {
    fn refuse(&mut self, field: &str, message: impl Into<String>) {
        self.0.push(FieldProblem {
            field: field.to_owned(),
            message: message.into(),
        });
    }

    /// `text` trimmed, when its length is within `min..=max` characters.
    fn text(&mut self, field: &str, text: &str, (min, max): (usize, usize)) -> String {
        let text = text.trim();
        let chars = text.chars().count();
        if chars < min {
            self.refuse(
                field,
                if min == 1 {
                    "Fill this in.".to_owned()
                } else {
                    format!("Use at least {min} characters.")
                },
            );
        } else if chars > max {
            self.refuse(field, format!("Use at most {max} characters."));
        }
        text.to_owned()
    }

    fn amount(&mut self, field: &str, text: &str, required: bool, min_minor: i64) -> Option<i64> {
        let text = text.trim();
        if text.is_empty() {
            if required {
                self.refuse(field, "Enter an amount, e.g. 25 or 25.50.");
            }
            return None;
        }
        match parse_amount(text).filter(|a| (min_minor..=MAX_PRICE_MINOR).contains(a)) {
            Some(amount) => Some(amount),
            None => {
                self.refuse(
                    field,
                    format!(
                        "Enter an amount from {} to 100000, with at most two decimals.",
                        if min_minor > 0 { "0.01" } else { "0" }
                    ),
                );
                None
            }
        }
    }

    fn whole(
        &mut self,
        field: &str,
        text: &str,
        range: (i64, i64),
        default: Option<i64>,
    ) -> Option<i64> {
        let text = text.trim();
        if text.is_empty() {
            if default.is_none() {
                self.refuse(field, "Fill this in.");
            }
            return default;
        }
        match text
            .parse::<i64>()
            .ok()
            .filter(|n| (range.0..=range.1).contains(n))
        {
            Some(n) => Some(n),
            None => {
                self.refuse(
                    field,
                    format!("Enter a whole number from {} to {}.", range.0, range.1),
                );
                None
            }
        }
    }
}

/// "25", "25.5", "25.50" or "25,50" as minor units (cents); `None` for anything else.
pub fn parse_amount(text: &str) -> Option<i64> {
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    let (whole, fraction) = match text.split_once(['.', ',']) {
        Some((whole, fraction)) if digits(fraction) && fraction.len() <= 2 => (whole, fraction),
        Some(_) => return None,
        None => (text, ""),
    };
    if !digits(whole) || whole.len() > 9 {
        return None;
    }
    let cents = match fraction.len() {
        0 => 0,
        1 => fraction.parse::<i64>().ok()? * 10,
        _ => fraction.parse::<i64>().ok()?,
    };
    Some(whole.parse::<i64>().ok()? * 100 + cents)
}

impl ListingForm {
    /// Every field checked; all refusals at once, each naming its field. The city is looked
    /// up in `places` (the server's gazetteer).
    pub fn check(&self, places: &dyn Locate) -> Result<ListingDraft, AppError> {
        let mut checks = Checks::default();
        let title = checks.text("title", &self.title, TITLE_CHARS);
        let description = checks.text("description", &self.description, DESCRIPTION_CHARS);
        let category = self.category.trim().to_owned();
        if category.is_empty() {
            checks.refuse("category", "Choose a category.");
        }
        let cancellation_policy = match self.cancellation_policy.trim() {
            "" => Some(CancellationPolicy::default()),
            text => CancellationPolicy::parse(text),
        };
        if cancellation_policy.is_none() {
            checks.refuse(
                "cancellation_policy",
                "Choose a flexible, moderate or strict policy.",
            );
        }
        let condition = Condition::parse(self.condition.trim());
        if condition.is_none() {
            checks.refuse("condition", "Choose the condition the gear is in.");
        }
        let brand = checks.text("brand", &self.brand, (0, 60));
        let model = checks.text("model", &self.model, (0, 60));
        let city = checks.text("city", &self.city, (1, 80));
        let place = places.locate(&city);
        let currency = match self.currency.trim() {
            "" => place.as_ref().and_then(|p| p.currency),
            code => Currency::parse(code),
        };
        if currency.is_none() {
            checks.refuse("currency", "Choose euro, pound or dollar.");
        }
        let daily = checks.amount("daily_price", &self.daily_price, true, 1);
        let weekly = checks.amount("weekly_price", &self.weekly_price, false, 1);
        let monthly = checks.amount("monthly_price", &self.monthly_price, false, 1);
        let deposit = checks
            .amount("deposit", &self.deposit, false, 0)
            .unwrap_or(0);
        let late_fee_minor = checks
            .amount("late_fee", &self.late_fee, false, 0)
            .unwrap_or(0);
        let units = checks.whole("quantity", &self.quantity, (1, MAX_UNITS), Some(1));
        let position = self.position(&mut checks, place.as_ref().map(|p| p.position));
        let pickup_instructions =
            checks.text("pickup_instructions", &self.pickup_instructions, (0, 1000));
        let included_items = checks.text("included_items", &self.included_items, (0, 2000));
        let min_days = checks.whole("min_days", &self.min_days, (1, MAX_RENTAL_DAYS), Some(1));
        let max_days = match self.max_days.trim() {
            "" => None,
            text => checks.whole(
                "max_days",
                text,
                (min_days.unwrap_or(1), MAX_RENTAL_DAYS),
                None,
            ),
        };
        let lead_time_days = checks.whole(
            "lead_time_days",
            &self.lead_time_days,
            (0, MAX_LEAD_DAYS),
            Some(0),
        );
        let buffer_days = checks.whole(
            "buffer_days",
            &self.buffer_days,
            (0, MAX_BUFFER_DAYS),
            Some(0),
        );
        if let (Some(daily), Some(weekly)) = (daily, weekly) {
            if weekly > daily * 7 {
                checks.refuse(
                    "weekly_price",
                    "A week should cost no more than seven days at the daily price.",
                );
            }
        }
        if let (Some(daily), Some(monthly)) = (daily, monthly) {
            if monthly > daily * 30 {
                checks.refuse(
                    "monthly_price",
                    "A month should cost no more than 30 days at the daily price.",
                );
            }
        }
        match (
            checks.0.is_empty(),
            condition,
            currency,
            daily,
            units,
            position,
            min_days,
            lead_time_days,
            buffer_days,
            cancellation_policy,
        ) {
            (
                true,
                Some(condition),
                Some(currency),
                Some(daily_minor),
                Some(units),
                Some(position),
                Some(min_days),
                Some(lead_time_days),
                Some(buffer_days),
                Some(cancellation_policy),
            ) => Ok(ListingDraft {
                title,
                description,
                category,
                condition,
                brand,
                model,
                currency,
                daily_minor,
                weekly_minor: weekly,
                monthly_minor: monthly,
                deposit_minor: deposit,
                late_fee_minor,
                units,
                city,
                position,
                time_zone: place.map(|p| p.time_zone),
                pickup_instructions,
                included_items,
                instant_booking: matches!(self.instant_booking.as_str(), "on" | "true" | "1"),
                min_days,
                max_days,
                lead_time_days,
                buffer_days,
                cancellation_policy,
            }),
            _ => Err(AppError::Invalid(checks.0)),
        }
    }

    /// The typed map position, or the city's centre when both are left empty.
    fn position(&self, checks: &mut Checks, city_default: Option<GeoPoint>) -> Option<GeoPoint> {
        let (lat, lon) = (self.latitude.trim(), self.longitude.trim());
        if lat.is_empty() && lon.is_empty() {
            if city_default.is_none() {
                checks.refuse(
                    "latitude",
                    "We don't know this city's position: enter latitude and longitude.",
                );
            }
            return city_default;
        }
        let lat = lat
            .parse::<f64>()
            .ok()
            .filter(|v| (-90.0..=90.0).contains(v));
        let lon = lon
            .parse::<f64>()
            .ok()
            .filter(|v| (-180.0..=180.0).contains(v));
        if lat.is_none() {
            checks.refuse("latitude", "Enter a latitude from -90 to 90.");
        }
        if lon.is_none() {
            checks.refuse("longitude", "Enter a longitude from -180 to 180.");
        }
        GeoPoint::new(lat?, lon?)
    }
}

/// The block form's fields checked: a unit id or "" for all units, and an inclusive
/// first and last day turned into the half-open period reservations use.
#[cfg(feature = "ssr")]
pub fn block_request(
    unit: &str,
    first_day: &str,
    last_day: &str,
    note: &str,
) -> Result<super::manage::BlockRequest, AppError> {
    let mut checks = Checks::default();
    let unit = match unit.trim() {
        "" => None,
        id => match id.parse::<crate::domain::UnitId>() {
            Ok(id) => Some(id),
            Err(_) => {
                checks.refuse("unit", "Choose a unit of this listing.");
                None
            }
        },
    };
    let mut day = |field: &str, text: &str| {
        let day = crate::domain::parse_iso_date(text);
        if day.is_none() {
            checks.refuse(field, "Enter a date like 2026-07-14.");
        }
        day
    };
    let (first, last) = (day("first_day", first_day), day("last_day", last_day));
    let note = checks.text("note", note, (0, 200));
    let period = match (first, last) {
        (Some(first), Some(last)) => match last
            .succ_opt()
            .map(|end| crate::domain::RentalPeriod::new(first, end))
        {
            Some(Ok(period)) => Some(period),
            _ => {
                checks.refuse(
                    "last_day",
                    "The last day must be on or after the first, within a year.",
                );
                None
            }
        },
        _ => None,
    };
    match (checks.0.is_empty(), period) {
        (true, Some(period)) => Ok(super::manage::BlockRequest { unit, period, note }),
        _ => Err(AppError::Invalid(checks.0)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{find_place, KnownPlaces};
    use proptest::prelude::*;

    pub fn valid_form() -> ListingForm {
        ListingForm {
            title: "Sony A7 IV body".into(),
            description: "Full-frame mirrorless body with two batteries and a charger.".into(),
            category: "cameras".into(),
            condition: "like_new".into(),
            brand: "Sony".into(),
            model: "A7 IV".into(),
            daily_price: "35".into(),
            weekly_price: "180.50".into(),
            deposit: "500".into(),
            quantity: "2".into(),
            city: "berlin".into(),
            ..Default::default()
        }
    }

    fn refused(form: ListingForm) -> Vec<String> {
        match form.check(&KnownPlaces) {
            Err(AppError::Invalid(problems)) => problems.into_iter().map(|p| p.field).collect(),
            other => panic!("expected refusals, got {other:?}"),
        }
    }

    #[test]
    fn a_good_form_becomes_a_draft_with_the_city_defaults() {
        let draft = valid_form().check(&KnownPlaces).unwrap();
        assert_eq!(draft.daily_minor, 3500);
        assert_eq!(draft.weekly_minor, Some(18050));
        assert_eq!(draft.currency, Currency::Eur);
        assert_eq!(draft.time_zone.as_deref(), Some("Europe/Berlin"));
        assert_eq!(draft.position, find_place("Berlin").unwrap().position);
        assert_eq!((draft.units, draft.min_days, draft.max_days), (2, 1, None));
        assert!(!draft.instant_booking);
    }

    #[test]
    fn every_bad_field_is_reported_at_once() {
        let form = ListingForm {
            title: "ab".into(),
            description: "short".into(),
            category: "".into(),
            condition: "broken".into(),
            daily_price: "12.345".into(),
            quantity: "0".into(),
            city: "Nowhere".into(),
            ..Default::default()
        };
        assert_eq!(
            refused(form),
            [
                "title",
                "description",
                "category",
                "condition",
                "currency",
                "daily_price",
                "quantity",
                "latitude"
            ]
        );
    }

    #[test]
    fn rental_rules_are_consistent() {
        let form = ListingForm {
            min_days: "5".into(),
            max_days: "3".into(),
            weekly_price: "300".into(),
            ..valid_form()
        };
        assert_eq!(refused(form), ["max_days", "weekly_price"]);
        let form = ListingForm {
            latitude: "91".into(),
            longitude: "13".into(),
            ..valid_form()
        };
        assert_eq!(refused(form), ["latitude"]);
        let form = ListingForm {
            city: "Smalltown".into(),
            latitude: "50.1".into(),
            longitude: "8.6".into(),
            currency: "EUR".into(),
            ..valid_form()
        };
        let draft = form.check(&KnownPlaces).unwrap();
        assert_eq!((draft.time_zone, draft.position.latitude), (None, 50.1));
    }

    #[test]
    fn amounts_read_as_people_type_them() {
        assert_eq!(parse_amount("25"), Some(2500));
        assert_eq!(parse_amount("25.5"), Some(2550));
        assert_eq!(parse_amount("25,05"), Some(2505));
        for bad in [
            "",
            "-5",
            "2.555",
            "1e3",
            "25.",
            ".5",
            "12 000",
            "9999999999",
        ] {
            assert_eq!(parse_amount(bad), None, "{bad}");
        }
    }

    proptest! {
        #[test]
        fn amounts_round_trip(cents in 0i64..1_000_000_000) {
            let text = format!("{}.{:02}", cents / 100, cents % 100);
            prop_assert_eq!(parse_amount(&text), Some(cents));
        }
    }
}
