//! The SQL of the bookings' tables: `bookings`, `booking_events`, `reservations` and
//! `booking_photos`. Rows are read as they are stored; `queries` and `service` make them
//! the marketplace's types.

use super::service::ListingTerms;
use crate::domain::booking::{Booking, NewBooking};
use crate::domain::evidence::PhotoStage;
use crate::domain::BookingStatus;
use crate::domain::Party;
use crate::domain::{BookingId, ListingId, PhotoId, RequestKey, UnitId, UserId};
use crate::store::{contains_pattern, Db, Reserved, Text, Tx};
use crate::{on_pool, on_tx};
use chrono::{DateTime, NaiveDate, Utc};
use sqlx::FromRow;
use uuid::Uuid;

/// Pairs of reservations that hold one unit on a shared day. Always 0: the contention test,
/// the benchmark and `gearshare replay` check it.
const OVERLAPS_SQL: &str = "SELECT COUNT(*) FROM reservations a JOIN reservations b \
     ON a.unit_id = b.unit_id AND a.id < b.id \
     AND a.starts_on < b.ends_on AND b.starts_on < a.ends_on";

/// Lists show the most recent bookings; nobody has hundreds of current ones.
const LIST_LIMIT: i64 = 200;

#[derive(FromRow)]
pub(super) struct LineRow {
    pub(super) id: BookingId,
    pub(super) listing_id: ListingId,
    pub(super) listing_title: String,
    pub(super) starts_on: NaiveDate,
    pub(super) ends_on: NaiveDate,
    pub(super) status: Text<BookingStatus>,
    pub(super) currency: String,
    pub(super) total_minor: i64,
    pub(super) counterpart: String,
    pub(super) at_risk: bool,
    pub(super) time_zone: String,
    pub(super) overdue: bool,
}

/// A booking that holds its unit, as the owner's calendar draws it.
#[derive(FromRow)]
pub(super) struct HoldRow {
    pub(super) id: BookingId,
    pub(super) unit_id: UnitId,
    pub(super) status: Text<BookingStatus>,
    pub(super) renter: String,
    pub(super) starts_on: NaiveDate,
    pub(super) ends_on: NaiveDate,
    pub(super) held_until: NaiveDate,
    pub(super) currency: String,
    pub(super) rental_minor: i64,
}

/// A request (not an instant booking) and the first answer it got, if any.
#[derive(FromRow)]
pub(super) struct AnswerRow {
    pub(super) asked_at: DateTime<Utc>,
    pub(super) answer: Option<String>,
    pub(super) answered_at: Option<DateTime<Utc>>,
}

/// A booking line's columns, `b` being the booking: whether its unit's previous renter is
/// overdue (out with the gear, marked overdue, and no booking of the unit in between) says it
/// is at risk.
const LINE_COLUMNS: &str = "b.id, b.listing_id, l.title AS listing_title, b.starts_on, \
     b.ends_on, b.status, b.currency, b.total_minor, l.time_zone, b.overdue, \
     EXISTS (SELECT 1 FROM bookings o WHERE o.unit_id = b.unit_id AND o.id <> b.id \
         AND o.status = 'picked_up' AND o.overdue AND o.starts_on < b.starts_on \
         AND NOT EXISTS (SELECT 1 FROM bookings m WHERE m.unit_id = b.unit_id \
             AND m.status IN ('accepted', 'paid') AND m.starts_on > o.starts_on \
             AND m.starts_on < b.starts_on)) AS at_risk";

#[derive(FromRow)]
pub(super) struct PendingRow {
    #[sqlx(flatten)]
    pub(super) line: LineRow,
    pub(super) unit_label: String,
    pub(super) rental_minor: i64,
    pub(super) expires_at: DateTime<Utc>,
    pub(super) renter_id: UserId,
    pub(super) renter_rating_count: i64,
    pub(super) renter_rating_sum: i64,
    pub(super) renter_since: DateTime<Utc>,
    /// The renter's record on GearShare (every owner's bookings, not only this one's).
    pub(super) renter_completed: i64,
    pub(super) renter_returned: i64,
    pub(super) renter_returned_late: i64,
    pub(super) renter_claims: i64,
}

/// A renter's bookings whose gear came back: returned, completed or in dispute.
const BACK: &str = "('returned', 'completed', 'disputed')";

#[derive(FromRow)]
pub(super) struct AdminRow {
    #[sqlx(flatten)]
    pub(super) line: LineRow,
    pub(super) owner_name: String,
}

/// What the admins' list of bookings is filtered by (empty texts match all).
pub struct AdminFilter {
    pub status: Option<BookingStatus>,
    /// Bookings with a day on or after `from`, and before `to`.
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    pub renter: String,
    pub owner: String,
    pub listing: String,
}

