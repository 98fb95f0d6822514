//! The SQL of the event outbox (`events`, `event_head`).

use super::{Event, NewEvent, CHANNEL};
use crate::domain::UserId;
use crate::on_pool;
use crate::store::{Backend, Db};
use chrono::{DateTime, Utc};

/// Appends `events` in the open transaction `tx`, at `now`; answers the last position taken,
/// or `None` when there was nothing to append. Call it last before the commit: from here the
/// transaction holds the outbox's head until it ends. After the commit, call
/// [`super::bus::appended`] ([`crate::store::Tx`] does both).
pub(crate) async fn append<DB>(
    tx: &mut sqlx::Transaction<'_, DB>,
    events: &[NewEvent],
    now: DateTime<Utc>,
) -> Result<Option<i64>, sqlx::Error>
where
    DB: Backend,
    for<'e> &'e mut DB::Connection: sqlx::Executor<'e, Database = DB>,
    for<'q> DB::Arguments<'q>: sqlx::IntoArguments<'q, DB>,
    for<'q> i64: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    for<'q> String: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    for<'q> Option<UserId>: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    for<'q> DateTime<Utc>: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    (i64,): for<'r> sqlx::FromRow<'r, DB::Row>,
{
    if events.is_empty() {
        return Ok(None);
    }
    let conn: &mut DB::Connection = tx;
    let count = events.len() as i64;
    let (take, sql) = DB::DIALECT.append_events(events.len(), CHANNEL);
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

impl Db {
    /// The outbox's head (the last position taken) and the oldest position it still keeps.
    pub(crate) async fn outbox_bounds(&self) -> Result<(i64, Option<i64>), sqlx::Error> {
        let (oldest, head): (Option<i64>, i64) = on_pool!(self, pool => sqlx::query_as(
                "SELECT (SELECT MIN(position) FROM events), position FROM event_head WHERE id = 1")
            .fetch_one(pool).await)?;
        Ok((head, oldest))
    }

    /// Up to `limit` events after `position`, oldest first.
    pub(crate) async fn events_after(
        &self,
        position: i64,
        limit: i64,
    ) -> Result<Vec<Event>, sqlx::Error> {
        on_pool!(self, pool => sqlx::query_as(
                "SELECT position, stream, kind, payload, actor_id, at FROM events \
                 WHERE position > $1 ORDER BY position LIMIT $2")
            .bind(position).bind(limit).fetch_all(pool).await)
    }

    /// Deletes the events older than `before`; answers how many. A subscriber that asks for
    /// what came after one of them is told to resynchronise.
    pub async fn sweep_events(&self, before: DateTime<Utc>) -> Result<u64, sqlx::Error> {
        on_pool!(self, pool => sqlx::query("DELETE FROM events WHERE at < $1")
            .bind(before).execute(pool).await.map(|done| done.rows_affected()))
    }
}
