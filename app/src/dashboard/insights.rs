//! Insights for an owner (`/owner/insights`): how much of the time their gear could be rented
//! it was, how they answer requests, and which months are busy. The figures are worked out
//! here from the calendar's rows (units, bookings, blocks) by pure functions, and the charts
//! are SVG drawn on the server from the same figures, so the browser gets no chart code.

use crate::domain::{BookingStatus, ListingId, Money};
use chrono::{Datelike, Months, NaiveDate};
use serde::{Deserialize, Serialize};

/// The windows an owner may look back over.
pub const WINDOWS: [u32; 3] = [30, 90, 365];

/// The window asked for in the page's address (`days`), 90 days unless one of [`WINDOWS`].
pub fn window_days(text: &str) -> u32 {
    text.parse()
        .ok()
        .filter(|days| WINDOWS.contains(days))
        .unwrap_or(90)
}

/// Booked and available days of one unit or listing over the window.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Usage {
    /// Rental days of accepted bookings (requests not yet answered are not booked).
    pub booked: i64,
    /// Days the unit existed in the window, its blocked days taken out.
    pub available: i64,
}

impl Usage {
    /// Booked days as a whole percentage of available days (none available: none used).
    pub fn percent(self) -> i64 {
        if self.available <= 0 {
            0
        } else {
            (self.booked * 100 + self.available / 2) / self.available
        }
    }

    fn add(&mut self, other: Usage) {
        self.booked += other.booked;
        self.available += other.available;
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnitUsage {
    pub label: String,
    pub usage: Usage,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListingUsage {
    pub listing: ListingId,
    pub title: String,
    pub units: Vec<UnitUsage>,
    pub usage: Usage,
    /// The rental of the booked days in the window (a booking's rental shared out by day).
    pub rental: Option<Money>,
    /// `rental` over the available days.
    pub per_available_day: Option<Money>,
}

/// How the owner answered requests (not instant bookings) made in the window.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Answers {
    pub accepted: u32,
    pub declined: u32,
    /// Left to lapse without an answer.
    pub lapsed: u32,
    /// Still waiting, or withdrawn by the renter before an answer.
    pub other: u32,
    /// The median time from request to answer, in minutes, over the answered ones.
    pub median_minutes: Option<i64>,
}

impl Answers {
    /// Accepted as a whole percentage of the requests decided (accepted, declined or
    /// lapsed).
    pub fn acceptance_percent(self) -> Option<u32> {
        let decided = self.accepted + self.declined + self.lapsed;
        (decided > 0).then(|| (self.accepted * 100 + decided / 2) / decided)
    }
}

/// Booked days of all units in one month.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MonthUsage {
    pub first: NaiveDate,
    pub booked: i64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Insights {
    pub days: u32,
    /// The window: `[from, to)`, to being today where the owner is.
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub listings: Vec<ListingUsage>,
    pub answers: Answers,
    /// The last twelve months, this one last.
    pub months: Vec<MonthUsage>,
    /// More units than the figures count (the first [`super::calendar::MOST_UNITS`] are).
    pub more_units: bool,
    /// More bookings in the year than the figures count (the latest are).
    pub more_bookings: bool,
    /// The charts as SVG documents (escaped, drawn on the server).
    pub usage_chart: String,
    pub months_chart: String,
}

/// A unit as insights count it: from the day it was added.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnitInput {
    pub listing: ListingId,
    pub title: String,
    pub label: String,
    pub unit: crate::domain::UnitId,
    pub since: NaiveDate,
}

/// Days `[from, to)` of a unit that are booked (a booking's rental days) or blocked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Taken {
    pub unit: crate::domain::UnitId,
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// The booking's rental for all its days, for a booking; `None` for a block.
    pub rental: Option<(Money, i64)>,
}

impl Taken {
    pub fn counts_as_booked(status: BookingStatus) -> bool {
        use BookingStatus::*;
        matches!(
            status,
            Accepted | Paid | PickedUp | Returned | Completed | Disputed
        )
    }
}

/// Days of `[from, to)` inside `[start, end)`.
fn overlap(from: NaiveDate, to: NaiveDate, start: NaiveDate, end: NaiveDate) -> i64 {
    (to.min(end) - from.max(start)).num_days().max(0)
}