#[derive(FromRow)]
pub(super) struct ViewRow {
    #[sqlx(flatten)]
    pub(super) line: LineRow,
    pub(super) renter_name: String,
    pub(super) unit_label: String,
    pub(super) pickup_instructions: String,
    pub(super) card_last4: Option<String>,
}

impl Db {
    /// Pairs of reservations that hold one unit on a shared day. Always 0: the contention
    /// test, the benchmark and `gearshare replay` check it.
    pub async fn overlapping_reservations(&self) -> Result<i64, sqlx::Error> {
        on_pool!(self, pool => sqlx::query_scalar(OVERLAPS_SQL).fetch_one(pool).await)
    }

    /// The renter's bookings, the latest pickup first.
    pub(super) async fn renter_booking_rows(
        &self,
        renter: UserId,
    ) -> Result<Vec<LineRow>, sqlx::Error> {
        let sql = format!(
            "SELECT {LINE_COLUMNS}, u.name AS counterpart FROM bookings b \
             JOIN listings l ON l.id = b.listing_id JOIN users u ON u.id = b.owner_id \
             WHERE b.renter_id = $1 ORDER BY b.starts_on DESC, b.created_at DESC LIMIT $2"
        );
        on_pool!(self, pool => sqlx::query_as(&sql)
            .bind(renter).bind(LIST_LIMIT).fetch_all(pool).await)
    }

    /// The owner's unanswered requests (soonest deadline first), and accepted bookings not
    /// yet returned by `today`.
    pub(super) async fn owner_request_rows(
        &self,
        owner: UserId,
        today: NaiveDate,
    ) -> Result<(Vec<PendingRow>, Vec<LineRow>), sqlx::Error> {
        // The renters' records are counted once per renter, over every owner's bookings.
        let renters = "SELECT p.renter_id FROM bookings p \
             WHERE p.owner_id = $1 AND p.status = 'requested'";
        let pending_sql = format!(
            "SELECT {LINE_COLUMNS}, u.name AS counterpart, lu.label AS unit_label, \
                 b.rental_minor, b.expires_at, u.id AS renter_id, u.renter_rating_count, \
                 u.renter_rating_sum, u.created_at AS renter_since, \
                 COALESCE(r.completed, 0) AS renter_completed, \
                 COALESCE(r.returned, 0) AS renter_returned, \
                 COALESCE(r.returned_late, 0) AS renter_returned_late, \
                 COALESCE(c.claims, 0) AS renter_claims \
             FROM bookings b \
             JOIN listings l ON l.id = b.listing_id JOIN users u ON u.id = b.renter_id \
             JOIN listing_units lu ON lu.id = b.unit_id \
             LEFT JOIN (SELECT h.renter_id, \
                     CAST(SUM(CASE WHEN h.status = 'completed' THEN 1 ELSE 0 END) AS BIGINT) \
                         AS completed, \
                     CAST(SUM(CASE WHEN h.status IN {BACK} THEN 1 ELSE 0 END) AS BIGINT) \
                         AS returned, \
                     CAST(SUM(CASE WHEN h.status IN {BACK} AND h.overdue THEN 1 ELSE 0 END) \
                         AS BIGINT) AS returned_late \
                 FROM bookings h WHERE h.renter_id IN ({renters}) GROUP BY h.renter_id) r \
                 ON r.renter_id = u.id \
             LEFT JOIN (SELECT h.renter_id, COUNT(DISTINCT e.booking_id) AS claims \
                 FROM booking_events e JOIN bookings h ON h.id = e.booking_id \
                 WHERE e.kind = 'damage_claimed' AND h.renter_id IN ({renters}) \
                 GROUP BY h.renter_id) c ON c.renter_id = u.id \
             WHERE b.owner_id = $1 AND b.status = 'requested' ORDER BY b.expires_at LIMIT $2"
        );
        let upcoming_sql = format!(
            "SELECT {LINE_COLUMNS}, u.name AS counterpart FROM bookings b \
             JOIN listings l ON l.id = b.listing_id JOIN users u ON u.id = b.renter_id \
             WHERE b.owner_id = $1 AND b.status IN ('accepted', 'paid', 'picked_up') \
             AND b.ends_on >= $3 \
             ORDER BY b.starts_on LIMIT $2"
        );
        on_pool!(self, pool => {
            let pending = sqlx::query_as(&pending_sql).bind(owner).bind(LIST_LIMIT)
                .fetch_all(pool).await?;
            let upcoming = sqlx::query_as(&upcoming_sql).bind(owner).bind(LIST_LIMIT)
                .bind(today).fetch_all(pool).await?;
            Ok((pending, upcoming))
        })
    }

