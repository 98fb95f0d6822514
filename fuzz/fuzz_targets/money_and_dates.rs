//! Money and dates from form fields: `app::listings::draft::parse_amount` (price, deposit,
//! late-fee and claim fields), `Money`'s `Display`, `Currency::parse`, `Money::checked_add`,
//! `app::domain::parse_iso_date` and `day_text`, `RentalPeriod::new`/`describe`, the
//! booking form's `app::bookings::form::period_from_form`, the block form's
//! `app::listings::draft::block_request`, and the money and day fields of
//! `ListingForm::check`.
//!
//! Input: text, one field a line: amount, currency, from, to, then the listing form's daily,
//! weekly and monthly price, deposit, late fee, quantity, minimum and maximum days, lead
//! time and buffer days (missing lines are empty). The first 8 bytes are also read as the
//! minor units of an amount to print.
#![no_main]

use app::bookings::form::period_from_form;
use app::domain::{day_text, parse_iso_date, Currency, Money, RentalPeriod};
use app::error::AppError;
use app::listings::draft::{block_request, parse_amount, ListingForm, MAX_PRICE_MINOR};
use chrono::Datelike;
use libfuzzer_sys::fuzz_target;

const CURRENCIES: [Currency; 3] = [Currency::Eur, Currency::Gbp, Currency::Usd];

/// The printed amount as the amount fields read it: no symbol, sign or thousands commas.
fn unprinted(text: &str) -> String {
    text.chars()
        .filter(|c| c.is_ascii_digit() || *c == '.')
        .collect()
}

fn check_printed(money: Money) {
    let text = money.to_string();
    let symbol = match money.currency {
        Currency::Eur => "€",
        Currency::Gbp => "£",
        Currency::Usd => "$",
    };
    let body = match text.strip_prefix('-') {
        Some(rest) => {
            assert!(money.minor < 0, "{text:?} for {}", money.minor);
            rest
        }
        None => {
            assert!(money.minor >= 0, "{text:?} for {}", money.minor);
            &text
        }
    };
    let number = body
        .strip_prefix(symbol)
        .unwrap_or_else(|| panic!("{text:?} lacks its symbol"));
    let (units, cents) = number.split_once('.').expect("two decimals");
    assert_eq!(cents.len(), 2, "{text:?}");
    let groups: Vec<&str> = units.split(',').collect();
    assert!(
        (1..=3).contains(&groups[0].len()) && groups[1..].iter().all(|g| g.len() == 3),
        "bad grouping in {text:?}"
    );
    let digits: String = number.chars().filter(char::is_ascii_digit).collect();
    assert_eq!(
        digits.parse::<u64>().ok(),
        Some(money.minor.unsigned_abs()),
        "{text:?} lost digits of {}",
        money.minor
    );
}