/// Each listing's usage over `[start, end)`, its units in the order given. A unit's
/// available days run from the day it was added; blocked days are not available.
pub fn usage(
    units: &[UnitInput],
    booked: &[Taken],
    blocked: &[Taken],
    (start, end): (NaiveDate, NaiveDate),
) -> Vec<ListingUsage> {
    let mut listings: Vec<ListingUsage> = Vec::new();
    for unit in units {
        let open = start.max(unit.since);
        let blocked_days: i64 = blocked
            .iter()
            .filter(|b| b.unit == unit.unit)
            .map(|b| overlap(b.from, b.to, open, end))
            .sum();
        let mine: Vec<&Taken> = booked.iter().filter(|b| b.unit == unit.unit).collect();
        let booked_days: i64 = mine.iter().map(|b| overlap(b.from, b.to, open, end)).sum();
        let usage = Usage {
            booked: booked_days,
            available: (overlap(open, end, open, end) - blocked_days).max(0),
        };
        let rental = mine.iter().fold(None::<Money>, |sum, b| {
            let Some((whole, days)) = b.rental else {
                return sum;
            };
            let share = Money::new(
                whole.minor * overlap(b.from, b.to, open, end) / days.max(1),
                whole.currency,
            );
            match sum {
                None => Some(share),
                Some(sum) => sum.checked_add(share).or(Some(sum)),
            }
        });
        let position = listings.iter().position(|l| l.listing == unit.listing);
        let listing = match position {
            Some(i) => &mut listings[i],
            None => {
                listings.push(ListingUsage {
                    listing: unit.listing,
                    title: unit.title.clone(),
                    units: Vec::new(),
                    usage: Usage::default(),
                    rental: None,
                    per_available_day: None,
                });
                listings.last_mut().expect("just pushed")
            }
        };
        listing.units.push(UnitUsage {
            label: unit.label.clone(),
            usage,
        });
        listing.usage.add(usage);
        listing.rental = match (listing.rental, rental) {
            (None, r) | (r, None) => r,
            (Some(a), Some(b)) => a.checked_add(b).or(Some(a)),
        };
    }
    for listing in &mut listings {
        listing.per_available_day = listing
            .rental
            .filter(|_| listing.usage.available > 0)
            .map(|r| Money::new(r.minor / listing.usage.available, r.currency));
    }
    listings
}

/// Booked days per month of the twelve months up to `today`'s.
pub fn busy_months(booked: &[Taken], today: NaiveDate) -> Vec<MonthUsage> {
    let this_month = today.with_day(1).unwrap_or(today);
    (0..12)
        .rev()
        .filter_map(|back| this_month.checked_sub_months(Months::new(back)))
        .map(|first| {
            let next = first.checked_add_months(Months::new(1)).unwrap_or(first);
            MonthUsage {
                first,
                booked: booked
                    .iter()
                    .map(|b| overlap(b.from, b.to, first, next))
                    .sum(),
            }
        })
        .collect()
}

/// The median of `minutes` (the lower middle one of an even count).
pub fn median(mut minutes: Vec<i64>) -> Option<i64> {
    minutes.sort_unstable();
    minutes.get(minutes.len().saturating_sub(1) / 2).copied()
}

/// "2 h 5 min", "45 min", "3 days 4 h".
pub fn duration_text(minutes: i64) -> String {
    let (days, hours, mins) = (minutes / 1440, minutes % 1440 / 60, minutes % 60);
    match (days, hours) {
        (0, 0) => format!("{mins} min"),
        (0, _) => format!("{hours} h {mins} min"),
        (1, _) => format!("1 day {hours} h"),
        _ => format!("{days} days {hours} h"),
    }
}

/// `text` safe inside XML.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// `text` cut to `most` characters, with an ellipsis when cut.
fn shorten(text: &str, most: usize) -> String {
    if text.chars().count() <= most {
        text.to_owned()
    } else {
        let mut short: String = text.chars().take(most - 1).collect();
        short.push('…');
        short
    }
}

/// The opening of an SVG chart named by its title and description.
fn svg_start(id: &str, width: u32, height: u32, title: &str, description: &str) -> String {
    format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" viewBox=\"0 0 {width} {height}\" \
         width=\"100%\" class=\"chart\" aria-labelledby=\"{id}-title {id}-desc\">\
         <title id=\"{id}-title\">{}</title><desc id=\"{id}-desc\">{}</desc>",
        escape(title),
        escape(description)
    )
}