    /// `owner`'s bookings whose gear is out past its return, the longest overdue first.
    pub(super) async fn owner_overdue_rows(
        &self,
        owner: UserId,
    ) -> Result<Vec<LineRow>, sqlx::Error> {
        let sql = format!(
            "SELECT {LINE_COLUMNS}, u.name AS counterpart FROM bookings b \
             JOIN listings l ON l.id = b.listing_id JOIN users u ON u.id = b.renter_id \
             WHERE b.owner_id = $1 AND b.status = 'picked_up' AND b.overdue \
             ORDER BY b.ends_on LIMIT $2"
        );
        on_pool!(self, pool => sqlx::query_as(&sql)
            .bind(owner).bind(LIST_LIMIT).fetch_all(pool).await)
    }

    /// The bookings of `owner`'s gear whose unit is held on some day of `[from, to)` (the
    /// turnaround after the return included), the latest first: past the cap, the oldest go.
    pub(super) async fn owner_hold_rows(
        &self,
        owner: UserId,
        (from, to): (NaiveDate, NaiveDate),
    ) -> Result<Vec<HoldRow>, sqlx::Error> {
        const SQL: &str = "SELECT b.id, b.unit_id, b.status, u.name AS renter, b.starts_on, \
                 b.ends_on, r.ends_on AS held_until, b.currency, b.rental_minor \
             FROM bookings b JOIN reservations r ON r.booking_id = b.id \
             JOIN users u ON u.id = b.renter_id \
             WHERE b.owner_id = $1 AND r.starts_on < $3 AND r.ends_on > $2 \
             ORDER BY r.starts_on DESC, b.id LIMIT $4";
        on_pool!(self, pool => sqlx::query_as(SQL)
            .bind(owner).bind(from).bind(to).bind(super::model::MOST_HOLDS)
            .fetch_all(pool).await)
    }

    /// The requests made of `owner` in `[since, until)`, with their first answer (accepted,
    /// declined or lapsed), the earliest first.
    pub(super) async fn owner_answer_rows(
        &self,
        owner: UserId,
        (since, until): (DateTime<Utc>, DateTime<Utc>),
    ) -> Result<Vec<AnswerRow>, sqlx::Error> {
        // A year of requests of one owner: ten thousand is far beyond a busy shop.
        const SQL: &str = "SELECT b.created_at AS asked_at, e.kind AS answer, \
                 e.at AS answered_at FROM bookings b \
             LEFT JOIN booking_events e ON e.id = (SELECT MIN(x.id) FROM booking_events x \
                 WHERE x.booking_id = b.id AND x.kind IN ('accepted', 'declined', 'expired')) \
             WHERE b.owner_id = $1 AND NOT b.instant AND b.created_at >= $2 \
                 AND b.created_at < $3 \
             ORDER BY b.created_at LIMIT 10000";
        on_pool!(self, pool => sqlx::query_as(SQL)
            .bind(owner).bind(since).bind(until).fetch_all(pool).await)
    }

    /// Bookings as admins filter them, the newest first (at most 100).
    pub(super) async fn admin_booking_rows(
        &self,
        filter: &AdminFilter,
    ) -> Result<Vec<AdminRow>, sqlx::Error> {
        let sql = format!(
            "SELECT {LINE_COLUMNS}, r.name AS counterpart, o.name AS owner_name FROM bookings b \
             JOIN listings l ON l.id = b.listing_id JOIN users r ON r.id = b.renter_id \
             JOIN users o ON o.id = b.owner_id \
             WHERE ($1 IS NULL OR b.status = $1) AND ($2 IS NULL OR b.ends_on > $2) \
             AND ($3 IS NULL OR b.starts_on <= $3) \
             AND LOWER(r.name) LIKE $4 ESCAPE '\\' AND LOWER(o.name) LIKE $5 ESCAPE '\\' \
             AND LOWER(l.title) LIKE $6 ESCAPE '\\' \
             ORDER BY b.created_at DESC, b.id LIMIT 100"
        );
        on_pool!(self, pool => sqlx::query_as(&sql)
            .bind(filter.status.map(Text)).bind(filter.from).bind(filter.to)
            .bind(contains_pattern(&filter.renter)).bind(contains_pattern(&filter.owner))
            .bind(contains_pattern(&filter.listing))
            .fetch_all(pool).await)
    }

    /// The disputed bookings, the longest waiting first (at most `limit`).
    pub(super) async fn disputed_ids(&self, limit: i64) -> Result<Vec<BookingId>, sqlx::Error> {
        on_pool!(self, pool => sqlx::query_scalar(
                "SELECT id FROM bookings WHERE status = 'disputed' ORDER BY updated_at, id LIMIT $1")
            .bind(limit).fetch_all(pool).await)
    }

    /// How many requests for `owner`'s listings wait for an answer.
    pub(super) async fn waiting_request_count(&self, owner: UserId) -> Result<i64, sqlx::Error> {
        let sql = "SELECT COUNT(*) FROM bookings WHERE owner_id = $1 AND status = 'requested'";
        on_pool!(self, pool => sqlx::query_scalar(sql).bind(owner).fetch_one(pool).await)
    }

