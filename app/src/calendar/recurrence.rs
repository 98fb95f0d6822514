//! Repeating events of an imported calendar (RFC 5545 `RRULE`), as the days their
//! occurrences start on. Calendars repeat an owner's own use of their gear ("every weekend",
//! "each first of the month"), so the common rules are read: a daily, weekly, monthly or
//! yearly repeat with an interval, weekdays for a weekly one, and an end by count or date. A
//! rule beyond that is refused by name rather than half read: a wrong busy day is worse than a
//! missing import.
//!
//! The file is someone else's input: every date step is checked (a step past the calendar's
//! end ends the repeat), weekdays are a set of at most seven, and expansion starts at the
//! import window rather than at the first occurrence, against a budget of candidates that the
//! caller shares across the whole file.

use chrono::{Datelike, Months, NaiveDate, TimeDelta, Weekday};

/// A repeat as the calendar states it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rule {
    freq: Freq,
    interval: u32,
    count: Option<u64>,
    /// The last day an occurrence may start on.
    until: Option<NaiveDate>,
    /// The weekdays of a weekly repeat, Monday first, each once (none: the first
    /// occurrence's).
    weekdays: Vec<Weekday>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Freq {
    Daily,
    Weekly,
    Monthly,
    Yearly,
}

/// A rule was not expanded: the file's budget of candidate days ran out, or the window
/// needs more than [`MAX_STEPS`] steps of it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TooMuchWork;

/// Longest `RRULE` value read; real ones are a few dozen characters.
const MAX_RULE_CHARS: usize = 500;
/// At most this many steps of one rule within the window (a daily repeat for the feed's
/// year is a few hundred).
const MAX_STEPS: u64 = 20_000;

/// The rule of an `RRULE` value, or the part of it that is not read.
pub fn parse(value: &str) -> Result<Rule, String> {
    if value.len() > MAX_RULE_CHARS {
        return Err(format!("a rule of {} characters", value.len()));
    }
    let mut rule = Rule {
        freq: Freq::Daily,
        interval: 1,
        count: None,
        until: None,
        weekdays: Vec::new(),
    };
    let mut freq = None;
    let mut seen: Vec<String> = Vec::new();
    for part in value.split(';').filter(|p| !p.is_empty()) {
        let unread = || part.to_owned();
        let (key, text) = part.split_once('=').ok_or_else(unread)?;
        let key = key.to_ascii_uppercase();
        // A part given twice has no one meaning (RFC 5545: each MUST NOT occur more than once).
        if seen.contains(&key) {
            return Err(unread());
        }
        seen.push(key.clone());
        match key.as_str() {
            "FREQ" => {
                freq = Some(match text.to_ascii_uppercase().as_str() {
                    "DAILY" => Freq::Daily,
                    "WEEKLY" => Freq::Weekly,
                    "MONTHLY" => Freq::Monthly,
                    "YEARLY" => Freq::Yearly,
                    _ => return Err(unread()),
                })
            }
            "INTERVAL" => {
                rule.interval = text.parse().ok().filter(|n| *n > 0).ok_or_else(unread)?
            }
            "COUNT" => rule.count = Some(text.parse().ok().filter(|n| *n > 0).ok_or_else(unread)?),
            // A date, or a date and time: the day is what counts here.
            "UNTIL" => {
                let day = text.get(..8).ok_or_else(unread)?;
                rule.until = Some(NaiveDate::parse_from_str(day, "%Y%m%d").map_err(|_| unread())?);
            }
            "BYDAY" => {
                let mut days: Vec<Weekday> = text
                    .split(',')
                    .map(weekday)
                    .collect::<Option<_>>()
                    .ok_or_else(unread)?;
                days.sort_by_key(|d| d.num_days_from_monday());
                days.dedup();
                rule.weekdays = days;
            }
            // The week's first day changes nothing for the rules read here.
            "WKST" => {}
            _ => return Err(unread()),
        }
    }
    rule.freq = freq.ok_or_else(|| value.to_owned())?;
    if !rule.weekdays.is_empty() && rule.freq != Freq::Weekly {
        return Err(format!("BYDAY with FREQ={:?}", rule.freq).to_ascii_uppercase());
    }
    Ok(rule)
}

