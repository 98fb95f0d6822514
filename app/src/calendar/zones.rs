//! Time zones from the zone database, for the server only: which names a member may choose,
//! and a zone's offsets over the years pages show (`domain::zone::LocalZone`), which the
//! browser then reads without the database.

use crate::domain::zone::{LocalZone, ZoneSpan};
use chrono::{DateTime, Duration, Offset, TimeZone, Utc};
use chrono_tz::{OffsetName, Tz};
use std::collections::HashMap;
use std::sync::{LazyLock, Mutex};

/// How far back and ahead of now a zone's offsets are worked out: bookings, messages and the
/// audit log shown are rarely older than a few years; earlier moments take the first offset.
const YEARS_BACK: i64 = 4;
const YEARS_AHEAD: i64 = 2;

/// The regions of the names people choose from; the database's other names ("US/Eastern",
/// "Etc/GMT+5") are links kept for old software.
const REGIONS: [&str; 9] = [
    "Africa/",
    "America/",
    "Antarctica/",
    "Asia/",
    "Atlantic/",
    "Australia/",
    "Europe/",
    "Indian/",
    "Pacific/",
];

/// A zone a member may choose, by its IANA name; `None` for anything else.
pub fn known(name: &str) -> Option<Tz> {
    let zone = name.parse::<Tz>().ok()?;
    (zone == Tz::UTC || REGIONS.iter().any(|region| name.starts_with(region))).then_some(zone)
}

/// Every zone a member may choose, alphabetically, "UTC" first.
pub fn choices() -> &'static [&'static str] {
    static CHOICES: LazyLock<Vec<&'static str>> = LazyLock::new(|| {
        let mut names: Vec<&'static str> = chrono_tz::TZ_VARIANTS
            .iter()
            .map(|zone| zone.name())
            .filter(|name| REGIONS.iter().any(|region| name.starts_with(region)))
            .collect();
        names.sort_unstable();
        names.insert(0, "UTC");
        names
    });
    &CHOICES
}

/// `name`'s offsets around `now`; UTC for a name the database doesn't know. Kept per zone
/// and day, since every page of a member asks for theirs.
pub fn local_zone(name: &str, now: DateTime<Utc>) -> LocalZone {
    static KEPT: LazyLock<Mutex<HashMap<String, (i64, LocalZone)>>> =
        LazyLock::new(Default::default);
    let Ok(zone) = name.parse::<Tz>() else {
        return LocalZone::utc();
    };
    let day = now.timestamp().div_euclid(86_400);
    let lock = || KEPT.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    if let Some((kept_day, local)) = lock().get(name) {
        if *kept_day == day {
            return local.clone();
        }
    }
    // Worked out without the lock, so pages of other zones never wait for this one; two
    // requests that miss together both work it out, and agree.
    let local = work_out(zone, now);
    // A few hundred names at most: only valid zone names reach this map.
    lock().insert(name.to_owned(), (day, local.clone()));
    local
}

fn work_out(zone: Tz, now: DateTime<Utc>) -> LocalZone {
    let span_at = |at: DateTime<Utc>| {
        let offset = zone.offset_from_utc_datetime(&at.naive_utc());
        let seconds = offset.fix().local_minus_utc();
        let abbreviation = match offset.abbreviation() {
            Some(name) if !name.starts_with(['+', '-']) => name.to_owned(),
            _ => utc_offset_text(seconds),
        };
        (seconds, abbreviation)
    };
    let start = now - Duration::days(365 * YEARS_BACK);
    let end = now + Duration::days(365 * YEARS_AHEAD);
    let first = span_at(start);
    let mut spans = vec![ZoneSpan {
        from: start.timestamp(),
        offset: first.0,
        abbreviation: first.1.clone(),
    }];
    let mut current = first;
    // Zones change at most a few times a year and never twice in six hours, so stepping by
    // six hours finds every change; the exact second is then found by halving.
    let step = Duration::hours(6);
    let mut at = start;
    while at < end {
        let next = at + step;
        let there = span_at(next);
        if there != current {
            let (mut before, mut after) = (at.timestamp(), next.timestamp());
            while after - before > 1 {
                let middle = before + (after - before) / 2;
                let probe = DateTime::from_timestamp(middle, 0).unwrap_or(next);
                if span_at(probe) == current {
                    before = middle;
                } else {
                    after = middle;
                }
            }
            spans.push(ZoneSpan {
                from: after,
                offset: there.0,
                abbreviation: there.1.clone(),
            });
            current = there;
        }
        at = next;
    }
    LocalZone::new(zone.name().to_owned(), spans)
}

/// "UTC+5:30", for an offset the database has no name for.
fn utc_offset_text(seconds: i32) -> String {
    let sign = if seconds < 0 { '-' } else { '+' };
    let minutes = seconds.unsigned_abs() / 60;
    match minutes % 60 {
        0 => format!("UTC{sign}{}", minutes / 60),
        rest => format!("UTC{sign}{}:{rest:02}", minutes / 60),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text).unwrap().to_utc()
    }

    #[test]
    fn berlin_changes_at_the_second_its_clocks_do() {
        let zone = local_zone("Europe/Berlin", at("2026-12-04T10:00:00Z"));
        assert_eq!(zone.name, "Europe/Berlin");
        // Around both changes of 2026, and two years ahead.
        let expected = [
            ("2026-03-29T00:59:59Z", "29 Mar 2026, 01:59 CET"),
            ("2026-03-29T01:00:00Z", "29 Mar 2026, 03:00 CEST"),
            ("2026-10-25T00:59:59Z", "25 Oct 2026, 02:59 CEST"),
            ("2026-10-25T01:00:00Z", "25 Oct 2026, 02:00 CET"),
            ("2028-07-01T12:00:00Z", "1 Jul 2028, 14:00 CEST"),
        ];
        for (instant, text) in expected {
            assert_eq!(zone.moment_text(at(instant)), text, "{instant}");
        }
    }

    #[test]
    fn zones_without_a_name_for_their_offset_say_it_as_a_number() {
        let now = at("2026-12-04T10:00:00Z");
        let istanbul = local_zone("Europe/Istanbul", now);
        assert_eq!(istanbul.moment_text(now), "4 Dec 2026, 13:00 UTC+3");
        let kolkata = local_zone("Asia/Kolkata", now);
        assert_eq!(kolkata.moment_text(now), "4 Dec 2026, 15:30 IST");
        assert_eq!(utc_offset_text(19_800), "UTC+5:30");
        assert_eq!(utc_offset_text(-3 * 3600), "UTC-3");
    }

    #[test]
    fn an_unknown_zone_is_utc() {
        let now = at("2026-12-04T10:00:00Z");
        assert_eq!(local_zone("Mars/Olympus", now), LocalZone::utc());
        assert_eq!(
            local_zone("UTC", now).moment_text(now),
            "4 Dec 2026, 10:00 UTC"
        );
    }

    #[test]
    fn members_choose_among_the_regional_names_and_utc() {
        assert!(known("Asia/Tokyo").is_some());
        assert!(known("UTC").is_some());
        assert!(known("US/Eastern").is_none(), "a link, not offered");
        assert!(known("Etc/GMT+5").is_none());
        assert!(known("asia/tokyo").is_none());
        assert!(known("").is_none());
        let choices = choices();
        assert_eq!(choices[0], "UTC");
        assert!(choices.contains(&"America/New_York"));
        assert!(choices.iter().skip(1).all(|name| known(name).is_some()));
        assert!(choices.windows(2).skip(1).all(|pair| pair[0] < pair[1]));
    }
}