/// A horizontal bar per listing: its utilisation in percent.
pub fn usage_chart(listings: &[ListingUsage], days: u32) -> String {
    let (label_width, bar_width, row) = (220u32, 340u32, 30u32);
    let height = 24 + row * listings.len().max(1) as u32;
    let mut svg = svg_start(
        "usage-chart",
        label_width + bar_width + 60,
        height,
        &format!("Utilisation per listing, last {days} days"),
        "Booked days as a share of the days each listing could be rented, blocks excluded. \
         The table below gives the numbers.",
    );
    // The axis: 0 and 100 percent.
    svg.push_str(&format!(
        "<text x=\"{label_width}\" y=\"14\" font-size=\"12\" fill=\"#334155\">0%</text>\
         <text x=\"{}\" y=\"14\" font-size=\"12\" fill=\"#334155\" text-anchor=\"end\">100%</text>",
        label_width + bar_width
    ));
    for (i, listing) in listings.iter().enumerate() {
        let y = 24 + row * i as u32;
        let percent = listing.usage.percent().clamp(0, 100) as u32;
        let width = bar_width * percent / 100;
        svg.push_str(&format!(
            "<text x=\"0\" y=\"{}\" font-size=\"13\" fill=\"#0f172a\">{}</text>\
             <rect x=\"{label_width}\" y=\"{}\" width=\"{bar_width}\" height=\"18\" fill=\"#f1f5f9\"/>\
             <rect x=\"{label_width}\" y=\"{}\" width=\"{width}\" height=\"18\" fill=\"#047857\"/>\
             <text x=\"{}\" y=\"{}\" font-size=\"13\" fill=\"#0f172a\">{percent}%</text>",
            y + 14,
            escape(&shorten(&listing.title, 30)),
            y + 2,
            y + 2,
            label_width + bar_width + 8,
            y + 15,
        ));
    }
    svg.push_str("</svg>");
    svg
}