fn weekday(code: &str) -> Option<Weekday> {
    Some(match code.trim().to_ascii_uppercase().as_str() {
        "MO" => Weekday::Mon,
        "TU" => Weekday::Tue,
        "WE" => Weekday::Wed,
        "TH" => Weekday::Thu,
        "FR" => Weekday::Fri,
        "SA" => Weekday::Sat,
        "SU" => Weekday::Sun,
        _ => return None,
    })
}

/// The days in `[from, through]` on which occurrences of an event first on `first` start,
/// in order, without the `excluded` ones (sorted). Each candidate day examined takes one from
/// `budget`; `TooMuchWork` when it runs out or the window needs more than [`MAX_STEPS`] steps.
pub fn starts(
    first: NaiveDate,
    rule: &Rule,
    excluded: &[NaiveDate],
    from: NaiveDate,
    through: NaiveDate,
    budget: &mut u64,
) -> Result<Vec<NaiveDate>, TooMuchWork> {
    let last = rule.until.map_or(through, |until| until.min(through));
    let mut days = Vec::new();
    let (skipped, mut counted) = skip_to(first, rule, from);
    // COUNT counts every occurrence, excluded ones too (RFC 5545 §3.8.5.1).
    for step in skipped.. {
        if step - skipped >= MAX_STEPS {
            return Err(TooMuchWork);
        }
        let Some(candidates) = occurrences_of_step(first, rule, step) else {
            // Past the end of the calendar: nothing later exists.
            break;
        };
        let Some(&earliest) = candidates.first() else {
            // A month without the day (the 31st, 29 February): nothing this step.
            continue;
        };
        if earliest > last {
            break;
        }
        for day in candidates.into_iter().filter(|d| *d >= first && *d <= last) {
            *budget = budget.checked_sub(1).ok_or(TooMuchWork)?;
            if rule.count.is_some_and(|count| counted >= count) {
                return Ok(days);
            }
            counted += 1;
            if day >= from && excluded.binary_search(&day).is_err() {
                days.push(day);
            }
        }
    }
    Ok(days)
}

/// The first step that may reach `from`, and how many occurrences the steps before it hold.
/// Steps are skipped only where that number is exact: every step of a daily or weekly rule
/// holds the same days, and a monthly or yearly one on a day every month has. Otherwise
/// expansion starts at the first step.
fn skip_to(first: NaiveDate, rule: &Rule, from: NaiveDate) -> (u64, u64) {
    let interval = u64::from(rule.interval);
    let days_before = u64::try_from((from - first).num_days()).unwrap_or(0);
    // One step back, so an occurrence that starts before `from` and lasts into it is seen.
    let steps = |per_step_days: u64| (days_before / (per_step_days * interval)).saturating_sub(1);
    match rule.freq {
        Freq::Daily => {
            let k = steps(1);
            (k, k)
        }
        Freq::Weekly if rule.weekdays.is_empty() => {
            let k = steps(7);
            (k, k)
        }
        Freq::Weekly => {
            let k = steps(7);
            if k == 0 {
                return (0, 0);
            }
            // The first week holds only the weekdays on or after the first day.
            let in_first_week = rule
                .weekdays
                .iter()
                .filter(|d| d.num_days_from_monday() >= first.weekday().num_days_from_monday())
                .count() as u64;
            (k, in_first_week + (k - 1) * rule.weekdays.len() as u64)
        }
        Freq::Monthly | Freq::Yearly if first.day() <= 28 => {
            let months = u64::try_from(
                (i64::from(from.year()) - i64::from(first.year())) * 12 + i64::from(from.month())
                    - i64::from(first.month()),
            )
            .unwrap_or(0);
            let per = if rule.freq == Freq::Monthly { 1 } else { 12 };
            let k = (months / (per * interval)).saturating_sub(1);
            (k, k)
        }
        Freq::Monthly | Freq::Yearly => (0, 0),
    }
}

