//! A time zone as a page needs it: the offsets in force over the years a page may show. The
//! server works them out from the zone database (`calendar::zones`), so the browser reads
//! local times from a table of a dozen rows instead of carrying the database in its wasm.

use super::period::day_text;
use chrono::{DateTime, Duration, NaiveDate, NaiveDateTime, Timelike, Utc};
use serde::{Deserialize, Serialize};

/// The zone times are shown in: the member's own, or for a visitor the gear's. It travels as
/// one line of text ("Europe/Berlin;1774746000,7200,CEST;…"): the browser then needs only
/// its string reader, not a derived one per field, which every page's core would carry.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(into = "String", try_from = "String")]
pub struct LocalZone {
    /// The IANA name, e.g. "Europe/Berlin".
    pub name: String,
    /// Sorted by `from`, never empty; the first also covers everything before it.
    spans: Vec<ZoneSpan>,
}

/// From the instant `from` (Unix seconds) on, local time is UTC plus `offset` seconds and is
/// called `abbreviation` ("CET", "EDT", or "UTC+3" where the zone has no name for it).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ZoneSpan {
    pub from: i64,
    pub offset: i32,
    pub abbreviation: String,
}

impl From<LocalZone> for String {
    fn from(zone: LocalZone) -> String {
        let mut text = zone.name;
        for span in zone.spans {
            text.push_str(&format!(
                ";{},{},{}",
                span.from, span.offset, span.abbreviation
            ));
        }
        text
    }
}

impl TryFrom<String> for LocalZone {
    type Error = &'static str;

    fn try_from(text: String) -> Result<Self, Self::Error> {
        let mut parts = text.split(';');
        let name = parts.next().unwrap_or_default().to_owned();
        let spans = parts
            .map(|part| {
                let mut fields = part.splitn(3, ',');
                Some(ZoneSpan {
                    from: fields.next()?.parse().ok()?,
                    offset: fields.next()?.parse().ok()?,
                    abbreviation: fields.next()?.to_owned(),
                })
            })
            .collect::<Option<Vec<_>>>()
            .ok_or("not a time zone")?;
        Ok(Self::new(name, spans))
    }
}

impl Default for LocalZone {
    fn default() -> Self {
        Self::utc()
    }
}

impl LocalZone {
    pub fn utc() -> Self {
        Self {
            name: "UTC".into(),
            spans: vec![ZoneSpan {
                from: i64::MIN,
                offset: 0,
                abbreviation: "UTC".into(),
            }],
        }
    }

    /// `spans` in any order; none at all is UTC under `name`.
    pub fn new(name: String, mut spans: Vec<ZoneSpan>) -> Self {
        spans.sort_by_key(|span| span.from);
        if spans.is_empty() {
            spans.push(Self::utc().spans.remove(0));
        }
        Self { name, spans }
    }

    fn span_at(&self, at: DateTime<Utc>) -> &ZoneSpan {
        let second = at.timestamp();
        let after = self.spans.partition_point(|span| span.from <= second);
        &self.spans[after.saturating_sub(1)]
    }

    /// The wall-clock time at `at` in this zone.
    pub fn local(&self, at: DateTime<Utc>) -> NaiveDateTime {
        at.naive_utc() + Duration::seconds(i64::from(self.span_at(at).offset))
    }

    /// The local day `at` falls on.
    pub fn day(&self, at: DateTime<Utc>) -> NaiveDate {
        self.local(at).date()
    }

    /// What the zone is called at `at`: "CET" in winter, "CEST" in summer.
    pub fn abbreviation(&self, at: DateTime<Utc>) -> &str {
        &self.span_at(at).abbreviation
    }

    /// "3 Dec 2026, 16:45 CET": the one way GearShare writes a moment, zone named, so that a
    /// deadline can't be misread by an hour.
    pub fn moment_text(&self, at: DateTime<Utc>) -> String {
        let local = self.local(at);
        format!(
            "{}, {:02}:{:02} {}",
            day_text(local.date()),
            local.hour(),
            local.minute(),
            self.abbreviation(at)
        )
    }

    /// "23 Nov 2026, 14:05:09 CET", to the second, for the audit log.
    pub fn precise_moment_text(&self, at: DateTime<Utc>) -> String {
        let local = self.local(at);
        format!(
            "{}, {:02}:{:02}:{:02} {}",
            day_text(local.date()),
            local.hour(),
            local.minute(),
            local.second(),
            self.abbreviation(at)
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn berlin() -> LocalZone {
        // Spring 2026: clocks went forward at 01:00 UTC on 29 March.
        let summer = Utc
            .with_ymd_and_hms(2026, 3, 29, 1, 0, 0)
            .unwrap()
            .timestamp();
        LocalZone::new(
            "Europe/Berlin".into(),
            vec![
                ZoneSpan {
                    from: summer,
                    offset: 7200,
                    abbreviation: "CEST".into(),
                },
                ZoneSpan {
                    from: summer - 200 * 86_400,
                    offset: 3600,
                    abbreviation: "CET".into(),
                },
            ],
        )
    }

    #[test]
    fn a_moment_is_written_in_the_zone_in_force_then_and_named() {
        let zone = berlin();
        let before = Utc.with_ymd_and_hms(2026, 3, 29, 0, 59, 0).unwrap();
        let after = Utc.with_ymd_and_hms(2026, 3, 29, 1, 0, 0).unwrap();
        assert_eq!(zone.moment_text(before), "29 Mar 2026, 01:59 CET");
        assert_eq!(zone.moment_text(after), "29 Mar 2026, 03:00 CEST");
        assert_eq!(
            zone.precise_moment_text(after + Duration::seconds(9)),
            "29 Mar 2026, 03:00:09 CEST"
        );
    }

    #[test]
    fn the_first_span_covers_what_came_before_it() {
        let long_ago = Utc.with_ymd_and_hms(2001, 1, 1, 12, 0, 0).unwrap();
        assert_eq!(berlin().moment_text(long_ago), "1 Jan 2001, 13:00 CET");
    }

    #[test]
    fn a_late_evening_in_utc_is_the_next_day_further_east() {
        let evening = Utc.with_ymd_and_hms(2026, 12, 3, 23, 30, 0).unwrap();
        assert_eq!(
            LocalZone::utc().day(evening),
            NaiveDate::from_ymd_opt(2026, 12, 3).unwrap()
        );
        assert_eq!(
            berlin().day(evening),
            NaiveDate::from_ymd_opt(2026, 12, 4).unwrap()
        );
        assert_eq!(
            LocalZone::utc().moment_text(evening),
            "3 Dec 2026, 23:30 UTC"
        );
    }

    #[test]
    fn a_zone_travels_as_one_line_and_back() {
        let zone = berlin();
        let text = serde_json::to_string(&zone).unwrap();
        assert!(text.starts_with("\"Europe/Berlin;"), "{text}");
        assert_eq!(serde_json::from_str::<LocalZone>(&text).unwrap(), zone);
        let utc = serde_json::to_string(&LocalZone::utc()).unwrap();
        assert_eq!(
            serde_json::from_str::<LocalZone>(&utc).unwrap(),
            LocalZone::utc()
        );
        assert!(serde_json::from_str::<LocalZone>("\"Europe/Berlin;x,1,CET\"").is_err());
    }

    #[test]
    fn no_spans_is_utc_under_the_name_given() {
        let zone = LocalZone::new("Etc/UTC".into(), Vec::new());
        let at = Utc.with_ymd_and_hms(2026, 6, 1, 8, 0, 0).unwrap();
        assert_eq!(zone.moment_text(at), "1 Jun 2026, 08:00 UTC");
    }
}
