//! An owner's earnings as the page shows them, and how they are summed from the ledger's
//! lines (pure, so the figures are the same wherever they are worked out).

use crate::domain::ledger::EntryKind;
#[cfg(feature = "ssr")]
use crate::domain::{BookingId, ListingId};
use crate::domain::{Currency, Money};
#[cfg(feature = "ssr")]
use chrono::{DateTime, Datelike, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
#[cfg(feature = "ssr")]
use std::collections::BTreeMap;

/// One ledger line of one of the owner's bookings.
#[cfg(feature = "ssr")]
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Line {
    pub booking: BookingId,
    pub listing: ListingId,
    pub title: String,
    pub starts_on: NaiveDate,
    /// The service fee the booking's quote gives GearShare: what a charge not yet split
    /// still owes it.
    pub booking_fee: i64,
    pub kind: EntryKind,
    pub amount: Money,
    pub at: DateTime<Utc>,
}

/// Where a line counts on the earnings page.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Column {
    PaidOut,
    Fees,
    Refunds,
    /// Part of what was paid out: deposit money kept for damage or a late return.
    Kept,
}

impl Column {
    pub fn of(kind: EntryKind) -> Option<Self> {
        match kind {
            EntryKind::OwnerPayout => Some(Self::PaidOut),
            EntryKind::ServiceFee => Some(Self::Fees),
            EntryKind::Refund => Some(Self::Refunds),
            EntryKind::DepositCapture => Some(Self::Kept),
            _ => None,
        }
    }

    /// The column's heading, also the CSV's "counts as".
    pub fn label(self) -> &'static str {
        match self {
            Self::PaidOut => "Paid out",
            Self::Fees => "Fees",
            Self::Refunds => "Refunds",
            Self::Kept => "Kept deposits and late fees",
        }
    }
}

/// The sums of one row of the page, in minor units of its currency.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sums {
    /// Sent to the owner: the rental, and any deposit kept or late fee.
    pub paid_out: i64,
    /// Charged to the renter and not yet split: what the owner will be paid once the rental
    /// ends, GearShare's fee taken out.
    pub pending: i64,
    pub fees: i64,
    /// Given back to renters.
    pub refunds: i64,
    /// Deposit money kept (damage, late fees); already counted in `paid_out`.
    pub kept: i64,
}

impl Sums {
    #[cfg(feature = "ssr")]
    fn add(&mut self, column: Column, minor: i64) {
        match column {
            Column::PaidOut => self.paid_out += minor,
            Column::Fees => self.fees += minor,
            Column::Refunds => self.refunds += minor,
            Column::Kept => self.kept += minor,
        }
    }

    #[cfg(feature = "ssr")]
    fn plus(mut self, other: Sums) -> Sums {
        self.paid_out += other.paid_out;
        self.pending += other.pending;
        self.fees += other.fees;
        self.refunds += other.refunds;
        self.kept += other.kept;
        self
    }
}

/// One row of a table: what it is about, in which currency, and its sums.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Row {
    pub label: String,
    /// The page the row is about, when it has one.
    pub href: Option<String>,
    /// The month a row of the months table is about, as (year, month).
    pub month: Option<(i32, u32)>,
    pub currency: Currency,
    pub sums: Sums,
}

impl Row {
    pub fn money(&self, minor: i64) -> String {
        Money::new(minor, self.currency).to_string()
    }
}

/// The owner's earnings: totals per currency, and the same sums per month, listing and
/// booking (the bookings newest first, at most [`BOOKINGS_SHOWN`]).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Earnings {
    pub totals: Vec<Row>,
    pub months: Vec<Row>,
    pub listings: Vec<Row>,
    pub bookings: Vec<Row>,
    /// Bookings with money beyond those shown (the CSV has them all).
    pub more_bookings: usize,
}

pub const BOOKINGS_SHOWN: usize = 50;

