//! Repeating events of an imported calendar (RFC 5545 `RRULE`), as the days their
//! occurrences start on. Calendars repeat an owner's own use of their gear ("every weekend",
//! "each first of the month"), so the common rules are read: a daily, weekly, monthly or
//! yearly repeat with an interval, weekdays for a weekly one, and an end by count or date. A
//! rule beyond that is refused by name rather than half read: a wrong busy day is worse than a
//! missing import.

use chrono::{Datelike, Duration, Months, NaiveDate, Weekday};

/// A repeat as the calendar states it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rule {
    freq: Freq,
    interval: u32,
    count: Option<usize>,
    /// The last day an occurrence may start on.
    until: Option<NaiveDate>,
    /// The weekdays of a weekly repeat (none: the first occurrence's).
    weekdays: Vec<Weekday>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Freq {
    Daily,
    Weekly,
    Monthly,
    Yearly,
}

/// An occurrence loop stops after this many steps: a rule that would need more (a daily
/// repeat since the year 1000) is refused.
const MAX_STEPS: usize = 20_000;

/// The rule of an `RRULE` value, or the part of it that is not read.
pub fn parse(value: &str) -> Result<Rule, String> {
    let mut rule = Rule {
        freq: Freq::Daily,
        interval: 1,
        count: None,
        until: None,
        weekdays: Vec::new(),
    };
    let mut freq = None;
    for part in value.split(';').filter(|p| !p.is_empty()) {
        let unread = || part.to_owned();
        let (key, text) = part.split_once('=').ok_or_else(unread)?;
        match key.to_ascii_uppercase().as_str() {
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
                rule.weekdays = text
                    .split(',')
                    .map(weekday)
                    .collect::<Option<_>>()
                    .ok_or_else(unread)?
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

/// The days the occurrences of an event first on `first` start, in order, through `through`
/// (or the rule's own end), without the `excluded` ones; `None` when that takes more steps
/// than [`MAX_STEPS`].
pub fn starts(
    first: NaiveDate,
    rule: &Rule,
    excluded: &[NaiveDate],
    through: NaiveDate,
) -> Option<Vec<NaiveDate>> {
    let last = rule.until.map_or(through, |until| until.min(through));
    let mut days = Vec::new();
    // COUNT counts every occurrence, excluded ones too (RFC 5545 §3.8.5.1).
    let mut counted = 0;
    for step in 0.. {
        if step >= MAX_STEPS {
            return None;
        }
        let candidates = occurrences_of_step(first, rule, step);
        let Some(&earliest) = candidates.first() else {
            // A month without the day (the 31st, 29 February): nothing this step.
            continue;
        };
        if earliest > last {
            break;
        }
        for day in candidates.into_iter().filter(|d| *d >= first && *d <= last) {
            if rule.count.is_some_and(|count| counted >= count) {
                return Some(days);
            }
            counted += 1;
            if !excluded.contains(&day) {
                days.push(day);
            }
        }
    }
    Some(days)
}

/// The occurrences of one step of the rule (one day, week, month or year on), in order.
fn occurrences_of_step(first: NaiveDate, rule: &Rule, step: usize) -> Vec<NaiveDate> {
    let n = i64::try_from(step).unwrap_or(i64::MAX) * i64::from(rule.interval);
    let months = |per: i64| -> Vec<NaiveDate> {
        u32::try_from(n * per)
            .ok()
            .and_then(|m| first.with_day(1)?.checked_add_months(Months::new(m)))
            .and_then(|month| month.with_day(first.day()))
            .into_iter()
            .collect()
    };
    match rule.freq {
        Freq::Daily => vec![first + Duration::days(n)],
        Freq::Weekly if rule.weekdays.is_empty() => vec![first + Duration::weeks(n)],
        Freq::Weekly => {
            let monday = first - Duration::days(i64::from(first.weekday().num_days_from_monday()));
            let week = monday + Duration::weeks(n);
            let mut days: Vec<NaiveDate> = rule
                .weekdays
                .iter()
                .map(|d| week + Duration::days(i64::from(d.num_days_from_monday())))
                .collect();
            days.sort();
            days.dedup();
            days
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
        starts(first, &parse(rule).unwrap(), &[], through).unwrap()
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
            day(2027, 1, 1),
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
    fn an_endless_repeat_stops_at_the_horizon_and_an_absurd_one_is_refused() {
        let days = expand("FREQ=WEEKLY", day(2026, 12, 1), day(2027, 1, 1));
        assert_eq!(days.len(), 5);
        let old = parse("FREQ=DAILY").unwrap();
        assert_eq!(starts(day(1000, 1, 1), &old, &[], day(2027, 1, 1)), None);
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
