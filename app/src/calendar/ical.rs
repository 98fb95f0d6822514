//! Calendar sync (server only): a listing's busy days as an iCalendar feed (RFC 5545) that
//! Google or Apple Calendar can subscribe to, and busy days read from an `.ics` file an owner
//! uploads. The feed holds no personal data: every event is "Unavailable".
//!
//! Days are the listing's local days. An event with a time is read in its own zone (`TZID`),
//! in UTC (`Z`), or, without either, in the listing's zone; it makes busy every local day it
//! touches. A repeating event (`RRULE`, less its `EXDATE`s) makes each occurrence's days busy
//! (`recurrence`). chrono-tz resolves the zones, daylight-saving changes included: a local time that
//! a change skips is taken as the first instant after it, and one it repeats as the first.

use super::CalendarImportProblem;
use chrono::{DateTime, Duration, NaiveDate, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Tz;

/// Busy local days `[from, to)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BusyDays {
    pub from: NaiveDate,
    pub to: NaiveDate,
}

/// Why an uploaded file could not be read: what the owner is told, and the detail for the
/// logs and tests.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IcsError {
    pub problem: CalendarImportProblem,
    pub detail: String,
}

impl IcsError {
    fn new(problem: CalendarImportProblem, detail: impl Into<String>) -> Self {
        IcsError {
            problem,
            detail: detail.into(),
        }
    }

    fn unreadable(detail: impl Into<String>) -> Self {
        Self::new(CalendarImportProblem::Unreadable, detail)
    }
}

/// At most this many busy stretches come from one file (neighbouring days merged).
pub const MAX_EVENTS: usize = 500;
/// At most this many VEVENTs are read from one file.
pub const MAX_VEVENTS: usize = 2_000;
/// The longest line (after unfolding) read; real ones are well under a thousand.
pub const MAX_LINE_CHARS: usize = 10_000;
/// Dates one event may exclude (`EXDATE`).
pub const MAX_EXCLUDED: usize = 1_000;
/// Candidate days the repeats of one file may take to work out.
pub const MAX_OCCURRENCES_EXAMINED: u64 = 200_000;
/// The longest event read: a `DURATION` or an end further away is not an absence.
const MAX_EVENT_DAYS: i64 = 3 * 366;

/// The feed of `busy` days for `listing` (its id makes each event's UID stable), stamped
/// `now`.
pub fn feed(listing: crate::domain::ListingId, busy: &[BusyDays], now: DateTime<Utc>) -> String {
    let mut out = String::new();
    let mut line = |text: String| fold(&mut out, &text);
    line("BEGIN:VCALENDAR".into());
    line("VERSION:2.0".into());
    line("PRODID:-//GearShare//Availability//EN".into());
    line("CALSCALE:GREGORIAN".into());
    line("METHOD:PUBLISH".into());
    line("X-WR-CALNAME:GearShare availability".into());
    let stamp = now.format("%Y%m%dT%H%M%SZ");
    for days in busy {
        line("BEGIN:VEVENT".into());
        line(format!(
            "UID:{}-{}@gearshare",
            days.from.format("%Y%m%d"),
            listing.uuid().simple()
        ));
        line(format!("DTSTAMP:{stamp}"));
        line(format!("DTSTART;VALUE=DATE:{}", days.from.format("%Y%m%d")));
        line(format!("DTEND;VALUE=DATE:{}", days.to.format("%Y%m%d")));
        line("SUMMARY:Unavailable".into());
        line("TRANSP:OPAQUE".into());
        line("END:VEVENT".into());
    }
    line("END:VCALENDAR".into());
    out
}

/// Writes `text` as content lines of at most 75 octets, continuation lines starting with a
/// space, each ended by CRLF.
fn fold(out: &mut String, text: &str) {
    let mut width = 0;
    for c in text.chars() {
        if width + c.len_utf8() > 75 {
            out.push_str("\r\n ");
            width = 1;
        }
        out.push(c);
        width += c.len_utf8();
    }
    out.push_str("\r\n");
}