#[cfg(feature = "ssr")]
/// Sums `lines` (any order) per currency, month (of `local`, the owner's calendar), listing
/// and booking. A booking's pending money is its net charge less the fee still owed, while
/// the ledger has no payout for it; it counts in the month of its last charge.
pub fn summarise(lines: &[Line], local: impl Fn(DateTime<Utc>) -> NaiveDate) -> Earnings {
    struct Booking<'a> {
        first: &'a Line,
        sums: Sums,
        charged: i64,
        paid: bool,
        last_charge: Option<DateTime<Utc>>,
    }
    let mut bookings: BTreeMap<BookingId, Booking> = BTreeMap::new();
    let mut months: BTreeMap<((i32, u32), Currency), Sums> = BTreeMap::new();
    for line in lines {
        let booking = bookings.entry(line.booking).or_insert(Booking {
            first: line,
            sums: Sums::default(),
            charged: 0,
            paid: false,
            last_charge: None,
        });
        match line.kind {
            EntryKind::Capture => {
                booking.charged += line.amount.minor;
                booking.last_charge = booking.last_charge.max(Some(line.at));
            }
            EntryKind::Refund => booking.charged -= line.amount.minor,
            EntryKind::OwnerPayout => booking.paid = true,
            _ => {}
        }
        if let Some(column) = Column::of(line.kind) {
            booking.sums.add(column, line.amount.minor);
            let day = local(line.at);
            months
                .entry(((day.year(), day.month()), line.amount.currency))
                .or_default()
                .add(column, line.amount.minor);
        }
    }
    for booking in bookings.values_mut() {
        if booking.paid {
            continue;
        }
        let pending = (booking.charged - booking.first.booking_fee).max(0);
        booking.sums.pending = pending;
        if let (Some(at), true) = (booking.last_charge, pending > 0) {
            let day = local(at);
            months
                .entry(((day.year(), day.month()), booking.first.amount.currency))
                .or_default()
                .pending += pending;
        }
    }
    // A booking with nothing charged, kept or paid (a request, a declined one) earned nothing.
    bookings.retain(|_, b| b.sums != Sums::default());
    let mut listings: BTreeMap<(ListingId, Currency), (String, Sums)> = BTreeMap::new();
    let mut totals: BTreeMap<Currency, Sums> = BTreeMap::new();
    for booking in bookings.values() {
        let line = booking.first;
        let listing = listings
            .entry((line.listing, line.amount.currency))
            .or_insert_with(|| (line.title.clone(), Sums::default()));
        listing.1 = listing.1.plus(booking.sums);
        let total = totals.entry(line.amount.currency).or_default();
        *total = total.plus(booking.sums);
    }
    let mut booking_rows: Vec<(NaiveDate, Row)> = bookings
        .iter()
        .map(|(id, b)| {
            let row = Row {
                label: format!("{}, from {}", b.first.title, b.first.starts_on),
                href: Some(format!("/bookings/{id}")),
                month: None,
                currency: b.first.amount.currency,
                sums: b.sums,
            };
            (b.first.starts_on, row)
        })
        .collect();
    booking_rows.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.label.cmp(&b.1.label)));
    let more_bookings = booking_rows.len().saturating_sub(BOOKINGS_SHOWN);
    let mut listing_rows: Vec<Row> = listings
        .into_iter()
        .map(|((id, currency), (title, sums))| Row {
            label: title,
            href: Some(format!("/gear/{id}")),
            month: None,
            currency,
            sums,
        })
        .collect();
    listing_rows.sort_by(|a, b| {
        b.sums
            .paid_out
            .cmp(&a.sums.paid_out)
            .then_with(|| a.label.cmp(&b.label))
    });
    Earnings {
        totals: totals
            .into_iter()
            .map(|(currency, sums)| Row {
                label: format!("All time, {}", currency.code()),
                href: None,
                month: None,
                currency,
                sums,
            })
            .collect(),
        months: months
            .into_iter()
            .rev()
            .map(|(((year, month), currency), sums)| Row {
                label: crate::domain::month_text(year, month),
                href: None,
                month: Some((year, month)),
                currency,
                sums,
            })
            .collect(),
        listings: listing_rows,
        bookings: booking_rows
            .into_iter()
            .take(BOOKINGS_SHOWN)
            .map(|(_, row)| row)
            .collect(),
        more_bookings,
    }
}

