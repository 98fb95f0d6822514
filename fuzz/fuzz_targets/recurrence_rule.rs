//! Repeating events: `app::calendar::recurrence::parse` on an `RRULE` value, then
//! `app::calendar::recurrence::starts` expanding it over a window, with exclusions and a
//! budget, for first days anywhere in chrono's calendar.
//!
//! Invariants: parsing ignores ASCII case; the days found are sorted, distinct, inside the
//! window, on or after the first occurrence and never excluded, each paid for from the
//! budget; and the window-first expansion (which skips whole steps before the window) finds
//! exactly the days that expanding from the first occurrence finds in the window.
#![no_main]

use app::calendar::recurrence::{parse, starts};
use chrono::{Datelike, NaiveDate, TimeDelta};
use libfuzzer_sys::fuzz_target;

/// Input: a 16-byte header, little-endian, then the excluded days, then the `RRULE` value.
/// - byte 0: bit 0 set: `first` is anywhere in chrono's range, else within about 55 years
///   of 1 Jan 2026;
/// - bytes 1-4 (i32): the first occurrence;
/// - bytes 5-8 (i32): the window starts this many days after it (before, if negative);
/// - bytes 9-10 (u16): the window's length in days, modulo 4000;
/// - bytes 11-14 (u32): the budget of candidate days, modulo 400,000;
/// - byte 15: how many excluded days follow, each an i16 offset from the first occurrence;
/// - the rest: the rule, as UTF-8.
struct Input {
    anywhere: bool,
    first: i32,
    window_offset: i32,
    window_days: u16,
    excluded: Vec<i16>,
    budget: u32,
    rule: String,
}

impl Input {
    fn read(data: &[u8]) -> Option<Input> {
        let head = data.get(..16)?;
        let i32_at = |i: usize| i32::from_le_bytes(head[i..i + 4].try_into().unwrap());
        let count = usize::from(head[15]);
        let excluded_bytes = data.get(16..16 + 2 * count)?;
        let rule = std::str::from_utf8(&data[16 + 2 * count..]).ok()?;
        Some(Input {
            anywhere: head[0] & 1 == 1,
            first: i32_at(1),
            window_offset: i32_at(5),
            window_days: u16::from_le_bytes([head[9], head[10]]),
            budget: u32::from_le_bytes(head[11..15].try_into().unwrap()),
            excluded: excluded_bytes
                .chunks_exact(2)
                .map(|b| i16::from_le_bytes([b[0], b[1]]))
                .collect(),
            rule: rule.to_owned(),
        })
    }
}

/// What the calendar import gives one file (`ical::MAX_OCCURRENCES_EXAMINED`).
const FILE_BUDGET: u64 = 200_000;

fuzz_target!(|data: &[u8]| {
    let Some(input) = Input::read(data) else {
        return;
    };
    // Parsing is case-blind: keys, frequencies and weekdays alike.
    let rule = parse(&input.rule);
    assert_eq!(
        parse(&input.rule.to_ascii_uppercase()).ok(),
        rule.clone().ok(),
        "upper-casing changed the rule {:?}",
        input.rule
    );
    assert_eq!(
        parse(&input.rule.to_ascii_lowercase()).ok(),
        rule.clone().ok(),
        "lower-casing changed the rule {:?}",
        input.rule
    );
    let Ok(rule) = rule else {
        return;
    };

    let first = if input.anywhere {
        let (min, max) = (
            NaiveDate::MIN.num_days_from_ce(),
            NaiveDate::MAX.num_days_from_ce(),
        );
        let span = i64::from(max) - i64::from(min) + 1;
        let day = i64::from(min) + (i64::from(input.first) - i64::from(min)).rem_euclid(span);
        NaiveDate::from_num_days_from_ce_opt(day as i32).unwrap()
    } else {
        NaiveDate::from_ymd_opt(2026, 1, 1).unwrap()
            + TimeDelta::days(i64::from(input.first % 20_000))
    };
    let Some(from) = first.checked_add_signed(TimeDelta::days(i64::from(input.window_offset)))
    else {
        return;
    };
    let through = from
        .checked_add_signed(TimeDelta::days(i64::from(input.window_days % 4_000)))
        .unwrap_or(NaiveDate::MAX);
    let mut excluded: Vec<NaiveDate> = input
        .excluded
        .iter()
        .filter_map(|d| first.checked_add_signed(TimeDelta::days(i64::from(*d))))
        .collect();
    excluded.sort();
    excluded.dedup();

    let budget = u64::from(input.budget) % (2 * FILE_BUDGET);
    let mut left = budget;
    let Ok(days) = starts(first, &rule, &excluded, from, through, &mut left) else {
        return;
    };
    assert!(left <= budget);
    assert!(
        days.len() as u64 <= budget - left,
        "{} days found for {} of budget",
        days.len(),
        budget - left
    );
    for day in &days {
        assert!(
            *day >= first && *day >= from && *day <= through,
            "{day} outside [{}, {through}] for {rule:?}",
            first.max(from)
        );
        assert!(excluded.binary_search(day).is_err(), "{day} was excluded");
    }
    for pair in days.windows(2) {
        assert!(
            pair[0] < pair[1],
            "days out of order: {} then {}",
            pair[0],
            pair[1]
        );
    }

    // The same window by a plain walk from the first occurrence.
    if from > first {
        let mut plenty = u64::MAX;
        if let Ok(all) = starts(first, &rule, &excluded, first, through, &mut plenty) {
            let expected: Vec<NaiveDate> = all.into_iter().filter(|d| *d >= from).collect();
            assert_eq!(
                days, expected,
                "window-first expansion disagrees with the walk from {first} for {rule:?}, window [{from}, {through}]"
            );
        }
    }
});
