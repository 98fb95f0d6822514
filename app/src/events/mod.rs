//! One ordered stream of committed changes (server only). A change that someone may care
//! about appends its events to the outbox table (`events`) in its own transaction
//! ([`append`]), as the transaction's last statement; the bus ([`bus::EventBus`]) delivers
//! them, in position order, to subscribers in every instance.
//!
//! Positions come from the one-row `event_head` table, updated under its row lock, so a
//! transaction that appends holds that lock until it commits: positions follow commit order
//! and have no gaps, and "everything after the last position delivered" never skips an event
//! that committed late. The lock is taken last, so it is held only for the commit itself.

pub mod bus;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Whose events these are: the key subscribers filter by.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Stream {
    Listing(Uuid),
    Booking(Uuid),
    User(Uuid),
}

impl Stream {
    pub fn key(&self) -> String {
        match self {
            Self::Listing(id) => format!("listing:{id}"),
            Self::Booking(id) => format!("booking:{id}"),
            Self::User(id) => format!("user:{id}"),
        }
    }

    pub fn parse(key: &str) -> Option<Self> {
        let (kind, id) = key.split_once(':')?;
        let id = Uuid::parse_str(id).ok()?;
        match kind {
            "listing" => Some(Self::Listing(id)),
            "booking" => Some(Self::Booking(id)),
            "user" => Some(Self::User(id)),
            _ => None,
        }
    }
}

/// The kind of a listing's event that says the days its units are held changed (a booking,
/// a block, a cancellation): readers that show availability act on it, others need not.
pub const AVAILABILITY: &str = "availability";

/// A change to record with the transaction that makes it. The payload is for whoever may
/// read the stream: never a secret, and on a listing's stream nothing about who booked.
#[derive(Clone, Debug)]
pub struct NewEvent {
    pub stream: Stream,
    pub kind: &'static str,
    pub payload: serde_json::Value,
    pub actor: Option<Uuid>,
}

/// A committed event, as the outbox keeps it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, sqlx::FromRow)]
pub struct Event {
    pub position: i64,
    pub stream: String,
    pub kind: String,
    /// JSON.
    pub payload: String,
    pub actor_id: Option<Uuid>,
    pub at: DateTime<Utc>,
}

impl Event {
    pub fn stream(&self) -> Option<Stream> {
        Stream::parse(&self.stream)
    }
}