/// The busy local days of the events in `ics` that touch `window`, for a listing in `zone`,
/// merged and sorted.
pub fn busy_days(ics: &str, zone: Tz, window: BusyDays) -> Result<Vec<BusyDays>, IcsError> {
    let lines = unfold(ics.trim_start_matches('\u{feff}'))?;
    if !lines
        .iter()
        .any(|l| l.eq_ignore_ascii_case("BEGIN:VCALENDAR"))
    {
        return Err(IcsError::unreadable("no BEGIN:VCALENDAR"));
    }
    let mut busy = Vec::new();
    let mut event: Option<Event> = None;
    let mut events = 0;
    let mut budget = MAX_OCCURRENCES_EXAMINED;
    for line in &lines {
        let (name, params, value) = split(line);
        match (name.as_str(), event.as_mut()) {
            ("BEGIN", None) if value.eq_ignore_ascii_case("VEVENT") => {
                events += 1;
                if events > MAX_VEVENTS {
                    return Err(IcsError::new(
                        CalendarImportProblem::TooLarge,
                        format!("more than {MAX_VEVENTS} events"),
                    ));
                }
                event = Some(Event::default())
            }
            ("DTSTART", Some(e)) => e.start = Some(moment(&params, value, zone)?),
            ("DTEND", Some(e)) => e.end = Some(moment(&params, value, zone)?),
            ("DURATION", Some(e)) => e.length = Some(duration(value)?),
            ("RRULE", Some(e)) => e.rule = Some(value.to_owned()),
            ("EXDATE", Some(e)) => {
                for one in value.split(',') {
                    if e.excluded.len() >= MAX_EXCLUDED {
                        return Err(IcsError::new(
                            CalendarImportProblem::TooLarge,
                            format!("more than {MAX_EXCLUDED} excluded dates"),
                        ));
                    }
                    e.excluded.push(match moment(&params, one, zone)? {
                        Moment::Day(day) => day,
                        Moment::At(at) => at.with_timezone(&zone).date_naive(),
                    });
                }
            }
            // Free ("transparent") and cancelled events keep no one busy.
            ("TRANSP", Some(e)) => e.free |= value.eq_ignore_ascii_case("TRANSPARENT"),
            ("STATUS", Some(e)) => e.free |= value.eq_ignore_ascii_case("CANCELLED"),
            ("END", Some(_)) if value.eq_ignore_ascii_case("VEVENT") => {
                if let Some(Event {
                    start: Some(start),
                    end,
                    length,
                    free: false,
                    rule,
                    excluded,
                }) = event.take()
                {
                    let end = match (end, length) {
                        (Some(end), _) => Some(end),
                        (None, Some(length)) => Some(start.plus(length)?),
                        (None, None) => None,
                    };
                    let first = days_of(start, end, zone)?;
                    let mut excluded = excluded;
                    excluded.sort();
                    busy.extend(
                        occurrences(first, rule.as_deref(), &excluded, window, &mut budget)?
                            .into_iter()
                            .filter(|d| d.to > window.from && d.from < window.to),
                    );
                }
                event = None;
                if busy.len() > MAX_EVENTS {
                    // Repeats add many: neighbouring days first become one stretch.
                    busy = merge(busy);
                }
                if busy.len() > MAX_EVENTS {
                    return Err(IcsError::new(
                        CalendarImportProblem::TooLarge,
                        format!("more than {MAX_EVENTS} busy stretches"),
                    ));
                }
            }
            _ => {}
        }
    }
    Ok(merge(busy))
}

/// One VEVENT as read so far: its start, its end or else its length, whether it keeps no
/// one busy (free or cancelled), and its repeat with the days it leaves out.
#[derive(Default)]
struct Event {
    start: Option<Moment>,
    end: Option<Moment>,
    length: Option<Duration>,
    free: bool,
    rule: Option<String>,
    excluded: Vec<NaiveDate>,
}