    /// What booking `id`'s page shows of its row and the people and unit around it.
    pub(super) async fn booking_view_row(
        &self,
        id: BookingId,
    ) -> Result<Option<ViewRow>, sqlx::Error> {
        let sql = format!(
            "SELECT {LINE_COLUMNS}, uo.name AS counterpart, ur.name AS renter_name, \
                 lu.label AS unit_label, l.pickup_instructions, b.card_last4 FROM bookings b \
             JOIN listings l ON l.id = b.listing_id JOIN users uo ON uo.id = b.owner_id \
             JOIN users ur ON ur.id = b.renter_id JOIN listing_units lu ON lu.id = b.unit_id \
             WHERE b.id = $1"
        );
        on_pool!(self, pool => sqlx::query_as(&sql).bind(id).fetch_optional(pool).await)
    }
}

const EVIDENCE_COUNT_SQL: &str =
    "SELECT COUNT(*) FROM booking_photos WHERE booking_id = $1 AND party = $2 AND stage = $3";

/// An evidence photo as stored: id, party, stage, width, height.
pub(super) type EvidenceRow = (PhotoId, Text<Party>, Text<PhotoStage>, i64, i64);

impl Db {
    /// How many photos `party` added to booking `id` at `stage`.
    pub(super) async fn evidence_count(
        &self,
        id: BookingId,
        party: Party,
        stage: PhotoStage,
    ) -> Result<i64, sqlx::Error> {
        on_pool!(self, pool => sqlx::query_scalar(EVIDENCE_COUNT_SQL)
            .bind(id).bind(Text(party)).bind(Text(stage)).fetch_one(pool).await)
    }

    /// Booking `id`'s photos, oldest first.
    pub(super) async fn evidence_rows(
        &self,
        id: BookingId,
    ) -> Result<Vec<EvidenceRow>, sqlx::Error> {
        on_pool!(self, pool => sqlx::query_as(
            "SELECT id, party, stage, width, height FROM booking_photos WHERE booking_id = $1 \
             ORDER BY created_at, id")
            .bind(id).fetch_all(pool).await)
    }

    /// Photo `photo` of booking `id`: its storage key and the booking's renter and owner, in
    /// one statement (a page asks for each of its photos; no replay of events per image).
    pub(super) async fn evidence_file(
        &self,
        id: BookingId,
        photo: PhotoId,
    ) -> Result<Option<(String, UserId, UserId)>, sqlx::Error> {
        on_pool!(self, pool => sqlx::query_as(
            "SELECT p.storage_key, b.renter_id, b.owner_id FROM booking_photos p \
             JOIN bookings b ON b.id = p.booking_id WHERE p.id = $1 AND p.booking_id = $2")
            .bind(photo).bind(id).fetch_optional(pool).await)
    }
}

impl Tx {
    /// Holds booking `id` until the transaction ends (on PostgreSQL its row lock; SQLite's
    /// writer holds everything) and reads its events' payloads, oldest first; `None` when
    /// there is no such booking.
    pub(super) async fn hold_booking(
        &mut self,
        id: BookingId,
    ) -> Result<Option<Vec<String>>, sqlx::Error> {
        let lock = format!(
            "SELECT id FROM bookings WHERE id = $1{}",
            self.dialect().lock_rows()
        );
        on_tx!(self, conn => {
            let found: Option<BookingId> = sqlx::query_scalar(&lock)
                .bind(id).fetch_optional(&mut *conn).await?;
            if found.is_none() {
                return Ok(None);
            }
            sqlx::query_scalar(
                "SELECT payload FROM booking_events WHERE booking_id = $1 ORDER BY seq")
                .bind(id).fetch_all(&mut *conn).await.map(Some)
        })
    }

    pub(super) async fn evidence_count(
        &mut self,
        id: BookingId,
        party: Party,
        stage: PhotoStage,
    ) -> Result<i64, sqlx::Error> {
        on_tx!(self, conn => sqlx::query_scalar(EVIDENCE_COUNT_SQL)
            .bind(id).bind(Text(party)).bind(Text(stage)).fetch_one(conn).await)
    }

    /// Records photo `photo` of booking `id`, stored under `key`, `(width, height)` pixels.
    pub(super) async fn add_evidence_photo(
        &mut self,
        photo: PhotoId,
        id: BookingId,
        (party, stage): (Party, PhotoStage),
        key: &str,
        (width, height): (u32, u32),
        now: DateTime<Utc>,
    ) -> Result<(), sqlx::Error> {
        on_tx!(self, conn => sqlx::query(
            "INSERT INTO booking_photos (id, booking_id, party, stage, storage_key, width, \
             height, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)")
            .bind(photo).bind(id).bind(Text(party)).bind(Text(stage))
            .bind(key).bind(i64::from(width)).bind(i64::from(height)).bind(now)
            .execute(conn).await.map(|done| done.rows_affected()))?;
        Ok(())
    }
}