/// What differs between the backends in appending. SQLite has one process per database
/// file and one writer at a time: it takes the positions, then inserts (two statements), and
/// the writer wakes its own bus. On PostgreSQL the head's row lock is held from the append to
/// the commit and every appending transaction waits for it, so the append is one statement
/// (a data-modifying `WITH`: take the positions, insert, notify), leaving only the commit
/// under the lock. The notification, sent at commit, wakes every instance's listener and
/// carries only the last position: the table is the truth.
pub trait Outbox: sqlx::Database {
    /// The statement that appends `rows` events: its first value is the count, then for each
    /// event its number (1 to `rows`), stream, kind, payload, actor and time. It answers the
    /// last position, or `None` when positions are taken by [`TAKE_POSITIONS_SQL`] first.
    fn append_sql(rows: usize) -> (Option<&'static str>, String);
}

impl Outbox for sqlx::Sqlite {
    fn append_sql(rows: usize) -> (Option<&'static str>, String) {
        let values = placeholders(rows, 1, |_| "");
        let sql = format!(
            "INSERT INTO events (position, stream, kind, payload, actor_id, at) \
             SELECT $1 + column1, column2, column3, column4, column5, column6 FROM (VALUES {values})"
        );
        (Some(TAKE_POSITIONS_SQL), sql)
    }
}

impl Outbox for sqlx::Postgres {
    fn append_sql(rows: usize) -> (Option<&'static str>, String) {
        // The first row's casts give the VALUES list its column types.
        let values = placeholders(rows, 1, |column| match column {
            0 => "::bigint",
            1..=3 => "::text",
            4 => "::uuid",
            _ => "::timestamptz",
        });
        let sql = format!(
            "WITH head AS (UPDATE event_head SET position = position + $1 WHERE id = 1 \
                 RETURNING position), \
             added AS (INSERT INTO events (position, stream, kind, payload, actor_id, at) \
                 SELECT head.position - $1 + v.n, v.stream, v.kind, v.payload, v.actor_id, v.at \
                 FROM head, (VALUES {values}) AS v (n, stream, kind, payload, actor_id, at)) \
             SELECT head.position FROM head \
             CROSS JOIN LATERAL (SELECT pg_notify('{CHANNEL}', head.position::text)) AS notified"
        );
        (None, sql)
    }
}

/// The channel PostgreSQL's append notifies.
pub const CHANNEL: &str = "gearshare_events";

/// `rows` groups of six placeholders from `$2` (after the count), `(…), (…)`; `cast` gives
/// the first row's casts by column.
fn placeholders(rows: usize, after: usize, cast: impl Fn(usize) -> &'static str) -> String {
    (0..rows)
        .map(|row| {
            let columns: Vec<String> = (0..6)
                .map(|column| {
                    let n = after + row * 6 + column + 1;
                    let cast = if row == 0 { cast(column) } else { "" };
                    format!("${n}{cast}")
                })
                .collect();
            format!("({})", columns.join(", "))
        })
        .collect::<Vec<_>>()
        .join(", ")
}

const TAKE_POSITIONS_SQL: &str =
    "UPDATE event_head SET position = position + $1 WHERE id = 1 RETURNING position";

/// Appends `events` in the open transaction `tx`, at `now`; answers the last position taken,
/// or `None` when there was nothing to append. Call it last before the commit: from here the
/// transaction holds the outbox's head until it ends. After the commit, call
/// [`bus::appended`].
pub async fn append<DB>(
    tx: &mut sqlx::Transaction<'_, DB>,
    events: &[NewEvent],
    now: DateTime<Utc>,
) -> Result<Option<i64>, sqlx::Error>
where
    DB: Outbox,
    for<'e> &'e mut DB::Connection: sqlx::Executor<'e, Database = DB>,
    for<'q> DB::Arguments<'q>: sqlx::IntoArguments<'q, DB>,
    for<'q> i64: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    for<'q> String: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    for<'q> Option<Uuid>: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    for<'q> DateTime<Utc>: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    (i64,): for<'r> sqlx::FromRow<'r, DB::Row>,
{
    if events.is_empty() {
        return Ok(None);
    }
    let conn: &mut DB::Connection = tx;
    let count = events.len() as i64;
    let (take, sql) = DB::append_sql(events.len());
    // SQLite: the positions first; the insert adds the event's number to the one before them.
    let before = match take {
        Some(take) => {
            let last: i64 = sqlx::query_scalar(take)
                .bind(count)
                .fetch_one(&mut *conn)
                .await?;
            Some(last - count)
        }
        None => None,
    };
    let mut insert = sqlx::query_scalar::<DB, i64>(&sql).bind(before.unwrap_or(count));
    for (event, n) in events.iter().zip(1i64..) {
        insert = insert
            .bind(n)
            .bind(event.stream.key())
            .bind(event.kind.to_owned())
            .bind(event.payload.to_string())
            .bind(event.actor)
            .bind(now);
    }
    match before {
        Some(before) => {
            insert.fetch_optional(&mut *conn).await?;
            Ok(Some(before + count))
        }
        None => insert.fetch_one(&mut *conn).await.map(Some),
    }
}

/// Deletes the events older than `before`; answers how many. A subscriber that asks for what
/// came after one of them is told to resynchronise.
pub async fn sweep(db: &crate::db::Db, before: DateTime<Utc>) -> Result<u64, sqlx::Error> {
    crate::on_pool!(db, pool => sqlx::query("DELETE FROM events WHERE at < $1")
        .bind(before).execute(pool).await.map(|done| done.rows_affected()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stream_keys_read_back() {
        let id = Uuid::new_v4();
        for stream in [Stream::Listing(id), Stream::Booking(id), Stream::User(id)] {
            assert_eq!(Stream::parse(&stream.key()), Some(stream));
        }
        assert_eq!(Stream::parse("listing:nope"), None);
        assert_eq!(Stream::parse(&format!("planet:{id}")), None);
    }
}