/// The days of each occurrence of an event whose first occurrence is `first` that may touch
/// `window`: just `first` without a repeat `rule`. Repeats take from the file's `budget`.
fn occurrences(
    first: BusyDays,
    rule: Option<&str>,
    excluded: &[NaiveDate],
    window: BusyDays,
    budget: &mut u64,
) -> Result<Vec<BusyDays>, IcsError> {
    let Some(rule) = rule else {
        return Ok(vec![first]);
    };
    let rule = super::recurrence::parse(rule)
        .map_err(|part| IcsError::new(CalendarImportProblem::UnsupportedRule, part))?;
    let span = first.to - first.from;
    // An occurrence that starts up to a span before the window still reaches into it.
    let from = window
        .from
        .checked_sub_signed(span)
        .unwrap_or(NaiveDate::MIN);
    let starts = super::recurrence::starts(first.from, &rule, excluded, from, window.to, budget)
        .map_err(|_| {
            IcsError::new(
                CalendarImportProblem::TooComplex,
                "the repeats need too many days worked out",
            )
        })?;
    Ok(starts
        .into_iter()
        .filter_map(|from| {
            Some(BusyDays {
                from,
                to: from.checked_add_signed(span)?,
            })
        })
        .collect())
}

/// A DTSTART or DTEND: a whole day, or an instant.
#[derive(Clone, Copy, Debug)]
enum Moment {
    Day(NaiveDate),
    At(DateTime<Utc>),
}

impl Moment {
    fn plus(self, length: Duration) -> Result<Moment, IcsError> {
        let moved = match self {
            Moment::Day(day) => Duration::try_days(length.num_days().max(1))
                .and_then(|days| day.checked_add_signed(days))
                .map(Moment::Day),
            Moment::At(at) => at.checked_add_signed(length).map(Moment::At),
        };
        moved.ok_or_else(|| IcsError::unreadable("an event ends past the calendar's end"))
    }
}

/// A DURATION such as `P7D`, `P1W`, `PT2H30M` or `P1DT12H` (RFC 5545 §3.3.6), of at most
/// [`MAX_EVENT_DAYS`].
fn duration(value: &str) -> Result<Duration, IcsError> {
    let bad = || IcsError::unreadable(format!("a DURATION of {} characters", value.len()));
    let rest = value
        .strip_prefix('+')
        .unwrap_or(value)
        .strip_prefix('P')
        .ok_or_else(bad)?;
    let (mut total, mut number, mut in_time) = (Duration::zero(), 0i64, false);
    for c in rest.chars() {
        let unit = match c {
            '0'..='9' => {
                number = number
                    .checked_mul(10)
                    .and_then(|n| n.checked_add(i64::from(c as u8 - b'0')))
                    .ok_or_else(bad)?;
                continue;
            }
            'T' => {
                in_time = true;
                continue;
            }
            'W' => Duration::try_weeks(number),
            'D' => Duration::try_days(number),
            'H' if in_time => Duration::try_hours(number),
            'M' if in_time => Duration::try_minutes(number),
            'S' if in_time => Duration::try_seconds(number),
            _ => None,
        };
        total = unit
            .and_then(|unit| total.checked_add(&unit))
            .ok_or_else(bad)?;
        number = 0;
    }
    if total.num_days() > MAX_EVENT_DAYS {
        return Err(IcsError::new(
            CalendarImportProblem::TooLarge,
            "an event longer than three years",
        ));
    }
    Ok(total)
}

/// Lines with their continuations joined (RFC 5545 §3.1), empty ones dropped; a line longer
/// than [`MAX_LINE_CHARS`] refuses the file.
fn unfold(ics: &str) -> Result<Vec<String>, IcsError> {
    let mut lines: Vec<String> = Vec::new();
    for raw in ics.split('\n') {
        let raw = raw.strip_suffix('\r').unwrap_or(raw);
        match (raw.strip_prefix([' ', '\t']), lines.last_mut()) {
            (Some(rest), Some(last)) => last.push_str(rest),
            _ if !raw.is_empty() => lines.push(raw.to_owned()),
            _ => {}
        }
        if lines.last().is_some_and(|l| l.len() > MAX_LINE_CHARS) {
            return Err(IcsError::new(
                CalendarImportProblem::TooLarge,
                format!("a line longer than {MAX_LINE_CHARS} characters"),
            ));
        }
    }
    Ok(lines)
}

/// `NAME;PARAM=V;…:value` as (upper-case name, params, value). The value starts at the first
/// colon outside quotes: a quoted parameter may hold colons of its own.
fn split(line: &str) -> (String, Vec<(String, String)>, &str) {
    let mut quoted = false;
    let colon = line.char_indices().find_map(|(i, c)| match c {
        '"' => {
            quoted = !quoted;
            None
        }
        ':' if !quoted => Some(i),
        _ => None,
    });
    let (head, value) = colon.map_or((line, ""), |i| (&line[..i], &line[i + 1..]));
    let mut parts = head.split(';');
    let name = parts.next().unwrap_or("").to_ascii_uppercase();
    let params = parts
        .filter_map(|p| p.split_once('='))
        .map(|(k, v)| (k.to_ascii_uppercase(), v.trim_matches('"').to_owned()))
        .collect();
    (name, params, value.trim())
}