/// A row of `booking_events`: the event's number in its booking, its kind, who did it and
/// as which party, and the event itself as JSON.
#[derive(Clone, Debug)]
pub(super) struct EventRow {
    pub(super) booking: BookingId,
    pub(super) seq: i64,
    pub(super) kind: &'static str,
    pub(super) actor: Option<UserId>,
    pub(super) role: Party,
    pub(super) payload: String,
    pub(super) at: DateTime<Utc>,
}

/// What inserting a new booking's row did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Inserted {
    Done,
    /// The renter's form key is taken: a second submission of the form committed first.
    KeyTaken,
}

const TERMS_COLUMNS: &str = "owner_id, status, currency, daily_price_minor, weekly_price_minor, \
     monthly_price_minor, deposit_minor, min_days, max_days, lead_time_days, buffer_days, \
     instant_booking, time_zone, cancellation_policy, included_items, late_fee_minor";

/// SQL that is true when unit `u` has no reservation on a day of `[from, until)` (two
/// parameters). A unit's reservations never overlap (PostgreSQL's exclusion constraint;
/// SQLite's writers check under one lock), so the one starting last before `until` is the
/// only one that can reach into the range: one index step instead of a scan of every
/// reservation the unit has, which grows with its bookings.
fn unit_free(from: &str, until: &str) -> String {
    format!(
        "NOT EXISTS (SELECT 1 FROM (SELECT r.ends_on FROM reservations r \
         WHERE r.unit_id = u.id AND r.starts_on < {until} ORDER BY r.starts_on DESC LIMIT 1) \
         AS latest WHERE latest.ends_on > {from})"
    )
}

/// The columns of the bookings row that change after the request.
const UPDATE_BOOKING_SQL: &str = "UPDATE bookings SET status = $2, decline_reason = $3, \
     cancelled_by = $4, refund_minor = $5, updated_at = $6, overdue = $7, ends_on = $8, \
     days = $9, rental_minor = $10, service_fee_minor = $11, total_minor = $12 WHERE id = $1";

const INSERT_RESERVATION_SQL: &str = "INSERT INTO reservations (id, listing_id, unit_id, kind, \
     starts_on, ends_on, note, created_by, created_at, booking_id) \
     VALUES ($1, $2, $3, 'booking', $4, $5, '', $6, $7, $8)";

/// Who cancelled and what was refunded, as the row keeps them.
fn cancellation(booking: &Booking) -> (Option<&'static str>, Option<i64>) {
    match booking.cancellation {
        Some((by, refund)) => (Some(by.as_str()), Some(refund.total_minor())),
        None => (None, None),
    }
}

impl Db {
    /// Listing `listing`'s terms, as a plain read.
    pub(super) async fn listing_terms(
        &self,
        listing: ListingId,
    ) -> Result<Option<ListingTerms>, sqlx::Error> {
        let sql = format!("SELECT {TERMS_COLUMNS} FROM listings WHERE id = $1");
        on_pool!(self, pool => sqlx::query_as(&sql).bind(listing).fetch_optional(pool).await)
    }

    /// A request's first look, in one statement before any lock: listing `listing`'s terms,
    /// the renter's booking made with form key `key`, how many requests they have waiting,
    /// and a unit free on the rental days.
    pub(super) async fn glance(
        &self,
        listing: ListingId,
        renter: UserId,
        key: RequestKey,
        (from, to): (NaiveDate, NaiveDate),
    ) -> Result<Option<Glance>, sqlx::Error> {
        let sql = format!(
            "SELECT {TERMS_COLUMNS}, \
             (SELECT b.id FROM bookings b WHERE b.renter_id = $2 AND b.idempotency_key = $3) \
               AS earlier, \
             (SELECT COUNT(*) FROM bookings b WHERE b.renter_id = $2 AND b.status = 'requested') \
               AS open_requests, \
             (SELECT u.id FROM listing_units u WHERE u.listing_id = $1 AND u.active \
                 AND {} LIMIT 1) AS unit \
             FROM listings WHERE id = $1",
            unit_free("$4", "$5")
        );
        on_pool!(self, pool => sqlx::query_as(&sql)
            .bind(listing).bind(renter).bind(key).bind(from).bind(to)
            .fetch_optional(pool).await)
    }

    /// The booking renter `renter` made with form key `key`: id, listing and days.
    pub(super) async fn keyed_booking(
        &self,
        renter: UserId,
        key: RequestKey,
    ) -> Result<Option<Keyed>, sqlx::Error> {
        on_pool!(self, pool => sqlx::query_as(KEYED_SQL)
            .bind(renter).bind(key).fetch_optional(pool).await)
    }

