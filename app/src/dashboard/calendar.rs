//! The owner's calendar (`/owner/calendar`): every unit of their listings by day, with what
//! holds each day. The layout of a row is worked out here, apart from the page, so that it
//! is tested without a browser.

use crate::domain::{BlockId, BookingId, BookingStatus, ListingId, UnitId};
use chrono::{Datelike, Days, Months, NaiveDate};
use serde::{Deserialize, Serialize};

/// The most units one calendar shows; an owner with more sees the first ones and is told.
pub const MOST_UNITS: usize = 200;

/// How much time the calendar shows at once.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum Span {
    #[default]
    Month,
    Week,
}

impl Span {
    /// The `view` of the page's address: anything but "week" is a month.
    pub fn parse(text: &str) -> Self {
        if text == "week" {
            Self::Week
        } else {
            Self::Month
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Month => "month",
            Self::Week => "week",
        }
    }

    /// The first day shown when the calendar is asked to show `day`: the first of its month,
    /// or the Monday of its week.
    pub fn first_day(self, day: NaiveDate) -> NaiveDate {
        match self {
            Self::Month => day.with_day(1).unwrap_or(day),
            Self::Week => day - Days::new(u64::from(day.weekday().num_days_from_monday())),
        }
    }

    /// The day after the last one shown from `first`.
    pub fn end(self, first: NaiveDate) -> NaiveDate {
        match self {
            Self::Month => first.checked_add_months(Months::new(1)),
            Self::Week => first.checked_add_days(Days::new(7)),
        }
        .unwrap_or(first)
    }

    /// The first day of the previous stretch.
    pub fn previous(self, first: NaiveDate) -> NaiveDate {
        match self {
            Self::Month => first.checked_sub_months(Months::new(1)),
            Self::Week => first.checked_sub_days(Days::new(7)),
        }
        .unwrap_or(first)
    }
}

/// What holds some days of a unit.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Hold {
    /// A booking's rental days.
    Booking {
        id: BookingId,
        status: BookingStatus,
        renter: String,
    },
    /// The owner's turnaround after a booking's return.
    Turnaround { booking: BookingId },
    /// The owner's block, with the reason only they see.
    Block { id: BlockId, note: String },
}

/// Days `[from, to)` of a unit and what holds them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Mark {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub hold: Hold,
}

/// One row of the calendar: a unit and its marks, the earliest first.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnitRow {
    pub listing: ListingId,
    pub title: String,
    pub unit: UnitId,
    pub label: String,
    pub marks: Vec<Mark>,
}

/// The owner's calendar for the days `[first, end)`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OwnerCalendar {
    pub span: Span,
    pub first: NaiveDate,
    pub end: NaiveDate,
    /// Today where the owner is.
    pub today: NaiveDate,
    pub rows: Vec<UnitRow>,
    /// More units than [`MOST_UNITS`] exist.
    pub more_units: bool,
}

impl OwnerCalendar {
    pub fn days(&self) -> Vec<NaiveDate> {
        self.first
            .iter_days()
            .take_while(|day| *day < self.end)
            .collect()
    }
}

/// One cell of a row: a free day, or a mark over `days` days from `from` (cut to the days
/// shown).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Cell<'a> {
    Free(NaiveDate),
    Held {
        from: NaiveDate,
        days: u32,
        mark: &'a Mark,
    },
}

/// The cells of a row over `[first, end)`: every day is in exactly one cell. Marks never
/// overlap (a unit's reservations exclude each other); should two, the later one is cut.
pub fn cells(marks: &[Mark], first: NaiveDate, end: NaiveDate) -> Vec<Cell<'_>> {
    let mut sorted: Vec<&Mark> = marks.iter().collect();
    sorted.sort_by_key(|mark| (mark.from, mark.to));
    let mut cells = Vec::new();
    let mut day = first;
    for mark in sorted {
        let from = mark.from.max(day);
        let to = mark.to.min(end);
        if from >= to {
            continue;
        }
        while day < from {
            cells.push(Cell::Free(day));
            day = day.succ_opt().unwrap_or(end);
        }
        let days = (to - from).num_days() as u32;
        cells.push(Cell::Held { from, days, mark });
        day = to;
    }
    while day < end {
        cells.push(Cell::Free(day));
        day = day.succ_opt().unwrap_or(end);
    }
    cells
}

/// "Tue 1 Dec", the name of a day in the calendar.
pub fn day_name(day: NaiveDate) -> String {
    crate::domain::period::weekday_text(day)
}

#[cfg(test)]
mod tests {
    use super::*;
    use uuid::Uuid;

    fn day(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 12, d).unwrap()
    }

    fn block(from: NaiveDate, to: NaiveDate) -> Mark {
        Mark {
            from,
            to,
            hold: Hold::Block {
                id: BlockId::from_uuid(Uuid::nil()),
                note: String::new(),
            },
        }
    }

    fn shape(cells: &[Cell]) -> Vec<(u32, u32)> {
        cells
            .iter()
            .map(|cell| match cell {
                Cell::Free(day) => (day.day(), 0),
                Cell::Held { from, days, .. } => (from.day(), *days),
            })
            .collect()
    }

    #[test]
    fn every_day_falls_in_one_cell() {
        let marks = [block(day(3), day(5)), block(day(5), day(6))];
        let cells = cells(&marks, day(1), day(8));
        assert_eq!(
            shape(&cells),
            [(1, 0), (2, 0), (3, 2), (5, 1), (6, 0), (7, 0)]
        );
    }

    #[test]
    fn marks_are_cut_to_the_days_shown() {
        let marks = [block(day(1), day(4)), block(day(6), day(20))];
        let cells = cells(&marks, day(2), day(8));
        assert_eq!(shape(&cells), [(2, 2), (4, 0), (5, 0), (6, 2)]);
    }

    #[test]
    fn an_overlapping_mark_is_cut_not_drawn_twice() {
        let marks = [block(day(2), day(5)), block(day(4), day(7))];
        let cells = cells(&marks, day(1), day(8));
        assert_eq!(shape(&cells), [(1, 0), (2, 3), (5, 2), (7, 0)]);
    }

    #[test]
    fn a_month_starts_on_its_first_and_a_week_on_monday() {
        assert_eq!(Span::Month.first_day(day(17)), day(1));
        assert_eq!(
            Span::Month.end(day(1)),
            NaiveDate::from_ymd_opt(2027, 1, 1).unwrap()
        );
        // 17 December 2026 is a Thursday.
        assert_eq!(Span::Week.first_day(day(17)), day(14));
        assert_eq!(Span::Week.end(day(14)), day(21));
        assert_eq!(Span::Week.previous(day(14)), day(7));
        assert_eq!(
            Span::Month.previous(day(1)),
            NaiveDate::from_ymd_opt(2026, 11, 1).unwrap()
        );
        assert_eq!(day_name(day(1)), "Tue 1 Dec");
    }
}