fn moment(params: &[(String, String)], value: &str, zone: Tz) -> Result<Moment, IcsError> {
    let bad = || IcsError::unreadable(format!("a date of {} characters", value.len()));
    let param = |key: &str| {
        params
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    };
    if param("VALUE") == Some("DATE") || value.len() == 8 {
        return NaiveDate::parse_from_str(value, "%Y%m%d")
            .map(Moment::Day)
            .map_err(|_| bad());
    }
    if let Some(utc) = value.strip_suffix('Z') {
        let local = NaiveDateTime::parse_from_str(utc, "%Y%m%dT%H%M%S").map_err(|_| bad())?;
        return Ok(Moment::At(local.and_utc()));
    }
    let local = NaiveDateTime::parse_from_str(value, "%Y%m%dT%H%M%S").map_err(|_| bad())?;
    // A zone chrono-tz does not know (Outlook's Windows names) is read as the listing's:
    // the owner's calendar is almost always kept where the gear is.
    let zone = param("TZID")
        .and_then(|id| id.trim_start_matches('/').parse::<Tz>().ok())
        .unwrap_or(zone);
    Ok(Moment::At(instant(zone, local)))
}

/// The instant of a local time: the earlier of a repeated one, the first after a skipped one.
fn instant(zone: Tz, local: NaiveDateTime) -> DateTime<Utc> {
    (0..=3)
        .find_map(|hours| {
            let shifted = local.checked_add_signed(Duration::try_hours(hours)?)?;
            zone.from_local_datetime(&shifted).earliest()
        })
        .map_or_else(|| local.and_utc(), |t| t.with_timezone(&Utc))
}

/// The local days `[from, to)` an event covers. An event without an end lasts its start day
/// (RFC 5545: a day for a date, nothing for an instant, which still touches its day).
fn days_of(start: Moment, end: Option<Moment>, zone: Tz) -> Result<BusyDays, IcsError> {
    let local_day = |at: DateTime<Utc>| at.with_timezone(&zone).date_naive();
    let from = match start {
        Moment::Day(day) => day,
        Moment::At(at) => local_day(at),
    };
    let past_the_end = || IcsError::unreadable("an event ends past the calendar's end");
    let next = |day: NaiveDate| day.succ_opt().ok_or_else(past_the_end);
    let to = match end {
        None => next(from)?,
        Some(Moment::Day(day)) => day,
        // An instant ends the day it falls in, unless it is that day's first instant.
        Some(Moment::At(at)) => {
            let local = at.with_timezone(&zone);
            let day = local.date_naive();
            if local.time() == chrono::NaiveTime::MIN {
                day
            } else {
                next(day)?
            }
        }
    };
    if to < from {
        return Err(IcsError::unreadable("an event ends before it starts"));
    }
    if (to - from).num_days() > MAX_EVENT_DAYS {
        return Err(IcsError::new(
            CalendarImportProblem::TooLarge,
            "an event longer than three years",
        ));
    }
    Ok(BusyDays {
        from,
        to: to.max(next(from)?),
    })
}

/// Sorted, with overlapping and touching ranges joined.
fn merge(mut busy: Vec<BusyDays>) -> Vec<BusyDays> {
    busy.sort_by_key(|b| b.from);
    let mut merged: Vec<BusyDays> = Vec::new();
    for days in busy {
        match merged.last_mut() {
            Some(last) if days.from <= last.to => last.to = last.to.max(days.to),
            _ => merged.push(days),
        }
    }
    merged
}

