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

/// What differs between the backends in appending: PostgreSQL also wakes every instance's
/// listener, with a notification sent at commit (it carries only the position: the table
/// is the truth). SQLite has one process per database file; the writer wakes its own bus.
pub trait Outbox: sqlx::Database {
    const NOTIFY_SQL: Option<&'static str>;
}

impl Outbox for sqlx::Sqlite {
    const NOTIFY_SQL: Option<&'static str> = None;
}

impl Outbox for sqlx::Postgres {
    const NOTIFY_SQL: Option<&'static str> = Some("SELECT pg_notify('gearshare_events', $1)");
}

/// The channel the notifications of [`Outbox::NOTIFY_SQL`] go to.
pub const CHANNEL: &str = "gearshare_events";

/// The insert of `rows` events, six values each.
fn insert_sql(rows: usize) -> String {
    let values: Vec<String> = (0..rows)
        .map(|row| {
            let n = row * 6;
            format!(
                "(${}, ${}, ${}, ${}, ${}, ${})",
                n + 1,
                n + 2,
                n + 3,
                n + 4,
                n + 5,
                n + 6
            )
        })
        .collect();
    format!(
        "INSERT INTO events (position, stream, kind, payload, actor_id, at) VALUES {}",
        values.join(", ")
    )
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
    let last: i64 = sqlx::query_scalar(TAKE_POSITIONS_SQL)
        .bind(count)
        .fetch_one(&mut *conn)
        .await?;
    let first = last - count + 1;
    let sql = insert_sql(events.len());
    let mut insert = sqlx::query(&sql);
    for (event, position) in events.iter().zip(first..) {
        insert = insert
            .bind(position)
            .bind(event.stream.key())
            .bind(event.kind.to_owned())
            .bind(event.payload.to_string())
            .bind(event.actor)
            .bind(now);
    }
    insert.execute(&mut *conn).await?;
    if let Some(notify) = DB::NOTIFY_SQL {
        sqlx::query(notify)
            .bind(last.to_string())
            .execute(&mut *conn)
            .await?;
    }
    Ok(Some(last))
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