    /// When booking `id` was requested: the time of its first event.
    pub(super) async fn requested_at(
        &self,
        id: BookingId,
    ) -> Result<Option<DateTime<Utc>>, sqlx::Error> {
        on_pool!(self, pool => sqlx::query_scalar(
                "SELECT at FROM booking_events WHERE booking_id = $1 AND seq = 1")
            .bind(id).fetch_optional(pool).await)
    }

    /// Booking `id`'s events as stored, oldest first: when, and the event as JSON.
    pub(super) async fn booking_event_rows(
        &self,
        id: BookingId,
    ) -> Result<Vec<(DateTime<Utc>, String)>, sqlx::Error> {
        on_pool!(self, pool => sqlx::query_as(
            "SELECT at, payload FROM booking_events WHERE booking_id = $1 ORDER BY seq")
            .bind(id).fetch_all(pool).await)
    }
}

const KEYED_SQL: &str = "SELECT id, listing_id, starts_on, ends_on FROM bookings \
     WHERE renter_id = $1 AND idempotency_key = $2";

/// A booking found by its form key: id, listing, first and last day.
pub(super) type Keyed = (BookingId, ListingId, NaiveDate, NaiveDate);

/// A request's first look ([`Db::glance`]).
#[derive(FromRow)]
pub(super) struct Glance {
    #[sqlx(flatten)]
    pub(super) terms: ListingTerms,
    pub(super) earlier: Option<BookingId>,
    pub(super) unit: Option<UnitId>,
    pub(super) open_requests: i64,
}

impl Tx {
    /// Holds the listing of booking `id` (see `Tx::lock_listing`), as every writer of a
    /// listing's reservations does before it holds a booking; answers the listing.
    pub(super) async fn hold_listing_of(
        &mut self,
        id: BookingId,
    ) -> Result<Option<ListingId>, sqlx::Error> {
        let listing: Option<ListingId> = on_tx!(self, conn => sqlx::query_scalar(
                "SELECT listing_id FROM bookings WHERE id = $1")
            .bind(id).fetch_optional(conn).await)?;
        let Some(listing) = listing else {
            return Ok(None);
        };
        self.lock_listing(listing).await?;
        Ok(Some(listing))
    }

    /// Listing `listing`'s terms, held until the transaction ends.
    pub(super) async fn listing_terms(
        &mut self,
        listing: ListingId,
    ) -> Result<Option<ListingTerms>, sqlx::Error> {
        let sql = format!(
            "SELECT {TERMS_COLUMNS} FROM listings WHERE id = $1{}",
            self.dialect().lock_rows()
        );
        on_tx!(self, conn => sqlx::query_as(&sql).bind(listing).fetch_optional(conn).await)
    }

    /// The renter's booking made with form key `key`, and the first active unit of
    /// `listing` with nothing reserved on `[from, until)`.
    pub(super) async fn earlier_and_free_unit(
        &mut self,
        (renter, key): (UserId, RequestKey),
        listing: ListingId,
        (from, until): (NaiveDate, NaiveDate),
    ) -> Result<(Option<BookingId>, Option<UnitId>), sqlx::Error> {
        let sql = format!(
            "SELECT \
             (SELECT b.id FROM bookings b WHERE b.renter_id = $1 AND b.idempotency_key = $2) \
               AS earlier, \
             (SELECT u.id FROM listing_units u WHERE u.listing_id = $3 AND u.active AND {} \
              ORDER BY u.label LIMIT 1) AS unit",
            unit_free("$4", "$5")
        );
        on_tx!(self, conn => sqlx::query_as(&sql)
            .bind(renter).bind(key).bind(listing).bind(from).bind(until)
            .fetch_one(conn).await)
    }

    pub(super) async fn keyed_booking(
        &mut self,
        renter: UserId,
        key: RequestKey,
    ) -> Result<Option<Keyed>, sqlx::Error> {
        on_tx!(self, conn => sqlx::query_as(KEYED_SQL)
            .bind(renter).bind(key).fetch_optional(conn).await)
    }

    /// How many of `renter`'s requests wait for an answer.
    pub(super) async fn open_requests(&mut self, renter: UserId) -> Result<i64, sqlx::Error> {
        on_tx!(self, conn => sqlx::query_scalar(
                "SELECT COUNT(*) FROM bookings WHERE renter_id = $1 AND status = 'requested'")
            .bind(renter).fetch_one(conn).await)
    }

