//! Calendar import: an owner's uploaded `.ics` file read by `app::calendar::ical::busy_days`
//! (RFC 5545 unfolding, properties, DTSTART/DTEND/DURATION in zones, EXDATE, and repeats
//! expanded by `app::calendar::recurrence`), then the feed the app publishes
//! (`app::calendar::ical::feed`) read back.
//!
//! Input: 4 header bytes, then the file.
//! - bytes 0-1: the listing's zone (below 16: a zone picked for its daylight-saving or offset
//!   oddities; otherwise any zone chrono-tz knows);
//! - byte 2: where the import window starts, in steps of 73 days around 3 Dec 2026 (signed);
//! - byte 3: the window's length: 0 is the app's own (31 + 366 days), else 8 days a step;
//! - the rest: the file, as UTF-8 (the upload handler takes it as a `String`).
#![no_main]

use app::calendar::ical::{busy_days, feed, ranges, BusyDays, MAX_EVENTS};
use chrono::{Duration, NaiveDate, TimeZone, Utc};
use chrono_tz::Tz;
use libfuzzer_sys::fuzz_target;

/// Zones whose rules most often break date code.
const ODD_ZONES: [Tz; 16] = [
    chrono_tz::UTC,
    chrono_tz::Europe::Berlin,
    chrono_tz::Europe::London,
    chrono_tz::America::New_York,
    chrono_tz::America::Los_Angeles,
    chrono_tz::America::St_Johns,
    chrono_tz::America::Sao_Paulo,
    chrono_tz::Australia::Lord_Howe,
    chrono_tz::Australia::Sydney,
    chrono_tz::Asia::Kathmandu,
    chrono_tz::Asia::Tehran,
    chrono_tz::Pacific::Kiritimati,
    chrono_tz::Pacific::Pago_Pago,
    chrono_tz::Pacific::Chatham,
    chrono_tz::Pacific::Apia,
    chrono_tz::Africa::Casablanca,
];

/// The app's window: from today, as far ahead as the feed shows.
const FEED_DAYS: i64 = 31 + 366;

fuzz_target!(|data: &[u8]| {
    if data.len() < 4 {
        return;
    }
    let (head, body) = data.split_at(4);
    let Ok(ics) = std::str::from_utf8(body) else {
        return;
    };
    let zone_index = usize::from(u16::from_le_bytes([head[0], head[1]]));
    let zone = match ODD_ZONES.get(zone_index) {
        Some(zone) => *zone,
        None => chrono_tz::TZ_VARIANTS[zone_index % chrono_tz::TZ_VARIANTS.len()],
    };
    let today = NaiveDate::from_ymd_opt(2026, 12, 3).unwrap();
    let from = today + Duration::days(i64::from(head[2] as i8) * 73);
    let days = match head[3] {
        0 => FEED_DAYS,
        n => i64::from(n) * 8,
    };
    let window = BusyDays {
        from,
        to: from + Duration::days(days),
    };

    let Ok(busy) = busy_days(ics, zone, window) else {
        return;
    };

    // What the import then blocks: merged, sorted, bounded, each stretch inside the window.
    assert!(busy.len() <= MAX_EVENTS, "{} busy stretches", busy.len());
    for days in &busy {
        assert!(
            days.from < days.to,
            "an empty or backwards stretch {days:?}"
        );
        assert!(
            days.to > window.from && days.from < window.to,
            "{days:?} is outside the window {window:?}"
        );
    }
    for pair in busy.windows(2) {
        assert!(
            pair[0].to < pair[1].from,
            "stretches not merged or not sorted: {:?} then {:?}",
            pair[0],
            pair[1]
        );
    }

    // What the import blocks is each stretch cut to the window; the feed of those days (built
    // as the app builds it, from single days through `ranges`) reads back as the same days.
    // Only for windows an event may span: a longer stretch is refused as "too large" by
    // design, and the app's feed never spans more than its 397 days.
    if days > 3 * 366 {
        return;
    }
    let clipped: Vec<BusyDays> = busy
        .iter()
        .map(|d| BusyDays {
            from: d.from.max(window.from),
            to: d.to.min(window.to),
        })
        .collect();
    let single_days: Vec<NaiveDate> = clipped
        .iter()
        .flat_map(|d| d.from.iter_days().take_while(move |day| *day < d.to))
        .collect();
    let stretches = ranges(&single_days);
    assert_eq!(
        stretches, clipped,
        "ranges() of the busy days is not the busy stretches"
    );
    let listing = uuid::Uuid::from_u128(0x6765_6172_7368_6172_65);
    let now = Utc.with_ymd_and_hms(2026, 12, 3, 6, 0, 0).unwrap();
    let published = feed(listing, &stretches, now);
    assert!(
        published.split("\r\n").all(|line| line.len() <= 75),
        "a feed line longer than 75 octets"
    );
    let read_back = busy_days(&published, zone, window)
        .unwrap_or_else(|e| panic!("the app's own feed was refused: {e:?}\n{published}"));
    assert_eq!(
        read_back, stretches,
        "the feed did not read back as the same days"
    );
});