/// The occurrences of one step of the rule (one day, week, month or year on), in order;
/// `None` once the step lies past the last date there is.
fn occurrences_of_step(first: NaiveDate, rule: &Rule, step: u64) -> Option<Vec<NaiveDate>> {
    let n = i64::try_from(step)
        .ok()?
        .checked_mul(i64::from(rule.interval))?;
    let plus_days = |day: NaiveDate, days: i64| day.checked_add_signed(TimeDelta::try_days(days)?);
    let months = |per: i64| -> Option<Vec<NaiveDate>> {
        let month = first
            .with_day(1)?
            .checked_add_months(Months::new(u32::try_from(n.checked_mul(per)?).ok()?))?;
        Some(month.with_day(first.day()).into_iter().collect())
    };
    match rule.freq {
        Freq::Daily => Some(vec![plus_days(first, n)?]),
        Freq::Weekly if rule.weekdays.is_empty() => {
            Some(vec![plus_days(first, n.checked_mul(7)?)?])
        }
        Freq::Weekly => {
            let monday = plus_days(first, -i64::from(first.weekday().num_days_from_monday()))?;
            let week = plus_days(monday, n.checked_mul(7)?)?;
            // Sorted and distinct already (`parse`); a day past the calendar's end is dropped.
            Some(
                rule.weekdays
                    .iter()
                    .filter_map(|d| plus_days(week, i64::from(d.num_days_from_monday())))
                    .collect(),
            )
        }
        Freq::Monthly => months(1),
        Freq::Yearly => months(12),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn expand(rule: &str, first: NaiveDate, through: NaiveDate) -> Vec<NaiveDate> {
        starts(
            first,
            &parse(rule).unwrap(),
            &[],
            first,
            through,
            &mut 1_000_000,
        )
        .unwrap()
    }

    /// Expands from the first occurrence, one step at a time, with no skipping: the meaning
    /// of a rule that the window-first expansion must agree with.
    fn reference(rule: &Rule, first: NaiveDate, through: NaiveDate) -> Vec<NaiveDate> {
        let mut days = Vec::new();
        for step in 0..5_000 {
            let Some(candidates) = occurrences_of_step(first, rule, step) else {
                break;
            };
            days.extend(candidates.into_iter().filter(|d| *d >= first));
        }
        if let Some(count) = rule.count {
            days.truncate(count as usize);
        }
        let last = rule.until.map_or(through, |u| u.min(through));
        days.retain(|d| *d <= last);
        days
    }

    #[test]
    fn every_weekend_until_a_day() {
        // Saturday 5 December 2026, Saturdays and Sundays, until the 20th.
        let days = expand(
            "FREQ=WEEKLY;BYDAY=SA,SU;UNTIL=20261220T000000Z",
            day(2026, 12, 5),
            day(2027, 12, 31),
        );
        assert_eq!(
            days,
            [
                day(2026, 12, 5),
                day(2026, 12, 6),
                day(2026, 12, 12),
                day(2026, 12, 13),
                day(2026, 12, 19),
                day(2026, 12, 20)
            ]
        );
    }

    #[test]
    fn counts_intervals_and_exclusions() {
        let rule = parse("FREQ=DAILY;INTERVAL=2;COUNT=4").unwrap();
        let days = starts(
            day(2026, 12, 1),
            &rule,
            &[day(2026, 12, 3)],
            day(2026, 12, 1),
            day(2027, 1, 1),
            &mut 1000,
        );
        // Four occurrences, the excluded one among them.
        assert_eq!(
            days.unwrap(),
            [day(2026, 12, 1), day(2026, 12, 5), day(2026, 12, 7)]
        );
        let fortnightly = expand(
            "FREQ=WEEKLY;INTERVAL=2;COUNT=3",
            day(2026, 12, 2),
            day(2027, 6, 1),
        );
        assert_eq!(
            fortnightly,
            [day(2026, 12, 2), day(2026, 12, 16), day(2026, 12, 30)]
        );
    }

    #[test]
    fn months_without_the_day_are_passed_over() {
        let days = expand("FREQ=MONTHLY;COUNT=3", day(2027, 1, 31), day(2028, 1, 1));
        assert_eq!(days, [day(2027, 1, 31), day(2027, 3, 31), day(2027, 5, 31)]);
        let leap = expand("FREQ=YEARLY", day(2024, 2, 29), day(2032, 12, 31));
        assert_eq!(leap, [day(2024, 2, 29), day(2028, 2, 29), day(2032, 2, 29)]);
    }

    #[test]
    fn an_endless_repeat_stops_at_the_horizon_and_an_old_one_starts_at_the_window() {
        let days = expand("FREQ=WEEKLY", day(2026, 12, 1), day(2027, 1, 1));
        assert_eq!(days.len(), 5);
        // Daily since the year 1000: only the window's days are worked out.
        let old = parse("FREQ=DAILY").unwrap();
        let mut budget = 100;
        let days = starts(
            day(1000, 1, 1),
            &old,
            &[],
            day(2026, 12, 1),
            day(2026, 12, 10),
            &mut budget,
        );
        assert_eq!(days.unwrap().len(), 10);
        assert!(
            budget >= 88,
            "{budget} left: the centuries before were skipped"
        );
    }

    #[test]
    fn huge_values_end_the_repeat_instead_of_overflowing() {
        for rule in [
            "FREQ=DAILY;INTERVAL=4294967295",
            "FREQ=WEEKLY;INTERVAL=4294967295;BYDAY=MO,TU",
            "FREQ=MONTHLY;INTERVAL=4294967295",
            "FREQ=YEARLY;INTERVAL=4294967295;COUNT=18446744073709551615",
        ] {
            let rule = parse(rule).unwrap();
            let days = starts(
                day(2026, 12, 1),
                &rule,
                &[],
                day(2026, 12, 1),
                NaiveDate::MAX,
                &mut 1000,
            );
            assert_eq!(days.unwrap(), [day(2026, 12, 1)], "{rule:?}");
        }
        // Near the end of the calendar, a step past it ends the repeat.
        let daily = parse("FREQ=DAILY").unwrap();
        let days = starts(
            NaiveDate::MAX,
            &daily,
            &[],
            NaiveDate::MAX,
            NaiveDate::MAX,
            &mut 10,
        );
        assert_eq!(days.unwrap(), [NaiveDate::MAX]);
    }

    #[test]
    fn a_long_weekday_list_is_seven_days_at_most_and_work_has_a_budget() {
        let list = vec!["MO"; 200].join(",");
        assert!(
            parse(&format!("FREQ=WEEKLY;BYDAY={list}")).is_err(),
            "rule too long"
        );
        let rule = parse("FREQ=WEEKLY;BYDAY=MO,MO,TU,SU,MO,TU").unwrap();
        assert_eq!(rule.weekdays, [Weekday::Mon, Weekday::Tue, Weekday::Sun]);
        assert!(
            parse("FREQ=DAILY;FREQ=WEEKLY").is_err(),
            "a part given twice"
        );
        let daily = parse("FREQ=DAILY").unwrap();
        let mut budget = 5;
        let refused = starts(
            day(2026, 1, 1),
            &daily,
            &[],
            day(2026, 1, 1),
            day(2026, 12, 31),
            &mut budget,
        );
        assert_eq!(refused, Err(TooMuchWork));
    }

    proptest::proptest! {
        /// Starting at the window gives exactly the days of a plain walk from the first
        /// occurrence that fall in the window, counts included.
        #[test]
        fn the_window_first_expansion_agrees_with_a_plain_walk(
            freq in 0usize..4,
            interval in 1u32..4,
            weekdays in proptest::collection::vec(0u8..7, 0..4),
            count in proptest::option::of(1u64..60),
            first_offset in 0i64..400,
            window_offset in 0i64..500,
        ) {
            let codes = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"];
            let freq_name = ["DAILY", "WEEKLY", "MONTHLY", "YEARLY"][freq];
            let mut text = format!("FREQ={freq_name};INTERVAL={interval}");
            if freq == 1 && !weekdays.is_empty() {
                let days: Vec<&str> = weekdays.iter().map(|d| codes[usize::from(*d)]).collect();
                text.push_str(&format!(";BYDAY={}", days.join(",")));
            }
            if let Some(count) = count {
                text.push_str(&format!(";COUNT={count}"));
            }
            let rule = parse(&text).unwrap();
            // Every day of the month comes up, the 29th to 31st too.
            let first = day(2020, 1, 1) + TimeDelta::days(first_offset);
            let from = first + TimeDelta::days(window_offset);
            let through = from + TimeDelta::days(120);
            let expected: Vec<NaiveDate> = reference(&rule, first, through)
                .into_iter()
                .filter(|d| *d >= from)
                .collect();
            let got = starts(first, &rule, &[], from, through, &mut 1_000_000).unwrap();
            proptest::prop_assert_eq!(got, expected, "{}", text);
        }
    }

    #[test]
    fn rules_beyond_the_common_ones_are_named() {
        assert_eq!(parse("FREQ=MONTHLY;BYDAY=1MO").unwrap_err(), "BYDAY=1MO");
        assert_eq!(
            parse("FREQ=MONTHLY;BYMONTHDAY=15").unwrap_err(),
            "BYMONTHDAY=15"
        );
        assert_eq!(parse("FREQ=HOURLY").unwrap_err(), "FREQ=HOURLY");
        assert!(parse("INTERVAL=2").is_err());
    }
}