    /// Inserts the row of the new `booking`, made with form key `key` and paid with the card
    /// ending `card_last4`.
    pub(super) async fn insert_booking(
        &mut self,
        booking: &Booking,
        key: RequestKey,
        card_last4: &str,
        at: DateTime<Utc>,
    ) -> Result<Inserted, sqlx::Error> {
        let t = &booking.terms;
        let (cancelled_by, refund) = cancellation(booking);
        let inserted = on_tx!(self, conn => sqlx::query(
            "INSERT INTO bookings (id, listing_id, unit_id, renter_id, \
             owner_id, status, starts_on, ends_on, buffer_days, currency, days, rental_minor, \
             service_fee_minor, deposit_minor, total_minor, cancellation_policy, instant, \
             pickup_at, expires_at, decline_reason, cancelled_by, refund_minor, idempotency_key, \
             created_at, updated_at, card_last4) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, \
             $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24, $24, $25)")
            .bind(t.id).bind(t.listing).bind(t.unit).bind(t.renter).bind(t.owner)
            .bind(Text(booking.status)).bind(t.period.from()).bind(t.period.to())
            .bind(t.buffer_days).bind(t.quote.total.currency.code()).bind(t.quote.days)
            .bind(t.quote.rental.minor).bind(t.quote.service_fee.minor)
            .bind(t.quote.deposit.minor).bind(t.quote.total.minor).bind(t.policy.as_str())
            .bind(t.instant).bind(t.pickup_at).bind(t.expires_at)
            .bind(booking.decline_reason.as_deref()).bind(cancelled_by).bind(refund)
            .bind(key).bind(at).bind(card_last4)
            .execute(conn).await.map(|done| done.rows_affected()));
        match inserted {
            // The booking's one unique key besides its random id is the renter's form key.
            Err(sqlx::Error::Database(e)) if e.is_unique_violation() => Ok(Inserted::KeyTaken),
            Err(error) => Err(error),
            Ok(_) => Ok(Inserted::Done),
        }
    }

    /// Writes `booking`'s changing columns as they are after a change at `at`.
    pub(super) async fn update_booking(
        &mut self,
        booking: &Booking,
        at: DateTime<Utc>,
    ) -> Result<(), sqlx::Error> {
        let t = &booking.terms;
        let (cancelled_by, refund) = cancellation(booking);
        on_tx!(self, conn => sqlx::query(UPDATE_BOOKING_SQL)
            .bind(t.id).bind(Text(booking.status)).bind(booking.decline_reason.as_deref())
            .bind(cancelled_by).bind(refund).bind(at).bind(booking.handover.overdue)
            // An extension moves the return day and the price.
            .bind(t.period.to()).bind(t.quote.days).bind(t.quote.rental.minor)
            .bind(t.quote.service_fee.minor).bind(t.quote.total.minor)
            .execute(conn).await.map(|done| done.rows_affected()))?;
        Ok(())
    }

    /// Holds booking `booking`'s unit for `[from, until)`, recorded as made by `by` at `at`.
    pub(super) async fn reserve(
        &mut self,
        booking: &NewBooking,
        (from, until): (NaiveDate, NaiveDate),
        by: UserId,
        at: DateTime<Utc>,
    ) -> Result<Reserved, sqlx::Error> {
        Reserved::of(on_tx!(self, conn => sqlx::query(INSERT_RESERVATION_SQL)
            .bind(Uuid::new_v4()).bind(booking.listing).bind(booking.unit)
            .bind(from).bind(until).bind(by).bind(at).bind(booking.id)
            .execute(conn).await.map(|_| ())))
    }

    /// Frees the unit booking `id` holds.
    pub(super) async fn release_unit(&mut self, id: BookingId) -> Result<(), sqlx::Error> {
        on_tx!(self, conn => sqlx::query("DELETE FROM reservations WHERE booking_id = $1")
            .bind(id).execute(conn).await.map(|done| done.rows_affected()))?;
        Ok(())
    }

    /// How many reservations hold `unit` on a day of `[from, until)`.
    pub(super) async fn reservations_of_unit(
        &mut self,
        unit: UnitId,
        (from, until): (NaiveDate, NaiveDate),
    ) -> Result<i64, sqlx::Error> {
        on_tx!(self, conn => sqlx::query_scalar(
                "SELECT COUNT(*) FROM reservations WHERE unit_id = $1 AND starts_on < $2 \
                 AND ends_on > $3")
            .bind(unit).bind(until).bind(from).fetch_one(conn).await)
    }

    /// Adds booking events, all at once.
    pub(super) async fn add_booking_events(
        &mut self,
        rows: &[EventRow],
    ) -> Result<(), sqlx::Error> {
        if rows.is_empty() {
            return Ok(());
        }
        on_tx!(self, conn => {
            let mut insert = sqlx::QueryBuilder::new(
                "INSERT INTO booking_events (booking_id, seq, kind, actor_id, actor_role, \
                 payload, at) ");
            insert.push_values(rows, |mut row, event| {
                row.push_bind(event.booking)
                    .push_bind(event.seq)
                    .push_bind(event.kind)
                    .push_bind(event.actor)
                    .push_bind(Text(event.role))
                    .push_bind(event.payload.as_str())
                    .push_bind(event.at);
            });
            insert.build().execute(conn).await.map(|done| done.rows_affected())
        })?;
        Ok(())
    }
}

