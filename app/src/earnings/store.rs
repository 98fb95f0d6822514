//! The SQL of earnings: the ledger's lines of an owner's bookings, read only.

use super::model::Line;
use crate::domain::ledger::EntryKind;
use crate::domain::{BookingId, Currency, ListingId, Money, UserId};
use crate::on_pool;
use crate::store::{Db, Text};
use chrono::{DateTime, NaiveDate, Utc};

type LineRow = (
    BookingId,
    ListingId,
    String,
    NaiveDate,
    i64,
    Text<EntryKind>,
    i64,
    Text<Currency>,
    DateTime<Utc>,
);

impl Db {
    /// Every ledger line of `owner`'s bookings, oldest first; only of the bookings with a
    /// line at or after `since`, when given.
    pub(super) async fn owner_ledger_lines(
        &self,
        owner: UserId,
        since: Option<DateTime<Utc>>,
    ) -> Result<Vec<Line>, sqlx::Error> {
        let rows: Vec<LineRow> = on_pool!(self, pool => sqlx::query_as(
            "SELECT e.booking_id, b.listing_id, l.title, b.starts_on, b.service_fee_minor, \
             e.kind, e.amount_minor, e.currency, e.at FROM ledger_entries e \
             JOIN bookings b ON b.id = e.booking_id JOIN listings l ON l.id = b.listing_id \
             WHERE b.owner_id = $1 AND ($2 IS NULL OR e.booking_id IN \
                 (SELECT booking_id FROM ledger_entries WHERE at >= $2)) ORDER BY e.id")
            .bind(owner).bind(since).fetch_all(pool).await)?;
        Ok(rows
            .into_iter()
            .map(
                |(booking, listing, title, starts_on, booking_fee, kind, minor, currency, at)| {
                    Line {
                        booking,
                        listing,
                        title,
                        starts_on,
                        booking_fee,
                        kind: kind.0,
                        amount: Money::new(minor, currency.0),
                        at,
                    }
                },
            )
            .collect())
    }
}