/// Days, as ranges of consecutive days.
pub fn ranges(days: &[NaiveDate]) -> Vec<BusyDays> {
    merge(
        days.iter()
            .map(|&from| BusyDays {
                from,
                to: from + Duration::days(1),
            })
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    /// The busy days of `ics` over any window these tests look at.
    fn read(ics: &str, zone: Tz) -> Result<Vec<BusyDays>, IcsError> {
        let window = BusyDays {
            from: NaiveDate::from_ymd_opt(2000, 1, 1).unwrap(),
            to: NaiveDate::from_ymd_opt(2100, 1, 1).unwrap(),
        };
        busy_days(ics, zone, window)
    }

    #[test]
    fn a_repeating_event_is_busy_on_each_occurrence_within_the_window() {
        let weekends = calendar(&[
            "DTSTART;VALUE=DATE:20261205\r\nDTEND;VALUE=DATE:20261207\r\nRRULE:FREQ=WEEKLY\r\nEXDATE;VALUE=DATE:20261212\r\n",
        ]);
        let window = BusyDays {
            from: d(2026, 12, 1),
            to: d(2027, 1, 1),
        };
        let busy = busy_days(&weekends, chrono_tz::Europe::Berlin, window).unwrap();
        let weekend = |n| BusyDays {
            from: d(2026, 12, n),
            to: d(2026, 12, n + 2),
        };
        assert_eq!(busy, [weekend(5), weekend(19), weekend(26)]);
        // A timed weekly meeting in New York, across the change back to winter time.
        let meeting = calendar(&[
            "DTSTART;TZID=America/New_York:20261025T233000\r\nDURATION:PT1H\r\nRRULE:FREQ=WEEKLY;COUNT=3\r\n",
        ]);
        let window = BusyDays {
            from: d(2026, 10, 1),
            to: d(2026, 12, 1),
        };
        let busy = busy_days(&meeting, chrono_tz::America::New_York, window).unwrap();
        let starts: Vec<NaiveDate> = busy.iter().map(|b| b.from).collect();
        assert_eq!(starts, [d(2026, 10, 25), d(2026, 11, 1), d(2026, 11, 8)]);
        let unread = calendar(&["DTSTART;VALUE=DATE:20261201\r\nRRULE:FREQ=MONTHLY;BYDAY=1MO\r\n"]);
        let refused = busy_days(&unread, chrono_tz::UTC, window).unwrap_err();
        assert_eq!(refused.problem, CalendarImportProblem::UnsupportedRule);
        assert!(refused.detail.contains("BYDAY=1MO"), "{}", refused.detail);
    }

    /// The feed's window from 1 December 2026: what an import reads.
    fn import_window() -> BusyDays {
        BusyDays {
            from: d(2026, 12, 1),
            to: d(2026, 12, 1) + Duration::days(397),
        }
    }

    #[test]
    fn crafted_files_are_refused_by_name_or_read_without_panicking() {
        let window = import_window();
        let read = |events: &[&str]| busy_days(&calendar(events), chrono_tz::UTC, window);
        let refusal = |events: &[&str]| read(events).unwrap_err().problem;
        // Every day listed many times, started in 1900: the window alone is worked out.
        let days = vec!["MO,TU,WE,TH,FR,SA,SU"; 20].join(",");
        let old = format!("DTSTART;VALUE=DATE:19000101\r\nRRULE:FREQ=WEEKLY;BYDAY={days}\r\n");
        let busy = read(&[&old]).unwrap();
        assert_eq!(busy, [window]);
        for huge in [
            "DTSTART;VALUE=DATE:20261201\r\nRRULE:FREQ=DAILY;INTERVAL=4294967295\r\n",
            "DTSTART;VALUE=DATE:20261201\r\nRRULE:FREQ=WEEKLY;COUNT=18446744073709551615\r\n",
            "DTSTART;VALUE=DATE:99991231\r\nRRULE:FREQ=DAILY\r\n",
            "DTSTART:99991231T235959Z\r\nDURATION:PT23H\r\nRRULE:FREQ=YEARLY;INTERVAL=4294967295\r\n",
        ] {
            assert!(read(&[huge]).is_ok(), "{huge}");
        }
        let overflow = "DTSTART;VALUE=DATE:20261201\r\nDURATION:P9999999999999W\r\n";
        assert_eq!(refusal(&[overflow]), CalendarImportProblem::Unreadable);
        let digits = format!(
            "DTSTART;VALUE=DATE:20261201\r\nDURATION:P{}D\r\n",
            "9".repeat(40)
        );
        assert_eq!(refusal(&[&digits]), CalendarImportProblem::Unreadable);
        let long = "DTSTART;VALUE=DATE:20261201\r\nDURATION:P5000D\r\n";
        assert_eq!(refusal(&[long]), CalendarImportProblem::TooLarge);
        let far_end = "DTSTART;VALUE=DATE:20261201\r\nDTEND;VALUE=DATE:99991231\r\n";
        assert_eq!(refusal(&[far_end]), CalendarImportProblem::TooLarge);
        let line = format!(
            "DTSTART;VALUE=DATE:20261201\r\nSUMMARY:{}\r\n",
            "x".repeat(MAX_LINE_CHARS)
        );
        assert_eq!(refusal(&[&line]), CalendarImportProblem::TooLarge);
        let one_day = "DTSTART;VALUE=DATE:20261201\r\n";
        assert_eq!(
            refusal(&vec![one_day; MAX_VEVENTS + 1]),
            CalendarImportProblem::TooLarge
        );
        assert!(read(&vec![one_day; MAX_VEVENTS]).is_ok());
        // Each a daily repeat over the whole window: the file's budget runs out.
        let daily = "DTSTART;VALUE=DATE:20261201\r\nRRULE:FREQ=DAILY\r\n";
        assert_eq!(
            refusal(&vec![daily; 600]),
            CalendarImportProblem::TooComplex
        );
        assert_eq!(read(&vec![daily; 400]).unwrap(), [window]);
    }

    fn calendar(events: &[&str]) -> String {
        let mut ics = String::from("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n");
        for e in events {
            ics.push_str("BEGIN:VEVENT\r\n");
            ics.push_str(e);
            ics.push_str("END:VEVENT\r\n");
        }
        ics.push_str("END:VCALENDAR\r\n");
        ics
    }

    #[test]
    fn all_day_events_are_their_days_and_overlaps_merge() {
        let ics = calendar(&[
            "DTSTART;VALUE=DATE:20261201\r\nDTEND;VALUE=DATE:20261204\r\n",
            "DTSTART;VALUE=DATE:20261203\r\nDTEND;VALUE=DATE:20261206\r\n",
            "DTSTART;VALUE=DATE:20261210\r\n",
            "DTSTART;VALUE=DATE:20261212\r\nDTEND;VALUE=DATE:20261213\r\nTRANSP:TRANSPARENT\r\n",
        ]);
        let busy = read(&ics, chrono_tz::Europe::Berlin).unwrap();
        assert_eq!(
            busy,
            [
                BusyDays {
                    from: d(2026, 12, 1),
                    to: d(2026, 12, 6)
                },
                BusyDays {
                    from: d(2026, 12, 10),
                    to: d(2026, 12, 11)
                },
            ]
        );
    }

    #[test]
    fn the_autumn_daylight_saving_weekend_in_berlin_and_new_york() {
        // Berlin leaves summer time on 25 Oct 2026 at 03:00 (to 02:00): the hour 02:00-03:00
        // happens twice. An event from 02:30 on the 25th to 00:30 on the 26th, Berlin time.
        let berlin = calendar(&[
            "DTSTART;TZID=Europe/Berlin:20261025T023000\r\nDTEND;TZID=Europe/Berlin:20261026T003000\r\n",
        ]);
        assert_eq!(
            read(&berlin, chrono_tz::Europe::Berlin).unwrap(),
            [BusyDays {
                from: d(2026, 10, 25),
                to: d(2026, 10, 27)
            }]
        );
        // New York leaves daylight time on 1 Nov 2026. 23:30 UTC on 31 Oct is 19:30 in New
        // York (EDT) and 00:30 on 1 Nov in Berlin (CET): the same instant is another day.
        let utc = calendar(&["DTSTART:20261031T233000Z\r\nDTEND:20261101T060000Z\r\n"]);
        assert_eq!(
            read(&utc, chrono_tz::America::New_York).unwrap(),
            [BusyDays {
                from: d(2026, 10, 31),
                to: d(2026, 11, 2)
            }]
        );
        assert_eq!(
            read(&utc, chrono_tz::Europe::Berlin).unwrap(),
            [BusyDays {
                from: d(2026, 11, 1),
                to: d(2026, 11, 2)
            }]
        );
        // 01:30 on 1 Nov happens twice in New York; the earlier is taken. Until midnight.
        let repeated = calendar(&[
            "DTSTART;TZID=America/New_York:20261101T013000\r\nDTEND;TZID=America/New_York:20261102T000000\r\n",
        ]);
        assert_eq!(
            read(&repeated, chrono_tz::America::New_York).unwrap(),
            [BusyDays {
                from: d(2026, 11, 1),
                to: d(2026, 11, 2)
            }]
        );
    }

    #[test]
    fn the_spring_daylight_saving_gap_is_read_as_the_first_instant_after_it() {
        // 02:30 on 29 Mar 2026 does not exist in Berlin, nor 02:30 on 8 Mar 2026 in New York.
        for (zone, day) in [
            (chrono_tz::Europe::Berlin, "20260329"),
            (chrono_tz::America::New_York, "20260308"),
        ] {
            let name = zone.name();
            let ics = calendar(&[&format!(
                "DTSTART;TZID={name}:{day}T023000\r\nDTEND;TZID={name}:{day}T040000\r\n"
            )]);
            let busy = read(&ics, zone).unwrap();
            let date = NaiveDate::parse_from_str(day, "%Y%m%d").unwrap();
            assert_eq!(
                busy,
                [BusyDays {
                    from: date,
                    to: date + Duration::days(1)
                }],
                "{name}"
            );
        }
    }

    #[test]
    fn folded_lines_unknown_zones_and_other_files_are_handled() {
        let folded = "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nDTSTART;VALUE=DATE:2026\r\n 1201\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";
        assert_eq!(
            read(folded, chrono_tz::UTC).unwrap(),
            [BusyDays {
                from: d(2026, 12, 1),
                to: d(2026, 12, 2)
            }]
        );
        // An unknown zone is read as the listing's; a quoted one may hold colons.
        let unknown = calendar(&[
            "DTSTART;TZID=\"W. Europe Standard Time (UTC+01:00)\":20261201T230000\r\nDURATION:PT2H\r\n",
        ]);
        assert_eq!(
            read(&unknown, chrono_tz::Europe::Berlin).unwrap(),
            [BusyDays {
                from: d(2026, 12, 1),
                to: d(2026, 12, 3)
            }]
        );
        let cancelled = calendar(&["DTSTART;VALUE=DATE:20261201\r\nSTATUS:CANCELLED\r\n"]);
        assert!(read(&cancelled, chrono_tz::UTC).unwrap().is_empty());
        let week = calendar(&["DTSTART;VALUE=DATE:20261201\r\nDURATION:P1W\r\n"]);
        assert_eq!(
            read(&format!("\u{feff}{week}"), chrono_tz::UTC).unwrap(),
            [BusyDays {
                from: d(2026, 12, 1),
                to: d(2026, 12, 8)
            }]
        );
        assert!(read("hello", chrono_tz::UTC).is_err());
    }

    #[test]
    fn the_feed_is_valid_folded_icalendar_that_reads_back_the_same() {
        let listing = crate::domain::ListingId::from_u128(7);
        let busy = [
            BusyDays {
                from: d(2026, 12, 1),
                to: d(2026, 12, 4),
            },
            BusyDays {
                from: d(2026, 12, 24),
                to: d(2026, 12, 27),
            },
        ];
        let now = Utc.with_ymd_and_hms(2026, 11, 24, 9, 0, 0).unwrap();
        let ics = feed(listing, &busy, now);
        assert!(ics.starts_with("BEGIN:VCALENDAR\r\n") && ics.ends_with("END:VCALENDAR\r\n"));
        assert!(ics.split("\r\n").all(|l| l.len() <= 75));
        assert!(!ics.contains('@') || ics.contains("@gearshare"));
        assert_eq!(read(&ics, chrono_tz::Europe::Berlin).unwrap(), busy);
    }

    #[test]
    fn consecutive_days_make_one_range() {
        let days = [d(2026, 12, 3), d(2026, 12, 4), d(2026, 12, 9)];
        assert_eq!(
            ranges(&days),
            [
                BusyDays {
                    from: d(2026, 12, 3),
                    to: d(2026, 12, 5)
                },
                BusyDays {
                    from: d(2026, 12, 9),
                    to: d(2026, 12, 10)
                },
            ]
        );
    }
}
