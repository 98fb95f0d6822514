//! Calendars from outside: the iCalendar (RFC 5545) reader and writer, the expansion of
//! repeating events, and local times of day. Pure formats; what a listing does with busy days
//! is the listings'.

#[cfg(feature = "ssr")]
pub mod ical;
#[cfg(feature = "ssr")]
pub mod recurrence;
#[cfg(feature = "ssr")]
pub mod zones;

/// The instant it is `hour`:00 on `day` in `time_zone` (UTC for an unknown zone; an hour
/// later when that moment falls in a gap).
#[cfg(feature = "ssr")]
pub fn local_moment(
    day: chrono::NaiveDate,
    hour: u32,
    time_zone: &str,
) -> chrono::DateTime<chrono::Utc> {
    use chrono::{Duration, TimeZone, Utc};
    let local = day.and_hms_opt(hour, 0, 0).unwrap_or_default();
    match time_zone.parse::<chrono_tz::Tz>() {
        Ok(zone) => zone
            .from_local_datetime(&local)
            .earliest()
            .or_else(|| {
                zone.from_local_datetime(&(local + Duration::hours(1)))
                    .earliest()
            })
            .map_or_else(|| local.and_utc(), |t| t.with_timezone(&Utc)),
        Err(_) => local.and_utc(),
    }
}

/// Why a calendar import was refused. The import route puts its code in the edit page's URL,
/// and the page shows the sentence, so no text from the file is echoed into the page.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CalendarImportProblem {
    Unreadable,
    UnsupportedRule,
    TooLarge,
    TooComplex,
    TooOften,
}

impl CalendarImportProblem {
    const ALL: [CalendarImportProblem; 5] = [
        Self::Unreadable,
        Self::UnsupportedRule,
        Self::TooLarge,
        Self::TooComplex,
        Self::TooOften,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Self::Unreadable => "unreadable",
            Self::UnsupportedRule => "rule",
            Self::TooLarge => "too_large",
            Self::TooComplex => "too_complex",
            Self::TooOften => "too_often",
        }
    }

    /// The problem a code names; an unknown code reads as an unreadable file.
    pub fn from_code(code: &str) -> Self {
        Self::ALL
            .into_iter()
            .find(|p| p.code() == code)
            .unwrap_or(Self::Unreadable)
    }

    pub fn message(self) -> &'static str {
        match self {
            Self::Unreadable => {
                "We couldn't read that file as a calendar (.ics). Export it again and retry."
            }
            Self::UnsupportedRule => {
                "A repeating event in that file uses a rule we can't read (such as \"the first Monday of each month\"). Export its days as single events and import again."
            }
            Self::TooLarge => {
                "That calendar is too large to import: at most 1 MB, 2,000 events and lines of 10,000 characters. Export the coming year only and import again."
            }
            Self::TooComplex => {
                "That calendar's repeating events make too many days to work out. Export the coming year as single events and import again."
            }
            Self::TooOften => "You have imported calendars 20 times in the last hour. Try again later.",
        }
    }
}