/// A vertical bar per month: its booked days.
pub fn months_chart(months: &[MonthUsage]) -> String {
    let (column, plot, top) = (50u32, 160u32, 20u32);
    let width = column * months.len().max(1) as u32 + 10;
    let most = months.iter().map(|m| m.booked).max().unwrap_or(0).max(1);
    let mut svg = svg_start(
        "months-chart",
        width,
        top + plot + 40,
        "Booked days per month, last 12 months",
        "Rental days booked across all your units in each month, this month last. The table \
         below gives the numbers.",
    );
    for (i, month) in months.iter().enumerate() {
        let x = 10 + column * i as u32;
        let height = (plot as i64 * month.booked / most) as u32;
        let y = top + plot - height;
        svg.push_str(&format!(
            "<rect x=\"{x}\" y=\"{y}\" width=\"{}\" height=\"{height}\" fill=\"#047857\"/>\
             <text x=\"{}\" y=\"{}\" font-size=\"12\" fill=\"#0f172a\" text-anchor=\"middle\">{}</text>\
             <text x=\"{}\" y=\"{}\" font-size=\"12\" fill=\"#334155\" text-anchor=\"middle\">{}</text>",
            column - 14,
            x + (column - 14) / 2,
            y.saturating_sub(4).max(12),
            month.booked,
            x + (column - 14) / 2,
            top + plot + 18,
            crate::domain::month_text(month.first.year(), month.first.month())
                .chars()
                .take(3)
                .collect::<String>(),
        ));
    }
    svg.push_str("</svg>");
    svg
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Currency, UnitId};
    use uuid::Uuid;

    fn day(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, d).unwrap()
    }

    fn unit(n: u128) -> UnitId {
        UnitId::from_uuid(Uuid::from_u128(n))
    }

    #[test]
    fn utilisation_is_booked_over_available_days_blocks_excluded() {
        let listing = ListingId::from_uuid(Uuid::from_u128(1));
        let units = [
            UnitInput {
                listing,
                title: "Dome tent".into(),
                label: "Unit 1".into(),
                unit: unit(1),
                since: day(1),
            },
            UnitInput {
                listing,
                title: "Dome tent".into(),
                label: "Unit 2".into(),
                unit: unit(2),
                since: day(11),
            },
        ];
        let usd = |minor| Some((Money::new(minor, Currency::Usd), 4));
        // Unit 1: 4 days booked (2 of them before the window), 3 blocked.
        // Unit 2: added on the 11th, 5 days booked.
        let booked = [
            Taken {
                unit: unit(1),
                from: day(3),
                to: day(7),
                rental: usd(4000),
            },
            Taken {
                unit: unit(2),
                from: day(20),
                to: day(25),
                rental: Some((Money::new(5000, Currency::Usd), 5)),
            },
        ];
        let blocked = [Taken {
            unit: unit(1),
            from: day(10),
            to: day(13),
            rental: None,
        }];
        // The window: 5 November to 1 December, 26 days.
        let listings = usage(
            &units,
            &booked,
            &blocked,
            (day(5), day(30) + chrono::Days::new(1)),
        );
        assert_eq!(listings.len(), 1);
        let tent = &listings[0];
        // Unit 1: 26 days less 3 blocked = 23 available, 2 booked (5th and 6th).
        assert_eq!(
            tent.units[0].usage,
            Usage {
                booked: 2,
                available: 23
            }
        );
        // Unit 2: from the 11th, 20 days, all available, 5 booked.
        assert_eq!(
            tent.units[1].usage,
            Usage {
                booked: 5,
                available: 20
            }
        );
        assert_eq!(
            tent.usage,
            Usage {
                booked: 7,
                available: 43
            }
        );
        assert_eq!(tent.usage.percent(), 16); // 7 / 43 = 16.3 %
                                              // $40 over 4 days, 2 in the window: $20; and $50: $70 over 43 days.
        assert_eq!(tent.rental, Some(Money::new(7000, Currency::Usd)));
        assert_eq!(tent.per_available_day, Some(Money::new(162, Currency::Usd)));
    }

    #[test]
    fn acceptance_counts_decided_requests_and_the_median_is_the_middle() {
        let answers = Answers {
            accepted: 3,
            declined: 1,
            lapsed: 0,
            other: 2,
            median_minutes: None,
        };
        assert_eq!(answers.acceptance_percent(), Some(75));
        assert_eq!(Answers::default().acceptance_percent(), None);
        assert_eq!(median(vec![30, 10, 600]), Some(30));
        assert_eq!(median(vec![40, 10]), Some(10));
        assert_eq!(median(Vec::new()), None);
        assert_eq!(duration_text(125), "2 h 5 min");
        assert_eq!(duration_text(45), "45 min");
        assert_eq!(duration_text(1440 * 3 + 240), "3 days 4 h");
    }

    #[test]
    fn busy_months_count_each_month_s_days() {
        let booked = [Taken {
            unit: unit(1),
            from: day(28),
            to: day(30) + chrono::Days::new(3),
            rental: None,
        }];
        let months = busy_months(&booked, NaiveDate::from_ymd_opt(2026, 12, 6).unwrap());
        assert_eq!(months.len(), 12);
        assert_eq!(
            months[11].first,
            NaiveDate::from_ymd_opt(2026, 12, 1).unwrap()
        );
        assert_eq!(
            months[0].first,
            NaiveDate::from_ymd_opt(2026, 1, 1).unwrap()
        );
        assert_eq!((months[10].booked, months[11].booked), (3, 2));
    }

    #[test]
    fn charts_escape_titles_and_name_themselves() {
        let listing = ListingUsage {
            listing: ListingId::from_uuid(Uuid::nil()),
            title: "<script>alert(1)</script> & co".into(),
            units: Vec::new(),
            usage: Usage {
                booked: 1,
                available: 2,
            },
            rental: None,
            per_available_day: None,
        };
        let svg = usage_chart(&[listing], 30);
        assert!(!svg.contains("<script>"), "{svg}");
        assert!(svg.contains("&lt;script&gt;"));
        assert!(svg.contains("role=\"img\"") && svg.contains("<title id=\"usage-chart-title\">"));
        assert!(svg.contains(">50%<"));
        let months = months_chart(&[MonthUsage {
            first: day(1),
            booked: 4,
        }]);
        assert!(
            months.contains(">4<") && months.contains(">Nov<"),
            "{months}"
        );
    }
}