fuzz_target!(|data: &[u8]| {
    let mut raw = [0u8; 8];
    for (slot, byte) in raw.iter_mut().zip(data) {
        *slot = *byte;
    }
    let minor = i64::from_le_bytes(raw);
    for currency in CURRENCIES {
        check_printed(Money::new(minor, currency));
        let one = Money::new(1, currency);
        assert_eq!(
            Money::new(minor, currency)
                .checked_add(one)
                .map(|m| m.minor),
            minor.checked_add(1)
        );
    }
    assert_eq!(
        Money::new(minor, Currency::Eur).checked_add(Money::new(0, Currency::Usd)),
        None
    );

    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let mut lines = text.split('\n');
    let mut field = || lines.next().unwrap_or("").to_owned();
    let (amount, code, from, to) = (field(), field(), field(), field());
    let form_fields: Vec<String> = (0..10).map(|_| field()).collect();

    // Amounts: bounded, and what the app prints reads back as the same amount.
    if let Some(cents) = parse_amount(&amount) {
        assert!(
            (0..100_000_000_000).contains(&cents),
            "{amount:?} read as {cents}"
        );
        for currency in CURRENCIES {
            let printed = Money::new(cents, currency).to_string();
            assert_eq!(
                parse_amount(&unprinted(&printed)),
                Some(cents),
                "{printed:?} (from {amount:?}) does not read back"
            );
        }
        assert_eq!(
            parse_amount(&format!("{}.{:02}", cents / 100, cents % 100)),
            Some(cents)
        );
    }

    if let Some(currency) = Currency::parse(&code) {
        assert!(currency.code().eq_ignore_ascii_case(code.trim()));
        assert_eq!(Currency::parse(currency.code()), Some(currency));
    }

    // Dates as a date input sends them.
    for text in [&from, &to] {
        if let Some(day) = parse_iso_date(text) {
            let _ = day_text(day);
            if (0..=9999).contains(&day.year()) {
                assert_eq!(
                    parse_iso_date(&day.format("%Y-%m-%d").to_string()),
                    Some(day),
                    "{text:?} read as {day} does not read back"
                );
            }
        }
    }
    match period_from_form(&from, &to) {
        Ok(period) => {
            assert_eq!(Some(period.from()), parse_iso_date(&from));
            assert_eq!(Some(period.to()), parse_iso_date(&to));
            assert!((1..=366).contains(&period.days()));
            assert!(period.overlaps(&period));
            let _ = period.describe();
            assert_eq!(RentalPeriod::new(period.from(), period.to()), Ok(period));
        }
        Err(AppError::Invalid(problems)) => {
            assert!(!problems.is_empty());
            assert!(problems
                .iter()
                .all(|p| p.field == "from" || p.field == "to"));
        }
        Err(AppError::Validation { field, .. }) => assert_eq!(field, "to"),
        Err(other) => panic!("a period refused with {other:?}"),
    }
    // The owner's block form: an inclusive last day.
    match block_request("", &from, &to, "fuzz") {
        Ok(block) => {
            assert_eq!(Some(block.period.from()), parse_iso_date(&from));
            assert_eq!(
                parse_iso_date(&to).and_then(|d| d.succ_opt()),
                Some(block.period.to())
            );
            assert!((1..=366).contains(&block.period.days()));
        }
        Err(AppError::Invalid(problems)) => assert!(!problems.is_empty()),
        Err(other) => panic!("a block refused with {other:?}"),
    }

    // A listing whose money and day fields are the input's.
    let [daily, weekly, monthly, deposit, late_fee, quantity, min_days, max_days, lead, buffer]: [String; 10] =
        form_fields.try_into().unwrap();
    let form = ListingForm {
        title: "Sony A7 IV body".into(),
        description: "Full-frame mirrorless body with two batteries and a charger.".into(),
        category: "cameras".into(),
        condition: "like_new".into(),
        city: "berlin".into(),
        currency: code.clone(),
        daily_price: daily.clone(),
        weekly_price: weekly.clone(),
        monthly_price: monthly.clone(),
        deposit: deposit.clone(),
        late_fee: late_fee.clone(),
        quantity,
        min_days,
        max_days,
        lead_time_days: lead,
        buffer_days: buffer,
        ..Default::default()
    };
    match form.check() {
        Ok(draft) => {
            assert_eq!(parse_amount(daily.trim()), Some(draft.daily_minor));
            assert!((1..=MAX_PRICE_MINOR).contains(&draft.daily_minor));
            for (text, value) in [
                (&weekly, draft.weekly_minor),
                (&monthly, draft.monthly_minor),
            ] {
                assert_eq!(value, parse_amount(text.trim()));
            }
            if let Some(weekly) = draft.weekly_minor {
                assert!((1..=draft.daily_minor * 7).contains(&weekly));
            }
            if let Some(monthly) = draft.monthly_minor {
                assert!((1..=draft.daily_minor * 30).contains(&monthly));
            }
            for value in [draft.deposit_minor, draft.late_fee_minor] {
                assert!((0..=MAX_PRICE_MINOR).contains(&value));
            }
            assert!((1..=50).contains(&draft.units));
            assert!((1..=366).contains(&draft.min_days));
            if let Some(max) = draft.max_days {
                assert!((draft.min_days..=366).contains(&max));
            }
            assert!((0..=365).contains(&draft.lead_time_days));
            assert!((0..=30).contains(&draft.buffer_days));
            check_printed(Money::new(draft.daily_minor, draft.currency));
        }
        Err(AppError::Invalid(problems)) => {
            assert!(!problems.is_empty(), "refused without a reason");
            assert!(problems
                .iter()
                .all(|p| !p.field.is_empty() && !p.message.is_empty()));
        }
        Err(other) => panic!("a listing refused with {other:?}"),
    }
});