#[cfg(feature = "ssr")]
/// The CSV of the owner's lines, oldest first: one row per ledger line, with the column of
/// the page it counts in (empty for movements that are not earnings, such as holds).
pub fn csv(lines: &[Line]) -> String {
    let mut out = String::from("date,booking,listing,movement,counts_as,amount,currency\r\n");
    for line in lines {
        let counts_as = Column::of(line.kind).map_or("", Column::label);
        let amount = decimal(line.amount.minor);
        out.push_str(&format!(
            "{},{},{},{},{},{},{}\r\n",
            line.at.format("%Y-%m-%dT%H:%M:%SZ"),
            line.booking,
            csv_field(&line.title),
            line.kind.label(),
            counts_as,
            amount,
            line.amount.currency.code()
        ));
    }
    out
}

#[cfg(feature = "ssr")]
/// "1234.50": minor units as a plain decimal, for spreadsheets.
fn decimal(minor: i64) -> String {
    let sign = if minor < 0 { "-" } else { "" };
    let abs = minor.unsigned_abs();
    format!("{sign}{}.{:02}", abs / 100, abs % 100)
}

#[cfg(feature = "ssr")]
/// A CSV field: quoted when it holds a comma, quote or line break, and never read as a
/// formula by a spreadsheet (a leading `=`, `+`, `-`, `@` gets a quote mark before it).
fn csv_field(text: &str) -> String {
    let text = if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{text}")
    } else {
        text.to_owned()
    };
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text
    }
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn line(booking: BookingId, kind: EntryKind, minor: i64, at: DateTime<Utc>) -> Line {
        Line {
            booking,
            listing: ListingId::from_uuid(uuid::Uuid::nil()),
            title: "Dome tent".into(),
            starts_on: at.date_naive(),
            booking_fee: 300,
            kind,
            amount: Money::new(minor, Currency::Eur),
            at,
        }
    }

    fn utc(day: u32, month: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, month, day, 23, 30, 0).unwrap()
    }

    #[test]
    fn a_finished_rental_is_paid_out_and_a_charged_one_waits_less_its_fee() {
        let done = BookingId::new();
        let waiting = BookingId::new();
        let lines = [
            line(done, EntryKind::Authorization, 2_300, utc(1, 11)),
            line(done, EntryKind::Capture, 2_300, utc(1, 11)),
            line(done, EntryKind::DepositCapture, 500, utc(5, 11)),
            line(done, EntryKind::ServiceFee, 300, utc(5, 11)),
            line(done, EntryKind::OwnerPayout, 2_500, utc(5, 11)),
            line(waiting, EntryKind::Capture, 2_300, utc(30, 11)),
            line(waiting, EntryKind::Refund, 1_000, utc(30, 11)),
            // A request only authorised has earned nothing and shows nowhere.
            line(BookingId::new(), EntryKind::Authorization, 900, utc(2, 11)),
        ];
        let earnings = summarise(&lines, |at| at.date_naive());
        let total = earnings.totals[0].sums;
        assert_eq!(
            (
                total.paid_out,
                total.pending,
                total.fees,
                total.kept,
                total.refunds
            ),
            (2_500, 1_000, 300, 500, 1_000)
        );
        assert_eq!(earnings.months.len(), 1);
        assert_eq!(earnings.listings.len(), 1);
        assert_eq!(earnings.listings[0].sums, total);
        assert_eq!(earnings.months[0].label, "November 2026");
        assert_eq!(earnings.bookings.len(), 2);
        // The owner's calendar decides the month: an hour ahead, the late charge is December's.
        let ahead = summarise(&lines, |at| (at + chrono::Duration::hours(1)).date_naive());
        let labels: Vec<&str> = ahead.months.iter().map(|m| m.label.as_str()).collect();
        assert_eq!(labels, ["December 2026", "November 2026"]);
        assert_eq!(ahead.months[0].sums.pending, 1_000);
    }

    #[test]
    fn csv_fields_are_quoted_and_never_formulas() {
        let mut tent = line(BookingId::new(), EntryKind::OwnerPayout, 123_456, utc(2, 3));
        tent.title = "=HYPERLINK(\"x\"), big".into();
        let csv = csv(&[tent]);
        let row = csv.lines().nth(1).unwrap();
        assert!(row.contains(",\"'=HYPERLINK(\"\"x\"\"), big\","), "{row}");
        assert!(
            row.ends_with(",Paid out to the owner,Paid out,1234.56,EUR"),
            "{row}"
        );
    }
}