/// The first day another reservation holds unit `$1` within `[$3, $4)`, booking `$2`'s own
/// aside.
const FIRST_TAKEN_SQL: &str = "SELECT starts_on FROM reservations WHERE unit_id = $1 \
     AND (booking_id IS NULL OR booking_id <> $2) AND starts_on < $4 AND ends_on > $3 \
     ORDER BY starts_on LIMIT 1";

impl Db {
    /// The first day another reservation than booking `booking`'s holds `unit` within
    /// `[from, until)`.
    pub(super) async fn first_taken_day(
        &self,
        unit: UnitId,
        booking: BookingId,
        (from, until): (NaiveDate, NaiveDate),
    ) -> Result<Option<NaiveDate>, sqlx::Error> {
        on_pool!(self, pool => sqlx::query_scalar(FIRST_TAKEN_SQL)
            .bind(unit).bind(booking).bind(from).bind(until).fetch_optional(pool).await)
    }

    /// The title of listing `listing`, for a booking's pages.
    pub(super) async fn listing_title(
        &self,
        listing: ListingId,
    ) -> Result<Option<String>, sqlx::Error> {
        on_pool!(self, pool => sqlx::query_scalar("SELECT title FROM listings WHERE id = $1")
            .bind(listing).fetch_optional(pool).await)
    }
}

impl Tx {
    /// [`Db::first_taken_day`], inside the transaction.
    pub(super) async fn first_taken_day(
        &mut self,
        unit: UnitId,
        booking: BookingId,
        (from, until): (NaiveDate, NaiveDate),
    ) -> Result<Option<NaiveDate>, sqlx::Error> {
        on_tx!(self, conn => sqlx::query_scalar(FIRST_TAKEN_SQL)
            .bind(unit).bind(booking).bind(from).bind(until).fetch_optional(conn).await)
    }

    /// Grows booking `id`'s reservation to end at `until` (with the owner's turnaround).
    pub(super) async fn grow_reservation(
        &mut self,
        id: BookingId,
        until: NaiveDate,
    ) -> Result<Reserved, sqlx::Error> {
        Reserved::of(on_tx!(self, conn => sqlx::query(
                "UPDATE reservations SET ends_on = $2 WHERE booking_id = $1")
            .bind(id).bind(until).execute(conn).await.map(|_| ())))
    }
}

/// A booking's row and the reservation holding its unit, as stored: what `gearshare replay`
/// compares with what the booking's events say.
#[derive(Debug, FromRow)]
pub struct StoredBooking {
    pub id: BookingId,
    pub listing_id: ListingId,
    pub unit_id: UnitId,
    pub renter_id: UserId,
    pub status: String,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub total_minor: i64,
    pub decline_reason: Option<String>,
    pub cancelled_by: Option<String>,
    pub refund_minor: Option<i64>,
    pub overdue: bool,
    /// The reservation holding the booking's unit, if any (at most one: a unique index).
    pub held_unit: Option<UnitId>,
    pub held_from: Option<NaiveDate>,
    pub held_until: Option<NaiveDate>,
}

/// Reads over every booking, for the operator's checks (in a snapshot, `Db::begin_snapshot`).
impl Tx {
    /// Every booking's events as `(booking, payload)`, each booking's in order.
    pub async fn all_booking_events(&mut self) -> Result<Vec<(BookingId, String)>, sqlx::Error> {
        on_tx!(self, conn => sqlx::query_as(
                "SELECT booking_id, payload FROM booking_events ORDER BY booking_id, seq")
            .fetch_all(conn).await)
    }

    pub async fn stored_bookings(&mut self) -> Result<Vec<StoredBooking>, sqlx::Error> {
        on_tx!(self, conn => sqlx::query_as(
                "SELECT b.id, b.listing_id, b.unit_id, b.renter_id, b.status, \
                 b.starts_on, b.ends_on, b.total_minor, b.decline_reason, b.cancelled_by, \
                 b.refund_minor, b.overdue, r.unit_id AS held_unit, r.starts_on AS held_from, \
                 r.ends_on AS held_until \
                 FROM bookings b LEFT JOIN reservations r ON r.booking_id = b.id")
            .fetch_all(conn).await)
    }

    /// [`Db::overlapping_reservations`], in this transaction's view.
    pub async fn overlapping_reservations(&mut self) -> Result<i64, sqlx::Error> {
        on_tx!(self, conn => sqlx::query_scalar(OVERLAPS_SQL).fetch_one(conn).await)
    }
}

crate::stored_text!(BookingStatus, "booking status");
crate::stored_text!(Party, "party");
crate::stored_text!(PhotoStage, "photo stage");
